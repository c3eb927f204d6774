#include <config.h>

#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>

static int fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

/* One directory on the way: its own directory (holding the file) must not be writable by
 * others at all; an ancestor may be, when root owns it and it is sticky. */
static int check_dir(const char *dir, bool holds_file, char *why, size_t whylen)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return fail(why, whylen, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return fail(why, whylen, "%s%s", dir, " is not a directory");
    if (!owner_ok(&st))
        return fail(why, whylen, "the directory %s%s", dir, " is not owned by root");
    bool sticky_root = st.st_uid == 0 && (st.st_mode & S_ISVTX);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (holds_file || !sticky_root))
        return fail(why, whylen, "the directory %s%s", dir,
                    holds_file && sticky_root ? " is writable by others (a sticky directory such as /tmp may hold the "
                                                "directory, not the file)"
                                              : " is writable by group or others");
    return 0;
}

/* Each directory from the top down to dir itself ("/" is checked by the caller). */
static int check_chain(char *dir, bool last_holds_file, char *why, size_t whylen)
{
    size_t n = strlen(dir);
    for (size_t i = 1; i <= n; i++) {
        if (i < n && dir[i] != '/')
            continue;
        char saved = dir[i];
        dir[i] = '\0';
        int rc = check_dir(dir, i == n && last_holds_file, why, whylen);
        dir[i] = saved;
        if (rc != 0)
            return rc;
    }
    return 0;
}

int oi_check_ancestors(const char *path, bool is_dir, char *why, size_t whylen)
{
    if (path[0] != '/')
        return fail(why, whylen, "%s%s", path, ": not an absolute path");
    char parent[PATH_MAX], real[PATH_MAX];
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n >= sizeof(parent))
        return fail(why, whylen, "%s%s", path, ": path too long");
    memcpy(parent, path, n);
    parent[n] = '\0';
    bool top = strcmp(parent, "/") == 0;
    if (check_dir("/", top && !is_dir, why, whylen) != 0)
        return -1;
    if (top)
        return 0;
    /* Each directory as written (the holder of a symbolic link is checked before the link is
     * followed), then each directory of the path the links lead to. */
    if (check_chain(parent, !is_dir, why, whylen) != 0)
        return -1;
    if (realpath(parent, real) == NULL)
        return fail(why, whylen, "%s: %s", parent, strerror(errno));
    if (strcmp(real, parent) == 0)
        return 0;
    if (strcmp(real, "/") == 0)
        return check_dir("/", !is_dir, why, whylen);
    return check_chain(real, !is_dir, why, whylen);
}

