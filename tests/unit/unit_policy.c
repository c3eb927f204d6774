/* Unit tests: policy.c, the decision on a parsed introspection answer. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#include "cfg.h"
#include "unit_common.h"
#include "answer.h"
#include "policy.h"
#include "reason.h"

#define NOW INT64_C(1700000000)

/* Decide at NOW on the answer `json` for `user`, with the configuration conf=<empty> + args
 * + (unless args give them) admin_url=https://hydra.example and allowed_clients=cli. */
static enum oi_reason decide_for(const char *const *args, const char *user, const char *scopes, const char *json)
{
    const char *argv[24];
    int argc = 0;
    bool has_endpoint = false, has_clients = false;
    argv[argc++] = unit_conf_arg;
    for (size_t i = 0; args[i] != NULL && argc < 20; i++) {
        has_endpoint |= strncmp(args[i], "admin_url=", 10) == 0 || strncmp(args[i], "introspect_url=", 15) == 0;
        has_clients |= strncmp(args[i], "allowed_clients=", 16) == 0;
        argv[argc++] = args[i];
    }
    if (!has_endpoint)
        argv[argc++] = "admin_url=https://hydra.example";
    if (!has_clients)
        argv[argc++] = "allowed_clients=cli";
    /* Scopes are expanded by the policy from required_scopes: "a b" becomes required_scopes=a,b. */
    char scopes_arg[512];
    if (scopes != NULL && *scopes != '\0') {
        snprintf(scopes_arg, sizeof(scopes_arg), "required_scopes=%s", scopes);
        for (char *p = scopes_arg; *p; p++)
            *p = *p == ' ' ? ',' : *p;
        argv[argc++] = scopes_arg;
    }

    struct oi_config cfg;
    struct oi_config_error err;
    if (oi_config_load(&cfg, argc, argv, &err) != 0)
        fail_msg("config refused: %s: %s %s", err.where, err.key, err.what);

    struct oi_token_info info;
    char why[200];
    enum oi_reason r = oi_parse_answer(json, strlen(json), &info, why, sizeof(why));
    if (r != OI_OK) {
        oi_token_info_free(&info);
        oi_config_free(&cfg);
        fail_msg("answer refused: %s: %s", json, why);
    }
    struct oi_subject subj = {user, "sshd", "bastion", NULL, NULL};
    r = oi_policy_check(&cfg, NULL, &info, &subj, NOW, NULL, NULL);
    oi_token_info_free(&info);
    oi_config_free(&cfg);
    return r;
}

#define DECIDE(json, ...) decide_for((const char *const[]){__VA_ARGS__, NULL}, "alice", NULL, (json))
#define DECIDE_DEFAULT(json) decide_for((const char *const[]){NULL}, "alice", NULL, (json))
#define DECIDE_USER(user, json) decide_for((const char *const[]){NULL}, (user), NULL, (json))
#define DECIDE_SCOPES(scopes, json) decide_for((const char *const[]){NULL}, "alice", (scopes), (json))

/* Build answers around a valid one: NOW + 1 h expiry, issued now. */
#define EXP_OK "1700003600"
#define BASE "\"active\":true,\"token_use\":\"access_token\",\"client_id\":\"cli\",\"sub\":\"alice\""
#define VALID "{" BASE ",\"exp\":" EXP_OK ",\"iat\":1700000000}"

static void test_valid_token_ok(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(VALID), OI_OK);
}

/* ---- active ---- */

static void test_inactive(void **state)
{
    assert_int_equal(DECIDE_DEFAULT("{\"active\":false}"), OI_INACTIVE);
}

/* ---- token_use ---- */

#define NO_USE "{\"active\":true,\"client_id\":\"cli\",\"sub\":\"alice\",\"exp\":" EXP_OK "}"

static void test_token_use_missing_hydra(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(NO_USE), OI_NOT_ACCESS_TOKEN);
}

static void test_token_use_missing_hydra_v1(void **state)
{
    assert_int_equal(DECIDE(NO_USE, "flavor=hydra-v1"), OI_NOT_ACCESS_TOKEN);
}

#define RFC7662 "flavor=rfc7662", "introspect_url=https://op.example/introspect", "auth=none"

static void test_token_use_missing_rfc7662_ok(void **state)
{
    assert_int_equal(DECIDE(NO_USE, RFC7662), OI_OK);
}

static void test_token_use_refresh_hydra(void **state)
{
    assert_int_equal(DECIDE_DEFAULT("{\"active\":true,\"token_use\":\"refresh_token\",\"client_id\":\"cli\","
                                    "\"sub\":\"alice\",\"exp\":" EXP_OK "}"),
                     OI_NOT_ACCESS_TOKEN);
}

static void test_token_use_refresh_rfc7662(void **state)
{
    assert_int_equal(DECIDE("{\"active\":true,\"token_use\":\"refresh_token\",\"client_id\":\"cli\","
                            "\"sub\":\"alice\",\"exp\":" EXP_OK "}",
                            RFC7662),
                     OI_NOT_ACCESS_TOKEN);
}

static void test_token_use_prefix_is_not_access(void **state)
{
    assert_int_equal(DECIDE_DEFAULT("{\"active\":true,\"token_use\":\"access_token\\u0000\",\"client_id\":\"cli\","
                                    "\"sub\":\"alice\",\"exp\":" EXP_OK "}"),
                     OI_NOT_ACCESS_TOKEN);
}

/* ---- times (default leeway 30 s) ---- */

#define WITH_TIMES(times) "{" BASE "," times "}"

static void test_exp_missing_expired(void **state)
{
    assert_int_equal(DECIDE_DEFAULT("{" BASE "}"), OI_EXPIRED);
}

static void test_exp_past_beyond_leeway_expired(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":1699999969")), OI_EXPIRED); /* now - 31 */
}

static void test_exp_at_leeway_edge_expired(void **state)
{
    /* valid while now < exp + leeway: exp + leeway == now is expired */
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":1699999970")), OI_EXPIRED); /* now - 30 */
}

static void test_exp_just_inside_leeway_ok(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":1699999971")), OI_OK); /* now - 29 */
}

static void test_exp_long_ago_expired(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":0")), OI_EXPIRED);
}

static void test_leeway_zero_exp_now_expired(void **state)
{
    assert_int_equal(DECIDE(WITH_TIMES("\"exp\":1700000000"), "leeway=0"), OI_EXPIRED);
}

static void test_leeway_zero_exp_next_second_ok(void **state)
{
    assert_int_equal(DECIDE(WITH_TIMES("\"exp\":1700000001"), "leeway=0"), OI_OK);
}

static void test_leeway_configured_used(void **state)
{
    /* 100 s ago: expired with the default 30 s, fine with 3600 */
    assert_int_equal(DECIDE(WITH_TIMES("\"exp\":1699999900"), "leeway=3600"), OI_OK);
}

static void test_nbf_future_beyond_leeway(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":" EXP_OK ",\"nbf\":1700000031")), OI_NOT_YET_VALID);
}

static void test_nbf_within_leeway_ok(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":" EXP_OK ",\"nbf\":1700000030")), OI_OK);
}

static void test_iat_future_beyond_leeway(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":" EXP_OK ",\"iat\":1700000031")), OI_NOT_YET_VALID);
}

static void test_iat_within_leeway_ok(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":" EXP_OK ",\"iat\":1700000030")), OI_OK);
}

static void test_nbf_past_ok(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":" EXP_OK ",\"nbf\":1600000000,\"iat\":1600000000")), OI_OK);
}

/* ---- issuer ---- */

#define WITH_ISS(iss) "{" BASE ",\"exp\":" EXP_OK ",\"iss\":\"" iss "\"}"

static void test_issuer_equal(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example"), "issuer=https://hydra.example"), OI_OK);
}

static void test_issuer_token_trailing_slash(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example/"), "issuer=https://hydra.example"), OI_OK);
}

static void test_issuer_config_trailing_slash(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example"), "issuer=https://hydra.example/"), OI_OK);
}

static void test_issuer_both_trailing_slash(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example/"), "issuer=https://hydra.example/"), OI_OK);
}

static void test_issuer_two_slashes_token(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example//"), "issuer=https://hydra.example"), OI_ISSUER);
}

