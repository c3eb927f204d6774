/* Unit tests of the host's limits (src/host_limits.c): the budget of requests for unknown tokens,
 * the damping of a source the server keeps refusing, the state file in state_dir and its lock.
 * The clock is the now_ms each call is given: nothing here sleeps. No network, no PAM. */
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
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfg.h"
#include "host_limits.h"
#include "hostkey.h"
#include "unit_common.h"

static const struct oi_log quiet = {NULL, false};
static const unsigned char no_junk[OI_JUNK_MAC]; /* all zero: not a token's, never remembered */
static const int64_t T0 = 1700000000000LL;       /* any instant: the unit reads no clock */

/* ---- what the unit logs ---- */

/* With a NULL pamh the unit logs to stderr: each call below points fd 2 at a scratch file for the
 * length of that one call (no assertion in between), and leaves what it logged in `logged`. */
static char logged[16384];
static int catch_fd = -1, saved_stderr = -1;

static void catch_begin(void)
{
    char *p = unit_scratch_path("log");
    catch_fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(catch_fd >= 0);
    assert_int_equal(unlink(p), 0);
    free(p);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(catch_fd, STDERR_FILENO) >= 0);
}

static void catch_end(void)
{
    fflush(stderr);
    int restored = dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    ssize_t n = pread(catch_fd, logged, sizeof(logged) - 1, 0);
    close(catch_fd);
    logged[n > 0 ? n : 0] = '\0';
    assert_true(restored >= 0);
}

static unsigned lines(const char *text)
{
    unsigned n = 0;
    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

/* Exactly one line was logged, and it holds want. */
static void logged_once(const char *want)
{
    if (lines(logged) != 1 || strstr(logged, want) == NULL)
        fail_msg("expected one log line with \"%s\", got:\n%s", want, logged);
}

static void logged_nothing(void)
{
    if (logged[0] != '\0')
        fail_msg("expected no log line, got:\n%s", logged);
}

static enum oi_reason admit(const struct oi_config *cfg, const char *key, int64_t now, struct oi_limits_ticket *t)
{
    catch_begin();
    enum oi_reason r = oi_limits_admit(cfg, &quiet, key, no_junk, now, t);
    catch_end();
    return r;
}

static void settle(const struct oi_config *cfg, const struct oi_limits_ticket *t, enum oi_limits_result result,
                   int64_t now)
{
    catch_begin();
    oi_limits_settle(cfg, &quiet, t, result, now);
    catch_end();
    logged_nothing();
}

/* An admitted request and its answer, as login.c does it. */
static void request(const struct oi_config *cfg, const char *key, int64_t now, enum oi_limits_result result)
{
    struct oi_limits_ticket t;
    assert_int_equal(admit(cfg, key, now, &t), OI_OK);
    logged_nothing();
    assert_true(t.admitted);
    assert_string_equal(t.key, key);
    settle(cfg, &t, result, now);
}

static void view(const struct oi_config *cfg, int64_t now, struct oi_limits_view *v)
{
    catch_begin();
    enum oi_reason r = oi_limits_view(cfg, &quiet, now, v);
    catch_end();
    assert_int_equal(r, OI_OK);
    logged_nothing();
}

static void budget_is(const struct oi_limits_view *v, double want)
{
    if (v->budget_left < want - 0.0005 || v->budget_left > want + 0.0005)
        fail_msg("budget_left %.3f, expected %.3f", v->budget_left, want);
}

/* The source with this key among those the view shows (with a strike), or NULL. */
static const struct oi_limits_source *shown(const struct oi_limits_view *v, const char *key)
{
    for (unsigned i = 0; i < v->n_sources; i++)
        if (strcmp(v->sources[i].key, key) == 0)
            return &v->sources[i];
    return NULL;
}

/* ---- the configuration: each test its own state_dir, made by the unit ---- */

static void config_for(struct oi_config *cfg, const char *const *opts)
{
    char *dir = unit_scratch_path("state");
    char state_dir[PATH_MAX + 16];
    snprintf(state_dir, sizeof(state_dir), "state_dir=%s", dir);
    free(dir);
    const char *args[16] = {"admin_url=https://a", "allowed_clients=c", state_dir};
    size_t n = 3;
    for (size_t i = 0; opts[i] != NULL && n < 15; i++)
        args[n++] = opts[i];
    args[n] = NULL;
    unit_config_load(cfg, args);
}
#define CONFIG(cfg, ...) config_for((cfg), (const char *const[]){__VA_ARGS__, NULL})

static const char *limits_path(const struct oi_config *cfg)
{
    static char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, OI_LIMITS_FILE);
    return path;
}

