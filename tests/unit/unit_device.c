/* Unit tests: device_answer.c (the discovery document, the code and each poll of the device
 * flow, parsed as hostile input) and device_prompt.c (the one prompt a person sees, and its QR
 * code's shape; tests/unit/qr-decode.sh reads the QR code back with zbarimg). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "device.h"
#include "device_prompt.h"
#include "reason.h"
#include "util.h"

static char why[512];

/* Printable ASCII only: what a log line or a message may carry. */
static void assert_printable(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            fail_msg("byte 0x%02x at %zu in '%s'", (unsigned char)*p, (size_t)(p - s), s);
}

static void assert_mentions(const char *text, const char *what)
{
    if (strstr(text, what) == NULL)
        fail_msg("'%s' does not mention '%s'", text, what);
}

/* ---- the code (device authorization answer) ---- */

enum { F_DEVICE_CODE, F_USER_CODE, F_URI, F_COMPLETE, F_EXPIRES, F_INTERVAL, N_FIELDS, F_NONE = -1 };
static const char *const field_name[N_FIELDS] = {
    "device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval"};

#define DEVICE_CODE "ory_dc_SeCrEtDeViCeCoDe0123456789.abcdefghijklmnopqrstuvwxyz"
#define VERIFY "https://hydra.example:4444/oauth2/device/verify"
/* Hydra's answer (hydra-device-flow.md, section 2), as JSON member values. */
static const char *const good_value[N_FIELDS] = {
    "\"" DEVICE_CODE "\"", "\"AbCd3xyz\"", "\"" VERIFY "\"", "\"" VERIFY "?user_code=AbCd3xyz\"", "600", "5"};
/* What a string of each field starts with, so that a hostile tail is the only thing wrong. */
static const char *const good_prefix[N_FIELDS] = {"ory_dc_", "Ab", VERIFY "?x=", VERIFY "?user_code=", "", ""};
static const size_t field_max[N_FIELDS] = {OI_DEVICE_MAX_DEVICE_CODE, OI_DEVICE_MAX_USER_CODE, OI_DEVICE_MAX_URI,
                                           OI_DEVICE_MAX_URI};

static const char ABSENT[] = "(absent)"; /* compared by address */

static char body[8192];

/* Hydra's answer with field's value replaced by raw (ABSENT: left out), then extra members. */
static const char *code_body(int field, const char *raw, const char *extra)
{
    size_t o = 0;
    body[o++] = '{';
    for (int i = 0; i < N_FIELDS; i++) {
        const char *v = i == field ? raw : good_value[i];
        if (v == ABSENT)
            continue;
        o += (size_t)snprintf(body + o, sizeof(body) - o, "%s\"%s\":%s", o > 1 ? "," : "", field_name[i], v);
    }
    snprintf(body + o, sizeof(body) - o, "%s}", extra ? extra : "");
    assert_true(strlen(body) < sizeof(body) - 1);
    return body;
}

/* A JSON string: field's prefix, then tail (JSON text: escapes are kept as written). */
static const char *string_with(int field, const char *tail)
{
    static char s[2200];
    snprintf(s, sizeof(s), "\"%s%s\"", good_prefix[field], tail);
    return s;
}

/* A JSON string of exactly len bytes: field's prefix padded with 'A'. */
static const char *string_of_len(int field, size_t len)
{
    static char s[2200];
    size_t p = strlen(good_prefix[field]);
    assert_true(len >= p && len + 3 < sizeof(s));
    s[0] = '"';
    memcpy(s + 1, good_prefix[field], p);
    memset(s + 1 + p, 'A', len - p);
    s[1 + len] = '"';
    s[2 + len] = '\0';
    return s;
}

static enum oi_reason parse_code(const char *b, bool allow_http, struct oi_device_code *code)
{
    why[0] = '\0';
    memset(code, 0x5a, sizeof(*code)); /* whatever the caller left there */
    return oi_device_parse_code(b, strlen(b), allow_http, code, why, sizeof(why));
}

static void assert_code_zeroed(const struct oi_device_code *code)
{
    assert_null(code->device_code);
    assert_null(code->user_code);
    assert_null(code->verification_uri);
    assert_null(code->verification_uri_complete);
    assert_int_equal(code->expires_in, 0);
    assert_int_equal(code->interval, 0);
}

/* Refused as bad_answer, nothing handed out, and why names the field and the problem, in
 * printable text without the device code. */
static void expect_code_bad_b(const char *b, bool allow_http, const char *field, const char *mention)
{
    struct oi_device_code code;
    enum oi_reason r = parse_code(b, allow_http, &code);
    if (r != OI_BAD_ANSWER)
        fail_msg("code %s: reason %s, expected bad_answer", b, oi_reason_name(r));
    assert_code_zeroed(&code);
    if (field != NULL)
        assert_mentions(why, field);
    assert_mentions(why, mention);
    assert_printable(why);
    assert_null(strstr(why, "SeCrEt"));
    oi_device_code_free(&code);
}

static void expect_code_bad(int field, const char *raw, const char *mention)
{
    expect_code_bad_b(code_body(field, raw, NULL), false, field_name[field], mention);
}

static void expect_code_ok_b(const char *b, bool allow_http, struct oi_device_code *code)
{
    enum oi_reason r = parse_code(b, allow_http, code);
    if (r != OI_OK)
        fail_msg("code %s: reason %s (%s), expected ok", b, oi_reason_name(r), why);
}

static void test_code_hydra(void **state)
{
    struct oi_device_code code;
    expect_code_ok_b(code_body(F_NONE, NULL, NULL), false, &code);
    assert_string_equal(code.device_code, DEVICE_CODE);
    assert_string_equal(code.user_code, "AbCd3xyz"); /* verbatim: Hydra's codes are case-sensitive */
    assert_string_equal(code.verification_uri, VERIFY);
    assert_string_equal(code.verification_uri_complete, VERIFY "?user_code=AbCd3xyz");
    assert_int_equal(code.expires_in, 600);
    assert_int_equal(code.interval, 5);
    oi_device_code_free(&code);
    assert_code_zeroed(&code);
}

/* fosite's untagged struct field, and whatever else a server adds. */
static void test_code_hydra_header_null_and_unknown_members(void **state)
{
    struct oi_device_code code;
    expect_code_ok_b(code_body(F_NONE, NULL,
                               ",\"Header\":null,\"message\":\"hi\\u001b[2J\",\"nested\":{\"a\":[1,2,{\"b\":null}]},"
                               "\"user_code_hint\":\"\",\"n\":1.5"),
                     false, &code);
    assert_string_equal(code.user_code, "AbCd3xyz");
    oi_device_code_free(&code);
}

static void test_code_complete_optional(void **state)
{
    struct oi_device_code code;
    expect_code_ok_b(code_body(F_COMPLETE, ABSENT, NULL), false, &code);
    assert_null(code.verification_uri_complete);
    assert_string_equal(code.verification_uri, VERIFY);
    oi_device_code_free(&code);
}

static void test_code_required_missing(void **state)
{
    for (int f = F_DEVICE_CODE; f < N_FIELDS; f++)
        if (f != F_COMPLETE && f != F_INTERVAL)
            expect_code_bad(f, ABSENT, "is missing");
}

static void test_code_strings_wrong_type(void **state)
{
    static const char *const raws[] = {"42", "null", "true", "false", "[\"AbCd3xyz\"]", "{}", "{\"v\":\"AbCd\"}",
                                       "0.5"};
    for (int f = F_DEVICE_CODE; f <= F_COMPLETE; f++)
        for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
            expect_code_bad(f, raws[i], "is not a string");
}

