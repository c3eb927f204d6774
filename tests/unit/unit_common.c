#include <config.h>

#include "unit_common.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char tmpdir[PATH_MAX];
static unsigned file_counter;
char unit_conf_arg[PATH_MAX + 32];

int unit_group_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] != '/')
        base = "/tmp";
    snprintf(tmpdir, sizeof(tmpdir), "%s/oi-unit-XXXXXX", base);
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    char empty_conf[PATH_MAX + 16];
    snprintf(empty_conf, sizeof(empty_conf), "%s/empty.conf", tmpdir);
    int fd = open(empty_conf, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(unit_conf_arg, sizeof(unit_conf_arg), "conf=%s", empty_conf);
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

int unit_group_teardown(void **state)
{
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *unit_scratch_path(const char *what)
{
    size_t size = strlen(tmpdir) + strlen(what) + 16;
    char *p = malloc(size);
    assert_non_null(p);
    snprintf(p, size, "%s/%s-%u", tmpdir, what, ++file_counter);
    return p;
}

char *unit_write_file(const void *data, size_t len, mode_t mode)
{
    char *p = unit_scratch_path("f");
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
    return p;
}

char *unit_write_text(const char *text, mode_t mode)
{
    return unit_write_file(text, strlen(text), mode);
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
