/* Unit tests: usermap.c, the user map file (parser, trusted loading) and the matcher. */
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
#include "reason.h"
#include "usermap.h"
#include "unit_scratch.h"
#include "util.h"

#define MAP_PATH "/etc/security/oauth2_users"

/* ---- parsing helpers ---- */

static int parse_len(struct oi_usermap *map, const char *text, size_t len, struct oi_config_error *err)
{
    memset(err, 0, sizeof(*err));
    return oi_usermap_parse(map, MAP_PATH, text, len, err);
}

/* Parse text that must be accepted. */
static void parse_ok(struct oi_usermap *map, const char *text)
{
    struct oi_config_error err;
    int rc = parse_len(map, text, strlen(text), &err);
    if (rc != 0)
        fail_msg("map refused (%d): %s: %s: %s", rc, err.where, err.key, err.what);
}

/* len bytes of text must be refused at where ("path:line"), with a message holding fragment;
 * nothing is left in the map. */
static void expect_refused_len(const char *text, size_t len, const char *where, const char *fragment)
{
    struct oi_usermap map = {(struct oi_map_line *)&map, 99}; /* must be reset */
    struct oi_config_error err;
    int rc = parse_len(&map, text, len, &err);
    if (rc == 0) {
        oi_usermap_free(&map);
        fail_msg("map accepted, expected a refusal at %s", where);
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_null(map.lines);
    assert_int_equal(map.n, 0);
    assert_string_equal(err.key, "user_map");
    assert_string_equal(err.where, where);
    assert_true(err.what[0] != '\0');
    if (strstr(err.what, fragment) == NULL)
        fail_msg("message '%s' does not say '%s'", err.what, fragment);
}

static void expect_refused(const char *text, const char *where, const char *fragment)
{
    expect_refused_len(text, strlen(text), where, fragment);
}

#define LINE1 MAP_PATH ":1"

/* ---- bad lines: each kind refused with its place ---- */

static void test_bad_subject_only(void **state)
{
    expect_refused("alice@example.com\n", LINE1, "needs a subject and an account");
}

static void test_bad_subject_only_with_crlf(void **state)
{
    expect_refused("alice@example.com\r\n", LINE1, "needs a subject and an account");
}

static void test_bad_subject_bracket(void **state)
{
    /* '[' would be a character class in a glob */
    expect_refused("ali[ce]@example.com alice\n", LINE1, "subject");
}

static void test_bad_subject_backslash(void **state)
{
    expect_refused("ali\\ce@example.com alice\n", LINE1, "subject");
}

static void test_bad_subject_non_ascii(void **state)
{
    expect_refused("jos\xc3\xa9@example.com jose\n", LINE1, "subject");
}

static void test_bad_subject_del(void **state)
{
    /* refused as a bad subject or as a control character: either way, with its place */
    expect_refused("ali\x7f"
                   "ce alice\n",
                   LINE1, "");
}

static void test_bad_account_leading_dash(void **state)
{
    expect_refused("alice@example.com -alice\n", LINE1, "not an account name");
}

static void test_bad_account_too_long(void **state)
{
    /* 33 characters */
    expect_refused("alice@example.com aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", LINE1, "not an account name");
}

static void test_bad_account_slash(void **state)
{
    expect_refused("alice@example.com ../alice\n", LINE1, "not an account name");
}

static void test_bad_account_at_sign(void **state)
{
    expect_refused("alice@example.com alice@example.com\n", LINE1, "not an account name");
}

static void test_bad_account_bracket(void **state)
{
    expect_refused("alice@example.com [a]lice\n", LINE1, "not an account name");
}

static void test_bad_account_non_ascii(void **state)
{
    expect_refused("jose@example.com jos\xc3\xa9\n", LINE1, "not an account name");
}

static void test_bad_account_is_an_option(void **state)
{
    /* the account was forgotten: "client=ci" must not become an account name */
    expect_refused("deploy@ci client=ci\n", LINE1, "not an account name");
}

static void test_bad_unknown_option(void **state)
{
    expect_refused("alice@example.com alice shell=/bin/sh\n", LINE1, "not an option");
}

static void test_bad_option_plural(void **state)
{
    expect_refused("alice@example.com alice scopes=sudo\n", LINE1, "not an option");
}

static void test_bad_option_upper_case(void **state)
{
    expect_refused("alice@example.com alice Client=cli\n", LINE1, "not an option");
}

static void test_bad_third_word_not_option(void **state)
{
    /* a third account is not a thing: one line, one account */
    expect_refused("alice@example.com alice bob\n", LINE1, "not an option");
}

static void test_bad_trailing_comment(void **state)
{
    /* comments are whole lines only: never guess what a trailing word means */
    expect_refused("alice@example.com alice # the admin\n", LINE1, "not an option");
}

static void test_bad_option_without_value(void **state)
{
    expect_refused("alice@example.com alice client\n", LINE1, "client=");
}

static void test_bad_option_empty_value(void **state)
{
    expect_refused("alice@example.com alice scope=\n", LINE1, "scope=");
}

static void test_bad_option_empty_item_middle(void **state)
{
    expect_refused("alice@example.com alice client=a,,b\n", LINE1, "empty item");
}

static void test_bad_option_empty_item_first(void **state)
{
    expect_refused("alice@example.com alice scope=,sudo\n", LINE1, "empty item");
}

static void test_bad_option_empty_item_last(void **state)
{
    expect_refused("alice@example.com alice service=sshd,\n", LINE1, "empty item");
}

static void test_bad_client_twice(void **state)
{
    expect_refused("alice@example.com alice client=a client=b\n", LINE1, "twice");
}

static void test_bad_scope_twice(void **state)
{
    expect_refused("alice@example.com alice scope=a scope=b\n", LINE1, "twice");
}

static void test_bad_service_twice(void **state)
{
    expect_refused("alice@example.com alice service=sshd client=c service=sudo\n", LINE1, "twice");
}

static void test_bad_line_too_long(void **state)
{
    /* 1024 characters before the newline */
    char text[1100];
    memset(text, 'a', 1024);
    memcpy(text, "alice@example.com alice client=", 31);
    text[1024] = '\n';
    text[1025] = '\0';
    expect_refused(text, LINE1, "longer");
}

static void test_bad_line_too_long_last_line(void **state)
{
    /* the same without a final newline */
    char text[1100];
    memset(text, 'a', 1024);
    memcpy(text, "alice@example.com alice client=", 31);
    text[1024] = '\0';
    expect_refused(text, LINE1, "longer");
}

static void test_bad_long_comment(void **state)
{
    /* the length limit holds for comment lines too */
    char text[1100];
    memset(text, 'x', 1050);
    text[0] = '#';
    text[1050] = '\n';
    text[1051] = '\0';
    expect_refused(text, LINE1, "longer");
}

static void test_bad_control_character(void **state)
{
    expect_refused("alice@example.com al\x01ice\n", LINE1, "control character");
}

static void test_bad_escape_sequence(void **state)
{
    expect_refused("alice@example.com alice client=\x1b[31mcli\n", LINE1, "control character");
}

static void test_bad_cr_inside_line(void **state)
{
    /* only a CR right before the newline is line-ending noise */
    expect_refused("alice@example.com alice\rclient=cli\n", LINE1, "control character");
}

static void test_bad_two_crs(void **state)
{
    expect_refused("alice@example.com alice\r\r\n", LINE1, "control character");
}

static void test_bad_vertical_tab(void **state)
{
    expect_refused("alice@example.com\valice\n", LINE1, "control character");
}

static void test_bad_del_in_option(void **state)
{
    /* DEL is a control character wherever it is */
    expect_refused("alice@example.com alice client=cli\x7f\n", LINE1, "control character");
}

static void test_bad_nul_byte(void **state)
{
    static const char text[] = "# users\nalice@example.com alice\0 client=x\n";
    expect_refused_len(text, sizeof(text) - 1, MAP_PATH ":2", "NUL");
}

/* ---- error places ---- */

static void test_error_line_number_after_comments_and_blanks(void **state)
{
    expect_refused("# people\n\n   \n\talice@example.com alice\n# more\n\nbob@example.com -bob\n", MAP_PATH ":7",
                   "not an account name");
}

static void test_error_line_number_crlf(void **state)
{
    expect_refused("# people\r\n\r\nalice@example.com alice\r\nbob@example.com\r\n", MAP_PATH ":4",
                   "needs a subject and an account");
}

static void test_error_first_bad_line_reported(void **state)
{
    expect_refused("a b\nc -d\ne f shell=x\n", MAP_PATH ":2", "not an account name");
}

static void test_error_after_many_good_lines(void **state)
{
    /* more lines than the first allocation: the refusal still frees everything */
    char text[4096];
    size_t o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "user%d@example.com user%d client=c,d scope=s\n", i, i);
    snprintf(text + o, sizeof(text) - o, "broken\n");
    expect_refused(text, MAP_PATH ":41", "needs a subject and an account");
}