static void test_code_strings_empty(void **state)
{
    for (int f = F_DEVICE_CODE; f <= F_COMPLETE; f++)
        expect_code_bad(f, "\"\"", "is empty");
}

static void test_code_strings_too_long(void **state)
{
    for (int f = F_DEVICE_CODE; f <= F_COMPLETE; f++) {
        struct oi_device_code code;
        /* The bound itself is fine (the complete URI at the bound is on verification_uri's server). */
        expect_code_ok_b(code_body(f, string_of_len(f, field_max[f]), NULL), false, &code);
        oi_device_code_free(&code);
        expect_code_bad(f, string_of_len(f, field_max[f] + 1), "is too long");
        expect_code_bad(f, string_of_len(f, 2000), "is too long");
    }
}

/* What must never reach a terminal: each one after a valid start of the field. */
static const char *const hostile_tails[] = {
    "a\\u0007b",                        /* BEL */
    "\\u001b[31mRED\\u001b[0m",         /* ANSI colour */
    "\\u001b[2J\\u001b[H",              /* clear the screen */
    "x\\u001b]8;;https://evil/\\u0007", /* OSC 8 hyperlink */
    "\\u001b]0;title\\u0007",           /* window title */
    "a\\rb",                            /* carriage return: overwrites the line */
    "a\\nb",
    "a\\tb",
    "a\\bb",
    "a\\u007fb",    /* DEL */
    "a\\u0085b",    /* C1 NEL, as UTF-8 */
    "a\\u009b31mb", /* C1 CSI, as UTF-8 */
    "caf\xc3\xa9",  /* UTF-8 as such */
    "caf\\u00e9",   /* the same, escaped */
    "\xe2\x80\xae"
    "evil",         /* right-to-left override */
    "a\\u0000b",    /* NUL inside the value */
    "a b",          /* a space */
    "AbCd 3xyz",    /* a space in the middle */
    "\\u00a0x",     /* no-break space */
    "\xef\xbc\xa1", /* fullwidth A */
};

static void test_code_strings_hostile_characters(void **state)
{
    for (int f = F_DEVICE_CODE; f <= F_COMPLETE; f++)
        for (size_t i = 0; i < sizeof(hostile_tails) / sizeof(hostile_tails[0]); i++)
            expect_code_bad(f, string_with(f, hostile_tails[i]), "holds spaces, control or non-ASCII characters");
}

static void test_code_user_code_spaces(void **state)
{
    expect_code_bad(F_USER_CODE, "\" AbCd3xyz\"", "holds spaces");
    expect_code_bad(F_USER_CODE, "\"AbCd3xyz \"", "holds spaces");
    expect_code_bad(F_USER_CODE, "\"AbCd 3xyz\"", "holds spaces");
    expect_code_bad(F_USER_CODE, "\" \"", "holds spaces");
}

/* A raw control byte in the JSON text itself is not JSON. */
static void test_code_raw_escape_byte_refused(void **state)
{
    expect_code_bad_b(code_body(F_USER_CODE, "\"Ab\x1b[31m\"", NULL), false, NULL, "control character");
    expect_code_bad_b(code_body(F_USER_CODE, "\"Ab\xff\"", NULL), false, NULL, "invalid UTF-8");
}

/* RFC 8628 user codes such as WDJB-MJHT and every printable ASCII character but space. */
static void test_code_user_code_printable_verbatim(void **state)
{
    static const char *const codes[] = {"WDJB-MJHT", "abcdefgh", "123456789", "!#$%&()*+,-./:;<=>?@[]^_`{|}~", "x"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char raw[128];
        struct oi_device_code code;
        snprintf(raw, sizeof(raw), "\"%s\"", codes[i]);
        expect_code_ok_b(code_body(F_USER_CODE, raw, NULL), false, &code);
        assert_string_equal(code.user_code, codes[i]);
        oi_device_code_free(&code);
    }
    struct oi_device_code code;
    expect_code_ok_b(code_body(F_USER_CODE, "\"a\\\"b\\\\c\\/d\"", NULL), false, &code);
    assert_string_equal(code.user_code, "a\"b\\c/d");
    oi_device_code_free(&code);
}

static void test_code_uri_http(void **state)
{
    expect_code_bad(F_URI, "\"http://hydra.example:4444/oauth2/device/verify\"", "is plain http");
    expect_code_bad(F_COMPLETE, "\"http://hydra.example:4444/oauth2/device/verify?user_code=AbCd3xyz\"",
                    "is plain http");
    struct oi_device_code code;
    /* allow_http (tests only): both on the same http origin, or no complete URI. */
    char b[1024];
    snprintf(b, sizeof(b),
             "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"http://127.0.0.1:4444/v\","
             "\"verification_uri_complete\":\"http://127.0.0.1:4444/v?user_code=u\",\"expires_in\":10}");
    expect_code_ok_b(b, true, &code);
    assert_string_equal(code.verification_uri_complete, "http://127.0.0.1:4444/v?user_code=u");
    oi_device_code_free(&code);
    expect_code_bad_b(b, false, "verification_uri", "is plain http");
    snprintf(b, sizeof(b),
             "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"http://127.0.0.1:4444/v\","
             "\"expires_in\":10}");
    expect_code_ok_b(b, true, &code);
    assert_string_equal(code.verification_uri, "http://127.0.0.1:4444/v");
    oi_device_code_free(&code);
    expect_code_bad_b(b, false, "verification_uri", "is plain http");
}

static void test_code_uri_not_http(void **state)
{
    static const char *const raws[] = {"\"ftp://hydra.example/verify\"",
                                       "\"javascript:alert(1)\"",
                                       "\"data:text/html,x\"",
                                       "\"file:///etc/passwd\"",
                                       "\"//hydra.example/verify\"",
                                       "\"/oauth2/device/verify\"",
                                       "\"hydra.example\"",
                                       "\"HTTPS://HYDRA.EXAMPLE/\"",
                                       "\"https:/hydra.example/\"",
                                       "\"httpsx://hydra.example/\""};
    for (int f = F_URI; f <= F_COMPLETE; f++)
        for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
            expect_code_bad(f, raws[i], "is not an http(s) URL");
}

static void test_code_uri_no_host(void **state)
{
    static const char *const raws[] = {"\"https://\"", "\"https:///verify\"", "\"https://?user_code=x\"",
                                       "\"https://#x\""};
    for (int f = F_URI; f <= F_COMPLETE; f++)
        for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
            expect_code_bad(f, raws[i], "has no host");
}

/* The QR code (the complete URI) and the text (verification_uri) must lead to the same server. */
static void test_code_complete_other_origin(void **state)
{
    static const char *const raws[] = {
        "\"https://evil.example/oauth2/device/verify?user_code=AbCd3xyz\"",
        "\"https://hydra.example/oauth2/device/verify?user_code=AbCd3xyz\"",       /* no port */
        "\"https://hydra.example:4445/oauth2/device/verify?user_code=AbCd3xyz\"",  /* another port */
        "\"https://hydra.example:44444/oauth2/device/verify?user_code=AbCd3xyz\"", /* a longer one */
        "\"https://hydra.example:4444.evil.example/x\"",                           /* a longer host */
        "\"https://HYDRA.example:4444/oauth2/device/verify?user_code=AbCd3xyz\"",  /* case */
        "\"https://hydra.exampl:4444/oauth2/device/verify?user_code=AbCd3xyz\"",   /* shorter host */
        "\"https://xhydra.example:4444/oauth2/device/verify?user_code=AbCd3xyz\"",
    };
    for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
        expect_code_bad(F_COMPLETE, raws[i], "is on another server than verification_uri");
    /* https text, http QR code: another origin even where http is allowed. */
    expect_code_bad_b(
        code_body(F_COMPLETE, "\"http://hydra.example:4444/oauth2/device/verify?user_code=AbCd3xyz\"", NULL), true,
        "verification_uri_complete", "is on another server");
}

