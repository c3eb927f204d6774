/* Unit tests: files.c, files and directories only root can change: every component of a path,
 * trusted files, private directories and their keys. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
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

#include "files.h"
#include "unit_scratch.h"
#include "util.h"

static bool root(void)
{
    if (geteuid() == 0)
        return true;
    print_message("skipped: needs root to chown to another user (running as uid %u)\n", (unsigned)geteuid());
    return false;
}

/* ---- oi_read_trusted_file ---- */

static int read_trusted(const char *path, bool secret, size_t max, char **out, size_t *len, struct oi_config_error *err)
{
    memset(err, 0, sizeof(*err));
    *len = 12345;
    return oi_read_trusted_file(path, secret, max, out, len, err);
}

static void test_trusted_reads_content(void **state)
{
    static const char data[] = "line one\nline two\n";
    char *path = unit_write_text(data, 0644);
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, false, 1024, &out, &len, &err);
    free(path);
    assert_int_equal(rc, 0);
    assert_non_null(out);
    assert_int_equal(len, sizeof(data) - 1);
    assert_string_equal(out, data);
    free(out);
}

static void test_trusted_empty_file(void **state)
{
    char *path = unit_write_text("", 0600);
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, true, 1024, &out, &len, &err);
    free(path);
    assert_int_equal(rc, 0);
    assert_int_equal(len, 0);
    assert_non_null(out);
    assert_string_equal(out, "");
    free(out);
}

static void expect_trusted_refused(const char *path, bool secret, size_t max, const char *why)
{
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, secret, max, &out, &len, &err);
    if (rc == 0) {
        free(out);
        fail_msg("%s accepted", path);
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_null(out);
    assert_non_null(strstr(err.what, path));
    if (strstr(err.what, why) == NULL)
        fail_msg("'%s' does not say '%s'", err.what, why);
}

static void test_trusted_secret_0600_ok(void **state)
{
    char *path = unit_write_text("s3cret\n", 0600);
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, true, 4096, &out, &len, &err);
    free(path);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "s3cret\n");
    free(out);
}

static void test_trusted_secret_0400_ok(void **state)
{
    char *path = unit_write_text("s3cret\n", 0400);
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, true, 4096, &out, &len, &err);
    free(path);
    assert_int_equal(rc, 0);
    free(out);
}

static void test_trusted_secret_group_readable(void **state)
{
    char *path = unit_write_text("s3cret\n", 0640);
    expect_trusted_refused(path, true, 4096, "readable by group or others");
    free(path);
}

static void test_trusted_secret_other_readable(void **state)
{
    char *path = unit_write_text("s3cret\n", 0604);
    expect_trusted_refused(path, true, 4096, "readable by group or others");
    free(path);
}

static void test_trusted_non_secret_group_readable_ok(void **state)
{
    char *path = unit_write_text("x\n", 0640);
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, false, 4096, &out, &len, &err);
    free(path);
    assert_int_equal(rc, 0);
    free(out);
}

static void test_trusted_group_writable(void **state)
{
    char *path = unit_write_text("x\n", 0620);
    expect_trusted_refused(path, true, 4096, "writable by group or others");
    free(path);
}

static void test_trusted_other_writable(void **state)
{
    char *path = unit_write_text("x\n", 0602);
    expect_trusted_refused(path, false, 4096, "writable by group or others");
    free(path);
}

static void test_trusted_symlink(void **state)
{
    char *target = unit_write_text("x\n", 0600);
    char *link = unit_scratch_path("link");
    assert_int_equal(symlink(target, link), 0);
    expect_trusted_refused(link, true, 4096, "symbolic links are refused");
    free(target);
    free(link);
}

static void test_trusted_directory(void **state)
{
    char *path = unit_scratch_path("dir");
    assert_int_equal(mkdir(path, 0700), 0);
    expect_trusted_refused(path, false, 4096, "not a regular file");
    free(path);
}

