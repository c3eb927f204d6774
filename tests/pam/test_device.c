/* The device flow (RFC 8628) of the real module under pam_wrapper + nss_wrapper, driven by
 * libpamtest with a conversation that acts as the person: at the token prompt it presses Enter
 * (the device flow), at the approval prompt it reads the user code off the text as a person
 * would, does what the case needs through the stand-in's control API (approve with a sub, deny,
 * expire, a bad answer for the next poll, kill the server, nothing), then presses Enter (or types
 * something else). Every case asserts the PAM result, the audit line's reason= and via=, the
 * message the person got, the prompts they saw (and that nothing in them is a control character
 * or a secret), a log line naming the cause, and which requests reached the stand-in; no device
 * code, token or client secret may reach the log.
 *
 * Phase 1 (`test_device --write-services`, no preload) writes the PAM services and conf files;
 * phase 2 (`test_device --group N`, under pam_wrapper, started by tests/pam/device.sh) runs the
 * cases of group N against that group's own stand-in, so that groups run in parallel. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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

/* Where a case's device endpoints are: its group's v25 stand-in, the v2 one (no device flow),
 * the one the conversation kills half-way, or a stand-in killed before the run (closed ports). */
enum standin { SI_MAIN, SI_V2, SI_DOOMED, SI_DOWN };

/* What the person does at the approval prompt, before the reply. */
enum act {
    ACT_NONE,
    ACT_APPROVE,       /* approve with sub */
    ACT_APPROVE_LATER, /* approve with sub once the stand-in has seen approve_after_polls polls */
    ACT_DENY,
    ACT_EXPIRE,
    ACT_OVERRIDE, /* the next answer of the public port is tok */
    ACT_KILL,     /* kill the stand-in (SI_DOOMED) */
};

/* An answer injected on the public port (/override with listener public): status, content type,
 * body, and extra members (JSON text without braces). All expand the placeholders of expand(). */
struct ov {
    int status;
    const char *ctype;
    const char *body;
    const char *extra;
};

struct run;

struct dcase {
    const char *name; /* also the PAM service name */
    int group;        /* the process (and stand-in) that runs it */
    enum standin si;
    bool discovery;         /* issuer set, no device URLs: the discovery document */
    bool no_device;         /* device_flow off (no device_* option) */
    bool post;              /* the client_secret_post client, with device_secret_file */
    bool system_trust;      /* no device_ca_file: the system's CA certificates, as by default */
    const char *secret;     /* device_secret_file instead of device.secret (@RUN@ expands) */
    const char *allowed;    /* allowed_clients; default pam-device, pam-device-post */
    const char *limits;     /* instead of TC_NO_LIMITS */
    const char *conf;       /* extra conf lines */
    const char *args;       /* extra arguments on the pam.d line */
    const char *mode;       /* POST /device/mode after {"interval":1} */
    int timeout;            /* device_timeout; default 10 */
    const char *user;       /* the PAM user; default alice */
    const char *rhost;      /* PAM_RHOST, set by pam_set_items before the module */
    const char *stacked;    /* PAM_AUTHTOK, set by pam_set_items before the module */
    const char *typed;      /* the reply at the token prompt; default "" (Enter) */
    struct ov pre[2];       /* queued before the login: the first answers of the public port */
    enum act act;           /* at the approval prompt */
    const char *sub;        /* ACT_APPROVE*: default alice */
    int approve_after;      /* ACT_APPROVE_LATER: polls before the approval */
    struct ov tok;          /* ACT_OVERRIDE */
    const char *reply;      /* at the approval prompt; default "" (Enter) */
    int runs;               /* logins in a row (damping): all but the last are cancelled ("x") */
    int auth_rc;            /* expectations */
    const char *reason;     /* audit reason= */
    const char *via;        /* audit via= */
    const char *log;        /* on a "device flow: " line ("A|B": either) */
    const char *log_any;    /* anywhere in the log */
    const char *log_not;    /* nowhere in the log */
    const char *msg;        /* the PAM_ERROR_MSG the person got; NULL: none */
    int prompts;            /* echo-off prompts: 1 the token prompt, 2 and the approval prompt */
    const char *prompt_has; /* texts the approval prompt holds, '|' between them */
    const char *reqs;       /* "auth=N token=N introspect=N discovery=N public=N": the requests the stand-in saw */
    void (*check)(struct run *);
};

/* One login's record: what the person saw and did. */
struct run {
    const struct dcase *c;
    const char *prefix; /* the stand-in the case talks to (control API) */
    char *token;        /* an active token for alice from that stand-in (client pam-device) */
    char *prompts[8];
    int n_prompts;
    char *errors[8];
    char *infos[8];
    int n_errors, n_infos;
    char user_code[128];
    int64_t prompt_ms; /* when the approval prompt arrived (wall clock) */
    char err[512];     /* what went wrong inside the conversation */
    const char *log;   /* the log, for the checks */
    pthread_t approver;
    bool approver_started;
    bool approver_ok;
    const char *reply0; /* at the token prompt */
    const char *reply1; /* at the approval prompt */
};

#define STATUS(code) "HTTP " #code
#define PROMPT_END "Press Enter once approved: "
#define MSG_DENIED "The approval was denied."
#define MSG_TIMEOUT "The code was not approved in time. Log in again for a new code."
#define MSG_CANCELLED "Login with a code cancelled: at that prompt, press only Enter."
#define MSG_POLICY "The approval arrived, but it does not admit this login here."
#define MSG_DAMPED "Too many logins were tried from here. Wait a while, then try again."
#define MSG_CONFIG "Login with a code is not set up correctly on this host; the system log says why."
#define MSG_SERVER "The login server did not give a code or a token; try again later."
#define UNAVAIL PAM_AUTHINFO_UNAVAIL
#define JSON "application/json"
#define HYDRA_CT "application/json;charset=UTF-8"
/* A device code the stand-in never issued, in Hydra's shape, for injected answers. */
#define FAKE_DC \
    "ory_dc_Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmE.YmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9v"
#define URI "@PUB@/oauth2/device/verify"
/* The members of a good code answer, one left out or replaced by each fault. */
#define F_DC "\"device_code\":\"" FAKE_DC "\""
#define F_UC "\"user_code\":\"ABCD3479\""
#define F_URI "\"verification_uri\":\"" URI "\""
#define F_COMPLETE "\"verification_uri_complete\":\"" URI "?user_code=ABCD3479\""
#define F_EXP "\"expires_in\":600,\"interval\":1"
#define CODE(...) 200, HYDRA_CT, "{" __VA_ARGS__ "}", NULL
#define GOOD_CODE F_DC "," F_UC "," F_URI "," F_COMPLETE "," F_EXP
#define TOKEN_OK "\"access_token\":\"@TOKEN@\",\"expires_in\":3599,\"scope\":\"ssh:login\""
#define HUGE "\"repeat\":{\"chunk\":\"          \",\"times\":1048576}"

static void check_approved(struct run *r);
static void check_post(struct run *r);
static void check_slow_down(struct run *r);
static void check_nothing_polled(struct run *r);
static void check_escaped_items(struct run *r);
static void check_polled_to_deadline(struct run *r);
static void check_no_qr(struct run *r);

