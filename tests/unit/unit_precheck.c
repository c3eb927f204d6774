/* Unit tests: precheck.c, the checks on a typed secret before anything is sent. */
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
#include "unit_common.h"
#include "precheck.h"
#include "reason.h"

#define HYDRA "admin_url=https://hydra.example", "allowed_clients=cli"
#define HYDRA_V1 "flavor=hydra-v1", HYDRA
#define RFC7662 \
    "flavor=rfc7662", "introspect_url=https://op.example/token/introspection", "auth=none", "allowed_clients=cli"

static enum oi_reason check(const char *const *args, const char *token)
{
    struct oi_config cfg;
    unit_config_load(&cfg, args);
    char why[240];
    enum oi_reason r = oi_precheck(&cfg, token, why, sizeof(why));
    oi_config_free(&cfg);
    return r;
}

#define CHECK(token, ...) check((const char *const[]){__VA_ARGS__, NULL}, (token))

/* The explanation a refusal comes with ("" for OI_OK). */
static const char *why_of(const char *const *args, const char *token)
{
    static char why[240];
    struct oi_config cfg;
    unit_config_load(&cfg, args);
    oi_precheck(&cfg, token, why, sizeof(why));
    oi_config_free(&cfg);
    return why;
}

#define WHY(token, ...) why_of((const char *const[]){__VA_ARGS__, NULL}, (token))

/* 43 base64url characters: the length of one part of a Hydra opaque token. */
#define PART43 "Xw7hq2m4K9bRZ0YkVq1sT3uLdN8pFcEa-_JgHiOyWx5"
/* Hydra v2 opaque access token: ory_at_ + 43 + "." + 43 = 94 characters. */
#define HYDRA_AT "ory_at_" PART43 "." PART43
/* Hydra 1.x opaque token: 43 + "." + 43 = 87 characters. */
#define HYDRA_V1_AT PART43 "." PART43
/* A JWT-shaped access token. */
#define JWT "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXBhcnQ"
/* node oidc-provider opaque access token: 43 characters, no dot. */
#define OIDC_OPAQUE "Jq5Z2rM0u8S3kYbXw1LtN6cVa9PdHe4Gf7Ri-_TyUoQ"

/* ---- what a refusal says: the slip, never the secret ---- */

static void test_why_names_each_slip(void **state)
{
    assert_string_equal(WHY(HYDRA_AT, HYDRA), "");
    assert_string_equal(WHY(HYDRA_AT " ", HYDRA), "it ends with a space or tab: remove the trailing blank");
    assert_string_equal(WHY("\t" HYDRA_AT, HYDRA), "it begins with a space or tab: remove the leading blank");
    assert_string_equal(WHY("correct horse battery staple", HYDRA), "it holds a space or tab: a token has none");
    assert_string_equal(WHY(HYDRA_AT "\n", HYDRA), "it holds a control character (a line break?): a token has none");
    assert_string_equal(WHY(HYDRA_AT "\xe2\x80\x99", HYDRA),
                        "it holds a byte outside ASCII (a typographic quote or dash?): a token has none");
    assert_string_equal(WHY("Summer.2024", HYDRA), "it is shorter than min_token_length (22): a password, not a token");
    assert_string_equal(WHY(HYDRA_AT, HYDRA, "max_token_length=64"), "it is longer than max_token_length (64)");
    assert_string_equal(WHY("ory_rt_" PART43 "." PART43, HYDRA),
                        "it is a refresh token or an authorization code (ory_rt_, ory_ac_)");
    assert_string_equal(WHY("hunter2", HYDRA, "token_prefix=ory_at_"), "it does not begin with token_prefix");
    assert_string_equal(WHY(OIDC_OPAQUE, HYDRA),
                        "it is not shaped like a Hydra access token (ory_at_ and two 43-character base64url parts "
                        "joined by '.', or a JWT): for a server other than Hydra set flavor = rfc7662");
    assert_string_equal(WHY(OIDC_OPAQUE, RFC7662), "");
}

static void test_token_lengths_are_real(void **state)
{
    assert_int_equal(strlen(PART43), 43);
    assert_int_equal(strlen(HYDRA_AT), 94);
    assert_int_equal(strlen(HYDRA_V1_AT), 87);
    assert_int_equal(strlen(OIDC_OPAQUE), 43);
}

