/* Unit tests: util.c (numbers, strings, lists, sanitising, host name) and reason.c. */
#include <config.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_modules.h>

#include "reason.h"
#include "util.h"

/* ---- oi_parse_long ---- */

static void test_parse_long_plain(void **state)
{
    long v = -1;
    assert_true(oi_parse_long("42", 0, 100, &v));
    assert_int_equal(v, 42);
}

static void test_parse_long_bounds_inclusive(void **state)
{
    long v = -1;
    assert_true(oi_parse_long("16", 16, 1048576, &v));
    assert_int_equal(v, 16);
    assert_true(oi_parse_long("1048576", 16, 1048576, &v));
    assert_int_equal(v, 1048576);
}

static void test_parse_long_below_min(void **state)
{
    long v = 7;
    assert_false(oi_parse_long("15", 16, 1048576, &v));
    assert_int_equal(v, 7); /* untouched on failure */
}

static void test_parse_long_above_max(void **state)
{
    long v = 7;
    assert_false(oi_parse_long("1048577", 16, 1048576, &v));
    assert_int_equal(v, 7);
}

static void test_parse_long_zero(void **state)
{
    long v = -1;
    assert_true(oi_parse_long("0", 0, 3600, &v));
    assert_int_equal(v, 0);
}

static void test_parse_long_sign_refused(void **state)
{
    long v = 7;
    /* Even where the range allows it, a sign is not a plain number. */
    assert_false(oi_parse_long("-1", -10, 10, &v));
    assert_false(oi_parse_long("+1", -10, 10, &v));
    assert_int_equal(v, 7);
}

static void test_parse_long_junk_refused(void **state)
{
    long v = 7;
    assert_false(oi_parse_long("12ms", 0, 100000, &v));
    assert_false(oi_parse_long("0x10", 0, 100000, &v));
    assert_false(oi_parse_long("1.5", 0, 100000, &v));
    assert_false(oi_parse_long("abc", 0, 100000, &v));
    assert_int_equal(v, 7);
}

static void test_parse_long_whitespace_refused(void **state)
{
    long v = 7;
    assert_false(oi_parse_long(" 5", 0, 100, &v));
    assert_false(oi_parse_long("5 ", 0, 100, &v));
    assert_false(oi_parse_long("5\n", 0, 100, &v));
    assert_int_equal(v, 7);
}

static void test_parse_long_empty_and_null(void **state)
{
    long v = 7;
    assert_false(oi_parse_long("", 0, 100, &v));
    assert_false(oi_parse_long(NULL, 0, 100, &v));
    assert_int_equal(v, 7);
}

static void test_parse_long_overflow(void **state)
{
    long v = 7;
    assert_false(oi_parse_long("99999999999999999999", 0, LONG_MAX, &v));
    assert_int_equal(v, 7);
}

static void test_parse_long_long_max(void **state)
{
    char buf[32];
    long v = 0;
    snprintf(buf, sizeof(buf), "%ld", LONG_MAX);
    assert_true(oi_parse_long(buf, 0, LONG_MAX, &v));
    assert_true(v == LONG_MAX);
}

/* ---- oi_str_eq ---- */

static void test_str_eq_equal(void **state)
{
    assert_true(oi_str_eq("alice", 5, "alice"));
}

static void test_str_eq_empty(void **state)
{
    assert_true(oi_str_eq("", 0, ""));
    assert_false(oi_str_eq("", 0, "a"));
}

static void test_str_eq_length_matters(void **state)
{
    assert_false(oi_str_eq("alic", 4, "alice"));
    assert_false(oi_str_eq("alicex", 6, "alice"));
    /* only alen bytes of a count */
    assert_false(oi_str_eq("alicex", 4, "alice"));
}

static void test_str_eq_embedded_nul_never_matches(void **state)
{
    static const char a[] = {'a', 'l', 'i', 'c', 'e', '\0', 'x'};
    assert_false(oi_str_eq(a, sizeof(a), "alice"));
}

static void test_str_eq_null(void **state)
{
    assert_false(oi_str_eq(NULL, 0, ""));
    assert_false(oi_str_eq("", 0, NULL));
}