/* The case table, one case to a few lines as written: clang-format would put each member on a line. */
/* clang-format off */
static const struct dcase cases[] = {
    /* --- Approved: the token goes through the normal decision. --- */
    {.name = "dev_approved", .group = 1, .rhost = "198.51.100.23", .act = ACT_APPROVE_LATER, .approve_after = 2,
     .auth_rc = PAM_SUCCESS, .reason = "ok", .via = "device", .prompts = 2,
     .prompt_has = "To log in as alice on |(service dev_approved, from 198.51.100.23), approve this login on another device:|"
                   "  1. Open " URI "?user_code=@CODE@\n|the code @CODE@, then approve.|(or scan the QR code below|"
                   "Approve only a login you started yourself|The code is valid until |\xe2\x96\x88",
     .reqs = "auth=1 token=3 introspect=1 discovery=0", .check = check_approved},
    {.name = "dev_discovery", .group = 2, .discovery = true, .conf = "device_qr = no", .act = ACT_APPROVE,
     .auth_rc = PAM_SUCCESS, .reason = "ok", .via = "device", .prompts = 2,
     .prompt_has = "  1. Open " URI "?user_code=@CODE@\n", .reqs = "discovery=1 auth=1 token=1 introspect=1",
     .check = check_no_qr},
    {.name = "dev_client_secret_post", .group = 3, .post = true, .act = ACT_APPROVE, .auth_rc = PAM_SUCCESS,
     .reason = "ok", .via = "device", .prompts = 2, .reqs = "auth=1 token=1 introspect=1", .check = check_post},
    {.name = "dev_secret_file_group_readable", .group = 3, .post = true, .secret = "@RUN@/device-open.secret",
     .auth_rc = PAM_SERVICE_ERR, .reason = "config", .via = "device", .msg = MSG_CONFIG, .prompts = 1,
     .log_any = "configuration error: device_secret_file: @RUN@/device-open.secret: readable by group or others",
     .reqs = "public=0 introspect=0"},

    /* --- The person's approval, refusal, or nothing. --- */
    {.name = "dev_hydra_denied_pending_to_deadline", .group = 2, .act = ACT_DENY, .auth_rc = PAM_AUTH_ERR,
     .reason = "device_timeout", .via = "device", .msg = MSG_TIMEOUT, .prompts = 2,
     .log = "s, device_timeout 10 s); ", .log_any = "device flow: no approval in time (the code's expires_in ",
     .reqs = "auth=1 introspect=0", .check = check_polled_to_deadline},
    {.name = "dev_hydra_nothing_code_ttl", .group = 2, .mode = "{\"ttl\":3}", .act = ACT_NONE,
     .auth_rc = PAM_AUTH_ERR, .reason = "device_timeout", .via = "device", .msg = MSG_TIMEOUT, .prompts = 2,
     .log = "no approval in time (the code's expires_in 2 s|no approval in time (the code's expires_in 3 s",
     .reqs = "auth=1 introspect=0"},
    {.name = "dev_rfc_denied", .group = 1, .mode = "{\"mode\":\"rfc\"}", .act = ACT_DENY, .auth_rc = PAM_AUTH_ERR,
     .reason = "device_denied", .via = "device", .msg = MSG_DENIED, .prompts = 2,
     .log = "answered access_denied: the approval was denied", .reqs = "auth=1 token=1 introspect=0"},
    {.name = "dev_rfc_expired", .group = 1, .mode = "{\"mode\":\"rfc\"}", .act = ACT_EXPIRE,
     .auth_rc = PAM_AUTH_ERR, .reason = "device_timeout", .via = "device", .msg = MSG_TIMEOUT, .prompts = 2,
     .log = "answered expired_token: the code expired unapproved", .log_not = "no approval in time",
     .reqs = "auth=1 token=1 introspect=0"},
    {.name = "dev_rfc_slow_down", .group = 3, .mode = "{\"mode\":\"rfc\",\"slow_down\":2}", .timeout = 30,
     .act = ACT_APPROVE_LATER, .approve_after = 2, .auth_rc = PAM_SUCCESS, .reason = "ok", .via = "device",
     .prompts = 2, .reqs = "auth=1 token=3 introspect=1", .check = check_slow_down},
    {.name = "dev_sub_maps_to_another_user", .group = 1, .act = ACT_APPROVE, .sub = "bob",
     .auth_rc = PAM_AUTH_ERR, .reason = "user_mismatch", .via = "device", .msg = MSG_POLICY, .prompts = 2,
     .reqs = "auth=1 token=1 introspect=1"},
    {.name = "dev_client_not_allowed", .group = 1, .allowed = "ssh-cli", .act = ACT_APPROVE,
     .auth_rc = PAM_AUTH_ERR, .reason = "client", .via = "device", .msg = MSG_POLICY, .prompts = 2,
     .reqs = "auth=1 token=1 introspect=1"},
    {.name = "dev_cancelled_by_typing", .group = 1, .reply = "ory_at_not-a-token-but-typed-anyway",
     .auth_rc = PAM_AUTH_ERR, .reason = "device_cancelled", .via = "device", .msg = MSG_CANCELLED, .prompts = 2,
     .log = "cancelled: the approval prompt got a reply other than Enter", .reqs = "auth=1 token=0 introspect=0",
     .check = check_nothing_polled},

    /* --- Choosing (or not) the device flow. --- */
    {.name = "dev_typed_token_still_works", .group = 1, .typed = "@TOKEN@", .auth_rc = PAM_SUCCESS, .reason = "ok",
     .via = "typed", .prompts = 1, .reqs = "public=0 introspect=1"},
    {.name = "dev_off_empty_reply", .group = 1, .no_device = true, .auth_rc = PAM_AUTH_ERR, .reason = "malformed",
     .via = "typed", .prompts = 1, .reqs = "public=0 introspect=0"},
    {.name = "dev_try_first_pass_stacked_token", .group = 1, .args = "try_first_pass", .stacked = "@TOKEN@",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .via = "stacked", .prompts = 0, .reqs = "public=0 introspect=1"},
    {.name = "dev_try_first_pass_stacked_empty", .group = 1, .args = "try_first_pass", .stacked = "",
     .auth_rc = PAM_AUTH_ERR, .reason = "malformed", .via = "stacked", .prompts = 0, .reqs = "public=0 introspect=0"},

    /* --- A server without the device flow. --- */
    {.name = "dev_hydra_v2_no_device_endpoint", .group = 2, .si = SI_V2, .auth_rc = PAM_SERVICE_ERR,
     .reason = "config", .via = "device", .msg = MSG_CONFIG, .prompts = 1,
     .log = "refused a code for client pam-device (scope 'ssh:login'): HTTP 404 (error Not Found: The requested "
            "resource could not be found); the server has no device authorization endpoint there (Hydra has the "
            "device flow since v25.4.0)",
     .reqs = "auth=1 token=0 introspect=0"},
    {.name = "dev_hydra_v2_discovery", .group = 2, .si = SI_V2, .discovery = true, .auth_rc = PAM_SERVICE_ERR,
     .reason = "config", .via = "device", .msg = MSG_CONFIG, .prompts = 1,
     .log = "the server has no device flow (Hydra has it since v25.4.0)",
     .log_any = "device flow: the discovery document at @PUB@/.well-known/openid-configuration ",
     .reqs = "discovery=1 auth=0 token=0 introspect=0"},
    {.name = "dev_discovery_without_device_fields", .group = 2, .discovery = true,
     .pre = {{200, JSON, "{\"issuer\":\"@PUB@\",\"token_endpoint\":\"@PUB@/oauth2/token\"}", NULL}},
     .auth_rc = PAM_SERVICE_ERR, .reason = "config", .via = "device", .msg = MSG_CONFIG, .prompts = 1,
     .log = "names no device_authorization_endpoint: the server has no device flow (Hydra has it since v25.4.0)",
     .reqs = "discovery=1 auth=0 token=0"},
    {.name = "dev_discovery_other_issuer", .group = 2, .discovery = true,
     .pre = {{200, JSON, "{\"issuer\":\"https://evil.example\",\"device_authorization_endpoint\":\"https://evil.example/a\","
                         "\"token_endpoint\":\"https://evil.example/t\"}", NULL}},
     .auth_rc = UNAVAIL, .reason = "bad_answer", .via = "device", .msg = MSG_SERVER, .prompts = 1,
     .log = "'issuer' is https://evil.example, not the configured issuer @PUB@", .reqs = "discovery=1 auth=0 token=0"},

    /* --- Trust: the device endpoints are the server's public side, which ca_file (the admin
     * API's CA) does not vouch for: without device_ca_file, the system's CAs, and no request. --- */
    {.name = "dev_public_side_not_under_ca_file", .group = 1, .system_trust = true, .auth_rc = UNAVAIL,
     .reason = "unavailable", .via = "device", .msg = MSG_SERVER, .prompts = 1,
     .log = "the code request at @PUB@/oauth2/device/auth: TLS verification failed",
     .log_any = "trust in use: the system's CA certificates, /etc/ssl/certs: set device_ca_file", .reqs = "public=0 introspect=0"},

    /* --- The server goes away. --- */
    {.name = "dev_server_down", .group = 2, .si = SI_DOWN, .auth_rc = UNAVAIL, .reason = "unavailable",
     .via = "device", .msg = MSG_SERVER, .prompts = 1, .log = "the code request at @PUB@/oauth2/device/auth failed: Couldn't connect to server",
     .reqs = "public=0 introspect=0"},
    {.name = "dev_server_killed_while_waiting", .group = 2, .si = SI_DOOMED, .act = ACT_KILL, .auth_rc = UNAVAIL,
     .reason = "unavailable", .via = "device", .msg = MSG_SERVER, .prompts = 2,
     .log = "a poll at @PUB@/oauth2/token failed: Couldn't connect to server"},

    /* --- Bad answers of the device authorization endpoint: nothing is shown, nothing polled. --- */
#define DEV(n, rc_, reason_, text, ...)                                                                \
    {.name = "dev_code_" n, .group = 1, .pre = {{__VA_ARGS__}}, .auth_rc = rc_, .reason = reason_, .via = "device",    \
     .msg = rc_ == PAM_SERVICE_ERR ? MSG_CONFIG : MSG_SERVER, .prompts = 1, .log = text,                   \
     .reqs = "auth=1 token=0 introspect=0"}
    DEV("500", UNAVAIL, "http_status",
        "refused a code for client pam-device (scope 'ssh:login'): HTTP 500 (error server_error)", 500, HYDRA_CT, "{\"error\":\"server_error\"}", NULL),
    DEV("429", UNAVAIL, "http_status",
        "refused a code for client pam-device (scope 'ssh:login'): HTTP 429", 429, JSON, "{}", "\"headers\":{\"Retry-After\":\"30\"}"),
    DEV("401_invalid_client", PAM_SERVICE_ERR,
        "config", "HTTP 401 (error invalid_client); the server does not accept the client: check device_client_id", 401, HYDRA_CT, "{\"error\":\"invalid_client\"}", NULL),
    DEV("400_invalid_scope", PAM_SERVICE_ERR,
        "config", "the client may not ask for these scopes", 400, HYDRA_CT, "{\"error\":\"invalid_scope\"}", NULL),
    DEV("html_200", UNAVAIL,
        "bad_answer", "the code request at @PUB@/oauth2/device/auth: HTTP 200, but not application/json (Content-Type text/html)", 200, "text/html", "<html><body>Sign in</body></html>", NULL),
    DEV("json_as_text", UNAVAIL,
        "bad_answer", "the code request at @PUB@/oauth2/device/auth: HTTP 200, but not application/json (Content-Type text/plain)", 200, "text/plain", "{" F_DC "," F_UC "," F_URI "," F_COMPLETE "," F_EXP "}", NULL),
    DEV("truncated_json", UNAVAIL, "bad_answer",
        "is not usable: not JSON", CODE(F_DC "," F_UC ",\"verification_uri\":\"htt")),
    DEV("device_code_missing", UNAVAIL, "bad_answer",
        "is not usable: 'device_code' is missing", CODE(F_UC "," F_URI "," F_COMPLETE "," F_EXP)),
    DEV("user_code_ansi",
        UNAVAIL, "bad_answer", "is not usable: 'user_code' holds spaces, control or non-ASCII characters", CODE(F_DC ",\"user_code\":\"\\u001b[2J\\u001b]0;pwned\\u0007ABCD\"," F_URI "," F_EXP)),
    DEV("user_code_with_space",
        UNAVAIL, "bad_answer", "is not usable: 'user_code' holds spaces, control or non-ASCII characters", CODE(F_DC ",\"user_code\":\"ABCD 3479\"," F_URI "," F_EXP)),
    DEV("uri_http",
        UNAVAIL, "bad_answer", "is not usable: 'verification_uri' is plain http (only https is accepted)", CODE(F_DC "," F_UC ",\"verification_uri\":\"http://127.0.0.1/verify\"," F_EXP)),
    DEV("uri_javascript",
        UNAVAIL, "bad_answer", "is not usable: 'verification_uri' is not an http(s) URL", CODE(F_DC "," F_UC ",\"verification_uri\":\"javascript:alert(1)\"," F_EXP)),
    DEV("complete_on_other_host",
        UNAVAIL, "bad_answer", "is not usable: 'verification_uri_complete' is on another server than verification_uri", CODE(F_DC "," F_UC "," F_URI ",\"verification_uri_complete\":"
                                                   "\"https://login.evil.example/verify?user_code=ABCD3479\"," F_EXP)),
    DEV("complete_javascript",
        UNAVAIL, "bad_answer", "is not usable: 'verification_uri_complete' is not an http(s) URL", CODE(F_DC "," F_UC "," F_URI ",\"verification_uri_complete\":"
                                                "\"javascript:alert(1)\"," F_EXP)),
    DEV("expires_in_0", UNAVAIL,
        "bad_answer", "is not usable: 'expires_in' is 0", CODE(F_DC "," F_UC "," F_URI "," F_COMPLETE ",\"expires_in\":0")),
    DEV("expires_in_string",
        UNAVAIL, "bad_answer", "is not usable: 'expires_in' is not an integer", CODE(F_DC "," F_UC "," F_URI "," F_COMPLETE ",\"expires_in\":\"600\"")),
    DEV("huge_body", UNAVAIL, "bad_answer",
        "the code request at @PUB@/oauth2/device/auth failed: answer larger than", 200, HYDRA_CT, "{" GOOD_CODE "}", HUGE),
    /* The client secret (client_secret_post) echoed back: refused whole, never shown or logged. */
    {.name = "dev_code_echoes_client_secret", .group = 3, .post = true,
     .pre = {{400, HYDRA_CT, "{\"error\":\"invalid_client\",\"error_description\":\"bad secret @SECRET@\"}", NULL}},
     .auth_rc = UNAVAIL, .reason = "bad_answer", .via = "device", .msg = MSG_SERVER, .prompts = 1,
     .log = "the code request at @PUB@/oauth2/device/auth failed: the answer (HTTP 400) repeats a secret of the request",
     .reqs = "auth=1 token=0 introspect=0"},
    {.name = "dev_code_echoes_client_secret_as_user_code", .group = 3, .post = true,
     .pre = {{CODE(F_DC ",\"user_code\":\"@SECRET@\"," F_URI "," F_EXP)}},
     .auth_rc = UNAVAIL, .reason = "bad_answer", .via = "device", .msg = MSG_SERVER, .prompts = 1,
     .log = "repeats a secret of the request", .reqs = "auth=1 token=0 introspect=0"},
    /* A code without the complete URI: the person types the code; here they cancel. */
    {.name = "dev_code_without_complete_uri", .group = 1, .pre = {{CODE(F_DC "," F_UC "," F_URI "," F_EXP)}},
     .reply = "x", .auth_rc = PAM_AUTH_ERR, .reason = "device_cancelled", .via = "device", .msg = MSG_CANCELLED,
     .prompts = 2, .prompt_has = "  1. Open " URI "\n|  2. Enter the code ABCD3479 exactly as shown here, then approve.",
     .reqs = "auth=1 token=0 introspect=0"},

    /* --- Bad answers of the token endpoint to a poll of a real code (the token in them is
     * real and active: a module that took it would log alice in). --- */
#define TOK(g, n, rc_, reason_, text, ...)                                                             \
    {.name = "dev_poll_" n, .group = g, .act = ACT_OVERRIDE, .tok = {__VA_ARGS__}, .auth_rc = rc_, .reason = reason_,  \
     .via = "device", .msg = rc_ == PAM_SERVICE_ERR ? MSG_CONFIG : MSG_SERVER, .prompts = 2, .log = text, \
     .reqs = "auth=1 token=1 introspect=0"}
    TOK(1, "500", UNAVAIL, "http_status",
        "@PUB@/oauth2/token answered a poll with HTTP 500 (error server_error)", 500, HYDRA_CT, "{\"error\":\"server_error\"}", NULL),
    TOK(2, "429", UNAVAIL, "http_status",
        "@PUB@/oauth2/token answered a poll with HTTP 429", 429, JSON, "{}", "\"headers\":{\"Retry-After\":\"30\"}"),
    TOK(1, "401", PAM_SERVICE_ERR, "config",
        "@PUB@/oauth2/token answered a poll with HTTP 401 (error invalid_client)", 401, HYDRA_CT, "{\"error\":\"invalid_client\"}", NULL),
    TOK(2, "html_200", UNAVAIL, "bad_answer",
        "a poll at @PUB@/oauth2/token: HTTP 200, but not application/json (Content-Type text/html)", 200, "text/html", "<html>" TOKEN_OK "</html>", NULL),
    TOK(1, "json_as_text", UNAVAIL, "bad_answer",
        "a poll at @PUB@/oauth2/token: HTTP 200, but not application/json (Content-Type text/plain)", 200, "text/plain", "{" TOKEN_OK ",\"token_type\":\"bearer\"}", NULL),
    TOK(1, "truncated_json", UNAVAIL,
        "bad_answer", "answered a poll with an unusable token: not JSON", 200, HYDRA_CT, "{" TOKEN_OK ",\"token_type\":\"bea", NULL),
    TOK(2, "no_token_type", UNAVAIL, "bad_answer",
        "answered a poll with an unusable token: 'token_type' is missing or not a string", 200, HYDRA_CT, "{" TOKEN_OK "}", NULL),
    TOK(1, "token_type_mac", UNAVAIL,
        "bad_answer", "answered a poll with an unusable token: 'token_type' is not Bearer", 200, HYDRA_CT, "{" TOKEN_OK ",\"token_type\":\"mac\"}", NULL),
    TOK(2, "access_token_with_space",
        UNAVAIL, "bad_answer", "answered a poll with an unusable token: 'access_token' holds spaces", 200, HYDRA_CT, "{\"access_token\":\"ory_at_abc def\",\"token_type\":\"bearer\"}", NULL),
    TOK(1, "access_token_ansi",
        UNAVAIL, "bad_answer", "answered a poll with an unusable token: 'access_token' holds spaces, control", 200, HYDRA_CT, "{\"access_token\":\"ory_at_\\u001b[2J\",\"token_type\":\"bearer\"}", NULL),
    TOK(2, "huge_body", UNAVAIL,
        "bad_answer", "a poll at @PUB@/oauth2/token failed: answer larger than", 200, HYDRA_CT, "{" TOKEN_OK ",\"token_type\":\"bearer\"}", HUGE),
    TOK(1, "invalid_grant", UNAVAIL, "http_status",
        "answered a poll with HTTP 400 (error invalid_grant)", 400, HYDRA_CT, "{\"error\":\"invalid_grant\"}", NULL),
    /* The device code (an injected one, so that the test knows it) echoed back by the token endpoint. */
    {.name = "dev_poll_echoes_device_code", .group = 2,
     .pre = {{CODE(GOOD_CODE)}, {400, HYDRA_CT, "{\"error\":\"invalid_grant\",\"error_description\":\"unknown " FAKE_DC "\"}", NULL}},
     .auth_rc = UNAVAIL, .reason = "bad_answer", .via = "device", .msg = MSG_SERVER, .prompts = 2,
     .log = "a poll at @PUB@/oauth2/token failed: the answer (HTTP 400) repeats a secret of the request",
     .reqs = "auth=1 token=1 introspect=0"},
    {.name = "dev_poll_echoes_device_code_as_token", .group = 2,
     .pre = {{CODE(GOOD_CODE)}, {200, HYDRA_CT, "{\"access_token\":\"" FAKE_DC "\",\"token_type\":\"bearer\"}", NULL}},
     .auth_rc = UNAVAIL, .reason = "bad_answer", .via = "device", .msg = MSG_SERVER, .prompts = 2,
     .log = "repeats a secret of the request", .reqs = "auth=1 token=1 introspect=0"},
    {.name = "dev_poll_echoes_client_secret", .group = 3, .post = true, .act = ACT_OVERRIDE,
     .tok = {200, HYDRA_CT, "{" TOKEN_OK ",\"token_type\":\"bearer\",\"note\":\"@SECRET@\"}", NULL},
     .auth_rc = UNAVAIL, .reason = "bad_answer", .via = "device", .msg = MSG_SERVER, .prompts = 2,
     .log = "a poll at @PUB@/oauth2/token failed: the answer (HTTP 200) repeats a secret of the request",
     .reqs = "auth=1 token=1 introspect=0"},

    /* --- From the attacker's side. --- */
    {.name = "dev_user_and_rhost_with_control_characters", .group = 3, .user = "al\x1b[2Jice\r\n",
     .rhost = "evil\x1b]0;pwned\x07\nhost", .reply = "x", .auth_rc = PAM_AUTH_ERR, .reason = "device_cancelled",
     .via = "device", .msg = MSG_CANCELLED, .prompts = 2,
     .prompt_has = "To log in as al\\x1b[2Jice\\x0d\\x0a on |from evil\\x1b]0;pwned\\x07\\x0ahost)",
     .reqs = "auth=1 token=0", .check = check_escaped_items},
    /* Codes nobody approves, from one rhost: the third start is damped before any request. */
    {.name = "dev_damped", .group = 3, .rhost = "203.0.113.66", .limits = "budget_per_minute = 0\ndamp_after = 2\njunk_ttl = 0\n",
     .runs = 3, .auth_rc = PAM_AUTH_ERR, .reason = "damped", .via = "device", .msg = MSG_DAMPED, .prompts = 1,
     .log_any = "the source rhost=203.0.113.66 is damped", .reqs = "auth=2 token=0 introspect=0"},
};
/* clang-format on */
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Measured by the cases, printed as a table at the end. */
static struct {
    long ms;
    int rc;
    bool ran;
} results[N_CASES];

