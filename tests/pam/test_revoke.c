/* revoke_on_close: the real module's pam_sm_close_session under pam_wrapper + nss_wrapper, driven
 * by libpamtest, against Hydra stand-ins (v2, v1, Ory Network).
 *
 * Phase 1 (`test_revoke --write-services`, no preload) writes one PAM service and one conf file
 * per case; phase 2 (under pam_wrapper, started by tests/pam/revoke-close.sh) authenticates and opens
 * a session with libpamtest, then closes it and asserts: close_session returns PAM_SUCCESS within
 * its time limit whatever happens, the DELETE requests the stand-in saw after the login (paths and
 * parameters per flavour, sid vs subject, consent with client), and the log line. */
#include <config.h>

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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "../standin/standin_client.h"

enum standin { V2, V1, NET, N_STANDINS };
static const char *standin_env[N_STANDINS] = {"OI_V2", "OI_V1", "OI_NET"};

struct rcase {
    const char *name; /* also the PAM service name */
    enum standin si;
    const char *conf;         /* extra conf lines (@RUN@ @NETKEY@ @DEADURL@ expand) */
    const char *session_args; /* extra arguments on the session line (same expansions) */
    const char *mint;         /* the token for the login; NULL: no authentication in the handle */
    const char *before_close; /* JSON for POST /override after open_session */
    const char *sent[3];      /* "METHOD PATH QUERY" of every request after open_session */
    const char *log;          /* texts the log must contain */
    const char *log2;
    long max_ms; /* close_session must return within this; 0: 1500 */
};

#define ALICE "\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"scope\":\"openid ssh:login\""
#define LOGIN_V2 "DELETE /admin/oauth2/auth/sessions/login "
#define CONSENT_V2 "DELETE /admin/oauth2/auth/sessions/consent "