/* ---- the budget ---- */

static void budget_bucket(void **state)
{
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct oi_limits_view v;
    CONFIG(&cfg, "budget_per_minute=60", "budget_burst=3", "damp_after=0");
    view(&cfg, T0, &v); /* no file yet: a full bucket */
    budget_is(&v, 3);
    assert_int_equal(v.admitted, 0);
    assert_int_equal(v.n_sources, 0);
    /* The burst, then nothing. */
    for (int i = 0; i < 3; i++)
        request(&cfg, "rhost=192.0.2.1", T0, OI_LIMITS_REFUSED);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.2", T0, &t), OI_OVER_BUDGET);
    assert_false(t.admitted);
    logged_once("introspection not attempted: this host's request budget for unknown tokens is spent "
                "(budget_per_minute=60, budget_burst=3)");
    /* 60 a minute: one more each second, and not before. */
    assert_int_equal(admit(&cfg, "rhost=192.0.2.2", T0 + 999, &t), OI_OVER_BUDGET);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.2", T0 + 1000, &t), OI_OK);
    logged_nothing();
    assert_true(t.admitted);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.3", T0 + 1000, &t), OI_OVER_BUDGET);
    view(&cfg, T0 + 1500, &v);
    budget_is(&v, 0.5);
    assert_int_equal(v.admitted, 4);
    assert_int_equal(v.refused_budget, 3);
    assert_int_equal(v.refused_damped, 0);
    assert_int_equal(v.n_sources, 0); /* damp_after=0: no source is kept */
    /* The clock stepped back: no refill. */
    assert_int_equal(admit(&cfg, "rhost=192.0.2.3", T0 - 60000, &t), OI_OVER_BUDGET);
    /* A long while later: the bucket holds the burst and no more. */
    view(&cfg, T0 + 3600 * 1000, &v);
    budget_is(&v, 3);
    view(&cfg, T0 + 30LL * 24 * 3600 * 1000, &v);
    budget_is(&v, 3);
    for (int i = 0; i < 3; i++)
        request(&cfg, "rhost=192.0.2.4", T0 + 3600 * 1000, OI_LIMITS_ALLOWED);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.4", T0 + 3600 * 1000, &t), OI_OVER_BUDGET);
    view(&cfg, T0 + 3600 * 1000, &v);
    budget_is(&v, 0);
    assert_int_equal(v.admitted, 7);
    assert_int_equal(v.refused_budget, 5);
    oi_config_free(&cfg);
}

