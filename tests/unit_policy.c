/* Unit tests: policy.c, the decision on a parsed introspection answer. */
#include <config.h>

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

#include "cfg.h"
#include "introspect.h"
#include "policy.h"
#include "reason.h"

#define NOW INT64_C(1700000000)

static char tmpdir[PATH_MAX];
static char empty_conf[PATH_MAX + 16];
static char conf_arg[PATH_MAX + 32];

static int group_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] != '/')
        base = "/tmp";
    snprintf(tmpdir, sizeof(tmpdir), "%s/oi-unit-policy-XXXXXX", base);
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(empty_conf, sizeof(empty_conf), "%s/empty.conf", tmpdir);
    int fd = open(empty_conf, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(conf_arg, sizeof(conf_arg), "conf=%s", empty_conf);
    return 0;
}

static int group_teardown(void **state)
{
    unlink(empty_conf);
    rmdir(tmpdir);
    return 0;
}

/* Decide at NOW on the answer `json` for `user`, with the configuration conf=<empty> + args
 * + (unless args give them) admin_url=https://hydra.example and allowed_clients=cli. */
static enum oi_reason decide_for(const char *const *args, const char *user, const char *scopes,
                                 const char *json)
{
    const char *argv[24];
    int argc = 0;
    bool has_endpoint = false, has_clients = false;
    argv[argc++] = conf_arg;
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
    struct oi_subject subj = {user, "sshd", "bastion"};
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
    assert_int_equal(DECIDE_DEFAULT(WITH_TIMES("\"exp\":" EXP_OK ",\"nbf\":1600000000,\"iat\":1600000000")),
                     OI_OK);
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
    assert_int_equal(DECIDE(WITH_ISS("https://hydra.example.evil"), "issuer=https://hydra.example"),
                     OI_ISSUER);
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
    assert_int_equal(decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL,
                                EXT_USER("\"alice\"")),
                     OI_OK);
}

static void test_user_claim_ext_path_different(void **state)
{
    assert_int_equal(decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL,
                                EXT_USER("\"bob\"")),
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
    assert_int_equal(decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "1000", NULL,
                                EXT_USER("1000")),
                     OI_USER_MISMATCH);
}

static void test_user_claim_array(void **state)
{
    assert_int_equal(decide_for((const char *const[]){"user_claim=ext.unix_user", NULL}, "alice", NULL,
                                EXT_USER("[\"alice\"]")),
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

static enum oi_reason expand(const char *list, const char *user, const char *service, const char *host,
                             char **out)
{
    struct oi_strlist l = {0};
    if (list[0] != '\0')
        assert_int_equal(oi_strlist_split(&l, list, ','), 0);
    struct oi_subject subj = {user, service, host};
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
    };
    return cmocka_run_group_tests_name("unit_policy", tests, group_setup, group_teardown);
}