static const struct rcase cases[] = {
    {.name = "close_login_by_subject",
     .conf = "revoke_on_close = login",
     .mint = "{" ALICE "}",
     .sent = {LOGIN_V2 "subject=alice"},
     .log = "revoke_on_close user=alice sub=alice: login sessions: request accepted (HTTP 204",
     .log2 = "tokens already issued stay active until they expire"},
    {.name = "close_login_by_sid",
     .conf = "revoke_on_close = login\nsid_claim = ext.sid",
     .mint = "{" ALICE ",\"ext\":{\"sid\":\"sess-42\"}}",
     .sent = {LOGIN_V2 "sid=sess-42"},
     .log = "revoke_on_close user=alice sub=alice sid=sess-42: login session: request accepted (HTTP 204"},
    {.name = "close_sid_claim_absent",
     .conf = "revoke_on_close = login\nsid_claim = ext.sid",
     .mint = "{" ALICE "}",
     .sent = {LOGIN_V2 "subject=alice"},
     .log = "revoke_on_close user=alice sub=alice: login sessions: request accepted"},
    {.name = "close_login_consent",
     .conf = "revoke_on_close = login,consent",
     .mint = "{" ALICE "}",
     .sent = {LOGIN_V2 "subject=alice", CONSENT_V2 "subject=alice&client=ssh-cli"},
     .log = "revoke_on_close user=alice sub=alice client_id=ssh-cli: consent sessions: request "
            "accepted (HTTP 204",
     .log2 = "the tokens of such consent sessions are inactive now"},
    {.name = "close_consent_only_on_line",
     .session_args = "revoke_on_close=consent",
     .mint = "{" ALICE "}",
     .sent = {CONSENT_V2 "subject=alice&client=ssh-cli"},
     .log = "consent sessions: request accepted"},
    {.name = "close_off_by_default", .mint = "{" ALICE "}", .sent = {NULL}},
    {.name = "close_off_on_line",
     .conf = "revoke_on_close = login",
     .session_args = "revoke_on_close=no",
     .mint = "{" ALICE "}",
     .sent = {NULL}},
    {.name = "close_v1",
     .si = V1,
     .conf = "flavor = hydra-v1\nrevoke_on_close = login,consent",
     .mint = "{" ALICE "}",
     .sent = {"DELETE /oauth2/auth/sessions/login subject=alice",
              "DELETE /oauth2/auth/sessions/consent subject=alice&client=ssh-cli"},
     .log = "login sessions: request accepted (HTTP 204"},
    {.name = "close_subject_encoded",
     .conf = "revoke_on_close = login,consent\nuser_regex = ([a-z]+)@example\\.com",
     .mint = "{\"sub\":\"alice@example.com\",\"client_id\":\"ssh-cli\"}",
     .sent = {LOGIN_V2 "subject=alice%40example.com", CONSENT_V2 "subject=alice%40example.com&client=ssh-cli"},
     .log = "sub=alice@example.com: login sessions: request accepted"},
    {.name = "close_network_key",
     .si = NET,
     .conf = "auth = bearer\nsecret_file = @NETKEY@\nrevoke_on_close = login",
     .mint = "{" ALICE "}",
     .sent = {LOGIN_V2 "subject=alice"},
     .log = "login sessions: request accepted (HTTP 204"},
    {.name = "close_without_login",
     .conf = "revoke_on_close = login,consent",
     .sent = {NULL},
     .log = "revoke_on_close user=alice: nothing revoked: this module authenticated nobody in this PAM "
            "handle, and the PAM environment holds no login it exported"},
    {.name = "close_server_500",
     .conf = "revoke_on_close = login",
     .mint = "{" ALICE "}",
     .before_close = "{\"status\":500,\"content_type\":\"application/json\",\"body\":"
                     "\"{\\\"error\\\":\\\"error\\\",\\\"error_description\\\":\\\"The error is "
                     "unrecognizable\\\"}\"}",
     .sent = {LOGIN_V2 "subject=alice"},
     .log = "login sessions not revoked: HTTP 500 error: The error is unrecognizable; logout goes on"},
    {.name = "close_server_dead",
     .conf = "revoke_on_close = login,consent",
     .session_args = "admin_url=@DEADURL@",
     .mint = "{" ALICE "}",
     .sent = {NULL},
     .log = "login sessions not revoked: Couldn't connect to server",
     .log2 = "consent sessions not revoked: Couldn't connect to server"},
    /* A server that accepts and never answers: the 2000 ms budget wins over timeout_ms. */
    {.name = "close_server_stalled",
     .conf = "revoke_on_close = login,consent\ntimeout_ms = 20000",
     .mint = "{" ALICE "}",
     .before_close = "{\"status\":204,\"delay_ms\":15000}",
     .sent = {LOGIN_V2 "subject=alice"},
     .log = "login sessions not revoked: Timeout was reached",
     .log2 = "consent sessions not revoked: the 2000 ms allowed at logout are used up",
     .max_ms = 2800},
    {.name = "close_bad_session_line",
     .conf = "revoke_on_close = login",
     .session_args = "revoke_on_close=sometimes",
     .mint = "{" ALICE "}",
     .sent = {NULL},
     .log = "configuration error: pam.d line: revoke_on_close: 'sometimes'"},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Replace @RUN@, @NETKEY@ and @DEADURL@. */
static char *expand(const char *in)
{
    const char *names[][2] = {
        {"@RUN@", tc_env("OI_RUN_DIR")}, {"@NETKEY@", tc_env("OI_NET_KEY_FILE")}, {"@DEADURL@", tc_env("OI_DEAD_URL")}};
    return tc_expand(in, names, sizeof(names) / sizeof(names[0]));
}

static int write_services(void)
{
    const char *run = tc_env("OI_RUN_DIR"), *module = tc_env("OI_MODULE");
    char path[1024], text[8192];
    snprintf(path, sizeof(path), "%s/svc", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/conf", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/svc/other", run);
    tc_write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n",
                  0644);
    /* sshd's keyboard-interactive login: authentication in one handle (a child process), the
     * session in another that only gets the PAM environment; here with and without pam_env
     * reading ~/.pam_environment, as Debian's /etc/pam.d/sshd does. */
    char *v2_url = standin_admin_url(standin_env[V2]);
    snprintf(text, sizeof(text),
             "admin_url = %s\nallowed_clients = ssh-cli\nca_file = %s\nstate_dir = %s/state\n" TC_NO_LIMITS
             "user_claim = ext.unix_user\nrevoke_on_close = login,consent\n",
             v2_url, tc_env("OI_CA"), run);
    free(v2_url);
    snprintf(path, sizeof(path), "%s/conf/split.conf", run);
    tc_write_file(path, text, 0600);
    for (int with_pam_env = 0; with_pam_env < 2; with_pam_env++) {
        snprintf(text, sizeof(text),
                 "auth required %s conf=%s/conf/split.conf\naccount required %s conf=%s/conf/split.conf\n"
                 "%ssession required %s conf=%s/conf/split.conf\n",
                 module, run, module, run, with_pam_env ? "session required pam_env.so user_readenv=1 readenv=0\n" : "",
                 module, run);
        snprintf(path, sizeof(path), "%s/svc/%s", run, with_pam_env ? "split_pam_env" : "split");
        tc_write_file(path, text, 0644);
    }
    for (size_t i = 0; i < N_CASES; i++) {
        const struct rcase *c = &cases[i];
        char *url = standin_admin_url(standin_env[c->si]), *extra = expand(c->conf ? c->conf : "");
        char *sargs = expand(c->session_args ? c->session_args : "");
        char conf[1024];
        snprintf(conf, sizeof(conf), "%s/conf/%s.conf", run, c->name);
        snprintf(text, sizeof(text),
                 "# %s\nadmin_url = %s\nallowed_clients = ssh-cli\nca_file = %s\nstate_dir = %s/state\n" TC_NO_LIMITS
                 "%s\n",
                 c->name, url, tc_env("OI_CA"), run, extra);
        tc_write_file(conf, text, 0600);
        snprintf(text, sizeof(text),
                 "auth required %s conf=%s\naccount required %s conf=%s\nsession required %s "
                 "conf=%s %s\n",
                 module, conf, module, conf, module, conf, sargs);
        snprintf(path, sizeof(path), "%s/svc/%s", run, c->name);
        tc_write_file(path, text, 0644);
        free(url);
        free(extra);
        free(sargs);
    }
    return 0;
}