static void test_error_names_the_path(void **state)
{
    struct oi_usermap map;
    struct oi_config_error err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(oi_usermap_parse(&map, "/srv/other.map", "x\n", 2, &err), OI_CONFIG);
    assert_string_equal(err.where, "/srv/other.map:1");
}

/* ---- good lines ---- */

static void test_good_plain_line(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "alice@example.com alice\n");
    assert_int_equal(map.n, 1);
    const struct oi_map_line *l = &map.lines[0];
    assert_int_equal(l->lineno, 1);
    assert_string_equal(l->subject, "alice@example.com");
    assert_string_equal(l->account, "alice");
    assert_true(l->literal);
    assert_int_equal(l->clients.n, 0);
    assert_int_equal(l->scopes.n, 0);
    assert_int_equal(l->services.n, 0);
    oi_usermap_free(&map);
}

static void test_good_every_option(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "alice@example.com root client=ssh-cli,web scope=sudo,admin:x service=sudo,su\n");
    assert_int_equal(map.n, 1);
    const struct oi_map_line *l = &map.lines[0];
    assert_string_equal(l->subject, "alice@example.com");
    assert_string_equal(l->account, "root");
    assert_true(l->literal);
    assert_int_equal(l->clients.n, 2);
    assert_string_equal(l->clients.items[0], "ssh-cli");
    assert_string_equal(l->clients.items[1], "web");
    assert_int_equal(l->scopes.n, 2);
    assert_string_equal(l->scopes.items[0], "sudo");
    assert_string_equal(l->scopes.items[1], "admin:x");
    assert_int_equal(l->services.n, 2);
    assert_string_equal(l->services.items[0], "sudo");
    assert_string_equal(l->services.items[1], "su");
    oi_usermap_free(&map);
}

