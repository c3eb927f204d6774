/* Unit tests: answer.c (strict answer parsing, claims), introspect.c (the request form and the
 * Authorization value) and the form encoding they rely on (http.c). */
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
#include "http.h"
#include "answer.h"
#include "introspect.h"
#include "reason.h"

/* ---- answer parsing ---- */

static char why[256];

static enum oi_reason parse_n(const char *body, size_t len, struct oi_token_info *info)
{
    why[0] = '\0';
    return oi_parse_answer(body, len, info, why, sizeof(why));
}

static enum oi_reason parse(const char *body, struct oi_token_info *info)
{
    return parse_n(body, strlen(body), info);
}

/* The answer must be refused as bad_answer, and the reason logged must name what is wrong. */
static void expect_bad_n(const char *body, size_t len, const char *mention)
{
    struct oi_token_info info;
    enum oi_reason r = parse_n(body, len, &info);
    oi_token_info_free(&info);
    if (r != OI_BAD_ANSWER)
        fail_msg("answer %.*s: reason %s, expected bad_answer", (int)len, body, oi_reason_name(r));
    if (strstr(why, mention) == NULL)
        fail_msg("answer %.*s: why '%s' does not mention '%s'", (int)len, body, why, mention);
}

static void expect_bad(const char *body, const char *mention)
{
    expect_bad_n(body, strlen(body), mention);
}

static void test_inactive(void **state)
{
    struct oi_token_info info;
    info.active = true;
    assert_int_equal(parse("{\"active\":false}", &info), OI_OK);
    assert_false(info.active);
    oi_token_info_free(&info);
}

#define FULL_ANSWER                                                                             \
    "{\"active\":true,\"scope\":\"openid ssh\",\"client_id\":\"ssh-cli\",\"sub\":\"alice\","    \
    "\"exp\":1700003600,\"iat\":1700000000,\"nbf\":1700000001,\"aud\":[\"rs-a\",\"rs-b\"],"     \
    "\"iss\":\"https://hydra.example/\",\"obfuscated_subject\":\"\",\"token_type\":\"Bearer\"," \
    "\"token_use\":\"access_token\",\"username\":\"alice.smith\",\"ext\":{\"unix_user\":\"alice\"}}"

static void expect_jstr(struct oi_jstr got, const char *want)
{
    assert_non_null(got.s);
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.s, want, got.len);
}

static void test_full_hydra_answer(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse(FULL_ANSWER, &info), OI_OK);
    assert_true(info.active);
    expect_jstr(info.sub, "alice");
    expect_jstr(info.client_id, "ssh-cli");
    expect_jstr(info.scope, "openid ssh");
    expect_jstr(info.iss, "https://hydra.example/");
    expect_jstr(info.token_use, "access_token");
    expect_jstr(info.username, "alice.smith");
    assert_true(info.has_exp);
    assert_true(info.has_iat);
    assert_true(info.has_nbf);
    assert_true(info.exp == 1700003600);
    assert_true(info.iat == 1700000000);
    assert_true(info.nbf == 1700000001);
    assert_non_null(info.aud);
    assert_true(json_object_is_type(info.aud, json_type_array));
    assert_int_equal(json_object_array_length(info.aud), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(info.aud, 1)), "rs-b");
    oi_token_info_free(&info);
    assert_null(info.root);
}

static void test_minimal_active_answer(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true}", &info), OI_OK);
    assert_true(info.active);
    assert_null(info.sub.s);
    assert_null(info.client_id.s);
    assert_null(info.scope.s);
    assert_null(info.iss.s);
    assert_null(info.token_use.s);
    assert_null(info.username.s);
    assert_false(info.has_exp);
    assert_false(info.has_iat);
    assert_false(info.has_nbf);
    assert_null(info.aud);
    oi_token_info_free(&info);
}

static void test_unknown_fields_ignored(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true,\"x\":[1,{\"y\":null}],\"token_type\":5}", &info), OI_OK);
    assert_true(info.active);
    oi_token_info_free(&info);
}

static void test_active_missing(void **state)
{
    expect_bad("{\"sub\":\"alice\"}", "'active'");
}

static void test_active_string(void **state)
{
    expect_bad("{\"active\":\"true\"}", "'active'");
}

