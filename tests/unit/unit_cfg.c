/* Unit tests: cfg.c, the options from the conf file and the pam.d line, and the secret file. */
#include <config.h>

#include <errno.h>
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
#include "cfg_files.h"
#include "unit_scratch.h"
#include "util.h"

static char last_conf[PATH_MAX]; /* the conf file of the last load() */

/* ---- loading ---- */

/* conf=<a new file holding conf_text> followed by args (NULL-terminated). */
static int load_with(struct oi_config *cfg, struct oi_config_error *err, const char *conf_text, const char *const *args)
{
    const char *argv[64];
    char conf_arg[PATH_MAX + 8];
    int argc = 0;
    char *path = unit_write_text(conf_text ? conf_text : "", 0644);
    snprintf(last_conf, sizeof(last_conf), "%s", path);
    snprintf(conf_arg, sizeof(conf_arg), "conf=%s", path);
    free(path);
    argv[argc++] = conf_arg;
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(argc < 64);
        argv[argc++] = args[i];
    }
    memset(err, 'Z', sizeof(*err)); /* what the caller sees must be what the loader wrote */
    return oi_config_load(cfg, argc, argv, err);
}

#define LOAD(text, ...) load_with(&cfg, &err, (text), (const char *const[]){__VA_ARGS__, NULL})
/* The two options every valid configuration needs. */
#define MIN "admin_url=https://hydra.example", "allowed_clients=cli"

static void expect_ok(int rc, const struct oi_config_error *err)
{
    if (rc != 0)
        fail_msg("refused (rc %d): %s: %s %s", rc, err->where, err->key, err->what);
}

/* rc must be a configuration error naming `key` at `where`; cfg is freed if it was accepted. */
static void expect_error(int rc, struct oi_config *cfg, const struct oi_config_error *err, const char *where,
                         const char *key)
{
    if (rc == 0) {
        oi_config_free(cfg);
        fail_msg("accepted; expected an error for '%s' at %s", key, where);
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err->key, key);
    assert_string_equal(err->where, where);
    assert_true(err->what[0] != '\0');
    assert_non_null(memchr(err->what, '\0', sizeof(err->what)));
}

static char where_buf[PATH_MAX + 32];

/* "FILE:LINE" for the last conf file. */
static const char *at_line(unsigned line)
{
    snprintf(where_buf, sizeof(where_buf), "%s:%u", last_conf, line);
    return where_buf;
}

#define PAMD "pam.d line"
#define WHOLE "settings" /* a contradiction may span the file and the pam.d line */

/* Each arg alone, after MIN, must be refused with err.key == key on the pam.d line. */
static void expect_arg_refused(const char *arg, const char *key)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, arg);
    if (rc == 0) {
        oi_config_free(&cfg);
        fail_msg("'%s' was accepted", arg);
    }
    expect_error(rc, &cfg, &err, PAMD, key);
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN), &err);
    assert_int_equal(cfg.flavor, OI_FLAVOR_HYDRA);
    assert_string_equal(cfg.admin_url, "https://hydra.example");
    assert_string_equal(cfg.introspect_url, "https://hydra.example/admin/oauth2/introspect");
    assert_int_equal(cfg.auth, OI_AUTH_NONE);
    assert_null(cfg.client_id);
    assert_null(cfg.secret_file);
    assert_null(cfg.ca_file);
    assert_string_equal(cfg.ca_dir, "/etc/ssl/certs");
    assert_null(cfg.pinned_pubkey);
    assert_null(cfg.client_cert);
    assert_null(cfg.client_key);
    assert_null(cfg.proxy);
    assert_false(cfg.allow_http);
    assert_int_equal(cfg.connect_timeout_ms, 2000);
    assert_int_equal(cfg.timeout_ms, 5000);
    assert_int_equal(cfg.allowed_clients.n, 1);
    assert_string_equal(cfg.allowed_clients.items[0], "cli");
    assert_false(cfg.any_client);
    assert_int_equal(cfg.audience.n, 0);
    assert_null(cfg.issuer);
    assert_int_equal(cfg.required_scopes.n, 0);
    assert_string_equal(cfg.user_claim, "sub");
    assert_int_equal(cfg.leeway, 30);
    assert_null(cfg.token_prefix);
    assert_int_equal(cfg.max_token_length, 4096);
    assert_int_equal(cfg.pass, OI_PASS_PROMPT);
    assert_string_equal(cfg.prompt, "Access token: ");
    assert_false(cfg.debug);
    assert_string_equal(cfg.conf_path, last_conf);
    oi_config_free(&cfg);
}

static void test_default_auth_rfc7662_basic(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "flavor=rfc7662", "introspect_url=https://op.example/introspect", "client_id=rs",
                   "secret_file=/etc/secret", "allowed_clients=cli"),
              &err);
    assert_int_equal(cfg.auth, OI_AUTH_BASIC);
    assert_string_equal(cfg.introspect_url, "https://op.example/introspect");
    oi_config_free(&cfg);
}

static void test_default_auth_rfc7662_needs_client(void **state)
{
    /* auth defaults to basic for rfc7662, so client_id is required without auth= */
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "flavor=rfc7662", "introspect_url=https://op.example/introspect", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "client_id");
}

static void test_default_auth_hydra_v1_none(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "flavor=hydra-v1", MIN), &err);
    assert_int_equal(cfg.auth, OI_AUTH_NONE);
    oi_config_free(&cfg);
}

static void test_ca_dir_not_defaulted_with_ca_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "ca_file=/etc/pki/hydra.pem"), &err);
    assert_string_equal(cfg.ca_file, "/etc/pki/hydra.pem");
    assert_null(cfg.ca_dir);
    oi_config_free(&cfg);
}

static void test_ca_dir_given(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "ca_dir=/etc/pki/certs"), &err);
    assert_null(cfg.ca_file);
    assert_string_equal(cfg.ca_dir, "/etc/pki/certs");
    oi_config_free(&cfg);
}

/* ---- every key with a good value ---- */

static const char every_key_file[] = "# every default flipped\n"
                                     "flavor = hydra-v1\n"
                                     "admin_url = https://hydra.example:4445/\n"
                                     "auth = post\n"
                                     "client_id = rs-ssh\n"
                                     "secret_file = /etc/pam_oauth2_introspect/secret\n"
                                     "ca_file = /etc/pki/hydra-ca.pem\n"
                                     "ca_dir = /etc/pki/certs\n"
                                     "pinned_pubkey = sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=\n"
                                     "client_cert = /etc/pki/client.pem\n"
                                     "client_key = /etc/pki/client.key\n"
                                     "proxy = http://proxy.example:3128\n"
                                     "allow_http = yes\n"
                                     "connect_timeout_ms = 1500\n"
                                     "timeout_ms = 9000\n"
                                     "allowed_clients = ssh-cli, web ,cli2\n"
                                     "audience = rs-a,rs-b\n"
                                     "issuer = https://hydra.example/\n"
                                     "required_scopes = ssh, login:%u\n"
                                     "user_claim = ext.unix_user\n"
                                     "leeway = 5\n"
                                     "token_prefix = ory_at_\n"
                                     "max_token_length = 2048\n"
                                     "try_first_pass\n"
                                     "prompt = OAuth2 token:\n"
                                     "debug = true\n";

