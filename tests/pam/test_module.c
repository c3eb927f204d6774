/* The real module under pam_wrapper + nss_wrapper, driven by libpamtest, against the Hydra stand-in.
 *
 * Phase 1 (`test_module --write-services`, no preload) writes one PAM service and one conf file per
 * case from the table below; phase 2 (under pam_wrapper, started by tests/pam/module.sh) runs them.
 * Every case asserts the PAM code, the audit line's reason and, where it matters, what reached
 * the server (the stand-in's request log). */
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
#include <openssl/evp.h>
#include <security/pam_appl.h>

#include "../standin/standin_client.h"

/* EX_*: stand-ins with the issuer of examples/hydra-v2.conf, hydra-v1.conf and ory-network.conf. */
enum standin { V2, V1, V25, NET, EX_V2, EX_V25, EX_V1, EX_NET, N_STANDINS };
static const char *standin_env[N_STANDINS] = {"OI_V2",   "OI_V1",    "OI_V25",  "OI_NET",
                                              "OI_EXV2", "OI_EXV25", "OI_EXV1", "OI_EXNET"};

struct mcase {
    const char *name;         /* also the PAM service name */
    enum standin si;          /* the stand-in the conf file points at */
    const char *conf;         /* extra conf lines; @CA@ @OTHER_CA@ @RUN@ @URL@ @PUBLIC_URL@ @NETKEY@ @DEADURL@ expand */
    const char *args;         /* extra pam.d arguments for the auth line (same expansions) */
    const char *acct_args;    /* extra pam.d arguments for the account line */
    bool bare;                /* no base conf (admin_url, ca_file, allowed_clients) */
    const char *conf_file;    /* use this file of the source tree verbatim as the conf file */
    const char *auth_control; /* the module's auth control flag; NULL: required */
    const char *auth_after;   /* auth lines after the module's (same expansions, @MATRIX@ too) */
    bool acct_sufficient;     /* account: "sufficient" module followed by pam_deny */
    const char *second;       /* a second answer, for a module stacked after this one */
    const char *user;
    const char *mint;     /* JSON for the stand-in's POST /tokens; NULL: use literal */
    const char *literal;  /* the typed secret when nothing is minted */
    const char *override; /* JSON for POST /override before the login */
    bool revoke;          /* revoke the minted token before the login */
    int auth_rc;
    const char *reason;     /* the audit line's reason=, NULL when no audit line is expected */
    const char *log;        /* a text the log must contain */
    int requests;           /* introspection requests the stand-in must have seen; -1: not checked */
    int acct_rc;            /* -1: no account step */
    const char *form_scope; /* the scope form field the server must have seen */
    const char *authz;      /* the Authorization header the server must have seen */
};

#define ALICE "\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"scope\":\"openid ssh:login\""
#define ALICE_LOGIN "\"sub\":\"alice\",\"client_id\":\"ssh-login\",\"scope\":\"openid ssh:login\""
#define ACTIVE_BODY(extra)                                                                \
    "{\"status\":200,\"content_type\":\"application/json;charset=UTF-8\",\"body\":"       \
    "\"{\\\"active\\\":true,\\\"sub\\\":\\\"alice\\\",\\\"client_id\\\":\\\"ssh-cli\\\"," \
    "\\\"token_use\\\":\\\"access_token\\\"" extra "}\"}"