static void test_issuer_two_slashes_config(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example"), "issuer=https://hydra.example//"), OI_ISSUER);
}

static void test_issuer_different(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://evil.example"), "issuer=https://hydra.example"), OI_ISSUER);
}

static void test_issuer_longer(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example.evil"), "issuer=https://hydra.example"), OI_ISSUER);
}

static void test_issuer_shorter(void **state)
{
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.exampl"), "issuer=https://hydra.example"), OI_ISSUER);
}

static void test_issuer_missing(void **state)
{
    assert_int_equal(DECIDE(VALID, "issuer=https://hydra.example"), OI_ISSUER);
}

static void test_issuer_not_configured_any_ok(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_ISS("https://anything.example")), OI_OK);
}

/* ---- audience ---- */

#define WITH_AUD(aud) "{" BASE ",\"exp\":" EXP_OK ",\"aud\":" aud "}"

static void test_audience_string_match(void **state)
{
    assert_int_equal(DECIDE(WITH_AUD("\"rs-b\""), "audience=rs-a,rs-b"), OI_OK);
}

static void test_audience_array_match(void **state)
{
    assert_int_equal(DECIDE(WITH_AUD("[\"other\",\"rs-a\"]"), "audience=rs-a,rs-b"), OI_OK);
}

static void test_audience_string_no_match(void **state)
{
    assert_int_equal(DECIDE(WITH_AUD("\"rs-c\""), "audience=rs-a,rs-b"), OI_AUDIENCE);
}

static void test_audience_array_no_match(void **state)
{
    assert_int_equal(DECIDE(WITH_AUD("[\"rs-c\",\"rs-a2\",\"rs\"]"), "audience=rs-a,rs-b"), OI_AUDIENCE);
}

static void test_audience_empty_array(void **state)
{
    assert_int_equal(DECIDE(WITH_AUD("[]"), "audience=rs-a"), OI_AUDIENCE);
}

static void test_audience_missing(void **state)
{
    assert_int_equal(DECIDE(VALID, "audience=rs-a"), OI_AUDIENCE);
}

static void test_audience_embedded_nul(void **state)
{
    assert_int_equal(DECIDE(WITH_AUD("\"rs-a\\u0000x\""), "audience=rs-a"), OI_AUDIENCE);
}

static void test_audience_not_configured_any_ok(void **state)
{
    assert_int_equal(DECIDE_DEFAULT(WITH_AUD("\"whatever\"")), OI_OK);
}

/* ---- client ---- */

#define WITH_CLIENT(c) "{\"active\":true,\"token_use\":\"access_token\",\"sub\":\"alice\",\"exp\":" EXP_OK c "}"

static void test_client_in_list(void **state)
{
    assert_int_equal(DECIDE(WITH_CLIENT(",\"client_id\":\"ssh-cli\""), "allowed_clients=web,ssh-cli"), OI_OK);
}

static void test_client_not_in_list(void **state)
{
    assert_int_equal(DECIDE(WITH_CLIENT(",\"client_id\":\"web2\""), "allowed_clients=web,ssh-cli"), OI_CLIENT);
}

static void test_client_prefix_not_in_list(void **state)
{
    assert_int_equal(DECIDE(WITH_CLIENT(",\"client_id\":\"ssh\""), "allowed_clients=web,ssh-cli"), OI_CLIENT);
}

static void test_client_missing(void **state)
{
    assert_int_equal(DECIDE(WITH_CLIENT(""), "allowed_clients=web,ssh-cli"), OI_CLIENT);
}

static void test_client_embedded_nul(void **state)
{
    assert_int_equal(DECIDE(WITH_CLIENT(",\"client_id\":\"cli\\u0000x\""), "allowed_clients=cli"), OI_CLIENT);
}

static void test_client_star_any(void **state)
{
    assert_int_equal(DECIDE(WITH_CLIENT(",\"client_id\":\"anyone\""), "allowed_clients=*"), OI_OK);
}

static void test_client_star_missing_client_id(void **state)
{
    assert_int_equal(DECIDE(WITH_CLIENT(""), "allowed_clients=*"), OI_OK);
}

static void test_client_literal_star_not_wildcard(void **state)
{
    /* only allowed_clients=* is the wildcard; a token's client_id "*" is just a name */
    assert_int_equal(DECIDE(WITH_CLIENT(",\"client_id\":\"*\""), "allowed_clients=cli"), OI_CLIENT);
}

/* ---- scopes ---- */

#define WITH_SCOPE(s) "{" BASE ",\"exp\":" EXP_OK ",\"scope\":\"" s "\"}"

static void test_scopes_all_present(void **state)
{
    assert_int_equal(DECIDE_SCOPES("ssh login:alice", WITH_SCOPE("openid login:alice offline ssh")), OI_OK);
}

static void test_scopes_one_missing(void **state)
{
    assert_int_equal(DECIDE_SCOPES("ssh login:alice", WITH_SCOPE("openid ssh")), OI_SCOPE);
}

static void test_scope_not_prefix_match(void **state)
{
    assert_int_equal(DECIDE_SCOPES("ssh", WITH_SCOPE("ssh:login sshx xssh")), OI_SCOPE);
}

static void test_scope_not_substring_of_required(void **state)
{
    assert_int_equal(DECIDE_SCOPES("ssh:login", WITH_SCOPE("ssh login")), OI_SCOPE);
}

static void test_scope_case_sensitive(void **state)
{
    assert_int_equal(DECIDE_SCOPES("ssh", WITH_SCOPE("SSH")), OI_SCOPE);
}

static void test_scope_claim_missing(void **state)
{
    assert_int_equal(DECIDE_SCOPES("ssh", VALID), OI_SCOPE);
}

static void test_scope_claim_empty(void **state)
{
    assert_int_equal(DECIDE_SCOPES("ssh", WITH_SCOPE("")), OI_SCOPE);
}

static void test_no_required_scopes_ok(void **state)
{
    assert_int_equal(DECIDE_SCOPES("", VALID), OI_OK);
}

static void test_null_required_scopes_ok(void **state)
{
    assert_int_equal(DECIDE_SCOPES(NULL, VALID), OI_OK);
}

/* ---- user claim ---- */

#define WITH_SUB(s) "{\"active\":true,\"token_use\":\"access_token\",\"client_id\":\"cli\",\"exp\":" EXP_OK s "}"

static void test_user_sub_equal(void **state)
{
    assert_int_equal(DECIDE_USER("alice", WITH_SUB(",\"sub\":\"alice\"")), OI_OK);
}

static void test_user_sub_different(void **state)
{
    assert_int_equal(DECIDE_USER("alice", WITH_SUB(",\"sub\":\"bob\"")), OI_USER_MISMATCH);
}

static void test_user_sub_longer(void **state)
{
    assert_int_equal(DECIDE_USER("alice", WITH_SUB(",\"sub\":\"alicex\"")), OI_USER_MISMATCH);
}

static void test_user_sub_shorter(void **state)
{
    assert_int_equal(DECIDE_USER("alice", WITH_SUB(",\"sub\":\"alic\"")), OI_USER_MISMATCH);
}

static void test_user_sub_embedded_nul(void **state)
{
    assert_int_equal(DECIDE_USER("alice", WITH_SUB(",\"sub\":\"alice\\u0000x\"")), OI_USER_MISMATCH);
}

static void test_user_sub_case(void **state)
{
    assert_int_equal(DECIDE_USER("alice", WITH_SUB(",\"sub\":\"Alice\"")), OI_USER_MISMATCH);
}

static void test_user_sub_missing(void **state)
{
    assert_int_equal(DECIDE_USER("alice", WITH_SUB("")), OI_USER_MISMATCH);
}

static void test_user_empty_user_empty_sub(void **state)
{
    /* an empty sub equals an empty user name byte for byte; the account check refuses it later */
    assert_int_equal(DECIDE_USER("", WITH_SUB(",\"sub\":\"\"")), OI_OK);
}

#define EXT_USER(u) WITH_SUB(",\"sub\":\"5f0c6a1e-uuid\",\"ext\":{\"unix_user\":" u "}")

static void test_user_claim_ext_path(void **state)
{
    assert_int_equal(
        decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL, EXT_USER("\"alice\"")),
        OI_OK);
}