static void test_file_every_key(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(every_key_file, NULL), &err);
    assert_int_equal(cfg.flavor, OI_FLAVOR_HYDRA_V1);
    assert_string_equal(cfg.admin_url, "https://hydra.example:4445/");
    assert_string_equal(cfg.introspect_url, "https://hydra.example:4445/oauth2/introspect");
    assert_int_equal(cfg.auth, OI_AUTH_POST);
    assert_string_equal(cfg.client_id, "rs-ssh");
    assert_string_equal(cfg.secret_file, "/etc/pam_oauth2_introspect/secret");
    assert_string_equal(cfg.ca_file, "/etc/pki/hydra-ca.pem");
    assert_string_equal(cfg.ca_dir, "/etc/pki/certs");
    assert_string_equal(cfg.pinned_pubkey, "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=");
    assert_string_equal(cfg.client_cert, "/etc/pki/client.pem");
    assert_string_equal(cfg.client_key, "/etc/pki/client.key");
    assert_string_equal(cfg.proxy, "http://proxy.example:3128");
    assert_true(cfg.allow_http);
    assert_int_equal(cfg.connect_timeout_ms, 1500);
    assert_int_equal(cfg.timeout_ms, 9000);
    assert_int_equal(cfg.allowed_clients.n, 3);
    assert_string_equal(cfg.allowed_clients.items[0], "ssh-cli");
    assert_string_equal(cfg.allowed_clients.items[1], "web");
    assert_string_equal(cfg.allowed_clients.items[2], "cli2");
    assert_false(cfg.any_client);
    assert_int_equal(cfg.audience.n, 2);
    assert_string_equal(cfg.audience.items[0], "rs-a");
    assert_string_equal(cfg.audience.items[1], "rs-b");
    assert_string_equal(cfg.issuer, "https://hydra.example/");
    assert_int_equal(cfg.required_scopes.n, 2);
    assert_string_equal(cfg.required_scopes.items[0], "ssh");
    assert_string_equal(cfg.required_scopes.items[1], "login:%u");
    assert_string_equal(cfg.user_claim, "ext.unix_user");
    assert_int_equal(cfg.leeway, 5);
    assert_string_equal(cfg.token_prefix, "ory_at_");
    assert_int_equal(cfg.max_token_length, 2048);
    assert_int_equal(cfg.pass, OI_PASS_TRY_FIRST);
    assert_string_equal(cfg.prompt, "OAuth2 token:");
    assert_true(cfg.debug);
    assert_string_equal(cfg.conf_path, last_conf);
    oi_config_free(&cfg);
}

static void test_argv_every_key(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "flavor=rfc7662", "introspect_url=http://127.0.0.1:4444/introspect", "auth=post",
                   "client_id=rs one", "secret_file=/run/secret", "ca_file=/ca.pem", "ca_dir=/ca",
                   "pinned_pubkey=/pin.pem", "client_cert=/c.pem", "client_key=/k.pem", "proxy=https://proxy:8443",
                   "allow_http", "connect_timeout_ms=60000", "timeout_ms=600000", "allowed_clients=*", "audience=aud",
                   "issuer=https://op", "required_scopes=%s@%h,100%%", "user_claim=username", "leeway=3600",
                   "token_prefix=at.", "max_token_length=1048576", "use_first_pass",
                   "prompt=Token for you: ", "debug=1"),
              &err);
    assert_int_equal(cfg.flavor, OI_FLAVOR_RFC7662);
    assert_null(cfg.admin_url);
    assert_string_equal(cfg.introspect_url, "http://127.0.0.1:4444/introspect");
    assert_int_equal(cfg.auth, OI_AUTH_POST);
    assert_string_equal(cfg.client_id, "rs one");
    assert_string_equal(cfg.secret_file, "/run/secret");
    assert_string_equal(cfg.ca_file, "/ca.pem");
    assert_string_equal(cfg.ca_dir, "/ca");
    assert_string_equal(cfg.pinned_pubkey, "/pin.pem");
    assert_string_equal(cfg.client_cert, "/c.pem");
    assert_string_equal(cfg.client_key, "/k.pem");
    assert_string_equal(cfg.proxy, "https://proxy:8443");
    assert_true(cfg.allow_http);
    assert_int_equal(cfg.connect_timeout_ms, 60000);
    assert_int_equal(cfg.timeout_ms, 600000);
    assert_true(cfg.any_client);
    assert_int_equal(cfg.allowed_clients.n, 1);
    assert_int_equal(cfg.audience.n, 1);
    assert_string_equal(cfg.audience.items[0], "aud");
    assert_string_equal(cfg.issuer, "https://op");
    assert_int_equal(cfg.required_scopes.n, 2);
    assert_string_equal(cfg.required_scopes.items[0], "%s@%h");
    assert_string_equal(cfg.required_scopes.items[1], "100%%");
    assert_string_equal(cfg.user_claim, "username");
    assert_int_equal(cfg.leeway, 3600);
    assert_string_equal(cfg.token_prefix, "at.");
    assert_int_equal(cfg.max_token_length, 1048576);
    assert_int_equal(cfg.pass, OI_PASS_USE_FIRST);
    assert_string_equal(cfg.prompt, "Token for you: ");
    assert_true(cfg.debug);
    oi_config_free(&cfg);
}

static void test_auth_bearer(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "auth=bearer", "secret_file=/run/apikey"), &err);
    assert_int_equal(cfg.auth, OI_AUTH_BEARER);
    oi_config_free(&cfg);
}

static void test_auth_basic_hydra(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "auth=basic", "client_id=rs", "secret_file=/run/secret"), &err);
    assert_int_equal(cfg.auth, OI_AUTH_BASIC);
    oi_config_free(&cfg);
}

static void test_auth_none_rfc7662(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "flavor=rfc7662", "introspect_url=https://op/i", "auth=none", "allowed_clients=c"), &err);
    assert_int_equal(cfg.auth, OI_AUTH_NONE);
    oi_config_free(&cfg);
}

static void test_flag_values(void **state)
{
    static const struct {
        const char *arg;
        bool on;
    } cases[] = {
        {"debug", true},     {"debug=yes", true},    {"debug=true", true}, {"debug=1", true},
        {"debug=no", false}, {"debug=false", false}, {"debug=0", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oi_config cfg;
        struct oi_config_error err;
        expect_ok(LOAD(NULL, MIN, cases[i].arg), &err);
        bool got = cfg.debug;
        oi_config_free(&cfg);
        if (got != cases[i].on)
            fail_msg("%s gave debug=%d", cases[i].arg, got);
    }
}

static void test_pass_flags_off(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "use_first_pass=no", "try_first_pass=false"), &err);
    assert_int_equal(cfg.pass, OI_PASS_PROMPT);
    oi_config_free(&cfg);
}

static void test_number_bounds_accepted(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "connect_timeout_ms=1", "timeout_ms=1", "leeway=0", "min_token_length=1",
                   "max_token_length=16"),
              &err);
    assert_int_equal(cfg.connect_timeout_ms, 1);
    assert_int_equal(cfg.timeout_ms, 1);
    assert_int_equal(cfg.leeway, 0);
    assert_int_equal(cfg.max_token_length, 16);
    assert_int_equal(cfg.min_token_length, 1);
    oi_config_free(&cfg);
}

/* A password is not a token: the shortest secret that is sent must fit under the longest. */
static void test_min_token_length_above_max(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_error(LOAD(NULL, MIN, "max_token_length=16"), &cfg, &err, "settings", "min_token_length");
    assert_non_null(strstr(err.what, "is longer than max_token_length (16)"));
    expect_error(LOAD(NULL, MIN, "min_token_length=100", "max_token_length=99"), &cfg, &err, "settings",
                 "min_token_length");
}

/* ---- the device flow ---- */

#define DEVICE "device_flow", "device_client_id=pam-device"

static void test_device_off_by_default(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN), &err);
    assert_false(cfg.device_flow);
    assert_true(cfg.device_qr);
    assert_int_equal(cfg.device_timeout, 100);
    oi_config_free(&cfg);
}

static void test_device_from_discovery_or_urls(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("issuer = https://auth.example/\n", MIN, DEVICE, "device_scopes=ssh:login,host:%h", "device_qr=no",
                   "device_timeout=60"),
              &err);
    assert_true(cfg.device_flow);
    assert_string_equal(cfg.device_client_id, "pam-device");
    assert_null(cfg.device_auth_url);
    assert_int_equal(cfg.device_scopes.n, 2);
    assert_false(cfg.device_qr);
    assert_int_equal(cfg.device_timeout, 60);
    oi_config_free(&cfg);
    expect_ok(LOAD(NULL, MIN, DEVICE, "device_auth_url=https://auth.example/oauth2/device/auth",
                   "device_token_url=https://auth.example/oauth2/token", "device_secret_file=/etc/x.secret"),
              &err);
    assert_string_equal(cfg.device_token_url, "https://auth.example/oauth2/token");
    oi_config_free(&cfg);
}