/* ---- token_prefix ---- */

static void test_prefix_missing_not_token(void **state)
{
    assert_int_equal(CHECK("hunter2", HYDRA, "token_prefix=ory_at_"), OI_NOT_TOKEN);
}

static void test_prefix_present_ok(void **state)
{
    assert_int_equal(CHECK(HYDRA_AT, HYDRA, "token_prefix=ory_at_"), OI_OK);
}

static void test_prefix_checked_before_shape(void **state)
{
    /* a password with a space is not ours: PAM_IGNORE, not a malformed-token denial */
    assert_int_equal(CHECK("correct horse", HYDRA, "token_prefix=ory_at_"), OI_NOT_TOKEN);
}

static void test_prefix_is_case_sensitive(void **state)
{
    assert_int_equal(CHECK("ORY_AT_" PART43 "." PART43, HYDRA, "token_prefix=ory_at_"), OI_NOT_TOKEN);
}

static void test_no_prefix_configured_password_is_malformed(void **state)
{
    assert_int_equal(CHECK("hunter2", HYDRA), OI_MALFORMED);
}

static void test_prefix_refresh_token_not_ours(void **state)
{
    /* with token_prefix=ory_at_ a refresh token is simply not an access token for us */
    assert_int_equal(CHECK("ory_rt_" PART43 "." PART43, HYDRA, "token_prefix=ory_at_"), OI_NOT_TOKEN);
}

/* ---- empty and length ---- */

static void test_empty_malformed(void **state)
{
    assert_int_equal(CHECK("", HYDRA), OI_MALFORMED);
}

static void test_empty_malformed_rfc7662(void **state)
{
    assert_int_equal(CHECK("", RFC7662), OI_MALFORMED);
}

static void test_only_prefix_malformed(void **state)
{
    assert_int_equal(CHECK("ory_at_", HYDRA, "token_prefix=ory_at_"), OI_MALFORMED);
}

/* A two-part Hydra-shaped token of exactly n characters. */
/* A JWT-shaped token of n characters: "eyJ...", three base64url parts. */
static char *hydra_token_of_length(size_t n)
{
    char *t = malloc(n + 1);
    assert_non_null(t);
    memset(t, 'a', n);
    memcpy(t, "eyJ", 3);
    t[n / 3] = '.';
    t[2 * n / 3] = '.';
    t[n] = '\0';
    return t;
}

static void test_default_max_length_accepted(void **state)
{
    char *t = hydra_token_of_length(4096);
    enum oi_reason r = CHECK(t, HYDRA);
    free(t);
    assert_int_equal(r, OI_OK);
}

static void test_default_max_length_plus_one_refused(void **state)
{
    char *t = hydra_token_of_length(4097);
    enum oi_reason r = CHECK(t, HYDRA);
    free(t);
    assert_int_equal(r, OI_MALFORMED);
}

static void test_configured_max_length_accepted(void **state)
{
    assert_int_equal(CHECK("abcdefghijklmnop", RFC7662, "min_token_length=16", "max_token_length=16"), OI_OK);
}

static void test_configured_max_length_plus_one_refused(void **state)
{
    assert_int_equal(CHECK("abcdefghijklmnopq", RFC7662, "min_token_length=16", "max_token_length=16"), OI_MALFORMED);
}

/* ---- characters: rfc7662 has no shape rule, so only the character check can refuse ---- */

static enum oi_reason with_char(char c)
{
    char t[] = "abcdefghij-klmnop_qrstuvwxyz";
    t[5] = c;
    return CHECK(t, RFC7662);
}

static void test_plain_rfc7662_token_ok(void **state)
{
    assert_int_equal(with_char('Z'), OI_OK);
}

static void test_space_malformed(void **state)
{
    assert_int_equal(with_char(' '), OI_MALFORMED);
}

static void test_tab_malformed(void **state)
{
    assert_int_equal(with_char('\t'), OI_MALFORMED);
}

static void test_newline_malformed(void **state)
{
    assert_int_equal(with_char('\n'), OI_MALFORMED);
}