static void test_active_number(void **state)
{
    expect_bad("{\"active\":1}", "'active'");
}

static void test_active_null(void **state)
{
    expect_bad("{\"active\":null}", "'active'");
}

static const char *const string_fields[] = {"sub", "client_id", "scope", "iss", "token_use", "username"};

static void expect_string_field_bad(const char *value)
{
    for (size_t i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++) {
        char body[256], mention[64];
        snprintf(body, sizeof(body), "{\"active\":true,\"exp\":1700003600,\"%s\":%s}", string_fields[i], value);
        snprintf(mention, sizeof(mention), "'%s'", string_fields[i]);
        expect_bad(body, mention);
    }
}

static void test_string_fields_as_number(void **state)
{
    expect_string_field_bad("42");
}

static void test_string_fields_as_array(void **state)
{
    expect_string_field_bad("[\"alice\"]");
}

static void test_string_fields_as_null(void **state)
{
    expect_string_field_bad("null");
}

static void test_string_fields_as_object(void **state)
{
    expect_string_field_bad("{\"a\":\"b\"}");
}

static const char *const time_fields[] = {"exp", "iat", "nbf"};

static void expect_time_field_bad(const char *value)
{
    for (size_t i = 0; i < sizeof(time_fields) / sizeof(time_fields[0]); i++) {
        char body[256], mention[64];
        snprintf(body, sizeof(body), "{\"active\":true,\"%s\":%s}", time_fields[i], value);
        snprintf(mention, sizeof(mention), "'%s'", time_fields[i]);
        expect_bad(body, mention);
    }
}

static void test_times_as_string(void **state)
{
    expect_time_field_bad("\"1700003600\"");
}

static void test_times_as_float(void **state)
{
    expect_time_field_bad("1.5");
}

static void test_times_as_float_whole(void **state)
{
    expect_time_field_bad("1700003600.0");
}

static void test_times_negative(void **state)
{
    expect_time_field_bad("-1");
}

static void test_times_exponent(void **state)
{
    expect_time_field_bad("1e30");
}

static void test_times_beyond_int64(void **state)
{
    /* json-c may hand this over as a double or refuse it: either way it is no time */
    for (size_t i = 0; i < sizeof(time_fields) / sizeof(time_fields[0]); i++) {
        char body[256];
        struct oi_token_info info;
        snprintf(body, sizeof(body), "{\"active\":true,\"%s\":99999999999999999999}", time_fields[i]);
        enum oi_reason r = parse(body, &info);
        oi_token_info_free(&info);
        assert_int_equal(r, OI_BAD_ANSWER);
    }
}

static void test_times_uint64(void **state)
{
    expect_time_field_bad("18446744073709551615");
}

static void test_times_after_year_9999(void **state)
{
    expect_time_field_bad("253402300800");
}

static void test_times_null(void **state)
{
    expect_time_field_bad("null");
}

static void test_time_year_9999_ok(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true,\"exp\":253402300799,\"iat\":0}", &info), OI_OK);
    assert_true(info.has_exp);
    assert_true(info.exp == INT64_C(253402300799));
    assert_true(info.has_iat);
    assert_true(info.iat == 0);
    oi_token_info_free(&info);
}

static void test_aud_number(void **state)
{
    expect_bad("{\"active\":true,\"aud\":5}", "'aud'");
}

static void test_aud_array_with_number(void **state)
{
    expect_bad("{\"active\":true,\"aud\":[\"rs\",5]}", "'aud'");
}

static void test_aud_array_with_null(void **state)
{
    expect_bad("{\"active\":true,\"aud\":[\"rs\",null]}", "'aud'");
}

static void test_aud_object(void **state)
{
    expect_bad("{\"active\":true,\"aud\":{\"rs\":true}}", "'aud'");
}

static void test_aud_string_ok(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true,\"aud\":\"rs\"}", &info), OI_OK);
    assert_non_null(info.aud);
    assert_true(json_object_is_type(info.aud, json_type_string));
    assert_string_equal(json_object_get_string(info.aud), "rs");
    oi_token_info_free(&info);
}

static void test_aud_empty_array_ok(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true,\"aud\":[]}", &info), OI_OK);
    assert_non_null(info.aud);
    assert_int_equal(json_object_array_length(info.aud), 0);
    oi_token_info_free(&info);
}