static void test_str_eq_case_sensitive(void **state)
{
    assert_false(oi_str_eq("Alice", 5, "alice"));
}

/* ---- oi_strlist ---- */

static void test_strlist_split_trims(void **state)
{
    struct oi_strlist l = {0};
    assert_int_equal(oi_strlist_split(&l, "  a , b\t,\tc c  ", ','), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0], "a");
    assert_string_equal(l.items[1], "b");
    assert_string_equal(l.items[2], "c c");
    oi_strlist_free(&l);
}

static void test_strlist_split_single(void **state)
{
    struct oi_strlist l = {0};
    assert_int_equal(oi_strlist_split(&l, "only", ','), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0], "only");
    oi_strlist_free(&l);
}

static void expect_split_refused(const char *s)
{
    struct oi_strlist l = {0};
    assert_int_equal(oi_strlist_split(&l, "keep,me", ','), 0);
    if (oi_strlist_split(&l, s, ',') != OI_CONFIG) {
        oi_strlist_free(&l);
        fail_msg("'%s' was accepted", s);
    }
    /* the previous list is left as it was */
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0], "keep");
    assert_string_equal(l.items[1], "me");
    oi_strlist_free(&l);
}

static void test_strlist_split_empty_string(void **state)
{
    expect_split_refused("");
}

static void test_strlist_split_empty_middle(void **state)
{
    expect_split_refused("a,,b");
}

static void test_strlist_split_empty_first(void **state)
{
    expect_split_refused(",a");
}

static void test_strlist_split_empty_last(void **state)
{
    expect_split_refused("a,");
}

static void test_strlist_split_blank_item(void **state)
{
    expect_split_refused("a, \t ,b");
}

static void test_strlist_split_replaces(void **state)
{
    struct oi_strlist l = {0};
    assert_int_equal(oi_strlist_split(&l, "a,b,c", ','), 0);
    assert_int_equal(oi_strlist_split(&l, "x", ','), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0], "x");
    oi_strlist_free(&l);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
}

static void test_strlist_contains(void **state)
{
    struct oi_strlist l = {0};
    assert_int_equal(oi_strlist_split(&l, "cli,ssh-cli", ','), 0);
    assert_true(oi_strlist_contains(&l, "ssh-cli", 7));
    assert_true(oi_strlist_contains(&l, "cli", 3));
    assert_false(oi_strlist_contains(&l, "ssh", 3));
    assert_false(oi_strlist_contains(&l, "clix", 4));
    assert_false(oi_strlist_contains(&l, "cli\0x", 5));
    oi_strlist_free(&l);
}

/* ---- oi_word_in ---- */

static bool word_in(const char *list, const char *word)
{
    return oi_word_in(list, strlen(list), word, ' ');
}

static void test_word_in_exact(void **state)
{
    assert_true(word_in("openid ssh offline", "ssh"));
    assert_true(word_in("ssh", "ssh"));
    assert_true(word_in("openid ssh", "ssh"));
    assert_true(word_in("ssh openid", "ssh"));
}

static void test_word_in_no_partial(void **state)
{
    assert_false(word_in("ssh:login sshx xssh", "ssh"));
    assert_false(word_in("ss", "ssh"));
}

static void test_word_in_empty_word(void **state)
{
    assert_false(word_in("a  b", ""));
    assert_false(word_in("", ""));
}

static void test_word_in_empty_list(void **state)
{
    assert_false(word_in("", "ssh"));
}

static void test_word_in_extra_separators(void **state)
{
    assert_true(word_in("  a   ssh  ", "ssh"));
}

static void test_word_in_respects_length(void **state)
{
    /* bytes past list_len are not part of the list */
    assert_false(oi_word_in("openid ssh", 6, "ssh", ' '));
    assert_true(oi_word_in("openid ssh", 10, "ssh", ' '));
}

static void test_word_in_other_separator(void **state)
{
    assert_true(oi_word_in("a,b,c", 5, "b", ','));
    assert_false(oi_word_in("a b c", 5, "b", ','));
}

/* ---- oi_sanitize ---- */

static void test_sanitize_printable_kept(void **state)
{
    char out[64];
    oi_sanitize(out, sizeof(out), "alice@EXAMPLE.org-1_2~", 22);
    assert_string_equal(out, "alice@EXAMPLE.org-1_2~");
}