/* Each mistake names the option to fix. */
static void test_device_refused(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    const char *urls[] = {"device_auth_url=https://a.example/device", "device_token_url=https://a.example/token"};
    expect_error(LOAD(NULL, MIN, "device_client_id=x"), &cfg, &err, WHOLE, "device_client_id");
    assert_non_null(strstr(err.what, "needs device_flow = yes"));
    expect_error(LOAD(NULL, MIN, "device_qr=no"), &cfg, &err, WHOLE, "device_qr");
    expect_error(LOAD(NULL, MIN, "device_ca_file=/etc/ssl/certs/ca-certificates.crt"), &cfg, &err, WHOLE,
                 "device_ca_file");
    expect_error(LOAD(NULL, MIN, "device_flow", urls[0], urls[1]), &cfg, &err, WHOLE, "device_client_id");
    expect_error(LOAD(NULL, MIN, DEVICE), &cfg, &err, WHOLE, "device_flow");
    assert_non_null(strstr(err.what, "or issuer"));
    expect_error(LOAD(NULL, MIN, DEVICE, urls[0]), &cfg, &err, WHOLE, "device_token_url");
    expect_error(LOAD(NULL, MIN, DEVICE, urls[1]), &cfg, &err, WHOLE, "device_auth_url");
    expect_error(LOAD(NULL, MIN, DEVICE, urls[0], "device_token_url=http://a.example/token"), &cfg, &err, WHOLE,
                 "device_token_url");
    assert_non_null(strstr(err.what, "allow_http"));
    expect_error(LOAD(NULL, MIN, DEVICE, urls[0], "device_token_url=ftp://a.example/token"), &cfg, &err, WHOLE,
                 "device_token_url");
    expect_error(LOAD(NULL, MIN, DEVICE, urls[0], urls[1], "flavor=hydra-v1"), &cfg, &err, WHOLE, "device_flow");
    assert_non_null(strstr(err.what, "v25.4.0"));
    expect_error(LOAD(NULL, MIN, DEVICE, urls[0], urls[1], "use_first_pass"), &cfg, &err, WHOLE, "device_flow");
    expect_error(LOAD(NULL, MIN, DEVICE, urls[0], urls[1], "device_scopes=host:%x"), &cfg, &err, WHOLE,
                 "device_scopes");
    expect_error(LOAD(NULL, MIN, DEVICE, urls[0], urls[1], "device_timeout=5"), &cfg, &err, PAMD, "device_timeout");
    expect_error(LOAD(NULL, MIN, DEVICE, "issuer=http://auth.example"), &cfg, &err, WHOLE, "issuer");
}

/* The account line cannot run a device flow: its options there would only look as if they acted. */
static void test_device_not_for_account_line(void **state)
{
    struct oi_config_error err;
    const char *argv[] = {"device_flow"};
    assert_int_equal(oi_config_check_account_line(1, argv, &err), OI_CONFIG);
    assert_string_equal(err.key, "device_flow");
}

static void test_allowed_clients_star(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "admin_url=https://h", "allowed_clients=*"), &err);
    assert_true(cfg.any_client);
    oi_config_free(&cfg);
}

/* ---- bad values ---- */

static const char *const numeric_keys[] = {"connect_timeout_ms", "timeout_ms", "leeway", "max_token_length"};
#define N_NUMERIC (sizeof(numeric_keys) / sizeof(numeric_keys[0]))

static void expect_numbers_refused(const char *value)
{
    for (size_t i = 0; i < N_NUMERIC; i++) {
        char arg[128];
        snprintf(arg, sizeof(arg), "%s=%s", numeric_keys[i], value);
        expect_arg_refused(arg, numeric_keys[i]);
    }
}

static void test_number_junk(void **state)
{
    expect_numbers_refused("20s");
}

static void test_number_word(void **state)
{
    expect_numbers_refused("lots");
}

static void test_number_negative(void **state)
{
    expect_numbers_refused("-1");
}

static void test_number_plus_sign(void **state)
{
    expect_numbers_refused("+20");
}

static void test_number_leading_space(void **state)
{
    expect_numbers_refused(" 20");
}

static void test_number_overflow(void **state)
{
    expect_numbers_refused("99999999999999999999");
}

static void test_number_empty(void **state)
{
    expect_numbers_refused("");
}

static void test_number_bare(void **state)
{
    for (size_t i = 0; i < N_NUMERIC; i++)
        expect_arg_refused(numeric_keys[i], numeric_keys[i]);
}

static void test_number_below_range(void **state)
{
    expect_arg_refused("connect_timeout_ms=0", "connect_timeout_ms");
    expect_arg_refused("timeout_ms=0", "timeout_ms");
    expect_arg_refused("max_token_length=15", "max_token_length");
}

static void test_number_above_range(void **state)
{
    expect_arg_refused("connect_timeout_ms=60001", "connect_timeout_ms");
    expect_arg_refused("timeout_ms=600001", "timeout_ms");
    expect_arg_refused("leeway=3601", "leeway");
    expect_arg_refused("max_token_length=1048577", "max_token_length");
}

static void test_number_error_names_range(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "leeway=3601");
    expect_error(rc, &cfg, &err, PAMD, "leeway");
    assert_non_null(strstr(err.what, "3601"));
    assert_non_null(strstr(err.what, "0..3600"));
}

static void test_flavor_unknown(void **state)
{
    expect_arg_refused("flavor=hydra2", "flavor");
}

static void test_flavor_wrong_case(void **state)
{
    expect_arg_refused("flavor=Hydra", "flavor");
}

static void test_flavor_bare(void **state)
{
    expect_arg_refused("flavor", "flavor");
}

static void test_flavor_empty(void **state)
{
    expect_arg_refused("flavor=", "flavor");
}

static void test_auth_unknown(void **state)
{
    expect_arg_refused("auth=digest", "auth");
}

static void test_auth_wrong_case(void **state)
{
    expect_arg_refused("auth=Basic", "auth");
}

static void test_auth_bare(void **state)
{
    expect_arg_refused("auth", "auth");
}

static void test_auth_empty(void **state)
{
    expect_arg_refused("auth=", "auth");
}

static const char *const flag_keys[] = {"allow_http", "debug", "use_first_pass", "try_first_pass"};

static void expect_flags_refused(const char *value)
{
    for (size_t i = 0; i < sizeof(flag_keys) / sizeof(flag_keys[0]); i++) {
        char arg[128];
        snprintf(arg, sizeof(arg), "%s=%s", flag_keys[i], value);
        expect_arg_refused(arg, flag_keys[i]);
    }
}

static void test_flag_bad_word(void **state)
{
    expect_flags_refused("maybe");
}

static void test_flag_bad_number(void **state)
{
    expect_flags_refused("2");
}

static void test_flag_empty(void **state)
{
    expect_flags_refused("");
}

static void test_flag_trailing_junk(void **state)
{
    expect_flags_refused("yes please");
}

static void expect_urls_refused(const char *value)
{
    static const char *const keys[] = {"admin_url", "introspect_url"};
    for (size_t i = 0; i < 2; i++) {
        char arg[2200];
        struct oi_config cfg;
        struct oi_config_error err;
        snprintf(arg, sizeof(arg), "%s=%s", keys[i], value);
        /* alone (no MIN): the URL is refused before any check of the whole */
        int rc = LOAD(NULL, arg, "allowed_clients=cli");
        expect_error(rc, &cfg, &err, PAMD, keys[i]);
    }
}

static void test_url_no_scheme(void **state)
{
    expect_urls_refused("hydra.example:4445");
}

static void test_url_other_scheme(void **state)
{
    expect_urls_refused("ftp://hydra.example");
}