static const char *prefix_of(const struct dcase *c, int group)
{
    static char main_prefix[16];
    switch (c->si) {
    case SI_V2:
        return "OI_V2";
    case SI_DOOMED:
        return "OI_DOOMED";
    case SI_DOWN:
        return "OI_DOWN";
    default:
        snprintf(main_prefix, sizeof(main_prefix), "OI_G%d", group);
        return main_prefix;
    }
}

/* The stand-in whose control API a case uses: a closed one's neighbour, its group's. */
static const char *control_prefix(const struct dcase *c)
{
    static char buf[16];
    if (c->si == SI_DOWN) {
        snprintf(buf, sizeof(buf), "OI_G%d", c->group);
        return buf;
    }
    snprintf(buf, sizeof(buf), "%s", prefix_of(c, c->group));
    return buf;
}

static char *public_url(const char *prefix)
{
    char name[64], *url = NULL;
    snprintf(name, sizeof(name), "%s_PUBLIC", prefix);
    assert_true(asprintf(&url, "https://127.0.0.1:%s", tc_env(name)) > 0);
    return url;
}

/* Replace every @NAME@: @PUB@ (the case's public port), @RUN@, @CA@, @SECRET@, and when given,
 * @TOKEN@ and @CODE@ (the user code the person read). */