static void test_good_options_any_order(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "deploy@ci deploy service=sshd scope=deploy client=ci\n");
    assert_int_equal(map.n, 1);
    assert_int_equal(map.lines[0].services.n, 1);
    assert_string_equal(map.lines[0].services.items[0], "sshd");
    assert_int_equal(map.lines[0].scopes.n, 1);
    assert_string_equal(map.lines[0].scopes.items[0], "deploy");
    assert_int_equal(map.lines[0].clients.n, 1);
    assert_string_equal(map.lines[0].clients.items[0], "ci");
    oi_usermap_free(&map);
}

static void test_good_tabs_and_runs_of_blanks(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "  \talice@example.com\t\t alice   scope=ssh\t \n");
    assert_int_equal(map.n, 1);
    assert_string_equal(map.lines[0].subject, "alice@example.com");
    assert_string_equal(map.lines[0].account, "alice");
    assert_int_equal(map.lines[0].scopes.n, 1);
    assert_string_equal(map.lines[0].scopes.items[0], "ssh");
    oi_usermap_free(&map);
}

static void test_good_comments_and_blank_lines(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "# who may be whom\n\n   \n\t\n  # indented comment\nalice@example.com alice\n#bob bob\n"
                   "\ncarol@example.com carol\n");
    assert_int_equal(map.n, 2);
    assert_int_equal(map.lines[0].lineno, 6);
    assert_string_equal(map.lines[0].subject, "alice@example.com");
    assert_int_equal(map.lines[1].lineno, 9);
    assert_string_equal(map.lines[1].subject, "carol@example.com");
    oi_usermap_free(&map);
}

static void test_good_crlf(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "# users\r\n\r\nalice@example.com alice\r\nbob@example.com bob service=sshd\r\n");
    assert_int_equal(map.n, 2);
    assert_int_equal(map.lines[0].lineno, 3);
    assert_string_equal(map.lines[0].account, "alice"); /* no CR kept */
    assert_int_equal(map.lines[1].lineno, 4);
    assert_int_equal(map.lines[1].services.n, 1);
    assert_string_equal(map.lines[1].services.items[0], "sshd");
    oi_usermap_free(&map);
}

static void test_good_crlf_blank_after_fields(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "alice@example.com alice \r\n");
    assert_int_equal(map.n, 1);
    assert_string_equal(map.lines[0].account, "alice");
    oi_usermap_free(&map);
}

static void test_good_no_final_newline(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "alice@example.com alice\nbob@example.com bob");
    assert_int_equal(map.n, 2);
    assert_string_equal(map.lines[1].account, "bob");
    assert_int_equal(map.lines[1].lineno, 2);
    oi_usermap_free(&map);
}

static void test_good_empty_text(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "");
    assert_int_equal(map.n, 0);
    oi_usermap_free(&map);
}

static void test_good_only_comments(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "# nobody yet\n\n# really\n");
    assert_int_equal(map.n, 0);
    oi_usermap_free(&map);
}

static void test_good_line_of_1023(void **state)
{
    /* exactly 1023 characters before the newline is still a line */
    char text[1100];
    memset(text, 'a', 1023);
    memcpy(text, "alice@example.com alice client=", 31);
    text[1023] = '\n';
    text[1024] = '\0';
    struct oi_usermap map;
    parse_ok(&map, text);
    assert_int_equal(map.n, 1);
    assert_int_equal(strlen(map.lines[0].clients.items[0]), 1023 - 31);
    oi_usermap_free(&map);
}

static void test_good_account_characters(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "svc@ci svc.deploy_1-x$\n");
    assert_int_equal(map.n, 1);
    assert_string_equal(map.lines[0].account, "svc.deploy_1-x$");
    oi_usermap_free(&map);
}

static void test_good_account_32_characters(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "svc@ci aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
    assert_int_equal(map.n, 1);
    assert_int_equal(strlen(map.lines[0].account), 32);
    oi_usermap_free(&map);
}

static void test_good_uuid_subject(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "5f0c6a1e-7d2b-4c1e-9a3f-0b1c2d3e4f50 alice\n");
    assert_int_equal(map.n, 1);
    assert_string_equal(map.lines[0].subject, "5f0c6a1e-7d2b-4c1e-9a3f-0b1c2d3e4f50");
    oi_usermap_free(&map);
}