/* The case table, one case to a few lines as written: clang-format would put each member on a line. */
/* clang-format off */
static const struct mcase cases[] = {
    /* Allowed logins, one per server generation. */
    {.name = "ok_v2", .user = "alice", .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS,
     .reason = "ok", .requests = 1, .acct_rc = PAM_SUCCESS},
    {.name = "ok_v1", .si = V1, .conf = "flavor = hydra-v1", .user = "alice", .mint = "{" ALICE "}",
     .acct_sufficient = true, .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = PAM_SUCCESS},
    {.name = "ok_v25", .si = V25, .user = "alice", .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS,
     .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "ok_network_bearer", .si = NET, .conf = "auth = bearer\nsecret_file = @NETKEY@",
     .args = "debug", .user = "alice", .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok",
     .log = "effective: conf=", .requests = 1, .acct_rc = -1},
    {.name = "ok_jwt_shaped", .user = "alice", .mint = "{" ALICE ",\"format\":\"jwt\"}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "ok_user_claim_ext", .conf = "user_claim = ext.unix_user", .user = "alice",
     .mint = "{\"sub\":\"9b2c8f0e-uuid\",\"client_id\":\"ssh-cli\",\"ext\":{\"unix_user\":\"alice\"}}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "ok_conf_overridden_by_line", .bare = true,
     .conf = "admin_url = @URL@\nca_file = @CA@\nallowed_clients = other-cli",
     .args = "allowed_clients=ssh-cli", .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},

    /* RFC 6749 2.3.1: id and secret are form-encoded before base64 (self-hosted Hydra ignores the
     * header; the request log shows what was sent). */
    {.name = "basic_auth_encoded", .si = V25,
     .conf = "auth = basic\nclient_id = rs-special\nsecret_file = @RUN@/special.secret", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1,
     .authz = "Basic cnMtc3BlY2lhbDpwJTQwc3MlM0F3JTJGcmQlMkIlMjV4K3k="},

    /* Wrong paths and server generations. */
    {.name = "v2_unprefixed_path_307", .bare = true,
     .conf = "introspect_url = @URL@/oauth2/introspect\nca_file = @CA@\nallowed_clients = ssh-cli",
     .user = "alice", .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "http_status",
     .log = "HTTP 307 to https://localhost:", .requests = 1, .acct_rc = -1},
    {.name = "v1_server_with_v2_flavor_404", .si = V1, .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "http_status", .log = "HTTP 404", .requests = 1,
     .acct_rc = -1},
    {.name = "network_without_key_401", .si = NET, .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "http_status", .log = "HTTP 401", .requests = 1,
     .acct_rc = -1},

    /* The server says no. */
    {.name = "inactive_unknown_token", .user = "alice",
     .literal = "ory_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
     .acct_sufficient = true, /* acct_mgmt must not vouch for a login it did not allow */
     .auth_rc = PAM_AUTH_ERR, .reason = "inactive", .requests = 1, .acct_rc = PAM_AUTH_ERR},
    {.name = "inactive_revoked", .user = "alice", .mint = "{" ALICE "}", .revoke = true,
     .auth_rc = PAM_AUTH_ERR, .reason = "inactive", .requests = 1, .acct_rc = -1},
    {.name = "inactive_expired_at_server", .user = "alice", .mint = "{" ALICE ",\"ttl\":-5}",
     .auth_rc = PAM_AUTH_ERR, .reason = "inactive", .requests = 1, .acct_rc = -1},
    {.name = "inactive_scope_sent_to_hydra", .conf = "required_scopes = ssh:login,host:%h",
     .user = "alice", .mint = "{" ALICE "}", .auth_rc = PAM_AUTH_ERR, .reason = "inactive",
     .requests = 1, .acct_rc = -1, .form_scope = "ssh:login host:@HOST@"},
    {.name = "refresh_token_v1_unprefixed", .si = V1, .conf = "flavor = hydra-v1", .user = "alice",
     .mint = "{" ALICE ",\"token_use\":\"refresh_token\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "not_access_token", .requests = 1, .acct_rc = -1},

    /* The server says yes, the module's own rules say no. */
    {.name = "client_not_allowed", .user = "alice",
     .mint = "{\"sub\":\"alice\",\"client_id\":\"alice\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "client", .requests = 1, .acct_rc = -1},
    {.name = "audience_missing", .conf = "audience = ssh://fleet", .user = "alice",
     .mint = "{" ALICE ",\"aud\":[\"web\"]}", .auth_rc = PAM_AUTH_ERR, .reason = "audience",
     .requests = 1, .acct_rc = -1},
    {.name = "audience_ok", .conf = "audience = web,ssh://fleet", .user = "alice",
     .mint = "{" ALICE ",\"aud\":[\"ssh://fleet\"]}", .auth_rc = PAM_SUCCESS, .reason = "ok",
     .requests = 1, .acct_rc = -1},
    {.name = "issuer_mismatch", .conf = "issuer = https://other.example/", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTH_ERR, .reason = "issuer", .requests = 1, .acct_rc = -1},
    {.name = "issuer_trailing_slash_ok", .si = V1, .conf = "flavor = hydra-v1\nissuer = @PUBLIC_URL@",
     .user = "alice", .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1,
     .acct_rc = -1},
    /* Hydra's wildcard strategy grants ssh.login from ssh.*; the module's exact check does not. */
    {.name = "scope_exact_locally", .conf = "required_scopes = ssh.login", .user = "alice",
     .mint = "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"scope\":\"ssh.*\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "scope", .requests = 1, .acct_rc = -1, .form_scope = "ssh.login"},
    {.name = "scope_template_ok", .conf = "required_scopes = login:%u,svc:%s", .user = "alice",
     .mint = "{\"sub\":\"alice\",\"client_id\":\"ssh-cli\",\"scope\":\"login:alice svc:scope_template_ok\"}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "user_mismatch", .user = "alice",
     .mint = "{\"sub\":\"bob\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "user_longer_claim", .user = "alice",
     .mint = "{\"sub\":\"alicex\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "user_claim_embedded_nul", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"body\":"
                 "\"{\\\"active\\\":true,\\\"sub\\\":\\\"alice\\\\u0000x\\\",\\\"client_id\\\":\\\"ssh-cli\\\","
                 "\\\"token_use\\\":\\\"access_token\\\",\\\"exp\\\":9999999999}\"}",
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_AUTH_ERR, .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "user_unknown", .user = "ghost", .mint = "{\"sub\":\"ghost\",\"client_id\":\"ssh-cli\"}",
     .auth_rc = PAM_USER_UNKNOWN, .reason = "user_unknown", .requests = 1, .acct_rc = -1},
    {.name = "root_denied", .user = "root", .mint = "{\"sub\":\"root\",\"client_id\":\"ssh-cli\"}",
     .auth_rc = PAM_AUTH_ERR, .reason = "root_denied", .requests = 1, .acct_rc = -1},
    {.name = "expired_locally", .user = "alice", .override = ACTIVE_BODY(",\\\"exp\\\":1000000000"),
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_AUTH_ERR, .reason = "expired", .requests = 1, .acct_rc = -1},
    {.name = "exp_missing", .user = "alice", .override = ACTIVE_BODY(""),
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_AUTH_ERR, .reason = "expired", .requests = 1, .acct_rc = -1},
    {.name = "not_yet_valid", .user = "alice",
     .override = ACTIVE_BODY(",\\\"exp\\\":9999999999,\\\"nbf\\\":9999999000"),
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_AUTH_ERR, .reason = "not_yet_valid", .requests = 1, .acct_rc = -1},
    /* acct_mgmt re-checks exp with its own line's leeway. */
    {.name = "acct_rechecks_exp", .args = "leeway=3600", .acct_args = "leeway=0", .user = "alice",
     .override = ACTIVE_BODY(",\\\"exp\\\":@PAST@"),
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = PAM_PERM_DENIED,
     .log = "account deny user=alice reason=expired"},

    /* Stacking: a password is not a token; it goes to the next module and never to the server. */
    {.name = "stack_password_falls_through", .args = "token_prefix=ory_at_", .auth_control = "sufficient",
     .auth_after = "auth required @MATRIX@ passdb=@RUN@/passdb", .user = "alice", .literal = "hunter2",
     .second = "hunter2", .auth_rc = PAM_SUCCESS, .reason = "not_token", .requests = 0, .acct_rc = -1},
    {.name = "stack_wrong_password", .args = "token_prefix=ory_at_", .auth_control = "sufficient",
     .auth_after = "auth required @MATRIX@ passdb=@RUN@/passdb", .user = "alice", .literal = "hunter3",
     .second = "hunter3", .auth_rc = PAM_AUTH_ERR, .reason = "not_token", .requests = 0, .acct_rc = -1},
    {.name = "stack_token_logs_in", .args = "token_prefix=ory_at_", .auth_control = "sufficient",
     .auth_after = "auth required @MATRIX@ passdb=@RUN@/passdb", .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    /* The typed secret stays PAM_AUTHTOK for the next module (pam_get_items exports it). */
    {.name = "authtok_for_next_module", .args = "token_prefix=ory_at_", .auth_control = "sufficient",
     .auth_after = "auth required @GETITEMS@", .user = "alice", .literal = "hunter2",
     .auth_rc = PAM_SUCCESS, .reason = "not_token", .requests = 0, .acct_rc = -1},
    /* Alone in the stack, PAM_IGNORE leaves libpam with no answer: it denies. */
    {.name = "not_token_alone", .args = "token_prefix=ory_at_", .user = "alice", .literal = "hunter2",
     .auth_rc = PAM_PERM_DENIED, .reason = "not_token", .requests = 0, .acct_rc = -1},

    /* README's examples, used verbatim (examples/); the pam.d line points them at the stand-in. */
#define EX_ARGS "admin_url=@URL@ ca_file=@CA@ user_map=@SRC@/examples/pam_oauth2_introspect.map"
#define PERSON(sub, scope) "{\"sub\":\"" sub "\",\"client_id\":\"ssh-login\",\"scope\":\"" scope "\"}"
    {.name = "ex_sshd_person", .conf_file = "examples/sshd.conf", .args = EX_ARGS, .user = "alice",
     .mint = PERSON("alice@example.com", "openid ssh:login"), .auth_rc = PAM_SUCCESS, .reason = "ok",
     .requests = 1, .acct_rc = PAM_SUCCESS},
    {.name = "ex_sshd_person_lookalike_domain", .conf_file = "examples/sshd.conf", .args = EX_ARGS,
     .user = "alice", .mint = PERSON("alice@example.com.evil.org", "ssh:login"), .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "ex_sshd_person_other_account", .conf_file = "examples/sshd.conf", .args = EX_ARGS,
     .user = "alice", .mint = PERSON("bob@example.com", "ssh:login"), .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "ex_sshd_ci_deploy", .conf_file = "examples/sshd.conf", .args = EX_ARGS, .user = "deploy",
     .mint = "{\"sub\":\"ci-deploy\",\"client_id\":\"ci-deploy\",\"scope\":\"ssh:login\"}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = PAM_SUCCESS},
    {.name = "ex_sshd_ci_subject_other_client", .conf_file = "examples/sshd.conf", .args = EX_ARGS,
     .user = "deploy", .mint = PERSON("ci-deploy", "ssh:login"), .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "ex_sshd_team_account", .conf_file = "examples/sshd.conf", .args = EX_ARGS, .user = "svc-app",
     .mint = PERSON("carol@team-a.example.com", "ssh:login"), .auth_rc = PAM_SUCCESS, .reason = "ok",
     .requests = 1, .acct_rc = -1},
    {.name = "ex_sshd_team_not_other_accounts", .conf_file = "examples/sshd.conf", .args = EX_ARGS,
     .user = "deploy", .mint = PERSON("carol@team-a.example.com", "ssh:login"), .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "ex_sshd_breakglass_root", .conf_file = "examples/sshd.conf", .args = EX_ARGS, .user = "root",
     .mint = PERSON("alice@example.com", "ssh:login root:login"), .auth_rc = PAM_SUCCESS, .reason = "ok",
     .requests = 1, .acct_rc = PAM_SUCCESS},
    {.name = "ex_sshd_breakglass_needs_scope", .conf_file = "examples/sshd.conf", .args = EX_ARGS,
     .user = "root", .mint = PERSON("alice@example.com", "ssh:login"), .auth_rc = PAM_AUTH_ERR,
     .reason = "scope", .requests = 1, .acct_rc = -1},
    {.name = "ex_sshd_root_only_for_alice", .conf_file = "examples/sshd.conf", .args = EX_ARGS,
     .user = "root", .mint = PERSON("bob@example.com", "ssh:login root:login"), .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "ex_sudo_fresh_token", .conf_file = "examples/sudo.conf", .args = "admin_url=@URL@ ca_file=@CA@",
     .user = "alice", .mint = PERSON("alice@example.com", "openid sudo"), .auth_rc = PAM_SUCCESS,
     .reason = "ok", .requests = 1, .acct_rc = -1, .form_scope = "sudo"},
    /* Hydra itself is asked for the sudo scope, so it answers inactive. */
    {.name = "ex_sudo_without_scope", .conf_file = "examples/sudo.conf", .args = "admin_url=@URL@ ca_file=@CA@",
     .user = "alice", .mint = PERSON("alice@example.com", "openid ssh:login"), .auth_rc = PAM_AUTH_ERR,
     .reason = "inactive", .requests = 1, .acct_rc = -1},
    {.name = "ex_sudo_old_token", .conf_file = "examples/sudo.conf", .args = "admin_url=@URL@ ca_file=@CA@",
     .user = "alice",
     .mint = "{\"sub\":\"alice@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"sudo\",\"iat\":@OLD@,\"exp\":@SOON@}",
     .auth_rc = PAM_AUTH_ERR, .reason = "token_age", .requests = 1, .acct_rc = -1},

    /* examples/hydra-v2.conf, hydra-v1.conf and ory-network.conf, used verbatim against stand-ins
     * of that kind that report the example's issuer; the pam.d line puts the stand-in's URL, the
     * test CA and (Ory Network) the key file and a cache directory in place of the real ones. */
#define EX_HYDRA_ARGS "admin_url=@URL@ ca_file=@CA@"
#define EX_NET_ARGS(key) "admin_url=@URL@ ca_file=@CA@ secret_file=" key " cache_dir=@RUN@/ex-network-cache"
#define EX_NET_CLIENT "5f1e8a3c-2b7d-4c19-9e0a-6d4b2f8c7a15"
#define UNIX_USER(client, scope, user)                                                             \
    "{\"sub\":\"0b3c1e2a-8f4d-4c6b-9a7e-2d5f1c8b9e30\",\"client_id\":\"" client "\",\"scope\":\"" scope \
    "\",\"ext\":{\"unix_user\":\"" user "\"}}"
    {.name = "ex_hydra_v2_ok", .si = EX_V2, .conf_file = "examples/hydra-v2.conf", .args = EX_HYDRA_ARGS,
     .user = "alice", .mint = UNIX_USER("ssh-login", "openid ssh:login", "alice"), .auth_rc = PAM_SUCCESS,
     .reason = "ok", .requests = 1, .acct_rc = PAM_SUCCESS, .form_scope = "ssh:login"},
    {.name = "ex_hydra_v2_on_v25", .si = EX_V25, .conf_file = "examples/hydra-v2.conf", .args = EX_HYDRA_ARGS,
     .user = "alice", .mint = UNIX_USER("ssh-login", "openid ssh:login", "alice"), .auth_rc = PAM_SUCCESS,
     .reason = "ok", .requests = 1, .acct_rc = PAM_SUCCESS, .form_scope = "ssh:login"},
    /* The scope is sent: Hydra itself answers inactive. */
    {.name = "ex_hydra_v2_without_scope", .si = EX_V2, .conf_file = "examples/hydra-v2.conf",
     .args = EX_HYDRA_ARGS, .user = "alice", .mint = UNIX_USER("ssh-login", "openid", "alice"),
     .auth_rc = PAM_AUTH_ERR, .reason = "inactive", .requests = 1, .acct_rc = -1},
    {.name = "ex_hydra_v2_other_account", .si = EX_V2, .conf_file = "examples/hydra-v2.conf",
     .args = EX_HYDRA_ARGS, .user = "alice", .mint = UNIX_USER("ssh-login", "openid ssh:login", "bob"),
     .auth_rc = PAM_AUTH_ERR, .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "ex_hydra_v2_other_client", .si = EX_V2, .conf_file = "examples/hydra-v2.conf",
     .args = EX_HYDRA_ARGS, .user = "alice", .mint = UNIX_USER("web-app", "openid ssh:login", "alice"),
     .auth_rc = PAM_AUTH_ERR, .reason = "client", .requests = 1, .acct_rc = -1},
    /* A Hydra with another issuer (the plain v2 stand-in reports its own URL). */
    {.name = "ex_hydra_v2_other_issuer", .si = V2, .conf_file = "examples/hydra-v2.conf",
     .args = EX_HYDRA_ARGS, .user = "alice", .mint = UNIX_USER("ssh-login", "openid ssh:login", "alice"),
     .auth_rc = PAM_AUTH_ERR, .reason = "issuer", .requests = 1, .acct_rc = -1},
    /* Hydra 1.x reports "https://auth.example.org/" for the example's "https://auth.example.org". */
    {.name = "ex_hydra_v1_ok", .si = EX_V1, .conf_file = "examples/hydra-v1.conf", .args = EX_HYDRA_ARGS,
     .user = "alice", .mint = "{" ALICE_LOGIN "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1,
     .acct_rc = PAM_SUCCESS, .form_scope = "ssh:login"},
    {.name = "ex_hydra_v1_other_account", .si = EX_V1, .conf_file = "examples/hydra-v1.conf",
     .args = EX_HYDRA_ARGS, .user = "bob", .mint = "{" ALICE_LOGIN "}", .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "ex_hydra_v1_revoked", .si = EX_V1, .conf_file = "examples/hydra-v1.conf", .args = EX_HYDRA_ARGS,
     .user = "alice", .mint = "{" ALICE_LOGIN "}", .revoke = true, .auth_rc = PAM_AUTH_ERR,
     .reason = "inactive", .requests = 1, .acct_rc = -1},
    /* Hydra 1.x refresh tokens have no prefix: sent, and refused on the answer's token_use. */
    {.name = "ex_hydra_v1_refresh_token", .si = EX_V1, .conf_file = "examples/hydra-v1.conf",
     .args = EX_HYDRA_ARGS, .user = "alice", .mint = "{" ALICE_LOGIN ",\"token_use\":\"refresh_token\"}",
     .auth_rc = PAM_AUTH_ERR, .reason = "not_access_token", .requests = 1, .acct_rc = -1},
    /* The API key from the secret file reaches Ory Network as a Bearer header. */
    {.name = "ex_network_ok", .si = EX_NET, .conf_file = "examples/ory-network.conf",
     .args = EX_NET_ARGS("@NETKEY@"), .user = "alice",
     .mint = UNIX_USER(EX_NET_CLIENT, "openid ssh:login", "alice"), .auth_rc = PAM_SUCCESS,
     .reason = "ok", .log = "cache=miss", .requests = 1, .acct_rc = PAM_SUCCESS,
     .form_scope = "ssh:login", .authz = "Bearer ory_apikey_test-network-key"},
    {.name = "ex_network_other_client", .si = EX_NET, .conf_file = "examples/ory-network.conf",
     .args = EX_NET_ARGS("@NETKEY@"), .user = "alice",
     .mint = UNIX_USER("ssh-login", "openid ssh:login", "alice"), .auth_rc = PAM_AUTH_ERR,
     .reason = "client", .requests = 1, .acct_rc = -1, .authz = "Bearer ory_apikey_test-network-key"},
    {.name = "ex_network_other_account", .si = EX_NET, .conf_file = "examples/ory-network.conf",
     .args = EX_NET_ARGS("@NETKEY@"), .user = "alice",
     .mint = UNIX_USER(EX_NET_CLIENT, "openid ssh:login", "bob"), .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    /* Another project's key: Ory Network answers 401, the login cannot be checked. */
    {.name = "ex_network_wrong_key", .si = EX_NET, .conf_file = "examples/ory-network.conf",
     .args = EX_NET_ARGS("@RUN@/wrong-network.key"), .user = "alice",
     .mint = UNIX_USER(EX_NET_CLIENT, "openid ssh:login", "alice"), .auth_rc = PAM_AUTHINFO_UNAVAIL,
     .reason = "http_status", .log = "HTTP 401", .requests = 1, .acct_rc = -1,
     .authz = "Bearer ory_apikey_another-project-key"},

    /* The floor: uid 0 and system accounts only through a literal map line. */
    {.name = "floor_glob_root", .conf = "user_map = @RUN@/floor.map", .user = "root",
     .mint = "{\"sub\":\"anyone\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "root_denied", .requests = 1, .acct_rc = -1},
    {.name = "floor_glob_system_account", .conf = "user_map = @RUN@/floor.map", .user = "daemon",
     .mint = "{\"sub\":\"ops@example.com\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "system_account", .requests = 1, .acct_rc = -1},
    {.name = "floor_claim_system_account", .user = "daemon",
     .mint = "{\"sub\":\"daemon\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "system_account", .requests = 1, .acct_rc = -1},
    {.name = "floor_min_uid_lowered", .conf = "min_uid = 0", .user = "daemon",
     .mint = "{\"sub\":\"daemon\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_SUCCESS, .reason = "ok",
     .requests = 1, .acct_rc = -1},
    {.name = "map_service_only_elsewhere", .conf = "user_map = @RUN@/floor.map", .user = "alice",
     .mint = "{\"sub\":\"svc-check\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_AUTH_ERR,
     .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "map_service_here", .conf = "user_map = @RUN@/floor.map", .user = "bob",
     .mint = "{\"sub\":\"svc-check\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_SUCCESS,
     .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "map_only_refuses_plain_claim", .conf = "user_map = @RUN@/floor.map", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTH_ERR, .reason = "user_mismatch", .requests = 1, .acct_rc = -1},
    {.name = "map_bad_line", .conf = "user_map = @RUN@/bad.map", .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_SERVICE_ERR, .reason = "config", .log = "bad.map:3: user_map: needs a subject and an account",
     .requests = 0, .acct_rc = -1},
    {.name = "any_scopes_none_granted", .conf = "any_scopes = ssh:admin,ssh:oncall", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTH_ERR, .reason = "scope", .requests = 1, .acct_rc = -1},
    {.name = "any_scopes_one_granted", .conf = "any_scopes = ssh:admin,ssh:login", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "map_changes_before_acct", .conf = "user_map = @RUN@/changing.map", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = PAM_SUCCESS},
    {.name = "env_not_exported", .args = "export_env=no", .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},

    /* Nothing may be sent. */
    {.name = "sshd_fake_password", .user = "alice", .literal = "\b\n\r\177INCORRECT",
     .auth_rc = PAM_AUTH_ERR, .reason = "malformed", .requests = 0, .acct_rc = -1},
    {.name = "refresh_token_prefix", .user = "alice",
     .literal = "ory_rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
     .auth_rc = PAM_AUTH_ERR, .reason = "not_access_token", .requests = 0, .acct_rc = -1},
    {.name = "too_long", .args = "max_token_length=64", .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_AUTH_ERR, .reason = "malformed", .requests = 0, .acct_rc = -1},
    {.name = "use_first_pass_without_token", .args = "use_first_pass", .user = "alice",
     .literal = "unused", .auth_rc = PAM_AUTH_ERR, .reason = "no_token", .requests = 0, .acct_rc = -1},

    /* Transport and answer failures: never success, always PAM_AUTHINFO_UNAVAIL. */
    {.name = "server_down", .bare = true,
     .conf = "admin_url = @DEADURL@\nca_file = @CA@\nallowed_clients = ssh-cli", .user = "alice",
     .literal = "ory_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
     .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "unavailable", .log = "connect", .requests = -1,
     .acct_rc = -1},
    {.name = "tls_unknown_ca", .bare = true,
     .conf = "admin_url = @URL@\nca_file = @OTHER_CA@\nallowed_clients = ssh-cli", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "unavailable",
     .log = "SSL", .requests = 0, .acct_rc = -1},
    {.name = "ok_ca_dir_hashed", .bare = true,
     .conf = "admin_url = @URL@\nca_dir = @RUN@/pki/cadir\nallowed_clients = ssh-cli", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "ca_dir_without_our_ca", .bare = true,
     .conf = "admin_url = @URL@\nca_dir = @RUN@\nallowed_clients = ssh-cli", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "unavailable", .requests = 0,
     .acct_rc = -1},
    {.name = "ok_pinned_pubkey", .conf = "pinned_pubkey = @RUN@/pki/server.pub", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "pinned_pubkey_mismatch", .conf = "pinned_pubkey = @RUN@/pki/other.pub", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "unavailable",
     .log = "pinned", .requests = 0, .acct_rc = -1},
    {.name = "http_refused_without_allow_http", .bare = true,
     .conf = "admin_url = http://127.0.0.1:9\nallowed_clients = ssh-cli", .user = "alice",
     .literal = "x", .auth_rc = PAM_SERVICE_ERR, .log = "admin_url: is plain http", .requests = 0,
     .acct_rc = -1},
    {.name = "answer_400_invalid_request", .user = "alice",
     .override = "{\"status\":400,\"content_type\":\"application/json\",\"body\":"
                 "\"{\\\"error\\\":\\\"invalid_request\\\",\\\"error_description\\\":\\\"The POST body can not be empty.\\\"}\"}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "http_status",
     .log = "HTTP 400 (error invalid_request)", .requests = 1, .acct_rc = -1},
    {.name = "answer_429", .user = "alice",
     .override = "{\"status\":429,\"headers\":{\"x-ratelimit-reset\":\"17\"},\"content_type\":"
                 "\"application/json\",\"body\":\"{}\"}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "http_status",
     .log = "x-ratelimit-reset 17", .requests = 1, .acct_rc = -1},
    {.name = "answer_500", .user = "alice",
     .override = "{\"status\":500,\"content_type\":\"application/json\",\"body\":\"{\\\"error\\\":\\\"error\\\"}\"}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "http_status", .log = "HTTP 500",
     .requests = 1, .acct_rc = -1},
    {.name = "answer_not_json", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"body\":\"<html>ok</html>\"}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "bad_answer", .log = "not JSON",
     .requests = 1, .acct_rc = -1},
    {.name = "answer_wrong_content_type", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"text/plain\",\"body\":\"{\\\"active\\\":true}\"}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "bad_answer",
     .log = "not application/json", .requests = 1, .acct_rc = -1},
    {.name = "answer_active_string", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"body\":\"{\\\"active\\\":\\\"true\\\"}\"}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "bad_answer",
     .log = "field 'active' is not a JSON boolean", .requests = 1, .acct_rc = -1},
    {.name = "answer_too_large_chunked", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"chunked\":true,"
                 "\"repeat\":{\"chunk\":\" \",\"times\":70000}}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "bad_answer",
     .log = "answer larger than", .requests = 1, .acct_rc = -1},
    {.name = "ok_chunked_answer", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"chunked\":true,\"body\":"
                 "\"{\\\"active\\\":true,\\\"sub\\\":\\\"alice\\\",\\\"client_id\\\":\\\"ssh-cli\\\","
                 "\\\"token_use\\\":\\\"access_token\\\",\\\"exp\\\":9999999999}\"}",
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "answer_too_large", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"repeat\":{\"chunk\":\" \",\"times\":70000}}",
     .mint = "{" ALICE "}", .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "bad_answer",
     .log = "answer larger than", .requests = 1, .acct_rc = -1},

    /* The attacker's side (the security review): what a password, a hostile server, a
     * case-folding user database and a misleading account line must not achieve. */
    /* Another host: another host key (state_dir) and so another fingerprint of the same token. */
    {.name = "fp_other_host", .args = "state_dir=@RUN@/state-other", .user = "alice", .mint = "{" ALICE "}",
     .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1, .acct_rc = -1},
    {.name = "attack_password_with_dot_not_sent", .user = "alice", .literal = "Summer.2024",
     .auth_rc = PAM_AUTH_ERR, .reason = "malformed", .log = "token=- via=typed reason=malformed", .requests = 0,
     .acct_rc = -1},
    {.name = "attack_password_rfc7662_not_sent", .bare = true,
     .conf = "flavor = rfc7662\nintrospect_url = @URL@/admin/oauth2/introspect\nauth = none\nca_file = @CA@\n"
             "allowed_clients = ssh-cli",
     .user = "alice", .literal = "hunter2", .auth_rc = PAM_AUTH_ERR, .reason = "malformed",
     .log = "token=- via=typed reason=malformed", .requests = 0, .acct_rc = -1},
    /* json-c reads "active\u0000" as "active". */
    {.name = "attack_nul_in_key_active", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"body\":"
                 "\"{\\\"active\\\\u0000\\\":true,\\\"sub\\\":\\\"alice\\\",\\\"client_id\\\":\\\"ssh-cli\\\","
                 "\\\"token_use\\\":\\\"access_token\\\",\\\"exp\\\":9999999999}\"}",
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "bad_answer", .log = "a key holds a NUL", .requests = 1,
     .acct_rc = -1},
    {.name = "attack_nul_in_key_sub", .user = "alice",
     .override = "{\"status\":200,\"content_type\":\"application/json\",\"body\":"
                 "\"{\\\"active\\\":true,\\\"sub\\\\u0000\\\":\\\"alice\\\",\\\"client_id\\\":\\\"ssh-cli\\\","
                 "\\\"token_use\\\":\\\"access_token\\\",\\\"exp\\\":9999999999}\"}",
     .literal = "ory_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
     .auth_rc = PAM_AUTHINFO_UNAVAIL, .reason = "bad_answer", .log = "a key holds a NUL", .requests = 1,
     .acct_rc = -1},
    /* SSSD with AD folds case: the token of "Alice" must not open the account alice. */
    {.name = "attack_case_folded_account", .user = "Alice",
     .mint = "{\"sub\":\"Alice\",\"client_id\":\"ssh-cli\"}", .auth_rc = PAM_USER_UNKNOWN,
     .reason = "account_name", .requests = 1, .acct_rc = -1},
    /* An account line may only carry what acct_mgmt re-checks. */
    {.name = "attack_account_line_audience", .acct_args = "audience=ssh://fleet", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SUCCESS, .reason = "ok", .requests = 1,
     .acct_rc = PAM_SERVICE_ERR, .log = "pam.d account line: audience: has no effect here"},
    /* A CA file in a directory others can write is no trust anchor. */
    {.name = "attack_ca_file_in_open_directory", .bare = true,
     .conf = "admin_url = @URL@\nca_file = @RUN@/open-dir/ca.crt\nallowed_clients = ssh-cli", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SERVICE_ERR, .reason = "config",
     .log = "open-dir is writable by group or others",
     .requests = 0, .acct_rc = -1},

    /* Configuration errors: PAM_SERVICE_ERR and one line naming the key; no audit line. */
    {.name = "config_unknown_key", .args = "bogus=1", .user = "alice", .literal = "x",
     .auth_rc = PAM_SERVICE_ERR, .log = "configuration error: pam.d line: bogus: unknown option",
     .requests = 0, .acct_rc = -1},
    {.name = "config_bad_value_in_file", .conf = "timeout_ms = soon", .user = "alice", .literal = "x",
     .auth_rc = PAM_SERVICE_ERR, .log = "timeout_ms: 'soon' is not a whole number", .requests = 0,
     .acct_rc = -1},
    {.name = "config_secret_file_unsafe", .si = NET,
     .conf = "auth = bearer\nsecret_file = @RUN@/world-readable.key", .user = "alice",
     .mint = "{" ALICE "}", .auth_rc = PAM_SERVICE_ERR, .reason = "config",
     .log = "readable by group or others", .requests = 0, .acct_rc = -1},
};
/* clang-format on */
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Replace every @NAME@ placeholder. */
static char *expand(const char *in, enum standin si)
{
    char host[256] = "", past[32];
    gethostname(host, sizeof(host));
    host[sizeof(host) - 1] = '\0';
    char *dot = strchr(host, '.');
    if (dot)
        *dot = '\0';
    snprintf(past, sizeof(past), "%lld", (long long)time(NULL) - 60);
    char old[32];
    snprintf(old, sizeof(old), "%lld", (long long)time(NULL) - 3600);
    char soon[32];
    snprintf(soon, sizeof(soon), "%lld", (long long)time(NULL) + 600);
    char *url = standin_admin_url(standin_env[si]);
    /* The stand-in's issuer is its public URL, as Hydra's (v1 adds a "/"). */
    char pub_name[64], *public_url = NULL;
    snprintf(pub_name, sizeof(pub_name), "%s_PUBLIC", standin_env[si]);
    assert_true(asprintf(&public_url, "https://127.0.0.1:%s", tc_env(pub_name)) > 0);
    const char *names[][2] = {
        {"@CA@", tc_env("OI_CA")},
        {"@OTHER_CA@", tc_env("OI_OTHER_CA")},
        {"@RUN@", tc_env("OI_RUN_DIR")},
        {"@URL@", url},
        {"@PUBLIC_URL@", public_url},
        {"@NETKEY@", tc_env("OI_NET_KEY_FILE")},
        {"@DEADURL@", tc_env("OI_DEAD_URL")},
        {"@HOST@", host},
        {"@PAST@", past},
        {"@MATRIX@", tc_env("OI_PAM_MATRIX")},
        {"@SRC@", tc_env("OI_SRC_DIR")},
        {"@OLD@", old},
        {"@SOON@", soon},
        {"@GETITEMS@", tc_env("OI_PAM_GET_ITEMS")},
    };
    char *out = tc_expand(in, names, sizeof(names) / sizeof(names[0]));
    free(url);
    free(public_url);
    return out;
}

static int write_services(void)
{
    const char *run = tc_env("OI_RUN_DIR"), *module = tc_env("OI_MODULE");
    char path[1024], text[16384];
    snprintf(path, sizeof(path), "%s/svc", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/conf", run);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/svc/other", run);
    tc_write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\n", 0644);
    snprintf(path, sizeof(path), "%s/world-readable.key", run);
    tc_write_file(path, "some-api-key\n", 0644);
    snprintf(path, sizeof(path), "%s/wrong-network.key", run);
    tc_write_file(path, "ory_apikey_another-project-key\n", 0600);
    snprintf(path, sizeof(path), "%s/special.secret", run);
    tc_write_file(path, "p@ss:w/rd+%x y\n", 0600);
    snprintf(path, sizeof(path), "%s/floor.map", run);
    tc_write_file(path,
                  "# globs never reach uid 0 or system accounts\n*  root\n*@example.com  daemon\n"
                  "svc-check  alice  service=elsewhere\nsvc-check  bob  service=map_service_here\n",
                  0644);
    snprintf(path, sizeof(path), "%s/bad.map", run);
    tc_write_file(path, "# the third line lacks an account\nalice@example.com alice\nalice\n", 0644);
    snprintf(path, sizeof(path), "%s/changing.map", run);
    tc_write_file(path, "alice  alice\n", 0644);
    snprintf(path, sizeof(path), "%s/open-dir", run);
    mkdir(path, 0700);
    chmod(path, 0777);
    snprintf(path, sizeof(path), "%s/open-dir/ca.crt", run);
    char *ca = tc_read_all(tc_env("OI_CA"));
    tc_write_file(path, ca, 0644);
    free(ca);
    snprintf(path, sizeof(path), "%s/passdb", run);
    tc_write_file(path, "alice:hunter2:stack_password_falls_through\nalice:hunter2:stack_wrong_password\n", 0600);
    for (size_t i = 0; i < N_CASES; i++) {
        const struct mcase *c = &cases[i];
        char *extra = expand(c->conf ? c->conf : "", c->si);
        char *url = standin_admin_url(standin_env[c->si]);
        char conf_path[1024];
        if (c->conf_file)
            snprintf(conf_path, sizeof(conf_path), "%s/%s", tc_env("OI_SRC_DIR"), c->conf_file);
        else
            snprintf(conf_path, sizeof(conf_path), "%s/conf/%s.conf", run, c->name);
        snprintf(text, sizeof(text), "# %s\n%s%s%s%s\n", c->name, c->bare ? "" : "admin_url = ", c->bare ? "" : url,
                 c->bare ? "" : "\nallowed_clients = ssh-cli\nca_file = ", c->bare ? "" : tc_env("OI_CA"));
        size_t used = strlen(text);
        snprintf(text + used, sizeof(text) - used, "%s\n", extra);
        snprintf(path, sizeof(path), "%s/conf/%s.conf", run, c->name);
        tc_write_file(path, text, 0600);
        char *args = expand(c->args ? c->args : "", c->si);
        char *acct = expand(c->acct_args ? c->acct_args : "", c->si);
        char *after = expand(c->auth_after ? c->auth_after : "", c->si);
        char state[1100] = "";
        if (strstr(args, "state_dir=") == NULL)
            snprintf(state, sizeof(state), "state_dir=%s/state " TC_NO_LIMITS_ARGS, run);
        snprintf(text, sizeof(text), "auth %s %s conf=%s %s %s\n%s\naccount %s %s conf=%s %s %s %s\n%s",
                 c->auth_control ? c->auth_control : "required", module, conf_path, state, args, after,
                 c->acct_sufficient ? "sufficient" : "required", module, conf_path, state, c->conf_file ? args : "",
                 acct, c->acct_sufficient ? "account required pam_deny.so\n" : "");
        free(after);
        snprintf(path, sizeof(path), "%s/svc/%s", run, c->name);
        tc_write_file(path, text, 0644);
        free(extra);
        free(url);
        free(args);
        free(acct);
    }
    return 0;
}

/* --- the stand-in's control API --- */

/* Introspection requests the stand-in received (any path ending in /introspect). */
static int count_introspections(enum standin si, json_object **last)
{
    json_object *list = standin_control(standin_env[si], "GET", "/requests", NULL);
    int n = 0;
    *last = NULL;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *r = json_object_array_get_idx(list, i), *path;
        if (json_object_object_get_ex(r, "path", &path) && strstr(json_object_get_string(path), "introspect")) {
            n++;
            json_object_put(*last);
            *last = json_object_get(r);
        }
    }
    json_object_put(list);
    return n;
}

static const char *form_value(json_object *req, const char *field)
{
    json_object *form, *vals;
    if (req == NULL || !json_object_object_get_ex(req, "form", &form) ||
        !json_object_object_get_ex(form, field, &vals) || json_object_array_length(vals) != 1)
        return NULL;
    return json_object_get_string(json_object_array_get_idx(vals, 0));
}

/* --- running one case --- */

/* _pamtest with the module's syslog lines (on stderr through pam_wrapper) captured: the log. */
static char *logged_pamtest(const char *service, const char *user, struct pamtest_conv_data *conv,
                            struct pam_testcase *tests, size_t ntests, enum pamtest_err *perr)
{
    char logpath[4096];
    snprintf(logpath, sizeof(logpath), "%s/%s.log", tc_env("OI_RUN_DIR"), service);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    *perr = _pamtest(service, user, conv, tests, ntests, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *log = tc_read_all(logpath);
    assert_non_null(log);
    fprintf(stderr, "---- %s log:\n%s", service, log);
    return log;
}

static void run_case(void **state)
{
    const struct mcase *c = *state;
    for (int si = 0; si < N_STANDINS; si++)
        json_object_put(standin_control(standin_env[si], "POST", "/reset", "{}"));
    char *spec = c->mint ? expand(c->mint, c->si) : NULL;
    char *token = c->mint ? standin_mint(standin_env[c->si], spec) : tc_xstrdup(c->literal);
    free(spec);
    if (c->revoke) {
        char body[4096];
        snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
        json_object_put(standin_control(standin_env[c->si], "POST", "/revoke-token", body));
    }
    if (c->override) {
        char *ov = expand(c->override, c->si);
        json_object_put(standin_control(standin_env[c->si], "POST", "/override", ov));
        free(ov);
    }

    const char *answers[] = {token, c->second, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, c->auth_rc),
        pam_test(PAMTEST_ACCOUNT, c->acct_rc),
    };
    size_t ntests = c->acct_rc == -1 ? 1 : 2;

    enum pamtest_err perr;
    char *log = logged_pamtest(c->name, c->user, &conv, tests, ntests, &perr);

    if (perr != PAMTEST_ERR_OK) {
        const struct pam_testcase *failed = _pamtest_failed_case(tests, ntests);
        fail_msg("%s: %s; step %d returned %d (%s), expected %d", c->name, pamtest_strerror(perr),
                 failed ? (int)failed->pam_operation : -1, failed ? failed->op_rv : -1,
                 failed ? pam_strerror(NULL, failed->op_rv) : "-", failed ? failed->expected_rv : -1);
    }
    if (c->reason) {
        char want[128];
        snprintf(want, sizeof(want), " reason=%s\n", c->reason);
        if (strstr(log, want) == NULL)
            fail_msg("%s: no audit line with reason=%s", c->name, c->reason);
    } else if (strstr(log, " reason=") != NULL && strstr(log, "account deny") == NULL) {
        fail_msg("%s: an audit line was logged where none was expected", c->name);
    }
    if (c->log && strstr(log, c->log) == NULL)
        fail_msg("%s: the log lacks \"%s\"", c->name, c->log);
    if (strlen(token) >= 8 && strstr(log, token) != NULL)
        fail_msg("%s: the token appears in the log", c->name);
    if (strstr(log, "test-network-key") != NULL)
        fail_msg("%s: the API key appears in the log", c->name);
    if (c->requests >= 0 || c->form_scope || c->authz) {
        json_object *last;
        int n = count_introspections(c->si, &last);
        if (c->requests >= 0)
            assert_int_equal(n, c->requests);
        if (n > 0) {
            const char *sent = form_value(last, "token");
            assert_non_null(sent);
            assert_string_equal(sent, token);
            assert_string_equal(form_value(last, "token_type_hint"), "access_token");
        }
        if (c->authz) {
            json_object *headers, *h;
            assert_true(json_object_object_get_ex(last, "headers", &headers));
            if (!json_object_object_get_ex(headers, "authorization", &h) ||
                strcmp(json_object_get_string(h), c->authz) != 0)
                fail_msg("%s: Authorization \"%s\", expected \"%s\"", c->name, h ? json_object_get_string(h) : "(none)",
                         c->authz);
        }
        if (c->form_scope) {
            char *want = expand(c->form_scope, c->si);
            const char *got = form_value(last, "scope");
            if (got == NULL || strcmp(got, want) != 0)
                fail_msg("%s: scope form field \"%s\", expected \"%s\"", c->name, got ? got : "(none)", want);
            free(want);
        }
        json_object_put(last);
    }
    free(log);
    free(token);
}

/* The password typed at this module's prompt is what the next module gets as PAM_AUTHTOK. */
static void authtok_kept_for_next_module(void **state)
{
    (void)state;
    const char *answers[] = {"hunter2", NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    enum pamtest_err perr = run_pamtest("authtok_for_next_module", "alice", &conv, tests, NULL);
    assert_int_equal(perr, PAMTEST_ERR_OK);
    bool found = false;
    for (char **e = tests[1].case_out.envlist; e && *e; e++)
        found |= strcmp(*e, "PAM_AUTHTOK=hunter2") == 0;
    pamtest_free_env(tests[1].case_out.envlist);
    assert_true(found);
}

/* acct_mgmt reads the map again: a line removed after authentication denies the account. */
static void acct_after_map_change(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/changing.map", tc_env("OI_RUN_DIR"));
    char *token = standin_mint(standin_env[V2], "{" ALICE "}");
    const char *answers[] = {token, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
    };
    assert_int_equal(run_pamtest("map_changes_before_acct", "alice", &conv, tests, NULL), PAMTEST_ERR_OK);
    pam_handle_t *ph = tests[1].case_out.ph;
    tc_write_file(path, "# alice was removed\nalice  bob\n", 0644);
    int rc = pam_acct_mgmt(ph, 0);
    tc_write_file(path, "alice  alice\n", 0644);
    pam_end(ph, PAM_SUCCESS);
    free(token);
    assert_int_equal(rc, PAM_PERM_DENIED);
}

/* After a login the verified facts are in the PAM environment for session scripts. */
static void env_exported(void **state)
{
    (void)state;
    char *token = standin_mint(standin_env[V2], "{" ALICE "}");
    const char *answers[] = {token, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    assert_int_equal(run_pamtest("ok_v2", "alice", &conv, tests, NULL), PAMTEST_ERR_OK);
    const char *want[] = {"OAUTH2_SUB=alice", "OAUTH2_CLIENT_ID=ssh-cli", "OAUTH2_SCOPE=openid ssh:login",
                          "OAUTH2_EXP=", "OAUTH2_TOKEN_FP="};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        bool found = false;
        for (char **e = tests[1].case_out.envlist; e && *e; e++)
            found |= strncmp(*e, want[i], strlen(want[i])) == 0 &&
                     (want[i][strlen(want[i]) - 1] != '=' || strlen(*e) > strlen(want[i]));
        if (!found)
            fail_msg("%s missing from the PAM environment", want[i]);
    }
    pamtest_free_env(tests[1].case_out.envlist);
    struct pam_testcase off[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    const char *answers2[] = {token, NULL};
    struct pamtest_conv_data conv2 = {.in_echo_off = answers2};
    assert_int_equal(run_pamtest("env_not_exported", "alice", &conv2, off, NULL), PAMTEST_ERR_OK);
    for (char **e = off[1].case_out.envlist; e && *e; e++)
        if (strncmp(*e, "OAUTH2_", 7) == 0)
            fail_msg("export_env=no, yet %s is set", *e);
    pamtest_free_env(off[1].case_out.envlist);
    free(token);
}

/* The audit fingerprint of one login through service (8 hex digits) into fp. */
static void fingerprint_of(const char *service, const char *token, char fp[9])
{
    const char *answers[] = {token, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS)};
    enum pamtest_err perr;
    char *log = logged_pamtest(service, "alice", &conv, tests, 1, &perr);
    assert_int_equal(perr, PAMTEST_ERR_OK);
    const char *at = strstr(log, " token=fp:");
    assert_non_null(at);
    snprintf(fp, 9, "%.8s", at + 10);
    free(log);
}

/* The fingerprint is keyed by the host key in state_dir: the lines of one token join on one
 * host, another host (key) gives another, and nobody can check a guessed password against it,
 * as they could against a plain SHA-256. */
static void fingerprint_keyed(void **state)
{
    (void)state;
    char *token = standin_mint(standin_env[V2], "{" ALICE "}");
    char a[9], b[9], other[9], plain[9];
    fingerprint_of("ok_v2", token, a);
    fingerprint_of("ok_v2", token, b);
    fingerprint_of("fp_other_host", token, other);
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
    snprintf(plain, sizeof(plain), "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
    assert_string_equal(a, b);
    assert_string_not_equal(a, other);
    assert_string_not_equal(a, plain);
    assert_string_not_equal(other, plain);
    free(token);
}

/* A failed second attempt in the same handle withdraws the first success from acct_mgmt. */
static void reauth_failure_forgets_success(void **state)
{
    (void)state;
    for (int si = 0; si < N_STANDINS; si++)
        json_object_put(standin_control(standin_env[si], "POST", "/reset", "{}"));
    char *good = standin_mint(standin_env[V1], "{" ALICE "}");
    char *bad = standin_mint(standin_env[V1], "{\"sub\":\"bob\",\"client_id\":\"ssh-cli\"}");
    const char *answers[] = {good, bad, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS), pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
        pam_test(PAMTEST_ACCOUNT, PAM_AUTH_ERR), /* "sufficient" module ignores, pam_deny denies */
    };
    enum pamtest_err perr = run_pamtest("ok_v1", "alice", &conv, tests, NULL);
    if (perr != PAMTEST_ERR_OK) {
        const struct pam_testcase *f = pamtest_failed_case(tests);
        fail_msg("%s: op %d returned %d", pamtest_strerror(perr), f ? (int)f->pam_operation : -1, f ? f->op_rv : -1);
    }
    free(good);
    free(bad);
}

static int conv_again(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    (void)n, (void)msg, (void)resp, (void)data;
    return PAM_CONV_AGAIN;
}

static int conv_error(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    (void)n, (void)msg, (void)resp, (void)data;
    return PAM_CONV_ERR;
}

/* An application that cannot answer now gets PAM_INCOMPLETE, one that fails gets its error. */
static void conversation_failures(void **state)
{
    (void)state;
    struct pam_testcase again[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_INCOMPLETE)};
    assert_int_equal(_pamtest_conv("ok_v2", "alice", conv_again, NULL, again, 1, NULL), PAMTEST_ERR_OK);
    struct pam_testcase error[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_CONV_ERR)};
    assert_int_equal(_pamtest_conv("ok_v2", "alice", conv_error, NULL, error, 1, NULL), PAMTEST_ERR_OK);
}

/* acct_mgmt refuses when PAM_USER changed after this module authenticated someone else. */
static void acct_refuses_changed_user(void **state)
{
    (void)state;
    for (int si = 0; si < N_STANDINS; si++)
        json_object_put(standin_control(standin_env[si], "POST", "/reset", "{}"));
    char *token = standin_mint(standin_env[V2], "{" ALICE "}");
    const char *answers[] = {token, NULL};
    struct pamtest_conv_data conv = {.in_echo_off = answers};
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
    };
    enum pamtest_err perr = run_pamtest("ok_v2", "alice", &conv, tests, NULL);
    assert_int_equal(perr, PAMTEST_ERR_OK);
    pam_handle_t *ph = tests[1].case_out.ph;
    assert_int_equal(pam_set_item(ph, PAM_USER, "bob"), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_PERM_DENIED);
    pam_end(ph, PAM_SUCCESS);
    free(token);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--write-services") == 0)
        return write_services();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct CMUnitTest tests[N_CASES + 8];
    for (size_t i = 0; i < N_CASES; i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)(uintptr_t)&cases[i]};
        tests[i] = t;
    }
    struct CMUnitTest extra[] = {cmocka_unit_test(authtok_kept_for_next_module),
                                 cmocka_unit_test(acct_refuses_changed_user),
                                 cmocka_unit_test(conversation_failures),
                                 cmocka_unit_test(reauth_failure_forgets_success),
                                 cmocka_unit_test(acct_after_map_change),
                                 cmocka_unit_test(env_exported),
                                 cmocka_unit_test(fingerprint_keyed)};
    size_t n_extra = sizeof(extra) / sizeof(extra[0]);
    for (size_t i = 0; i < n_extra; i++)
        tests[N_CASES + i] = extra[i];
    int rc = _cmocka_run_group_tests("module", tests, N_CASES + n_extra, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