static char *expand(const char *in, const struct dcase *c, const char *token, const char *code)
{
    char *pub = public_url(prefix_of(c, c->group));
    const char *names[][2] = {
        {"@PUB@", pub},     {"@RUN@", tc_env("OI_RUN_DIR")},          {"@CA@", tc_env("OI_CA")},
        {"@TOKEN@", token}, {"@SECRET@", tc_env("OI_DEVICE_SECRET")}, {"@CODE@", code},
    };
    char *out = tc_expand(in, names, sizeof(names) / sizeof(names[0]));
    free(pub);
    return out;
}

/* --- phase 1: services and conf files --- */

static void write_conf(const struct dcase *c, const char *path)
{
    char text[8192];
    char *admin = standin_admin_url(c->si == SI_DOWN ? control_prefix(c) : prefix_of(c, c->group));
    char *pub = public_url(prefix_of(c, c->group));
    size_t o =
        (size_t)snprintf(text, sizeof(text),
                         "# %s\nadmin_url = %s\nca_file = %s\nallowed_clients = %s\nrequired_scopes = ssh:login\n"
                         "timeout_ms = 5000\nconnect_timeout_ms = 3000\nstate_dir = %s/state/%s\n%s",
                         c->name, admin, tc_env("OI_CA"), c->allowed ? c->allowed : "pam-device, pam-device-post",
                         tc_env("OI_RUN_DIR"), c->name, c->limits ? c->limits : TC_NO_LIMITS);
    if (c->discovery)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "issuer = %s\n", pub);
    if (!c->no_device) {
        o += (size_t)snprintf(text + o, sizeof(text) - o,
                              "device_flow = yes\ndevice_client_id = %s\ndevice_timeout = %d\n",
                              c->post ? "pam-device-post" : "pam-device", c->timeout ? c->timeout : 10);
        if (!c->system_trust)
            o += (size_t)snprintf(text + o, sizeof(text) - o, "device_ca_file = %s\n", tc_env("OI_CA"));
        if (!c->discovery)
            o += (size_t)snprintf(text + o, sizeof(text) - o,
                                  "device_auth_url = %s/oauth2/device/auth\ndevice_token_url = %s/oauth2/token\n", pub,
                                  pub);
        if (c->post || c->secret) {
            char *secret = expand(c->secret ? c->secret : "@RUN@/device.secret", c, NULL, NULL);
            o += (size_t)snprintf(text + o, sizeof(text) - o, "device_secret_file = %s\n", secret);
            free(secret);
        }
    }
    if (c->conf) {
        char *extra = expand(c->conf, c, NULL, NULL);
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%s\n", extra);
        free(extra);
    }
    assert_true(o < sizeof(text));
    tc_write_file(path, text, 0600);
    free(admin);
    free(pub);
}