static void test_good_subject_punctuation(void **state)
{
    /* subjects are whatever the server issues: any printable ASCII but space, '[' and '\' */
    struct oi_usermap map;
    parse_ok(&map, "auth0|a=b:c/d~e]f{g}h alice\n");
    assert_int_equal(map.n, 1);
    assert_string_equal(map.lines[0].subject, "auth0|a=b:c/d~e]f{g}h");
    oi_usermap_free(&map);
}

static void test_good_subject_glob_not_literal(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "*@example.com alice\n?ob bob\n");
    assert_int_equal(map.n, 2);
    assert_false(map.lines[0].literal);
    assert_false(map.lines[1].literal);
    oi_usermap_free(&map);
}

static void test_good_account_glob_not_literal(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "alice@example.com dev-*\nalice@example.com roo?\n");
    assert_int_equal(map.n, 2);
    assert_false(map.lines[0].literal);
    assert_string_equal(map.lines[0].account, "dev-*");
    assert_false(map.lines[1].literal);
    oi_usermap_free(&map);
}

static void test_good_many_lines(void **state)
{
    char text[8192];
    size_t o = 0;
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "user%d@example.com user%d\n", i, i);
    struct oi_usermap map;
    parse_ok(&map, text);
    assert_int_equal(map.n, 100);
    assert_string_equal(map.lines[99].account, "user99");
    assert_int_equal(map.lines[99].lineno, 100);
    oi_usermap_free(&map);
}

static void test_free_twice_safe(void **state)
{
    struct oi_usermap map;
    parse_ok(&map, "alice@example.com alice\n");
    oi_usermap_free(&map);
    assert_null(map.lines);
    assert_int_equal(map.n, 0);
    oi_usermap_free(&map);
}

/* ---- matching ---- */

struct match_case {
    const char *subject, *account, *service, *client_id, *scope;
    bool literal_only;
};

/* Parse map_text, match the query; *lineno: the granting line's number, 0 when none. */
static enum oi_reason match_in(const char *map_text, struct match_case c, unsigned *lineno)
{
    struct oi_usermap map;
    parse_ok(&map, map_text);
    struct oi_map_query q = {c.subject, c.account, c.service ? c.service : "sshd", c.client_id, c.scope};
    static const struct oi_map_line sentinel;
    const struct oi_map_line *line = &sentinel;
    enum oi_reason r = oi_usermap_match(&map, &q, c.literal_only, &line);
    *lineno = line ? line->lineno : 0;
    bool set_on_failure = r != OI_OK && line != NULL;
    bool missing_on_success = r == OI_OK && (line == NULL || line == &sentinel);
    oi_usermap_free(&map);
    if (set_on_failure)
        fail_msg("refused (%d) but *line left set", r);
    if (missing_on_success)
        fail_msg("granted without a line");
    return r;
}

#define MATCH(map_text, lineno, ...) match_in((map_text), (struct match_case){__VA_ARGS__}, (lineno))

static void test_match_exact(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice\n", &n, .subject = "alice@example.com", .account = "alice"), OI_OK);
    assert_int_equal(n, 1);
}

static void test_match_subject_differs(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice\n", &n, .subject = "bob@example.com", .account = "alice"),
                     OI_USER_MISMATCH);
}

static void test_match_subject_prefix_only(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("alice@example.com alice\n", &n, .subject = "alice@example.com.evil.org", .account = "alice"),
        OI_USER_MISMATCH);
}

static void test_match_subject_case_sensitive(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice\n", &n, .subject = "Alice@example.com", .account = "alice"),
                     OI_USER_MISMATCH);
}

static void test_match_account_differs(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice\n", &n, .subject = "alice@example.com", .account = "bob"),
                     OI_USER_MISMATCH);
}

static void test_match_empty_map(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("# nothing\n", &n, .subject = "alice@example.com", .account = "alice"), OI_USER_MISMATCH);
}

static void test_match_glob_domain(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("*@example.com guest\n", &n, .subject = "carol@example.com", .account = "guest"), OI_OK);
}

static void test_match_glob_domain_other_domain(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("*@example.com guest\n", &n, .subject = "carol@example.org", .account = "guest"),
                     OI_USER_MISMATCH);
}

static void test_match_glob_domain_suffix_attack(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("*@example.com guest\n", &n, .subject = "carol@example.com.evil.org", .account = "guest"),
                     OI_USER_MISMATCH);
}

static void test_match_glob_domain_subdomain_not_dot(void **state)
{
    /* '.' in a glob is a dot, not "any character" */
    unsigned n;
    assert_int_equal(MATCH("*@example.com guest\n", &n, .subject = "carol@exampleXcom", .account = "guest"),
                     OI_USER_MISMATCH);
}

static void test_match_question_mark(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("?ob bob\n", &n, .subject = "rob", .account = "bob"), OI_OK);
}