static void test_cr_malformed(void **state)
{
    assert_int_equal(with_char('\r'), OI_MALFORMED);
}

static void test_backspace_malformed(void **state)
{
    assert_int_equal(with_char('\b'), OI_MALFORMED);
}

static void test_del_malformed(void **state)
{
    assert_int_equal(with_char('\x7f'), OI_MALFORMED);
}

static void test_byte_0x80_malformed(void **state)
{
    assert_int_equal(with_char('\x80'), OI_MALFORMED);
}

static void test_byte_0xff_malformed(void **state)
{
    assert_int_equal(with_char('\xff'), OI_MALFORMED);
}

static void test_utf8_malformed(void **state)
{
    assert_int_equal(CHECK("caf\xc3\xa9-token", RFC7662), OI_MALFORMED);
}

static void test_printable_edges_ok(void **state)
{
    /* 0x21 '!' and 0x7e '~' are the edges of the allowed range */
    assert_int_equal(CHECK("!abcdefghijklmnopqrstu~", RFC7662), OI_OK);
}

static void test_sshd_fake_password_malformed(void **state)
{
    assert_int_equal(CHECK("\b\n\r\177INCORRECT", HYDRA), OI_MALFORMED);
}

static void test_sshd_fake_password_malformed_rfc7662(void **state)
{
    assert_int_equal(CHECK("\b\n\r\177INCORRECT", RFC7662), OI_MALFORMED);
}

static void test_sshd_fake_password_with_prefix_not_token(void **state)
{
    assert_int_equal(CHECK("\b\n\r\177INCORRECT", HYDRA, "token_prefix=ory_at_"), OI_NOT_TOKEN);
}

/* ---- refresh tokens and codes ---- */

static void test_refresh_token_not_access(void **state)
{
    assert_int_equal(CHECK("ory_rt_" PART43 "." PART43, HYDRA), OI_NOT_ACCESS_TOKEN);
}

static void test_authorization_code_not_access(void **state)
{
    assert_int_equal(CHECK("ory_ac_" PART43 "." PART43, HYDRA), OI_NOT_ACCESS_TOKEN);
}

static void test_refresh_token_not_access_rfc7662(void **state)
{
    assert_int_equal(CHECK("ory_rt_" PART43 "." PART43, RFC7662), OI_NOT_ACCESS_TOKEN);
}

/* ---- Hydra shapes ---- */

static void test_hydra_v2_opaque_ok(void **state)
{
    assert_int_equal(CHECK(HYDRA_AT, HYDRA), OI_OK);
}

static void test_hydra_v1_opaque_ok(void **state)
{
    assert_int_equal(CHECK(HYDRA_V1_AT, HYDRA_V1), OI_OK);
}

static void test_hydra_v1_opaque_ok_with_hydra(void **state)
{
    assert_int_equal(CHECK(HYDRA_V1_AT, HYDRA), OI_OK);
}

static void test_hydra_jwt_ok(void **state)
{
    assert_int_equal(CHECK(JWT, HYDRA), OI_OK);
}

static void test_hydra_v1_jwt_ok(void **state)
{
    assert_int_equal(CHECK(JWT, HYDRA_V1), OI_OK);
}

static void test_hydra_one_part_malformed(void **state)
{
    assert_int_equal(CHECK(OIDC_OPAQUE, HYDRA), OI_MALFORMED);
}

static void test_hydra_prefixed_one_part_malformed(void **state)
{
    assert_int_equal(CHECK("ory_at_" PART43, HYDRA), OI_MALFORMED);
}

static void test_hydra_v1_one_part_malformed(void **state)
{
    assert_int_equal(CHECK(OIDC_OPAQUE, HYDRA_V1), OI_MALFORMED);
}

static void test_hydra_four_parts_malformed(void **state)
{
    assert_int_equal(CHECK("aaa.bbb.ccc.ddd", HYDRA), OI_MALFORMED);
}

static void test_hydra_empty_middle_part_malformed(void **state)
{
    assert_int_equal(CHECK("aaa..ccc", HYDRA), OI_MALFORMED);
}

static void test_hydra_empty_first_part_malformed(void **state)
{
    assert_int_equal(CHECK(".bbb", HYDRA), OI_MALFORMED);
}