static void test_ext_string(void **state)
{
    expect_bad("{\"active\":true,\"ext\":\"unix_user=alice\"}", "'ext'");
}

static void test_ext_array(void **state)
{
    expect_bad("{\"active\":true,\"ext\":[]}", "'ext'");
}

static void test_not_object_array(void **state)
{
    expect_bad("[{\"active\":true}]", "not an object");
}

static void test_not_object_string(void **state)
{
    expect_bad("\"active\"", "not an object");
}

static void test_not_object_number(void **state)
{
    /* a bare number is never complete without a terminator: refused either way */
    expect_bad("1", "");
    expect_bad("1 ", "");
}

static void test_not_object_true(void **state)
{
    expect_bad("true", "");
}

static void test_truncated(void **state)
{
    expect_bad("{\"active\":true,\"sub\":\"ali", "truncated");
}

static void test_truncated_after_object_start(void **state)
{
    expect_bad("{", "truncated");
}

static void test_trailing_garbage(void **state)
{
    expect_bad("{\"active\":true} x", "");
}

static void test_two_objects(void **state)
{
    expect_bad("{\"active\":false}{\"active\":true}", "");
}

static void test_trailing_whitespace_ok(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true}\r\n \t\n", &info), OI_OK);
    assert_true(info.active);
    oi_token_info_free(&info);
}

static void test_leading_whitespace_ok(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse(" \n{\"active\":true}", &info), OI_OK);
    assert_true(info.active);
    oi_token_info_free(&info);
}

static void test_empty_body(void **state)
{
    expect_bad_n("", 0, "empty");
}

static void test_whitespace_only_body(void **state)
{
    expect_bad("  \n", "");
}

static void test_body_with_nul(void **state)
{
    static const char body[] = "{\"active\":true}\0{\"active\":false}";
    expect_bad_n(body, sizeof(body) - 1, "NUL");
}

static void test_body_with_nul_inside_string(void **state)
{
    static const char body[] = "{\"active\":true,\"sub\":\"al\0ice\"}";
    expect_bad_n(body, sizeof(body) - 1, "NUL");
}

static void test_only_len_bytes_read(void **state)
{
    /* the body is exactly len bytes: what follows in memory is not part of it */
    static const char body[] = "{\"active\":true} garbage";
    struct oi_token_info info;
    assert_int_equal(parse_n(body, 15, &info), OI_OK);
    assert_true(info.active);
    oi_token_info_free(&info);
}

/* {"active":true,"x": + depth-1 nested arrays }: the whole value nests `depth` levels. */
static char *nested(int depth)
{
    char *b = malloc((size_t)(64 + 2 * depth));
    assert_non_null(b);
    char *p = b + sprintf(b, "{\"active\":true,\"x\":");
    for (int i = 0; i < depth - 1; i++)
        *p++ = '[';
    for (int i = 0; i < depth - 1; i++)
        *p++ = ']';
    strcpy(p, "}");
    return b;
}

static void test_depth_10_ok(void **state)
{
    struct oi_token_info info;
    char *b = nested(10);
    enum oi_reason r = parse(b, &info);
    free(b);
    oi_token_info_free(&info);
    assert_int_equal(r, OI_OK);
}

static void test_depth_11_bad(void **state)
{
    char *b = nested(11);
    struct oi_token_info info;
    enum oi_reason r = parse(b, &info);
    free(b);
    oi_token_info_free(&info);
    assert_int_equal(r, OI_BAD_ANSWER);
}

static void test_depth_100_bad(void **state)
{
    char *b = nested(100);
    struct oi_token_info info;
    enum oi_reason r = parse(b, &info);
    free(b);
    oi_token_info_free(&info);
    assert_int_equal(r, OI_BAD_ANSWER);
}

static void test_invalid_utf8(void **state)
{
    expect_bad("{\"active\":true,\"sub\":\"al\xffice\"}", "");
}

static void test_overlong_utf8(void **state)
{
    /* 0xc0 0xaf: an overlong '/' */
    expect_bad("{\"active\":true,\"sub\":\"a\xc0\xaf\"}", "");
}

