#include <config.h>

#include "cfg.h"
#include "cfg_check.h"
#include "files.h"
#include "servers.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum opt_kind { OPT_STR, OPT_URL, OPT_FLAG, OPT_LONG, OPT_LIST, OPT_SPECIAL };

struct opt_def {
    const char *key;
    enum opt_kind kind;
    size_t offset;
    long min, max;
};

/* clang-format 14 would break these braced initializers apart. */
/* clang-format off */
#define STR(k) {#k, OPT_STR, offsetof(struct oi_config, k), 0, 0}
/* A comma list of http(s) URLs into a struct oi_strlist: the servers, in failover order. */
#define URLS(k, field) {k, OPT_URL, offsetof(struct oi_config, field), 0, 0}
#define FLAG(k) {#k, OPT_FLAG, offsetof(struct oi_config, k), 0, 0}
#define LONG(k, lo, hi) {#k, OPT_LONG, offsetof(struct oi_config, k), lo, hi}
#define LIST(k) {#k, OPT_LIST, offsetof(struct oi_config, k), 0, 0}
#define SPECIAL(k) {k, OPT_SPECIAL, 0, 0, 0}
/* clang-format on */

static const struct opt_def options[] = {
    SPECIAL("conf"),
    SPECIAL("flavor"),
    URLS("admin_url", admin_urls),
    URLS("introspect_url", introspect_urls),
    SPECIAL("auth"),
    STR(client_id),
    STR(secret_file),
    STR(ca_file),
    STR(ca_dir),
    STR(pinned_pubkey),
    STR(client_cert),
    STR(client_key),
    STR(proxy),
    FLAG(allow_http),
    LONG(connect_timeout_ms, 1, 60000),
    LONG(timeout_ms, 1, 600000),
    SPECIAL("allowed_clients"),
    LIST(audience),
    STR(issuer),
    LIST(required_scopes),
    STR(user_claim),
    STR(user_regex),
    STR(user_map),
    LONG(min_uid, 0, 2147483647),
    LIST(any_scopes),
    LONG(max_token_age, 1, 315360000),
    FLAG(export_env),
    SPECIAL("revoke_on_close"),
    STR(sid_claim),
    LONG(leeway, 0, 3600),
    STR(token_prefix),
    LONG(min_token_length, 1, 1048576),
    LONG(max_token_length, 16, 1048576),
    SPECIAL("use_first_pass"),
    SPECIAL("try_first_pass"),
    STR(prompt),
    FLAG(debug),
    STR(state_dir),
    STR(cache_dir),
    LONG(cache_ttl, 1, 86400),
    LONG(negative_ttl, 0, 3600),
    LONG(offline_grace, 0, 604800),
    LONG(cache_max_entries, 16, 1000000),
    LONG(budget_per_minute, 0, 100000),
    LONG(budget_burst, 1, 100000),
    LONG(damp_after, 0, 10000),
    LONG(damp_max, 10, 86400),
    LONG(junk_ttl, 0, 3600),
    FLAG(device_flow),
    STR(device_client_id),
    STR(device_secret_file),
    STR(device_auth_url),
    STR(device_token_url),
    STR(device_ca_file),
    LIST(device_scopes),
    LONG(device_timeout, 10, 3600),
    FLAG(device_qr),
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

_Static_assert(N_OPTIONS <= OI_MAX_OPTIONS, "struct oi_config_seen holds every option");

/* State while reading: which keys each source set, and which were set at all. */
struct parse_state {
    bool seen_here[N_OPTIONS];
    bool set[N_OPTIONS];
    bool use_first_pass, try_first_pass;
    const char *where;
};

static const char *const auth_names[] = {
    [OI_AUTH_NONE] = "none", [OI_AUTH_BASIC] = "basic", [OI_AUTH_POST] = "post", [OI_AUTH_BEARER] = "bearer"};

const char *oi_auth_name(enum oi_auth a)
{
    return (size_t)a < sizeof(auth_names) / sizeof(auth_names[0]) ? auth_names[a] : "?";
}

static void set_defaults(struct oi_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->flavor = OI_FLAVOR_HYDRA;
    cfg->connect_timeout_ms = 2000;
    cfg->timeout_ms = 5000;
    cfg->leeway = 30;
    cfg->min_token_length = 22; /* 128 bits in base64url */
    cfg->max_token_length = 4096;
    cfg->pass = OI_PASS_PROMPT;
    cfg->min_uid = 1000;
    cfg->export_env = true;
    cfg->cache_ttl = 60;
    cfg->cache_max_entries = 4096;
    cfg->budget_per_minute = 10; /* host_limits.h; the arithmetic: pam_oauth2_introspect.conf(5) */
    cfg->budget_burst = 20;
    cfg->damp_after = 5;
    cfg->damp_max = 600;
    cfg->junk_ttl = 30;
    cfg->device_timeout = 100; /* below sshd's LoginGraceTime (120 s) */
    cfg->device_qr = true;
}

static bool parse_flag(const char *value, bool *out)
{
    static const char *yes[] = {"yes", "true", "1", "on"};
    static const char *no[] = {"no", "false", "0", "off"};
    if (value == NULL) {
        *out = true;
        return true;
    }
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(value, yes[i]) == 0)
            return *out = true, true;
        if (strcmp(value, no[i]) == 0)
            return *out = false, true;
    }
    return false;
}