static void limits_off(void **state)
{
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct stat st;
    CONFIG(&cfg, "budget_per_minute=0", "damp_after=0", "junk_ttl=0");
    for (int i = 0; i < 100; i++) {
        assert_int_equal(admit(&cfg, "rhost=203.0.113.9", T0, &t), OI_OK);
        logged_nothing();
        settle(&cfg, &t, i % 2 ? OI_LIMITS_REFUSED : OI_LIMITS_NO_ANSWER, T0);
    }
    settle(&cfg, &t, OI_LIMITS_ALLOWED, T0);
    /* No file, not even the directory. */
    assert_int_equal(lstat(limits_path(&cfg), &st), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(lstat(cfg.state_dir, &st), -1);
    oi_config_free(&cfg);
    /* Damping without a budget: any number of requests from sources that get in. */
    CONFIG(&cfg, "budget_per_minute=0", "budget_burst=1", "damp_after=3");
    for (int i = 0; i < 50; i++)
        request(&cfg, "rhost=192.0.2.10", T0, OI_LIMITS_ALLOWED);
    struct oi_limits_view v;
    view(&cfg, T0, &v);
    assert_int_equal(v.admitted, 50);
    assert_int_equal(v.refused_budget, 0);
    assert_int_equal(v.n_sources, 0);
    oi_config_free(&cfg);
}

/* ---- damping ---- */

static void damping_doubles(void **state)
{
    static const char a[] = "rhost=203.0.113.9", b[] = "rhost=198.51.100.7";
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct oi_limits_view v, before;
    CONFIG(&cfg, "budget_per_minute=60", "budget_burst=100", "damp_after=3", "damp_max=60");
    /* Three refused requests from a; b's logins succeed. */
    for (int i = 0; i < 3; i++) {
        request(&cfg, a, T0, OI_LIMITS_REFUSED);
        request(&cfg, b, T0, OI_LIMITS_ALLOWED);
    }
    view(&cfg, T0, &v);
    assert_int_equal(v.n_sources, 1);
    assert_string_equal(v.sources[0].key, a);
    assert_int_equal(v.sources[0].strikes, 3);
    assert_int_equal(v.sources[0].damped_until_ms, T0 + OI_DAMP_BASE_S * 1000);
    /* For the next 10 s a gets no request, and spends nothing. */
    view(&cfg, T0 + 5000, &before);
    assert_int_equal(admit(&cfg, a, T0 + 5000, &t), OI_DAMPED);
    assert_false(t.admitted);
    logged_once("introspection not attempted: the source rhost=203.0.113.9 is damped for 5 s more, after 3 "
                "requests refused since its last login (damp_after=3)");
    settle(&cfg, &t, OI_LIMITS_NO_ANSWER, T0 + 5000); /* not admitted: changes nothing */
    settle(&cfg, &t, OI_LIMITS_ALLOWED, T0 + 5000);
    view(&cfg, T0 + 5000, &v);
    budget_is(&v, before.budget_left);
    assert_int_equal(v.admitted, before.admitted);
    assert_int_equal(v.refused_damped, 1);
    assert_int_equal(v.refused_budget, 0);
    assert_int_equal(v.sources[0].strikes, 3);
    request(&cfg, b, T0 + 5000, OI_LIMITS_ALLOWED);
    assert_int_equal(admit(&cfg, a, T0 + 9999, &t), OI_DAMPED);
    logged_once("is damped for 1 s more");
    /* Then one probe each time the pause ends, the pause doubling up to damp_max (60 s). */
    static const int64_t pauses[] = {20000, 40000, 60000, 60000, 60000};
    int64_t until = T0 + 10000;
    for (size_t i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++) {
        assert_int_equal(admit(&cfg, a, until - 1, &t), OI_DAMPED);
        request(&cfg, b, until - 1, OI_LIMITS_ALLOWED);
        request(&cfg, a, until, OI_LIMITS_REFUSED);
        assert_int_equal(admit(&cfg, a, until, &t), OI_DAMPED);
        request(&cfg, b, until, OI_LIMITS_ALLOWED);
        view(&cfg, until, &v);
        assert_int_equal(v.n_sources, 1);
        assert_int_equal(v.sources[0].strikes, 4 + i);
        if (v.sources[0].damped_until_ms != until + pauses[i])
            fail_msg("probe %zu: damped for %lld ms, expected %lld", i,
                     (long long)(v.sources[0].damped_until_ms - until), (long long)pauses[i]);
        until += pauses[i];
    }
    view(&cfg, until, &v);
    assert_int_equal(v.refused_budget, 0);
    assert_int_equal(v.refused_damped, 2 + 2 * sizeof(pauses) / sizeof(pauses[0]));
    /* A login that succeeds ends it all. */
    request(&cfg, a, until, OI_LIMITS_ALLOWED);
    view(&cfg, until, &v);
    assert_int_equal(v.n_sources, 0);
    request(&cfg, a, until, OI_LIMITS_REFUSED);
    request(&cfg, a, until, OI_LIMITS_REFUSED);
    view(&cfg, until, &v);
    assert_int_equal(v.n_sources, 1);
    assert_int_equal(v.sources[0].strikes, 2);
    assert_int_equal(v.sources[0].damped_until_ms, 0);
    oi_config_free(&cfg);
}

/* No usable answer is not the source's doing: its strike goes back. */
static void no_answer_takes_strike_back(void **state)
{
    static const char alice[] = "user=alice";
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct oi_limits_view v;
    CONFIG(&cfg, "budget_per_minute=0", "damp_after=3", "damp_max=600");
    for (int i = 0; i < 30; i++)
        request(&cfg, alice, T0 + i, OI_LIMITS_NO_ANSWER);
    view(&cfg, T0 + 30, &v);
    assert_int_equal(v.n_sources, 0);
    assert_int_equal(v.admitted, 30);
    /* Two refusals, then the request that would damp gets no answer: the pause goes with it. */
    request(&cfg, alice, T0 + 100, OI_LIMITS_REFUSED);
    request(&cfg, alice, T0 + 101, OI_LIMITS_REFUSED);
    assert_int_equal(admit(&cfg, alice, T0 + 102, &t), OI_OK);
    settle(&cfg, &t, OI_LIMITS_NO_ANSWER, T0 + 102);
    view(&cfg, T0 + 102, &v);
    assert_int_equal(v.n_sources, 1);
    assert_int_equal(v.sources[0].strikes, 2);
    assert_int_equal(v.sources[0].damped_until_ms, 0);
    /* The third refusal damps. */
    request(&cfg, alice, T0 + 103, OI_LIMITS_REFUSED);
    assert_int_equal(admit(&cfg, alice, T0 + 104, &t), OI_DAMPED);
    logged_once("the source user=alice is damped for 10 s more, after 3 requests refused");
    /* Another user from no host, and every host, are on their own. */
    request(&cfg, "user=bob", T0 + 104, OI_LIMITS_REFUSED);
    request(&cfg, "rhost=192.0.2.1", T0 + 104, OI_LIMITS_REFUSED);
    view(&cfg, T0 + 104, &v);
    assert_int_equal(v.n_sources, 3);
    assert_string_equal(v.sources[0].key, alice); /* most strikes first */
    assert_int_equal(v.sources[0].strikes, 3);
    assert_int_equal(v.refused_damped, 1);
    oi_config_free(&cfg);
}

/* ---- sources ---- */

static void source_keys(void **state)
{
    char key[OI_LIMITS_KEY];
    oi_limits_source(key, "1.2.3.4", "bob", "alice");
    assert_string_equal(key, "rhost=1.2.3.4");
    oi_limits_source(key, "2001:db8::1", NULL, NULL);
    assert_string_equal(key, "rhost=2001:db8::1");
    oi_limits_source(key, NULL, NULL, "alice");
    assert_string_equal(key, "user=alice");
    oi_limits_source(key, "", "-", "alice");
    assert_string_equal(key, "user=alice");
    oi_limits_source(key, "-", "", "alice");
    assert_string_equal(key, "user=alice");
    oi_limits_source(key, NULL, NULL, NULL);
    assert_string_equal(key, "user=");
    /* su and sudo name the caller: mallory typing junk at `su alice` damps mallory, not alice. */
    oi_limits_source(key, NULL, "mallory", "alice");
    assert_string_equal(key, "ruser=mallory");
    oi_limits_source(key, "-", "mallory", "alice");
    assert_string_equal(key, "ruser=mallory");
    /* A name too long is cut to fit. */
    char host[300];
    memset(host, 'h', sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    oi_limits_source(key, host, NULL, "alice");
    assert_int_equal(strlen(key), OI_LIMITS_KEY - 1);
    assert_memory_equal(key, "rhost=hhh", 9);
}

/* ---- the file ---- */

static void file_private_and_bounded(void **state)
{
    static const char damped[] = "rhost=203.0.113.9";
    struct oi_config cfg;
    struct oi_limits_view v;
    struct stat st;
    char key[OI_LIMITS_KEY];
    CONFIG(&cfg, "budget_per_minute=0", "damp_after=3", "damp_max=600");
    for (int i = 0; i < 3; i++)
        request(&cfg, damped, T0, OI_LIMITS_REFUSED);
    assert_int_equal(lstat(limits_path(&cfg), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, geteuid());
    assert_int_equal(st.st_nlink, 1);
    assert_true(st.st_size > 0);
    const off_t size = st.st_size;
    assert_int_equal(lstat(cfg.state_dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    /* 1000 sources later (within the pause): the same size, the newest sources remembered, and the
     * damped one, which no newcomer pushes out. */
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "rhost=10.0.%d.%d", i / 256, i % 256);
        request(&cfg, key, T0 + 1 + i, OI_LIMITS_REFUSED);
    }
    assert_int_equal(lstat(limits_path(&cfg), &st), 0);
    assert_int_equal(st.st_size, size);
    assert_int_equal(st.st_mode & 07777, 0600);
    view(&cfg, T0 + 1000, &v);
    assert_int_equal(v.n_sources, OI_LIMITS_SOURCES);
    assert_int_equal(v.admitted, 1003);
    assert_string_equal(v.sources[0].key, damped);
    assert_int_equal(v.sources[0].strikes, 3);
    assert_non_null(shown(&v, "rhost=10.0.3.231")); /* the last */
    assert_null(shown(&v, "rhost=10.0.0.0"));       /* the first */
    oi_config_free(&cfg);
}

static void flip_byte(const char *path, off_t at)
{
    unsigned char c;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x10;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    assert_int_equal(close(fd), 0);
}

static void corrupt_file_starts_again(void **state)
{
    static const char a[] = "rhost=203.0.113.9";
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct oi_limits_view v;
    struct stat st;
    CONFIG(&cfg, "budget_per_minute=60", "budget_burst=3", "damp_after=3", "damp_max=600");
    for (int i = 0; i < 3; i++)
        request(&cfg, a, T0, OI_LIMITS_REFUSED);
    assert_int_equal(admit(&cfg, a, T0, &t), OI_DAMPED);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_OVER_BUDGET);
    assert_int_equal(lstat(limits_path(&cfg), &st), 0);
    const off_t size = st.st_size;
    /* One byte changed in the middle: read as a fresh state, once with a warning. */
    flip_byte(limits_path(&cfg), size / 2);
    assert_int_equal(admit(&cfg, a, T0, &t), OI_OK);
    logged_once("limits was unreadable (a crash?): started again");
    assert_true(t.admitted);
    view(&cfg, T0, &v); /* and written back whole */
    budget_is(&v, 2);
    assert_int_equal(v.admitted, 1);
    assert_int_equal(v.refused_budget, 0);
    assert_int_equal(v.refused_damped, 0);
    assert_int_equal(v.n_sources, 1);
    assert_int_equal(v.sources[0].strikes, 1);
    assert_int_equal(v.sources[0].damped_until_ms, 0);
    /* Any byte: the header, the counters, the checksum itself. */
    static const off_t where[] = {0, 9, 20, 40};
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        flip_byte(limits_path(&cfg), where[i]);
        assert_int_equal(admit(&cfg, a, T0, &t), OI_OK);
        logged_once("started again");
    }
    flip_byte(limits_path(&cfg), size - 1);
    assert_int_equal(admit(&cfg, a, T0, &t), OI_OK);
    logged_once("started again");
    /* A torn write: half a file. */
    assert_int_equal(truncate(limits_path(&cfg), size / 2), 0);
    assert_int_equal(admit(&cfg, a, T0, &t), OI_OK);
    logged_once("started again");
    view(&cfg, T0, &v);
    budget_is(&v, 2);
    assert_int_equal(v.admitted, 1);
    /* An empty file (as a crash right after creating it leaves it) is a fresh state too. */
    assert_int_equal(truncate(limits_path(&cfg), 0), 0);
    assert_int_equal(admit(&cfg, a, T0, &t), OI_OK);
    view(&cfg, T0, &v);
    budget_is(&v, 2);
    assert_int_equal(lstat(limits_path(&cfg), &st), 0);
    assert_int_equal(st.st_size, size);
    assert_int_equal(st.st_mode & 07777, 0600);
    oi_config_free(&cfg);
}

static void unsafe_file_refused(void **state)
{
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct oi_limits_view v;
    struct stat st;
    unsigned damped = 99;
    CONFIG(&cfg, "budget_per_minute=60", "budget_burst=3", "damp_after=3", "damp_max=600");
    const char *path = limits_path(&cfg);
    request(&cfg, "rhost=192.0.2.1", T0, OI_LIMITS_REFUSED);
    /* Readable by others: refused, and left as it is for the admin to see. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_CONFIG);
    assert_false(t.admitted);
    logged_once("configuration error: state_dir");
    logged_once("limits is not owned by this user with mode 0600 (remove it; it is made again)");
    catch_begin();
    enum oi_reason r = oi_limits_view(&cfg, &quiet, T0, &v);
    catch_end();
    assert_int_equal(r, OI_CONFIG);
    logged_once("limits is not owned by this user with mode 0600");
    catch_begin();
    r = oi_limits_clear(&cfg, &quiet, T0, &damped);
    catch_end();
    assert_int_equal(r, OI_CONFIG);
    assert_int_equal(damped, 0);
    logged_once("limits is not owned by this user with mode 0600");
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(unlink(path), 0);
    /* A symbolic link: not followed, nothing made where it points. */
    char *elsewhere = unit_scratch_path("elsewhere");
    assert_int_equal(symlink(elsewhere, path), 0);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_CONFIG);
    logged_once("configuration error: state_dir");
    assert_int_equal(lstat(elsewhere, &st), -1);
    assert_int_equal(unlink(path), 0);
    free(elsewhere);
    /* To a private file of the same user: still refused, the file untouched. */
    static const char mine[] = "not a limits file\n";
    char *target = unit_write_text(mine, 0600);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_CONFIG);
    logged_once("configuration error: state_dir");
    assert_int_equal(lstat(target, &st), 0);
    assert_int_equal(st.st_size, sizeof(mine) - 1);
    assert_int_equal(unlink(path), 0);
    free(target);
    /* A FIFO (nothing blocks) and a directory. */
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_CONFIG);
    logged_once("limits is not a regular file");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_CONFIG);
    logged_once("configuration error: state_dir");
    assert_int_equal(rmdir(path), 0);
    /* Removed, it is made again. */
    request(&cfg, "rhost=192.0.2.1", T0, OI_LIMITS_REFUSED);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* state_dir open to the group. */
    assert_int_equal(chmod(cfg.state_dir, 0750), 0);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_CONFIG);
    logged_once("is open to group or others");
    assert_int_equal(chmod(cfg.state_dir, 0700), 0);
    request(&cfg, "rhost=192.0.2.1", T0, OI_LIMITS_REFUSED);
    oi_config_free(&cfg);
}