static void test_valid_utf8_ok(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true,\"sub\":\"jos\xc3\xa9\"}", &info), OI_OK);
    expect_jstr(info.sub, "jos\xc3\xa9");
    oi_token_info_free(&info);
}

static void test_surrogate_utf8(void **state)
{
    /* 0xed 0xa0 0x80: a UTF-16 surrogate encoded as UTF-8 is not valid UTF-8 */
    expect_bad("{\"active\":true,\"sub\":\"a\xed\xa0\x80\"}", "");
}

static void test_single_quoted_value_refused(void **state)
{
    expect_bad("{\"active\":true,\"sub\":'alice'}", "");
}

static void test_single_quoted_key_refused(void **state)
{
    /* not JSON: the strict parser must refuse it like a single-quoted value */
    expect_bad("{'active':true}", "");
}

static void test_raw_control_char_in_string_refused(void **state)
{
    /* RFC 8259 7: control characters in strings must be escaped */
    expect_bad("{\"active\":true,\"sub\":\"al\tice\"}", "");
}

static void test_duplicate_active_refused(void **state)
{
    /* json-c keeps the last of two equal keys: {"active":false,"active":true} would be active */
    expect_bad("{\"active\":false,\"active\":true}", "twice");
}

static void test_duplicate_nested_key_refused(void **state)
{
    /* user_claim may point into ext, so a duplicate there is as dangerous */
    expect_bad("{\"active\":true,\"ext\":{\"unix_user\":\"bob\",\"unix_user\":\"alice\"}}", "twice");
}

/* json-c ends a key at an escaped NUL: "active\u0000" would be read as "active". */
static void test_nul_in_key_refused(void **state)
{
    expect_bad("{\"active\\u0000\":true,\"sub\":\"alice\",\"exp\":9999999999}", "a key holds a NUL");
    expect_bad("{\"active\":true,\"sub\\u0000\":\"alice\",\"exp\":9999999999}", "a key holds a NUL");
    expect_bad("{\"active\":true,\"ext\":{\"unix_user\\u0000x\" : \"alice\"}}", "a key holds a NUL");
}

/* A NUL in a value can be represented exactly (counted strings): it matches nothing, as before;
 * and an escaped backslash before "u0000" is no NUL at all. */
static void test_nul_in_value_or_escaped_backslash_parsed(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true,\"sub\":\"alice\\u0000root\"}", &info), OI_OK);
    assert_int_equal(info.sub.len, 10);
    oi_token_info_free(&info);
    assert_int_equal(parse("{\"active\":true,\"a\\\\u0000\":1}", &info), OI_OK);
    oi_token_info_free(&info);
}

static void test_colon_inside_strings_is_not_a_member(void **state)
{
    struct oi_token_info info;
    char whybuf[160] = "";
    const char *body = "{\"active\":true,\"sub\":\"a:b\\\":c\",\"exp\":1}";
    assert_int_equal(oi_parse_answer(body, strlen(body), &info, whybuf, sizeof(whybuf)), OI_OK);
    assert_true(info.active);
    oi_token_info_free(&info);
}

static void test_trailing_comma_refused(void **state)
{
    expect_bad("{\"active\":true,}", "");
}

static void test_sub_with_embedded_nul(void **state)
{
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":true,\"sub\":\"alice\\u0000x\"}", &info), OI_OK);
    assert_non_null(info.sub.s);
    assert_int_equal(info.sub.len, 7);
    assert_memory_equal(info.sub.s, "alice\0x", 7);
    oi_token_info_free(&info);
}

static void test_inactive_ignores_other_fields(void **state)
{
    /* an inactive answer is final whatever else it says */
    struct oi_token_info info;
    assert_int_equal(parse("{\"active\":false,\"sub\":5}", &info), OI_OK);
    assert_false(info.active);
    oi_token_info_free(&info);
}

/* ---- oi_claim_string ---- */

static void test_claim_sub(void **state)
{
    struct oi_token_info info;
    struct oi_jstr v;
    assert_int_equal(parse(FULL_ANSWER, &info), OI_OK);
    assert_true(oi_claim_string(&info, "sub", &v));
    expect_jstr(v, "alice");
    oi_token_info_free(&info);
}