static void test_user_claim_ext_path_different(void **state)
{
    assert_int_equal(
        decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL, EXT_USER("\"bob\"")),
        OI_USER_MISMATCH);
}

static void test_user_claim_sub_ignored_when_path_set(void **state)
{
    /* with user_claim=ext.unix_user a sub equal to the user is not enough */
    assert_int_equal(decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL,
                                WITH_SUB(",\"sub\":\"alice\",\"ext\":{}")),
                     OI_USER_MISMATCH);
}

static void test_user_claim_not_string(void **state)
{
    assert_int_equal(
        decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "1000", NULL, EXT_USER("1000")),
        OI_USER_MISMATCH);
}

static void test_user_claim_array(void **state)
{
    assert_int_equal(
        decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL, EXT_USER("[\"alice\"]")),
        OI_USER_MISMATCH);
}

static void test_user_claim_ext_missing(void **state)
{
    assert_int_equal(decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL,
                                WITH_SUB(",\"sub\":\"alice\"")),
                     OI_USER_MISMATCH);
}

static void test_user_claim_username(void **state)
{
    assert_int_equal(decide_for((const char *const[]){"user_claim=username", NULL}, "alice", NULL,
                                WITH_SUB(",\"sub\":\"uuid\",\"username\":\"alice\"")),
                     OI_OK);
}

/* ---- order: the first failing rule is the reason ---- */

static void test_inactive_before_everything(void **state)
{
    assert_int_equal(DECIDE("{\"active\":false}", "issuer=https://x", "audience=a"), OI_INACTIVE);
}

static void test_expired_before_user(void **state)
{
    assert_int_equal(DECIDE_USER("bob", WITH_TIMES("\"exp\":1")), OI_EXPIRED);
}

/* ---- oi_expand_scopes ---- */

static enum oi_reason expand(const char *list, const char *user, const char *service, const char *host, char **out)
{
    struct oi_strlist l = {0};
    if (list[0] != '\0')
        assert_int_equal(oi_strlist_split(&l, list, ','), 0);
    struct oi_subject subj = {user, service, host, NULL, NULL};
    enum oi_reason r = oi_expand_scopes(&l, &subj, out);
    oi_strlist_free(&l);
    return r;
}

static void expect_expansion(const char *list, const char *user, const char *want)
{
    char *out = NULL;
    assert_int_equal(expand(list, user, "sshd", "bastion", &out), OI_OK);
    assert_non_null(out);
    if (strcmp(out, want) != 0) {
        char copy[600];
        snprintf(copy, sizeof(copy), "%s", out);
        free(out);
        fail_msg("expanded to '%s', expected '%s'", copy, want);
    }
    free(out);
}

static void expect_scope_refused(const char *list, const char *user, const char *host)
{
    static char untouched[] = "untouched";
    char *out = untouched;
    assert_int_equal(expand(list, user, "sshd", host, &out), OI_SCOPE);
    assert_null(out);
}

static void test_expand_user(void **state)
{
    expect_expansion("login:%u", "alice", "login:alice");
}

static void test_expand_service(void **state)
{
    expect_expansion("pam:%s", "alice", "pam:sshd");
}

static void test_expand_host(void **state)
{
    expect_expansion("host:%h", "alice", "host:bastion");
}

static void test_expand_percent(void **state)
{
    expect_expansion("100%%", "alice", "100%");
}

static void test_expand_several_joined(void **state)
{
    expect_expansion("ssh,login:%u@%h,%s", "alice", "ssh login:alice@bastion sshd");
}

static void test_expand_plain(void **state)
{
    expect_expansion("openid", "alice", "openid");
}

static void test_expand_none(void **state)
{
    expect_expansion("", "alice", "");
}

static void test_expand_space_in_user(void **state)
{
    expect_scope_refused("login:%u", "al ice", "bastion");
}

static void test_expand_quote_in_user(void **state)
{
    expect_scope_refused("login:%u", "al\"ice", "bastion");
}

static void test_expand_backslash_in_user(void **state)
{
    expect_scope_refused("login:%u", "al\\ice", "bastion");
}

static void test_expand_control_in_user(void **state)
{
    expect_scope_refused("login:%u", "al\tice", "bastion");
}

static void test_expand_non_ascii_in_user(void **state)
{
    expect_scope_refused("login:%u", "jos\xc3\xa9", "bastion");
}

static void test_expand_empty(void **state)
{
    expect_scope_refused("%u", "", "bastion");
}

static void test_expand_empty_host(void **state)
{
    expect_scope_refused("%h", "alice", "");
}

static void test_expand_null_host(void **state)
{
    expect_scope_refused("%h", "alice", NULL);
}

static void test_expand_bad_second_template(void **state)
{
    expect_scope_refused("ssh,login:%u", "a b", "bastion");
}

static void test_expand_long_user_not_truncated(void **state)
{
    /* A long user name must be expanded whole (or refused), never cut short:
     * a cut-short scope is a different scope, held by a different user's token. */
    char user[301];
    memset(user, 'a', 300);
    user[300] = '\0';
    char *out = NULL;
    enum oi_reason r = expand("%u", user, "sshd", "bastion", &out);
    size_t got = out ? strlen(out) : 0;
    free(out);
    if (r == OI_OK && got != 300)
        fail_msg("a 300-byte user name expanded to %zu bytes", got);
    assert_true(r == OI_OK || r == OI_SCOPE);
}

/* ---- oi_check_account ---- */

static void test_account_root_denied(void **state)
{
    assert_int_equal(oi_check_account("root", 1000, OI_GRANT_CLAIM), OI_ROOT_DENIED);
}

static void test_account_unknown(void **state)
{
    assert_int_equal(oi_check_account("oi-unit-no-such-user-7f3a9c", 1000, OI_GRANT_CLAIM), OI_USER_UNKNOWN);
}

static void test_account_empty_unknown(void **state)
{
    assert_int_equal(oi_check_account("", 1000, OI_GRANT_CLAIM), OI_USER_UNKNOWN);
}

static void test_account_nobody_ok(void **state)
{
    assert_int_equal(oi_check_account("nobody", 1000, OI_GRANT_CLAIM), OI_OK);
}

/* The user database as a broken NSS backend answers: the linker sends oi_check_account's calls
 * here (-Wl,--wrap=getpwnam_r in tests/unit/unit.mk); other names reach the real one. */
int __real_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **found);
int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **found);
static int lookups;
int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **found)
{
    static const struct {
        const char *name;
        int error;
    } broken[] = {{"oi-unit-nss-eio", EIO}, {"oi-unit-nss-enoent", ENOENT}, {"oi-unit-nss-erange", ERANGE}};
    lookups++;
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
        if (strcmp(name, broken[i].name) == 0) {
            *found = NULL;
            return broken[i].error;
        }
    /* A case-folding source (SSSD's AD provider): any spelling of nobody is nobody. */
    if (strcasecmp(name, "nobody") == 0 && strcmp(name, "nobody") != 0)
        return __real_getpwnam_r("nobody", pw, buf, len, found);
    return __real_getpwnam_r(name, pw, buf, len, found);
}

static void test_account_other_spelling_refused(void **state)
{
    enum oi_reason r = oi_check_account("NoBody", 1000, OI_GRANT_CLAIM);
    assert_int_equal(r, OI_ACCOUNT_NAME);
    assert_string_equal(oi_reason_name(r), "account_name");
    assert_int_equal(oi_reason_pam_code(r), PAM_USER_UNKNOWN);
    /* Not even a literal map line makes another spelling the same account. */
    assert_int_equal(oi_check_account("NOBODY", 1000, OI_GRANT_MAP_LITERAL), OI_ACCOUNT_NAME);
}

static void test_account_lookup_error(void **state)
{
    enum oi_reason r = oi_check_account("oi-unit-nss-eio", 1000, OI_GRANT_CLAIM);
    assert_int_equal(r, OI_ACCOUNT_LOOKUP);
    assert_string_equal(oi_reason_name(r), "account_lookup");
    assert_int_equal(oi_reason_pam_code(r), PAM_AUTHINFO_UNAVAIL);
}

static void test_account_not_found_error_is_unknown(void **state)
{
    assert_int_equal(oi_check_account("oi-unit-nss-enoent", 1000, OI_GRANT_CLAIM), OI_USER_UNKNOWN);
}