/* ---- the tool's clear ---- */

static void clear_lifts_damping(void **state)
{
    static const char a[] = "rhost=203.0.113.9";
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct oi_limits_view v;
    unsigned damped = 99;
    CONFIG(&cfg, "budget_per_minute=60", "budget_burst=5", "damp_after=3", "damp_max=600");
    for (int i = 0; i < 3; i++)
        request(&cfg, a, T0, OI_LIMITS_REFUSED);
    request(&cfg, "rhost=192.0.2.1", T0, OI_LIMITS_REFUSED); /* a strike, no damping */
    assert_int_equal(admit(&cfg, a, T0 + 1000, &t), OI_DAMPED);
    view(&cfg, T0 + 1000, &v);
    assert_int_equal(v.n_sources, 2);
    budget_is(&v, 2);
    catch_begin();
    enum oi_reason r = oi_limits_clear(&cfg, &quiet, T0 + 1000, &damped);
    catch_end();
    assert_int_equal(r, OI_OK);
    logged_nothing();
    assert_int_equal(damped, 1);
    view(&cfg, T0 + 1000, &v);
    budget_is(&v, 5);
    assert_int_equal(v.n_sources, 0);
    assert_int_equal(v.admitted, 0);
    assert_int_equal(v.refused_budget, 0);
    assert_int_equal(v.refused_damped, 0);
    request(&cfg, a, T0 + 1000, OI_LIMITS_REFUSED);
    view(&cfg, T0 + 1000, &v);
    budget_is(&v, 4);
    assert_int_equal(v.sources[0].strikes, 1);
    /* A pause that is over is not counted. */
    request(&cfg, a, T0 + 1000, OI_LIMITS_REFUSED);
    request(&cfg, a, T0 + 1000, OI_LIMITS_REFUSED);
    catch_begin();
    r = oi_limits_clear(&cfg, &quiet, T0 + 11000, &damped);
    catch_end();
    assert_int_equal(r, OI_OK);
    assert_int_equal(damped, 0);
    oi_config_free(&cfg);
}