static void test_claim_nested(void **state)
{
    struct oi_token_info info;
    struct oi_jstr v;
    assert_int_equal(parse(FULL_ANSWER, &info), OI_OK);
    assert_true(oi_claim_string(&info, "ext.unix_user", &v));
    expect_jstr(v, "alice");
    oi_token_info_free(&info);
}

static void test_claim_deeply_nested(void **state)
{
    struct oi_token_info info;
    struct oi_jstr v;
    assert_int_equal(parse("{\"active\":true,\"ext\":{\"a\":{\"b\":{\"c\":\"deep\"}}}}", &info), OI_OK);
    assert_true(oi_claim_string(&info, "ext.a.b.c", &v));
    expect_jstr(v, "deep");
    oi_token_info_free(&info);
}

static void test_claim_missing(void **state)
{
    struct oi_token_info info;
    struct oi_jstr v = {"x", 1};
    assert_int_equal(parse(FULL_ANSWER, &info), OI_OK);
    assert_false(oi_claim_string(&info, "ext.uid", &v));
    assert_null(v.s);
    assert_false(oi_claim_string(&info, "nope", &v));
    assert_null(v.s);
    oi_token_info_free(&info);
}

static void test_claim_not_string(void **state)
{
    struct oi_token_info info;
    struct oi_jstr v;
    assert_int_equal(parse("{\"active\":true,\"ext\":{\"uid\":1000,\"n\":null,\"a\":[\"x\"]}}", &info), OI_OK);
    assert_false(oi_claim_string(&info, "ext.uid", &v));
    assert_false(oi_claim_string(&info, "ext.n", &v));
    assert_false(oi_claim_string(&info, "ext.a", &v));
    assert_false(oi_claim_string(&info, "ext", &v));
    assert_false(oi_claim_string(&info, "exp", &v));
    oi_token_info_free(&info);
}

static void test_claim_through_non_object(void **state)
{
    struct oi_token_info info;
    struct oi_jstr v;
    assert_int_equal(parse(FULL_ANSWER, &info), OI_OK);
    assert_false(oi_claim_string(&info, "sub.x", &v));
    assert_false(oi_claim_string(&info, "aud.0", &v));
    assert_false(oi_claim_string(&info, "ext.unix_user.x", &v));
    oi_token_info_free(&info);
}

static void test_claim_dotted_key_is_a_path(void **state)
{
    /* "a.b" is the path a -> b, never a key literally named "a.b" */
    struct oi_token_info info;
    struct oi_jstr v;
    assert_int_equal(parse("{\"active\":true,\"a.b\":\"flat\"}", &info), OI_OK);
    assert_false(oi_claim_string(&info, "a.b", &v));
    oi_token_info_free(&info);
}

static void test_claim_keeps_embedded_nul(void **state)
{
    struct oi_token_info info;
    struct oi_jstr v;
    assert_int_equal(parse("{\"active\":true,\"ext\":{\"u\":\"bob\\u0000root\"}}", &info), OI_OK);
    assert_true(oi_claim_string(&info, "ext.u", &v));
    assert_int_equal(v.len, 8);
    assert_memory_equal(v.s, "bob\0root", 8);
    oi_token_info_free(&info);
}

/* ---- request form and Authorization ---- */

/* The secret_file is never read here: only the builders are tested. */
#define SECRET_FILE "secret_file=/nonexistent/secret"

static void expect_form(const char *const *args, const char *token, const char *scopes, const char *secret,
                        const char *want)
{
    struct oi_config cfg;
    unit_config_load(&cfg, args);
    char *form = oi_build_form(&cfg, token, scopes, secret);
    oi_config_free(&cfg);
    assert_non_null(form);
    if (strcmp(form, want) != 0) {
        char copy[512];
        snprintf(copy, sizeof(copy), "%s", form);
        free(form);
        fail_msg("form\n  got  %s\n  want %s", copy, want);
    }
    free(form);
}

#define EXPECT_FORM(token, scopes, secret, want, ...) \
    expect_form((const char *const[]){__VA_ARGS__, NULL}, (token), (scopes), (secret), (want))

static void test_form_token_encoded(void **state)
{
    EXPECT_FORM("a+b/c=d", NULL, NULL, "token=a%2Bb%2Fc%3Dd&token_type_hint=access_token", "admin_url=https://h",
                "allowed_clients=cli");
}