/* The checks on an open file or directory itself. NULL when it is fine. */
static const char *check_node(const struct stat *st, enum oi_path_kind kind)
{
    if (kind == OI_PATH_DIR ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
        return kind == OI_PATH_DIR ? "not a directory" : "not a regular file";
    if (!owner_ok(st))
        return "not owned by root";
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return "writable by group or others";
    if (kind == OI_PATH_SECRET && (st->st_mode & (S_IRGRP | S_IROTH)))
        return "readable by group or others (chmod 600)";
    return NULL;
}

/* Open path without following a final symbolic link, after checking its ancestors. */
/* The ancestors of path, with path named first in why. */
static int check_ancestors_of(const char *path, bool is_dir, char *why, size_t whylen)
{
    char above[2200];
    if (oi_check_ancestors(path, is_dir, above, sizeof(above)) == 0)
        return 0;
    return path[0] == '/' ? fail(why, whylen, "%s: %s", path, above) : fail(why, whylen, "%s", above);
}

static int open_checked(const char *path, enum oi_path_kind kind, struct stat *st, char *why, size_t whylen)
{
    if (check_ancestors_of(path, kind == OI_PATH_DIR, why, whylen) != 0)
        return -1;
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (kind == OI_PATH_DIR ? O_DIRECTORY : 0);
    int fd = open(path, flags);
    if (fd < 0) {
        int e = errno;
        snprintf(why, whylen, "%s: %s%s", path, strerror(e), e == ELOOP ? " (symbolic links are refused)" : "");
        return -1;
    }
    const char *bad = fstat(fd, st) != 0 ? "cannot stat" : check_node(st, kind);
    if (bad != NULL) {
        close(fd);
        return fail(why, whylen, "%s: %s", path, bad);
    }
    return fd;
}

enum oi_reason oi_check_trusted_path(const char *path, enum oi_path_kind kind, char *why, size_t whylen)
{
    struct stat st;
    int fd = open_checked(path, kind, &st, why, whylen);
    if (fd < 0)
        return OI_CONFIG;
    close(fd);
    return OI_OK;
}

enum oi_reason oi_read_trusted_file(const char *path, bool secret, size_t max, char **out, size_t *outlen,
                                    struct oi_config_error *err)
{
    struct stat st;
    *out = NULL;
    int fd = open_checked(path, secret ? OI_PATH_SECRET : OI_PATH_FILE, &st, err->what, sizeof(err->what));
    if (fd < 0)
        return OI_CONFIG;
    if ((size_t)st.st_size > max) {
        close(fd);
        fail(err->what, sizeof(err->what), "%s: %s", path, "too large");
        return OI_CONFIG;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        return OI_NOMEM;
    }
    ssize_t got = oi_read_full(fd, buf, (size_t)st.st_size);
    close(fd);
    if (got != (ssize_t)st.st_size) {
        oi_wipe(buf, (size_t)st.st_size);
        free(buf);
        fail(err->what, sizeof(err->what), "%s: %s", path, "short read");
        return OI_CONFIG;
    }
    buf[got] = '\0';
    *outlen = (size_t)got;
    *out = buf;
    return OI_OK;
}

int oi_private_dir_open(const char *path, char *why, size_t whylen)
{
    struct stat st;
    if (path[0] != '/')
        return fail(why, whylen, "%s%s", path, " is not an absolute path");
    if (check_ancestors_of(path, true, why, whylen) != 0)
        return -1;
    /* Under /run it is gone after every boot: make it, for root only. */
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return fail(why, whylen, "%s: cannot create it: %s", path, strerror(errno));
    if (lstat(path, &st) != 0)
        return fail(why, whylen, "%s: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return fail(why, whylen, "%s%s", path, " is a symbolic link");
    if (!S_ISDIR(st.st_mode))
        return fail(why, whylen, "%s%s", path, " is not a directory");
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const char *bad = NULL;
    if (fd < 0 || fstat(fd, &st) != 0)
        bad = " cannot be opened as a directory";
    else if (!S_ISDIR(st.st_mode))
        bad = " is not a directory";
    else if (!owner_ok(&st))
        bad = " is not owned by root";
    else if (st.st_mode & 077)
        bad = " is open to group or others";
    if (bad != NULL) {
        if (fd >= 0)
            close(fd);
        return fail(why, whylen, "%s%s", path, bad);
    }
    return fd;
}

#define KEY_HEX (2 * OI_KEY_BYTES)

/* An existing key file: ours, private, one line of hex. */
static int read_key(int fd, const char *name, unsigned char key[OI_KEY_BYTES], char *why, size_t whylen)
{
    char buf[KEY_HEX + 2];
    struct stat st;
    const char *bad = NULL;
    ssize_t n = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        bad = " is not a regular file";
    else if (!owner_ok(&st))
        bad = " is not owned by root";
    else if (st.st_mode & 077)
        bad = " is readable or writable by group or others (chmod 600)";
    else if ((n = read(fd, buf, sizeof(buf))) != KEY_HEX + 1 || buf[KEY_HEX] != '\n' ||
             !oi_unhex(key, buf, OI_KEY_BYTES))
        bad = " does not hold one line of 64 hex digits";
    close(fd);
    oi_wipe(buf, sizeof(buf));
    return bad ? fail(why, whylen, "%s%s", name, bad) : 0;
}

/* Make a new key and publish it under name, unless another process got there first. */
static int create_key(int dirfd, const char *name, char *why, size_t whylen)
{
    char buf[KEY_HEX + 2], tmp[64], rhex[17];
    unsigned char raw[OI_KEY_BYTES], rnd[8];
    if (RAND_bytes(raw, sizeof(raw)) != 1 || RAND_bytes(rnd, sizeof(rnd)) != 1)
        return fail(why, whylen, "%s%s", name, ": no random bytes for a new key");
    oi_hex(buf, raw, sizeof(raw));
    oi_wipe(raw, sizeof(raw));
    buf[KEY_HEX] = '\n';
    /* Unique per call, not per process: threads of one host may get here together. */
    oi_hex(rhex, rnd, sizeof(rnd));
    snprintf(tmp, sizeof(tmp), ".tmp-key-%ld-%s", (long)getpid(), rhex);
    int wfd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool written = wfd >= 0 && write(wfd, buf, KEY_HEX + 1) == KEY_HEX + 1;
    if (wfd >= 0 && close(wfd) != 0)
        written = false;
    oi_wipe(buf, sizeof(buf));
    int rc = 0;
    if (!written || (linkat(dirfd, tmp, dirfd, name, 0) != 0 && errno != EEXIST))
        rc = fail(why, whylen, "cannot create %s: %s", name, strerror(errno));
    unlinkat(dirfd, tmp, 0);
    return rc;
}

enum oi_reason oi_private_keyed_dir(const struct oi_log *lg, const char *option, const char *dir, const char *name,
                                    unsigned char key[OI_KEY_BYTES], int *dirfd)
{
    char why[2200];
    int fd = oi_private_dir_open(dir, why, sizeof(why));
    if (fd >= 0 && oi_private_key(fd, name, key, why, sizeof(why)) == 0) {
        if (dirfd != NULL)
            *dirfd = fd;
        else
            close(fd);
        return OI_OK;
    }
    if (fd >= 0)
        close(fd);
    oi_wipe(key, OI_KEY_BYTES);
    oi_logf(lg, LOG_ERR,
            "configuration error: %s %s: %s (it must be a directory, not a symbolic link, owned by root "
            "with mode 0700, in directories only root can change)",
            option, dir, why);
    return OI_CONFIG;
}

int oi_private_key(int dirfd, const char *name, unsigned char key[OI_KEY_BYTES], char *why, size_t whylen)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0)
            return read_key(fd, name, key, why, whylen);
        if (errno != ENOENT || attempt > 0)
            return fail(why, whylen, "%s: %s", name, strerror(errno));
        if (create_key(dirfd, name, why, whylen) != 0)
            return -1;
    }
    return -1;
}