static int write_services(void)
{
    const char *run = tc_env("OI_RUN_DIR"), *module = tc_env("OI_MODULE");
    char path[4096], conf_path[4096], text[8192];
    const char *dirs[] = {"svc", "conf", "state"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", run, dirs[i]);
        mkdir(path, 0700);
    }
    snprintf(path, sizeof(path), "%s/svc/other", run);
    tc_write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\n", 0644);
    for (size_t i = 0; i < N_CASES; i++) {
        const struct dcase *c = &cases[i];
        snprintf(conf_path, sizeof(conf_path), "%s/conf/%s.conf", run, c->name);
        write_conf(c, conf_path);
        /* pam_set_items sets PAM_RHOST and PAM_AUTHTOK from this program's environment. */
        snprintf(text, sizeof(text), "auth required %s\nauth required %s conf=%s %s\naccount required pam_deny.so\n",
                 tc_env("OI_PAM_SET_ITEMS"), module, conf_path, c->args ? c->args : "");
        snprintf(path, sizeof(path), "%s/svc/%s", run, c->name);
        tc_write_file(path, text, 0644);
    }
    return 0;
}

/* --- the stand-in, from inside the conversation (no cmocka failure there: errors are noted) --- */

static json_object *ctl(const char *prefix, const char *method, const char *path, const char *json, long *status)
{
    char url[256], name[64];
    snprintf(name, sizeof(name), "%s_CONTROL", prefix);
    snprintf(url, sizeof(url), "http://127.0.0.1:%s%s", tc_env(name), path);
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return NULL;
    struct tc_buf b = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (json)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, tc_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(curl);
    *status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(h);
    if (rc != CURLE_OK)
        *status = -1;
    json_object *o = json_tokener_parse(b.p ? b.p : "null");
    free(b.p);
    return o;
}

static void note(struct run *r, const char *fmt, ...)
{
    if (r->err[0])
        return; /* the first error counts */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
}

static bool ctl_ok(struct run *r, const char *method, const char *path, const char *json)
{
    long status;
    json_object *o = ctl(r->prefix, method, path, json, &status);
    json_object_put(o);
    if (status != 200)
        note(r, "control %s %s %s: HTTP %ld", method, path, json ? json : "", status);
    return status == 200;
}

static char *code_json(const char *user_code, const char *sub)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "user_code", json_object_new_string(user_code));
    if (sub)
        json_object_object_add(o, "sub", json_object_new_string(sub));
    char *s = tc_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

/* The stand-in's record of the case's one code: its polls (unix seconds), its state. NULL when
 * there is not exactly one. */
static json_object *the_code(const char *prefix, long *status)
{
    json_object *list = ctl(prefix, "GET", "/device/codes", NULL, status);
    if (*status != 200 || list == NULL || !json_object_is_type(list, json_type_array) ||
        json_object_array_length(list) != 1) {
        json_object_put(list);
        return NULL;
    }
    json_object *code = json_object_get(json_object_array_get_idx(list, 0));
    json_object_put(list);
    return code;
}

static size_t polls_of(json_object *code)
{
    json_object *p;
    return code && json_object_object_get_ex(code, "polls", &p) ? json_object_array_length(p) : 0;
}

static double poll_at(json_object *code, size_t i)
{
    json_object *p;
    json_object_object_get_ex(code, "polls", &p);
    return json_object_get_double(json_object_array_get_idx(p, i));
}

/* ACT_APPROVE_LATER: the approval once the stand-in has seen approve_after polls. */
static void *approver(void *arg)
{
    struct run *r = arg;
    for (int i = 0; i < 600; i++) { /* 60 s at most */
        long status;
        json_object *code = the_code(r->prefix, &status);
        size_t n = polls_of(code);
        json_object_put(code);
        if (n >= (size_t)r->c->approve_after) {
            char *j = code_json(r->user_code, r->c->sub ? r->c->sub : "alice");
            r->approver_ok = ctl_ok(r, "POST", "/device/approve", j);
            free(j);
            return NULL;
        }
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    note(r, "the approver saw fewer than %d polls in 60 s", r->c->approve_after);
    return NULL;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *ov_json(const struct ov *v, const struct dcase *c, const char *token)
{
    char *extra = expand(v->extra ? v->extra : "", c, token, NULL), *text = NULL;
    assert_true(asprintf(&text, "{%s}", extra) > 0);
    free(extra);
    json_object *o = json_tokener_parse(text);
    if (o == NULL)
        fail_msg("%s: override members are not JSON: %s", c->name, text);
    free(text);
    json_object_object_add(o, "listener", json_object_new_string("public"));
    json_object_object_add(o, "status", json_object_new_int(v->status));
    if (v->ctype)
        json_object_object_add(o, "content_type", json_object_new_string(v->ctype));
    if (v->body) {
        char *body = expand(v->body, c, token, NULL);
        json_object_object_add(o, "body", json_object_new_string(body));
        free(body);
    }
    char *out = tc_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return out;
}

/* The code as a person reads it off the prompt: after "the code ", up to the comma or space. */
static void read_code(const char *prompt, char *code, size_t len)
{
    const char *p = strstr(prompt, "the code ");
    code[0] = '\0';
    if (p == NULL)
        return;
    p += strlen("the code ");
    size_t n = strcspn(p, ", \n");
    if (n >= len)
        n = len - 1;
    memcpy(code, p, n);
    code[n] = '\0';
}

/* At the approval prompt: what the case does before the person presses Enter. */
static void act(struct run *r, const char *prompt)
{
    const struct dcase *c = r->c;
    char *j = NULL;
    r->prompt_ms = wall_ms();
    read_code(prompt, r->user_code, sizeof(r->user_code));
    switch (c->act) {
    case ACT_NONE:
        break;
    case ACT_APPROVE:
        j = code_json(r->user_code, c->sub ? c->sub : "alice");
        ctl_ok(r, "POST", "/device/approve", j);
        break;
    case ACT_APPROVE_LATER:
        r->approver_started = pthread_create(&r->approver, NULL, approver, r) == 0;
        if (!r->approver_started)
            note(r, "cannot start the approver thread");
        break;
    case ACT_DENY:
        j = code_json(r->user_code, NULL);
        ctl_ok(r, "POST", "/device/deny", j);
        break;
    case ACT_EXPIRE:
        j = code_json(r->user_code, NULL);
        ctl_ok(r, "POST", "/device/expire", j);
        break;
    case ACT_OVERRIDE:
        j = ov_json(&c->tok, c, r->token);
        ctl_ok(r, "POST", "/override", j);
        break;
    case ACT_KILL:
        if (kill((pid_t)tc_env_long("OI_DOOMED_PID"), SIGKILL) != 0)
            note(r, "cannot kill the stand-in: %s", strerror(errno));
        break;
    }
    free(j);
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    struct run *r = data;
    struct pam_response *out = calloc((size_t)n, sizeof(*out));
    if (out == NULL)
        return PAM_CONV_ERR;
    for (int i = 0; i < n; i++) {
        const char *text = msg[i]->msg ? msg[i]->msg : "";
        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
        case PAM_PROMPT_ECHO_ON: {
            int k = r->n_prompts++;
            if (k < 8)
                r->prompts[k] = tc_xstrdup(text);
            if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
                note(r, "an echo-on prompt: %s", text);
            if (k == 1)
                act(r, text);
            out[i].resp = strdup(k == 0 ? r->reply0 : k == 1 ? r->reply1 : "");
            break;
        }
        case PAM_ERROR_MSG:
            if (r->n_errors < 8)
                r->errors[r->n_errors++] = tc_xstrdup(text);
            break;
        default:
            if (r->n_infos < 8)
                r->infos[r->n_infos++] = tc_xstrdup(text);
            break;
        }
    }
    *resp = out;
    return PAM_SUCCESS;
}

static void run_free(struct run *r)
{
    for (int i = 0; i < 8; i++) {
        free(r->prompts[i]);
        free(r->errors[i]);
        free(r->infos[i]);
        r->prompts[i] = r->errors[i] = r->infos[i] = NULL;
    }
    r->n_prompts = r->n_errors = r->n_infos = 0;
}

/* --- checks --- */

/* Does text contain secret, or any 24-character piece of it? */
static bool leaks(const char *text, const char *secret)
{
    enum { WINDOW = 24 };
    size_t n = strlen(secret);
    if (n == 0)
        return false;
    if (n < WINDOW)
        return strstr(text, secret) != NULL;
    for (size_t i = 0; i + WINDOW <= n; i++)
        for (const char *p = text; (p = strchr(p, secret[i])) != NULL; p++)
            if (strncmp(p, secret + i, WINDOW) == 0)
                return true;
    return false;
}

/* Only what a terminal shows as text: printable ASCII, newlines, and the QR code's three blocks. */
static const char *unsafe_byte(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' || (*p >= 0x20 && *p < 0x7f))
            continue;
        if (p[0] == 0xe2 && p[1] == 0x96 && (p[2] == 0x88 || p[2] == 0x80 || p[2] == 0x84)) {
            p += 2;
            continue;
        }
        return (const char *)p;
    }
    return NULL;
}