/* ---- processes ---- */

/* 16 processes at once, at the same instant, want 800 requests of a bucket of 100. */
static void processes_share_budget(void **state)
{
    enum { CHILDREN = 16, EACH = 50, BURST = 100 };
    struct oi_config cfg;
    struct oi_limits_view v;
    pid_t pid[CHILDREN];
    int gate[2];
    CONFIG(&cfg, "budget_per_minute=1", "budget_burst=100", "damp_after=0");
    assert_int_equal(pipe(gate), 0);
    for (int i = 0; i < CHILDREN; i++) {
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] != 0)
            continue;
        /* The child: no cmocka here; its exit status is its count of admitted requests. */
        char c;
        close(gate[1]);
        if (read(gate[0], &c, 1) != 0) /* returns when the parent opens the gate */
            _exit(254);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDERR_FILENO) < 0) /* the 700 over-budget lines */
            _exit(253);
        int admitted = 0;
        for (int j = 0; j < EACH; j++) {
            struct oi_limits_ticket t;
            enum oi_reason r = oi_limits_admit(&cfg, &quiet, "rhost=192.0.2.50", no_junk, T0, &t);
            if (r == OI_OK && t.admitted)
                admitted++;
            else if (r != OI_OVER_BUDGET)
                _exit(255);
        }
        _exit(admitted);
    }
    close(gate[0]);
    close(gate[1]);
    int total = 0;
    for (int i = 0; i < CHILDREN; i++) {
        int status;
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) > EACH)
            fail_msg("child %d: status %#x", i, status);
        total += WEXITSTATUS(status);
    }
    assert_int_equal(total, BURST);
    view(&cfg, T0, &v);
    assert_int_equal(v.admitted, BURST);
    assert_int_equal(v.refused_budget, CHILDREN * EACH - BURST);
    budget_is(&v, 0);
    oi_config_free(&cfg);
}

