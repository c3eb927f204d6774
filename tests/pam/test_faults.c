/* The fault matrix: the real module under pam_wrapper + nss_wrapper, driven by libpamtest, against
 * Hydra stand-ins and loopback listeners that fail in every way the network and a server can.
 * No case may end in PAM_SUCCESS; each asserts the PAM code, the audit line's reason, a log text
 * naming the fault, how many introspection requests reached the server, that the login finished
 * within timeout_ms plus a margin, and that neither the token nor the client secret is in the log.
 * Where the server answers at all, the token is a real one the stand-in calls active, so that a
 * module that ignored the fault would log alice in ("FAIL OPEN"). The same table refuses config,
 * secret and map files with an unsafe owner or mode, symlinks, directories and FIFOs. A few
 * controls (expected to succeed) prove the set-up itself works, so that every refusal is caused by
 * its fault alone. Every token typed is appended to $OI_SECRETS_WITNESS for tests/e2e/secrets.sh.
 *
 * Phase 1 (`test_faults --write-services`, no preload) writes the PAM services, conf files and
 * unsafe files; phase 2 (under pam_wrapper, started by tests/pam/faults.sh) runs the cases. */
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
#include <openssl/evp.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "../standin/standin_client.h"

/* The stand-ins: one with a good certificate, and one per certificate fault. */
enum standin { MAIN, EXPIRED, NOTYET, WRONGHOST, CLIENTONLY, N_STANDINS };
static const char *standin_env[N_STANDINS] = {"OI_MAIN", "OI_EXPIRED", "OI_NOTYET", "OI_WRONGHOST", "OI_CLIENTONLY"};

/* How a permission case makes its file unsafe. */
enum perm_file { PF_NONE, PF_CONF, PF_SECRET, PF_MAP };
/* PH_PARENT: a safe file in a directory that group and others may write (they could rename it
 * and put their own in its place). */
enum perm_how { PH_MODE, PH_OWNER, PH_SYMLINK, PH_DIR, PH_FIFO, PH_PARENT };

struct fcase {
    const char *name;   /* also the PAM service name */
    const char *group;  /* for the summary table */
    enum standin si;    /* mints the token, takes the override, counts requests */
    const char *target; /* admin_url instead of the stand-in's (expansions below) */
    const char *conf;   /* extra conf lines */
    /* The override: status, content type and body (or body_b64, or build_body), plus extra JSON
     * members. All strings expand @URL@ @TOKEN@ @DELAY@ @DRIP@ (see expand()); no override when
     * none of them is set. */
    int status;
    const char *ctype;
    const char *body;
    const char *body_b64;
    const char *ov; /* extra members, e.g. "\"delay_ms\":@DELAY@" */
    char *(*build_body)(void);
    int auth_rc;
    const char *reason; /* audit reason; NULL: no audit line may appear */
    const char *log;    /* a text the log must contain (expansions; "A|B": either) */
    int requests;       /* introspection requests the stand-in must see; -1: unchecked */
    bool control;       /* expected to succeed: proves the set-up, not a fault */
    bool prove_active;  /* after the login, the stand-in still calls the token active */
    enum perm_file pf;  /* permission cases */
    enum perm_how ph;
    mode_t mode;
};

#define GOOD_FIELDS "\"active\":true,\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\""
#define ANS(fields) "{" GOOD_FIELDS fields "}"
#define EXPOK ",\"exp\":9999999999"
#define JSON "application/json"
#define HYDRA_CT "application/json;charset=UTF-8"
/* Transport and answer failures: no usable answer. */
#define UNAVAIL PAM_AUTHINFO_UNAVAIL

static char *deep_json(void);
static char *deep_json_unclosed(void);