static bool line_has(const char *log, const char *lead, const char *want)
{
    char *copy = tc_xstrdup(log), *save = NULL;
    bool found = false;
    for (char *line = strtok_r(copy, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save))
        found = strstr(line, lead) != NULL && strstr(line, want) != NULL;
    free(copy);
    return found;
}

/* Every '|'-separated alternative of want (all when all). */
static bool has_texts(const char *text, const char *lead, const char *want, bool all)
{
    char *copy = tc_xstrdup(want), *save = NULL;
    bool ok = all;
    for (char *alt = strtok_r(copy, "|", &save); alt != NULL; alt = strtok_r(NULL, "|", &save)) {
        bool found = lead ? line_has(text, lead, alt) : strstr(text, alt) != NULL;
        ok = all ? ok && found : ok || found;
    }
    free(copy);
    return ok;
}

/* An audit line (" user=" ... " reason=R" at its end) with via. */
static bool audit_has(const char *log, const char *via, const char *reason)
{
    size_t rl = strlen(reason);
    for (const char *line = log; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        char *copy = strndup(line, len);
        bool ok =
            copy && strstr(copy, " user=") && strstr(copy, via) && len >= rl && strcmp(copy + len - rl, reason) == 0;
        free(copy);
        if (ok)
            return true;
    }
    return false;
}

struct counts {
    int auth, token, introspect, discovery, pub;
};

/* The requests the stand-in saw, and every secret they carried (tokens, device codes, client
 * secrets) appended to secrets. */
static struct counts count_requests(const char *prefix, json_object *secrets)
{
    struct counts n = {0};
    json_object *list = standin_control(prefix, "GET", "/requests", NULL);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *q = json_object_array_get_idx(list, i), *v, *form;
        const char *path = json_object_object_get_ex(q, "path", &v) ? json_object_get_string(v) : "";
        const char *lst = json_object_object_get_ex(q, "listener", &v) ? json_object_get_string(v) : "";
        if (strcmp(lst, "public") == 0) {
            n.pub++;
            n.auth += strcmp(path, "/oauth2/device/auth") == 0;
            n.token += strcmp(path, "/oauth2/token") == 0;
            n.discovery += strcmp(path, "/.well-known/openid-configuration") == 0;
        } else if (strstr(path, "introspect")) {
            n.introspect++;
        }
        if (json_object_object_get_ex(q, "form", &form)) {
            const char *fields[] = {"token", "device_code", "client_secret"};
            for (size_t f = 0; f < 3; f++) {
                json_object *vals;
                if (json_object_object_get_ex(form, fields[f], &vals))
                    for (size_t k = 0; k < json_object_array_length(vals); k++)
                        json_object_array_add(secrets, json_object_get(json_object_array_get_idx(vals, k)));
            }
        }
    }
    json_object_put(list);
    return n;
}

static void check_reqs(const struct dcase *c, const struct counts *n)
{
    if (c->reqs == NULL)
        return;
    const struct {
        const char *key;
        int got;
    } k[] = {{"auth", n->auth},
             {"token", n->token},
             {"introspect", n->introspect},
             {"discovery", n->discovery},
             {"public", n->pub}};
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        char key[32];
        snprintf(key, sizeof(key), "%s=", k[i].key);
        const char *p = strstr(c->reqs, key);
        if (p == NULL)
            continue;
        int want = atoi(p + strlen(key));
        if (want != k[i].got)
            fail_msg("%s: the stand-in saw %d %s requests, expected %d", c->name, k[i].got, k[i].key, want);
    }
}

static void check_approved(struct run *r)
{
    const struct dcase *c = r->c;
    long status;
    json_object *code = the_code(r->prefix, &status), *v;
    assert_non_null(code);
    assert_true(json_object_object_get_ex(code, "state", &v));
    assert_string_equal(json_object_get_string(v), "redeemed");
    size_t n = polls_of(code);
    assert_true(n >= 2);
    /* RFC 8628 3.4/3.5: no poll sooner than the interval (1 s) after the last, nor the first one
     * sooner than that after the code (issued before the prompt was shown; half the interval
     * allows for building the prompt). Stand-in times have ms precision. */
    double first = poll_at(code, 0) * 1000.0 - (double)r->prompt_ms;
    fprintf(stderr, "%s: first poll %.0f ms after the prompt; spacing:", c->name, first);
    if (first < 500)
        fail_msg("%s: the first poll came %.0f ms after the prompt, sooner than the interval", c->name, first);
    for (size_t i = 1; i < n; i++) {
        double gap = (poll_at(code, i) - poll_at(code, i - 1)) * 1000.0;
        fprintf(stderr, " %.0f", gap);
        if (gap < 999)
            fail_msg("%s: polls %zu and %zu came %.0f ms apart, sooner than the interval", c->name, i - 1, i, gap);
    }
    fprintf(stderr, " ms\n");
    json_object_put(code);
    /* The public client sends its client_id in the form body of the code request, and no secret. */
    json_object *list = standin_control(r->prefix, "GET", "/requests", NULL);
    bool seen = false;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *q = json_object_array_get_idx(list, i), *path, *form, *vals, *h;
        if (!json_object_object_get_ex(q, "path", &path) ||
            strcmp(json_object_get_string(path), "/oauth2/device/auth") != 0)
            continue;
        seen = true;
        assert_true(json_object_object_get_ex(q, "form", &form));
        assert_true(json_object_object_get_ex(form, "client_id", &vals));
        assert_string_equal(json_object_get_string(json_object_array_get_idx(vals, 0)), "pam-device");
        assert_true(json_object_object_get_ex(form, "scope", &vals));
        assert_string_equal(json_object_get_string(json_object_array_get_idx(vals, 0)), "ssh:login");
        assert_false(json_object_object_get_ex(form, "client_secret", &vals));
        assert_true(json_object_object_get_ex(q, "headers", &h));
        assert_false(json_object_object_get_ex(h, "authorization", &vals));
    }
    json_object_put(list);
    assert_true(seen);
}

