/* Unit tests of the cache (src/cache.c) and of the options it brought: the comma lists of
 * admin_url and introspect_url (failover), cache_dir and its companions. No network, no PAM. */
#include <config.h>

#include <dirent.h>
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "breaker.h"
#include "cache.h"
#include "cfg.h"
#include "unit_common.h"

static char scratch[PATH_MAX];
static const struct oi_log quiet = {NULL, false};

static int setup(void **state)
{
    if (unit_group_setup(state) != 0)
        return -1;
    const char *base = getenv("TMPDIR");
    snprintf(scratch, sizeof(scratch), "%s/oi-unit-cache-XXXXXX", base && base[0] == '/' ? base : "/tmp");
    return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        return -1;
    return unit_group_teardown(state);
}

static int load(struct oi_config *cfg, struct oi_config_error *err, const char *const *args)
{
    const char *argv[32];
    int argc = 0;
    argv[argc++] = unit_conf_arg;
    for (size_t i = 0; args[i] && argc < 32; i++)
        argv[argc++] = args[i];
    return oi_config_load(cfg, argc, argv, err);
}
#define TRY(...) load(&cfg, &err, (const char *const[]){__VA_ARGS__, NULL})

static void refused(int rc, struct oi_config *cfg, const struct oi_config_error *err, const char *key)
{
    if (rc == 0) {
        oi_config_free(cfg);
        fail_msg("accepted; expected an error for %s", key);
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err->key, key);
}

/* ---- options ---- */

static void admin_url_list(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    assert_int_equal(TRY("admin_url=https://a.example:4445/, https://b.example", "allowed_clients=c"), 0);
    assert_int_equal(cfg.endpoints.n, 2);
    assert_string_equal(cfg.endpoints.items[0], "https://a.example:4445/admin/oauth2/introspect");
    assert_string_equal(cfg.endpoints.items[1], "https://b.example/admin/oauth2/introspect");
    assert_int_equal(cfg.admin_bases.n, 2);
    assert_string_equal(cfg.admin_bases.items[0], "https://a.example:4445");
    assert_string_equal(cfg.admin_bases.items[1], "https://b.example");
    assert_string_equal(cfg.admin_url, "https://a.example:4445/");
    assert_string_equal(cfg.introspect_url, "https://a.example:4445/admin/oauth2/introspect");
    assert_string_equal(cfg.admin_base, "https://a.example:4445");
    assert_null(cfg.cache_dir);
    oi_config_free(&cfg);
}

static void introspect_url_list(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    assert_int_equal(
        TRY("introspect_url=https://a/admin/oauth2/introspect,https://b/admin/oauth2/introspect", "allowed_clients=c"),
        0);
    assert_int_equal(cfg.endpoints.n, 2);
    assert_int_equal(cfg.admin_bases.n, 2);
    assert_string_equal(cfg.admin_bases.items[1], "https://b");
    oi_config_free(&cfg);
    /* One of unknown shape: no admin API for any. */
    assert_int_equal(TRY("introspect_url=https://a/admin/oauth2/introspect,https://b/x", "allowed_clients=c"), 0);
    assert_int_equal(cfg.admin_bases.n, 0);
    assert_null(cfg.admin_base);
    oi_config_free(&cfg);
    assert_int_equal(TRY("flavor=rfc7662", "introspect_url=https://a/i,https://b/i", "auth=none", "allowed_clients=c"),
                     0);
    assert_int_equal(cfg.endpoints.n, 2);
    assert_int_equal(cfg.admin_bases.n, 0);
    oi_config_free(&cfg);
}

static void url_lists_refused(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    refused(TRY("admin_url=https://a,,https://b", "allowed_clients=c"), &cfg, &err, "admin_url");
    refused(TRY("admin_url=https://a,ftp://b", "allowed_clients=c"), &cfg, &err, "admin_url");
    refused(TRY("admin_url=https://a,https://b c", "allowed_clients=c"), &cfg, &err, "admin_url");
    refused(TRY("admin_url=https://a,", "allowed_clients=c"), &cfg, &err, "admin_url");
    refused(TRY("admin_url=https://1,https://2,https://3,https://4,https://5,https://6,https://7,https://8,https://9",
                "allowed_clients=c"),
            &cfg, &err, "admin_url");
    /* Every server must be https unless allow_http. */
    refused(TRY("admin_url=https://a,http://b", "allowed_clients=c"), &cfg, &err, "admin_url");
    assert_int_equal(TRY("admin_url=https://a,http://b", "allow_http", "allowed_clients=c"), 0);
    oi_config_free(&cfg);
}