/* The case table, one case to a few lines as written: clang-format would put each member on a line. */
/* clang-format off */
static const struct fcase cases[] = {
    /* Controls: the same stand-in, client secret, CA and timeouts log in. */
    {.name = "control_ok", .group = "control", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1,
     .control = true},
    {.name = "control_ok_override_answer", .group = "control", .status = 200, .ctype = HYDRA_CT,
     .body = ANS(EXPOK), .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .control = true},
    {.name = "control_ok_chunked", .group = "control", .status = 200, .ctype = JSON, .body = ANS(EXPOK),
     .ov = "\"chunked\":true", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .control = true},
    {.name = "control_ok_slow_within_timeout", .group = "control", .status = 200, .ctype = JSON,
     .body = ANS(EXPOK), .ov = "\"delay_ms\":300", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1,
     .control = true},
    {.name = "control_ok_safe_map_and_bearer", .group = "control",
     .conf = "auth = bearer\nsecret_file = @RUN@/perm/safe.key\nuser_map = @RUN@/perm/safe.map",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .control = true},

    /* --- Transport: no answer at all. --- */
    /* A stand-in that was started, then killed: its port is closed. */
    {.name = "server_down", .group = "transport", .target = "@DOWN@", .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "Couldn't connect to server", .requests = -1},
    /* A port held bound but never listening. */
    {.name = "connection_refused", .group = "transport", .target = "@REFUSED@", .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "Couldn't connect to server", .requests = -1},
    {.name = "dns_failure", .group = "transport", .target = "https://nonexistent.invalid:4445",
     .auth_rc = UNAVAIL, .reason = "unavailable", .log = "Couldn't resolve host name", .requests = -1},
    /* A listener whose accept queue is full: the SYN is dropped, connect() hangs. */
    {.name = "connect_timeout", .group = "transport", .target = "@BLACKHOLE@", .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "Timeout was reached: Failed to connect to 127.0.0.1", .requests = -1},
    /* Accepts, never answers the TLS handshake (a hung process). */
    {.name = "server_hung_tls_handshake", .group = "transport", .target = "@SILENT@", .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "SSL connection timeout", .requests = -1},
    {.name = "connection_reset", .group = "transport", .target = "@RESET@", .auth_rc = UNAVAIL,
     .reason = "unavailable",
     /* The RST can beat curl's check of the finished connect (a failed connect), or, for a slower
      * client (valgrind), its getpeername() (not connected). */
     .log = "Connection reset by peer|Couldn't connect to server|Transport endpoint is not connected",
     .requests = -1},
    {.name = "plain_http_server_on_https_url", .group = "transport", .target = "@PLAIN@",
     .auth_rc = UNAVAIL, .reason = "unavailable", .log = "wrong version number", .requests = -1},
    {.name = "slow_headers", .group = "transport", .status = 200, .ctype = JSON, .body = ANS(EXPOK),
     .ov = "\"delay_ms\":@DELAY@", .auth_rc = UNAVAIL, .reason = "unavailable", .log = "with 0 bytes received",
     .requests = 1},
    {.name = "body_stalled_half_way", .group = "transport", .status = 200, .ctype = JSON, .body = ANS(EXPOK),
     .ov = "\"stall_after_bytes\":48", .auth_rc = UNAVAIL, .reason = "unavailable",
     .log = "with 48 out of 95 bytes received", .requests = 1},
    {.name = "body_closed_half_way", .group = "transport", .status = 200, .ctype = JSON, .body = ANS(EXPOK),
     .ov = "\"close_after_bytes\":48", .auth_rc = UNAVAIL, .reason = "unavailable",
     .log = "transfer closed with 47 bytes remaining", .requests = 1},
    /* Bytes keep coming, too slowly: timeout_ms bounds the whole exchange, not each read. */
    {.name = "body_drips_past_timeout", .group = "transport", .status = 200, .ctype = JSON,
     .body = ANS(EXPOK), .ov = "\"drip_ms\":@DRIP@", .auth_rc = UNAVAIL, .reason = "unavailable",
     .log = "Operation timed out after", .requests = 1},
    {.name = "chunked_body_cut_short", .group = "transport",
     .ov = "\"raw_b64\":\"SFRUUC8xLjEgMjAwIE9LDQpDb250ZW50LVR5cGU6IGFwcGxpY2F0aW9uL2pzb24NClRyYW5zZmVyLUVuY29kaW5nOiBjaHVua2VkDQoNCjQwDQp7ImFjdGl2ZSI6dHJ1ZSwic3ViIjoiYWxpY2UiLA==\"",
     .auth_rc = UNAVAIL, .reason = "unavailable", .log = "transfer closed with outstanding read data", .requests = 1},
    {.name = "not_http_reply", .group = "transport",
     .ov = "\"raw_b64\":\"U1NILTIuMC1PcGVuU1NIXzkuMnAxIERlYmlhbi0yDQo=\"", .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "Received HTTP/0.9 when not allowed", .requests = 1},

    /* --- TLS: the token is never sent over an untrusted channel (0 requests), yet the same
     * stand-in calls it active. --- */
    {.name = "tls_unknown_ca", .group = "tls", .conf = "ca_file = @OTHER_CA@", .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "unable to get local issuer certificate", .requests = 0, .prove_active = true},
    {.name = "tls_wrong_host_name", .group = "tls", .si = WRONGHOST, .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "SSL: no alternative certificate subject name matches", .requests = 0,
     .prove_active = true},
    {.name = "tls_expired_certificate", .group = "tls", .si = EXPIRED, .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "certificate has expired", .requests = 0, .prove_active = true},
    {.name = "tls_certificate_not_yet_valid", .group = "tls", .si = NOTYET, .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "certificate is not yet valid", .requests = 0, .prove_active = true},
    {.name = "tls_client_only_certificate", .group = "tls", .si = CLIENTONLY, .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "unsuitable certificate purpose", .requests = 0, .prove_active = true},
    {.name = "tls_pinned_key_mismatch", .group = "tls", .conf = "pinned_pubkey = @PKI@/other.pub",
     .auth_rc = UNAVAIL, .reason = "unavailable", .log = "does not match pinned public key", .requests = 0, .prove_active = true},
    {.name = "tls_pinned_hash_mismatch", .group = "tls",
     .conf = "pinned_pubkey = sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", .auth_rc = UNAVAIL,
     .reason = "unavailable", .log = "does not match pinned public key", .requests = 0, .prove_active = true},

    /* --- HTTP status: anything but 200 is no answer, whatever the body says. --- */
#define STATUS(code, text)                                                                      \
    {.name = "status_" #code, .group = "status", .status = code, .ctype = JSON, .body = ANS(EXPOK),        \
     .auth_rc = UNAVAIL, .reason = "http_status", .log = text, .requests = 1}
    /* 3xx to a valid-looking place: the real introspection path of the same stand-in, which
     * would call the token active. Never followed (exactly one request). */
#define REDIRECT(code)                                                                             \
    {.name = "redirect_" #code, .group = "status", .status = code, .ctype = JSON, .body = "",             \
     .ov = "\"headers\":{\"Location\":\"@URL@/admin/oauth2/introspect\"}", .auth_rc = UNAVAIL,        \
     .reason = "http_status", .log = "HTTP " #code " to @URL@/admin/oauth2/introspect: redirects are not followed; set admin_url to " \
            "Hydra's admin port (without /admin)", \
     .requests = 1}
    REDIRECT(301), REDIRECT(302), REDIRECT(303), REDIRECT(307), REDIRECT(308),
    STATUS(201, "HTTP 201"),
    STATUS(204, "HTTP 204"),
    {.name = "status_400", .group = "status", .status = 400, .ctype = HYDRA_CT,
     .body = "{\"error\":\"invalid_request\",\"error_description\":\"The POST body can not be empty.\"}",
     .auth_rc = UNAVAIL, .reason = "http_status", .log = "HTTP 400 (error invalid_request)", .requests = 1},
    {.name = "status_401", .group = "status", .status = 401, .ctype = JSON,
     .body = "{\"error\":\"The request could not be authorized\"}", .auth_rc = UNAVAIL,
     .reason = "http_status", .log = "HTTP 401 (error The request could not be authorized): the server refused the "
                                   "credentials: check auth, client_id and secret_file", .requests = 1},
    STATUS(403, "HTTP 403"),
    {.name = "status_404", .group = "status", .status = 404, .ctype = JSON,
     .body = "{\"error\":\"Not Found\",\"error_description\":\"The requested resource could not be found\"}",
     .auth_rc = UNAVAIL, .reason = "http_status",
     .log = "HTTP 404 (error Not Found): no such endpoint: Hydra 1.x has no /admin prefix (set flavor = hydra-v1), "
            "or admin_url is not Hydra's admin port", .requests = 1},
    {.name = "status_429", .group = "status", .status = 429, .ctype = JSON, .body = "{}",
     .ov = "\"headers\":{\"x-ratelimit-reset\":\"30\"}", .auth_rc = UNAVAIL, .reason = "http_status",
     .log = "HTTP 429 (x-ratelimit-reset 30): rate limited: the server asks for fewer requests", .requests = 1},
    STATUS(500, "HTTP 500"),
    {.name = "status_502", .group = "status", .status = 502, .ctype = "text/html", .body = "<html>bad gateway</html>",
     .auth_rc = UNAVAIL, .reason = "http_status", .log = "HTTP 502 (error -)", .requests = 1},
    STATUS(503, "HTTP 503"),

    /* --- The body: one JSON object of the right shape, or nothing. --- */
    {.name = "body_empty", .group = "body", .status = 200, .ctype = JSON, .body = "", .auth_rc = UNAVAIL,
     .reason = "bad_answer", .log = "empty body", .requests = 1},
    {.name = "body_not_json", .group = "body", .status = 200, .ctype = JSON, .body = "<html>active</html>",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not JSON", .requests = 1},
    {.name = "body_json_array", .group = "body", .status = 200, .ctype = JSON, .body = "[" ANS(EXPOK) "]",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "the JSON value is not an object", .requests = 1},
    {.name = "body_json_null", .group = "body", .status = 200, .ctype = JSON, .body = "null",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not JSON", .requests = 1},
    {.name = "body_json_true", .group = "body", .status = 200, .ctype = JSON, .body = "true",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not JSON", .requests = 1},
    {.name = "body_truncated_json", .group = "body", .status = 200, .ctype = JSON,
     .body = "{" GOOD_FIELDS ",\"exp\":99999", .auth_rc = UNAVAIL, .reason = "bad_answer",
     .log = "not JSON: truncated", .requests = 1},
    {.name = "body_trailing_data", .group = "body", .status = 200, .ctype = JSON, .body = ANS(EXPOK) "x",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not JSON: unexpected character", .requests = 1},
    {.name = "body_two_objects", .group = "body", .status = 200, .ctype = JSON,
     .body = "{\"active\":false}" ANS(EXPOK), .auth_rc = UNAVAIL, .reason = "bad_answer",
     .log = "not JSON: unexpected character", .requests = 1},
    {.name = "body_10mb", .group = "body", .status = 200, .ctype = JSON, .body = ANS(EXPOK),
     .ov = "\"repeat\":{\"chunk\":\"          \",\"times\":1048576}", .auth_rc = UNAVAIL,
     .reason = "bad_answer", .log = "answer larger than", .requests = 1},
    {.name = "body_10mb_chunked", .group = "body", .status = 200, .ctype = JSON, .body = ANS(EXPOK),
     .ov = "\"chunked\":true,\"repeat\":{\"chunk\":\"          \",\"times\":1048576}", .auth_rc = UNAVAIL,
     .reason = "bad_answer", .log = "answer larger than", .requests = 1},
    {.name = "body_deeply_nested", .group = "body", .status = 200, .ctype = JSON, .build_body = deep_json,
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not JSON", .requests = 1},
    {.name = "body_deeply_nested_unclosed", .group = "body", .status = 200, .ctype = JSON,
     .build_body = deep_json_unclosed, .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not JSON",
     .requests = 1},
    {.name = "body_nul_byte", .group = "body", .status = 200, .ctype = JSON,
     .body_b64 = "eyJhY3RpdmUiOnRydWUsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoic3NoLWNsaSIsInRva2VuX3VzZSI6ImFjY2Vzc190b2tlbiIsImV4cCI6OTk5OTk5OTk5OX0A",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "NUL byte in body", .requests = 1},
    {.name = "body_invalid_utf8", .group = "body", .status = 200, .ctype = JSON,
     .body_b64 = "eyJhY3RpdmUiOnRydWUsInN1YiI6ImFsaWPpIiwiY2xpZW50X2lkIjoic3NoLWNsaSIsInRva2VuX3VzZSI6ImFjY2Vzc190b2tlbiIsImV4cCI6OTk5OTk5OTk5OX0=",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "invalid UTF-8", .requests = 1},
    {.name = "body_utf8_bom", .group = "body", .status = 200, .ctype = JSON,
     .body_b64 = "77u/eyJhY3RpdmUiOnRydWUsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoic3NoLWNsaSIsInRva2VuX3VzZSI6ImFjY2Vzc190b2tlbiIsImV4cCI6OTk5OTk5OTk5OX0=",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not JSON", .requests = 1},
    {.name = "body_single_quotes", .group = "body", .status = 200, .ctype = JSON,
     .body = "{'active':true,'sub':'alice','client_id':'ssh-cli','token_use':'access_token','exp':9999999999}",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "single quote", .requests = 1},
    /* Never asked for (no Accept-Encoding): compressed bytes are not JSON. */
    {.name = "body_gzip_unrequested", .group = "body", .status = 200, .ctype = JSON,
     .body_b64 = "H4sIAAAAAAAC/z3KQQqAMBADwL/kXB9gP1N0DVgsVdytCOLfXT2YWya5MIjlg4i2NwZoGxExlCxEgJTMailPbqpz593V1oU1NeX7FKFq+sgnnhti/+d+AFUZ5wVfAAAA",
     .ov = "\"headers\":{\"Content-Encoding\":\"gzip\"}", .auth_rc = UNAVAIL, .reason = "bad_answer",
     .log = "NUL byte in body", .requests = 1},

    /* --- Content-Type: application/json or nothing. --- */
    {.name = "ctype_text_plain", .group = "ctype", .status = 200, .ctype = "text/plain", .body = ANS(EXPOK),
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not application/json (Content-Type text/plain)",
     .requests = 1},
    {.name = "ctype_text_html", .group = "ctype", .status = 200, .ctype = "text/html; charset=utf-8",
     .body = ANS(EXPOK), .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not application/json",
     .requests = 1},
    {.name = "ctype_missing", .group = "ctype", .status = 200, .body = ANS(EXPOK), .auth_rc = UNAVAIL,
     .reason = "bad_answer", .log = "answer is not application/json", .requests = 1},
    {.name = "ctype_json_lookalike", .group = "ctype", .status = 200, .ctype = "application/jsonp",
     .body = ANS(EXPOK), .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not application/json",
     .requests = 1},
    {.name = "ctype_json_seq", .group = "ctype", .status = 200, .ctype = "application/json-seq",
     .body = ANS(EXPOK), .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "not application/json",
     .requests = 1},

    /* --- Claims of the wrong type or range: the whole answer is unusable. --- */
#define CLAIM(n, body_, text)                                                                      \
    {.name = n, .group = "claims", .status = 200, .ctype = HYDRA_CT, .body = body_, .auth_rc = UNAVAIL,    \
     .reason = "bad_answer", .log = text, .requests = 1}
    CLAIM("active_string", "{\"active\":\"true\",\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'active' is not a JSON boolean"),
    CLAIM("active_number", "{\"active\":1,\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'active' is not a JSON boolean"),
    CLAIM("active_null", "{\"active\":null,\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'active' is not a JSON boolean"),
    CLAIM("active_missing", "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'active' is missing"),
    CLAIM("active_array", "{\"active\":[true],\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'active' is not a JSON boolean"),
    CLAIM("active_duplicate_false_then_true", "{\"active\":false," GOOD_FIELDS EXPOK "}",
          "a key appears twice in one object"),
    CLAIM("active_duplicate_true_then_false", "{" GOOD_FIELDS EXPOK ",\"active\":false}",
          "a key appears twice in one object"),
    CLAIM("sub_duplicate", "{\"active\":true,\"sub\":\"mallory\",\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "a key appears twice in one object"),
    CLAIM("exp_string", ANS(",\"exp\":\"9999999999\""), "field 'exp' is not a whole number"),
    CLAIM("exp_float", ANS(",\"exp\":9999999999.5"), "field 'exp' is not a whole number"),
    CLAIM("exp_negative", ANS(",\"exp\":-1"), "field 'exp' is not a whole number"),
    CLAIM("exp_absurdly_large_int", ANS(",\"exp\":9223372036854775807"), "field 'exp' is not a whole number"),
    CLAIM("exp_beyond_int64", ANS(",\"exp\":99999999999999999999999"), "field 'exp' is not a whole number"),
    CLAIM("exp_exponent", ANS(",\"exp\":1e300"), "field 'exp' is not a whole number"),
    CLAIM("exp_null", ANS(",\"exp\":null"), "field 'exp' is not a whole number"),
    CLAIM("nbf_string", ANS(EXPOK ",\"nbf\":\"1700000000\""), "field 'nbf' is not a whole number"),
    CLAIM("nbf_float", ANS(EXPOK ",\"nbf\":1700000000.25"), "field 'nbf' is not a whole number"),
    CLAIM("nbf_negative", ANS(EXPOK ",\"nbf\":-5"), "field 'nbf' is not a whole number"),
    CLAIM("nbf_absurdly_large", ANS(EXPOK ",\"nbf\":99999999999999"), "field 'nbf' is not a whole number"),
    CLAIM("iat_string", ANS(EXPOK ",\"iat\":\"1700000000\""), "field 'iat' is not a whole number"),
    CLAIM("iat_float", ANS(EXPOK ",\"iat\":1700000000.0"), "field 'iat' is not a whole number"),
    CLAIM("iat_absurdly_large", ANS(EXPOK ",\"iat\":100000000000000"), "field 'iat' is not a whole number"),
    CLAIM("iat_negative", ANS(EXPOK ",\"iat\":-1700000000"), "field 'iat' is not a whole number"),
    CLAIM("sub_number", "{\"active\":true,\"sub\":1234,\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'sub' is not a JSON string"),
    CLAIM("sub_array", "{\"active\":true,\"sub\":[\"alice\"],\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'sub' is not a JSON string"),
    CLAIM("sub_object", "{\"active\":true,\"sub\":{\"name\":\"alice\"},\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'sub' is not a JSON string"),
    CLAIM("sub_null", "{\"active\":true,\"sub\":null,\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
          "field 'sub' is not a JSON string"),
    CLAIM("scope_array", ANS(EXPOK ",\"scope\":[\"openid\",\"ssh:login\"]"), "field 'scope' is not a JSON string"),
    CLAIM("client_id_number", "{\"active\":true,\"sub\":\"alice\",\"client_id\":7,\"token_use\":\"access_token\"" EXPOK "}",
          "field 'client_id' is not a JSON string"),
    CLAIM("token_use_bool", "{\"active\":true,\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":true" EXPOK "}",
          "field 'token_use' is not a JSON string"),
    CLAIM("aud_number", ANS(EXPOK ",\"aud\":5"), "field 'aud' is not a string or an array of strings"),
    CLAIM("ext_string", ANS(EXPOK ",\"ext\":\"alice\""), "field 'ext' is not a JSON object"),

    /* --- Well-formed answers the token fails on: PAM_AUTH_ERR. --- */
    {.name = "sub_embedded_nul", .group = "token", .status = 200, .ctype = HYDRA_CT,
     .body = "{\"active\":true,\"sub\":\"alice\\u0000root\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
     .auth_rc = PAM_AUTH_ERR, .reason = "user_mismatch", .requests = 1},
    {.name = "sub_embedded_nul_raw", .group = "token", .status = 200, .ctype = HYDRA_CT,
     .body_b64 = "eyJhY3RpdmUiOnRydWUsInN1YiI6ImFsaWNlACIsImNsaWVudF9pZCI6InNzaC1jbGkiLCJ0b2tlbl91c2UiOiJhY2Nlc3NfdG9rZW4iLCJleHAiOjk5OTk5OTk5OTl9",
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = "NUL byte in body", .requests = 1},
    {.name = "active_false_with_claims", .group = "token", .status = 200, .ctype = HYDRA_CT,
     .body = "{\"active\":false,\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
     .auth_rc = PAM_AUTH_ERR, .reason = "inactive", .requests = 1},
    {.name = "token_use_missing", .group = "token", .status = 200, .ctype = HYDRA_CT,
     .body = "{\"active\":true,\"sub\":\"alice\",\"client_id\":\"ssh-cli\"" EXPOK "}", .auth_rc = PAM_AUTH_ERR,
     .reason = "not_access_token", .requests = 1},
    {.name = "exp_missing", .group = "token", .status = 200, .ctype = HYDRA_CT, .body = ANS(""),
     .auth_rc = PAM_AUTH_ERR, .reason = "expired", .requests = 1},
    {.name = "exp_zero", .group = "token", .status = 200, .ctype = HYDRA_CT, .body = ANS(",\"exp\":0"),
     .auth_rc = PAM_AUTH_ERR, .reason = "expired", .requests = 1},
    {.name = "nbf_far_future", .group = "token", .status = 200, .ctype = HYDRA_CT,
     .body = ANS(EXPOK ",\"nbf\":253402300799"), .auth_rc = PAM_AUTH_ERR, .reason = "not_yet_valid",
     .requests = 1},
    {.name = "client_id_missing", .group = "token", .status = 200, .ctype = HYDRA_CT,
     .body = "{\"active\":true,\"sub\":\"alice\",\"token_use\":\"access_token\"" EXPOK "}",
     .auth_rc = PAM_AUTH_ERR, .reason = "client", .requests = 1},

    /* --- A hostile or broken server echoes a secret of the request (the token, the client secret,
     * the Basic header, an API key) in what it sends back: the answer is refused as a whole (not
     * used, logged, stored or exported), and no piece of the secret reaches the log. --- */
#define ECHO_LOG "repeats a secret of the request"
#define ECHO(n, code, ct, body_, extra, conf_) \
    {.name = n, .group = "echo", .status = code, .ctype = ct, .body = body_, .ov = extra, .conf = conf_, \
     .auth_rc = UNAVAIL, .reason = "bad_answer", .log = ECHO_LOG, .requests = 1}
#define BEARER "auth = bearer\nsecret_file = @RUN@/perm/safe.key"
    ECHO("echo_token_in_error", 400, JSON, "{\"error\":\"@TOKEN@\"}", NULL, NULL),
    ECHO("echo_token_in_location", 302, JSON, "", "\"headers\":{\"Location\":\"@URL@/login?token=@TOKEN@\"}", NULL),
    ECHO("echo_token_in_content_type", 200, "text/plain; t=@TOKEN@", ANS(EXPOK), NULL, NULL),
    ECHO("echo_token_in_ratelimit_reset", 429, JSON, "{}", "\"headers\":{\"x-ratelimit-reset\":\"@TOKEN@\"}", NULL),
    ECHO("echo_token_as_sub", 200, HYDRA_CT,
         "{\"active\":true,\"sub\":\"@TOKEN@\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
         NULL, NULL),
    ECHO("echo_token_as_client_id", 200, HYDRA_CT,
         "{\"active\":true,\"sub\":\"alice\",\"client_id\":\"@TOKEN@\",\"token_use\":\"access_token\"" EXPOK "}",
         NULL, NULL),
    /* A truncated copy (the last 20 characters) in a claim that is never logged: still refused. */
    ECHO("echo_token_piece_in_ext", 200, HYDRA_CT,
         "{\"active\":true,\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\","
         "\"ext\":{\"seen\":\"@TOKEN_TAIL@\"}" EXPOK "}",
         NULL, NULL),
    ECHO("echo_client_secret_in_error", 401, JSON, "{\"error\":\"invalid_client\",\"error_description\":\"@SECRET@\"}",
         NULL, NULL),
    ECHO("echo_basic_header_in_location", 302, JSON, "", "\"headers\":{\"Location\":\"@URL@/?a=@BASIC@\"}", NULL),
    ECHO("echo_api_key_in_error", 401, JSON, "{\"error\":\"bad key @APIKEY@\"}", NULL, BEARER),
    ECHO("echo_api_key_in_ratelimit_reset", 429, JSON, "{}", "\"headers\":{\"x-ratelimit-reset\":\"@APIKEY@\"}", BEARER),
    ECHO("echo_api_key_in_content_type", 200, "application/json; k=@APIKEY@", ANS(EXPOK), NULL, BEARER),
    ECHO("echo_api_key_as_sub", 200, HYDRA_CT,
         "{\"active\":true,\"sub\":\"@APIKEY@\",\"client_id\":\"ssh-cli\",\"token_use\":\"access_token\"" EXPOK "}",
         NULL, BEARER),

    /* --- Unsafe files: PAM_SERVICE_ERR and a line naming the file; nothing is sent. --- */
    /* The conf file is read before anything else: no audit line. The secret and the map are read
     * for a token: an audit line with reason=config. */
#define PERM(n, f, h, m, r)                                                                        \
    {.name = n, .group = "files", .pf = f, .ph = h, .mode = m, .auth_rc = PAM_SERVICE_ERR, .reason = r,  \
     .requests = 0}
    PERM("conf_group_writable", PF_CONF, PH_MODE, 0620, NULL),
    PERM("conf_world_writable", PF_CONF, PH_MODE, 0602, NULL),
    PERM("conf_other_owner", PF_CONF, PH_OWNER, 0644, NULL),
    PERM("conf_symlink", PF_CONF, PH_SYMLINK, 0600, NULL),
    PERM("conf_directory", PF_CONF, PH_DIR, 0700, NULL),
    PERM("conf_fifo", PF_CONF, PH_FIFO, 0600, NULL),
    PERM("conf_open_parent", PF_CONF, PH_PARENT, 0600, NULL),
    PERM("secret_group_writable", PF_SECRET, PH_MODE, 0620, "config"),
    PERM("secret_world_writable", PF_SECRET, PH_MODE, 0602, "config"),
    PERM("secret_group_readable", PF_SECRET, PH_MODE, 0640, "config"),
    PERM("secret_world_readable", PF_SECRET, PH_MODE, 0604, "config"),
    PERM("secret_other_owner", PF_SECRET, PH_OWNER, 0600, "config"),
    PERM("secret_symlink", PF_SECRET, PH_SYMLINK, 0600, "config"),
    PERM("secret_directory", PF_SECRET, PH_DIR, 0700, "config"),
    PERM("secret_open_parent", PF_SECRET, PH_PARENT, 0600, "config"),
    PERM("map_group_writable", PF_MAP, PH_MODE, 0664, "config"),
    PERM("map_world_writable", PF_MAP, PH_MODE, 0646, "config"),
    PERM("map_other_owner", PF_MAP, PH_OWNER, 0644, "config"),
    PERM("map_symlink", PF_MAP, PH_SYMLINK, 0644, "config"),
    PERM("map_directory", PF_MAP, PH_DIR, 0755, "config"),
    PERM("map_open_parent", PF_MAP, PH_PARENT, 0644, "config"),
};
/* clang-format on */
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Measured by the cases, printed as a table at the end. */
static struct {
    long ms;
    int rc;
    bool ran;
} results[N_CASES];

static char *port_url(const char *var)
{
    char *url = malloc(64);
    assert_non_null(url);
    snprintf(url, 64, "https://127.0.0.1:%s", tc_env(var));
    return url;
}

/* Replace every @NAME@ placeholder; token may be NULL (then @TOKEN@ stays). */
static char *expand(const char *in, enum standin si, const char *token)
{
    /* Headers later than the timeout; a ~95-byte body dripping for about 2.4 times the timeout. */
    char delay[32], drip[32];
    snprintf(delay, sizeof(delay), "%ld", tc_env_long("OI_TIMEOUT_MS") + 1500);
    snprintf(drip, sizeof(drip), "%ld", tc_env_long("OI_TIMEOUT_MS") / 40 + 1);
    char *url = standin_admin_url(standin_env[si]), *down = port_url("OI_DOWN_PORT"),
         *refused = port_url("OI_REFUSED_PORT"), *hole = port_url("OI_BLACKHOLE_PORT"),
         *silent = port_url("OI_SILENT_PORT"), *reset = port_url("OI_RESET_PORT"), *plain = port_url("OI_PLAIN_PORT");
    /* The Authorization value as the module sends it: base64 of "pam-faults:" and the secret. */
    char pair[512], basic[1024];
    int plen = snprintf(pair, sizeof(pair), "pam-faults:%s", tc_env("OI_CLIENT_SECRET"));
    EVP_EncodeBlock((unsigned char *)basic, (const unsigned char *)pair, plen);
    const char *names[][2] = {
        {"@CA@", tc_env("OI_CA")},
        {"@OTHER_CA@", tc_env("OI_OTHER_CA")},
        {"@RUN@", tc_env("OI_RUN_DIR")},
        {"@PKI@", tc_env("OI_PKI")},
        {"@URL@", url},
        {"@DOWN@", down},
        {"@REFUSED@", refused},
        {"@BLACKHOLE@", hole},
        {"@SILENT@", silent},
        {"@RESET@", reset},
        {"@PLAIN@", plain},
        {"@DELAY@", delay},
        {"@DRIP@", drip},
        {"@TOKEN_TAIL@", token ? token + strlen(token) - 20 : NULL},
        {"@TOKEN@", token},
        {"@SECRET@", tc_env("OI_CLIENT_SECRET")},
        {"@BASIC@", basic},
        {"@APIKEY@", tc_env("OI_API_KEY")},
    };
    size_t cap = strlen(in) * 8 + 4096, o = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    for (const char *p = in; *p;) {
        bool done = false;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !done; i++) {
            size_t n = strlen(names[i][0]);
            if (names[i][1] != NULL && strncmp(p, names[i][0], n) == 0) {
                o += (size_t)snprintf(out + o, cap - o, "%s", names[i][1]);
                p += n;
                done = true;
            }
        }
        if (!done)
            out[o++] = *p++;
        assert_true(o < cap);
    }
    free(url), free(down), free(refused), free(hole), free(silent), free(reset), free(plain);
    return out;
}

/* A valid answer whose extra member nests 5000 arrays deep (well-formed JSON, 10 KB). */
static char *nested(bool closed)
{
    enum { DEPTH = 5000 };
    size_t cap = 2 * DEPTH + 256;
    char *b = malloc(cap);
    assert_non_null(b);
    size_t o = (size_t)snprintf(b, cap, "{" GOOD_FIELDS EXPOK ",\"x\":");
    memset(b + o, '[', DEPTH);
    o += DEPTH;
    if (closed) {
        memset(b + o, ']', DEPTH);
        o += DEPTH;
        b[o++] = '}';
    }
    b[o] = '\0';
    return b;
}

static char *deep_json(void)
{
    return nested(true);
}

static char *deep_json_unclosed(void)
{
    return nested(false);
}

/* --- files --- */

static const char *perm_ext(enum perm_file pf)
{
    return pf == PF_CONF ? "conf" : pf == PF_SECRET ? "key" : "map";
}

/* The unsafe file a permission case names, and the safe file a symlink points at. */
static void perm_path(const struct fcase *c, char *buf, size_t len)
{
    if (c->ph == PH_PARENT)
        snprintf(buf, len, "%s/perm/open/%s.%s", tc_env("OI_RUN_DIR"), c->name, perm_ext(c->pf));
    else
        snprintf(buf, len, "%s/perm/%s.%s", tc_env("OI_RUN_DIR"), c->name, perm_ext(c->pf));
}

/* The conf lines every fault case starts with: the stand-in, its CA, small timeouts, and a client
 * secret sent with every request (HTTP Basic; self-hosted Hydra ignores it) so that every fault
 * also exercises the secret's path through the module. */
static bool sets_key(const struct fcase *c, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = c->conf; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, n) == 0 && p[n] == ' ')
            return true;
    return false;
}

static void base_conf(const struct fcase *c, char *text, size_t len)
{
    char *target = c->target ? expand(c->target, c->si, NULL) : standin_admin_url(standin_env[c->si]);
    size_t o = (size_t)snprintf(text, len,
                                "# %s\nadmin_url = %s\nallowed_clients = ssh-cli\ntimeout_ms = %s\n"
                                "connect_timeout_ms = %s\nstate_dir = %s/state\n" TC_NO_LIMITS,
                                c->name, target, tc_env("OI_TIMEOUT_MS"), tc_env("OI_CONNECT_TIMEOUT_MS"),
                                tc_env("OI_RUN_DIR"));
    if (!sets_key(c, "ca_file"))
        o += (size_t)snprintf(text + o, len - o, "ca_file = %s\n", tc_env("OI_CA"));
    if (!sets_key(c, "auth") && c->pf != PF_SECRET)
        snprintf(text + o, len - o, "auth = basic\nclient_id = pam-faults\nsecret_file = %s/faults.secret\n",
                 tc_env("OI_RUN_DIR"));
    free(target);
}

static void make_unsafe(const struct fcase *c, const char *path, const char *content)
{
    char safe[4096];
    switch (c->ph) {
    case PH_MODE:
        tc_write_file(path, content, c->mode);
        break;
    case PH_OWNER:
        tc_write_file(path, content, c->mode);
        if (geteuid() == 0 && chown(path, 65534, 65534) != 0) {
            fprintf(stderr, "cannot chown %s: %s\n", path, strerror(errno));
            exit(99);
        }
        break;
    case PH_SYMLINK:
        /* The target is safe in every way: only the link is refused. */
        snprintf(safe, sizeof(safe), "%s.target", path);
        tc_write_file(safe, content, c->mode);
        if (symlink(safe, path) != 0) {
            fprintf(stderr, "cannot symlink %s: %s\n", path, strerror(errno));
            exit(99);
        }
        break;
    case PH_DIR:
        if (mkdir(path, c->mode) != 0) {
            fprintf(stderr, "cannot mkdir %s: %s\n", path, strerror(errno));
            exit(99);
        }
        break;
    case PH_FIFO:
        if (mkfifo(path, c->mode) != 0) {
            fprintf(stderr, "cannot mkfifo %s: %s\n", path, strerror(errno));
            exit(99);
        }
        break;
    case PH_PARENT:
        snprintf(safe, sizeof(safe), "%s/perm/open", tc_env("OI_RUN_DIR"));
        mkdir(safe, 0700);
        chmod(safe, 0777);
        tc_write_file(path, content, c->mode);
        break;
    }
}

static int write_services(void)
{
    const char *run = tc_env("OI_RUN_DIR"), *module = tc_env("OI_MODULE");
    char path[4096], conf_path[4096], unsafe[4096], text[16384];
    snprintf(path, sizeof(path), "%s/svc", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/conf", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/perm", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/svc/other", run);
    tc_write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\n", 0644);
    snprintf(path, sizeof(path), "%s/perm/safe.map", run);
    tc_write_file(path, "alice  alice\n", 0644);
    snprintf(path, sizeof(path), "%s/perm/safe.key", run);
    tc_write_file(path, tc_env("OI_API_KEY"), 0600);
    for (size_t i = 0; i < N_CASES; i++) {
        const struct fcase *c = &cases[i];
        base_conf(c, text, sizeof(text));
        size_t used = strlen(text);
        char *extra = expand(c->conf ? c->conf : "", c->si, NULL);
        snprintf(text + used, sizeof(text) - used, "%s\n", extra);
        free(extra);
        snprintf(conf_path, sizeof(conf_path), "%s/conf/%s.conf", run, c->name);
        if (c->pf != PF_NONE)
            perm_path(c, unsafe, sizeof(unsafe));
        if (c->pf == PF_SECRET) {
            /* The same conf, with the unsafe file as the API key (Ory Network style). */
            used = strlen(text);
            snprintf(text + used, sizeof(text) - used, "auth = bearer\nsecret_file = %s\n", unsafe);
            make_unsafe(c, unsafe, tc_env("OI_API_KEY"));
        } else if (c->pf == PF_MAP) {
            used = strlen(text);
            snprintf(text + used, sizeof(text) - used, "user_map = %s\n", unsafe);
            make_unsafe(c, unsafe, "alice  alice\n");
        }
        if (c->pf == PF_CONF) {
            make_unsafe(c, unsafe, text);
            snprintf(conf_path, sizeof(conf_path), "%s", unsafe);
        } else {
            tc_write_file(conf_path, text, 0600);
        }
        snprintf(text, sizeof(text), "auth required %s conf=%s\naccount required pam_deny.so\n", module, conf_path);
        snprintf(path, sizeof(path), "%s/svc/%s", run, c->name);
        tc_write_file(path, text, 0644);
    }
    return 0;
}

/* --- the stand-in's control API, and a direct look at a token --- */

/* Ask the stand-in's admin port directly, trusting its certificate whatever it is: is the token
 * active there? Proves a TLS refusal was about the channel, not the token. */
static bool active_at_standin(enum standin si, const char *token)
{
    char *url = standin_admin_url(standin_env[si]), full[256], *form = NULL;
    snprintf(full, sizeof(full), "%s/admin/oauth2/introspect", url);
    CURL *curl = curl_easy_init();
    char *enc = curl_easy_escape(curl, token, 0);
    assert_true(asprintf(&form, "token=%s", enc) > 0);
    struct tc_buf b = {0};
    curl_easy_setopt(curl, CURLOPT_URL, full);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, tc_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    curl_free(enc);
    free(form);
    free(url);
    bool active = rc == CURLE_OK && b.p != NULL && strstr(b.p, "\"active\":true") != NULL;
    free(b.p);
    return active;
}

static int count_introspections(enum standin si)
{
    json_object *list = standin_control(standin_env[si], "GET", "/requests", NULL);
    int n = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *r = json_object_array_get_idx(list, i), *path;
        if (json_object_object_get_ex(r, "path", &path) && strstr(json_object_get_string(path), "introspect"))
            n++;
    }
    json_object_put(list);
    return n;
}

/* The override JSON for a case, with every placeholder expanded. */
static char *override_json(const struct fcase *c, const char *token)
{
    char *extra = expand(c->ov ? c->ov : "", c->si, token);
    char *text = NULL;
    assert_true(asprintf(&text, "{%s}", extra) > 0);
    free(extra);
    json_object *o = json_tokener_parse(text);
    if (o == NULL)
        fail_msg("%s: override members are not JSON: %s", c->name, text);
    free(text);
    if (c->status)
        json_object_object_add(o, "status", json_object_new_int(c->status));
    if (c->ctype) {
        char *ct = expand(c->ctype, c->si, token);
        json_object_object_add(o, "content_type", json_object_new_string(ct));
        free(ct);
    }
    if (c->body_b64)
        json_object_object_add(o, "body_b64", json_object_new_string(c->body_b64));
    char *body = c->build_body ? c->build_body() : c->body ? expand(c->body, c->si, token) : NULL;
    if (body)
        json_object_object_add(o, "body", json_object_new_string(body));
    free(body);
    char *out = tc_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return out;
}

/* Every token this program types goes on the witness list tests/e2e/secrets.sh checks logs against. */
static void witness(const char *secret)
{
    const char *path = getenv("OI_SECRETS_WITNESS");
    if (path == NULL || *path == '\0')
        return;
    FILE *f = fopen(path, "a");
    if (f != NULL) {
        fprintf(f, "%s\n", secret);
        fclose(f);
    }
}

/* Does log contain secret, or any 24-character piece of it with at least 8 distinct characters
 * (a truncated copy counts; "AAAA..." filler does not)? */
static bool leaks(const char *log, const char *secret)
{
    enum { WINDOW = 24 };
    size_t n = strlen(secret);
    if (n < WINDOW)
        return strstr(log, secret) != NULL;
    for (size_t i = 0; i + WINDOW <= n; i++) {
        bool seen[256] = {false};
        int distinct = 0;
        for (size_t j = i; j < i + WINDOW; j++)
            if (!seen[(unsigned char)secret[j]]) {
                seen[(unsigned char)secret[j]] = true;
                distinct++;
            }
        if (distinct < 8)
            continue;
        for (const char *p = log; (p = strchr(p, secret[i])) != NULL; p++)
            if (strncmp(p, secret + i, WINDOW) == 0)
                return true;
    }
    return false;
}

/* Does log contain want, or one of its '|'-separated alternatives? */
static bool log_has(const char *log, const char *want)
{
    char *copy = tc_xstrdup(want), *save = NULL;
    bool found = false;
    for (char *alt = strtok_r(copy, "|", &save); alt != NULL && !found; alt = strtok_r(NULL, "|", &save))
        found = strstr(log, alt) != NULL;
    free(copy);
    return found;
}

static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
    return (long)((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

/* The text the log must contain for a permission case: the file and why. */
static void perm_expectation(const struct fcase *c, char *buf, size_t len)
{
    char path[1024], parent_why[1200];
    perm_path(c, path, sizeof(path));
    const char *why = "";
    switch (c->ph) {
    case PH_MODE:
        why = (c->mode & 022) ? "writable by group or others" : "readable by group or others";
        break;
    case PH_OWNER:
        why = "not owned by root";
        break;
    case PH_SYMLINK:
        why = "(symbolic links are refused)";
        break;
    case PH_DIR:
    case PH_FIFO:
        why = "not a regular file";
        break;
    case PH_PARENT:
        snprintf(parent_why, sizeof(parent_why), "the directory %s/perm/open is writable by group or others",
                 tc_env("OI_RUN_DIR"));
        why = parent_why;
        break;
    }
    const char *lead = c->pf == PF_CONF     ? "configuration error: pam.d line: conf: "
                       : c->pf == PF_SECRET ? "configuration error: secret_file: "
                                            : "configuration error: ";
    if (c->pf == PF_MAP)
        snprintf(buf, len, "%s%s: user_map: %s: %s", lead, path, path, why);
    else
        snprintf(buf, len, "%s%s: %s", lead, path, why);
    /* A symlink's message carries strerror(ELOOP) before the note. */
    if (c->ph == PH_SYMLINK)
        snprintf(buf, len, "%s", why);
}

static void run_case(void **state)
{
    const struct fcase *c = *state;
    size_t idx = (size_t)(c - cases);
    if (c->ph == PH_OWNER && c->pf != PF_NONE && geteuid() != 0) {
        fprintf(stderr, "%s: skipped: a file owned by another user needs chown, i.e. root\n", c->name);
        skip();
    }
    for (int si = 0; si < N_STANDINS; si++)
        json_object_put(standin_control(standin_env[si], "POST", "/reset", "{}"));
    char *token = standin_mint(standin_env[c->si],
                               "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"scope\":\"openid ssh:login\"}");
    witness(token);
    if (c->status || c->ov || c->body || c->body_b64 || c->build_body) {
        char *ov = override_json(c, token);
        json_object_put(standin_control(standin_env[c->si], "POST", "/override", ov));
        free(ov);
    }

    const char *answers[] = {token, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {pam_test(PAMTEST_AUTHENTICATE, c->auth_rc)};

    /* The module's syslog lines arrive on stderr through pam_wrapper: capture them. */
    char logpath[4096];
    snprintf(logpath, sizeof(logpath), "%s/%s.log", tc_env("OI_RUN_DIR"), c->name);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum pamtest_err perr = _pamtest(c->name, "alice", &conv, tests, 1, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long ms = elapsed_ms(&t0, &t1);
    results[idx].ms = ms;
    results[idx].rc = tests[0].op_rv;
    results[idx].ran = true;
    char *log = tc_read_all(logpath);
    assert_non_null(log);
    fprintf(stderr, "---- %s (%ld ms) log:\n%s", c->name, ms, log);

    if (!c->control && tests[0].op_rv == PAM_SUCCESS)
        fail_msg("%s: FAIL OPEN: the fault logged alice in", c->name);
    if (perr != PAMTEST_ERR_OK)
        fail_msg("%s: %s; returned %d (%s), expected %d (%s)", c->name, pamtest_strerror(perr), tests[0].op_rv,
                 pam_strerror(NULL, tests[0].op_rv), c->auth_rc, pam_strerror(NULL, c->auth_rc));
    long limit = tc_env_long("OI_TIMEOUT_MS") + tc_env_long("OI_MARGIN_MS");
    if (ms > limit)
        fail_msg("%s: the login took %ld ms, more than timeout_ms + margin = %ld ms", c->name, ms, limit);
    if (c->reason) {
        char want[128];
        snprintf(want, sizeof(want), " reason=%s\n", c->reason);
        if (strstr(log, want) == NULL)
            fail_msg("%s: no audit line with reason=%s", c->name, c->reason);
    } else if (strstr(log, " reason=") != NULL) {
        fail_msg("%s: an audit line was logged where none was expected", c->name);
    }
    char want_log[8192] = "";
    if (c->pf != PF_NONE)
        perm_expectation(c, want_log, sizeof(want_log));
    else if (c->log) {
        char *w = expand(c->log, c->si, NULL);
        snprintf(want_log, sizeof(want_log), "%s", w);
        free(w);
    }
    if (want_log[0] && !log_has(log, want_log))
        fail_msg("%s: the log lacks \"%s\"", c->name, want_log);
    if (c->pf != PF_NONE && c->ph == PH_SYMLINK) {
        char path[4096];
        perm_path(c, path, sizeof(path));
        if (strstr(log, path) == NULL)
            fail_msg("%s: the log does not name %s", c->name, path);
    }
    if (leaks(log, token))
        fail_msg("%s: the token appears in the log (or 24 characters of it)", c->name);
    if (leaks(log, tc_env("OI_CLIENT_SECRET")) || leaks(log, tc_env("OI_API_KEY")))
        fail_msg("%s: the client secret or API key appears in the log (or 24 characters of it)", c->name);
    if (c->requests >= 0) {
        int n = count_introspections(c->si);
        if (n != c->requests)
            fail_msg("%s: the stand-in saw %d introspection requests, expected %d", c->name, n, c->requests);
    }
    if (c->prove_active && !active_at_standin(c->si, token))
        fail_msg("%s: the stand-in does not call the token active: the refusal proves nothing", c->name);
    free(log);
    free(token);
}

/* The table of what ran: case, group, PAM code, audit reason, wall time. */
static int print_table(void **state)
{
    (void)state;
    size_t faults = 0, files = 0, controls = 0;
    long worst = 0;
    printf("\n%-36s %-9s %-21s %-16s %6s\n", "case", "group", "PAM code", "reason", "ms");
    for (size_t i = 0; i < N_CASES; i++) {
        const struct fcase *c = &cases[i];
        if (!results[i].ran)
            continue;
        if (c->control)
            controls++;
        else if (c->pf != PF_NONE)
            files++;
        else
            faults++;
        if (results[i].ms > worst)
            worst = results[i].ms;
        printf("%-36s %-9s %-21s %-16s %6ld\n", c->name, c->group, tc_pam_code_name(results[i].rc),
               c->reason ? c->reason : "(no audit line)", results[i].ms);
    }
    printf("%zu fault cases and %zu unsafe-file cases ran, none PAM_SUCCESS; %zu controls succeeded; "
           "slowest login %ld ms, limit timeout_ms + margin = %ld ms\n",
           faults, files, controls, worst, tc_env_long("OI_TIMEOUT_MS") + tc_env_long("OI_MARGIN_MS"));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--write-services") == 0)
        return write_services();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct CMUnitTest tests[N_CASES];
    for (size_t i = 0; i < N_CASES; i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)(uintptr_t)&cases[i]};
        tests[i] = t;
    }
    int rc = _cmocka_run_group_tests("faults", tests, N_CASES, NULL, print_table);
    curl_global_cleanup();
    return rc;
}