static void test_url_scheme_relative(void **state)
{
    expect_urls_refused("//hydra.example");
}

static void test_url_upper_case_scheme(void **state)
{
    expect_urls_refused("HTTPS://hydra.example");
}

static void test_url_space(void **state)
{
    expect_urls_refused("https://hydra.example/ x");
}

static void test_url_tab(void **state)
{
    expect_urls_refused("https://hydra.example/\tx");
}

static void test_url_control(void **state)
{
    expect_urls_refused("https://hydra.example/\x7f");
}

static void test_url_empty(void **state)
{
    expect_urls_refused("");
}

/* The part after the scheme: a resolvable host, a port in range, no credentials in a logged URL. */
static void test_url_userinfo(void **state)
{
    expect_urls_refused("https://admin:s3cret@hydra.example:4445");
    expect_urls_refused("https://@hydra.example");
}

static void test_url_host_placeholder(void **state)
{
    expect_urls_refused("https://<slug>.projects.oryapis.com");
    expect_urls_refused("https://hydra%2eexample");
}

static void test_url_bad_port(void **state)
{
    expect_urls_refused("https://hydra.example:");
    expect_urls_refused("https://hydra.example:0");
    expect_urls_refused("https://hydra.example:65536/");
    expect_urls_refused("https://hydra.example:4445x/");
    expect_urls_refused("https://hydra.example:-1");
    expect_urls_refused("https://:4445/");
}

static void test_url_bad_ipv6(void **state)
{
    expect_urls_refused("https://[::1/");
    expect_urls_refused("https://[]:4445");
    expect_urls_refused("https://[::1]x/");
    expect_urls_refused("https://[fe80::1%25eth0]/");
}

static void test_url_hosts_accepted(void **state)
{
    static const char *const urls[] = {"https://[::1]:4445/", "https://127.0.0.1:65535",
                                       "https://hydra-admin.internal_zone.example:1/base"};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        char arg[200];
        struct oi_config cfg;
        struct oi_config_error err;
        snprintf(arg, sizeof(arg), "admin_url=%s", urls[i]);
        expect_ok(LOAD(NULL, arg, "allowed_clients=cli"), &err);
        assert_string_equal(cfg.admin_url, urls[i]);
        oi_config_free(&cfg);
    }
}

static void test_url_too_long(void **state)
{
    char url[2100];
    int n = snprintf(url, sizeof(url), "https://h/");
    memset(url + n, 'a', sizeof(url) - 1 - (size_t)n);
    url[sizeof(url) - 1] = '\0';
    expect_urls_refused(url);
}

static void test_url_bare(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, PAMD, "admin_url");
}

static void test_list_empty_middle(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h", "allowed_clients=a,,b");
    expect_error(rc, &cfg, &err, PAMD, "allowed_clients");
}

static void test_list_empty_last(void **state)
{
    expect_arg_refused("audience=rs,", "audience");
}

static void test_list_empty_first(void **state)
{
    expect_arg_refused("required_scopes=,ssh", "required_scopes");
}

static void test_list_blank_item(void **state)
{
    expect_arg_refused("audience=a, ,b", "audience");
}

static void test_list_empty_value(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h", "allowed_clients=");
    expect_error(rc, &cfg, &err, PAMD, "allowed_clients");
    expect_arg_refused("audience=", "audience");
    expect_arg_refused("required_scopes=", "required_scopes");
}

static void test_string_control_char(void **state)
{
    expect_arg_refused("prompt=Token\x01:", "prompt");
    expect_arg_refused("issuer=https://op\n", "issuer");
    expect_arg_refused("client_id=rs\x7f", "client_id");
}

static void test_unknown_key_argv(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "frobnicate=1");
    expect_error(rc, &cfg, &err, PAMD, "frobnicate");
    assert_non_null(strstr(err.what, "unknown"));
}

static void test_misspelled_key(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h", "allowed_client=cli");
    expect_error(rc, &cfg, &err, PAMD, "allowed_client");
}

static void test_unknown_key_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("leeway = 5\nfrobnicate = 1\n", MIN);
    expect_error(rc, &cfg, &err, at_line(2), "frobnicate");
}

static void test_unknown_bare_flag(void **state)
{
    expect_arg_refused("nullok", "nullok");
}

static void test_twice_argv(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "leeway=1", "leeway=2");
    expect_error(rc, &cfg, &err, PAMD, "leeway");
    assert_non_null(strstr(err.what, "twice"));
}

static void test_twice_argv_same_value(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "debug", "debug");
    expect_error(rc, &cfg, &err, PAMD, "debug");
}

static void test_twice_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("allowed_clients = a\n# again\nallowed_clients = b\n", "admin_url=https://h");
    expect_error(rc, &cfg, &err, at_line(3), "allowed_clients");
}

static void test_conf_in_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("conf = /etc/other.conf\n", MIN);
    expect_error(rc, &cfg, &err, at_line(1), "conf");
}

static void test_conf_twice_argv(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    const char *argv[] = {"conf=/nonexistent/a.conf", "conf=/nonexistent/b.conf", MIN};
    int rc = oi_config_load(&cfg, 4, argv, &err);
    expect_error(rc, &cfg, &err, PAMD, "conf");
}

static void test_conf_empty_argv(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    const char *argv[] = {"conf=", MIN};
    int rc = oi_config_load(&cfg, 3, argv, &err);
    expect_error(rc, &cfg, &err, PAMD, "conf");
}

static void test_bare_key_argv(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "issuer");
    expect_error(rc, &cfg, &err, PAMD, "issuer");
    assert_non_null(strstr(err.what, "value"));
}

static void test_bare_key_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("debug\nissuer\n", MIN);
    expect_error(rc, &cfg, &err, at_line(2), "issuer");
}

static void test_bare_list_key(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h", "allowed_clients");
    expect_error(rc, &cfg, &err, PAMD, "allowed_clients");
}

static void test_empty_key_argv(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "=value");
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err.where, PAMD);
    assert_string_equal(err.key, "=value");
}

/* ---- precedence ---- */

static void test_argv_wins_number(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("leeway = 10\n", MIN, "leeway=20"), &err);
    assert_int_equal(cfg.leeway, 20);
    oi_config_free(&cfg);
}

static void test_argv_wins_list(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("audience = a,b\n", MIN, "audience=c"), &err);
    assert_int_equal(cfg.audience.n, 1);
    assert_string_equal(cfg.audience.items[0], "c");
    oi_config_free(&cfg);
}

static void test_argv_wins_star(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("allowed_clients = *\n", "admin_url=https://h", "allowed_clients=cli"), &err);
    assert_false(cfg.any_client);
    assert_int_equal(cfg.allowed_clients.n, 1);
    assert_string_equal(cfg.allowed_clients.items[0], "cli");
    oi_config_free(&cfg);
}

static void test_argv_wins_flag(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("debug\n", MIN, "debug=no"), &err);
    assert_false(cfg.debug);
    oi_config_free(&cfg);
}

static void test_argv_wins_pass_flag(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("use_first_pass\n", MIN, "use_first_pass=no"), &err);
    assert_int_equal(cfg.pass, OI_PASS_PROMPT);
    oi_config_free(&cfg);
}

static void test_argv_wins_string(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("prompt = From file:\nissuer = https://file\n", MIN, "prompt=From argv:"), &err);
    assert_string_equal(cfg.prompt, "From argv:");
    assert_string_equal(cfg.issuer, "https://file"); /* the rest of the file still counts */
    oi_config_free(&cfg);
}

static void test_argv_wins_flavor(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("flavor = rfc7662\nintrospect_url = https://op/i\nallowed_clients = cli\n", "flavor=hydra"), &err);
    assert_int_equal(cfg.flavor, OI_FLAVOR_HYDRA);
    assert_int_equal(cfg.auth, OI_AUTH_NONE);
    assert_string_equal(cfg.introspect_url, "https://op/i");
    oi_config_free(&cfg);
}