/* "https://hydra.example@evil.example/" reads as Hydra and leads elsewhere: refused in either URI. */
static void test_code_uri_userinfo(void **state)
{
    static const char *const raws[] = {"\"https://hydra.example:4444@evil.example/oauth2/device/verify\"",
                                       "\"https://user:pw@hydra.example:4444/oauth2/device/verify\"",
                                       "\"https://@hydra.example:4444/\"",
                                       /* a browser reads '\\' as '/', another parser as part of the host */
                                       "\"https://hydra.example:4444\\\\@evil.example/oauth2/device/verify\""};
    for (int f = F_URI; f <= F_COMPLETE; f++)
        for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
            expect_code_bad(f, raws[i], "names a user before its host");
    /* An '@' after the host (in the path or the query) is only a character. */
    struct oi_device_code code;
    expect_code_ok_b(code_body(F_COMPLETE, "\"https://hydra.example:4444/verify?user_code=a@b\"", NULL), false, &code);
    oi_device_code_free(&code);
}

static void test_code_complete_same_origin(void **state)
{
    static const char *const raws[] = {"\"https://hydra.example:4444\"", "\"https://hydra.example:4444/\"",
                                       "\"https://hydra.example:4444?user_code=AbCd3xyz\"",
                                       "\"https://hydra.example:4444/other/page#frag\""};
    for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
        struct oi_device_code code;
        expect_code_ok_b(code_body(F_COMPLETE, raws[i], NULL), false, &code);
        oi_device_code_free(&code);
    }
}

static void test_code_expires_in(void **state)
{
    expect_code_bad(F_EXPIRES, "0", "is 0");
    expect_code_bad(F_EXPIRES, "-0", "is 0");
    static const char *const range[] = {
        "-1", "-600", "31536001", "2147483648", "9223372036854775807", "-9223372036854775808", "18446744073709551615"};
    for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
        expect_code_bad(F_EXPIRES, range[i], "is out of range");
    static const char *const type[] = {"600.0", "600.5", "6e2", "1E3", "\"600\"", "null", "true", "[600]", "{}"};
    for (size_t i = 0; i < sizeof(type) / sizeof(type[0]); i++)
        expect_code_bad(F_EXPIRES, type[i], "is not an integer");
    /* Too big even for 64 bits: refused whatever json-c makes of it. */
    expect_code_bad_b(code_body(F_EXPIRES, "99999999999999999999999", NULL), false, NULL, "");
    expect_code_bad_b(code_body(F_EXPIRES, "1e400", NULL), false, NULL, "");
    struct oi_device_code code;
    expect_code_ok_b(code_body(F_EXPIRES, "1", NULL), false, &code);
    assert_int_equal(code.expires_in, 1);
    oi_device_code_free(&code);
    expect_code_ok_b(code_body(F_EXPIRES, "31536000", NULL), false, &code);
    assert_int_equal(code.expires_in, 31536000);
    oi_device_code_free(&code);
}

static void test_code_interval(void **state)
{
    static const struct {
        const char *raw;
        long want;
    } cases[] = {{ABSENT, 5}, {"0", 1},   {"-0", 1},  {"1", 1},     {"2", 2},
                 {"59", 59},  {"60", 60}, {"61", 60}, {"1000", 60}, {"31536000", 60}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oi_device_code code;
        expect_code_ok_b(code_body(F_INTERVAL, cases[i].raw, NULL), false, &code);
        if (code.interval != cases[i].want)
            fail_msg("interval %s: %ld, expected %ld", cases[i].raw == ABSENT ? "absent" : cases[i].raw, code.interval,
                     cases[i].want);
        oi_device_code_free(&code);
    }
    expect_code_bad(F_INTERVAL, "-1", "is out of range");
    expect_code_bad(F_INTERVAL, "9223372036854775807", "is out of range");
    static const char *const type[] = {"5.0", "2.5", "5e0", "\"5\"", "null", "[5]"};
    for (size_t i = 0; i < sizeof(type) / sizeof(type[0]); i++)
        expect_code_bad(F_INTERVAL, type[i], "is not an integer");
}

static void test_code_duplicate_keys(void **state)
{
    /* Which user_code would be shown, and which one approved? Neither. */
    expect_code_bad_b(code_body(F_NONE, NULL, ",\"user_code\":\"EvIl0000\""), false, NULL, "twice");
    expect_code_bad_b(code_body(F_NONE, NULL, ",\"verification_uri\":\"https://evil.example/\""), false, NULL, "twice");
    expect_code_bad_b(code_body(F_NONE, NULL, ",\"interval\":0"), false, NULL, "twice");
    expect_code_bad_b(code_body(F_NONE, NULL, ",\"x\":{\"a\":1,\"a\":2}"), false, NULL, "twice");
}

static void test_code_not_one_object(void **state)
{
    char b[sizeof(body) + 64];
    snprintf(b, sizeof(b), "%s x", code_body(F_NONE, NULL, NULL));
    expect_code_bad_b(b, false, NULL, "");
    snprintf(b, sizeof(b), "%s%s", code_body(F_NONE, NULL, NULL), code_body(F_NONE, NULL, NULL));
    expect_code_bad_b(b, false, NULL, "");
    snprintf(b, sizeof(b), "[%s]", code_body(F_NONE, NULL, NULL));
    expect_code_bad_b(b, false, NULL, "not an object");
    snprintf(b, sizeof(b), "%s", code_body(F_NONE, NULL, NULL));
    b[strlen(b) - 1] = '\0'; /* truncated */
    expect_code_bad_b(b, false, NULL, "not JSON");
    expect_code_bad_b("", false, NULL, "empty body");
    expect_code_bad_b("\"AbCd3xyz\"", false, NULL, "");
    expect_code_bad_b("<html>502 Bad Gateway</html>", false, NULL, "not JSON");
    /* Trailing white space is fine. */
    struct oi_device_code code;
    snprintf(b, sizeof(b), "%s \r\n", code_body(F_NONE, NULL, NULL));
    expect_code_ok_b(b, false, &code);
    oi_device_code_free(&code);
}

/* Only len bytes are read: the same text with a NUL inside is refused. */
static void test_code_nul_byte_in_body(void **state)
{
    const char *b = code_body(F_NONE, NULL, NULL);
    char copy[sizeof(body)];
    size_t n = strlen(b);
    memcpy(copy, b, n);
    copy[5] = '\0';
    struct oi_device_code code;
    memset(&code, 0x5a, sizeof(code));
    assert_int_equal(oi_device_parse_code(copy, n, false, &code, why, sizeof(why)), OI_BAD_ANSWER);
    assert_code_zeroed(&code);
    assert_mentions(why, "NUL");
}

/* ---- the discovery document ---- */

#define ISSUER "https://hydra.example:4444"
#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"