static void cache_options(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    assert_int_equal(TRY("admin_url=https://a", "allowed_clients=c", "cache_dir=/run/x"), 0);
    assert_string_equal(cfg.cache_dir, "/run/x");
    assert_int_equal(cfg.cache_ttl, 60);
    assert_int_equal(cfg.negative_ttl, 0);
    assert_int_equal(cfg.offline_grace, 0);
    assert_int_equal(cfg.cache_max_entries, 4096);
    oi_config_free(&cfg);
    assert_int_equal(TRY("admin_url=https://a", "allowed_clients=c", "cache_dir=/run/x", "cache_ttl=10",
                         "negative_ttl=5", "offline_grace=3600", "cache_max_entries=100"),
                     0);
    assert_int_equal(cfg.cache_ttl, 10);
    assert_int_equal(cfg.negative_ttl, 5);
    assert_int_equal(cfg.offline_grace, 3600);
    assert_int_equal(cfg.cache_max_entries, 100);
    oi_config_free(&cfg);
    /* The companions mean nothing without cache_dir: refused, not ignored. */
    refused(TRY("admin_url=https://a", "allowed_clients=c", "cache_ttl=10"), &cfg, &err, "cache_ttl");
    refused(TRY("admin_url=https://a", "allowed_clients=c", "offline_grace=10"), &cfg, &err, "offline_grace");
    refused(TRY("admin_url=https://a", "allowed_clients=c", "cache_dir=run/x"), &cfg, &err, "cache_dir");
    refused(TRY("admin_url=https://a", "allowed_clients=c", "cache_dir=/x", "cache_ttl=0"), &cfg, &err, "cache_ttl");
    refused(TRY("admin_url=https://a", "allowed_clients=c", "cache_dir=/x", "cache_max_entries=1"), &cfg, &err,
            "cache_max_entries");
}

/* ---- the cache itself ---- */

static void config_for(struct oi_config *cfg, const char *dir, const char *extra)
{
    struct oi_config_error err;
    char arg[PATH_MAX + 16];
    snprintf(arg, sizeof(arg), "cache_dir=%s/%s", scratch, dir);
    if (load(cfg, &err,
             (const char *const[]){"admin_url=https://a,https://b", "allowed_clients=c", arg, extra, NULL}) != 0)
        fail_msg("%s: %s", err.key, err.what);
}

static const char answer[] = "{\"active\":true,\"sub\":\"alice\",\"exp\":9999999999}";

static void round_trip_and_ttl(void **state)
{
    struct oi_config cfg;
    struct oi_cache c;
    struct oi_cache_entry e;
    config_for(&cfg, "rt", "cache_ttl=60");
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok-1", "ssh:login"), 0);
    char first[80];
    snprintf(first, sizeof(first), "%s", c.entry);
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now, &e), OI_CE_NONE);
    oi_cache_put(&c, &cfg, &quiet, now, OI_VERDICT_ALLOW, now + 30, answer, strlen(answer));
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 1, &e), OI_CE_FRESH);
    assert_int_equal(e.fetched, now);
    assert_int_equal(e.exp, now + 30);
    assert_int_equal(e.verdict, OI_VERDICT_ALLOW);
    assert_int_equal(e.len, strlen(answer));
    assert_string_equal(e.body, answer);
    oi_cache_entry_free(&e);
    /* exp caps the TTL (30 < 60); past it nothing serves the token, not even offline_grace. */
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 30, &e), OI_CE_NONE);
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 31, &e), OI_CE_NONE);
    /* Another token, other scopes, another server list: other names. */
    assert_int_equal(oi_cache_select(&c, &cfg, "tok-2", "ssh:login"), 0);
    assert_string_not_equal(c.entry, first);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok-1", "ssh:login sudo"), 0);
    assert_string_not_equal(c.entry, first);
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 1, &e), OI_CE_NONE);
    struct oi_config other;
    config_for(&other, "rt", "cache_ttl=60");
    oi_strlist_free(&other.endpoints);
    oi_strlist_split(&other.endpoints, "https://b/admin/oauth2/introspect", ',');
    assert_int_equal(oi_cache_select(&c, &other, "tok-1", "ssh:login"), 0);
    assert_string_not_equal(c.entry, first);
    oi_config_free(&other);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok-1", "ssh:login"), 0);
    assert_string_equal(c.entry, first);
    /* A shorter cache_ttl on another line: not fresh for it. */
    cfg.cache_ttl = 1;
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 2, &e), OI_CE_STALE);
    oi_cache_entry_free(&e);
    oi_cache_close(&c);
    oi_config_free(&cfg);
}