static void test_form_plain_token(void **state)
{
    EXPECT_FORM("ory_at_abc.DEF-_~", NULL, NULL, "token=ory_at_abc.DEF-_~&token_type_hint=access_token",
                "admin_url=https://h", "allowed_clients=cli");
}

static void test_form_hydra_scope(void **state)
{
    EXPECT_FORM("tok", "ssh login:alice", NULL, "token=tok&token_type_hint=access_token&scope=ssh+login%3Aalice",
                "admin_url=https://h", "allowed_clients=cli");
}

static void test_form_hydra_v1_scope(void **state)
{
    EXPECT_FORM("tok", "ssh", NULL, "token=tok&token_type_hint=access_token&scope=ssh", "flavor=hydra-v1",
                "admin_url=https://h", "allowed_clients=cli");
}

static void test_form_hydra_empty_scope_not_sent(void **state)
{
    EXPECT_FORM("tok", "", NULL, "token=tok&token_type_hint=access_token", "admin_url=https://h",
                "allowed_clients=cli");
}

static void test_form_rfc7662_no_scope(void **state)
{
    EXPECT_FORM("tok", "ssh", NULL, "token=tok&token_type_hint=access_token", "flavor=rfc7662",
                "introspect_url=https://op/introspect", "auth=none", "allowed_clients=cli");
}

static void test_form_basic_no_credentials_in_body(void **state)
{
    EXPECT_FORM("tok", NULL, "s3cret", "token=tok&token_type_hint=access_token", "flavor=rfc7662",
                "introspect_url=https://op/introspect", "client_id=rs", SECRET_FILE, "allowed_clients=cli");
}

static void test_form_bearer_no_credentials_in_body(void **state)
{
    EXPECT_FORM("tok", NULL, "ory_pat_key", "token=tok&token_type_hint=access_token", "admin_url=https://h",
                "auth=bearer", SECRET_FILE, "allowed_clients=cli");
}

static void test_form_post_credentials(void **state)
{
    EXPECT_FORM("tok", NULL, "p@ss:w/rd+%x y",
                "token=tok&token_type_hint=access_token&client_id=rs+one&client_secret="
                "p%40ss%3Aw%2Frd%2B%25x+y",
                "flavor=rfc7662", "introspect_url=https://op/introspect", "auth=post", "client_id=rs one", SECRET_FILE,
                "allowed_clients=cli");
}

static void test_form_post_with_hydra_scope(void **state)
{
    EXPECT_FORM("t/k", "ssh", "sec",
                "token=t%2Fk&token_type_hint=access_token&scope=ssh&client_id=rs&client_secret=sec",
                "admin_url=https://h", "auth=post", "client_id=rs", SECRET_FILE, "allowed_clients=cli");
}

static void test_form_long_token(void **state)
{
    /* every byte escaped: the form must hold three times the token */
    size_t n = 4096;
    char *token = malloc(n + 1), *want = malloc(3 * n + 64);
    assert_non_null(token);
    assert_non_null(want);
    memset(token, '/', n);
    token[n] = '\0';
    char *p = want + sprintf(want, "token=");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%%2F");
    strcpy(p, "&token_type_hint=access_token");
    struct oi_config cfg;
    LOAD(&cfg, "admin_url=https://h", "allowed_clients=cli");
    char *form = oi_build_form(&cfg, token, NULL, NULL);
    oi_config_free(&cfg);
    int same = form != NULL && strcmp(form, want) == 0;
    free(form);
    free(token);
    free(want);
    assert_true(same);
}

static char *authorization(const char *const *args, const char *secret)
{
    struct oi_config cfg;
    unit_config_load(&cfg, args);
    char *h = oi_build_authorization(&cfg, secret);
    oi_config_free(&cfg);
    return h;
}

#define AUTHORIZATION(secret, ...) authorization((const char *const[]){__VA_ARGS__, NULL}, (secret))

static void test_authorization_basic_encoded(void **state)
{
    /* printf %s 'rs-special:p%40ss%3Aw%2Frd%2B%25x+y' | base64 -w0 */
    char *h = AUTHORIZATION("p@ss:w/rd+%x y", "flavor=rfc7662", "introspect_url=https://op/i", "client_id=rs-special",
                            SECRET_FILE, "allowed_clients=cli");
    assert_non_null(h);
    assert_string_equal(h, "Basic cnMtc3BlY2lhbDpwJTQwc3MlM0F3JTJGcmQlMkIlMjV4K3k=");
    free(h);
}