static void test_sanitize_control_chars(void **state)
{
    char out[64];
    oi_sanitize(out, sizeof(out), "a\nb\rc\td\x1b\x7f", 9);
    assert_string_equal(out, "a\\x0ab\\x0dc\\x09d\\x1b\\x7f");
}

static void test_sanitize_space(void **state)
{
    char out[64];
    /* a space would let a value forge another key=value field */
    oi_sanitize(out, sizeof(out), "a reason=ok", 11);
    assert_string_equal(out, "a\\x20reason\\x3dok");
}

static void test_sanitize_equals_and_backslash(void **state)
{
    char out[64];
    oi_sanitize(out, sizeof(out), "a=b\\c", 5);
    assert_string_equal(out, "a\\x3db\\x5cc");
}

static void test_sanitize_non_ascii(void **state)
{
    char out[64];
    oi_sanitize(out, sizeof(out), "\xc3\xa9\xff", 3);
    assert_string_equal(out, "\\xc3\\xa9\\xff");
}

static void test_sanitize_embedded_nul(void **state)
{
    char out[64];
    oi_sanitize(out, sizeof(out), "alice\0x", 7);
    assert_string_equal(out, "alice\\x00x");
}

static void test_sanitize_only_len_bytes(void **state)
{
    char out[64];
    oi_sanitize(out, sizeof(out), "alice-and-more", 5);
    assert_string_equal(out, "alice");
}

static void test_sanitize_null(void **state)
{
    char out[16];
    oi_sanitize(out, sizeof(out), NULL, 0);
    assert_string_equal(out, "-");
}

static void test_sanitize_empty(void **state)
{
    char out[16];
    /* an empty value shows as "" so the log field is never blank */
    oi_sanitize(out, sizeof(out), "", 0);
    assert_string_equal(out, "\"\"");
}

static void test_sanitize_truncates_plain(void **state)
{
    char buf[16];
    memset(buf, 'Z', sizeof(buf));
    oi_sanitize(buf, 8, "abcdefghijklmnop", 16);
    assert_string_equal(buf, "abcdefg");
    for (size_t i = 8; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 'Z');
}

static void test_sanitize_truncates_escape_whole(void **state)
{
    char buf[16];
    memset(buf, 'Z', sizeof(buf));
    /* "ab" + "\x01" needs 2 + 4 + 1 bytes; with 6 the escape is dropped, never cut */
    oi_sanitize(buf, 6, "ab\x01", 3);
    assert_string_equal(buf, "ab");
    for (size_t i = 6; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 'Z');
}

static void test_sanitize_escape_fits_exactly(void **state)
{
    char buf[16];
    memset(buf, 'Z', sizeof(buf));
    oi_sanitize(buf, 7, "ab\x01", 3);
    assert_string_equal(buf, "ab\\x01");
    for (size_t i = 7; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 'Z');
}

static void test_sanitize_never_overflows(void **state)
{
    char src[300];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (char)i; /* every byte value, plain and escaped mixed */
    for (size_t dstlen = 1; dstlen <= 40; dstlen++) {
        char buf[64];
        memset(buf, 'Z', sizeof(buf));
        oi_sanitize(buf, dstlen, src, sizeof(src));
        assert_true(strlen(buf) < dstlen);
        for (size_t i = dstlen; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 'Z');
    }
}

static void test_sanitize_zero_dstlen(void **state)
{
    char buf[4] = {'Z', 'Z', 'Z', 'Z'};
    oi_sanitize(buf, 0, "abc", 3);
    assert_memory_equal(buf, "ZZZZ", 4);
}

/* ---- oi_short_hostname ---- */

static void test_short_hostname(void **state)
{
    char full[256], want[256], got[256];
    assert_int_equal(gethostname(full, sizeof(full)), 0);
    full[sizeof(full) - 1] = '\0';
    snprintf(want, sizeof(want), "%.*s", (int)strcspn(full, "."), full);
    memset(got, 'Z', sizeof(got));
    assert_int_equal(oi_short_hostname(got, sizeof(got)), 0);
    assert_string_equal(got, want);
    assert_null(strchr(got, '.'));
}

