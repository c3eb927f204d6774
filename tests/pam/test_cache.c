/* The persistent cache, offline grace, the circuit breaker and failover: the real module under
 * pam_wrapper + nss_wrapper, driven by libpamtest, against the Hydra stand-in (tests/pam/cache.sh).
 *
 * Phase 1 (`test_cache --write-services`, no preload) writes one PAM service per configuration;
 * phase 2 runs the cases, which rewrite the conf files between logins. Every login asserts the
 * PAM code and the audit line (reason= and cache=); the stand-in's request log proves when the
 * network was used and when it was not. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "../standin/standin_client.h"

/* Every configuration a case uses: one PAM service and one conf file each. */
static const char *const services[] = {
    "plain",    "hitmiss",          "exp",          "ttl",
    "scope_a",  "scope_b",          "policy",       "negative",
    "flush",    "corrupt",          "perm",         "conc",
    "bound",    "expiry",           "grace",        "grace_transport",
    "nograce",  "grace_short",      "breaker",      "ratelimit",
    "failover", "failover_nocache", "failover_503", "failover_introspect",
    "neg_long", "trust_plain",      "trust_pinned", "trust_otherca",
    "rl_grace", "grace_exp",        "flushfix",     "untrusted",
};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

#define ALICE "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"scope\":\"openid ssh:login sudo\"}"
#define UNKNOWN_TOKEN(c) \
    "ory_at_" c "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

static const char *url(void)
{
    static char u[64];
    snprintf(u, sizeof(u), "https://127.0.0.1:%s", tc_env("OI_V2_ADMIN"));
    return u;
}

/* dst (an array) = <run dir>/<fmt expanded> */
#define path_of(dst, len, fmt, ...) snprintf((dst), (len), "%s/" fmt, tc_env("OI_RUN_DIR"), __VA_ARGS__)

/* The conf file of a service: the stand-in, the test CA, ssh-cli, its own cache_dir (unless
 * `extra` sets servers or the cache itself), plus extra lines. */
static void conf(const char *name, const char *extra)
{
    char path[1024], dir[1024], text[8192];
    path_of(path, sizeof(path), "conf/%s.conf", name);
    path_of(dir, sizeof(dir), "c/%s", name);
    bool own_servers = strstr(extra, "admin_url") || strstr(extra, "introspect_url");
    bool own_cache =
        strstr(extra, "cache_dir") != NULL || strcmp(name, "plain") == 0 || strcmp(name, "failover_nocache") == 0;
    snprintf(text, sizeof(text),
             "# %s\n%s%s%sca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s/state\n" TC_NO_LIMITS "%s%s%s%s\n",
             name, own_servers ? "" : "admin_url = ", own_servers ? "" : url(), own_servers ? "" : "\n",
             tc_env("OI_CA"), tc_env("OI_RUN_DIR"), own_cache ? "" : "cache_dir = ", own_cache ? "" : dir,
             own_cache ? "" : "\n", extra);
    tc_write_file(path, text, 0600);
}