static void denials(void **state)
{
    struct oi_config cfg;
    struct oi_cache c;
    struct oi_cache_entry e;
    config_for(&cfg, "deny", "negative_ttl=10");
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok", NULL), 0);
    int64_t now = (int64_t)time(NULL);
    oi_cache_put(&c, &cfg, &quiet, now, OI_VERDICT_DENY, 0, "{\"active\":false}", 16);
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 5, &e), OI_CE_FRESH);
    assert_int_equal(e.verdict, OI_VERDICT_DENY);
    oi_cache_entry_free(&e);
    /* A stale denial is of no use, not even for offline grace. */
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 11, &e), OI_CE_NONE);
    cfg.negative_ttl = 0;
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now + 1, &e), OI_CE_NONE);
    oi_cache_close(&c);
    oi_config_free(&cfg);
}

static void tampering(void **state)
{
    struct oi_config cfg;
    struct oi_cache c;
    struct oi_cache_entry e;
    char path[PATH_MAX + 100];
    config_for(&cfg, "tamper", "cache_ttl=60");
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok", NULL), 0);
    int64_t now = (int64_t)time(NULL);
    oi_cache_put(&c, &cfg, &quiet, now, OI_VERDICT_ALLOW, now + 100, answer, strlen(answer));
    snprintf(path, sizeof(path), "%s/tamper/%s", scratch, c.entry);
    /* Every single byte changed is noticed. */
    FILE *f = fopen(path, "r");
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    for (size_t i = 0; i < n; i += 7) {
        char copy[1024];
        memcpy(copy, buf, n);
        copy[i] ^= 0x01;
        f = fopen(path, "w");
        fwrite(copy, 1, n, f);
        fclose(f);
        chmod(path, 0600);
        if (oi_cache_get(&c, &cfg, &quiet, now, &e) != OI_CE_NONE)
            fail_msg("byte %zu changed, yet the entry was used", i);
        oi_cache_entry_free(&e);
        assert_int_not_equal(access(path, F_OK), 0); /* removed */
    }
    /* A new key (the file replaced) makes every old entry worthless. */
    oi_cache_put(&c, &cfg, &quiet, now, OI_VERDICT_ALLOW, now + 100, answer, strlen(answer));
    oi_cache_close(&c);
    snprintf(path, sizeof(path), "%s/tamper/hmac.key", scratch);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok", NULL), 0);
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now, &e), OI_CE_NONE);
    oi_cache_close(&c);
    /* A key file of the wrong shape is a configuration error. */
    f = fopen(path, "w");
    fputs("short\n", f);
    fclose(f);
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_CONFIG);
    oi_config_free(&cfg);
}

