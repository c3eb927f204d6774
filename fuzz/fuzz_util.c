#include <config.h>

#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    abort();
}

static char dir[256];
static char path[300];
static int fd = -1;

static void cleanup(void)
{
    if (fd >= 0)
        close(fd);
    if (path[0])
        unlink(path);
    if (dir[0])
        rmdir(dir);
}

const char *fuzz_file_path(void)
{
    if (fd >= 0)
        return path;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/oi-fuzz-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "fuzz: mkdtemp %s: %s\n", dir, strerror(errno));
        exit(2);
    }
    snprintf(path, sizeof(path), "%s/conf", dir);
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        fprintf(stderr, "fuzz: cannot create %s: %s\n", path, strerror(errno));
        exit(2);
    }
    atexit(cleanup);
    return path;
}

void fuzz_file_write(const void *data, size_t size)
{
    fuzz_file_path();
    if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
}

void fuzz_config_fixed(struct oi_config *cfg, const char *conf_text, int argc, const char **argv)
{
    struct oi_config_error err;
    char conf_arg[320];
    const char *args[16];
    if (argc > 15)
        abort();
    fuzz_file_write(conf_text, strlen(conf_text));
    snprintf(conf_arg, sizeof(conf_arg), "conf=%s", fuzz_file_path());
    args[0] = conf_arg;
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    if (oi_config_load(cfg, argc + 1, args, &err) != 0) {
        fprintf(stderr, "fuzz: fixed configuration refused: %s: %s: %s\n", err.where, err.key, err.what);
        exit(2);
    }
}