/* revoke_on_close = login | consent | login,consent (either order) | no */
static enum oi_reason parse_revoke(struct oi_config *cfg, struct parse_state *st, const char *value,
                                   struct oi_config_error *err)
{
    const char *key = "revoke_on_close";
    const char *usage = "needs login, consent, login,consent or no";
    cfg->revoke_on_close = 0;
    if (value == NULL || *value == '\0')
        return oi_config_fail(err, st->where, key, "%s", usage);
    if (strcmp(value, "no") == 0)
        return OI_OK;
    for (const char *p = value; *p != '\0';) {
        size_t n = strcspn(p, ",");
        unsigned bit = n == 5 && strncmp(p, "login", 5) == 0     ? OI_REVOKE_LOGIN
                       : n == 7 && strncmp(p, "consent", 7) == 0 ? OI_REVOKE_CONSENT
                                                                 : 0;
        if (bit == 0 || (cfg->revoke_on_close & bit) != 0) {
            cfg->revoke_on_close = 0;
            return oi_config_fail(err, st->where, key, "'%s': %s", value, usage);
        }
        cfg->revoke_on_close |= bit;
        p += n;
        if (*p == ',' && *++p == '\0') {
            cfg->revoke_on_close = 0;
            return oi_config_fail(err, st->where, key, "'%s': %s", value, usage);
        }
    }
    return OI_OK;
}

static enum oi_reason apply_special(struct oi_config *cfg, struct parse_state *st, const char *key, const char *value,
                                    struct oi_config_error *err)
{
    if (strcmp(key, "flavor") == 0) {
        if (value == NULL)
            return oi_config_fail(err, st->where, key, "needs a value: hydra, hydra-v1 or rfc7662");
        if (strcmp(value, "hydra") == 0)
            cfg->flavor = OI_FLAVOR_HYDRA;
        else if (strcmp(value, "hydra-v1") == 0)
            cfg->flavor = OI_FLAVOR_HYDRA_V1;
        else if (strcmp(value, "rfc7662") == 0)
            cfg->flavor = OI_FLAVOR_RFC7662;
        else
            return oi_config_fail(err, st->where, key, "'%s' is not hydra, hydra-v1 or rfc7662", value);
        return OI_OK;
    }
    if (strcmp(key, "auth") == 0) {
        for (size_t i = 0; value && i < sizeof(auth_names) / sizeof(auth_names[0]); i++)
            if (strcmp(value, auth_names[i]) == 0) {
                cfg->auth = (enum oi_auth)i;
                return OI_OK;
            }
        return oi_config_fail(err, st->where, key, "needs none, basic, post or bearer");
    }
    if (strcmp(key, "allowed_clients") == 0) {
        if (value == NULL || *value == '\0')
            return oi_config_fail(err, st->where, key, "needs a comma list of client ids, or *");
        enum oi_reason rc = oi_strlist_split(&cfg->allowed_clients, value, ',');
        if (rc == OI_CONFIG)
            return oi_config_fail(err, st->where, key, "has an empty item");
        cfg->any_client = oi_strlist_contains(&cfg->allowed_clients, "*", 1);
        return rc;
    }
    if (strcmp(key, "revoke_on_close") == 0)
        return parse_revoke(cfg, st, value, err);
    if (strcmp(key, "use_first_pass") == 0 || strcmp(key, "try_first_pass") == 0) {
        bool on;
        if (!parse_flag(value, &on))
            return oi_config_fail(err, st->where, key, "is a flag: give it bare, or =yes/no");
        *(key[0] == 'u' ? &st->use_first_pass : &st->try_first_pass) = on;
        return OI_OK;
    }
    /* conf: handled before any parsing; only valid on the pam.d line. */
    return oi_config_fail(err, st->where, key, "is only allowed on the pam.d line");
}