/* ---- oi_skip_prefix ---- */

static void test_skip_prefix(void **state)
{
    const char *arg = "conf=/etc/x";
    assert_ptr_equal(oi_skip_prefix(arg, "conf="), arg + 5);
    assert_null(oi_skip_prefix("config=/x", "conf="));
    assert_null(oi_skip_prefix("conf", "conf="));
}

/* ---- oi_free_secret ---- */

static void test_free_secret_sets_null(void **state)
{
    char *s = strdup("s3cret");
    assert_non_null(s);
    oi_free_secret(&s);
    assert_null(s);
    oi_free_secret(&s); /* a second call is harmless */
    assert_null(s);
}

/* ---- reasons ---- */

static const struct {
    enum oi_reason r;
    const char *name;
    int pam;
} reason_table[] = {
    {OI_OK, "ok", PAM_SUCCESS},
    {OI_NOT_TOKEN, "not_token", PAM_IGNORE},
    {OI_NO_TOKEN, "no_token", PAM_AUTH_ERR},
    {OI_MALFORMED, "malformed", PAM_AUTH_ERR},
    {OI_NOT_ACCESS_TOKEN, "not_access_token", PAM_AUTH_ERR},
    {OI_INACTIVE, "inactive", PAM_AUTH_ERR},
    {OI_EXPIRED, "expired", PAM_AUTH_ERR},
    {OI_NOT_YET_VALID, "not_yet_valid", PAM_AUTH_ERR},
    {OI_ISSUER, "issuer", PAM_AUTH_ERR},
    {OI_AUDIENCE, "audience", PAM_AUTH_ERR},
    {OI_CLIENT, "client", PAM_AUTH_ERR},
    {OI_SCOPE, "scope", PAM_AUTH_ERR},
    {OI_USER_MISMATCH, "user_mismatch", PAM_AUTH_ERR},
    {OI_USER_UNKNOWN, "user_unknown", PAM_USER_UNKNOWN},
    {OI_ACCOUNT_LOOKUP, "account_lookup", PAM_AUTHINFO_UNAVAIL},
    {OI_ACCOUNT_NAME, "account_name", PAM_USER_UNKNOWN},
    {OI_ROOT_DENIED, "root_denied", PAM_AUTH_ERR},
    {OI_SYSTEM_ACCOUNT, "system_account", PAM_AUTH_ERR},
    {OI_TOKEN_AGE, "token_age", PAM_AUTH_ERR},
    {OI_UNAVAILABLE, "unavailable", PAM_AUTHINFO_UNAVAIL},
    {OI_HTTP_STATUS, "http_status", PAM_AUTHINFO_UNAVAIL},
    {OI_BAD_ANSWER, "bad_answer", PAM_AUTHINFO_UNAVAIL},
    {OI_OVER_BUDGET, "over_budget", PAM_AUTHINFO_UNAVAIL},
    {OI_DAMPED, "damped", PAM_AUTH_ERR},
    {OI_DEVICE_DENIED, "device_denied", PAM_AUTH_ERR},
    {OI_DEVICE_TIMEOUT, "device_timeout", PAM_AUTH_ERR},
    {OI_DEVICE_CANCELLED, "device_cancelled", PAM_AUTH_ERR},
    {OI_CONFIG, "config", PAM_SERVICE_ERR},
    {OI_NOMEM, "nomem", PAM_BUF_ERR},
};
#define N_REASONS (sizeof(reason_table) / sizeof(reason_table[0]))

static void test_reason_every_value_named(void **state)
{
    /* every enum value from the first to the last has a real name */
    for (int r = OI_OK; r <= OI_NOMEM; r++) {
        const char *name = oi_reason_name((enum oi_reason)r);
        assert_non_null(name);
        assert_string_not_equal(name, "unknown");
        assert_true(name[0] != '\0');
    }
    assert_int_equal(N_REASONS, OI_NOMEM + 1);
}

static void test_reason_names_stable(void **state)
{
    for (size_t i = 0; i < N_REASONS; i++)
        assert_string_equal(oi_reason_name(reason_table[i].r), reason_table[i].name);
}