static void test_match_question_mark_needs_one(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("?ob bob\n", &n, .subject = "ob", .account = "bob"), OI_USER_MISMATCH);
}

static void test_match_question_mark_only_one(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("?ob bob\n", &n, .subject = "boob", .account = "bob"), OI_USER_MISMATCH);
}

static void test_match_account_glob(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com dev-*\n", &n, .subject = "alice@example.com", .account = "dev-web"),
                     OI_OK);
}

static void test_match_account_glob_no_match(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com dev-*\n", &n, .subject = "alice@example.com", .account = "prod-web"),
                     OI_USER_MISMATCH);
}

static void test_match_account_glob_anchored(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com dev-*\n", &n, .subject = "alice@example.com", .account = "xdev-web"),
                     OI_USER_MISMATCH);
}

static void test_match_first_line_wins(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("*@example.com alice\nalice@example.com alice\n", &n, .subject = "alice@example.com", .account = "alice"),
        OI_OK);
    assert_int_equal(n, 1);
}

static void test_match_later_line_when_first_fails(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("bob@example.com bob\n# x\nalice@example.com alice\n", &n, .subject = "alice@example.com",
                           .account = "alice"),
                     OI_OK);
    assert_int_equal(n, 3);
}

static void test_match_one_subject_several_accounts(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice\nalice@example.com deploy\n", &n, .subject = "alice@example.com",
                           .account = "deploy"),
                     OI_OK);
    assert_int_equal(n, 2);
}

static void test_match_shared_account(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com deploy\nbob@example.com deploy\n", &n, .subject = "bob@example.com",
                           .account = "deploy"),
                     OI_OK);
    assert_int_equal(n, 2);
}

static void test_match_service_listed(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root service=sudo,su\n", &n, .subject = "alice@example.com",
                           .account = "root", .service = "su"),
                     OI_OK);
}

static void test_match_service_not_listed(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root service=sudo\n", &n, .subject = "alice@example.com",
                           .account = "root", .service = "sshd"),
                     OI_USER_MISMATCH);
}

static void test_match_service_filter_falls_through(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice service=sudo\nalice@example.com alice service=sshd\n", &n,
                           .subject = "alice@example.com", .account = "alice", .service = "sshd"),
                     OI_OK);
    assert_int_equal(n, 2);
}

static void test_match_client_listed(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("deploy@ci deploy client=ci,ci2\n", &n, .subject = "deploy@ci", .account = "deploy", .client_id = "ci2"),
        OI_OK);
}

static void test_match_client_not_listed(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("deploy@ci deploy client=ci\n", &n, .subject = "deploy@ci", .account = "deploy", .client_id = "web"),
        OI_USER_MISMATCH);
}

static void test_match_client_prefix_not_listed(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("deploy@ci deploy client=ci\n", &n, .subject = "deploy@ci", .account = "deploy", .client_id = "c"),
        OI_USER_MISMATCH);
}

static void test_match_client_missing(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("deploy@ci deploy client=ci\n", &n, .subject = "deploy@ci", .account = "deploy"),
                     OI_USER_MISMATCH);
}

static void test_match_no_client_filter_any_client(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("deploy@ci deploy\n", &n, .subject = "deploy@ci", .account = "deploy"), OI_OK);
}

static void test_match_scopes_all_granted(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root scope=sudo,admin\n", &n, .subject = "alice@example.com",
                           .account = "root", .scope = "openid admin sudo"),
                     OI_OK);
}

static void test_match_scopes_one_missing(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root scope=sudo,admin\n", &n, .subject = "alice@example.com",
                           .account = "root", .scope = "openid sudo"),
                     OI_SCOPE);
}

static void test_match_scopes_none_granted(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("alice@example.com root scope=sudo\n", &n, .subject = "alice@example.com", .account = "root"), OI_SCOPE);
}

static void test_match_scopes_exact_words(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root scope=sudo\n", &n, .subject = "alice@example.com", .account = "root",
                           .scope = "sudoers xsudo sudo:all"),
                     OI_SCOPE);
}

static void test_match_scope_failure_falls_through(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice scope=admin\nalice@example.com alice\n", &n,
                           .subject = "alice@example.com", .account = "alice", .scope = "openid"),
                     OI_OK);
    assert_int_equal(n, 2);
}

static void test_match_scope_reported_over_mismatch(void **state)
{
    /* a later line that does not match at all does not hide the scope reason */
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root scope=sudo\nbob@example.com root\n", &n,
                           .subject = "alice@example.com", .account = "root", .scope = "openid"),
                     OI_SCOPE);
}

static void test_match_scope_not_reported_when_service_differs(void **state)
{
    /* OI_SCOPE only for a line that matched everything but its scopes */
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root scope=sudo service=sudo\n", &n, .subject = "alice@example.com",
                           .account = "root", .service = "sshd", .scope = "openid"),
                     OI_USER_MISMATCH);
}