static enum oi_reason apply_option(struct oi_config *cfg, struct parse_state *st, const char *key, const char *value,
                                   struct oi_config_error *err)
{
    size_t i;
    for (i = 0; i < N_OPTIONS; i++)
        if (strcmp(options[i].key, key) == 0)
            break;
    if (i == N_OPTIONS)
        return oi_config_fail(err, st->where, key, "unknown option");
    if (st->seen_here[i])
        return oi_config_fail(err, st->where, key, "given twice");
    st->seen_here[i] = true;
    st->set[i] = true;

    const struct opt_def *o = &options[i];
    void *field = (char *)cfg + o->offset;
    if (o->kind != OPT_FLAG && o->kind != OPT_SPECIAL && (value == NULL || *value == '\0'))
        return oi_config_fail(err, st->where, key, "needs a value");
    switch (o->kind) {
    case OPT_SPECIAL:
        return apply_special(cfg, st, key, value, err);
    case OPT_FLAG:
        if (!parse_flag(value, field))
            return oi_config_fail(err, st->where, key, "is a flag: give it bare, or =yes/no");
        return OI_OK;
    case OPT_LONG:
        if (!oi_parse_long(value, o->min, o->max, field))
            return oi_config_fail(err, st->where, key, "'%s' is not a whole number in %ld..%ld", value, o->min, o->max);
        return OI_OK;
    case OPT_URL: {
        char why[200];
        enum oi_reason rc = oi_servers_parse(value, field, why, sizeof(why));
        return rc == OI_CONFIG ? oi_config_fail(err, st->where, key, "%s", why) : rc;
    }
    case OPT_LIST: {
        enum oi_reason rc = oi_strlist_split(field, value, ',');
        if (rc == OI_CONFIG)
            return oi_config_fail(err, st->where, key, "has an empty item");
        return rc;
    }
    case OPT_STR:
        if (oi_has_control(value))
            return oi_config_fail(err, st->where, key, "contains control characters");
        return oi_set_string(field, value);
    }
    return oi_config_fail(err, st->where, key, "internal error");
}

/* "key=value" or a bare "key". key is copied into keybuf. */
static int split_arg(const char *arg, char *keybuf, size_t keylen, const char **value)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (n == 0 || n >= keylen)
        return -1;
    memcpy(keybuf, arg, n);
    keybuf[n] = '\0';
    *value = eq ? eq + 1 : NULL;
    return 0;
}

static enum oi_reason parse_conf_file(struct oi_config *cfg, struct parse_state *st, const char *path, bool must_exist,
                                      struct oi_config_error *err)
{
    char *text = NULL;
    size_t len = 0;
    enum oi_reason rc = oi_read_trusted_file(path, false, OI_CONF_MAX_BYTES, &text, &len, err);
    if (rc == OI_NOMEM)
        return OI_NOMEM;
    if (rc != 0) {
        if (!must_exist && access(path, F_OK) != 0 && errno == ENOENT)
            return OI_OK;
        snprintf(err->where, sizeof(err->where), "%s", must_exist ? "pam.d line" : "default conf");
        snprintf(err->key, sizeof(err->key), "conf");
        return OI_CONFIG;
    }
    if (memchr(text, '\0', len) != NULL) {
        free(text);
        return oi_config_fail(err, path, "conf", "contains a NUL byte");
    }
    char where[1100];
    st->where = where;
    rc = 0;
    unsigned lineno = 0;
    char *save = NULL;
    /* Count lines ourselves: strtok_r would skip empty lines and shift numbers. */
    for (char *line = text; line != NULL && rc == 0; line = save) {
        save = strchr(line, '\n');
        if (save)
            *save++ = '\0';
        lineno++;
        snprintf(where, sizeof(where), "%s:%u", path, lineno);
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (*p == '\0' || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        const char *value = NULL;
        if (eq) {
            char *k_end = eq;
            while (k_end > p && isblank((unsigned char)k_end[-1]))
                k_end--;
            *k_end = '\0';
            value = eq + 1;
            while (isblank((unsigned char)*value))
                value++;
        }
        if (*p == '\0' || strpbrk(p, " \t") != NULL)
            rc = oi_config_fail(err, where, p, "not a 'key = value' line");
        else
            rc = apply_option(cfg, st, p, value, err);
    }
    free(text);
    return rc;
}

/* The keys st saw, for the checks of the whole. */
static void seen_keys(const struct parse_state *st, struct oi_config_seen *seen)
{
    seen->n = 0;
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (st->set[i])
            seen->keys[seen->n++] = options[i].key;
}

enum oi_reason oi_config_load(struct oi_config *cfg, int argc, const char **argv, struct oi_config_error *err)
{
    struct parse_state st = {0};
    const char *conf = NULL;
    enum oi_reason rc;