static void test_account_endless_erange_bounded(void **state)
{
    lookups = 0;
    assert_int_equal(oi_check_account("oi-unit-nss-erange", 1000, OI_GRANT_CLAIM), OI_ACCOUNT_LOOKUP);
    assert_in_range(lookups, 2, 16); /* the buffer doubles up to 1 MiB, then it gives up */
}

/* ==== user_map, user_regex, min_uid, any_scopes, max_token_age, export_env ==== */

/* conf=<empty> + args (NULL-terminated) + admin_url=https://hydra.example and
 * allowed_clients=cli unless args give them. */
static int load_args(const char *const *args, struct oi_config *cfg, struct oi_config_error *err)
{
    const char *argv[24];
    int argc = 0;
    bool has_clients = false;
    argv[argc++] = unit_conf_arg;
    argv[argc++] = "admin_url=https://hydra.example";
    for (size_t i = 0; args[i] != NULL && argc < 20; i++) {
        has_clients |= strncmp(args[i], "allowed_clients=", 16) == 0;
        argv[argc++] = args[i];
    }
    if (!has_clients)
        argv[argc++] = "allowed_clients=cli";
    memset(err, 0, sizeof(*err));
    return oi_config_load(cfg, argc, argv, err);
}

static void load_ok(const char *const *args, struct oi_config *cfg)
{
    struct oi_config_error err;
    if (load_args(args, cfg, &err) != 0)
        fail_msg("config refused: %s: %s %s", err.where, err.key, err.what);
}

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_cfg_refused(const char *arg, const char *key)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = load_args(OPTS(arg), &cfg, &err);
    if (rc == 0) {
        oi_config_free(&cfg);
        fail_msg("'%s' accepted", arg);
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err.key, key);
}

/* One oi_authorize call at NOW. Fields left zero take the defaults: claim, user "alice",
 * client_id "cli", service "sshd", exp NOW + 1 h, no iat, no scope, no map. */
struct az {
    const char *const *args; /* options; NULL: none beyond the defaults */
    const char *map;         /* user map text; NULL: no user_map */
    const char *claim;
    const char *client;
    bool no_client;
    const char *scope;
    bool no_exp;
    int64_t exp;
    bool has_iat;
    int64_t iat;
    const char *user;
    const char *service;
    bool account; /* on a grant, also oi_check_account(user, min_uid, grant) */
};

static char *dup_or_fail(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static enum oi_reason authorize_case(const struct az *c, enum oi_grant *grant_out)
{
    struct oi_config cfg;
    load_ok(c->args ? c->args : OPTS("leeway=30"), &cfg);
    struct oi_usermap map = {0};
    if (c->map != NULL) {
        struct oi_config_error err;
        if (oi_usermap_parse(&map, "/etc/map", c->map, strlen(c->map), &err) != 0) {
            oi_config_free(&cfg);
            fail_msg("map refused: %s: %s", err.where, err.what);
        }
    }
    struct oi_facts f;
    memset(&f, 0, sizeof(f));
    f.claim = dup_or_fail(c->claim ? c->claim : "alice");
    f.client_id = c->no_client ? NULL : dup_or_fail(c->client ? c->client : "cli");
    f.scope = c->scope ? dup_or_fail(c->scope) : NULL;
    f.has_exp = !c->no_exp;
    f.exp = c->exp != 0 ? c->exp : NOW + 3600;
    f.has_iat = c->has_iat;
    f.iat = c->iat;
    struct oi_subject subj = {c->user ? c->user : "alice", c->service ? c->service : "sshd", "bastion", NULL, NULL};
    enum oi_grant grant = OI_GRANT_MAP_LITERAL; /* must be overwritten */
    enum oi_reason r = oi_authorize(&cfg, c->map ? &map : NULL, &f, &subj, NOW, &grant);
    bool grant_left = r != OI_OK && grant != OI_GRANT_NONE;
    bool no_grant = r == OI_OK && grant == OI_GRANT_NONE;
    if (r == OI_OK && c->account)
        r = oi_check_account(subj.user, cfg.min_uid, grant);
    oi_facts_free(&f);
    oi_usermap_free(&map);
    oi_config_free(&cfg);
    if (grant_left)
        fail_msg("refused (%d) with a grant (%d) set", r, grant);
    if (no_grant)
        fail_msg("allowed without a grant");
    *grant_out = grant;
    return r;
}

#define AZ(grant, ...) authorize_case(&(struct az){__VA_ARGS__}, (grant))

#define EMAIL_RE "user_regex=([a-z]+)@example\\.com"

/* ---- exp ---- */

static void test_az_defaults_claim_grant(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .user = "alice"), OI_OK);
    assert_int_equal(g, OI_GRANT_CLAIM);
}

static void test_az_exp_missing(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .no_exp = true), OI_EXPIRED);
}

static void test_az_exp_at_leeway_edge(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .exp = NOW - 30), OI_EXPIRED);
}

static void test_az_exp_inside_leeway(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .exp = NOW - 29), OI_OK);
}

/* ---- max_token_age ---- */

static void test_az_age_no_iat(void **state)
{
    enum oi_grant g;
    /* whatever the iat field holds, it was not in the answer */
    assert_int_equal(AZ(&g, .args = OPTS("max_token_age=300"), .iat = NOW), OI_TOKEN_AGE);
}

static void test_az_age_too_old(void **state)
{
    /* 300 s + 30 s leeway */
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("max_token_age=300"), .has_iat = true, .iat = NOW - 331), OI_TOKEN_AGE);
}

static void test_az_age_at_limit_ok(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("max_token_age=300"), .has_iat = true, .iat = NOW - 330), OI_OK);
}

static void test_az_age_fresh_ok(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("max_token_age=300"), .has_iat = true, .iat = NOW), OI_OK);
}

static void test_az_age_leeway_zero(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("max_token_age=300", "leeway=0"), .has_iat = true, .iat = NOW - 301),
                     OI_TOKEN_AGE);
}

static void test_az_age_unset_old_iat_ok(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .has_iat = true, .iat = NOW - 10000000), OI_OK);
}

static void test_az_expired_before_age(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("max_token_age=300"), .no_exp = true), OI_EXPIRED);
}

static void test_az_age_before_client(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("max_token_age=300"), .client = "web"), OI_TOKEN_AGE);
}

/* ---- client ---- */

static void test_az_client_not_allowed(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .client = "web"), OI_CLIENT);
}

static void test_az_client_missing(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .no_client = true), OI_CLIENT);
}

static void test_az_client_star_missing_ok(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("allowed_clients=*"), .no_client = true), OI_OK);
}

static void test_az_client_before_scope(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=ssh"), .client = "web"), OI_CLIENT);
}

/* ---- required_scopes ---- */

static void test_az_required_template_ok(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=ssh,login:%u"), .scope = "openid login:alice ssh"), OI_OK);
}

static void test_az_required_template_other_user(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=ssh,login:%u"), .scope = "ssh login:bob"), OI_SCOPE);
}

static void test_az_required_service_template(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=pam:%s"), .service = "sudo", .scope = "pam:sudo"), OI_OK);
}

static void test_az_required_service_template_other(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=pam:%s"), .service = "sudo", .scope = "pam:sshd"), OI_SCOPE);
}

/* ---- any_scopes ---- */

static void test_az_any_one_granted(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=sudo,admin"), .scope = "openid admin"), OI_OK);
}

static void test_az_any_none_granted(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=sudo,admin"), .scope = "openid ssh"), OI_SCOPE);
}

static void test_az_any_no_scope_claim(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=sudo,admin")), OI_SCOPE);
}

static void test_az_any_exact_words(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=sudo,admin"), .scope = "sudoers admins xsudo sudo:x"), OI_SCOPE);
}

static void test_az_any_service_template(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=pam:%s,admin"), .service = "sudo", .scope = "pam:sudo"), OI_OK);
}

static void test_az_any_service_template_other(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=pam:%s"), .service = "sudo", .scope = "pam:sshd"), OI_SCOPE);
}

static void test_az_any_user_template(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=login:%u,admin"), .scope = "login:alice"), OI_OK);
}

static void test_az_any_user_template_other(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=login:%u"), .scope = "login:bob"), OI_SCOPE);
}