/* A probe that gets no answer (the server is down) takes its pause back too: an outage must not
 * lengthen a source's damping. */
static void no_answer_probe_lifts_pause(void **state)
{
    static const char a[] = "rhost=203.0.113.9";
    struct oi_config cfg;
    struct oi_limits_ticket t;
    (void)state;
    CONFIG(&cfg, "budget_per_minute=0", "damp_after=3", "damp_max=600");
    for (int i = 0; i < 3; i++)
        request(&cfg, a, T0, OI_LIMITS_REFUSED);
    assert_int_equal(admit(&cfg, a, T0 + 10000, &t), OI_OK); /* the probe */
    settle(&cfg, &t, OI_LIMITS_NO_ANSWER, T0 + 10000);
    assert_int_equal(admit(&cfg, a, T0 + 10001, &t), OI_OK);
    oi_config_free(&cfg);
}

/* Attempts every 5 ms must not starve the refill: at 10 a minute, 2 minutes give 20 more requests. */
static void frequent_calls_keep_the_refill(void **state)
{
    struct oi_config cfg;
    struct oi_limits_ticket t;
    unsigned ok = 0;
    (void)state;
    CONFIG(&cfg, "budget_per_minute=10", "budget_burst=1", "damp_after=0");
    for (int64_t ms = 0; ms <= 120000; ms += 5) {
        catch_begin();
        enum oi_reason r = oi_limits_admit(&cfg, &quiet, "rhost=192.0.2.1", no_junk, T0 + ms, &t);
        catch_end();
        ok += r == OI_OK;
    }
    assert_int_equal(ok, 21);
    oi_config_free(&cfg);
}

