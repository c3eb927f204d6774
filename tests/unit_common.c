#include <config.h>

#include "unit_common.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

static char tmpdir[PATH_MAX];
static char empty_conf[PATH_MAX + 16];
char unit_conf_arg[PATH_MAX + 32];

int unit_group_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] != '/')
        base = "/tmp";
    snprintf(tmpdir, sizeof(tmpdir), "%s/oi-unit-XXXXXX", base);
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(empty_conf, sizeof(empty_conf), "%s/empty.conf", tmpdir);
    int fd = open(empty_conf, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(unit_conf_arg, sizeof(unit_conf_arg), "conf=%s", empty_conf);
    return 0;
}

int unit_group_teardown(void **state)
{
    unlink(empty_conf);
    rmdir(tmpdir);
    return 0;
}

void unit_config_load(struct oi_config *cfg, const char *const *args)
{
    const char *argv[32];
    int argc = 0;
    struct oi_config_error err;
    argv[argc++] = unit_conf_arg;
    for (size_t i = 0; args[i] != NULL && argc < 32; i++)
        argv[argc++] = args[i];
    if (oi_config_load(cfg, argc, argv, &err) != 0)
        fail_msg("config refused: %s: %s %s", err.where, err.key, err.what);
}