static void test_file_alone_enough(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("admin_url = https://h\nallowed_clients = cli\n", NULL), &err);
    assert_string_equal(cfg.introspect_url, "https://h/admin/oauth2/introspect");
    oi_config_free(&cfg);
}

/* ---- file syntax ---- */

static void test_file_comments_blank_spaces(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("# a comment = with an equals sign\n"
                   "\n"
                   "   # an indented comment\n"
                   "\t\n"
                   "  leeway\t=\t7  \n"
                   "\tdebug\n"
                   "audience=a\n"
                   "# leeway = 9\n",
                   MIN),
              &err);
    assert_int_equal(cfg.leeway, 7);
    assert_true(cfg.debug);
    assert_int_equal(cfg.audience.n, 1);
    assert_string_equal(cfg.audience.items[0], "a");
    oi_config_free(&cfg);
}

static void test_file_crlf(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("leeway = 7\r\nallowed_clients = cli\r\n", "admin_url=https://h"), &err);
    assert_int_equal(cfg.leeway, 7);
    assert_string_equal(cfg.allowed_clients.items[0], "cli");
    oi_config_free(&cfg);
}

static void test_file_no_final_newline(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("leeway = 7", MIN), &err);
    assert_int_equal(cfg.leeway, 7);
    oi_config_free(&cfg);
}

static void test_file_value_with_equals_and_hash(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD("prompt = token=# here:\n", MIN), &err);
    assert_string_equal(cfg.prompt, "token=# here:");
    oi_config_free(&cfg);
}

static void test_file_line_numbers(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("\n# comment\nleeway = soon\n", MIN);
    expect_error(rc, &cfg, &err, at_line(3), "leeway");
}

static void test_file_line_numbers_after_blank_lines(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("debug\n\n\n\n\n\n\n\n\n\nmax_token_length = 8\n", MIN);
    expect_error(rc, &cfg, &err, at_line(11), "max_token_length");
}

static void test_file_key_with_space(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("allowed clients = cli\n", "admin_url=https://h");
    expect_error(rc, &cfg, &err, at_line(1), "allowed clients");
}

static void test_file_no_key(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("leeway = 1\n = 5\n", MIN);
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err.where, at_line(2));
}

static void test_file_nul_byte(void **state)
{
    static const char text[] = "leeway = 1\n\0debug\n";
    char *path = unit_write_file(text, sizeof(text) - 1, 0644);
    char arg[PATH_MAX + 8];
    snprintf(arg, sizeof(arg), "conf=%s", path);
    const char *argv[] = {arg, MIN};
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = oi_config_load(&cfg, 3, argv, &err);
    free(path);
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err.key, "conf");
}

static void test_file_bad_value_where(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("flavor = hydra\nauth = digest\n", MIN);
    expect_error(rc, &cfg, &err, at_line(2), "auth");
}

static void test_file_url_where(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("allowed_clients = cli\nadmin_url = hydra:4445\n", NULL);
    expect_error(rc, &cfg, &err, at_line(2), "admin_url");
}

/* ---- endpoint ---- */

static void test_endpoint_hydra(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "admin_url=https://hydra:4445", "allowed_clients=cli"), &err);
    assert_string_equal(cfg.introspect_url, "https://hydra:4445/admin/oauth2/introspect");
    oi_config_free(&cfg);
}

static void test_endpoint_hydra_trailing_slashes(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "admin_url=https://hydra:4445/base//", "allowed_clients=cli"), &err);
    assert_string_equal(cfg.introspect_url, "https://hydra:4445/base/admin/oauth2/introspect");
    assert_string_equal(cfg.admin_url, "https://hydra:4445/base//");
    oi_config_free(&cfg);
}

static void test_endpoint_hydra_v1(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "flavor=hydra-v1", "admin_url=https://hydra:4445/", "allowed_clients=cli"), &err);
    assert_string_equal(cfg.introspect_url, "https://hydra:4445/oauth2/introspect");
    oi_config_free(&cfg);
}

static void test_endpoint_hydra_introspect_url(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "introspect_url=https://proxy/hydra/introspect", "allowed_clients=cli"), &err);
    assert_null(cfg.admin_url);
    assert_string_equal(cfg.introspect_url, "https://proxy/hydra/introspect");
    oi_config_free(&cfg);
}

static void test_endpoint_hydra_missing(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "admin_url");
}

static void test_endpoint_rfc7662_needs_introspect_url(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "flavor=rfc7662", "auth=none", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "introspect_url");
}

static void test_endpoint_rfc7662_refuses_admin_url(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "flavor=rfc7662", "auth=none", "admin_url=https://h", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "admin_url");
}

static void test_endpoint_rfc7662_refuses_admin_url_with_introspect(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "flavor=rfc7662", "auth=none", "admin_url=https://h", "introspect_url=https://h/i",
                  "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "admin_url");
}

static void test_endpoint_admin_and_introspect(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h", "introspect_url=https://h/i", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "introspect_url");
}

static void test_endpoint_admin_file_introspect_argv(void **state)
{
    /* one in the file and the other on the pam.d line still contradict */
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("admin_url = https://h\n", "introspect_url=https://h/i", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "introspect_url");
}

/* ---- contradictions ---- */

static void test_use_and_try_first_pass(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "use_first_pass", "try_first_pass");
    expect_error(rc, &cfg, &err, WHOLE, "try_first_pass");
}

static void test_http_admin_url_refused(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=http://hydra:4445", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "admin_url");
    assert_non_null(strstr(err.what, "allow_http"));
}

static void test_http_introspect_url_refused(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "flavor=rfc7662", "auth=none", "introspect_url=http://op/i", "allowed_clients=cli");
    expect_error(rc, &cfg, &err, WHOLE, "introspect_url");
}

static void test_http_with_allow_http(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, "admin_url=http://127.0.0.1:4445", "allowed_clients=cli", "allow_http"), &err);
    assert_string_equal(cfg.introspect_url, "http://127.0.0.1:4445/admin/oauth2/introspect");
    oi_config_free(&cfg);
}

static void test_http_with_allow_http_off(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD("allow_http\n", "admin_url=http://127.0.0.1:4445", "allowed_clients=cli", "allow_http=no");
    expect_error(rc, &cfg, &err, WHOLE, "admin_url");
}

static void test_client_id_with_auth_none(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "client_id=rs");
    expect_error(rc, &cfg, &err, WHOLE, "client_id");
}

static void test_client_id_with_bearer(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "auth=bearer", "client_id=rs", "secret_file=/run/key");
    expect_error(rc, &cfg, &err, WHOLE, "client_id");
}

static void test_basic_without_client_id(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "auth=basic", "secret_file=/run/secret");
    expect_error(rc, &cfg, &err, WHOLE, "client_id");
}

static void test_post_without_client_id(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "auth=post", "secret_file=/run/secret");
    expect_error(rc, &cfg, &err, WHOLE, "client_id");
}

static void test_basic_without_secret_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "auth=basic", "client_id=rs");
    expect_error(rc, &cfg, &err, WHOLE, "secret_file");
}

static void test_post_without_secret_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "auth=post", "client_id=rs");
    expect_error(rc, &cfg, &err, WHOLE, "secret_file");
}

static void test_bearer_without_secret_file(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "auth=bearer");
    expect_error(rc, &cfg, &err, WHOLE, "secret_file");
}

static void test_secret_file_with_auth_none(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "secret_file=/run/secret");
    expect_error(rc, &cfg, &err, WHOLE, "secret_file");
}

static void test_client_key_without_cert(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "client_key=/k.pem");
    expect_error(rc, &cfg, &err, WHOLE, "client_key");
}

static void test_client_cert_without_key(void **state)
{
    /* a combined cert+key PEM is fine */
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "client_cert=/both.pem"), &err);
    assert_string_equal(cfg.client_cert, "/both.pem");
    assert_null(cfg.client_key);
    oi_config_free(&cfg);
}