static void test_hydra_empty_last_part_malformed(void **state)
{
    assert_int_equal(CHECK("ory_at_aaa.", HYDRA), OI_MALFORMED);
}

static void test_hydra_plus_malformed(void **state)
{
    assert_int_equal(CHECK("aa+a.bbb", HYDRA), OI_MALFORMED);
}

static void test_hydra_slash_malformed(void **state)
{
    assert_int_equal(CHECK("aaa.b/bb", HYDRA), OI_MALFORMED);
}

static void test_hydra_padding_malformed(void **state)
{
    assert_int_equal(CHECK("aaa.bbb=", HYDRA), OI_MALFORMED);
}

static void test_hydra_v1_non_base64url_malformed(void **state)
{
    assert_int_equal(CHECK("aaa.b~bb", HYDRA_V1), OI_MALFORMED);
}

/* ---- rfc7662: any printable token is sent ---- */

static void test_rfc7662_opaque_no_dot_ok(void **state)
{
    assert_int_equal(CHECK(OIDC_OPAQUE, RFC7662), OI_OK);
}

static void test_rfc7662_four_parts_ok(void **state)
{
    assert_int_equal(CHECK("aaaaaa.bbbbbb.cccccc.dddddd", RFC7662), OI_OK);
}

static void test_rfc7662_empty_part_ok(void **state)
{
    assert_int_equal(CHECK("aaaaaaaaaa..cccccccccc", RFC7662), OI_OK);
}

static void test_rfc7662_base64_chars_ok(void **state)
{
    assert_int_equal(CHECK("2YotnFZFEjr1zCsicMWpAA+/==", RFC7662), OI_OK);
}

/* ---- passwords are not tokens: they never leave the host ---- */

static void test_password_with_dot_not_hydra_shaped(void **state)
{
    assert_int_equal(CHECK("Summer.2024", HYDRA), OI_MALFORMED);
    assert_int_equal(CHECK("Summer.2024", HYDRA_V1), OI_MALFORMED);
    assert_int_equal(CHECK("correct.horse.battery", HYDRA), OI_MALFORMED);
}

static void test_short_password_rfc7662_malformed(void **state)
{
    assert_int_equal(CHECK("hunter2", RFC7662), OI_MALFORMED);
    assert_int_equal(CHECK("Summer.2024", RFC7662), OI_MALFORMED);
}

static void test_rfc7662_min_length_default_22(void **state)
{
    assert_int_equal(CHECK("abcdefghijklmnopqrstu", RFC7662), OI_MALFORMED); /* 21 */
    assert_int_equal(CHECK("abcdefghijklmnopqrstuv", RFC7662), OI_OK);       /* 22 */
}

static void test_rfc7662_min_length_configured(void **state)
{
    assert_int_equal(CHECK("hunter2x", RFC7662, "min_token_length=8"), OI_OK);
    assert_int_equal(CHECK("hunter2", RFC7662, "min_token_length=8"), OI_MALFORMED);
}

/* 43 characters each side, as Hydra's 32-byte entropy and HMAC give them. */
#define PART42 "Xw7hq2m4K9bRZ0YkVq1sT3uLdN8pFcEa-_JgHiOyWx"
static void test_hydra_opaque_part_lengths(void **state)
{
    assert_int_equal(CHECK("ory_at_" PART42 "." PART43, HYDRA), OI_MALFORMED);
    assert_int_equal(CHECK("ory_at_" PART43 "." PART42, HYDRA), OI_MALFORMED);
    assert_int_equal(CHECK("ory_at_" PART43 "." PART43 "A", HYDRA), OI_MALFORMED);
    assert_int_equal(CHECK(PART42 "." PART43, HYDRA_V1), OI_MALFORMED);
    /* More entropy in the key part would still be a Hydra token. */
    assert_int_equal(CHECK("ory_at_" PART43 "A." PART43, HYDRA), OI_OK);
}