/* A settle that meets an unsafe file leaves it as it is. */
static void settle_leaves_unsafe_file(void **state)
{
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct stat before, after;
    (void)state;
    CONFIG(&cfg, "budget_per_minute=60", "damp_after=3");
    const char *path = limits_path(&cfg);
    assert_int_equal(admit(&cfg, "rhost=192.0.2.1", T0, &t), OI_OK);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(stat(path, &before), 0);
    catch_begin();
    oi_limits_settle(&cfg, &quiet, &t, OI_LIMITS_ALLOWED, T0);
    catch_end();
    logged_once("limits is not owned by this user with mode 0600");
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
    assert_true(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    oi_config_free(&cfg);
}

/* The server's "inactive" is remembered for junk_ttl, for every source, by token and scopes; it only
 * ever refuses. */
static void junk_remembered(void **state)
{
    struct oi_config cfg;
    struct oi_limits_ticket t;
    struct oi_limits_view v;
    struct oi_hostkey k;
    unsigned char junk[OI_JUNK_MAC], other_scopes[OI_JUNK_MAC], again[OI_JUNK_MAC];
    unsigned damped = 0;
    (void)state;
    memset(k.key, 7, sizeof(k.key));
    assert_true(oi_limits_junk_mac(&k, "ory_at_JUNK", "ssh:login", junk));
    assert_true(oi_limits_junk_mac(&k, "ory_at_JUNK", "ssh:login", again));
    assert_memory_equal(junk, again, OI_JUNK_MAC);
    assert_true(oi_limits_junk_mac(&k, "ory_at_JUNK", "login:bob", other_scopes));
    assert_memory_not_equal(junk, other_scopes, OI_JUNK_MAC);
    /* "ab" + scopes "c" is not "a" + scopes "bc". */
    assert_true(oi_limits_junk_mac(&k, "ab", "c", again));
    assert_true(oi_limits_junk_mac(&k, "a", "bc", other_scopes));
    assert_memory_not_equal(again, other_scopes, OI_JUNK_MAC);
    assert_true(oi_limits_junk_mac(&k, "ory_at_JUNK", "login:bob", other_scopes));

    CONFIG(&cfg, "budget_per_minute=60", "budget_burst=10", "damp_after=0", "junk_ttl=30");
    catch_begin();
    enum oi_reason r = oi_limits_admit(&cfg, &quiet, "rhost=192.0.2.1", junk, T0, &t);
    catch_end();
    assert_int_equal(r, OI_OK);
    settle(&cfg, &t, OI_LIMITS_INACTIVE, T0);
    /* From another host, within junk_ttl: refused, no request, nothing spent. */
    for (int64_t at = T0 + 1; at < T0 + 30000; at += 7000) {
        catch_begin();
        r = oi_limits_admit(&cfg, &quiet, "rhost=198.51.100.7", junk, at, &t);
        catch_end();
        assert_int_equal(r, OI_INACTIVE);
        assert_false(t.admitted);
        logged_once(
            "introspection not attempted: the server answered inactive for this token less than junk_ttl (30 s) ago");
    }
    view(&cfg, T0 + 29999, &v);
    assert_int_equal(v.admitted, 1);
    assert_int_equal(v.refused_junk, 5);
    assert_int_equal(v.n_junk, 1);
    /* The same token asked with other scopes is another question. */
    catch_begin();
    r = oi_limits_admit(&cfg, &quiet, "rhost=198.51.100.7", other_scopes, T0 + 100, &t);
    catch_end();
    assert_int_equal(r, OI_OK);
    /* A refusal other than the server's "inactive", or an allow, is never remembered as junk. */
    settle(&cfg, &t, OI_LIMITS_REFUSED, T0 + 100);
    catch_begin();
    r = oi_limits_admit(&cfg, &quiet, "rhost=198.51.100.7", other_scopes, T0 + 200, &t);
    catch_end();
    assert_int_equal(r, OI_OK);
    settle(&cfg, &t, OI_LIMITS_ALLOWED, T0 + 200);
    catch_begin();
    r = oi_limits_admit(&cfg, &quiet, "rhost=198.51.100.7", other_scopes, T0 + 300, &t);
    catch_end();
    assert_int_equal(r, OI_OK);
    /* After junk_ttl the server is asked again. */
    catch_begin();
    r = oi_limits_admit(&cfg, &quiet, "rhost=198.51.100.7", junk, T0 + 30000, &t);
    catch_end();
    assert_int_equal(r, OI_OK);
    /* An all-zero name (the HMAC failed) is never remembered, nor found. */
    settle(&cfg, &t, OI_LIMITS_INACTIVE, T0 + 30000);
    catch_begin();
    r = oi_limits_admit(&cfg, &quiet, "rhost=198.51.100.7", no_junk, T0 + 30001, &t);
    catch_end();
    assert_int_equal(r, OI_OK);
    settle(&cfg, &t, OI_LIMITS_INACTIVE, T0 + 30001);
    view(&cfg, T0 + 30001, &v);
    assert_int_equal(v.n_junk, 1);
    /* At most OI_LIMITS_JUNK are kept; clear forgets them. */
    for (unsigned i = 0; i < OI_LIMITS_JUNK + 50; i++) {
        unsigned char m[OI_JUNK_MAC] = {0};
        memcpy(m, &i, sizeof(i));
        m[OI_JUNK_MAC - 1] = 1;
        catch_begin();
        r = oi_limits_admit(&cfg, &quiet, "user=alice", m, T0 + 40000 + i, &t);
        catch_end();
        assert_int_equal(r, OI_OK);
        settle(&cfg, &t, OI_LIMITS_INACTIVE, T0 + 40000 + i);
        if (i % 9 == 0) /* keep the bucket from running dry: not what this case is about */
            oi_limits_clear(&cfg, &quiet, T0 + 40000 + i, &damped);
    }
    view(&cfg, T0 + 40000 + OI_LIMITS_JUNK + 50, &v);
    assert_true(v.n_junk <= OI_LIMITS_JUNK);
    assert_int_equal(oi_limits_clear(&cfg, &quiet, T0 + 50000, &damped), OI_OK);
    view(&cfg, T0 + 50000, &v);
    assert_int_equal(v.n_junk, 0);
    oi_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_bucket),
        cmocka_unit_test(limits_off),
        cmocka_unit_test(damping_doubles),
        cmocka_unit_test(no_answer_takes_strike_back),
        cmocka_unit_test(source_keys),
        cmocka_unit_test(file_private_and_bounded),
        cmocka_unit_test(corrupt_file_starts_again),
        cmocka_unit_test(unsafe_file_refused),
        cmocka_unit_test(clear_lifts_damping),
        cmocka_unit_test(processes_share_budget),
        cmocka_unit_test(no_answer_probe_lifts_pause),
        cmocka_unit_test(frequent_calls_keep_the_refill),
        cmocka_unit_test(settle_leaves_unsafe_file),
        cmocka_unit_test(junk_remembered),
    };
    return cmocka_run_group_tests_name("unit_limits", tests, unit_group_setup, unit_group_teardown);
}