static void test_reason_names_distinct(void **state)
{
    for (int a = OI_OK; a <= OI_NOMEM; a++)
        for (int b = a + 1; b <= OI_NOMEM; b++)
            assert_string_not_equal(oi_reason_name((enum oi_reason)a), oi_reason_name((enum oi_reason)b));
}

static void test_reason_pam_codes(void **state)
{
    for (size_t i = 0; i < N_REASONS; i++) {
        int got = oi_reason_pam_code(reason_table[i].r);
        if (got != reason_table[i].pam)
            fail_msg("reason %s: PAM code %d, expected %d", reason_table[i].name, got, reason_table[i].pam);
    }
}

static void test_reason_only_ok_is_success(void **state)
{
    for (int r = OI_OK + 1; r <= OI_NOMEM; r++)
        assert_int_not_equal(oi_reason_pam_code((enum oi_reason)r), PAM_SUCCESS);
}

static void test_reason_out_of_range(void **state)
{
    enum oi_reason past = (enum oi_reason)(OI_NOMEM + 1);
    enum oi_reason huge = (enum oi_reason)1000;
    enum oi_reason neg = (enum oi_reason) - 1;
    assert_string_equal(oi_reason_name(past), "unknown");
    assert_string_equal(oi_reason_name(huge), "unknown");
    assert_string_equal(oi_reason_name(neg), "unknown");
    assert_int_equal(oi_reason_pam_code(past), PAM_AUTH_ERR);
    assert_int_equal(oi_reason_pam_code(huge), PAM_AUTH_ERR);
    assert_int_equal(oi_reason_pam_code(neg), PAM_AUTH_ERR);
}

/* ---- oi_parse_int64 ---- */

static void test_parse_int64_beyond_32_bits(void **state)
{
    int64_t v = 0;
    assert_true(oi_parse_int64("4102444800", 0, INT64_C(253402300799), &v));
    assert_true(v == INT64_C(4102444800));
    assert_false(oi_parse_int64("253402300800", 0, INT64_C(253402300799), &v));
    assert_false(oi_parse_int64("99999999999999999999", 0, INT64_MAX, &v));
    assert_false(oi_parse_int64("-1", 0, 10, &v));
    assert_false(oi_parse_int64("12x", 0, 100, &v));
    assert_false(oi_parse_int64("", 0, 100, &v));
}

/* ---- oi_holds_secret ---- */

#define SECRET "ory_at_Xw7hq2m4K9bRZ0YkVq1sT3uLdN8pFcEa-_JgHiOyWx5.Zq"

static bool holds(const char *text, const char *const *secrets)
{
    return oi_holds_secret(text, strlen(text), secrets);
}

static void test_holds_secret_whole_and_pieces(void **state)
{
    const char *const one[] = {SECRET, NULL};
    assert_true(holds("{\"error\":\"" SECRET "\"}", one));
    /* Any 16 bytes of it, at the start, in the middle, at the very end of the text. */
    assert_true(holds("ory_at_Xw7hq2m4K9", one));
    assert_true(holds("xx q2m4K9bRZ0YkVq1sT3 yy", one));
    assert_true(holds("tail: cEa-_JgHiOyWx5.Zq", one));
    /* 15 bytes are not enough, and text shorter than a piece holds nothing. */
    assert_false(holds("ory_at_Xw7hq2m4", one));
    assert_false(holds("", one));
    assert_false(holds("{\"active\":false}", one));
}

static void test_holds_secret_short_and_many(void **state)
{
    /* A secret shorter than a piece counts only whole. */
    const char *const short_one[] = {"s3cr&t=", NULL};
    assert_true(holds("bad client s3cr&t= here", short_one));
    assert_false(holds("bad client s3cr&t here", short_one));
    /* Empty entries are skipped; any of several secrets counts. */
    const char *const several[] = {"", "Bearer ory_apikey_tool-test-network-key", SECRET, NULL};
    assert_true(holds("echo: apikey_tool-test-netw", several));
    assert_true(holds("4K9bRZ0YkVq1sT3uL", several));
    assert_false(holds("Bearer realm=\"hydra\"", several));
    const char *const none[] = {NULL};
    assert_false(holds(SECRET, none));
}