enum { D_ISSUER, D_DEVICE, D_TOKEN, D_GRANTS, N_DFIELDS };
static const char *const dfield_name[N_DFIELDS] = {"issuer", "device_authorization_endpoint", "token_endpoint",
                                                   "grant_types_supported"};
/* Hydra v25's document, shortened: https://hydra.example:4444/.well-known/openid-configuration */
static const char *const dgood[N_DFIELDS] = {
    "\"" ISSUER "/\"", "\"" ISSUER "/oauth2/device/auth\"", "\"" ISSUER "/oauth2/token\"",
    "[\"authorization_code\",\"implicit\",\"client_credentials\",\"refresh_token\",\"" DEVICE_GRANT "\"]"};
#define DISCOVERY_REST                                                                                          \
    ",\"authorization_endpoint\":\"" ISSUER "/oauth2/auth\",\"jwks_uri\":\"" ISSUER "/.well-known/jwks.json\"," \
    "\"subject_types_supported\":[\"public\"],\"response_types_supported\":[\"code\",\"code id_token\"],"       \
    "\"id_token_signing_alg_values_supported\":[\"RS256\"],\"backchannel_logout_supported\":true,"              \
    "\"credentials_supported\":[{\"format\":\"jwt_vc_json\",\"types\":[\"VerifiableCredential\"]}],"            \
    "\"end_session_endpoint\":\"" ISSUER "/oauth2/sessions/logout\""

static const char *discovery_body(int field, const char *raw, const char *extra)
{
    size_t o = 0;
    body[o++] = '{';
    for (int i = 0; i < N_DFIELDS; i++) {
        const char *v = i == field ? raw : dgood[i];
        if (v == ABSENT)
            continue;
        o += (size_t)snprintf(body + o, sizeof(body) - o, "%s\"%s\":%s", o > 1 ? "," : "", dfield_name[i], v);
    }
    snprintf(body + o, sizeof(body) - o, DISCOVERY_REST "%s}", extra ? extra : "");
    return body;
}

static enum oi_reason parse_discovery(const char *b, const char *issuer, bool allow_http,
                                      struct oi_device_endpoints *ep)
{
    why[0] = '\0';
    memset(ep, 0x5a, sizeof(*ep));
    return oi_device_parse_discovery(b, strlen(b), issuer, allow_http, ep, why, sizeof(why));
}

static void expect_discovery(const char *b, const char *issuer, bool allow_http, enum oi_reason want,
                             const char *mention)
{
    struct oi_device_endpoints ep;
    enum oi_reason r = parse_discovery(b, issuer, allow_http, &ep);
    if (r != want)
        fail_msg("discovery %s (issuer %s): reason %s (%s), expected %s", b, issuer, oi_reason_name(r), why,
                 oi_reason_name(want));
    assert_null(ep.auth_url);
    assert_null(ep.token_url);
    assert_mentions(why, mention);
    assert_printable(why);
}

static void expect_discovery_ok(const char *b, const char *issuer, bool allow_http, const char *auth_url,
                                const char *token_url)
{
    struct oi_device_endpoints ep;
    enum oi_reason r = parse_discovery(b, issuer, allow_http, &ep);
    if (r != OI_OK)
        fail_msg("discovery %s (issuer %s): reason %s (%s), expected ok", b, issuer, oi_reason_name(r), why);
    assert_string_equal(ep.auth_url, auth_url);
    assert_string_equal(ep.token_url, token_url);
    oi_device_endpoints_free(&ep);
    assert_null(ep.auth_url);
    assert_null(ep.token_url);
}

static void test_discovery_hydra(void **state)
{
    expect_discovery_ok(discovery_body(-1, NULL, NULL), ISSUER "/", false, ISSUER "/oauth2/device/auth",
                        ISSUER "/oauth2/token");
}

static void test_discovery_issuer_trailing_slash(void **state)
{
    /* One trailing slash aside, on either side. */
    expect_discovery_ok(discovery_body(-1, NULL, NULL), ISSUER, false, ISSUER "/oauth2/device/auth",
                        ISSUER "/oauth2/token");
    expect_discovery_ok(discovery_body(D_ISSUER, "\"" ISSUER "\"", NULL), ISSUER, false, ISSUER "/oauth2/device/auth",
                        ISSUER "/oauth2/token");
    expect_discovery_ok(discovery_body(D_ISSUER, "\"" ISSUER "\"", NULL), ISSUER "/", false,
                        ISSUER "/oauth2/device/auth", ISSUER "/oauth2/token");
    expect_discovery_ok(discovery_body(D_ISSUER, "\"" ISSUER "\\/\"", NULL), ISSUER, false,
                        ISSUER "/oauth2/device/auth", ISSUER "/oauth2/token");
    /* Two are another issuer. */
    expect_discovery(discovery_body(D_ISSUER, "\"" ISSUER "//\"", NULL), ISSUER, false, OI_BAD_ANSWER,
                     "not the configured issuer");
    expect_discovery(discovery_body(-1, NULL, NULL), ISSUER "//", false, OI_BAD_ANSWER, "not the configured issuer");
}

static void test_discovery_issuer_mismatch(void **state)
{
    static const char *const raws[] = {"\"https://evil.example/\"",
                                       "\"https://hydra.example:4444.evil.example/\"",
                                       "\"https://hydra.example:444/\"",
                                       "\"https://hydra.example/\"",
                                       "\"http://hydra.example:4444/\"",
                                       "\"https://HYDRA.example:4444/\"",
                                       "\"https://hydra.example:4444/tenant\"",
                                       "\"https://hydra.example:4444 \"",
                                       "\"https://hydra.example:4444\\u0000\"",
                                       "\"https://hydra.example:4444/\\u0000/\"",
                                       "\"\"",
                                       "\"/\""};
    for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
        expect_discovery(discovery_body(D_ISSUER, raws[i], NULL), ISSUER, false, OI_BAD_ANSWER,
                         "not the configured issuer " ISSUER);
    /* What the document says is shown printable. */
    expect_discovery(discovery_body(D_ISSUER, "\"https://evil\\u001b[31m.example/\"", NULL), ISSUER, false,
                     OI_BAD_ANSWER, "'issuer' is https://evil?[31m.example/");
}

static void test_discovery_issuer_missing_or_wrong_type(void **state)
{
    static const char *const raws[] = {ABSENT, "null", "42", "[\"" ISSUER "\"]", "{}", "true"};
    for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
        expect_discovery(discovery_body(D_ISSUER, raws[i], NULL), ISSUER, false, OI_BAD_ANSWER,
                         "'issuer' is missing or not a string");
}

static void test_discovery_no_device_endpoint(void **state)
{
    /* Hydra before v25.4.0: a configuration problem, said as one. */
    expect_discovery(discovery_body(D_DEVICE, ABSENT, NULL), ISSUER, false, OI_CONFIG, "device_authorization_endpoint");
    expect_discovery(discovery_body(D_DEVICE, ABSENT, NULL), ISSUER, false, OI_CONFIG, "no device flow");
    expect_discovery(discovery_body(D_DEVICE, ABSENT, NULL), ISSUER, false, OI_CONFIG, "v25.4.0");
    /* Hydra 2.x: no device endpoint and no device grant. */
    char b[sizeof(body)];
    snprintf(b, sizeof(b),
             "{\"issuer\":\"" ISSUER "/\",\"token_endpoint\":\"" ISSUER "/oauth2/token\","
             "\"grant_types_supported\":[\"authorization_code\",\"refresh_token\"]}");
    expect_discovery(b, ISSUER, false, OI_CONFIG, "the server has no device flow");
    /* A document without grant_types_supported (it is optional) and without the endpoint. */
    snprintf(b, sizeof(b), "{\"issuer\":\"" ISSUER "\",\"token_endpoint\":\"" ISSUER "/oauth2/token\"}");
    expect_discovery(b, ISSUER, false, OI_CONFIG, "device_authorization_endpoint");
}