static void test_trusted_missing(void **state)
{
    char *path = unit_scratch_path("missing");
    expect_trusted_refused(path, false, 4096, "No such file");
    free(path);
}

static void test_trusted_relative(void **state)
{
    expect_trusted_refused("etc/secret", false, 4096, "absolute");
}

static void test_trusted_exactly_max(void **state)
{
    char *path = unit_write_text("0123456789", 0600);
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, true, 10, &out, &len, &err);
    free(path);
    assert_int_equal(rc, 0);
    assert_int_equal(len, 10);
    free(out);
}

static void test_trusted_over_max(void **state)
{
    char *path = unit_write_text("0123456789", 0600);
    expect_trusted_refused(path, true, 9, "too large");
    free(path);
}

static void test_trusted_foreign_owner(void **state)
{
    if (geteuid() != 0) {
        print_message("skipped: needs root to chown a file to uid 65534 (running as uid %u)\n", (unsigned)geteuid());
        skip();
    }
    char *path = unit_write_text("s3cret\n", 0600);
    assert_int_equal(chown(path, 65534, 65534), 0);
    expect_trusted_refused(path, true, 4096, "not owned by root");
    free(path);
}

/* ---- every component of the path ---- */

/* A new scratch directory with exactly this mode. */
static char *scratch_dir(const char *what, mode_t mode)
{
    char *p = unit_scratch_path(what);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* dir/name holding "x\n", mode 0600. */
static char *file_in(const char *dir, const char *name)
{
    char *p = join(dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x\n", 2), 2);
    close(fd);
    return p;
}

static void expect_read(const char *path)
{
    char *out = NULL;
    size_t len;
    struct oi_config_error err;
    int rc = read_trusted(path, true, 4096, &out, &len, &err);
    if (rc != 0)
        fail_msg("%s refused: %s", path, err.what);
    free(out);
}

static void test_ancestor_group_writable(void **state)
{
    char *dir = scratch_dir("gw", 0770);
    char *f = file_in(dir, "conf");
    expect_trusted_refused(f, true, 4096, "is writable by group or others");
    free(f);
    free(dir);
}

/* Anyone could rename "inner" away and put their own in its place. */
static void test_grandparent_world_writable(void **state)
{
    char *top = scratch_dir("ww", 0777);
    char *inner = join(top, "inner");
    assert_int_equal(mkdir(inner, 0700), 0);
    char *f = file_in(inner, "conf");
    expect_trusted_refused(f, true, 4096, "is writable by group or others");
    free(f);
    free(inner);
    free(top);
}

static void test_sticky_root_ancestor_ok(void **state)
{
    if (!root())
        skip();
    char *top = scratch_dir("sticky", 01777);
    char *inner = join(top, "inner");
    assert_int_equal(mkdir(inner, 0700), 0);
    char *f = file_in(inner, "conf");
    expect_read(f);
    free(f);
    free(inner);
    free(top);
}

/* In /tmp itself anyone may create the name before root does. */
static void test_sticky_as_own_directory_refused(void **state)
{
    if (!root())
        skip();
    char *top = scratch_dir("sticky", 01777);
    char *f = file_in(top, "conf");
    expect_trusted_refused(f, true, 4096, "may hold the directory, not the file");
    free(f);
    free(top);
}

static void test_foreign_ancestor_refused(void **state)
{
    if (!root())
        skip();
    char *dir = scratch_dir("foreign", 0755);
    char *f = file_in(dir, "conf");
    assert_int_equal(chown(dir, 65534, 65534), 0);
    expect_trusted_refused(f, true, 4096, "is not owned by root");
    free(f);
    free(dir);
}

/* A link to a directory others can write: the directory it leads to is checked. */
static void test_symlinked_ancestor_to_unsafe(void **state)
{
    char *bad = scratch_dir("bad", 0777);
    char *f = file_in(bad, "conf");
    char *link = unit_scratch_path("link");
    assert_int_equal(symlink(bad, link), 0);
    char *via = join(link, "conf");
    expect_trusted_refused(via, true, 4096, "is writable by group or others");
    free(via);
    free(link);
    free(f);
    free(bad);
}

/* A safe directory reached through a link that others can replace. */
static void test_symlink_held_by_unsafe_directory(void **state)
{
    char *good = scratch_dir("good", 0700);
    char *f = file_in(good, "conf");
    char *holder = scratch_dir("holder", 0777);
    char *link = join(holder, "l");
    assert_int_equal(symlink(good, link), 0);
    char *via = join(link, "conf");
    expect_trusted_refused(via, true, 4096, "is writable by group or others");
    free(via);
    free(link);
    free(holder);
    free(f);
    free(good);
}

/* Like /lib -> usr/lib on a merged-/usr system. */
static void test_symlinked_ancestor_ok(void **state)
{
    char *good = scratch_dir("good", 0700);
    char *f = file_in(good, "conf");
    char *link = unit_scratch_path("link");
    assert_int_equal(symlink(good, link), 0);
    char *via = join(link, "conf");
    expect_read(via);
    free(via);
    free(link);
    free(f);
    free(good);
}

static void test_trusted_path_kinds(void **state)
{
    char why[400];
    char *dir = scratch_dir("cadir", 0755);
    char *f = file_in(dir, "ca.pem");
    assert_int_equal(oi_check_trusted_path(dir, OI_PATH_DIR, why, sizeof(why)), 0);
    assert_int_equal(oi_check_trusted_path(f, OI_PATH_SECRET, why, sizeof(why)), 0);
    assert_int_equal(chmod(f, 0644), 0);
    assert_int_equal(oi_check_trusted_path(f, OI_PATH_FILE, why, sizeof(why)), 0);
    assert_int_equal(oi_check_trusted_path(f, OI_PATH_SECRET, why, sizeof(why)), OI_CONFIG);
    assert_non_null(strstr(why, "readable by group or others"));
    assert_int_equal(oi_check_trusted_path(f, OI_PATH_DIR, why, sizeof(why)), OI_CONFIG);
    assert_int_equal(chmod(dir, 0775), 0);
    assert_int_equal(oi_check_trusted_path(dir, OI_PATH_DIR, why, sizeof(why)), OI_CONFIG);
    assert_non_null(strstr(why, "writable by group or others"));
    assert_int_equal(oi_check_trusted_path(f, OI_PATH_FILE, why, sizeof(why)), OI_CONFIG);
    free(f);
    free(dir);
}

/* ---- private directories and their keys ---- */

static void test_private_dir_created(void **state)
{
    char why[400];
    char *p = unit_scratch_path("private");
    int fd = oi_private_dir_open(p, why, sizeof(why));
    if (fd < 0)
        fail_msg("%s", why);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    close(fd);
    free(p);
}

static void expect_private_refused(const char *path, const char *want)
{
    char why[400];
    int fd = oi_private_dir_open(path, why, sizeof(why));
    if (fd >= 0) {
        close(fd);
        fail_msg("%s accepted", path);
    }
    if (strstr(why, want) == NULL)
        fail_msg("'%s' does not say '%s'", why, want);
}

static void test_private_dir_refusals(void **state)
{
    char *open_dir = scratch_dir("open", 0750);
    expect_private_refused(open_dir, "is open to group or others");
    char *target = scratch_dir("target", 0700);
    char *link = unit_scratch_path("link");
    assert_int_equal(symlink(target, link), 0);
    expect_private_refused(link, "is a symbolic link");
    char *file = unit_write_text("", 0600);
    expect_private_refused(file, "is not a directory");
    char *ww = scratch_dir("ww", 0777);
    char *under = join(ww, "cache");
    expect_private_refused(under, "is writable by group or others");
    expect_private_refused("relative/dir", "absolute");
    free(under);
    free(ww);
    free(file);
    free(link);
    free(target);
    free(open_dir);
}

static void test_private_key_made_once(void **state)
{
    char why[400];
    char *p = unit_scratch_path("keys");
    int fd = oi_private_dir_open(p, why, sizeof(why));
    assert_true(fd >= 0);
    unsigned char a[OI_KEY_BYTES], b[OI_KEY_BYTES], zero[OI_KEY_BYTES] = {0};
    assert_int_equal(oi_private_key(fd, "host.key", a, why, sizeof(why)), 0);
    assert_int_equal(oi_private_key(fd, "host.key", b, why, sizeof(why)), 0);
    assert_memory_equal(a, b, OI_KEY_BYTES);
    assert_memory_not_equal(a, zero, OI_KEY_BYTES);
    struct stat st;
    assert_int_equal(fstatat(fd, "host.key", &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 65);
    /* Another file, another key. */
    assert_int_equal(oi_private_key(fd, "other.key", b, why, sizeof(why)), 0);
    assert_memory_not_equal(a, b, OI_KEY_BYTES);
    close(fd);
    free(p);
}

static void test_private_key_refusals(void **state)
{
    char why[400];
    unsigned char k[OI_KEY_BYTES];
    char *p = unit_scratch_path("keys");
    int fd = oi_private_dir_open(p, why, sizeof(why));
    assert_true(fd >= 0);
    int kfd = openat(fd, "open.key", O_WRONLY | O_CREAT, 0644);
    assert_true(kfd >= 0);
    assert_int_equal(write(kfd, "00000000000000000000000000000000000000000000000000000000000000ab\n", 65), 65);
    assert_int_equal(fchmod(kfd, 0644), 0);
    close(kfd);
    assert_int_equal(oi_private_key(fd, "open.key", k, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "readable or writable by group or others"));
    kfd = openat(fd, "junk.key", O_WRONLY | O_CREAT, 0600);
    assert_int_equal(write(kfd, "not hex\n", 8), 8);
    close(kfd);
    assert_int_equal(oi_private_key(fd, "junk.key", k, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "does not hold one line of 64 hex digits"));
    assert_int_equal(symlinkat("open.key", fd, "link.key"), 0);
    assert_int_equal(oi_private_key(fd, "link.key", k, why, sizeof(why)), -1);
    close(fd);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trusted_reads_content),
        cmocka_unit_test(test_trusted_empty_file),
        cmocka_unit_test(test_trusted_secret_0600_ok),
        cmocka_unit_test(test_trusted_secret_0400_ok),
        cmocka_unit_test(test_trusted_secret_group_readable),
        cmocka_unit_test(test_trusted_secret_other_readable),
        cmocka_unit_test(test_trusted_non_secret_group_readable_ok),
        cmocka_unit_test(test_trusted_group_writable),
        cmocka_unit_test(test_trusted_other_writable),
        cmocka_unit_test(test_trusted_symlink),
        cmocka_unit_test(test_trusted_directory),
        cmocka_unit_test(test_trusted_missing),
        cmocka_unit_test(test_trusted_relative),
        cmocka_unit_test(test_trusted_exactly_max),
        cmocka_unit_test(test_trusted_over_max),
        cmocka_unit_test(test_trusted_foreign_owner),
        cmocka_unit_test(test_ancestor_group_writable),
        cmocka_unit_test(test_grandparent_world_writable),
        cmocka_unit_test(test_sticky_root_ancestor_ok),
        cmocka_unit_test(test_sticky_as_own_directory_refused),
        cmocka_unit_test(test_foreign_ancestor_refused),
        cmocka_unit_test(test_symlinked_ancestor_to_unsafe),
        cmocka_unit_test(test_symlink_held_by_unsafe_directory),
        cmocka_unit_test(test_symlinked_ancestor_ok),
        cmocka_unit_test(test_trusted_path_kinds),
        cmocka_unit_test(test_private_dir_created),
        cmocka_unit_test(test_private_dir_refusals),
        cmocka_unit_test(test_private_key_made_once),
        cmocka_unit_test(test_private_key_refusals),
    };
    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