static int write_services(void)
{
    const char *run = tc_env("OI_RUN_DIR"), *module = tc_env("OI_MODULE");
    char path[1024], text[4096];
    snprintf(path, sizeof(path), "%s/svc", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/conf", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/c", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/svc/other", run);
    tc_write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\n", 0644);
    for (size_t i = 0; i < N_SERVICES; i++) {
        snprintf(path, sizeof(path), "%s/svc/%s", run, services[i]);
        snprintf(text, sizeof(text), "auth required %s conf=%s/conf/%s.conf\n", module, run, services[i]);
        tc_write_file(path, text, 0644);
        conf(services[i], "");
    }
    return 0;
}

/* --- the stand-in's control API --- */

static void reset(void)
{
    json_object_put(standin_control("OI_V2", "POST", "/reset", "{}"));
}

static void override(const char *json)
{
    json_object_put(standin_control("OI_V2", "POST", "/override", json));
}

/* Introspection requests since the last reset; scope: the scope field of the last one. */
static int requests(char *scope, size_t scope_len)
{
    json_object *list = standin_control("OI_V2", "GET", "/requests", NULL);
    int n = 0;
    if (scope)
        scope[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *r = json_object_array_get_idx(list, i), *p, *form, *vals;
        if (!json_object_object_get_ex(r, "path", &p) || !strstr(json_object_get_string(p), "introspect"))
            continue;
        n++;
        if (scope && json_object_object_get_ex(r, "form", &form) && json_object_object_get_ex(form, "scope", &vals))
            snprintf(scope, scope_len, "%s", json_object_get_string(json_object_array_get_idx(vals, 0)));
    }
    json_object_put(list);
    return n;
}

/* --- one login --- */

static unsigned login_no;

/* Log in through service as user with token; assert the PAM code and that the audit line says
 * reason=<reason> (and cache=<cache> before it, when cache is given). Returns the log. */
static char *login(const char *service, const char *user, const char *token, int want_rc, const char *cache,
                   const char *reason)
{
    const char *answers[] = {token, NULL};
    struct pamtest_conv_data cv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {pam_test(PAMTEST_AUTHENTICATE, want_rc)};
    char logpath[4096], label[128];
    snprintf(label, sizeof(label), "%s-%u.log", service, ++login_no);
    path_of(logpath, sizeof(logpath), "logs/%s", label);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    enum pamtest_err perr = _pamtest(service, user, &cv, tests, 1, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *log = tc_read_all(logpath);
    assert_non_null(log);
    fprintf(stderr, "---- %s login %u log:\n%s", service, login_no, log);
    if (perr != PAMTEST_ERR_OK)
        fail_msg("%s login %u: returned %d (%s), expected %d", service, login_no, tests[0].op_rv,
                 pam_strerror(NULL, tests[0].op_rv), want_rc);
    if (reason) {
        char want[128];
        snprintf(want, sizeof(want), "%s%s reason=%s\n", cache ? " cache=" : "", cache ? cache : "", reason);
        if (strstr(log, want) == NULL)
            fail_msg("%s login %u: no audit line ending \"%s\"", service, login_no, want);
    }
    if (strlen(token) >= 8 && strstr(log, token) != NULL)
        fail_msg("%s login %u: the token appears in the log", service, login_no);
    return log;
}

static void expect_log(const char *log, const char *text)
{
    if (strstr(log, text) == NULL)
        fail_msg("the log lacks \"%s\"", text);
}

/* Names of the entries (e-*) in a cache directory; returns how many. */
static int entries(const char *name, char names[][1400], int max)
{
    char dir[1024];
    path_of(dir, sizeof(dir), "c/%s", name);
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "e-", 2) != 0)
            continue;
        if (names && n < max)
            snprintf(names[n], 1400, "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* sh -c cmd, outside pam_wrapper: a preloaded pam_wrapper would set up (and, failing, break) a
 * service directory of its own in every process. The tool clears its environment, so nss_wrapper
 * is off in it: its check decides for the real account nobody. Returns the exit status. */
static int shell(const char *cmd)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        unsetenv("PAM_WRAPPER");
        unsetenv("PAM_WRAPPER_SERVICE_DIR");
        /* No nss_wrapper either: it would be off anyway, and under ASan, with
         * NSS_WRAPPER_DISABLE_DEEPBIND cleared, it dlopens libc with RTLD_DEEPBIND and dies. */
        unsetenv("LD_PRELOAD");
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The tool; stdout and stderr in *out. */
static int tool(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tool(char **out, const char *fmt, ...)
{
    char args[2048], cmd[4096], outpath[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    path_of(outpath, sizeof(outpath), "logs/tool-%s.out", "last");
    snprintf(cmd, sizeof(cmd), "%s %s >%s 2>&1", tc_env("OI_TOOL"), args, outpath);
    int rc = shell(cmd);
    *out = tc_read_all(outpath);
    assert_non_null(*out);
    fprintf(stderr, "---- oauth2-introspect %s:\n%s", args, *out);
    return rc;
}

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- the cases ---- */

/* Without cache_dir nothing changes: no cache= in the audit line, every login asks the server. */
static void no_cache_dir_unchanged(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", ALICE);
    free(login("plain", "alice", t, PAM_SUCCESS, NULL, "ok"));
    char *log = login("plain", "alice", t, PAM_SUCCESS, NULL, "ok");
    if (strstr(log, "cache=") != NULL)
        fail_msg("cache= in the audit line without cache_dir");
    assert_int_equal(requests(NULL, 0), 2);
    free(log);
    free(t);
}

/* A miss asks the server and stores its answer; a hit asks nobody. */
static void hit_and_miss(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", ALICE), *t2 = standin_mint("OI_V2", ALICE);
    free(login("hitmiss", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(NULL, 0), 1);
    free(login("hitmiss", "alice", t, PAM_SUCCESS, "hit", "ok"));
    free(login("hitmiss", "alice", t, PAM_SUCCESS, "hit", "ok"));
    assert_int_equal(requests(NULL, 0), 1); /* the request log proves: no network on a hit */
    free(login("hitmiss", "alice", t2, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(NULL, 0), 2);
    /* The entries hold answers, never the tokens. */
    char names[8][1400];
    int n = entries("hitmiss", names, 8);
    assert_int_equal(n, 2);
    for (int i = 0; i < n; i++) {
        char *text = tc_read_all(names[i]);
        assert_non_null(text);
        if (strstr(text, t) || strstr(text, t2) || strstr(text, "ory_at_"))
            fail_msg("%s holds a token", names[i]);
        assert_non_null(strstr(text, "\"sub\":\"alice\""));
        free(text);
    }
    free(t);
    free(t2);
}

/* TTL = min(cache_ttl, exp - now): once exp has passed the answer is not reused, even though the
 * local leeway (30 s) would still accept it: the server is asked, and says inactive. */
static void ttl_capped_by_exp(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"ttl\":2}");
    free(login("exp", "alice", t, PAM_SUCCESS, "miss", "ok"));
    free(login("exp", "alice", t, PAM_SUCCESS, "hit", "ok"));
    nap(3100);
    free(login("exp", "alice", t, PAM_AUTH_ERR, "miss", "inactive"));
    assert_int_equal(requests(NULL, 0), 2);
    free(t);
}

/* cache_ttl is the other bound. */
static void ttl_from_cache_ttl(void **state)
{
    (void)state;
    reset();
    conf("ttl", "cache_ttl = 1");
    char *t = standin_mint("OI_V2", ALICE);
    free(login("ttl", "alice", t, PAM_SUCCESS, "miss", "ok"));
    free(login("ttl", "alice", t, PAM_SUCCESS, "hit", "ok"));
    nap(1600);
    free(login("ttl", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(NULL, 0), 2);
    free(t);
}

/* The scopes asked for are part of the key: another pam.d line with other required_scopes, on the
 * same directory, misses; each then hits its own answer. */
static void scope_change_misses(void **state)
{
    (void)state;
    reset();
    char dir[1024], extra[1200], scope[256];
    path_of(dir, sizeof(dir), "c/%s", "scopes");
    snprintf(extra, sizeof(extra), "cache_dir = %s\nrequired_scopes = ssh:login", dir);
    conf("scope_a", extra);
    snprintf(extra, sizeof(extra), "cache_dir = %s\nrequired_scopes = ssh:login,sudo", dir);
    conf("scope_b", extra);
    char *t = standin_mint("OI_V2", ALICE);
    free(login("scope_a", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(scope, sizeof(scope)), 1);
    assert_string_equal(scope, "ssh:login");
    free(login("scope_b", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(scope, sizeof(scope)), 2);
    assert_string_equal(scope, "ssh:login sudo");
    free(login("scope_a", "alice", t, PAM_SUCCESS, "hit", "ok"));
    free(login("scope_b", "alice", t, PAM_SUCCESS, "hit", "ok"));
    assert_int_equal(requests(NULL, 0), 2);
    free(t);
}

/* A hit re-runs the whole decision: a map or option changed since the answer was stored applies
 * at once. */
static void policy_change_on_hit(void **state)
{
    (void)state;
    reset();
    char map[1024], extra[1200];
    path_of(map, sizeof(map), "%s", "policy.map");
    tc_write_file(map, "alice  alice\n", 0644);
    snprintf(extra, sizeof(extra), "user_map = %s", map);
    conf("policy", extra);
    char *t = standin_mint("OI_V2", ALICE);
    free(login("policy", "alice", t, PAM_SUCCESS, "miss", "ok"));
    tc_write_file(map, "# alice may no longer log in as alice\nalice  bob\n", 0644);
    free(login("policy", "alice", t, PAM_AUTH_ERR, "hit", "user_mismatch"));
    tc_write_file(map, "alice  alice\n", 0644);
    free(login("policy", "alice", t, PAM_SUCCESS, "hit", "ok"));
    snprintf(extra, sizeof(extra), "user_map = %s\nany_scopes = ssh:admin", map);
    conf("policy", extra);
    free(login("policy", "alice", t, PAM_AUTH_ERR, "hit", "scope"));
    assert_int_equal(requests(NULL, 0), 1);
    free(t);
}

/* Refusals are stored only with negative_ttl (default 0). */
static void denials_only_with_negative_ttl(void **state)
{
    (void)state;
    reset();
    const char *unknown = UNKNOWN_TOKEN("N");
    free(login("negative", "alice", unknown, PAM_AUTH_ERR, "miss", "inactive"));
    free(login("negative", "alice", unknown, PAM_AUTH_ERR, "miss", "inactive"));
    assert_int_equal(requests(NULL, 0), 2);
    assert_int_equal(entries("negative", NULL, 0), 0);
    conf("negative", "negative_ttl = 60");
    free(login("negative", "alice", unknown, PAM_AUTH_ERR, "miss", "inactive"));
    free(login("negative", "alice", unknown, PAM_AUTH_ERR, "hit", "inactive"));
    assert_int_equal(requests(NULL, 0), 3);
    assert_int_equal(entries("negative", NULL, 0), 1);
}

/* oauth2-introspect revoke flushes the subject's entries; cache flush --subject and cache stats. */
static void revocation_flushes(void **state)
{
    (void)state;
    reset();
    char cpath[1024], *out;
    path_of(cpath, sizeof(cpath), "conf/%s.conf", "flush");
    char *t = standin_mint("OI_V2", ALICE), *tb = standin_mint("OI_V2", "{\"sub\":\"bob\",\"client_id\":\"ssh-cli\"}");
    free(login("flush", "alice", t, PAM_SUCCESS, "miss", "ok"));
    free(login("flush", "bob", tb, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(tool(&out, "--conf %s cache stats", cpath), 0);
    expect_log(out, "entries:   2 (");
    expect_log(out, "usable:  2 allow, 0 deny");
    expect_log(out, "corrupt: 0");
    /* Fetched a moment ago: "(now)" or "(N s ago)", never "(in 0 s)" as if it were to come. */
    const char *fetched = strstr(out, "fetched:   oldest ");
    assert_non_null(fetched);
    if (strstr(fetched, " (in ") != NULL)
        fail_msg("a past fetch time shown as in the future: %.*s", (int)strcspn(fetched, "\n"), fetched);
    assert_non_null(strstr(fetched, " ago), newest ") ? fetched : strstr(fetched, " (now), newest "));
    free(out);
    /* Login sessions only: the token stays active at the server, but the cached answer goes. */
    assert_int_equal(tool(&out, "--conf %s revoke --subject alice", cpath), 0);
    expect_log(out, "cache: removed 1 cached answer of subject \"alice\"");
    free(out);
    assert_int_equal(entries("flush", NULL, 0), 1);
    free(login("flush", "alice", t, PAM_SUCCESS, "miss", "ok"));
    free(login("flush", "bob", tb, PAM_SUCCESS, "hit", "ok"));
    assert_int_equal(requests(NULL, 0), 3);
    /* --consent ends the token: with the cache flushed, the very next login is refused. */
    assert_int_equal(tool(&out, "--conf %s revoke --subject alice --consent --client ssh-cli", cpath), 0);
    expect_log(out, "cache: removed 1 cached answer of subject \"alice\"");
    free(out);
    free(login("flush", "alice", t, PAM_AUTH_ERR, "miss", "inactive"));
    assert_int_equal(tool(&out, "--conf %s cache flush --subject nobody-here", cpath), 0);
    expect_log(out, "cache: removed 0 cached answers of subject \"nobody-here\"");
    free(out);
    assert_int_equal(tool(&out, "--conf %s cache flush", cpath), 0);
    expect_log(out, "cache: removed 1 cached answer from");
    free(out);
    assert_int_equal(entries("flush", NULL, 0), 0);
    free(t);
    free(tb);
}

/* A damaged, foreign or swapped entry is ignored and removed, never trusted. */
static void corruption_ignored(void **state)
{
    (void)state;
    reset();
    conf("corrupt", "negative_ttl = 60");
    char *t = standin_mint("OI_V2", ALICE), *tb = standin_mint("OI_V2", "{\"sub\":\"bob\",\"client_id\":\"ssh-cli\"}");
    char names[4][1400];
    free(login("corrupt", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(entries("corrupt", names, 4), 1);
    /* 1: one byte of the stored answer changed. */
    char *text = tc_read_all(names[0]);
    char *p = strstr(text, "\"sub\":\"alice\"");
    assert_non_null(p);
    p[8] = 'A';
    tc_write_file(names[0], text, 0600);
    free(text);
    char *log = login("corrupt", "alice", t, PAM_SUCCESS, "miss", "ok");
    expect_log(log, "is corrupt or not ours: ignored and removed");
    free(log);
    assert_int_equal(requests(NULL, 0), 2);
    /* 2: cut short. */
    text = tc_read_all(names[0]);
    text[strlen(text) / 2] = '\0';
    tc_write_file(names[0], text, 0600);
    free(text);
    free(login("corrupt", "alice", t, PAM_SUCCESS, "miss", "ok"));
    /* 3: readable by others: not written by us. */
    chmod(names[0], 0644);
    free(login("corrupt", "alice", t, PAM_SUCCESS, "miss", "ok"));
    free(login("corrupt", "alice", t, PAM_SUCCESS, "hit", "ok"));
    assert_int_equal(requests(NULL, 0), 4);
    /* 4: alice's allow copied over the entry of bob's token (as alice): bound to its name, the
     * copy does not authenticate, and the server is asked. */
    free(login("corrupt", "bob", tb, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(entries("corrupt", names, 4), 2);
    const char *alice_entry = NULL, *bob_entry = NULL;
    for (int i = 0; i < 2; i++) {
        char *x = tc_read_all(names[i]);
        if (strstr(x, "\"sub\":\"alice\""))
            alice_entry = names[i];
        else
            bob_entry = names[i];
        free(x);
    }
    assert_non_null(alice_entry);
    assert_non_null(bob_entry);
    text = tc_read_all(alice_entry);
    tc_write_file(bob_entry, text, 0600);
    free(text);
    log = login("corrupt", "alice", tb, PAM_AUTH_ERR, "miss", "user_mismatch");
    expect_log(log, "is corrupt or not ours");
    free(log);
    assert_int_equal(requests(NULL, 0), 6);
    free(t);
    free(tb);
}

/* An unsafe cache_dir or key file is a configuration error: PAM_SERVICE_ERR, nothing sent. */
static void unsafe_cache_dir_refused(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", ALICE);
    char dir[1024], link[1024], extra[1400], key[1100];
    path_of(dir, sizeof(dir), "c/%s", "perm-dir");
    path_of(link, sizeof(link), "c/%s", "perm-link");
    snprintf(extra, sizeof(extra), "cache_dir = %s", dir);
    conf("perm", extra);
    /* Absent: made, 0700. */
    free(login("perm", "alice", t, PAM_SUCCESS, "miss", "ok"));
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    chmod(dir, 0755);
    char *log = login("perm", "alice", t, PAM_SERVICE_ERR, NULL, NULL);
    expect_log(log, "is open to group or others");
    free(log);
    chmod(dir, 0700);
    snprintf(key, sizeof(key), "%s/hmac.key", dir);
    chmod(key, 0644);
    log = login("perm", "alice", t, PAM_SERVICE_ERR, NULL, NULL);
    expect_log(log, "hmac.key is readable or writable by group or others");
    free(log);
    chmod(key, 0600);
    assert_int_equal(symlink(dir, link), 0);
    snprintf(extra, sizeof(extra), "cache_dir = %s", link);
    conf("perm", extra);
    log = login("perm", "alice", t, PAM_SERVICE_ERR, NULL, NULL);
    expect_log(log, "is a symbolic link");
    free(log);
    snprintf(extra, sizeof(extra), "cache_dir = %s", key);
    conf("perm", extra);
    log = login("perm", "alice", t, PAM_SERVICE_ERR, NULL, NULL);
    expect_log(log, "is not a directory");
    free(log);
    if (geteuid() == 0) {
        assert_int_equal(chown(dir, 4321, 4321), 0);
        snprintf(extra, sizeof(extra), "cache_dir = %s", dir);
        conf("perm", extra);
        log = login("perm", "alice", t, PAM_SERVICE_ERR, NULL, NULL);
        expect_log(log, "is not owned by root");
        free(log);
        assert_int_equal(chown(dir, 0, 0), 0);
    } else {
        fprintf(stderr, "not root: the foreign-owner case is not run\n");
    }
    assert_int_equal(requests(NULL, 0), 1);
    free(t);
}

/* Many processes at once on one directory, with entries written, read, refused and evicted (a
 * bound of 16): every decision right, no entry corrupt, no temporary file left. Each login is its
 * own process running the module's login path (oauth2-introspect check: the same core, config
 * and cache code; pam_wrapper cannot share one service directory between parallel processes). */
static void concurrency(void **state)
{
    (void)state;
    reset();
    conf("conc", "negative_ttl = 60\ncache_max_entries = 16");
    enum { TOKENS = 10, PROCS = 12, ROUNDS = 8 };
    char *tok[TOKENS], in[TOKENS][1100], cpath[1024];
    int want[TOKENS]; /* the tool's exit status: 0 allow, 1 deny */
    path_of(cpath, sizeof(cpath), "conf/%s.conf", "conc");
    for (int i = 0; i < TOKENS; i++) {
        if (i < 6) {
            tok[i] = standin_mint("OI_V2", "{\"sub\":\"nobody\",\"client_id\":\"ssh-cli\"}");
            want[i] = 0;
        } else if (i < 8) {
            tok[i] = standin_mint("OI_V2", "{\"sub\":\"bob\",\"client_id\":\"ssh-cli\"}");
            want[i] = 1;
        } else {
            char lit[200];
            snprintf(lit, sizeof(lit),
                     "ory_at_CONC%dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                     i);
            tok[i] = tc_xstrdup(lit);
            want[i] = 1;
        }
        char text[512];
        snprintf(text, sizeof(text), "%s\n", tok[i]);
        path_of(in[i], sizeof(in[i]), "logs/conc-token-%d.in", i); /* *.in: a secret store */
        tc_write_file(in[i], text, 0600);
    }
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        assert_true(kids[p] >= 0);
        if (kids[p] == 0) {
            int bad = 0;
            char clog[1100];
            path_of(clog, sizeof(clog), "logs/conc-%d.log", p);
            int fd = open(clog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(fd, 1);
            dup2(fd, 2);
            for (int r = 0; r < ROUNDS; r++) {
                int i = (p * 3 + r * 7) % TOKENS;
                char cmd[4096];
                snprintf(cmd, sizeof(cmd), "%s --conf %s check nobody < %s", tc_env("OI_TOOL"), cpath, in[i]);
                int rc = shell(cmd);
                if (rc != want[i]) {
                    printf("WRONG: process %d round %d token %d: exit %d, expected %d\n", p, r, i, rc, want[i]);
                    bad++;
                }
                fflush(stdout);
            }
            _exit(bad); /* no atexit handlers: pam_wrapper's would remove the shared service dir */
        }
    }
    int failures = 0;
    for (int p = 0; p < PROCS; p++) {
        int st;
        assert_int_equal(waitpid(kids[p], &st, 0), kids[p]);
        failures += WIFEXITED(st) ? WEXITSTATUS(st) : 100;
    }
    for (int p = 0; p < PROCS && failures > 0; p++) {
        char clog[1100];
        path_of(clog, sizeof(clog), "logs/conc-%d.log", p);
        char *text = tc_read_all(clog);
        fprintf(stderr, "---- process %d:\n%s", p, text ? text : "");
        free(text);
    }
    assert_int_equal(failures, 0);
    int n = requests(NULL, 0);
    fprintf(stderr, "concurrency: %d logins, %d introspection requests\n", PROCS * ROUNDS, n);
    assert_true(n >= TOKENS && n < PROCS * ROUNDS);
    char *out;
    assert_int_equal(tool(&out, "--conf %s cache stats", cpath), 0);
    expect_log(out, "corrupt: 0");
    free(out);
    char dir[1024];
    path_of(dir, sizeof(dir), "c/%s", "conc");
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, ".tmp", 4) == 0)
            fail_msg("a temporary file was left: %s", de->d_name);
    closedir(d);
    assert_true(entries("conc", NULL, 0) <= 16);
    for (int i = 0; i < TOKENS; i++)
        free(tok[i]);
}

/* The number of entries stays under cache_max_entries. */
static void bounded_size(void **state)
{
    (void)state;
    reset();
    conf("bound", "negative_ttl = 60\ncache_max_entries = 16");
    for (int i = 0; i < 40; i++) {
        char lit[200];
        snprintf(lit, sizeof(lit),
                 "ory_at_BOUND%02dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                 i);
        free(login("bound", "alice", lit, PAM_AUTH_ERR, "miss", "inactive"));
        int n = entries("bound", NULL, 0);
        if (n > 16)
            fail_msg("%d entries after %d logins, bound 16", n, i + 1);
    }
    assert_int_equal(requests(NULL, 0), 40);
}

/* Expired entries are removed as logins go by. */
static void expired_removed(void **state)
{
    (void)state;
    reset();
    conf("expiry", "cache_ttl = 1");
    char *t = standin_mint("OI_V2", ALICE), *t2 = standin_mint("OI_V2", ALICE);
    free(login("expiry", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(entries("expiry", NULL, 0), 1);
    nap(2100);
    free(login("expiry", "alice", t2, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(entries("expiry", NULL, 0), 1); /* t's is gone, t2's is there */
    free(t);
    free(t2);
}

/* offline_grace: while no server answers, an allow fetched less than offline_grace ago stands
 * (logged as such); without grace, or beyond it, the login cannot be checked. */
static void offline_grace(void **state)
{
    (void)state;
    reset();
    conf("grace", "cache_ttl = 1\noffline_grace = 60");
    conf("grace_transport", "cache_ttl = 1\noffline_grace = 60");
    conf("nograce", "cache_ttl = 1");
    conf("grace_short", "cache_ttl = 1\noffline_grace = 1");
    const char *svc[] = {"grace", "grace_transport", "nograce", "grace_short"};
    char *t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = standin_mint("OI_V2", ALICE);
        free(login(svc[i], "alice", t[i], PAM_SUCCESS, "miss", "ok"));
    }
    nap(1300);
    override("{\"status\":503,\"content_type\":\"application/json\",\"body\":\"{\\\"error\\\":\\\"unavailable\\\"}\"}");
    char *log = login("grace", "alice", t[0], PAM_SUCCESS, "grace", "ok");
    expect_log(log, "offline grace: no server available (http_status); honouring the answer fetched");
    free(log);
    /* No answer at all (garbage instead of HTTP). */
    override("{\"raw_b64\":\"bm90IEhUVFAKCg==\"}");
    log = login("grace_transport", "alice", t[1], PAM_SUCCESS, "grace", "ok");
    expect_log(log, "offline grace: no server available (unavailable)");
    free(log);
    override("{\"status\":503,\"content_type\":\"application/json\",\"body\":\"{}\"}");
    free(login("nograce", "alice", t[2], PAM_AUTHINFO_UNAVAIL, "miss", "http_status"));
    override("{\"status\":503,\"content_type\":\"application/json\",\"body\":\"{}\"}");
    free(login("grace_short", "alice", t[3], PAM_AUTHINFO_UNAVAIL, "miss", "http_status"));
    assert_int_equal(requests(NULL, 0), 8);
    /* The server back: a fresh answer. */
    free(login("grace", "alice", t[0], PAM_SUCCESS, "miss", "ok"));
    for (int i = 0; i < 4; i++)
        free(t[i]);
}

/* The breaker: 3 unavailable answers in a row open it for 1 s, during which no request is made;
 * each further failure doubles the back-off; a success closes it. */
static void breaker_open_close(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", ALICE), *out, cpath[1024];
    path_of(cpath, sizeof(cpath), "conf/%s.conf", "breaker");
    const char *fail503 = "{\"status\":503,\"count\":3,\"content_type\":\"application/json\",\"body\":\"{}\"}";
    override(fail503);
    free(login("breaker", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status"));
    free(login("breaker", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status"));
    char *log = login("breaker", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status");
    expect_log(log, "circuit breaker open for 1.0 s (3 failures in a row); `oauth2-introspect cache flush` closes it");
    free(log);
    assert_int_equal(requests(NULL, 0), 3);
    /* While it is open, the lines still say what the server last did, and how to close it. */
    log = login("breaker", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable");
    expect_log(log, "skipped: circuit breaker open for ");
    expect_log(log, " s more after 3 failures in a row; last: HTTP 503 (error -)");
    expect_log(log, "the circuit breaker is open for every server (the lines above name the last failure of each); "
                    "`oauth2-introspect cache flush` closes them");
    free(log);
    assert_int_equal(requests(NULL, 0), 3); /* no network while open */
    assert_int_equal(tool(&out, "--conf %s cache stats", cpath), 0);
    expect_log(out, ": OPEN: logins skip this server for ");
    expect_log(out, " s more (3 failures in a row; last: HTTP 503 (error -)); it closes by itself then, or at once "
                    "with `oauth2-introspect cache flush`");
    free(out);
    /* Half-open after 1 s: one more failure opens it for 2 s. */
    nap(1200);
    override("{\"status\":503,\"count\":1,\"content_type\":\"application/json\",\"body\":\"{}\"}");
    log = login("breaker", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status");
    expect_log(log, "circuit breaker open for 2.0 s (4 failures in a row)");
    free(log);
    assert_int_equal(requests(NULL, 0), 4);
    nap(1200);
    free(login("breaker", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable"));
    assert_int_equal(requests(NULL, 0), 4); /* still open: the back-off grew */
    nap(1100);
    free(login("breaker", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(NULL, 0), 5);
    assert_int_equal(tool(&out, "--conf %s cache stats", cpath), 0);
    expect_log(out, "introspect: closed");
    free(out);
    free(t);
}

/* The administrator fixes the server (ping says OK) while the breaker is open: logins are still
 * skipped, ping says so and why, and `cache flush` closes it at once. (A 429 opens it for the
 * server's 60 s at once: long enough for a slow machine to see it open.) */
static void breaker_flush_after_fix(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", ALICE), *out, cpath[1024];
    path_of(cpath, sizeof(cpath), "conf/%s.conf", "flushfix");
    override("{\"status\":429,\"count\":1,\"headers\":{\"x-ratelimit-reset\":\"60\"},"
             "\"content_type\":\"application/json\",\"body\":\"{}\"}");
    free(login("flushfix", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status"));
    /* The server answers again (the override is used up), but the breaker is open. */
    free(login("flushfix", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable"));
    assert_int_equal(requests(NULL, 0), 1);
    assert_int_equal(tool(&out, "--conf %s ping", cpath), 2);
    expect_log(out, "breaker    OPEN  https://127.0.0.1:");
    expect_log(out, "/admin/oauth2/introspect: logins skip this server for ");
    expect_log(out, " s more (1 failure in a row, rate limited; last: HTTP 429 (x-ratelimit-reset 60): rate "
                    "limited: the server asks for fewer requests); it closes by itself then, or at once with "
                    "`oauth2-introspect cache flush`");
    expect_log(out, "introspect OK"); /* the server itself is fine */
    free(out);
    assert_int_equal(tool(&out, "--conf %s cache flush", cpath), 0);
    expect_log(out, "and closed 1 open circuit breaker\n");
    free(out);
    assert_int_equal(tool(&out, "--conf %s ping", cpath), 0);
    expect_log(out, "/admin/oauth2/introspect: closed\n");
    free(out);
    free(login("flushfix", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(NULL, 0), 4); /* the 429, each ping's made-up token, this login */
    free(t);
}

/* A server that fails TLS verification (here: the line trusts another CA) is a matter of
 * configuration or an impostor, not an outage: every login tries it and says why, naming the
 * trust in use, and no breaker opens. */
static void untrusted_is_no_outage(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", ALICE), *out, cpath[1024], dir[1024], text[4096];
    path_of(cpath, sizeof(cpath), "conf/%s.conf", "untrusted");
    path_of(dir, sizeof(dir), "c/%s", "untrusted");
    snprintf(text, sizeof(text),
             "admin_url = %s\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s/state\n" TC_NO_LIMITS
             "cache_dir = %s\n"
             "offline_grace = 600\n",
             url(), tc_env("OI_OTHER_CA"), tc_env("OI_RUN_DIR"), dir);
    tc_write_file(cpath, text, 0600);
    char tail[2048];
    snprintf(tail, sizeof(tail),
             "; trust in use: ca_file %s: if the server's certificate changed, change that option to match; if "
             "not, this is not the server you configured",
             tc_env("OI_OTHER_CA"));
    for (int i = 0; i < 5; i++) { /* more than the 3 failures that open a breaker */
        char *log = login("untrusted", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable");
        expect_log(log, "TLS verification failed: SSL peer certificate or SSH remote key was not OK: ");
        expect_log(log, tail);
        if (strstr(log, "circuit breaker") != NULL)
            fail_msg("login %d: a TLS verification failure counted as an outage", i + 1);
        if (strstr(log, "offline grace") != NULL)
            fail_msg("login %d: offline grace for a server that failed verification", i + 1);
        free(log);
    }
    assert_int_equal(requests(NULL, 0), 0); /* nothing reached the server */
    assert_int_equal(tool(&out, "--conf %s cache stats", cpath), 0);
    expect_log(out, "/admin/oauth2/introspect: closed\n");
    free(out);
    free(t);
}

/* A 429 opens the breaker at once, for x-ratelimit-reset seconds. */
static void ratelimit_respected(void **state)
{
    (void)state;
    reset();
    char *t = standin_mint("OI_V2", ALICE);
    override(
        "{\"status\":429,\"headers\":{\"x-ratelimit-reset\":\"2\"},\"content_type\":\"application/json\",\"body\":\"{}\"}");
    char *log = login("ratelimit", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status");
    expect_log(log, "x-ratelimit-reset 2");
    expect_log(log, "(1 failures in a row, rate limited)");
    free(log);
    log = login("ratelimit", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable");
    expect_log(log, "skipped: circuit breaker open");
    free(log);
    assert_int_equal(requests(NULL, 0), 1);
    nap(2200);
    free(login("ratelimit", "alice", t, PAM_SUCCESS, "miss", "ok"));
    assert_int_equal(requests(NULL, 0), 2);
    free(t);
}

/* Failover: a dead first server passes the question to the second, with or without a cache; with
 * one, its breaker remembers the dead one and it is skipped. */
static void failover(void **state)
{
    (void)state;
    reset();
    char extra[1200];
    const char *dead = tc_env("OI_DEAD_URL");
    snprintf(extra, sizeof(extra), "admin_url = %s, %s", dead, url());
    conf("failover", extra);
    conf("failover_nocache", extra);
    snprintf(extra, sizeof(extra), "introspect_url = %s/admin/oauth2/introspect,%s/admin/oauth2/introspect", dead,
             url());
    conf("failover_introspect", extra);
    snprintf(extra, sizeof(extra), "admin_url = %s,https://localhost:%s", url(), tc_env("OI_V2_ADMIN"));
    conf("failover_503", extra);
    char *t = standin_mint("OI_V2", ALICE);
    char *log = login("failover_nocache", "alice", t, PAM_SUCCESS, NULL, "ok");
    expect_log(log, "introspection: https://127.0.0.1:");
    expect_log(log, "unavailable, trying");
    free(log);
    free(login("failover_introspect", "alice", t, PAM_SUCCESS, "miss", "ok"));
    for (int i = 0; i < 3; i++) {
        char *ti = standin_mint("OI_V2", ALICE);
        log = login("failover", "alice", ti, PAM_SUCCESS, "miss", "ok");
        expect_log(log, "unavailable, trying");
        free(log);
        free(ti);
    }
    char *t4 = standin_mint("OI_V2", ALICE);
    log = login("failover", "alice", t4, PAM_SUCCESS, "miss", "ok");
    expect_log(log, "skipped: circuit breaker open");
    free(log);
    assert_int_equal(requests(NULL, 0), 6);
    /* A failing (503) first server also passes the question on. */
    override("{\"status\":503,\"count\":1,\"content_type\":\"application/json\",\"body\":\"{}\"}");
    log = login("failover_503", "alice", t, PAM_SUCCESS, "miss", "ok");
    expect_log(log, "HTTP 503");
    free(log);
    assert_int_equal(requests(NULL, 0), 8);
    free(t);
    free(t4);
}

/* No cache directory holds a token anywhere. */
static void no_token_on_disk(void **state)
{
    (void)state;
    char cmd[2048], out[1024];
    path_of(out, sizeof(out), "logs/%s", "disk-scan.out");
    snprintf(cmd, sizeof(cmd), "grep -rlE 'ory_at_|ory_rt_' %s/c > %s 2>&1", tc_env("OI_RUN_DIR"), out);
    /* grep: 1 = nothing found */
    if (shell(cmd) != 1) {
        char *found = tc_read_all(out);
        fail_msg("a token-shaped string is stored in: %s", found ? found : "?");
    }
}

/* ---- the attacker's side: a stored answer is never looser than the server's last word ---- */

/* A refusal for another user, stored with a negative_ttl longer than cache_ttl, must not become
 * the token subject's allow after the token was revoked. */
static void attack_refusal_never_allows(void **state)
{
    (void)state;
    reset();
    conf("neg_long", "negative_ttl = 600\ncache_ttl = 1");
    char *t = standin_mint("OI_V2", ALICE);
    free(login("neg_long", "bob", t, PAM_AUTH_ERR, "miss", "user_mismatch"));
    char body[4096];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", t);
    json_object_put(standin_control("OI_V2", "POST", "/revoke-token", body));
    nap(1300);
    free(login("neg_long", "alice", t, PAM_AUTH_ERR, "miss", "inactive"));
    /* The server's own "inactive" is remembered, and only ever refuses. */
    free(login("neg_long", "alice", t, PAM_AUTH_ERR, "hit", "inactive"));
    free(login("neg_long", "bob", t, PAM_AUTH_ERR, "hit", "inactive"));
    assert_int_equal(requests(NULL, 0), 2);
    free(t);
}

/* Lines sharing one cache_dir: one whose own TLS check fails (another pin, another CA) is never
 * answered from the entry of a line that trusts more. */
static void attack_stricter_trust_not_from_cache(void **state)
{
    (void)state;
    reset();
    char shared[1024], extra[2048];
    path_of(shared, sizeof(shared), "c/%s", "shared-trust");
    snprintf(extra, sizeof(extra), "cache_dir = %s", shared);
    conf("trust_plain", extra);
    snprintf(extra, sizeof(extra), "cache_dir = %s\npinned_pubkey = %s/pki/other.pub", shared, tc_env("OI_RUN_DIR"));
    conf("trust_pinned", extra);
    char *t = standin_mint("OI_V2", ALICE);
    free(login("trust_plain", "alice", t, PAM_SUCCESS, "miss", "ok"));
    free(login("trust_plain", "alice", t, PAM_SUCCESS, "hit", "ok"));
    char *log = login("trust_pinned", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable");
    expect_log(log, "pinned");
    free(log);
    /* Another CA for the same URL: a conf file of its own that names the other CA only. */
    char cpath[1024], text[4096];
    path_of(cpath, sizeof(cpath), "conf/%s.conf", "trust_otherca");
    snprintf(text, sizeof(text),
             "admin_url = %s\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s/state\n" TC_NO_LIMITS
             "cache_dir = %s\n",
             url(), tc_env("OI_OTHER_CA"), tc_env("OI_RUN_DIR"), shared);
    tc_write_file(cpath, text, 0600);
    free(login("trust_otherca", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable"));
    /* The failing lines opened no breaker for the good one. */
    free(login("trust_plain", "alice", t, PAM_SUCCESS, "hit", "ok"));
    assert_int_equal(requests(NULL, 0), 1);
    free(t);
}

/* Anyone can provoke a 429 with a junk token. Its back-off is capped at 60 s, and a server that
 * answered 429 is no outage: offline_grace does not honour a stored allow (here of a token that
 * has been revoked since). */
static void attack_429_is_not_offline(void **state)
{
    (void)state;
    reset();
    conf("rl_grace", "cache_ttl = 1\noffline_grace = 600");
    char *t = standin_mint("OI_V2", ALICE), *out, cpath[1024];
    free(login("rl_grace", "alice", t, PAM_SUCCESS, "miss", "ok"));
    char body[4096];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", t);
    json_object_put(standin_control("OI_V2", "POST", "/revoke-token", body));
    nap(1300);
    override(
        "{\"status\":429,\"headers\":{\"x-ratelimit-reset\":\"3600\"},\"content_type\":\"application/json\",\"body\":\"{}\"}");
    char *log = login("rl_grace", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status");
    if (strstr(log, "offline grace") != NULL)
        fail_msg("offline grace after a 429");
    free(log);
    /* While the breaker is open (rate limited), still no grace. */
    log = login("rl_grace", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "unavailable");
    expect_log(log, "rate limited");
    free(log);
    path_of(cpath, sizeof(cpath), "conf/%s.conf", "rl_grace");
    assert_int_equal(tool(&out, "--conf %s cache stats", cpath), 0);
    const char *open = strstr(out, "OPEN: logins skip this server for ");
    assert_non_null(open);
    double secs = strtod(open + strlen("OPEN: logins skip this server for "), NULL);
    if (secs > 60.0)
        fail_msg("a 429 opened the breaker for %.1f s, more than 60", secs);
    free(out);
    assert_int_equal(requests(NULL, 0), 2);
    free(t);
}

/* No stored answer serves a token past its exp: not offline_grace, not within leeway. */
static void attack_grace_never_past_exp(void **state)
{
    (void)state;
    reset();
    conf("grace_exp", "cache_ttl = 1\noffline_grace = 600\nleeway = 120");
    char *t = standin_mint("OI_V2", "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"ttl\":2}");
    free(login("grace_exp", "alice", t, PAM_SUCCESS, "miss", "ok"));
    nap(2300);
    override("{\"status\":503,\"content_type\":\"application/json\",\"body\":\"{}\"}");
    char *log = login("grace_exp", "alice", t, PAM_AUTHINFO_UNAVAIL, "miss", "http_status");
    if (strstr(log, "offline grace") != NULL)
        fail_msg("offline grace past exp");
    free(log);
    free(t);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--write-services") == 0)
        return write_services();
    char logs[1024];
    path_of(logs, sizeof(logs), "%s", "logs");
    mkdir(logs, 0700);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_cache_dir_unchanged),
        cmocka_unit_test(hit_and_miss),
        cmocka_unit_test(ttl_capped_by_exp),
        cmocka_unit_test(ttl_from_cache_ttl),
        cmocka_unit_test(scope_change_misses),
        cmocka_unit_test(policy_change_on_hit),
        cmocka_unit_test(denials_only_with_negative_ttl),
        cmocka_unit_test(revocation_flushes),
        cmocka_unit_test(corruption_ignored),
        cmocka_unit_test(unsafe_cache_dir_refused),
        cmocka_unit_test(concurrency),
        cmocka_unit_test(bounded_size),
        cmocka_unit_test(expired_removed),
        cmocka_unit_test(offline_grace),
        cmocka_unit_test(breaker_open_close),
        cmocka_unit_test(breaker_flush_after_fix),
        cmocka_unit_test(untrusted_is_no_outage),
        cmocka_unit_test(ratelimit_respected),
        cmocka_unit_test(failover),
        cmocka_unit_test(no_token_on_disk),
        cmocka_unit_test(attack_refusal_never_allows),
        cmocka_unit_test(attack_stricter_trust_not_from_cache),
        cmocka_unit_test(attack_429_is_not_offline),
        cmocka_unit_test(attack_grace_never_past_exp),
    };
    int rc = cmocka_run_group_tests_name("cache", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