/* A body as large as an answer may be, with the piece at its last byte. */
static void test_holds_secret_large_text(void **state)
{
    size_t n = 64 * 1024;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memset(text, 'A', n);
    text[n] = '\0';
    const char *const one[] = {SECRET, NULL};
    assert_false(oi_holds_secret(text, n, one));
    memcpy(text + n - 16, "cEa-_JgHiOyWx5.Z", 16);
    assert_true(oi_holds_secret(text, n, one));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_long_plain),
        cmocka_unit_test(test_parse_int64_beyond_32_bits),
        cmocka_unit_test(test_holds_secret_whole_and_pieces),
        cmocka_unit_test(test_holds_secret_short_and_many),
        cmocka_unit_test(test_holds_secret_large_text),
        cmocka_unit_test(test_parse_long_bounds_inclusive),
        cmocka_unit_test(test_parse_long_below_min),
        cmocka_unit_test(test_parse_long_above_max),
        cmocka_unit_test(test_parse_long_zero),
        cmocka_unit_test(test_parse_long_sign_refused),
        cmocka_unit_test(test_parse_long_junk_refused),
        cmocka_unit_test(test_parse_long_whitespace_refused),
        cmocka_unit_test(test_parse_long_empty_and_null),
        cmocka_unit_test(test_parse_long_overflow),
        cmocka_unit_test(test_parse_long_long_max),
        cmocka_unit_test(test_str_eq_equal),
        cmocka_unit_test(test_str_eq_empty),
        cmocka_unit_test(test_str_eq_length_matters),
        cmocka_unit_test(test_str_eq_embedded_nul_never_matches),
        cmocka_unit_test(test_str_eq_null),
        cmocka_unit_test(test_str_eq_case_sensitive),
        cmocka_unit_test(test_strlist_split_trims),
        cmocka_unit_test(test_strlist_split_single),
        cmocka_unit_test(test_strlist_split_empty_string),
        cmocka_unit_test(test_strlist_split_empty_middle),
        cmocka_unit_test(test_strlist_split_empty_first),
        cmocka_unit_test(test_strlist_split_empty_last),
        cmocka_unit_test(test_strlist_split_blank_item),
        cmocka_unit_test(test_strlist_split_replaces),
        cmocka_unit_test(test_strlist_contains),
        cmocka_unit_test(test_word_in_exact),
        cmocka_unit_test(test_word_in_no_partial),
        cmocka_unit_test(test_word_in_empty_word),
        cmocka_unit_test(test_word_in_empty_list),
        cmocka_unit_test(test_word_in_extra_separators),
        cmocka_unit_test(test_word_in_respects_length),
        cmocka_unit_test(test_word_in_other_separator),
        cmocka_unit_test(test_sanitize_printable_kept),
        cmocka_unit_test(test_sanitize_control_chars),
        cmocka_unit_test(test_sanitize_space),
        cmocka_unit_test(test_sanitize_equals_and_backslash),
        cmocka_unit_test(test_sanitize_non_ascii),
        cmocka_unit_test(test_sanitize_embedded_nul),
        cmocka_unit_test(test_sanitize_only_len_bytes),
        cmocka_unit_test(test_sanitize_null),
        cmocka_unit_test(test_sanitize_empty),
        cmocka_unit_test(test_sanitize_truncates_plain),
        cmocka_unit_test(test_sanitize_truncates_escape_whole),
        cmocka_unit_test(test_sanitize_escape_fits_exactly),
        cmocka_unit_test(test_sanitize_never_overflows),
        cmocka_unit_test(test_sanitize_zero_dstlen),
        cmocka_unit_test(test_short_hostname),
        cmocka_unit_test(test_skip_prefix),
        cmocka_unit_test(test_free_secret_sets_null),
        cmocka_unit_test(test_reason_every_value_named),
        cmocka_unit_test(test_reason_names_stable),
        cmocka_unit_test(test_reason_names_distinct),
        cmocka_unit_test(test_reason_pam_codes),
        cmocka_unit_test(test_reason_only_ok_is_success),
        cmocka_unit_test(test_reason_out_of_range),
    };
    return cmocka_run_group_tests_name("unit_util", tests, NULL, NULL);
}