static void test_match_scope_not_reported_when_client_differs(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("alice@example.com root scope=sudo client=ci\n", &n, .subject = "alice@example.com",
                           .account = "root", .client_id = "web", .scope = "openid"),
                     OI_USER_MISMATCH);
}

static void test_match_literal_only_takes_literal(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("alice@example.com root\n", &n, .subject = "alice@example.com", .account = "root", .literal_only = true),
        OI_OK);
}

static void test_match_literal_only_skips_subject_glob(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("*@example.com root\n", &n, .subject = "alice@example.com", .account = "root", .literal_only = true),
        OI_USER_MISMATCH);
}

static void test_match_literal_only_skips_account_glob(void **state)
{
    unsigned n;
    assert_int_equal(
        MATCH("alice@example.com r*\n", &n, .subject = "alice@example.com", .account = "root", .literal_only = true),
        OI_USER_MISMATCH);
}

static void test_match_literal_only_skips_glob_then_finds_literal(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("*@example.com root\nalice@example.com root\n", &n, .subject = "alice@example.com",
                           .account = "root", .literal_only = true),
                     OI_OK);
    assert_int_equal(n, 2);
}

static void test_match_literal_only_no_scope_from_glob(void **state)
{
    /* a skipped glob line does not count for the scope reason either */
    unsigned n;
    assert_int_equal(MATCH("*@example.com root scope=sudo\n", &n, .subject = "alice@example.com", .account = "root",
                           .scope = "openid", .literal_only = true),
                     OI_USER_MISMATCH);
}

static void test_match_glob_without_literal_only(void **state)
{
    unsigned n;
    assert_int_equal(MATCH("*@example.com r*\n", &n, .subject = "alice@example.com", .account = "root"), OI_OK);
}

static void test_match_star_in_query_is_literal(void **state)
{
    /* only the map's patterns are globs: a subject "*" is just a name */
    unsigned n;
    assert_int_equal(MATCH("alice@example.com alice\n", &n, .subject = "*", .account = "alice"), OI_USER_MISMATCH);
}

/* ---- loading: the trusted-file rules ---- */