static void breaker_backoff(void **state)
{
    struct oi_config cfg;
    struct oi_cache c;
    struct oi_breaker_state st;
    config_for(&cfg, "breaker", "cache_ttl=60");
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    const char *u = "https://a/admin/oauth2/introspect", *v = "https://b/admin/oauth2/introspect";
    int64_t t = 1000000;
    assert_false(oi_breaker_is_open(&c, &cfg, u, t, &st));
    oi_breaker_record(&c, &cfg, u, t, false, "Couldn't connect to server", -1, &st);
    oi_breaker_record(&c, &cfg, u, t, false, "Couldn't connect to server", -1, &st);
    assert_false(oi_breaker_is_open(&c, &cfg, u, t, &st));
    assert_int_equal(st.failures, 2);
    oi_breaker_record(&c, &cfg, u, t, false, "Couldn't connect to server", -1, &st);
    assert_true(oi_breaker_is_open(&c, &cfg, u, t + 999, &st));
    assert_string_equal(st.cause, "Couldn't connect to server"); /* the real cause outlives the failure */
    assert_false(oi_breaker_is_open(&c, &cfg, u, t + 1000, &st));
    assert_false(oi_breaker_is_open(&c, &cfg, v, t, &st)); /* each server its own */
    /* Growing: 2 s, 4 s, ... up to 60 s. */
    long want[] = {2000, 4000, 8000, 16000, 32000, 60000, 60000};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        oi_breaker_record(&c, &cfg, u, t, false, "Couldn't connect to server", -1, &st);
        assert_int_equal(st.open_until_ms - t, want[i]);
    }
    oi_breaker_record(&c, &cfg, u, t, true, "", -1, &st);
    assert_false(oi_breaker_is_open(&c, &cfg, u, t, &st));
    assert_int_equal(st.failures, 0);
    assert_string_equal(st.cause, "");
    /* A cause from a hostile server's answer is stored printable, one line, and bounded. */
    char hostile[1000];
    memset(hostile, 'x', sizeof(hostile) - 1);
    hostile[sizeof(hostile) - 1] = '\0';
    memcpy(hostile, "HTTP 503\nfailures 0\n\x1b[2J", 24);
    oi_breaker_record(&c, &cfg, u, t, false, hostile, -1, &st);
    assert_false(oi_breaker_is_open(&c, &cfg, u, t, &st)); /* read back: one failure, closed */
    assert_int_equal(st.failures, 1);
    assert_int_equal(strlen(st.cause), sizeof(st.cause) - 1);
    assert_null(strchr(st.cause, '\n'));
    assert_null(strchr(st.cause, '\x1b'));
    assert_memory_equal(st.cause, "HTTP 503?failures 0??[2J", 24);
    oi_breaker_record(&c, &cfg, u, t, true, "", -1, &st);
    /* 429: open at once for the reset, and marked: the server answered, it is no outage. */
    oi_breaker_record(&c, &cfg, u, t, false, "HTTP 429", 5000, &st);
    assert_true(st.rate_limited);
    assert_true(oi_breaker_is_open(&c, &cfg, u, t + 4999, &st));
    assert_true(st.rate_limited);
    assert_false(oi_breaker_is_open(&c, &cfg, u, t + 5000, &st));
    oi_breaker_record(&c, &cfg, u, t, false, "Couldn't connect to server", -1, &st);
    assert_false(st.rate_limited);
    oi_cache_close(&c);
    oi_config_free(&cfg);
}

/* Everything that changes whom the module trusts names its own entries and breakers: a line
 * whose own TLS check would fail is never answered from a laxer line's entry. */
static void trust_in_names(void **state)
{
    static const char *const stricter[] = {"ca_file=/etc/other-ca.pem", "pinned_pubkey=sha256//AAAA",
                                           "client_cert=/etc/c.pem", "proxy=http://proxy:3128",
                                           "ca_dir=/etc/other-certs"};
    struct oi_config cfg;
    struct oi_cache c;
    struct oi_breaker_state st;
    config_for(&cfg, "trust", "cache_ttl=60");
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok", NULL), 0);
    char plain_entry[80];
    snprintf(plain_entry, sizeof(plain_entry), "%s", c.entry);
    const char *u = "https://a/admin/oauth2/introspect";
    int64_t t = 1000000;
    oi_breaker_record(&c, &cfg, u, t, false, "HTTP 429", 5000, &st);
    assert_true(oi_breaker_is_open(&c, &cfg, u, t, &st));
    for (size_t i = 0; i < sizeof(stricter) / sizeof(stricter[0]); i++) {
        struct oi_config other;
        config_for(&other, "trust", stricter[i]);
        assert_int_equal(oi_cache_select(&c, &other, "tok", NULL), 0);
        if (strcmp(c.entry, plain_entry) == 0)
            fail_msg("%s: the same cache entry as without it", stricter[i]);
        if (oi_breaker_is_open(&c, &other, u, t, &st))
            fail_msg("%s: the breaker of the line without it", stricter[i]);
        oi_config_free(&other);
    }
    oi_cache_close(&c);
    oi_config_free(&cfg);
}