static void test_az_any_and_required_ok(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=ssh", "any_scopes=a,b"), .scope = "b ssh"), OI_OK);
}

static void test_az_any_and_required_required_missing(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=ssh", "any_scopes=a,b"), .scope = "a b"), OI_SCOPE);
}

static void test_az_any_and_required_any_missing(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("required_scopes=ssh", "any_scopes=a,b"), .scope = "ssh"), OI_SCOPE);
}

static void test_az_scope_before_mapping(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("any_scopes=sudo"), .claim = "bob"), OI_SCOPE);
}

/* ---- mapping: the claim itself ---- */

static void test_az_claim_mismatch(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .claim = "bob"), OI_USER_MISMATCH);
}

/* ---- mapping: user_regex ---- */

static void test_az_regex_grants(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "alice@example.com"), OI_OK);
    assert_int_equal(g, OI_GRANT_REGEX);
}

static void test_az_regex_whole_claim_suffix(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "alice@example.com.evil.org"), OI_USER_MISMATCH);
}

static void test_az_regex_whole_claim_prefix(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "evil.alice@example.com"), OI_USER_MISMATCH);
}

static void test_az_regex_group_other_user(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "alice@example.com", .user = "bob"), OI_USER_MISMATCH);
}

static void test_az_regex_group_not_whole_match(void **state)
{
    /* with a group, the group is the account: the whole claim is not */
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "alice@example.com", .user = "alice@example.com"),
                     OI_USER_MISMATCH);
}

static void test_az_regex_no_group(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("user_regex=svc-[a-z]+"), .claim = "svc-deploy", .user = "svc-deploy"), OI_OK);
    assert_int_equal(g, OI_GRANT_REGEX);
}

static void test_az_regex_no_group_whole_claim(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("user_regex=svc-[a-z]+"), .claim = "svc-deploy1", .user = "svc-deploy1"),
                     OI_USER_MISMATCH);
}

static void test_az_regex_unset_group_not_whole_match(void **state)
{
    /* the regex has a group: when it took no part in the match there is no account, and the
     * whole match must not stand in for it */
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("user_regex=([a-z]+)@example\\.com|svc-[a-z]+"), .claim = "svc-deploy",
                        .user = "svc-deploy"),
                     OI_USER_MISMATCH);
}

static void test_az_regex_replaces_claim_equality(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "alice"), OI_USER_MISMATCH);
}

/* ---- mapping: user_map ---- */

static void test_az_map_refuses_claim_equality(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "bob@example.com bob\n", .claim = "alice"), OI_USER_MISMATCH);
}

static void test_az_map_literal_grant(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "alice@example.com alice\n", .claim = "alice@example.com"), OI_OK);
    assert_int_equal(g, OI_GRANT_MAP_LITERAL);
}

static void test_az_map_glob_grant(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "*@example.com alice\n", .claim = "alice@example.com"), OI_OK);
    assert_int_equal(g, OI_GRANT_MAP);
}

static void test_az_map_account_glob_grant(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "*@example.com dev-*\n", .claim = "carol@example.com", .user = "dev-web"), OI_OK);
    assert_int_equal(g, OI_GRANT_MAP);
}

static void test_az_map_literal_before_earlier_glob(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "*@example.com alice\nalice@example.com alice\n", .claim = "alice@example.com"),
                     OI_OK);
    assert_int_equal(g, OI_GRANT_MAP_LITERAL);
}

static void test_az_map_no_line(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "*@example.com alice\n", .claim = "alice@example.org"), OI_USER_MISMATCH);
}

static void test_az_map_literal_scope_missing(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "alice@example.com root scope=sudo\n", .claim = "alice@example.com", .user = "root",
                        .scope = "openid"),
                     OI_SCOPE);
}

static void test_az_map_glob_scope_missing(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "*@example.com alice scope=ssh\n", .claim = "alice@example.com", .scope = "openid"),
                     OI_SCOPE);
}

static void test_az_map_scope_granted(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "alice@example.com root scope=sudo\n", .claim = "alice@example.com", .user = "root",
                        .scope = "openid sudo"),
                     OI_OK);
    assert_int_equal(g, OI_GRANT_MAP_LITERAL);
}

static void test_az_map_service_not_listed(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "alice@example.com root service=sudo\n", .claim = "alice@example.com",
                        .user = "root", .service = "sshd"),
                     OI_USER_MISMATCH);
}

static void test_az_map_service_listed(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "alice@example.com root service=sudo\n", .claim = "alice@example.com",
                        .user = "root", .service = "sudo"),
                     OI_OK);
}

static void test_az_map_client_not_listed(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("allowed_clients=cli,ci"), .map = "deploy@ci deploy client=ci\n",
                        .claim = "deploy@ci", .user = "deploy", .client = "cli"),
                     OI_USER_MISMATCH);
}

static void test_az_map_client_listed(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("allowed_clients=cli,ci"), .map = "deploy@ci deploy client=ci\n",
                        .claim = "deploy@ci", .user = "deploy", .client = "ci"),
                     OI_OK);
}

static void test_az_map_client_not_allowed_by_config(void **state)
{
    /* a map line's client= narrows allowed_clients, it never widens it */
    enum oi_grant g;
    assert_int_equal(
        AZ(&g, .map = "deploy@ci deploy client=ci\n", .claim = "deploy@ci", .user = "deploy", .client = "ci"),
        OI_CLIENT);
}

/* ---- mapping: user_regex and user_map together ---- */

#define PARTNER_MAP "bob@partner.org bob\n*@partner.org guest scope=guest\n"

static void test_az_regex_and_map_regex_grants(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .map = PARTNER_MAP, .claim = "alice@example.com"), OI_OK);
    assert_int_equal(g, OI_GRANT_REGEX);
}

static void test_az_regex_and_map_literal_grants(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .map = PARTNER_MAP, .claim = "bob@partner.org", .user = "bob"),
                     OI_OK);
    assert_int_equal(g, OI_GRANT_MAP_LITERAL);
}

static void test_az_regex_and_map_literal_first(void **state)
{
    /* both would grant: the literal line is the stronger grant and is tried first */
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .map = "alice@example.com alice\n", .claim = "alice@example.com"),
                     OI_OK);
    assert_int_equal(g, OI_GRANT_MAP_LITERAL);
}

static void test_az_regex_and_map_glob_grants(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .map = PARTNER_MAP, .claim = "carol@partner.org", .user = "guest",
                        .scope = "guest"),
                     OI_OK);
    assert_int_equal(g, OI_GRANT_MAP);
}

static void test_az_regex_and_map_scope(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .map = PARTNER_MAP, .claim = "carol@partner.org", .user = "guest"),
                     OI_SCOPE);
}

static void test_az_regex_and_map_neither(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .map = PARTNER_MAP, .claim = "carol@other.org", .user = "carol"),
                     OI_USER_MISMATCH);
}

static void test_az_regex_and_map_no_claim_equality(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .map = PARTNER_MAP, .claim = "alice"), OI_USER_MISMATCH);
}

/* ---- the floor: root and system accounts only through a literal map line ---- */

static void test_floor_glob_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "* root\n", .claim = "alice@example.com", .user = "root", .account = true),
                     OI_ROOT_DENIED);
    assert_int_equal(g, OI_GRANT_MAP);
}

static void test_floor_domain_glob_daemon(void **state)
{
    enum oi_grant g;
    assert_int_equal(
        AZ(&g, .map = "*@example.com daemon\n", .claim = "alice@example.com", .user = "daemon", .account = true),
        OI_SYSTEM_ACCOUNT);
}

static void test_floor_account_glob_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(
        AZ(&g, .map = "alice@example.com roo?\n", .claim = "alice@example.com", .user = "root", .account = true),
        OI_ROOT_DENIED);
}

static void test_floor_literal_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(
        AZ(&g, .map = "alice@example.com root\n", .claim = "alice@example.com", .user = "root", .account = true),
        OI_OK);
    assert_int_equal(g, OI_GRANT_MAP_LITERAL);
}

static void test_floor_literal_root_after_glob(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .map = "* root\nalice@example.com root\n", .claim = "alice@example.com", .user = "root",
                        .account = true),
                     OI_OK);
}