/* client_secret_post: client_id and client_secret in the body of both requests, no Basic. */
static void check_post(struct run *r)
{
    json_object *list = standin_control(r->prefix, "GET", "/requests", NULL);
    int checked = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *q = json_object_array_get_idx(list, i), *path, *form, *vals, *h;
        assert_true(json_object_object_get_ex(q, "path", &path));
        const char *p = json_object_get_string(path);
        if (strcmp(p, "/oauth2/device/auth") != 0 && strcmp(p, "/oauth2/token") != 0)
            continue;
        checked++;
        assert_true(json_object_object_get_ex(q, "form", &form));
        assert_true(json_object_object_get_ex(form, "client_id", &vals));
        assert_string_equal(json_object_get_string(json_object_array_get_idx(vals, 0)), "pam-device-post");
        assert_true(json_object_object_get_ex(form, "client_secret", &vals));
        assert_string_equal(json_object_get_string(json_object_array_get_idx(vals, 0)), tc_env("OI_DEVICE_SECRET"));
        assert_true(json_object_object_get_ex(q, "headers", &h));
        assert_false(json_object_object_get_ex(h, "authorization", &vals));
    }
    json_object_put(list);
    assert_int_equal(checked, 2);
}

/* slow_down twice: 5 s more each time, for good (RFC 8628 3.5). */
static void check_slow_down(struct run *r)
{
    long status;
    json_object *code = the_code(r->prefix, &status);
    assert_non_null(code);
    assert_int_equal(polls_of(code), 3);
    double g1 = poll_at(code, 1) - poll_at(code, 0), g2 = poll_at(code, 2) - poll_at(code, 1);
    fprintf(stderr, "%s: polls %.3f s and %.3f s apart (interval 1, slow_down twice)\n", r->c->name, g1, g2);
    if (g1 < 5.0 || g2 < 10.0)
        fail_msg("%s: after slow_down the polls came %.3f s and %.3f s apart: the interval did not grow by 5 s "
                 "each time",
                 r->c->name, g1, g2);
    json_object_put(code);
}

/* The code was issued and never polled, and what was typed at the approval prompt (maybe a
 * token after all) was neither sent anywhere nor logged. */
static void check_nothing_polled(struct run *r)
{
    if (leaks(r->log, r->c->reply))
        fail_msg("%s: the reply typed at the approval prompt is in the log", r->c->name);
    long status;
    json_object *code = the_code(r->prefix, &status);
    assert_non_null(code);
    assert_int_equal(polls_of(code), 0);
    json_object_put(code);
}

/* The control characters of PAM_USER and PAM_RHOST reach the audit line escaped, as in the prompt. */
static void check_escaped_items(struct run *r)
{
    if (strstr(r->log, " user=al\\x1b[2Jice\\x0d\\x0a ") == NULL ||
        strstr(r->log, " rhost=evil\\x1b]0;pwned\\x07\\x0ahost ") == NULL)
        fail_msg("%s: the audit line does not show the user and rhost escaped", r->c->name);
}

/* Hydra answers authorization_pending to a denied code: polled every second until device_timeout. */
static void check_polled_to_deadline(struct run *r)
{
    long status;
    json_object *code = the_code(r->prefix, &status), *v;
    assert_non_null(code);
    assert_true(json_object_object_get_ex(code, "state", &v));
    assert_string_equal(json_object_get_string(v), "denied");
    size_t n = polls_of(code);
    fprintf(stderr, "%s: %zu polls, the last %.1f s after the first\n", r->c->name, n,
            n ? poll_at(code, n - 1) - poll_at(code, 0) : 0.0);
    if (n < 5 || n > 10)
        fail_msg("%s: %zu polls in device_timeout 10 s at interval 1, expected 5 to 10", r->c->name, n);
    json_object_put(code);
}

static void check_no_qr(struct run *r)
{
    if (strstr(r->prompts[1], "\xe2\x96") != NULL || strstr(r->prompts[1], "scan the QR code") != NULL)
        fail_msg("%s: device_qr = no, yet the prompt holds a QR code", r->c->name);
}