static void test_connect_timeout_longer(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, "connect_timeout_ms=3000", "timeout_ms=2999");
    expect_error(rc, &cfg, &err, WHOLE, "connect_timeout_ms");
}

static void test_connect_timeout_equal(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "connect_timeout_ms=3000", "timeout_ms=3000"), &err);
    assert_int_equal(cfg.connect_timeout_ms, 3000);
    assert_int_equal(cfg.timeout_ms, 3000);
    oi_config_free(&cfg);
}

static void test_allowed_clients_missing(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h");
    expect_error(rc, &cfg, &err, WHOLE, "allowed_clients");
}

static void test_allowed_clients_star_then_id(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h", "allowed_clients=*,cli");
    expect_error(rc, &cfg, &err, WHOLE, "allowed_clients");
}

static void test_allowed_clients_id_then_star(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, "admin_url=https://h", "allowed_clients=cli,*");
    expect_error(rc, &cfg, &err, WHOLE, "allowed_clients");
}

static void expect_scope_refused(const char *arg)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, arg);
    expect_error(rc, &cfg, &err, WHOLE, "required_scopes");
}

static void test_scope_unknown_escape(void **state)
{
    expect_scope_refused("required_scopes=login:%x");
}

static void test_scope_trailing_percent(void **state)
{
    expect_scope_refused("required_scopes=ssh,login%");
}

static void test_scope_upper_case_escape(void **state)
{
    expect_scope_refused("required_scopes=login:%U");
}

static void test_scope_space(void **state)
{
    expect_scope_refused("required_scopes=ssh login");
}

static void test_scope_quote(void **state)
{
    expect_scope_refused("required_scopes=a\"b");
}

static void test_scope_backslash(void **state)
{
    expect_scope_refused("required_scopes=a\\b");
}

static void test_scope_escapes_ok(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "required_scopes=%u,%s,%h,100%%,%%u"), &err);
    assert_int_equal(cfg.required_scopes.n, 5);
    assert_string_equal(cfg.required_scopes.items[4], "%%u");
    oi_config_free(&cfg);
}

static void expect_user_claim_refused(const char *arg)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = LOAD(NULL, MIN, arg);
    expect_error(rc, &cfg, &err, WHOLE, "user_claim");
}

static void test_user_claim_leading_dot(void **state)
{
    expect_user_claim_refused("user_claim=.a");
}

static void test_user_claim_double_dot(void **state)
{
    expect_user_claim_refused("user_claim=a..b");
}

static void test_user_claim_trailing_dot(void **state)
{
    expect_user_claim_refused("user_claim=a.");
}

static void test_user_claim_only_dot(void **state)
{
    expect_user_claim_refused("user_claim=.");
}

static void test_user_claim_deep_path_ok(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "user_claim=ext.a.b"), &err);
    assert_string_equal(cfg.user_claim, "ext.a.b");
    oi_config_free(&cfg);
}

/* ---- the conf file itself ---- */

static int load_conf_path(struct oi_config *cfg, struct oi_config_error *err, const char *path)
{
    char arg[PATH_MAX + 8];
    snprintf(arg, sizeof(arg), "conf=%s", path);
    const char *argv[] = {arg, MIN};
    return oi_config_load(cfg, 3, argv, err);
}

static void expect_conf_refused(const char *path, const char *why)
{
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = load_conf_path(&cfg, &err, path);
    if (rc == 0) {
        oi_config_free(&cfg);
        fail_msg("conf=%s accepted", path);
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err.key, "conf");
    assert_non_null(strstr(err.what, path));
    if (strstr(err.what, why) == NULL)
        fail_msg("'%s' does not say '%s'", err.what, why);
}

static void test_default_conf_missing_ok(void **state)
{
    if (access(OI_DEFAULT_CONF, F_OK) == 0 || errno != ENOENT) {
        print_message("skipped: %s exists on this system, so its absence cannot be tested\n", OI_DEFAULT_CONF);
        skip();
    }
    struct oi_config cfg;
    struct oi_config_error err;
    const char *argv[] = {MIN};
    expect_ok(oi_config_load(&cfg, 2, argv, &err), &err);
    assert_string_equal(cfg.conf_path, OI_DEFAULT_CONF);
    assert_int_equal(cfg.leeway, 30);
    oi_config_free(&cfg);
}

static void test_explicit_conf_missing(void **state)
{
    char *path = unit_scratch_path("missing");
    expect_conf_refused(path, "No such file");
    free(path);
}

static void test_conf_relative_path(void **state)
{
    expect_conf_refused("pam_oauth2_introspect.conf", "absolute");
}

static void test_conf_readable_by_others_ok(void **state)
{
    char *path = unit_write_text("leeway = 3\n", 0644);
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = load_conf_path(&cfg, &err, path);
    free(path);
    expect_ok(rc, &err);
    assert_int_equal(cfg.leeway, 3);
    oi_config_free(&cfg);
}

static void test_conf_symlink_refused(void **state)
{
    char *target = unit_write_text("leeway = 3\n", 0644);
    char *link = unit_scratch_path("link");
    assert_int_equal(symlink(target, link), 0);
    expect_conf_refused(link, "symbolic link");
    free(target);
    free(link);
}

static void test_conf_group_writable_refused(void **state)
{
    char *path = unit_write_text("leeway = 3\n", 0664);
    expect_conf_refused(path, "writable by group or others");
    free(path);
}

static void test_conf_other_writable_refused(void **state)
{
    char *path = unit_write_text("leeway = 3\n", 0646);
    expect_conf_refused(path, "writable by group or others");
    free(path);
}

static void test_conf_directory_refused(void **state)
{
    char *path = unit_scratch_path("dir");
    assert_int_equal(mkdir(path, 0755), 0);
    expect_conf_refused(path, "not a regular file");
    free(path);
}

static void test_conf_fifo_refused(void **state)
{
    /* refused without blocking on the open */
    char *path = unit_scratch_path("fifo");
    assert_int_equal(mkfifo(path, 0644), 0);
    expect_conf_refused(path, "not a regular file");
    free(path);
}

/* A conf file of exactly size bytes: "leeway = 4\n" then comment lines. */
static char *conf_of_size(size_t size)
{
    char *text = malloc(size);
    assert_non_null(text);
    memset(text, '#', size);
    memcpy(text, "leeway = 4\n", 11);
    for (size_t i = 100; i < size; i += 100)
        text[i] = '\n';
    text[size - 1] = '\n';
    char *path = unit_write_file(text, size, 0644);
    free(text);
    return path;
}

static void test_conf_max_size_ok(void **state)
{
    char *path = conf_of_size(OI_CONF_MAX_BYTES);
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = load_conf_path(&cfg, &err, path);
    free(path);
    expect_ok(rc, &err);
    assert_int_equal(cfg.leeway, 4);
    oi_config_free(&cfg);
}

static void test_conf_too_large_refused(void **state)
{
    char *path = conf_of_size(OI_CONF_MAX_BYTES + 1);
    expect_conf_refused(path, "too large");
    free(path);
}

static void test_conf_foreign_owner_refused(void **state)
{
    if (geteuid() != 0) {
        print_message("skipped: needs root to chown a file to uid 65534 (running as uid %u)\n", (unsigned)geteuid());
        skip();
    }
    char *path = unit_write_text("leeway = 3\n", 0644);
    assert_int_equal(chown(path, 65534, 65534), 0);
    expect_conf_refused(path, "not owned by root");
    free(path);
}

/* ---- oi_config_read_secret ---- */

static int read_secret_from(char *path, char **secret, struct oi_config_error *err)
{
    *secret = NULL;
    return oi_config_read_secret(path, "secret_file", secret, err);
}

static void expect_secret(const void *data, size_t len, const char *want)
{
    char *path = unit_write_file(data, len, 0600);
    char *secret;
    struct oi_config_error err;
    int rc = read_secret_from(path, &secret, &err);
    free(path);
    if (rc != 0)
        fail_msg("secret refused: %s", err.what);
    assert_non_null(secret);
    assert_string_equal(secret, want);
    oi_free_secret(&secret);
}