static void test_floor_literal_daemon(void **state)
{
    enum oi_grant g;
    assert_int_equal(
        AZ(&g, .map = "alice@example.com daemon\n", .claim = "alice@example.com", .user = "daemon", .account = true),
        OI_OK);
}

static void test_floor_claim_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .claim = "root", .user = "root", .account = true), OI_ROOT_DENIED);
    assert_int_equal(g, OI_GRANT_CLAIM);
}

static void test_floor_claim_daemon(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .claim = "daemon", .user = "daemon", .account = true), OI_SYSTEM_ACCOUNT);
}

static void test_floor_claim_nobody_ok(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .claim = "nobody", .user = "nobody", .account = true), OI_OK);
}

static void test_floor_min_uid_zero_claim_daemon(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("min_uid=0"), .claim = "daemon", .user = "daemon", .account = true), OI_OK);
}

static void test_floor_min_uid_zero_claim_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("min_uid=0"), .claim = "root", .user = "root", .account = true),
                     OI_ROOT_DENIED);
}

static void test_floor_min_uid_zero_glob_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("min_uid=0"), .map = "* root\n", .claim = "alice@example.com", .user = "root",
                        .account = true),
                     OI_ROOT_DENIED);
}

static void test_floor_min_uid_zero_literal_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("min_uid=0"), .map = "alice@example.com root\n", .claim = "alice@example.com",
                        .user = "root", .account = true),
                     OI_OK);
}

static void test_floor_min_uid_above_nobody(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS("min_uid=65535"), .claim = "nobody", .user = "nobody", .account = true),
                     OI_SYSTEM_ACCOUNT);
}

static void test_floor_regex_root(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "root@example.com", .user = "root", .account = true),
                     OI_ROOT_DENIED);
    assert_int_equal(g, OI_GRANT_REGEX);
}

static void test_floor_regex_daemon(void **state)
{
    enum oi_grant g;
    assert_int_equal(AZ(&g, .args = OPTS(EMAIL_RE), .claim = "daemon@example.com", .user = "daemon", .account = true),
                     OI_SYSTEM_ACCOUNT);
}

/* ---- oi_check_account with grants ---- */

static void test_account_literal_root_ok(void **state)
{
    assert_int_equal(oi_check_account("root", 1000, OI_GRANT_MAP_LITERAL), OI_OK);
}

static void test_account_map_glob_root_denied(void **state)
{
    assert_int_equal(oi_check_account("root", 1000, OI_GRANT_MAP), OI_ROOT_DENIED);
}

static void test_account_regex_root_denied(void **state)
{
    assert_int_equal(oi_check_account("root", 0, OI_GRANT_REGEX), OI_ROOT_DENIED);
}

static void test_account_literal_daemon_ok(void **state)
{
    assert_int_equal(oi_check_account("daemon", 1000, OI_GRANT_MAP_LITERAL), OI_OK);
}

static void test_account_map_glob_daemon(void **state)
{
    assert_int_equal(oi_check_account("daemon", 1000, OI_GRANT_MAP), OI_SYSTEM_ACCOUNT);
}

static void test_account_min_uid_equal_ok(void **state)
{
    /* daemon is uid 1: not below min_uid=1 */
    assert_int_equal(oi_check_account("daemon", 1, OI_GRANT_CLAIM), OI_OK);
}

static void test_account_min_uid_one_above(void **state)
{
    assert_int_equal(oi_check_account("daemon", 2, OI_GRANT_CLAIM), OI_SYSTEM_ACCOUNT);
}

static void test_account_literal_unknown(void **state)
{
    assert_int_equal(oi_check_account("oi-unit-no-such-user-7f3a9c", 1000, OI_GRANT_MAP_LITERAL), OI_USER_UNKNOWN);
}

/* ---- the new options ---- */

static void test_cfg_user_regex_bad(void **state)
{
    expect_cfg_refused("user_regex=([a-z]+@example\\.com", "user_regex");
}

static void test_cfg_user_regex_compiled(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS(EMAIL_RE), &cfg);
    bool compiled = cfg.user_re_compiled;
    bool kept = cfg.user_regex != NULL && strcmp(cfg.user_regex, "([a-z]+)@example\\.com") == 0;
    oi_config_free(&cfg);
    assert_true(compiled);
    assert_true(kept);
}

static void test_cfg_user_regex_unset(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("leeway=30"), &cfg);
    bool unset = cfg.user_regex == NULL && !cfg.user_re_compiled;
    oi_config_free(&cfg);
    assert_true(unset);
}

static void test_cfg_any_scopes_list(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("any_scopes=sudo,pam:%s"), &cfg);
    size_t n = cfg.any_scopes.n;
    bool second = n == 2 && strcmp(cfg.any_scopes.items[1], "pam:%s") == 0;
    oi_config_free(&cfg);
    assert_int_equal(n, 2);
    assert_true(second);
}

static void test_cfg_any_scopes_bad_escape(void **state)
{
    expect_cfg_refused("any_scopes=sudo,pam:%q", "any_scopes");
}

static void test_cfg_any_scopes_quote(void **state)
{
    expect_cfg_refused("any_scopes=su\"do", "any_scopes");
}

static void test_cfg_any_scopes_empty_item(void **state)
{
    expect_cfg_refused("any_scopes=sudo,,admin", "any_scopes");
}

static void test_cfg_min_uid_default(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("leeway=30"), &cfg);
    long v = cfg.min_uid;
    oi_config_free(&cfg);
    assert_int_equal(v, 1000);
}

static void test_cfg_min_uid_zero(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("min_uid=0"), &cfg);
    long v = cfg.min_uid;
    oi_config_free(&cfg);
    assert_int_equal(v, 0);
}

static void test_cfg_min_uid_max(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("min_uid=2147483647"), &cfg);
    long v = cfg.min_uid;
    oi_config_free(&cfg);
    assert_int_equal(v, 2147483647);
}

static void test_cfg_min_uid_negative(void **state)
{
    expect_cfg_refused("min_uid=-1", "min_uid");
}

static void test_cfg_min_uid_too_big(void **state)
{
    expect_cfg_refused("min_uid=2147483648", "min_uid");
}

static void test_cfg_max_token_age_default_off(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("leeway=30"), &cfg);
    long v = cfg.max_token_age;
    oi_config_free(&cfg);
    assert_int_equal(v, 0);
}

static void test_cfg_max_token_age_range_ends(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("max_token_age=1"), &cfg);
    long lo = cfg.max_token_age;
    oi_config_free(&cfg);
    load_ok(OPTS("max_token_age=315360000"), &cfg);
    long hi = cfg.max_token_age;
    oi_config_free(&cfg);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 315360000);
}

static void test_cfg_max_token_age_zero(void **state)
{
    expect_cfg_refused("max_token_age=0", "max_token_age");
}

static void test_cfg_max_token_age_too_big(void **state)
{
    expect_cfg_refused("max_token_age=315360001", "max_token_age");
}

static void test_cfg_export_env_default_on(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("leeway=30"), &cfg);
    bool v = cfg.export_env;
    oi_config_free(&cfg);
    assert_true(v);
}

static void test_cfg_export_env_off(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("export_env=no"), &cfg);
    bool v = cfg.export_env;
    oi_config_free(&cfg);
    assert_false(v);
}

static void test_cfg_export_env_bad(void **state)
{
    expect_cfg_refused("export_env=maybe", "export_env");
}

static void test_cfg_user_map_kept(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("user_map=/etc/security/oauth2_users"), &cfg);
    bool kept = cfg.user_map != NULL && strcmp(cfg.user_map, "/etc/security/oauth2_users") == 0;
    oi_config_free(&cfg);
    assert_true(kept);
}

/* ---- oi_policy_check and oi_facts_from_info with a map ---- */

#define EMAIL_ANSWER \
    WITH_SUB(",\"sub\":\"5f0c6a1e\",\"email\":\"alice@example.com\",\"scope\":\"openid ssh\",\"iat\":1700000000")