static void test_discovery_grant_types(void **state)
{
    static const char *const lacking[] = {"[\"authorization_code\",\"refresh_token\"]",
                                          "[]",
                                          "[\"urn:ietf:params:oauth:grant-type:device_cod\"]",
                                          "[\"URN:IETF:PARAMS:OAUTH:GRANT-TYPE:DEVICE_CODE\"]",
                                          "[\"" DEVICE_GRANT " \"]",
                                          "[[\"" DEVICE_GRANT "\"]]",
                                          "[{\"" DEVICE_GRANT "\":true}]",
                                          "[null,1,true]"};
    for (size_t i = 0; i < sizeof(lacking) / sizeof(lacking[0]); i++) {
        expect_discovery(discovery_body(D_GRANTS, lacking[i], NULL), ISSUER, false, OI_CONFIG, DEVICE_GRANT);
        assert_mentions(why, "grant_types_supported");
        assert_mentions(why, "no device flow");
    }
    static const char *const not_array[] = {"\"" DEVICE_GRANT "\"", "null", "{}", "1"};
    for (size_t i = 0; i < sizeof(not_array) / sizeof(not_array[0]); i++)
        expect_discovery(discovery_body(D_GRANTS, not_array[i], NULL), ISSUER, false, OI_BAD_ANSWER,
                         "'grant_types_supported' is not an array");
    /* The device grant among others, anywhere; absent (RFC 8414: optional). */
    static const char *const fine[] = {"[\"" DEVICE_GRANT "\"]", "[1,null,\"" DEVICE_GRANT "\"]", ABSENT};
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
        expect_discovery_ok(discovery_body(D_GRANTS, fine[i], NULL), ISSUER, false, ISSUER "/oauth2/device/auth",
                            ISSUER "/oauth2/token");
}