static void expect_load_refused(const char *path, const char *fragment)
{
    struct oi_usermap map = {(struct oi_map_line *)&map, 99}; /* must be reset */
    struct oi_config_error err;
    memset(&err, 0, sizeof(err));
    int rc = oi_usermap_load(&map, path, &err);
    if (rc == 0) {
        oi_usermap_free(&map);
        fail_msg("%s was loaded, expected a refusal", path);
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_null(map.lines);
    assert_int_equal(map.n, 0);
    assert_string_equal(err.key, "user_map");
    assert_string_equal(err.where, path);
    if (strstr(err.what, fragment) == NULL)
        fail_msg("message '%s' does not say '%s'", err.what, fragment);
}

static void test_load_ok(void **state)
{
    char *path = unit_write_text("# map\nalice@example.com alice\n*@example.com guest service=sshd\n", 0644);
    struct oi_usermap map;
    struct oi_config_error err;
    int rc = oi_usermap_load(&map, path, &err);
    free(path);
    if (rc != 0)
        fail_msg("refused: %s: %s", err.where, err.what);
    assert_int_equal(map.n, 2);
    assert_string_equal(map.lines[0].account, "alice");
    assert_int_equal(map.lines[1].lineno, 3);
    oi_usermap_free(&map);
}

static void test_load_owner_only_ok(void **state)
{
    char *path = unit_write_text("alice@example.com alice\n", 0600);
    struct oi_usermap map;
    struct oi_config_error err;
    int rc = oi_usermap_load(&map, path, &err);
    free(path);
    assert_int_equal(rc, 0);
    assert_int_equal(map.n, 1);
    oi_usermap_free(&map);
}

static void test_load_bad_line_names_file_and_line(void **state)
{
    char *path = unit_write_text("alice@example.com alice\nbob@example.com\n", 0644);
    struct oi_usermap map;
    struct oi_config_error err;
    memset(&err, 0, sizeof(err));
    int rc = oi_usermap_load(&map, path, &err);
    char want[PATH_MAX + 8];
    snprintf(want, sizeof(want), "%s:2", path);
    free(path);
    assert_int_equal(rc, OI_CONFIG);
    assert_int_equal(map.n, 0);
    assert_string_equal(err.key, "user_map");
    assert_string_equal(err.where, want);
}

static void test_load_symlink_refused(void **state)
{
    char *target = unit_write_text("alice@example.com alice\n", 0644);
    char *link = unit_scratch_path("link");
    assert_int_equal(symlink(target, link), 0);
    expect_load_refused(link, "symbolic link");
    free(target);
    free(link);
}

static void test_load_group_writable_refused(void **state)
{
    char *path = unit_write_text("alice@example.com alice\n", 0664);
    expect_load_refused(path, "writable by group or others");
    free(path);
}

static void test_load_world_writable_refused(void **state)
{
    char *path = unit_write_text("alice@example.com alice\n", 0646);
    expect_load_refused(path, "writable by group or others");
    free(path);
}

static void test_load_directory_refused(void **state)
{
    char *path = unit_scratch_path("dir");
    assert_int_equal(mkdir(path, 0755), 0);
    expect_load_refused(path, "not a regular file");
    free(path);
}

static void test_load_fifo_refused(void **state)
{
    /* refused without blocking on the open */
    char *path = unit_scratch_path("fifo");
    assert_int_equal(mkfifo(path, 0644), 0);
    expect_load_refused(path, "not a regular file");
    free(path);
}

static void test_load_missing_refused(void **state)
{
    char *path = unit_scratch_path("missing");
    expect_load_refused(path, "No such file");
    free(path);
}

static void test_load_relative_path_refused(void **state)
{
    expect_load_refused("oauth2_users", "absolute");
}

static void test_load_other_owner_refused(void **state)
{
    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    char *path = unit_write_text("alice@example.com alice\n", 0644);
    assert_int_equal(chown(path, 65534, 65534), 0);
    expect_load_refused(path, "not owned by root");
    free(path);
}

/* A map file of exactly size bytes of comment lines (64 bytes each, the last one shorter). */
static char *map_of_size(size_t size)
{
    char *text = malloc(size);
    assert_non_null(text);
    memset(text, 'x', size);
    for (size_t i = 0; i < size; i += 64) {
        text[i] = '#';
        size_t nl = i + 63 < size ? i + 63 : size - 1;
        text[nl] = '\n';
    }
    char *path = unit_write_file(text, size, 0644);
    free(text);
    return path;
}

static void test_load_exactly_max_ok(void **state)
{
    char *path = map_of_size(OI_USERMAP_MAX_BYTES);
    struct oi_usermap map;
    struct oi_config_error err;
    int rc = oi_usermap_load(&map, path, &err);
    free(path);
    if (rc != 0)
        fail_msg("refused: %s: %s", err.where, err.what);
    assert_int_equal(map.n, 0);
    oi_usermap_free(&map);
}

static void test_load_oversize_refused(void **state)
{
    char *path = map_of_size(OI_USERMAP_MAX_BYTES + 1);
    expect_load_refused(path, "too large");
    free(path);
}

static void test_load_nul_byte_refused(void **state)
{
    static const char text[] = "alice@example.com alice\n\0\n";
    char *path = unit_write_file(text, sizeof(text) - 1, 0644);
    struct oi_usermap map;
    struct oi_config_error err;
    memset(&err, 0, sizeof(err));
    int rc = oi_usermap_load(&map, path, &err);
    free(path);
    assert_int_equal(rc, OI_CONFIG);
    assert_int_equal(map.n, 0);
    assert_string_equal(err.key, "user_map");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_subject_only),
        cmocka_unit_test(test_bad_subject_only_with_crlf),
        cmocka_unit_test(test_bad_subject_bracket),
        cmocka_unit_test(test_bad_subject_backslash),
        cmocka_unit_test(test_bad_subject_non_ascii),
        cmocka_unit_test(test_bad_subject_del),
        cmocka_unit_test(test_bad_account_leading_dash),
        cmocka_unit_test(test_bad_account_too_long),
        cmocka_unit_test(test_bad_account_slash),
        cmocka_unit_test(test_bad_account_at_sign),
        cmocka_unit_test(test_bad_account_bracket),
        cmocka_unit_test(test_bad_account_non_ascii),
        cmocka_unit_test(test_bad_account_is_an_option),
        cmocka_unit_test(test_bad_unknown_option),
        cmocka_unit_test(test_bad_option_plural),
        cmocka_unit_test(test_bad_option_upper_case),
        cmocka_unit_test(test_bad_third_word_not_option),
        cmocka_unit_test(test_bad_trailing_comment),
        cmocka_unit_test(test_bad_option_without_value),
        cmocka_unit_test(test_bad_option_empty_value),
        cmocka_unit_test(test_bad_option_empty_item_middle),
        cmocka_unit_test(test_bad_option_empty_item_first),
        cmocka_unit_test(test_bad_option_empty_item_last),
        cmocka_unit_test(test_bad_client_twice),
        cmocka_unit_test(test_bad_scope_twice),
        cmocka_unit_test(test_bad_service_twice),
        cmocka_unit_test(test_bad_line_too_long),
        cmocka_unit_test(test_bad_line_too_long_last_line),
        cmocka_unit_test(test_bad_long_comment),
        cmocka_unit_test(test_bad_control_character),
        cmocka_unit_test(test_bad_escape_sequence),
        cmocka_unit_test(test_bad_cr_inside_line),
        cmocka_unit_test(test_bad_two_crs),
        cmocka_unit_test(test_bad_vertical_tab),
        cmocka_unit_test(test_bad_del_in_option),
        cmocka_unit_test(test_bad_nul_byte),
        cmocka_unit_test(test_error_line_number_after_comments_and_blanks),
        cmocka_unit_test(test_error_line_number_crlf),
        cmocka_unit_test(test_error_first_bad_line_reported),
        cmocka_unit_test(test_error_after_many_good_lines),
        cmocka_unit_test(test_error_names_the_path),
        cmocka_unit_test(test_good_plain_line),
        cmocka_unit_test(test_good_every_option),
        cmocka_unit_test(test_good_options_any_order),
        cmocka_unit_test(test_good_tabs_and_runs_of_blanks),
        cmocka_unit_test(test_good_comments_and_blank_lines),
        cmocka_unit_test(test_good_crlf),
        cmocka_unit_test(test_good_crlf_blank_after_fields),
        cmocka_unit_test(test_good_no_final_newline),
        cmocka_unit_test(test_good_empty_text),
        cmocka_unit_test(test_good_only_comments),
        cmocka_unit_test(test_good_line_of_1023),
        cmocka_unit_test(test_good_account_characters),
        cmocka_unit_test(test_good_account_32_characters),
        cmocka_unit_test(test_good_uuid_subject),
        cmocka_unit_test(test_good_subject_punctuation),
        cmocka_unit_test(test_good_subject_glob_not_literal),
        cmocka_unit_test(test_good_account_glob_not_literal),
        cmocka_unit_test(test_good_many_lines),
        cmocka_unit_test(test_free_twice_safe),
        cmocka_unit_test(test_match_exact),
        cmocka_unit_test(test_match_subject_differs),
        cmocka_unit_test(test_match_subject_prefix_only),
        cmocka_unit_test(test_match_subject_case_sensitive),
        cmocka_unit_test(test_match_account_differs),
        cmocka_unit_test(test_match_empty_map),
        cmocka_unit_test(test_match_glob_domain),
        cmocka_unit_test(test_match_glob_domain_other_domain),
        cmocka_unit_test(test_match_glob_domain_suffix_attack),
        cmocka_unit_test(test_match_glob_domain_subdomain_not_dot),
        cmocka_unit_test(test_match_question_mark),
        cmocka_unit_test(test_match_question_mark_needs_one),
        cmocka_unit_test(test_match_question_mark_only_one),
        cmocka_unit_test(test_match_account_glob),
        cmocka_unit_test(test_match_account_glob_no_match),
        cmocka_unit_test(test_match_account_glob_anchored),
        cmocka_unit_test(test_match_first_line_wins),
        cmocka_unit_test(test_match_later_line_when_first_fails),
        cmocka_unit_test(test_match_one_subject_several_accounts),
        cmocka_unit_test(test_match_shared_account),
        cmocka_unit_test(test_match_service_listed),
        cmocka_unit_test(test_match_service_not_listed),
        cmocka_unit_test(test_match_service_filter_falls_through),
        cmocka_unit_test(test_match_client_listed),
        cmocka_unit_test(test_match_client_not_listed),
        cmocka_unit_test(test_match_client_prefix_not_listed),
        cmocka_unit_test(test_match_client_missing),
        cmocka_unit_test(test_match_no_client_filter_any_client),
        cmocka_unit_test(test_match_scopes_all_granted),
        cmocka_unit_test(test_match_scopes_one_missing),
        cmocka_unit_test(test_match_scopes_none_granted),
        cmocka_unit_test(test_match_scopes_exact_words),
        cmocka_unit_test(test_match_scope_failure_falls_through),
        cmocka_unit_test(test_match_scope_reported_over_mismatch),
        cmocka_unit_test(test_match_scope_not_reported_when_service_differs),
        cmocka_unit_test(test_match_scope_not_reported_when_client_differs),
        cmocka_unit_test(test_match_literal_only_takes_literal),
        cmocka_unit_test(test_match_literal_only_skips_subject_glob),
        cmocka_unit_test(test_match_literal_only_skips_account_glob),
        cmocka_unit_test(test_match_literal_only_skips_glob_then_finds_literal),
        cmocka_unit_test(test_match_literal_only_no_scope_from_glob),
        cmocka_unit_test(test_match_glob_without_literal_only),
        cmocka_unit_test(test_match_star_in_query_is_literal),
        cmocka_unit_test(test_load_ok),
        cmocka_unit_test(test_load_owner_only_ok),
        cmocka_unit_test(test_load_bad_line_names_file_and_line),
        cmocka_unit_test(test_load_symlink_refused),
        cmocka_unit_test(test_load_group_writable_refused),
        cmocka_unit_test(test_load_world_writable_refused),
        cmocka_unit_test(test_load_directory_refused),
        cmocka_unit_test(test_load_fifo_refused),
        cmocka_unit_test(test_load_missing_refused),
        cmocka_unit_test(test_load_relative_path_refused),
        cmocka_unit_test(test_load_other_owner_refused),
        cmocka_unit_test(test_load_exactly_max_ok),
        cmocka_unit_test(test_load_oversize_refused),
        cmocka_unit_test(test_load_nul_byte_refused),
    };
    return cmocka_run_group_tests_name("unit_usermap", tests, unit_group_setup, unit_group_teardown);
}