static enum oi_reason check_answer(const char *json, const char *map_text, struct oi_facts *facts, enum oi_grant *grant)
{
    struct oi_config cfg;
    load_ok(OPTS("user_claim=email"), &cfg);
    struct oi_usermap map;
    struct oi_config_error err;
    if (oi_usermap_parse(&map, "/etc/map", map_text, strlen(map_text), &err) != 0) {
        oi_config_free(&cfg);
        fail_msg("map refused: %s: %s", err.where, err.what);
    }
    struct oi_token_info info;
    char why[200];
    enum oi_reason r = oi_parse_answer(json, strlen(json), &info, why, sizeof(why));
    if (r == OI_OK) {
        struct oi_subject subj = {"alice", "sshd", "bastion", NULL, NULL};
        r = oi_policy_check(&cfg, &map, &info, &subj, NOW, facts, grant);
    }
    oi_token_info_free(&info);
    oi_usermap_free(&map);
    oi_config_free(&cfg);
    return r;
}

static void test_policy_map_facts_kept(void **state)
{
    struct oi_facts f;
    enum oi_grant g = OI_GRANT_NONE;
    assert_int_equal(check_answer(EMAIL_ANSWER, "alice@example.com alice\n", &f, &g), OI_OK);
    assert_int_equal(g, OI_GRANT_MAP_LITERAL);
    assert_string_equal(f.claim, "alice@example.com");
    assert_string_equal(f.client_id, "cli");
    assert_string_equal(f.scope, "openid ssh");
    assert_true(f.has_exp);
    assert_true(f.exp == INT64_C(1700003600));
    assert_true(f.has_iat);
    assert_true(f.iat == NOW);
    oi_facts_free(&f);
}

static void test_policy_map_refusal_clears_facts(void **state)
{
    struct oi_facts f;
    enum oi_grant g = OI_GRANT_NONE;
    assert_int_equal(check_answer(EMAIL_ANSWER, "bob@example.com alice\n", &f, &g), OI_USER_MISMATCH);
    assert_null(f.claim);
    assert_null(f.client_id);
    assert_null(f.scope);
}

static void test_policy_map_not_sub(void **state)
{
    /* with user_claim=email the map is matched against the e-mail, never the sub */
    struct oi_facts f;
    enum oi_grant g = OI_GRANT_NONE;
    assert_int_equal(check_answer(EMAIL_ANSWER, "5f0c6a1e alice\n", &f, &g), OI_USER_MISMATCH);
}

static void test_facts_absent_fields_null(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("leeway=30"), &cfg);
    static const char json[] = "{\"active\":true,\"sub\":\"alice\"}";
    struct oi_token_info info;
    char why[200];
    struct oi_facts f;
    enum oi_reason r = oi_parse_answer(json, strlen(json), &info, why, sizeof(why));
    if (r == OI_OK)
        r = oi_facts_from_info(&cfg, &info, &f);
    oi_token_info_free(&info);
    oi_config_free(&cfg);
    assert_int_equal(r, OI_OK);
    assert_string_equal(f.claim, "alice");
    assert_null(f.client_id);
    assert_null(f.scope);
    assert_false(f.has_exp);
    assert_false(f.has_iat);
    oi_facts_free(&f);
}