static void expect_secret_refused(const void *data, size_t len, mode_t mode, const char *why)
{
    char *path = unit_write_file(data, len, mode);
    char *secret;
    struct oi_config_error err;
    int rc = read_secret_from(path, &secret, &err);
    if (rc == 0) {
        oi_free_secret(&secret);
        free(path);
        fail_msg("secret accepted");
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_null(secret);
    assert_string_equal(err.key, "secret_file");
    assert_string_equal(err.where, path);
    assert_non_null(strstr(err.what, path));
    free(path);
    if (strstr(err.what, why) == NULL)
        fail_msg("'%s' does not say '%s'", err.what, why);
}

static void test_secret_newline_stripped(void **state)
{
    expect_secret("s3cret\n", 7, "s3cret");
}

static void test_secret_crlf_stripped(void **state)
{
    expect_secret("s3cret\r\n", 8, "s3cret");
}

static void test_secret_no_newline(void **state)
{
    expect_secret("s3cret", 6, "s3cret");
}

static void test_secret_inner_space_kept(void **state)
{
    expect_secret("p@ss w:rd\n", 10, "p@ss w:rd");
}

static void test_secret_max_size_ok(void **state)
{
    char data[OI_SECRET_MAX_BYTES];
    memset(data, 'k', sizeof(data));
    data[sizeof(data) - 1] = '\n';
    char want[OI_SECRET_MAX_BYTES];
    memset(want, 'k', sizeof(want) - 1);
    want[sizeof(want) - 1] = '\0';
    expect_secret(data, sizeof(data), want);
}

static void test_secret_too_large(void **state)
{
    char data[OI_SECRET_MAX_BYTES + 1];
    memset(data, 'k', sizeof(data));
    expect_secret_refused(data, sizeof(data), 0600, "too large");
}

static void test_secret_empty(void **state)
{
    expect_secret_refused("", 0, 0600, "empty");
}

static void test_secret_only_newline(void **state)
{
    expect_secret_refused("\n", 1, 0600, "empty");
}

static void test_secret_only_crlf(void **state)
{
    expect_secret_refused("\r\n", 2, 0600, "empty");
}

static void test_secret_two_lines(void **state)
{
    expect_secret_refused("line1\nline2\n", 12, 0600, "control characters");
}

static void test_secret_two_newlines(void **state)
{
    expect_secret_refused("s3cret\n\n", 8, 0600, "control characters");
}

static void test_secret_control_char(void **state)
{
    expect_secret_refused("s3\x01"
                          "cret\n",
                          8, 0600, "control characters");
}

static void test_secret_tab(void **state)
{
    expect_secret_refused("s3\tcret\n", 8, 0600, "control characters");
}

static void test_secret_del(void **state)
{
    expect_secret_refused("s3cret\x7f\n", 8, 0600, "control characters");
}

static void test_secret_embedded_nul(void **state)
{
    expect_secret_refused("s3\0cret\n", 8, 0600, "control characters");
}

static void test_secret_group_readable(void **state)
{
    expect_secret_refused("s3cret\n", 7, 0640, "readable by group or others");
}

static void test_secret_other_readable(void **state)
{
    expect_secret_refused("s3cret\n", 7, 0644, "readable by group or others");
}

static void test_secret_group_writable(void **state)
{
    expect_secret_refused("s3cret\n", 7, 0620, "writable by group or others");
}

static void test_secret_symlink(void **state)
{
    char *target = unit_write_text("s3cret\n", 0600);
    char *link = unit_scratch_path("link");
    assert_int_equal(symlink(target, link), 0);
    char *secret;
    struct oi_config_error err;
    int rc = read_secret_from(link, &secret, &err);
    free(target);
    if (rc == 0) {
        oi_free_secret(&secret);
        free(link);
        fail_msg("symlinked secret accepted");
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_null(secret);
    assert_string_equal(err.key, "secret_file");
    assert_string_equal(err.where, link);
    assert_non_null(strstr(err.what, "symbolic links"));
    free(link);
}

static void test_secret_missing(void **state)
{
    char *path = unit_scratch_path("missing");
    char *secret;
    struct oi_config_error err;
    int rc = read_secret_from(path, &secret, &err);
    assert_int_equal(rc, OI_CONFIG);
    assert_null(secret);
    assert_string_equal(err.key, "secret_file");
    assert_string_equal(err.where, path);
    free(path);
}

static void test_secret_foreign_owner(void **state)
{
    if (geteuid() != 0) {
        print_message("skipped: needs root to chown a file to uid 65534 (running as uid %u)\n", (unsigned)geteuid());
        skip();
    }
    char *path = unit_write_text("s3cret\n", 0600);
    assert_int_equal(chown(path, 65534, 65534), 0);
    char *secret;
    struct oi_config_error err;
    int rc = read_secret_from(path, &secret, &err);
    free(path);
    if (rc == 0) {
        oi_free_secret(&secret);
        fail_msg("secret owned by uid 65534 accepted");
    }
    assert_int_equal(rc, OI_CONFIG);
    assert_string_equal(err.key, "secret_file");
    assert_non_null(strstr(err.what, "not owned by root"));
}

/* ---- misc ---- */

static void test_flavor_names(void **state)
{
    assert_string_equal(oi_flavor_name(OI_FLAVOR_HYDRA), "hydra");
    assert_string_equal(oi_flavor_name(OI_FLAVOR_HYDRA_V1), "hydra-v1");
    assert_string_equal(oi_flavor_name(OI_FLAVOR_RFC7662), "rfc7662");
}

static void test_free_twice_harmless(void **state)
{
    struct oi_config cfg;
    struct oi_config_error err;
    expect_ok(LOAD(NULL, MIN, "audience=a,b"), &err);
    oi_config_free(&cfg);
    assert_null(cfg.introspect_url);
    assert_null(cfg.allowed_clients.items);
    oi_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_default_auth_rfc7662_basic),
        cmocka_unit_test(test_default_auth_rfc7662_needs_client),
        cmocka_unit_test(test_default_auth_hydra_v1_none),
        cmocka_unit_test(test_ca_dir_not_defaulted_with_ca_file),
        cmocka_unit_test(test_ca_dir_given),
        cmocka_unit_test(test_file_every_key),
        cmocka_unit_test(test_argv_every_key),
        cmocka_unit_test(test_auth_bearer),
        cmocka_unit_test(test_auth_basic_hydra),
        cmocka_unit_test(test_auth_none_rfc7662),
        cmocka_unit_test(test_flag_values),
        cmocka_unit_test(test_pass_flags_off),
        cmocka_unit_test(test_number_bounds_accepted),
        cmocka_unit_test(test_min_token_length_above_max),
        cmocka_unit_test(test_device_off_by_default),
        cmocka_unit_test(test_device_from_discovery_or_urls),
        cmocka_unit_test(test_device_refused),
        cmocka_unit_test(test_device_not_for_account_line),
        cmocka_unit_test(test_allowed_clients_star),
        cmocka_unit_test(test_number_junk),
        cmocka_unit_test(test_number_word),
        cmocka_unit_test(test_number_negative),
        cmocka_unit_test(test_number_plus_sign),
        cmocka_unit_test(test_number_leading_space),
        cmocka_unit_test(test_number_overflow),
        cmocka_unit_test(test_number_empty),
        cmocka_unit_test(test_number_bare),
        cmocka_unit_test(test_number_below_range),
        cmocka_unit_test(test_number_above_range),
        cmocka_unit_test(test_number_error_names_range),
        cmocka_unit_test(test_flavor_unknown),
        cmocka_unit_test(test_flavor_wrong_case),
        cmocka_unit_test(test_flavor_bare),
        cmocka_unit_test(test_flavor_empty),
        cmocka_unit_test(test_auth_unknown),
        cmocka_unit_test(test_auth_wrong_case),
        cmocka_unit_test(test_auth_bare),
        cmocka_unit_test(test_auth_empty),
        cmocka_unit_test(test_flag_bad_word),
        cmocka_unit_test(test_flag_bad_number),
        cmocka_unit_test(test_flag_empty),
        cmocka_unit_test(test_flag_trailing_junk),
        cmocka_unit_test(test_url_no_scheme),
        cmocka_unit_test(test_url_other_scheme),
        cmocka_unit_test(test_url_scheme_relative),
        cmocka_unit_test(test_url_upper_case_scheme),
        cmocka_unit_test(test_url_space),
        cmocka_unit_test(test_url_tab),
        cmocka_unit_test(test_url_control),
        cmocka_unit_test(test_url_empty),
        cmocka_unit_test(test_url_userinfo),
        cmocka_unit_test(test_url_host_placeholder),
        cmocka_unit_test(test_url_bad_port),
        cmocka_unit_test(test_url_bad_ipv6),
        cmocka_unit_test(test_url_hosts_accepted),
        cmocka_unit_test(test_url_too_long),
        cmocka_unit_test(test_url_bare),
        cmocka_unit_test(test_list_empty_middle),
        cmocka_unit_test(test_list_empty_last),
        cmocka_unit_test(test_list_empty_first),
        cmocka_unit_test(test_list_blank_item),
        cmocka_unit_test(test_list_empty_value),
        cmocka_unit_test(test_string_control_char),
        cmocka_unit_test(test_unknown_key_argv),
        cmocka_unit_test(test_misspelled_key),
        cmocka_unit_test(test_unknown_key_file),
        cmocka_unit_test(test_unknown_bare_flag),
        cmocka_unit_test(test_twice_argv),
        cmocka_unit_test(test_twice_argv_same_value),
        cmocka_unit_test(test_twice_file),
        cmocka_unit_test(test_conf_in_file),
        cmocka_unit_test(test_conf_twice_argv),
        cmocka_unit_test(test_conf_empty_argv),
        cmocka_unit_test(test_bare_key_argv),
        cmocka_unit_test(test_bare_key_file),
        cmocka_unit_test(test_bare_list_key),
        cmocka_unit_test(test_empty_key_argv),
        cmocka_unit_test(test_argv_wins_number),
        cmocka_unit_test(test_argv_wins_list),
        cmocka_unit_test(test_argv_wins_star),
        cmocka_unit_test(test_argv_wins_flag),
        cmocka_unit_test(test_argv_wins_pass_flag),
        cmocka_unit_test(test_argv_wins_string),
        cmocka_unit_test(test_argv_wins_flavor),
        cmocka_unit_test(test_file_alone_enough),
        cmocka_unit_test(test_file_comments_blank_spaces),
        cmocka_unit_test(test_file_crlf),
        cmocka_unit_test(test_file_no_final_newline),
        cmocka_unit_test(test_file_value_with_equals_and_hash),
        cmocka_unit_test(test_file_line_numbers),
        cmocka_unit_test(test_file_line_numbers_after_blank_lines),
        cmocka_unit_test(test_file_key_with_space),
        cmocka_unit_test(test_file_no_key),
        cmocka_unit_test(test_file_nul_byte),
        cmocka_unit_test(test_file_bad_value_where),
        cmocka_unit_test(test_file_url_where),
        cmocka_unit_test(test_endpoint_hydra),
        cmocka_unit_test(test_endpoint_hydra_trailing_slashes),
        cmocka_unit_test(test_endpoint_hydra_v1),
        cmocka_unit_test(test_endpoint_hydra_introspect_url),
        cmocka_unit_test(test_endpoint_hydra_missing),
        cmocka_unit_test(test_endpoint_rfc7662_needs_introspect_url),
        cmocka_unit_test(test_endpoint_rfc7662_refuses_admin_url),
        cmocka_unit_test(test_endpoint_rfc7662_refuses_admin_url_with_introspect),
        cmocka_unit_test(test_endpoint_admin_and_introspect),
        cmocka_unit_test(test_endpoint_admin_file_introspect_argv),
        cmocka_unit_test(test_use_and_try_first_pass),
        cmocka_unit_test(test_http_admin_url_refused),
        cmocka_unit_test(test_http_introspect_url_refused),
        cmocka_unit_test(test_http_with_allow_http),
        cmocka_unit_test(test_http_with_allow_http_off),
        cmocka_unit_test(test_client_id_with_auth_none),
        cmocka_unit_test(test_client_id_with_bearer),
        cmocka_unit_test(test_basic_without_client_id),
        cmocka_unit_test(test_post_without_client_id),
        cmocka_unit_test(test_basic_without_secret_file),
        cmocka_unit_test(test_post_without_secret_file),
        cmocka_unit_test(test_bearer_without_secret_file),
        cmocka_unit_test(test_secret_file_with_auth_none),
        cmocka_unit_test(test_client_key_without_cert),
        cmocka_unit_test(test_client_cert_without_key),
        cmocka_unit_test(test_connect_timeout_longer),
        cmocka_unit_test(test_connect_timeout_equal),
        cmocka_unit_test(test_allowed_clients_missing),
        cmocka_unit_test(test_allowed_clients_star_then_id),
        cmocka_unit_test(test_allowed_clients_id_then_star),
        cmocka_unit_test(test_scope_unknown_escape),
        cmocka_unit_test(test_scope_trailing_percent),
        cmocka_unit_test(test_scope_upper_case_escape),
        cmocka_unit_test(test_scope_space),
        cmocka_unit_test(test_scope_quote),
        cmocka_unit_test(test_scope_backslash),
        cmocka_unit_test(test_scope_escapes_ok),
        cmocka_unit_test(test_user_claim_leading_dot),
        cmocka_unit_test(test_user_claim_double_dot),
        cmocka_unit_test(test_user_claim_trailing_dot),
        cmocka_unit_test(test_user_claim_only_dot),
        cmocka_unit_test(test_user_claim_deep_path_ok),
        cmocka_unit_test(test_default_conf_missing_ok),
        cmocka_unit_test(test_explicit_conf_missing),
        cmocka_unit_test(test_conf_relative_path),
        cmocka_unit_test(test_conf_readable_by_others_ok),
        cmocka_unit_test(test_conf_symlink_refused),
        cmocka_unit_test(test_conf_group_writable_refused),
        cmocka_unit_test(test_conf_other_writable_refused),
        cmocka_unit_test(test_conf_directory_refused),
        cmocka_unit_test(test_conf_fifo_refused),
        cmocka_unit_test(test_conf_max_size_ok),
        cmocka_unit_test(test_conf_too_large_refused),
        cmocka_unit_test(test_conf_foreign_owner_refused),
        cmocka_unit_test(test_secret_newline_stripped),
        cmocka_unit_test(test_secret_crlf_stripped),
        cmocka_unit_test(test_secret_no_newline),
        cmocka_unit_test(test_secret_inner_space_kept),
        cmocka_unit_test(test_secret_max_size_ok),
        cmocka_unit_test(test_secret_too_large),
        cmocka_unit_test(test_secret_empty),
        cmocka_unit_test(test_secret_only_newline),
        cmocka_unit_test(test_secret_only_crlf),
        cmocka_unit_test(test_secret_two_lines),
        cmocka_unit_test(test_secret_two_newlines),
        cmocka_unit_test(test_secret_control_char),
        cmocka_unit_test(test_secret_tab),
        cmocka_unit_test(test_secret_del),
        cmocka_unit_test(test_secret_embedded_nul),
        cmocka_unit_test(test_secret_group_readable),
        cmocka_unit_test(test_secret_other_readable),
        cmocka_unit_test(test_secret_group_writable),
        cmocka_unit_test(test_secret_symlink),
        cmocka_unit_test(test_secret_missing),
        cmocka_unit_test(test_secret_foreign_owner),
        cmocka_unit_test(test_flavor_names),
        cmocka_unit_test(test_free_twice_harmless),
    };
    return cmocka_run_group_tests_name("unit_cfg", tests, unit_group_setup, unit_group_teardown);
}