static void test_discovery_endpoints_hostile(void **state)
{
    for (int f = D_DEVICE; f <= D_TOKEN; f++) {
        static const struct {
            const char *raw, *mention;
        } cases[] = {
            {"null", "is not a string"},
            {"42", "is not a string"},
            {"[\"" ISSUER "/oauth2/token\"]", "is not a string"},
            {"\"\"", "is empty"},
            {"\"" ISSUER "/oauth2/\\u001b[31m\"", "holds spaces, control or non-ASCII"},
            {"\"" ISSUER "/oauth2/t oken\"", "holds spaces"},
            {"\"" ISSUER "/oauth2/caf\xc3\xa9\"", "holds spaces"},
            {"\"http://hydra.example:4444/oauth2/token\"", "is plain http"},
            {"\"ftp://hydra.example/\"", "is not an http(s) URL"},
            {"\"/oauth2/token\"", "is not an http(s) URL"},
            {"\"https:///oauth2/token\"", "has no host"},
            {"\"https://hydra.example@evil.example/oauth2/token\"", "names a user before its host"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            char mention[200];
            snprintf(mention, sizeof(mention), "'%s' %s", dfield_name[f], cases[i].mention);
            expect_discovery(discovery_body(f, cases[i].raw, NULL), ISSUER, false, OI_BAD_ANSWER, mention);
        }
        char longer[700];
        snprintf(longer, sizeof(longer), "\"" ISSUER "/%0*d\"", OI_DEVICE_MAX_URI, 0);
        expect_discovery(discovery_body(f, longer, NULL), ISSUER, false, OI_BAD_ANSWER, "is too long");
    }
    expect_discovery(discovery_body(D_TOKEN, ABSENT, NULL), ISSUER, false, OI_BAD_ANSWER,
                     "'token_endpoint' is missing");
}

static void test_discovery_http_allowed(void **state)
{
    char b[sizeof(body)];
    snprintf(b, sizeof(b),
             "{\"issuer\":\"http://127.0.0.1:4444/\",\"device_authorization_endpoint\":\"http://127.0.0.1:4444/d\","
             "\"token_endpoint\":\"http://127.0.0.1:4444/t\"}");
    expect_discovery_ok(b, "http://127.0.0.1:4444", true, "http://127.0.0.1:4444/d", "http://127.0.0.1:4444/t");
    expect_discovery(b, "http://127.0.0.1:4444", false, OI_BAD_ANSWER, "is plain http");
}

static void test_discovery_not_one_object(void **state)
{
    char b[sizeof(body) + 64];
    snprintf(b, sizeof(b), "%s,", discovery_body(-1, NULL, NULL));
    expect_discovery(b, ISSUER, false, OI_BAD_ANSWER, "");
    expect_discovery(discovery_body(-1, NULL, ",\"issuer\":\"" ISSUER "\""), ISSUER, false, OI_BAD_ANSWER, "twice");
    expect_discovery(discovery_body(-1, NULL, ",\"device_authorization_endpoint\":\"https://evil.example/d\""), ISSUER,
                     false, OI_BAD_ANSWER, "twice");
    expect_discovery("[]", ISSUER, false, OI_BAD_ANSWER, "not an object");
    expect_discovery("", ISSUER, false, OI_BAD_ANSWER, "empty body");
    expect_discovery("<!doctype html>", ISSUER, false, OI_BAD_ANSWER, "not JSON");
}

/* ---- polls of the token endpoint ---- */

static char *token;
static char untouched[] = "not touched";

static enum oi_device_poll poll_n(long status, const char *b, size_t len, long max)
{
    why[0] = '\0';
    token = untouched;
    return oi_device_parse_poll(status, b, len, max, &token, why, sizeof(why));
}

static enum oi_device_poll poll_s(long status, const char *b)
{
    return poll_n(status, b, strlen(b), 4096);
}

static const char *poll_name(enum oi_device_poll p)
{
    static const char *const names[] = {"TOKEN", "PENDING", "SLOW_DOWN", "DENIED", "EXPIRED", "FAILED"};
    return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

/* Anything but a token: *token NULL, why printable and without the token. */
static void expect_poll(long status, const char *b, enum oi_device_poll want, const char *mention)
{
    enum oi_device_poll p = poll_s(status, b);
    if (p != want)
        fail_msg("poll %ld %s: %s (%s), expected %s", status, b, poll_name(p), why, poll_name(want));
    assert_null(token);
    assert_mentions(why, mention);
    assert_printable(why);
    assert_null(strstr(why, "SeCrEt"));
}

static void expect_token(long status, const char *b, long max, const char *want)
{
    enum oi_device_poll p = poll_n(status, b, strlen(b), max);
    if (p != OI_POLL_TOKEN)
        fail_msg("poll %ld %s: %s (%s), expected a token", status, b, poll_name(p), why);
    assert_non_null(token);
    assert_string_equal(token, want);
    oi_free_secret(&token);
    assert_null(token);
}

#define AT "ory_at_SeCrEtToKeN.abc-DEF_123"

static void test_poll_token_hydra(void **state)
{
    expect_token(200,
                 "{\"access_token\":\"" AT "\",\"expires_in\":3599,\"scope\":\"openid ssh:login\","
                 "\"token_type\":\"bearer\"}",
                 4096, AT);
}

static void test_poll_token_type_case(void **state)
{
    expect_token(200, "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\"}", 4096, AT);
    expect_token(200, "{\"access_token\":\"" AT "\",\"token_type\":\"BEARER\"}", 4096, AT);
    expect_token(200, "{\"token_type\":\"bEaReR\",\"access_token\":\"" AT "\"}", 4096, AT);
    expect_token(200,
                 "{\"access_token\":\"" AT "\",\"token_type\":\"bearer\",\"Header\":null,\"id_token\":\"x.y.z\","
                 "\"refresh_token\":\"ory_rt_SeCrEt\",\"unknown\":{\"a\":[1]}}",
                 4096, AT);
}

static void test_poll_token_type_refused(void **state)
{
    static const struct {
        const char *member, *mention;
    } cases[] = {
        {"", "'token_type' is missing or not a string"},
        {",\"token_type\":null", "is missing or not a string"},
        {",\"token_type\":1", "is missing or not a string"},
        {",\"token_type\":[\"bearer\"]", "is missing or not a string"},
        {",\"token_type\":\"mac\"", "'token_type' is not Bearer"},
        {",\"token_type\":\"DPoP\"", "is not Bearer"},
        {",\"token_type\":\"N_A\"", "is not Bearer"},
        {",\"token_type\":\"bearerx\"", "is not Bearer"},
        {",\"token_type\":\"bear\"", "is not Bearer"},
        {",\"token_type\":\"\"", "is not Bearer"},
        {",\"token_type\":\" bearer\"", "is not Bearer"},
        {",\"token_type\":\"bearer\\u0000x\"", "is not Bearer"},
        {",\"token_type\":\"bearer\\u0000\"", "is not Bearer"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[256];
        snprintf(b, sizeof(b), "{\"access_token\":\"" AT "\"%s}", cases[i].member);
        expect_poll(200, b, OI_POLL_FAILED, cases[i].mention);
    }
}

static void test_poll_access_token_hostile(void **state)
{
    static const struct {
        const char *raw, *mention;
    } cases[] = {
        {NULL, "'access_token' is missing"},
        {"null", "is not a string"},
        {"42", "is not a string"},
        {"[\"" AT "\"]", "is not a string"},
        {"\"\"", "'access_token' is empty"},
        {"\"ory_at_SeCrEt x\"", "holds spaces"},
        {"\"ory_at_SeCrEt\\u001b[31m\"", "holds spaces, control"},
        {"\"ory_at_SeCrEt\\n\"", "holds spaces, control"},
        {"\"ory_at_SeCrEt\\u0000\"", "holds spaces, control"},
        {"\"ory_at_SeCrEt\xc3\xa9\"", "holds spaces, control or non-ASCII"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[256];
        if (cases[i].raw == NULL)
            snprintf(b, sizeof(b), "{\"token_type\":\"bearer\"}");
        else
            snprintf(b, sizeof(b), "{\"access_token\":%s,\"token_type\":\"bearer\"}", cases[i].raw);
        expect_poll(200, b, OI_POLL_FAILED, cases[i].mention);
    }
}

static void test_poll_access_token_max_length(void **state)
{
    char b[200];
    snprintf(b, sizeof(b), "{\"access_token\":\"%s\",\"token_type\":\"bearer\"}", AT);
    size_t n = strlen(AT);
    expect_token(200, b, (long)n, AT);
    enum oi_device_poll p = poll_n(200, b, strlen(b), (long)n - 1);
    assert_int_equal(p, OI_POLL_FAILED);
    assert_null(token);
    assert_mentions(why, "'access_token' is too long");
    assert_null(strstr(why, "SeCrEt"));
    p = poll_n(200, b, strlen(b), 16);
    assert_int_equal(p, OI_POLL_FAILED);
    assert_null(token);
}

static void test_poll_token_answer_not_one_object(void **state)
{
    expect_poll(200, "{\"access_token\":\"" AT "\",\"token_type\":\"bearer\"} {}", OI_POLL_FAILED, "");
    expect_poll(200, "{\"access_token\":\"" AT "\",\"token_type\":\"bearer\",\"access_token\":\"ory_at_other\"}",
                OI_POLL_FAILED, "twice");
    expect_poll(200, "[{\"access_token\":\"" AT "\",\"token_type\":\"bearer\"}]", OI_POLL_FAILED, "not an object");
    expect_poll(200, "", OI_POLL_FAILED, "empty body");
    expect_poll(200, "access_token=" AT "&token_type=bearer", OI_POLL_FAILED, "not JSON");
    /* A 200 with an error body is no token. */
    expect_poll(200, "{\"error\":\"authorization_pending\"}", OI_POLL_FAILED, "'access_token' is missing");
}

static void test_poll_errors_400(void **state)
{
    static const struct {
        const char *error;
        enum oi_device_poll want;
    } cases[] = {{"authorization_pending", OI_POLL_PENDING},
                 {"slow_down", OI_POLL_SLOW_DOWN},
                 {"access_denied", OI_POLL_DENIED},
                 {"expired_token", OI_POLL_EXPIRED}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[300];
        snprintf(b, sizeof(b), "{\"error\":\"%s\"}", cases[i].error);
        expect_poll(400, b, cases[i].want, cases[i].error);
        /* Hydra's form: with a description, a hint and a status code. */
        snprintf(b, sizeof(b),
                 "{\"error\":\"%s\",\"error_description\":\"The authorization request is still pending.\","
                 "\"error_hint\":\"x\",\"status_code\":400,\"Header\":null}",
                 cases[i].error);
        expect_poll(400, b, cases[i].want, cases[i].error);
        /* The same error with another status is not that answer: final. */
        static const long others[] = {401, 403, 429, 500, 502, 503, 302, 201, 0, -1};
        for (size_t s = 0; s < sizeof(others) / sizeof(others[0]); s++) {
            char mention[64];
            snprintf(mention, sizeof(mention), "HTTP %ld (error %s", others[s], cases[i].error);
            expect_poll(others[s], b, OI_POLL_FAILED, mention);
        }
        /* And an error that is only nearly that one. */
        snprintf(b, sizeof(b), "{\"error\":\"%s \"}", cases[i].error);
        expect_poll(400, b, OI_POLL_FAILED, "HTTP 400");
        snprintf(b, sizeof(b), "{\"error\":\"X%s\"}", cases[i].error);
        expect_poll(400, b, OI_POLL_FAILED, "HTTP 400");
        snprintf(b, sizeof(b), "{\"error\":[\"%s\"]}", cases[i].error);
        expect_poll(400, b, OI_POLL_FAILED, "HTTP 400 (error -)");
        snprintf(b, sizeof(b), "{\"error\":\"%s\"}x", cases[i].error);
        expect_poll(400, b, OI_POLL_FAILED, "HTTP 400 (error -)");
        snprintf(b, sizeof(b), "{\"error\":\"%s\",\"error\":\"access_denied\"}", cases[i].error);
        expect_poll(400, b, OI_POLL_FAILED, "HTTP 400 (error -)");
    }
    expect_poll(400, "{\"error\":\"Authorization_Pending\"}", OI_POLL_FAILED, "HTTP 400 (error Authorization_Pending)");
}

static void test_poll_other_errors_final(void **state)
{
    expect_poll(400,
                "{\"error\":\"invalid_grant\",\"error_description\":\"The provided authorization grant is invalid\"}",
                OI_POLL_FAILED, "HTTP 400 (error invalid_grant: The provided authorization grant is invalid)");
    expect_poll(401, "{\"error\":\"invalid_client\"}", OI_POLL_FAILED, "HTTP 401 (error invalid_client)");
    expect_poll(400, "{\"error\":\"invalid_request\"}", OI_POLL_FAILED, "HTTP 400 (error invalid_request)");
    expect_poll(429, "Too Many Requests", OI_POLL_FAILED, "HTTP 429 (error -)");
    expect_poll(503, "", OI_POLL_FAILED, "HTTP 503 (error -)");
    expect_poll(400, "{}", OI_POLL_FAILED, "HTTP 400 (error -)");
    /* A token in an error answer is never a token. */
    expect_poll(400, "{\"access_token\":\"" AT "\",\"token_type\":\"bearer\"}", OI_POLL_FAILED, "HTTP 400");
    /* What the server says is shown printable. */
    expect_poll(400, "{\"error\":\"bad\\u001b[2J\",\"error_description\":\"x\\u001b]0;owned\\u0007\\r\\ny\"}",
                OI_POLL_FAILED, "HTTP 400 (error bad?[2J: x?]0;owned???y)");
}

/* ---- the prompt ---- */

static const struct oi_subject alice = {"alice", "sshd", "host1", "192.0.2.7", NULL};

static char fill_device_code[] = DEVICE_CODE, fill_user_code[] = "AbCd3xyz", fill_uri[] = VERIFY,
            fill_complete[] = VERIFY "?user_code=AbCd3xyz";

static void code_fill(struct oi_device_code *code, bool complete)
{
    memset(code, 0, sizeof(*code));
    code->device_code = fill_device_code;
    code->user_code = fill_user_code;
    code->verification_uri = fill_uri;
    code->verification_uri_complete = complete ? fill_complete : NULL;
    code->expires_in = 600;
    code->interval = 5;
}

#define FULL "\xe2\x96\x88"
#define UPPER "\xe2\x96\x80"
#define LOWER "\xe2\x96\x84"

/* Printable ASCII, '\n' and the three half blocks: no other byte a terminal could act on. */
static void assert_terminal_safe(const char *s)
{
    for (size_t i = 0; s[i];) {
        if ((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\n') {
            i++;
        } else if (strncmp(s + i, FULL, 3) == 0 || strncmp(s + i, UPPER, 3) == 0 || strncmp(s + i, LOWER, 3) == 0) {
            i += 3;
        } else {
            fail_msg("byte 0x%02x at %zu of the prompt:\n%s", (unsigned char)s[i], i, s);
        }
    }
}

static char *prompt(const struct oi_device_code *code, const struct oi_subject *subj, int64_t expires_at, bool qr)
{
    char *p = oi_device_prompt(code, subj, expires_at, qr);
    assert_non_null(p);
    assert_terminal_safe(p);
    assert_null(strstr(p, "SeCrEt")); /* the device code is never shown */
    const char *end = "Press Enter once approved: ";
    size_t n = strlen(p), e = strlen(end);
    assert_true(n > e);
    assert_string_equal(p + n - e, end);
    return p;
}

static void test_prompt_complete(void **state)
{
    struct oi_device_code code;
    code_fill(&code, true);
    int64_t expires_at = (int64_t)time(NULL) + 600;
    char *p = prompt(&code, &alice, expires_at, true);
    assert_mentions(p, "To log in as alice on host1 (service sshd, from 192.0.2.7), approve this login on another "
                       "device:\n");
    assert_mentions(p, "1. Open " VERIFY "?user_code=AbCd3xyz\n");
    assert_mentions(p, "(or scan the QR code below with a phone)");
    assert_mentions(p, "2. Check that the page shows the code AbCd3xyz, then approve.");
    assert_null(strstr(p, "Enter the code"));
    assert_mentions(p, "Approve only a login you started yourself: whoever gets you to approve a code\n"
                       "logs in as you.");
    /* The time the code stops being polled, as the local clock shows it. */
    char when[80];
    time_t t = (time_t)expires_at;
    struct tm tm;
    assert_non_null(localtime_r(&t, &tm));
    strftime(when, sizeof(when), "The code is valid until %H:%M:%S %Z (", &tm);
    assert_mentions(p, when);
    assert_mentions(p, " s from now).\n");
    /* The QR code of the complete URI, whole, just before the last line. */
    char *qr = oi_qr_text(VERIFY "?user_code=AbCd3xyz");
    assert_non_null(qr);
    char *at = strstr(p, qr);
    assert_non_null(at);
    assert_string_equal(at + strlen(qr), "Press Enter once approved: ");
    free(qr);
    free(p);
}

static void test_prompt_plain_uri(void **state)
{
    struct oi_device_code code;
    code_fill(&code, false);
    char *p = prompt(&code, &alice, (int64_t)time(NULL) + 100, true);
    assert_mentions(p, "1. Open " VERIFY "\n");
    assert_null(strstr(p, "user_code="));
    assert_mentions(p, "2. Enter the code AbCd3xyz exactly as shown here, then approve.");
    assert_mentions(p, "valid until");
    assert_mentions(p, "Approve only a login you started yourself");
    char *qr = oi_qr_text(VERIFY);
    assert_non_null(qr);
    assert_non_null(strstr(p, qr));
    free(qr);
    free(p);
}

static void test_prompt_without_qr(void **state)
{
    for (int complete = 0; complete < 2; complete++) {
        struct oi_device_code code;
        code_fill(&code, complete);
        char *p = prompt(&code, &alice, (int64_t)time(NULL) + 100, false);
        assert_null(strstr(p, FULL));
        assert_null(strstr(p, UPPER));
        assert_null(strstr(p, LOWER));
        assert_null(strstr(p, "QR"));
        assert_mentions(p, "AbCd3xyz");
        assert_mentions(p, "valid until");
        /* Nothing but ASCII at all. */
        for (const char *c = p; *c; c++)
            assert_true(*c == '\n' || (*c >= 0x20 && *c < 0x7f));
        free(p);
    }
}

static void test_prompt_without_rhost(void **state)
{
    static const char *const rhosts[] = {NULL, "-", ""};
    for (size_t i = 0; i < sizeof(rhosts) / sizeof(rhosts[0]); i++) {
        struct oi_subject s = {"alice", "sudo", "host1", rhosts[i], NULL};
        struct oi_device_code code;
        code_fill(&code, true);
        char *p = prompt(&code, &s, (int64_t)time(NULL) + 100, false);
        assert_mentions(p, "To log in as alice on host1 (service sudo), approve this login on another device:\n");
        assert_null(strstr(p, ", from"));
        assert_null(strstr(p, "(service sudo, "));
        free(p);
    }
}

static void test_prompt_past_expiry(void **state)
{
    struct oi_device_code code;
    code_fill(&code, true);
    char *p = prompt(&code, &alice, (int64_t)time(NULL) - 100, false);
    assert_mentions(p, "(0 s from now)");
    free(p);
}

/* A name from an application or a remote host is shown escaped: it cannot draw on the terminal or
 * fake a line of the prompt. */
static void test_prompt_hostile_items(void **state)
{
    struct oi_subject s = {"al\x1b[31mice", "ss\nhd", "ho\rst", "evil\n  1. Open https://evil.example/", NULL};
    struct oi_device_code code;
    code_fill(&code, true);
    char *p = prompt(&code, &s, (int64_t)time(NULL) + 100, true);
    assert_mentions(p, "To log in as al\\x1b[31mice on ho\\x0dst (service ss\\x0ahd, from evil\\x0a\\x20\\x20"
                       "1.\\x20Open\\x20https://evil.example/),");
    assert_null(strstr(p, "\x1b"));
    assert_null(strstr(p, "\r"));
    /* Only the prompt's own lines start a line. */
    assert_null(strstr(p, "\n  1. Open https://evil"));
    free(p);
    /* A user name with a newline and UTF-8. */
    struct oi_subject u = {"bob\nroot", "sshd", "h\xc3\xa9", NULL, NULL};
    p = prompt(&code, &u, (int64_t)time(NULL) + 100, false);
    assert_mentions(p, "To log in as bob\\x0aroot on h\\xc3\\xa9 (service sshd),");
    free(p);
}

/* Long items are cut, never overflow. */
static void test_prompt_long_items(void **state)
{
    char longname[1000];
    memset(longname, '\x1b', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    struct oi_subject s = {longname, longname, longname, longname, NULL};
    struct oi_device_code code;
    code_fill(&code, true);
    char *p = prompt(&code, &s, (int64_t)time(NULL) + 100, true);
    assert_true(strlen(p) < 12000);
    free(p);
    /* The longest code and URIs a server may send. */
    char uc[OI_DEVICE_MAX_USER_CODE + 1], uri[OI_DEVICE_MAX_URI + 1], complete[OI_DEVICE_MAX_URI + 1];
    memset(uc, 'Z', sizeof(uc) - 1);
    uc[sizeof(uc) - 1] = '\0';
    snprintf(uri, sizeof(uri), "https://hydra.example/%0*d", OI_DEVICE_MAX_URI - 22, 7);
    snprintf(complete, sizeof(complete), "https://hydra.example/?%0*d", OI_DEVICE_MAX_URI - 23, 9);
    code.user_code = uc;
    code.verification_uri = uri;
    code.verification_uri_complete = complete;
    p = prompt(&code, &alice, (int64_t)time(NULL) + 100, true);
    assert_mentions(p, uc);
    assert_mentions(p, complete);
    free(p);
    code.verification_uri_complete = NULL;
    p = prompt(&code, &alice, (int64_t)time(NULL) + 100, true);
    assert_mentions(p, uc);
    assert_mentions(p, uri);
    free(p);
}

/* The subject as a caller may have it: no user name, no host, no service. */
static void test_prompt_missing_items(void **state)
{
    struct oi_subject s = {NULL, NULL, NULL, NULL, NULL};
    struct oi_device_code code;
    code_fill(&code, true);
    char *p = prompt(&code, &s, (int64_t)time(NULL) + 100, false);
    assert_mentions(p, "To log in as - on this host (service -), approve");
    free(p);
}

/* ---- the QR code's shape (its content: tests/unit/qr-decode.sh) ---- */

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

static void test_qr_shape(void **state)
{
    static const char *const texts[] = {"https://a.example/", VERIFY "?user_code=AbCd3xyz", "x"};
    for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
        char *qr = oi_qr_text(texts[t]);
        assert_non_null(qr);
        assert_terminal_safe(qr);
        size_t len = strlen(qr), lines = 0, side = 0;
        assert_true(len > 0 && qr[len - 1] == '\n');
        for (const char *l = qr; *l;) {
            const char *nl = strchr(l, '\n');
            assert_non_null(nl);
            size_t w = utf8_chars(l, (size_t)(nl - l));
            if (side == 0)
                side = w;
            assert_int_equal(w, side); /* square */
            lines++;
            l = nl + 1;
        }
        /* 21 + 4k modules and a quiet zone of 2 on each side: an odd side, two rows a line. */
        assert_true(side >= 25 && (side - 25) % 4 == 0);
        assert_int_equal(lines, (side + 1) / 2);
        /* The quiet zone is drawn light: the first line is full blocks. */
        for (size_t i = 0; i < side; i++)
            assert_memory_equal(qr + 3 * i, FULL, 3);
        /* The last line: the quiet zone's last row above, the terminal's background below. */
        const char *last = qr + len - 1 - 3 * side;
        assert_true(last == qr || last[-1] == '\n');
        for (size_t i = 0; i < side; i++)
            assert_memory_equal(last + 3 * i, UPPER, 3);
        free(qr);
    }
}

static void test_qr_too_long(void **state)
{
    /* Version 40-L holds 2953 bytes: beyond that there is no QR code. */
    char *big = malloc(4001);
    assert_non_null(big);
    memset(big, 'a', 4000);
    big[4000] = '\0';
    assert_null(oi_qr_text(big));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_hydra),
        cmocka_unit_test(test_code_hydra_header_null_and_unknown_members),
        cmocka_unit_test(test_code_complete_optional),
        cmocka_unit_test(test_code_required_missing),
        cmocka_unit_test(test_code_strings_wrong_type),
        cmocka_unit_test(test_code_strings_empty),
        cmocka_unit_test(test_code_strings_too_long),
        cmocka_unit_test(test_code_strings_hostile_characters),
        cmocka_unit_test(test_code_user_code_spaces),
        cmocka_unit_test(test_code_raw_escape_byte_refused),
        cmocka_unit_test(test_code_user_code_printable_verbatim),
        cmocka_unit_test(test_code_uri_http),
        cmocka_unit_test(test_code_uri_not_http),
        cmocka_unit_test(test_code_uri_no_host),
        cmocka_unit_test(test_code_complete_other_origin),
        cmocka_unit_test(test_code_uri_userinfo),
        cmocka_unit_test(test_code_complete_same_origin),
        cmocka_unit_test(test_code_expires_in),
        cmocka_unit_test(test_code_interval),
        cmocka_unit_test(test_code_duplicate_keys),
        cmocka_unit_test(test_code_not_one_object),
        cmocka_unit_test(test_code_nul_byte_in_body),
        cmocka_unit_test(test_discovery_hydra),
        cmocka_unit_test(test_discovery_issuer_trailing_slash),
        cmocka_unit_test(test_discovery_issuer_mismatch),
        cmocka_unit_test(test_discovery_issuer_missing_or_wrong_type),
        cmocka_unit_test(test_discovery_no_device_endpoint),
        cmocka_unit_test(test_discovery_grant_types),
        cmocka_unit_test(test_discovery_endpoints_hostile),
        cmocka_unit_test(test_discovery_http_allowed),
        cmocka_unit_test(test_discovery_not_one_object),
        cmocka_unit_test(test_poll_token_hydra),
        cmocka_unit_test(test_poll_token_type_case),
        cmocka_unit_test(test_poll_token_type_refused),
        cmocka_unit_test(test_poll_access_token_hostile),
        cmocka_unit_test(test_poll_access_token_max_length),
        cmocka_unit_test(test_poll_token_answer_not_one_object),
        cmocka_unit_test(test_poll_errors_400),
        cmocka_unit_test(test_poll_other_errors_final),
        cmocka_unit_test(test_prompt_complete),
        cmocka_unit_test(test_prompt_plain_uri),
        cmocka_unit_test(test_prompt_without_qr),
        cmocka_unit_test(test_prompt_without_rhost),
        cmocka_unit_test(test_prompt_past_expiry),
        cmocka_unit_test(test_prompt_hostile_items),
        cmocka_unit_test(test_prompt_long_items),
        cmocka_unit_test(test_prompt_missing_items),
        cmocka_unit_test(test_qr_shape),
        cmocka_unit_test(test_qr_too_long),
    };
    return cmocka_run_group_tests_name("unit_device", tests, NULL, NULL);
}