static void bound_and_flush(void **state)
{
    struct oi_config cfg;
    struct oi_cache c;
    config_for(&cfg, "bound", "cache_max_entries=16");
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    int64_t now = (int64_t)time(NULL);
    for (int i = 0; i < 50; i++) {
        char tok[32];
        snprintf(tok, sizeof(tok), "tok-%d", i);
        assert_int_equal(oi_cache_select(&c, &cfg, tok, NULL), 0);
        oi_cache_put(&c, &cfg, &quiet, now, OI_VERDICT_ALLOW, now + 10 + i, answer, strlen(answer));
    }
    struct oi_cache_stats st;
    assert_int_equal(oi_cache_stats(&c, &cfg, now, &st), 0);
    if (st.fresh_allow > 16 || st.fresh_allow < 14)
        fail_msg("%zu entries usable (%zu stale, %zu expired), bound 16", st.fresh_allow, st.stale, st.expired);
    assert_int_equal(st.corrupt, 0);
    /* The entries that expire first went: the last one written is there. */
    struct oi_cache_entry e; /* the selected token is still the last one */
    assert_int_equal(oi_cache_get(&c, &cfg, &quiet, now, &e), OI_CE_FRESH);
    oi_cache_entry_free(&e);
    size_t removed = 0;
    assert_int_equal(oi_cache_flush(&c, &cfg, "bob", NULL, &removed), 0);
    assert_int_equal(removed, 0);
    assert_int_equal(oi_cache_flush(&c, &cfg, "alice", NULL, &removed), 0);
    assert_int_equal(removed, st.fresh_allow);
    assert_int_equal(oi_cache_stats(&c, &cfg, now, &st), 0);
    assert_int_equal(st.fresh_allow, 0);
    oi_cache_close(&c);
    oi_config_free(&cfg);
}

/* Entries go by the subject exactly as the server issued it: no escaping in the way. */
static void flush_exact_subject(void **state)
{
    static const char odd[] = "{\"active\":true,\"sub\":\"uid=carol,ou=people \\u00fc\",\"exp\":9999999999}";
    struct oi_config cfg;
    struct oi_cache c;
    size_t removed = 0;
    config_for(&cfg, "exact", "cache_ttl=60");
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    assert_int_equal(oi_cache_select(&c, &cfg, "tok-odd", NULL), 0);
    int64_t now = (int64_t)time(NULL);
    oi_cache_put(&c, &cfg, &quiet, now, OI_VERDICT_ALLOW, now + 60, odd, strlen(odd));
    assert_int_equal(oi_cache_flush(&c, &cfg, "uid\\x3dcarol,ou\\x3dpeople\\x20\\xc3\\xbc", NULL, &removed), 0);
    assert_int_equal(removed, 0); /* the display form of a log line is not the subject */
    assert_int_equal(oi_cache_flush(&c, &cfg, "uid=carol,ou=people \xc3\xbc", NULL, &removed), 0);
    assert_int_equal(removed, 1);
    oi_cache_close(&c);
    oi_config_free(&cfg);
}

static void unsafe_directory(void **state)
{
    struct oi_config cfg;
    struct oi_cache c;
    char dir[PATH_MAX + 16];
    config_for(&cfg, "open", "cache_ttl=60");
    snprintf(dir, sizeof(dir), "%s/open", scratch);
    assert_int_equal(mkdir(dir, 0750), 0);
    chmod(dir, 0750);
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_CONFIG);
    chmod(dir, 0700);
    assert_int_equal(oi_cache_open(&c, &cfg, &quiet), OI_OK);
    oi_cache_close(&c);
    oi_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(admin_url_list),     cmocka_unit_test(introspect_url_list),
        cmocka_unit_test(url_lists_refused),  cmocka_unit_test(cache_options),
        cmocka_unit_test(round_trip_and_ttl), cmocka_unit_test(denials),
        cmocka_unit_test(tampering),          cmocka_unit_test(breaker_backoff),
        cmocka_unit_test(bound_and_flush),    cmocka_unit_test(unsafe_directory),
        cmocka_unit_test(trust_in_names),     cmocka_unit_test(flush_exact_subject),
    };
    return cmocka_run_group_tests_name("unit_cache", tests, setup, teardown);
}