static void test_authorization_basic_plain(void **state)
{
    /* printf %s 'rs:secret' | base64 -w0 */
    char *h = AUTHORIZATION("secret", "admin_url=https://h", "auth=basic", "client_id=rs", SECRET_FILE,
                            "allowed_clients=cli");
    assert_non_null(h);
    assert_string_equal(h, "Basic cnM6c2VjcmV0");
    free(h);
}

static void test_authorization_basic_encodes_client_id(void **state)
{
    /* printf %s 'a%3Ab:x' | base64 -w0 */
    char *h =
        AUTHORIZATION("x", "admin_url=https://h", "auth=basic", "client_id=a:b", SECRET_FILE, "allowed_clients=cli");
    assert_non_null(h);
    assert_string_equal(h, "Basic YSUzQWI6eA==");
    free(h);
}

static void test_authorization_bearer(void **state)
{
    char *h =
        AUTHORIZATION("ory_apikey_abc.DEF", "admin_url=https://h", "auth=bearer", SECRET_FILE, "allowed_clients=cli");
    assert_non_null(h);
    assert_string_equal(h, "Bearer ory_apikey_abc.DEF");
    free(h);
}

static void test_authorization_none(void **state)
{
    char *h = AUTHORIZATION("unused", "admin_url=https://h", "allowed_clients=cli");
    assert_null(h);
}

static void test_authorization_post(void **state)
{
    char *h =
        AUTHORIZATION("s3cret", "admin_url=https://h", "auth=post", "client_id=rs", SECRET_FILE, "allowed_clients=cli");
    assert_null(h);
}

/* ---- oi_form_encode ---- */

static void expect_encoded(const char *in, const char *want)
{
    char *got = oi_form_encode(in);
    assert_non_null(got);
    if (strcmp(got, want) != 0) {
        char copy[256];
        snprintf(copy, sizeof(copy), "%s", got);
        free(got);
        fail_msg("oi_form_encode(%s) = %s, want %s", in, copy, want);
    }
    free(got);
}

static void test_encode_unreserved(void **state)
{
    expect_encoded("ABCXYZabcxyz0189-._~", "ABCXYZabcxyz0189-._~");
}

static void test_encode_space_plus(void **state)
{
    expect_encoded("a b  c", "a+b++c");
}

static void test_encode_reserved(void **state)
{
    expect_encoded("+/=&%?#:@!*'()[],;$\"\\<>^`{|}",
                   "%2B%2F%3D%26%25%3F%23%3A%40%21%2A%27%28%29%5B%5D%2C%3B%24%22%5C%3C%3E%5E%60%7B%7C%7D");
}

static void test_encode_uppercase_hex(void **state)
{
    expect_encoded("\xab\xcd\xef", "%AB%CD%EF");
}

static void test_encode_control_and_utf8(void **state)
{
    expect_encoded("\t\n\r\x01\x7f\xc3\xa9", "%09%0A%0D%01%7F%C3%A9");
}