    set_defaults(cfg);
    memset(err, 0, sizeof(*err));
    for (int i = 0; i < argc; i++) {
        const char *v = oi_skip_prefix(argv[i], "conf=");
        if (v == NULL)
            continue;
        if (conf != NULL)
            return oi_config_fail(err, "pam.d line", "conf", "given twice");
        if (*v == '\0')
            return oi_config_fail(err, "pam.d line", "conf", "needs a path");
        conf = v;
    }
    rc = oi_set_string(&cfg->conf_path, conf ? conf : OI_DEFAULT_CONF);
    if (rc == 0)
        rc = parse_conf_file(cfg, &st, cfg->conf_path, conf != NULL, err);
    if (rc != 0)
        goto out;

    memset(st.seen_here, 0, sizeof(st.seen_here));
    st.where = "pam.d line";
    for (int i = 0; i < argc && rc == 0; i++) {
        char key[64];
        const char *value;
        if (oi_skip_prefix(argv[i], "conf="))
            continue;
        if (split_arg(argv[i], key, sizeof(key), &value) != 0)
            rc = oi_config_fail(err, st.where, argv[i], "not a 'key=value' option");
        else
            rc = apply_option(cfg, &st, key, value, err);
    }
    if (rc == 0 && st.use_first_pass && st.try_first_pass)
        rc = oi_config_fail(err, "settings", "try_first_pass", "contradicts use_first_pass");
    cfg->pass = st.use_first_pass ? OI_PASS_USE_FIRST : st.try_first_pass ? OI_PASS_TRY_FIRST : OI_PASS_PROMPT;
    struct oi_config_seen seen;
    seen_keys(&st, &seen);
    if (rc == 0)
        rc = oi_config_check_whole(cfg, &seen, err);
out:
    if (rc != 0)
        oi_config_free(cfg);
    return rc;
}

/* What acct_mgmt re-checks, on the facts of the login: exp, max_token_age, allowed_clients,
 * required_scopes, any_scopes, the account mapping and the floor. These rules it cannot apply,
 * so on an account line they would only look as if they did. */
static const char *const not_for_account[] = {
    "audience",         "issuer",           "user_claim",      "token_prefix",     "min_token_length",
    "max_token_length", "sid_claim",        "revoke_on_close", "export_env",       "use_first_pass",
    "try_first_pass",   "prompt",           "device_flow",     "device_client_id", "device_secret_file",
    "device_auth_url",  "device_token_url", "device_scopes",   "device_timeout",   "device_qr",
    "device_ca_file"};

enum oi_reason oi_config_check_account_line(int argc, const char **argv, struct oi_config_error *err)
{
    for (int i = 0; i < argc; i++) {
        char key[64];
        const char *value;
        if (split_arg(argv[i], key, sizeof(key), &value) != 0)
            continue; /* oi_config_load has refused it already */
        for (size_t j = 0; j < sizeof(not_for_account) / sizeof(not_for_account[0]); j++)
            if (strcmp(key, not_for_account[j]) == 0)
                return oi_config_fail(err, "pam.d account line", key,
                                      "has no effect here: acct_mgmt re-checks only exp, max_token_age, "
                                      "allowed_clients, required_scopes, any_scopes, the account mapping and "
                                      "min_uid; set it on the auth line or in the conf file");
    }
    return OI_OK;
}

void oi_config_free(struct oi_config *cfg)
{
    char **strings[] = {&cfg->admin_url,        &cfg->introspect_url,
                        &cfg->client_id,        &cfg->secret_file,
                        &cfg->ca_file,          &cfg->ca_dir,
                        &cfg->pinned_pubkey,    &cfg->client_cert,
                        &cfg->client_key,       &cfg->proxy,
                        &cfg->issuer,           &cfg->user_claim,
                        &cfg->token_prefix,     &cfg->prompt,
                        &cfg->conf_path,        &cfg->user_map,
                        &cfg->admin_base,       &cfg->sid_claim,
                        &cfg->cache_dir,        &cfg->state_dir,
                        &cfg->device_client_id, &cfg->device_secret_file,
                        &cfg->device_auth_url,  &cfg->device_token_url,
                        &cfg->device_ca_file};
    if (cfg->user_re_compiled)
        regfree(&cfg->user_re);
    cfg->user_re_compiled = false;
    free(cfg->user_regex);
    cfg->user_regex = NULL;
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
    oi_strlist_free(&cfg->allowed_clients);
    oi_strlist_free(&cfg->audience);
    oi_strlist_free(&cfg->required_scopes);
    oi_strlist_free(&cfg->any_scopes);
    oi_strlist_free(&cfg->admin_urls);
    oi_strlist_free(&cfg->introspect_urls);
    oi_strlist_free(&cfg->endpoints);
    oi_strlist_free(&cfg->admin_bases);
    oi_strlist_free(&cfg->device_scopes);
}