static void test_hydra_jwt_shape(void **state)
{
    assert_int_equal(CHECK("ory_at_" JWT, HYDRA), OI_MALFORMED);
    assert_int_equal(CHECK("abJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXBhcnQ", HYDRA),
                     OI_MALFORMED);
    assert_int_equal(CHECK("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0..c2lnbmF0dXJlLXBhcnQ", HYDRA), OI_MALFORMED);
    assert_int_equal(CHECK("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.", HYDRA), OI_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_lengths_are_real),
        cmocka_unit_test(test_why_names_each_slip),
        cmocka_unit_test(test_prefix_missing_not_token),
        cmocka_unit_test(test_prefix_present_ok),
        cmocka_unit_test(test_prefix_checked_before_shape),
        cmocka_unit_test(test_prefix_is_case_sensitive),
        cmocka_unit_test(test_no_prefix_configured_password_is_malformed),
        cmocka_unit_test(test_prefix_refresh_token_not_ours),
        cmocka_unit_test(test_empty_malformed),
        cmocka_unit_test(test_empty_malformed_rfc7662),
        cmocka_unit_test(test_only_prefix_malformed),
        cmocka_unit_test(test_default_max_length_accepted),
        cmocka_unit_test(test_default_max_length_plus_one_refused),
        cmocka_unit_test(test_configured_max_length_accepted),
        cmocka_unit_test(test_configured_max_length_plus_one_refused),
        cmocka_unit_test(test_plain_rfc7662_token_ok),
        cmocka_unit_test(test_space_malformed),
        cmocka_unit_test(test_tab_malformed),
        cmocka_unit_test(test_newline_malformed),
        cmocka_unit_test(test_cr_malformed),
        cmocka_unit_test(test_backspace_malformed),
        cmocka_unit_test(test_del_malformed),
        cmocka_unit_test(test_byte_0x80_malformed),
        cmocka_unit_test(test_byte_0xff_malformed),
        cmocka_unit_test(test_utf8_malformed),
        cmocka_unit_test(test_printable_edges_ok),
        cmocka_unit_test(test_sshd_fake_password_malformed),
        cmocka_unit_test(test_sshd_fake_password_malformed_rfc7662),
        cmocka_unit_test(test_sshd_fake_password_with_prefix_not_token),
        cmocka_unit_test(test_refresh_token_not_access),
        cmocka_unit_test(test_authorization_code_not_access),
        cmocka_unit_test(test_refresh_token_not_access_rfc7662),
        cmocka_unit_test(test_hydra_v2_opaque_ok),
        cmocka_unit_test(test_hydra_v1_opaque_ok),
        cmocka_unit_test(test_hydra_v1_opaque_ok_with_hydra),
        cmocka_unit_test(test_hydra_jwt_ok),
        cmocka_unit_test(test_hydra_v1_jwt_ok),
        cmocka_unit_test(test_hydra_one_part_malformed),
        cmocka_unit_test(test_hydra_prefixed_one_part_malformed),
        cmocka_unit_test(test_hydra_v1_one_part_malformed),
        cmocka_unit_test(test_hydra_four_parts_malformed),
        cmocka_unit_test(test_hydra_empty_middle_part_malformed),
        cmocka_unit_test(test_hydra_empty_first_part_malformed),
        cmocka_unit_test(test_hydra_empty_last_part_malformed),
        cmocka_unit_test(test_hydra_plus_malformed),
        cmocka_unit_test(test_hydra_slash_malformed),
        cmocka_unit_test(test_hydra_padding_malformed),
        cmocka_unit_test(test_hydra_v1_non_base64url_malformed),
        cmocka_unit_test(test_rfc7662_opaque_no_dot_ok),
        cmocka_unit_test(test_rfc7662_four_parts_ok),
        cmocka_unit_test(test_rfc7662_empty_part_ok),
        cmocka_unit_test(test_rfc7662_base64_chars_ok),
        cmocka_unit_test(test_password_with_dot_not_hydra_shaped),
        cmocka_unit_test(test_short_password_rfc7662_malformed),
        cmocka_unit_test(test_rfc7662_min_length_default_22),
        cmocka_unit_test(test_rfc7662_min_length_configured),
        cmocka_unit_test(test_hydra_opaque_part_lengths),
        cmocka_unit_test(test_hydra_jwt_shape),
    };
    return cmocka_run_group_tests_name("unit_precheck", tests, unit_group_setup, unit_group_teardown);
}