static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
    return (long)((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

/* One login, with the conversation above; the log (stderr, where pam_wrapper sends syslog) in logpath. */
static enum pamtest_err login(struct run *r, const char *logpath, int *op_rv)
{
    const struct dcase *c = r->c;
    struct pam_testcase tests[] = {pam_test(PAMTEST_AUTHENTICATE, c->auth_rc)};
    if (c->rhost)
        setenv("PAM_RHOST", c->rhost, 1);
    else
        unsetenv("PAM_RHOST");
    char *stacked = c->stacked ? expand(c->stacked, c, r->token, NULL) : NULL;
    if (stacked)
        setenv("PAM_AUTHTOK", stacked, 1);
    else
        unsetenv("PAM_AUTHTOK");
    fflush(stderr);
    int saved = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    enum pamtest_err perr =
        _pamtest_conv(c->name, c->user ? c->user : "alice", conv, (struct pamtest_conv_data *)r, tests, 1, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    unsetenv("PAM_RHOST");
    unsetenv("PAM_AUTHTOK");
    free(stacked);
    if (r->approver_started) {
        pthread_join(r->approver, NULL);
        r->approver_started = false;
    }
    *op_rv = tests[0].op_rv;
    return perr;
}

static void run_case(void **state)
{
    const struct dcase *c = *state;
    size_t idx = (size_t)(c - cases);
    struct run r = {.c = c, .prefix = control_prefix(c)};
    json_object_put(standin_control(r.prefix, "POST", "/reset", "{}"));
    json_object_put(standin_control(r.prefix, "POST", "/device/clients",
                                    "{\"client_id\":\"pam-device\",\"scope\":\"openid ssh:login\"}"));
    char post[512];
    snprintf(post, sizeof(post),
             "{\"client_id\":\"pam-device-post\",\"client_secret\":\"%s\",\"auth_method\":\"client_secret_post\","
             "\"scope\":\"openid ssh:login\"}",
             tc_env("OI_DEVICE_SECRET"));
    json_object_put(standin_control(r.prefix, "POST", "/device/clients", post));
    json_object_put(standin_control(r.prefix, "POST", "/device/mode", "{\"interval\":1}"));
    if (c->mode)
        json_object_put(standin_control(r.prefix, "POST", "/device/mode", c->mode));
    r.token = standin_mint(r.prefix, "{\"sub\":\"alice\",\"client_id\":\"pam-device\",\"scope\":\"openid ssh:login\"}");
    for (int i = 0; i < 2; i++)
        if (c->pre[i].status) {
            char *j = ov_json(&c->pre[i], c, r.token);
            json_object_put(standin_control(r.prefix, "POST", "/override", j));
            free(j);
        }
    char *typed = expand(c->typed ? c->typed : "", c, r.token, NULL);

    char logpath[4096];
    snprintf(logpath, sizeof(logpath), "%s/%s.log", tc_env("OI_RUN_DIR"), c->name);
    unlink(logpath);
    struct timespec t0, t1;
    int op_rv = -1;
    enum pamtest_err perr = PAMTEST_ERR_OK;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 1; i < c->runs; i++) {
        /* The warm-up logins of a damping case: a code each, cancelled. */
        struct dcase warm = *c;
        warm.auth_rc = PAM_AUTH_ERR;
        struct run w = {.c = &warm, .prefix = r.prefix, .token = r.token, .reply0 = "", .reply1 = "x"};
        perr = login(&w, logpath, &op_rv);
        if (perr != PAMTEST_ERR_OK || w.n_prompts != 2 || w.err[0])
            fail_msg("%s: warm-up login %d: returned %d (%s), %d prompts, %s", c->name, i, op_rv,
                     pam_strerror(NULL, op_rv), w.n_prompts, w.err);
        run_free(&w);
    }
    r.reply0 = typed;
    r.reply1 = c->reply ? c->reply : "";
    perr = login(&r, logpath, &op_rv);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = elapsed_ms(&t0, &t1);
    results[idx].ms = ms;
    results[idx].rc = op_rv;
    results[idx].ran = true;
    char *log = tc_read_all(logpath);
    assert_non_null(log);
    fprintf(stderr, "---- %s (%ld ms) log:\n%s", c->name, ms, log);
    for (int i = 0; i < r.n_prompts && i < 8; i++)
        fprintf(stderr, "-- prompt %d:\n%s\n", i, r.prompts[i]);
    for (int i = 0; i < r.n_errors; i++)
        fprintf(stderr, "-- error message: %s\n", r.errors[i]);

    if (r.err[0])
        fail_msg("%s: %s", c->name, r.err);
    if (c->auth_rc != PAM_SUCCESS && op_rv == PAM_SUCCESS)
        fail_msg("%s: FAIL OPEN: the fault logged alice in", c->name);
    if (perr != PAMTEST_ERR_OK)
        fail_msg("%s: %s; returned %d (%s), expected %d (%s)", c->name, pamtest_strerror(perr), op_rv,
                 pam_strerror(NULL, op_rv), c->auth_rc, pam_strerror(NULL, c->auth_rc));

    /* The audit line, and the log line naming the cause. */
    char via[64], reason[64];
    snprintf(via, sizeof(via), " via=%s ", c->via);
    snprintf(reason, sizeof(reason), " reason=%s\n", c->reason);
    if (!audit_has(log, via, reason))
        fail_msg("%s: no audit line with \"via=%s\" ending in \"reason=%s\"", c->name, c->via, c->reason);
    if (c->log) {
        char *w = expand(c->log, c, NULL, NULL);
        if (!has_texts(log, "device flow: ", w, false))
            fail_msg("%s: no \"device flow: \" line of the log holds \"%s\"", c->name, w);
        free(w);
    }
    if (c->log_any) {
        char *w = expand(c->log_any, c, NULL, NULL);
        if (!has_texts(log, NULL, w, true))
            fail_msg("%s: the log lacks \"%s\"", c->name, w);
        free(w);
    }
    if (c->log_not && strstr(log, c->log_not) != NULL)
        fail_msg("%s: the log holds \"%s\"", c->name, c->log_not);
    if (strchr(log, '\x1b') != NULL || strchr(log, '\x07') != NULL)
        fail_msg("%s: the log holds a raw escape or bell character", c->name);

    /* What the person saw. */
    if (r.n_prompts != c->prompts)
        fail_msg("%s: %d prompts, expected %d", c->name, r.n_prompts, c->prompts);
    const char *token_prompt = c->no_device ? "Access token: " : "Access token (or Enter to log in with a code): ";
    if (r.n_prompts >= 1 && strcmp(r.prompts[0], token_prompt) != 0)
        fail_msg("%s: the first prompt is \"%s\", not the token prompt", c->name, r.prompts[0]);
    if (c->msg == NULL && r.n_errors > 0)
        fail_msg("%s: an error message where none was expected: %s", c->name, r.errors[0]);
    if (c->msg != NULL && (r.n_errors != 1 || strcmp(r.errors[0], c->msg) != 0))
        fail_msg("%s: the person was told \"%s\" (%d messages), expected \"%s\"", c->name,
                 r.n_errors ? r.errors[0] : "", r.n_errors, c->msg);
    if (r.n_infos > 0)
        fail_msg("%s: an unexpected info message: %s", c->name, r.infos[0]);
    for (int i = 0; i < r.n_prompts && i < 8; i++)
        if (unsafe_byte(r.prompts[i]) != NULL)
            fail_msg("%s: prompt %d holds byte 0x%02x", c->name, i, (unsigned char)*unsafe_byte(r.prompts[i]));
    for (int i = 0; i < r.n_errors; i++)
        if (unsafe_byte(r.errors[i]) != NULL)
            fail_msg("%s: a message holds byte 0x%02x", c->name, (unsigned char)*unsafe_byte(r.errors[i]));
    if (r.n_prompts >= 2) {
        const char *p = r.prompts[1];
        size_t len = strlen(p), end = strlen(PROMPT_END);
        if (len < end || strcmp(p + len - end, PROMPT_END) != 0)
            fail_msg("%s: the approval prompt does not end in \"%s\"", c->name, PROMPT_END);
        if (r.user_code[0] == '\0')
            fail_msg("%s: no code can be read off the approval prompt", c->name);
        if (c->prompt_has) {
            char *w = expand(c->prompt_has, c, NULL, r.user_code);
            char *copy = tc_xstrdup(w), *save = NULL;
            for (char *t = strtok_r(copy, "|", &save); t; t = strtok_r(NULL, "|", &save))
                if (strstr(p, t) == NULL)
                    fail_msg("%s: the approval prompt lacks \"%s\"", c->name, t);
            free(copy);
            free(w);
        }
        /* The code the person read is the one the stand-in issued (unless an injected one). */
        if (c->pre[0].status == 0 && c->si != SI_DOOMED) {
            long status;
            json_object *code = the_code(r.prefix, &status), *v;
            if (code == NULL || !json_object_object_get_ex(code, "user_code", &v) ||
                strcmp(json_object_get_string(v), r.user_code) != 0)
                fail_msg("%s: the code read off the prompt, \"%s\", is not the one the stand-in issued", c->name,
                         r.user_code);
            json_object_put(code);
        }
    }

    /* No secret of any request in the log, the prompts or the messages. */
    if (c->si != SI_DOOMED) {
        json_object *secrets = json_object_new_array();
        json_object_array_add(secrets, json_object_new_string(r.token));
        json_object_array_add(secrets, json_object_new_string(tc_env("OI_DEVICE_SECRET")));
        json_object_array_add(secrets, json_object_new_string(FAKE_DC));
        struct counts n = count_requests(r.prefix, secrets);
        for (size_t i = 0; i < json_object_array_length(secrets); i++) {
            const char *s = json_object_get_string(json_object_array_get_idx(secrets, i));
            if (leaks(log, s))
                fail_msg("%s: a secret of a request (a token, device code or client secret) is in the log", c->name);
            for (int k = 0; k < r.n_prompts && k < 8; k++)
                if (leaks(r.prompts[k], s) && !(c->typed && k == 0))
                    fail_msg("%s: a secret is in prompt %d", c->name, k);
            for (int k = 0; k < r.n_errors; k++)
                if (leaks(r.errors[k], s))
                    fail_msg("%s: a secret is in a message", c->name);
        }
        json_object_put(secrets);
        check_reqs(c, &n);
    }
    r.log = log;
    if (c->check)
        c->check(&r);
    run_free(&r);
    free(typed);
    free(r.token);
    free(log);
}

static int print_table(void **state)
{
    (void)state;
    long total = 0;
    size_t n = 0;
    printf("\n%-46s %-21s %-17s %6s\n", "case", "PAM code", "reason", "ms");
    for (size_t i = 0; i < N_CASES; i++) {
        if (!results[i].ran)
            continue;
        n++;
        total += results[i].ms;
        printf("%-46s %-21s %-17s %6ld\n", cases[i].name, tc_pam_code_name(results[i].rc), cases[i].reason,
               results[i].ms);
    }
    printf("%zu device-flow cases ran in %ld ms of logins\n", n, total);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--write-services") == 0)
        return write_services();
    int group = argc > 2 && strcmp(argv[1], "--group") == 0 ? atoi(argv[2]) : 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct CMUnitTest tests[N_CASES];
    size_t n = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        if (group != 0 && cases[i].group != group)
            continue;
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)(uintptr_t)&cases[i]};
        tests[n++] = t;
    }
    char name[32];
    snprintf(name, sizeof(name), "device-group%d", group);
    int rc = _cmocka_run_group_tests(name, tests, n, NULL, print_table);
    curl_global_cleanup();
    return rc;
}