static void test_encode_empty(void **state)
{
    expect_encoded("", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inactive),
        cmocka_unit_test(test_full_hydra_answer),
        cmocka_unit_test(test_minimal_active_answer),
        cmocka_unit_test(test_unknown_fields_ignored),
        cmocka_unit_test(test_active_missing),
        cmocka_unit_test(test_active_string),
        cmocka_unit_test(test_active_number),
        cmocka_unit_test(test_active_null),
        cmocka_unit_test(test_string_fields_as_number),
        cmocka_unit_test(test_string_fields_as_array),
        cmocka_unit_test(test_string_fields_as_null),
        cmocka_unit_test(test_string_fields_as_object),
        cmocka_unit_test(test_times_as_string),
        cmocka_unit_test(test_times_as_float),
        cmocka_unit_test(test_times_as_float_whole),
        cmocka_unit_test(test_times_negative),
        cmocka_unit_test(test_times_exponent),
        cmocka_unit_test(test_times_beyond_int64),
        cmocka_unit_test(test_times_uint64),
        cmocka_unit_test(test_times_after_year_9999),
        cmocka_unit_test(test_times_null),
        cmocka_unit_test(test_time_year_9999_ok),
        cmocka_unit_test(test_aud_number),
        cmocka_unit_test(test_aud_array_with_number),
        cmocka_unit_test(test_aud_array_with_null),
        cmocka_unit_test(test_aud_object),
        cmocka_unit_test(test_aud_string_ok),
        cmocka_unit_test(test_aud_empty_array_ok),
        cmocka_unit_test(test_ext_string),
        cmocka_unit_test(test_ext_array),
        cmocka_unit_test(test_not_object_array),
        cmocka_unit_test(test_not_object_string),
        cmocka_unit_test(test_not_object_number),
        cmocka_unit_test(test_not_object_true),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_truncated_after_object_start),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_two_objects),
        cmocka_unit_test(test_trailing_whitespace_ok),
        cmocka_unit_test(test_leading_whitespace_ok),
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_whitespace_only_body),
        cmocka_unit_test(test_body_with_nul),
        cmocka_unit_test(test_body_with_nul_inside_string),
        cmocka_unit_test(test_only_len_bytes_read),
        cmocka_unit_test(test_depth_10_ok),
        cmocka_unit_test(test_depth_11_bad),
        cmocka_unit_test(test_depth_100_bad),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_overlong_utf8),
        cmocka_unit_test(test_valid_utf8_ok),
        cmocka_unit_test(test_surrogate_utf8),
        cmocka_unit_test(test_single_quoted_value_refused),
        cmocka_unit_test(test_single_quoted_key_refused),
        cmocka_unit_test(test_duplicate_active_refused),
        cmocka_unit_test(test_duplicate_nested_key_refused),
        cmocka_unit_test(test_nul_in_key_refused),
        cmocka_unit_test(test_nul_in_value_or_escaped_backslash_parsed),
        cmocka_unit_test(test_colon_inside_strings_is_not_a_member),
        cmocka_unit_test(test_raw_control_char_in_string_refused),
        cmocka_unit_test(test_trailing_comma_refused),
        cmocka_unit_test(test_sub_with_embedded_nul),
        cmocka_unit_test(test_inactive_ignores_other_fields),
        cmocka_unit_test(test_claim_sub),
        cmocka_unit_test(test_claim_nested),
        cmocka_unit_test(test_claim_deeply_nested),
        cmocka_unit_test(test_claim_missing),
        cmocka_unit_test(test_claim_not_string),
        cmocka_unit_test(test_claim_through_non_object),
        cmocka_unit_test(test_claim_dotted_key_is_a_path),
        cmocka_unit_test(test_claim_keeps_embedded_nul),
        cmocka_unit_test(test_form_token_encoded),
        cmocka_unit_test(test_form_plain_token),
        cmocka_unit_test(test_form_hydra_scope),
        cmocka_unit_test(test_form_hydra_v1_scope),
        cmocka_unit_test(test_form_hydra_empty_scope_not_sent),
        cmocka_unit_test(test_form_rfc7662_no_scope),
        cmocka_unit_test(test_form_basic_no_credentials_in_body),
        cmocka_unit_test(test_form_bearer_no_credentials_in_body),
        cmocka_unit_test(test_form_post_credentials),
        cmocka_unit_test(test_form_post_with_hydra_scope),
        cmocka_unit_test(test_form_long_token),
        cmocka_unit_test(test_authorization_basic_encoded),
        cmocka_unit_test(test_authorization_basic_plain),
        cmocka_unit_test(test_authorization_basic_encodes_client_id),
        cmocka_unit_test(test_authorization_bearer),
        cmocka_unit_test(test_authorization_none),
        cmocka_unit_test(test_authorization_post),
        cmocka_unit_test(test_encode_unreserved),
        cmocka_unit_test(test_encode_space_plus),
        cmocka_unit_test(test_encode_reserved),
        cmocka_unit_test(test_encode_uppercase_hex),
        cmocka_unit_test(test_encode_control_and_utf8),
        cmocka_unit_test(test_encode_empty),
    };
    return cmocka_run_group_tests_name("unit_introspect", tests, unit_group_setup, unit_group_teardown);
}