static void test_facts_claim_with_nul(void **state)
{
    struct oi_config cfg;
    load_ok(OPTS("leeway=30"), &cfg);
    static const char json[] = "{\"active\":true,\"sub\":\"alice\\u0000root\"}";
    struct oi_token_info info;
    char why[200];
    struct oi_facts f;
    enum oi_reason r = oi_parse_answer(json, strlen(json), &info, why, sizeof(why));
    if (r == OI_OK)
        r = oi_facts_from_info(&cfg, &info, &f);
    oi_token_info_free(&info);
    oi_config_free(&cfg);
    assert_int_equal(r, OI_USER_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_token_ok),
        cmocka_unit_test(test_inactive),
        cmocka_unit_test(test_token_use_missing_hydra),
        cmocka_unit_test(test_token_use_missing_hydra_v1),
        cmocka_unit_test(test_token_use_missing_rfc7662_ok),
        cmocka_unit_test(test_token_use_refresh_hydra),
        cmocka_unit_test(test_token_use_refresh_rfc7662),
        cmocka_unit_test(test_token_use_prefix_is_not_access),
        cmocka_unit_test(test_exp_missing_expired),
        cmocka_unit_test(test_exp_past_beyond_leeway_expired),
        cmocka_unit_test(test_exp_at_leeway_edge_expired),
        cmocka_unit_test(test_exp_just_inside_leeway_ok),
        cmocka_unit_test(test_exp_long_ago_expired),
        cmocka_unit_test(test_leeway_zero_exp_now_expired),
        cmocka_unit_test(test_leeway_zero_exp_next_second_ok),
        cmocka_unit_test(test_leeway_configured_used),
        cmocka_unit_test(test_nbf_future_beyond_leeway),
        cmocka_unit_test(test_nbf_within_leeway_ok),
        cmocka_unit_test(test_iat_future_beyond_leeway),
        cmocka_unit_test(test_iat_within_leeway_ok),
        cmocka_unit_test(test_nbf_past_ok),
        cmocka_unit_test(test_issuer_equal),
        cmocka_unit_test(test_issuer_token_trailing_slash),
        cmocka_unit_test(test_issuer_config_trailing_slash),
        cmocka_unit_test(test_issuer_both_trailing_slash),
        cmocka_unit_test(test_issuer_two_slashes_token),
        cmocka_unit_test(test_issuer_two_slashes_config),
        cmocka_unit_test(test_issuer_different),
        cmocka_unit_test(test_issuer_longer),
        cmocka_unit_test(test_issuer_shorter),
        cmocka_unit_test(test_issuer_missing),
        cmocka_unit_test(test_issuer_not_configured_any_ok),
        cmocka_unit_test(test_audience_string_match),
        cmocka_unit_test(test_audience_array_match),
        cmocka_unit_test(test_audience_string_no_match),
        cmocka_unit_test(test_audience_array_no_match),
        cmocka_unit_test(test_audience_empty_array),
        cmocka_unit_test(test_audience_missing),
        cmocka_unit_test(test_audience_embedded_nul),
        cmocka_unit_test(test_audience_not_configured_any_ok),
        cmocka_unit_test(test_client_in_list),
        cmocka_unit_test(test_client_not_in_list),
        cmocka_unit_test(test_client_prefix_not_in_list),
        cmocka_unit_test(test_client_missing),
        cmocka_unit_test(test_client_embedded_nul),
        cmocka_unit_test(test_client_star_any),
        cmocka_unit_test(test_client_star_missing_client_id),
        cmocka_unit_test(test_client_literal_star_not_wildcard),
        cmocka_unit_test(test_scopes_all_present),
        cmocka_unit_test(test_scopes_one_missing),
        cmocka_unit_test(test_scope_not_prefix_match),
        cmocka_unit_test(test_scope_not_substring_of_required),
        cmocka_unit_test(test_scope_case_sensitive),
        cmocka_unit_test(test_scope_claim_missing),
        cmocka_unit_test(test_scope_claim_empty),
        cmocka_unit_test(test_no_required_scopes_ok),
        cmocka_unit_test(test_null_required_scopes_ok),
        cmocka_unit_test(test_user_sub_equal),
        cmocka_unit_test(test_user_sub_different),
        cmocka_unit_test(test_user_sub_longer),
        cmocka_unit_test(test_user_sub_shorter),
        cmocka_unit_test(test_user_sub_embedded_nul),
        cmocka_unit_test(test_user_sub_case),
        cmocka_unit_test(test_user_sub_missing),
        cmocka_unit_test(test_user_empty_user_empty_sub),
        cmocka_unit_test(test_user_claim_ext_path),
        cmocka_unit_test(test_user_claim_ext_path_different),
        cmocka_unit_test(test_user_claim_sub_ignored_when_path_set),
        cmocka_unit_test(test_user_claim_not_string),
        cmocka_unit_test(test_user_claim_array),
        cmocka_unit_test(test_user_claim_ext_missing),
        cmocka_unit_test(test_user_claim_username),
        cmocka_unit_test(test_inactive_before_everything),
        cmocka_unit_test(test_expired_before_user),
        cmocka_unit_test(test_expand_user),
        cmocka_unit_test(test_expand_service),
        cmocka_unit_test(test_expand_host),
        cmocka_unit_test(test_expand_percent),
        cmocka_unit_test(test_expand_several_joined),
        cmocka_unit_test(test_expand_plain),
        cmocka_unit_test(test_expand_none),
        cmocka_unit_test(test_expand_space_in_user),
        cmocka_unit_test(test_expand_quote_in_user),
        cmocka_unit_test(test_expand_backslash_in_user),
        cmocka_unit_test(test_expand_control_in_user),
        cmocka_unit_test(test_expand_non_ascii_in_user),
        cmocka_unit_test(test_expand_empty),
        cmocka_unit_test(test_expand_empty_host),
        cmocka_unit_test(test_expand_null_host),
        cmocka_unit_test(test_expand_bad_second_template),
        cmocka_unit_test(test_expand_long_user_not_truncated),
        cmocka_unit_test(test_account_root_denied),
        cmocka_unit_test(test_account_unknown),
        cmocka_unit_test(test_account_empty_unknown),
        cmocka_unit_test(test_account_nobody_ok),
        cmocka_unit_test(test_account_lookup_error),
        cmocka_unit_test(test_account_other_spelling_refused),
        cmocka_unit_test(test_account_not_found_error_is_unknown),
        cmocka_unit_test(test_account_endless_erange_bounded),
        cmocka_unit_test(test_az_defaults_claim_grant),
        cmocka_unit_test(test_az_exp_missing),
        cmocka_unit_test(test_az_exp_at_leeway_edge),
        cmocka_unit_test(test_az_exp_inside_leeway),
        cmocka_unit_test(test_az_age_no_iat),
        cmocka_unit_test(test_az_age_too_old),
        cmocka_unit_test(test_az_age_at_limit_ok),
        cmocka_unit_test(test_az_age_fresh_ok),
        cmocka_unit_test(test_az_age_leeway_zero),
        cmocka_unit_test(test_az_age_unset_old_iat_ok),
        cmocka_unit_test(test_az_expired_before_age),
        cmocka_unit_test(test_az_age_before_client),
        cmocka_unit_test(test_az_client_not_allowed),
        cmocka_unit_test(test_az_client_missing),
        cmocka_unit_test(test_az_client_star_missing_ok),
        cmocka_unit_test(test_az_client_before_scope),
        cmocka_unit_test(test_az_required_template_ok),
        cmocka_unit_test(test_az_required_template_other_user),
        cmocka_unit_test(test_az_required_service_template),
        cmocka_unit_test(test_az_required_service_template_other),
        cmocka_unit_test(test_az_any_one_granted),
        cmocka_unit_test(test_az_any_none_granted),
        cmocka_unit_test(test_az_any_no_scope_claim),
        cmocka_unit_test(test_az_any_exact_words),
        cmocka_unit_test(test_az_any_service_template),
        cmocka_unit_test(test_az_any_service_template_other),
        cmocka_unit_test(test_az_any_user_template),
        cmocka_unit_test(test_az_any_user_template_other),
        cmocka_unit_test(test_az_any_and_required_ok),
        cmocka_unit_test(test_az_any_and_required_required_missing),
        cmocka_unit_test(test_az_any_and_required_any_missing),
        cmocka_unit_test(test_az_scope_before_mapping),
        cmocka_unit_test(test_az_claim_mismatch),
        cmocka_unit_test(test_az_regex_grants),
        cmocka_unit_test(test_az_regex_whole_claim_suffix),
        cmocka_unit_test(test_az_regex_whole_claim_prefix),
        cmocka_unit_test(test_az_regex_group_other_user),
        cmocka_unit_test(test_az_regex_group_not_whole_match),
        cmocka_unit_test(test_az_regex_no_group),
        cmocka_unit_test(test_az_regex_no_group_whole_claim),
        cmocka_unit_test(test_az_regex_unset_group_not_whole_match),
        cmocka_unit_test(test_az_regex_replaces_claim_equality),
        cmocka_unit_test(test_az_map_refuses_claim_equality),
        cmocka_unit_test(test_az_map_literal_grant),
        cmocka_unit_test(test_az_map_glob_grant),
        cmocka_unit_test(test_az_map_account_glob_grant),
        cmocka_unit_test(test_az_map_literal_before_earlier_glob),
        cmocka_unit_test(test_az_map_no_line),
        cmocka_unit_test(test_az_map_literal_scope_missing),
        cmocka_unit_test(test_az_map_glob_scope_missing),
        cmocka_unit_test(test_az_map_scope_granted),
        cmocka_unit_test(test_az_map_service_not_listed),
        cmocka_unit_test(test_az_map_service_listed),
        cmocka_unit_test(test_az_map_client_not_listed),
        cmocka_unit_test(test_az_map_client_listed),
        cmocka_unit_test(test_az_map_client_not_allowed_by_config),
        cmocka_unit_test(test_az_regex_and_map_regex_grants),
        cmocka_unit_test(test_az_regex_and_map_literal_grants),
        cmocka_unit_test(test_az_regex_and_map_literal_first),
        cmocka_unit_test(test_az_regex_and_map_glob_grants),
        cmocka_unit_test(test_az_regex_and_map_scope),
        cmocka_unit_test(test_az_regex_and_map_neither),
        cmocka_unit_test(test_az_regex_and_map_no_claim_equality),
        cmocka_unit_test(test_floor_glob_root),
        cmocka_unit_test(test_floor_domain_glob_daemon),
        cmocka_unit_test(test_floor_account_glob_root),
        cmocka_unit_test(test_floor_literal_root),
        cmocka_unit_test(test_floor_literal_root_after_glob),
        cmocka_unit_test(test_floor_literal_daemon),
        cmocka_unit_test(test_floor_claim_root),
        cmocka_unit_test(test_floor_claim_daemon),
        cmocka_unit_test(test_floor_claim_nobody_ok),
        cmocka_unit_test(test_floor_min_uid_zero_claim_daemon),
        cmocka_unit_test(test_floor_min_uid_zero_claim_root),
        cmocka_unit_test(test_floor_min_uid_zero_glob_root),
        cmocka_unit_test(test_floor_min_uid_zero_literal_root),
        cmocka_unit_test(test_floor_min_uid_above_nobody),
        cmocka_unit_test(test_floor_regex_root),
        cmocka_unit_test(test_floor_regex_daemon),
        cmocka_unit_test(test_account_literal_root_ok),
        cmocka_unit_test(test_account_map_glob_root_denied),
        cmocka_unit_test(test_account_regex_root_denied),
        cmocka_unit_test(test_account_literal_daemon_ok),
        cmocka_unit_test(test_account_map_glob_daemon),
        cmocka_unit_test(test_account_min_uid_equal_ok),
        cmocka_unit_test(test_account_min_uid_one_above),
        cmocka_unit_test(test_account_literal_unknown),
        cmocka_unit_test(test_cfg_user_regex_bad),
        cmocka_unit_test(test_cfg_user_regex_compiled),
        cmocka_unit_test(test_cfg_user_regex_unset),
        cmocka_unit_test(test_cfg_any_scopes_list),
        cmocka_unit_test(test_cfg_any_scopes_bad_escape),
        cmocka_unit_test(test_cfg_any_scopes_quote),
        cmocka_unit_test(test_cfg_any_scopes_empty_item),
        cmocka_unit_test(test_cfg_min_uid_default),
        cmocka_unit_test(test_cfg_min_uid_zero),
        cmocka_unit_test(test_cfg_min_uid_max),
        cmocka_unit_test(test_cfg_min_uid_negative),
        cmocka_unit_test(test_cfg_min_uid_too_big),
        cmocka_unit_test(test_cfg_max_token_age_default_off),
        cmocka_unit_test(test_cfg_max_token_age_range_ends),
        cmocka_unit_test(test_cfg_max_token_age_zero),
        cmocka_unit_test(test_cfg_max_token_age_too_big),
        cmocka_unit_test(test_cfg_export_env_default_on),
        cmocka_unit_test(test_cfg_export_env_off),
        cmocka_unit_test(test_cfg_export_env_bad),
        cmocka_unit_test(test_cfg_user_map_kept),
        cmocka_unit_test(test_policy_map_facts_kept),
        cmocka_unit_test(test_policy_map_refusal_clears_facts),
        cmocka_unit_test(test_policy_map_not_sub),
        cmocka_unit_test(test_facts_absent_fields_null),
        cmocka_unit_test(test_facts_claim_with_nul),
    };
    return cmocka_run_group_tests_name("unit_policy", tests, unit_group_setup, unit_group_teardown);
}