/* --- the stand-in's control API --- */

static json_object *requests(enum standin si)
{
    return standin_control(standin_env[si], "GET", "/requests", NULL);
}

/* "METHOD PATH QUERY" of request i. */
static void describe_request(json_object *list, size_t i, char *out, size_t len)
{
    json_object *r = json_object_array_get_idx(list, i), *m, *p, *q;
    json_object_object_get_ex(r, "method", &m);
    json_object_object_get_ex(r, "path", &p);
    json_object_object_get_ex(r, "query", &q);
    snprintf(out, len, "%s %s %s", json_object_get_string(m), json_object_get_string(p), json_object_get_string(q));
}

static const char *request_header(json_object *list, size_t i, const char *name)
{
    json_object *r = json_object_array_get_idx(list, i), *h, *v;
    if (!json_object_object_get_ex(r, "headers", &h) || !json_object_object_get_ex(h, name, &v))
        return NULL;
    return json_object_get_string(v);
}

/* The module's syslog lines arrive on stderr through pam_wrapper: capture them in a file. */
struct capture {
    int saved;
    char path[4096];
};

static void capture_start(struct capture *c, const char *name)
{
    snprintf(c->path, sizeof(c->path), "%s/%s.log", tc_env("OI_RUN_DIR"), name);
    fflush(stderr);
    c->saved = dup(2);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(c->saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
}

static char *capture_end(struct capture *c, const char *name)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    char *log = tc_read_all(c->path);
    assert_non_null(log);
    fprintf(stderr, "---- %s log:\n%s", name, log);
    return log;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void reset_all(void)
{
    for (int si = 0; si < N_STANDINS; si++)
        json_object_put(standin_control(standin_env[si], "POST", "/reset", "{}"));
}

/* Log in (when the case mints a token) and open the session with libpamtest, keeping the handle. */
static pam_handle_t *login_and_open(const struct rcase *c, const char *token)
{
    const char *answers[] = {token, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase with_auth[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
        pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
        pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
    };
    struct pam_testcase without_auth[] = {
        pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
        pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
    };
    struct pam_testcase *tests = token ? with_auth : without_auth;
    size_t n = token ? 4 : 2;
    enum pamtest_err perr = _pamtest(c->name, "alice", &conv, tests, n, NULL);
    if (perr != PAMTEST_ERR_OK) {
        const struct pam_testcase *failed = _pamtest_failed_case(tests, n);
        fail_msg("%s: %s; step %d returned %d (%s), expected %d", c->name, pamtest_strerror(perr),
                 failed ? (int)failed->pam_operation : -1, failed ? failed->op_rv : -1,
                 failed ? pam_strerror(NULL, failed->op_rv) : "-", failed ? failed->expected_rv : -1);
    }
    return tests[n - 1].case_out.ph;
}

static void run_case(void **state)
{
    const struct rcase *c = *state;
    reset_all();
    char *token = c->mint ? standin_mint(standin_env[c->si], c->mint) : NULL;
    struct capture cap;
    capture_start(&cap, c->name);
    pam_handle_t *ph = login_and_open(c, token);

    /* Logging in and opening the session revoke nothing. */
    json_object *before = requests(c->si);
    size_t n0 = json_object_array_length(before);
    for (size_t i = 0; i < n0; i++) {
        char d[512];
        describe_request(before, i, d, sizeof(d));
        if (strncmp(d, "DELETE ", 7) == 0)
            fail_msg("%s: a DELETE before close_session: %s", c->name, d);
    }
    json_object_put(before);
    if (c->before_close)
        json_object_put(standin_control(standin_env[c->si], "POST", "/override", c->before_close));

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = pam_close_session(ph, 0);
    long took = ms_since(&t0);
    pam_end(ph, rc);
    char *log = capture_end(&cap, c->name);

    if (rc != PAM_SUCCESS)
        fail_msg("%s: close_session returned %d (%s)", c->name, rc, pam_strerror(NULL, rc));
    long max_ms = c->max_ms ? c->max_ms : 1500;
    if (took > max_ms)
        fail_msg("%s: close_session took %ld ms (limit %ld)", c->name, took, max_ms);
    json_object *after = requests(c->si);
    size_t n = json_object_array_length(after), want = 0;
    while (want < 3 && c->sent[want])
        want++;
    if (n - n0 != want)
        fail_msg("%s: %zu requests after open_session, expected %zu", c->name, n - n0, want);
    for (size_t i = 0; i < want; i++) {
        char d[512];
        describe_request(after, n0 + i, d, sizeof(d));
        if (strcmp(d, c->sent[i]) != 0)
            fail_msg("%s: request %zu is \"%s\", expected \"%s\"", c->name, i + 1, d, c->sent[i]);
        if (c->si == NET) {
            const char *authz = request_header(after, n0 + i, "authorization");
            if (authz == NULL || strncmp(authz, "Bearer ory_apikey_", 18) != 0)
                fail_msg("%s: the DELETE lacks the API key", c->name);
        }
    }
    json_object_put(after);
    if (c->log && strstr(log, c->log) == NULL)
        fail_msg("%s: the log lacks \"%s\"", c->name, c->log);
    if (c->log2 && strstr(log, c->log2) == NULL)
        fail_msg("%s: the log lacks \"%s\"", c->name, c->log2);
    if (token && strstr(log, token) != NULL)
        fail_msg("%s: the token appears in the log", c->name);
    if (strstr(log, "tool-test-network-key") != NULL)
        fail_msg("%s: the API key appears in the log", c->name);
    free(log);
    free(token);
}

static const struct rcase *find_case(const char *name)
{
    for (size_t i = 0; i < N_CASES; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    fail_msg("no case %s", name);
    return NULL;
}

/* After logout with revoke_on_close=login,consent, the same token no longer logs in; with
 * revoke_on_close=login alone, it still does (login sessions are not tokens). */
static void token_after_logout(void **state)
{
    (void)state;
    static const struct {
        const char *svc;
        int rc;
    } runs[] = {{"close_login_consent", PAM_AUTH_ERR}, {"close_login_by_subject", PAM_SUCCESS}};
    for (size_t r = 0; r < 2; r++) {
        const struct rcase *c = find_case(runs[r].svc);
        reset_all();
        char *token = standin_mint(standin_env[V2], "{" ALICE "}");
        struct capture cap;
        capture_start(&cap, "token_after_logout");
        pam_handle_t *ph = login_and_open(c, token);
        int rc = pam_close_session(ph, 0);
        pam_end(ph, rc);
        const char *answers[] = {token, NULL};
        struct pamtest_conv_data conv = {.in_echo_off = answers};
        struct pam_testcase again[] = {pam_test(PAMTEST_AUTHENTICATE, runs[r].rc)};
        enum pamtest_err perr = _pamtest(c->name, "alice", &conv, again, 1, NULL);
        char *log = capture_end(&cap, "token_after_logout");
        assert_int_equal(rc, PAM_SUCCESS);
        if (perr != PAMTEST_ERR_OK)
            fail_msg("%s: logging in again with the same token returned %d, expected %d", c->name, again[0].op_rv,
                     runs[r].rc);
        if (runs[r].rc == PAM_AUTH_ERR && strstr(log, "reason=inactive") == NULL)
            fail_msg("%s: no audit line with reason=inactive after logout", c->name);
        free(log);
        free(token);
    }
}

/* OAUTH2_SID is exported when sid_claim names a claim the token carries, and only then. */
static void sid_exported(void **state)
{
    (void)state;
    static const struct {
        const char *svc, *mint, *want;
    } runs[] = {{"close_login_by_sid", "{" ALICE ",\"ext\":{\"sid\":\"sess-42\"}}", "OAUTH2_SID=sess-42"},
                {"close_sid_claim_absent", "{" ALICE "}", NULL},
                {"close_login_by_subject", "{" ALICE ",\"ext\":{\"sid\":\"sess-42\"}}", NULL}};
    for (size_t r = 0; r < 3; r++) {
        reset_all();
        char *token = standin_mint(standin_env[V2], runs[r].mint);
        const char *answers[] = {token, NULL};
        struct pamtest_conv_data conv = {.in_echo_off = answers};
        struct pam_testcase tests[] = {
            pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
            pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
        };
        struct capture cap;
        capture_start(&cap, "sid_exported");
        enum pamtest_err perr = _pamtest(runs[r].svc, "alice", &conv, tests, 2, NULL);
        free(capture_end(&cap, "sid_exported"));
        assert_int_equal(perr, PAMTEST_ERR_OK);
        bool found = false, any = false;
        for (char **e = tests[1].case_out.envlist; e && *e; e++) {
            if (strncmp(*e, "OAUTH2_SID=", 11) == 0)
                any = true;
            if (runs[r].want && strcmp(*e, runs[r].want) == 0)
                found = true;
        }
        if (runs[r].want && !found)
            fail_msg("%s: %s is not in the PAM environment", runs[r].svc, runs[r].want);
        if (!runs[r].want && any)
            fail_msg("%s: OAUTH2_SID exported without a sid claim", runs[r].svc);
        pamtest_free_env(tests[1].case_out.envlist);
        free(token);
    }
}

/* ---- sshd's keyboard-interactive shape: the session handle has only the PAM environment ---- */

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    (void)n, (void)msg, (void)resp, (void)data;
    return PAM_CONV_ERR;
}

/* Authenticate user with token in one handle and return its PAM environment (NULL-terminated,
 * pamtest_free_env); the audit log goes to the capture. */
static char **auth_env(const char *service, const char *user, const char *token)
{
    const char *answers[] = {token, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    enum pamtest_err perr = _pamtest(service, user, &conv, tests, 3, NULL);
    if (perr != PAMTEST_ERR_OK)
        fail_msg("%s: %s", service, pamtest_strerror(perr));
    return tests[2].case_out.envlist;
}

/* A new handle for user on service, given env (as sshd imports the child's), opened and closed.
 * Returns the number of DELETE requests the v2 stand-in saw. */
static int close_in_new_handle(const char *service, const char *user, const char *const *env)
{
    struct pam_conv conv = {no_conv, NULL};
    pam_handle_t *ph = NULL;
    assert_int_equal(pam_start(service, user, &conv, &ph), PAM_SUCCESS);
    for (const char *const *e = env; e && *e; e++)
        assert_int_equal(pam_putenv(ph, *e), PAM_SUCCESS);
    assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
    int rc = pam_close_session(ph, 0);
    pam_end(ph, rc);
    assert_int_equal(rc, PAM_SUCCESS);
    json_object *list = requests(V2);
    int deletes = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        char d[512];
        describe_request(list, i, d, sizeof(d));
        deletes += strncmp(d, "DELETE ", 7) == 0;
    }
    json_object_put(list);
    return deletes;
}

static const char *env_value(char **env, const char *name)
{
    size_t n = strlen(name);
    for (char **e = env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* The subject as the server issued it: '=', ',', a space, UTF-8 and '%'. */
#define ODD_SUB "uid=carol,ou=people \xc3\xbc%"
#define ODD_TOKEN "{\"sub\":\"" ODD_SUB "\",\"client_id\":\"ssh-cli\",\"ext\":{\"unix_user\":\"alice\"}}"

/* The facts go through the environment losslessly, and the session handle revokes exactly that
 * subject, as sshd's monitor does after a keyboard-interactive login. */
static void split_handle_revokes_exact_subject(void **state)
{
    (void)state;
    reset_all();
    char *token = standin_mint(standin_env[V2], ODD_TOKEN);
    struct capture cap;
    capture_start(&cap, "split_exact");
    char **env = auth_env("split", "alice", token);
    int deletes = close_in_new_handle("split", "alice", (const char *const *)env);
    char *log = capture_end(&cap, "split_exact");
    const char *sub = env_value(env, "OAUTH2_SUB");
    if (sub == NULL || strcmp(sub, "uid=carol,ou=people %C3%BC%25") != 0)
        fail_msg("OAUTH2_SUB is \"%s\", expected the lossless \"uid=carol,ou=people %%C3%%BC%%25\"",
                 sub ? sub : "(unset)");
    assert_non_null(env_value(env, "OAUTH2_MAC"));
    assert_int_equal(deletes, 2);
    json_object *list = requests(V2);
    char d[512], want[512];
    describe_request(list, json_object_array_length(list) - 2, d, sizeof(d));
    snprintf(want, sizeof(want), LOGIN_V2 "subject=uid%%3Dcarol%%2Cou%%3Dpeople+%%C3%%BC%%25");
    if (strcmp(d, want) != 0)
        fail_msg("the login DELETE is \"%s\", expected \"%s\"", d, want);
    json_object_put(list);
    if (strstr(log, "consent sessions: request accepted") == NULL)
        fail_msg("no consent revocation logged");
    pamtest_free_env(env);
    free(log);
    free(token);
}

/* ~/.pam_environment (pam_env user_readenv=1) names another person: the MAC no longer holds,
 * nothing is revoked, and the log says why. */
static void split_handle_pam_env_forgery_refused(void **state)
{
    (void)state;
    reset_all();
    char path[4096];
    snprintf(path, sizeof(path), "%s/home/alice/.pam_environment", tc_env("OI_RUN_DIR"));
    tc_write_file(path, "OAUTH2_SUB DEFAULT=victim\nOAUTH2_CLIENT_ID DEFAULT=ssh-cli\n", 0644);
    char *token = standin_mint(standin_env[V2],
                               "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"ext\":{\"unix_user\":\"alice\"}}");
    struct capture cap;
    capture_start(&cap, "split_forged");
    char **env = auth_env("split_pam_env", "alice", token);
    int deletes = close_in_new_handle("split_pam_env", "alice", (const char *const *)env);
    char *log = capture_end(&cap, "split_forged");
    unlink(path);
    assert_int_equal(deletes, 0);
    if (strstr(log, "are not the ones this module exported for this user and service") == NULL)
        fail_msg("the refusal is not logged");
    pamtest_free_env(env);
    free(log);
    free(token);
}

/* With no login at all, forged values and a made-up MAC revoke nothing. */
static void split_handle_forged_without_login(void **state)
{
    (void)state;
    reset_all();
    const char *env[] = {"OAUTH2_SUB=victim", "OAUTH2_CLIENT_ID=ssh-cli",
                         "OAUTH2_MAC=0000000000000000000000000000000000000000000000000000000000000000", NULL};
    const char *no_mac[] = {"OAUTH2_SUB=victim", NULL};
    struct capture cap;
    capture_start(&cap, "split_no_login");
    int a = close_in_new_handle("split", "alice", env);
    int b = close_in_new_handle("split", "alice", no_mac);
    char *log = capture_end(&cap, "split_no_login");
    assert_int_equal(a + b, 0);
    assert_non_null(strstr(log, "are not the ones this module exported"));
    assert_non_null(strstr(log, "holds no login it exported"));
    free(log);
}

/* alice's exported facts in bob's session: the MAC binds them to alice. */
static void split_handle_other_user_refused(void **state)
{
    (void)state;
    reset_all();
    char *token = standin_mint(standin_env[V2],
                               "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"ext\":{\"unix_user\":\"alice\"}}");
    struct capture cap;
    capture_start(&cap, "split_other_user");
    char **env = auth_env("split", "alice", token);
    int deletes = close_in_new_handle("split", "bob", (const char *const *)env);
    char *log = capture_end(&cap, "split_other_user");
    assert_int_equal(deletes, 0);
    assert_non_null(strstr(log, "revoke_on_close user=bob: nothing revoked"));
    pamtest_free_env(env);
    free(log);
    free(token);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--write-services") == 0)
        return write_services();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct CMUnitTest tests[N_CASES + 6];
    for (size_t i = 0; i < N_CASES; i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)(uintptr_t)&cases[i]};
        tests[i] = t;
    }
    struct CMUnitTest extra[] = {cmocka_unit_test(token_after_logout),
                                 cmocka_unit_test(sid_exported),
                                 cmocka_unit_test(split_handle_revokes_exact_subject),
                                 cmocka_unit_test(split_handle_pam_env_forgery_refused),
                                 cmocka_unit_test(split_handle_forged_without_login),
                                 cmocka_unit_test(split_handle_other_user_refused)};
    size_t n_extra = sizeof(extra) / sizeof(extra[0]);
    for (size_t i = 0; i < n_extra; i++)
        tests[N_CASES + i] = extra[i];
    int rc = _cmocka_run_group_tests("revoke_on_close", tests, N_CASES + n_extra, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
