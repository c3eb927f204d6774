/* oauth2-introspect ping: the configuration, the secret and map files, where the log goes, the
 * circuit breakers, DNS, TCP, TLS, the credentials (a made-up token must be answered inactive),
 * Hydra's /health/ready and the device flow's endpoints, one line each, with timings. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <paths.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "answer.h"
#include "cfg_files.h"
#include "device.h"
#include "cache.h"
#include "http.h"
#include "introspect.h"
#include "servers.h"
#include "tool.h"
#include "usermap.h"

static void step(const char *name, const char *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void step(const char *name, const char *status, const char *fmt, ...)
{
    va_list ap;
    printf("%-11s%-6s", name, status);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void ms(char *dst, size_t len, double from, double to)
{
    if (to > 0)
        snprintf(dst, len, " in %.1f ms", (to - from) * 1000.0);
    else
        dst[0] = '\0';
}

/* The transport steps of one request: dns, connect, tls. false when one failed (printed). */
static bool transport_steps(const struct oi_config *cfg, const char *url, const struct oi_http_response *r,
                            const char *err)
{
    char hp[300], why[600], t[64];
    bool https = oi_skip_prefix(url, "https://") != NULL;
    const char *via = cfg->proxy ? " (the proxy)" : "";
    oi_http_host_port(url, hp, sizeof(hp));
    plain(why, sizeof(why), err);
    if (r->failed_stage == OI_STAGE_DNS) {
        step("dns", "FAIL", "%s%s: %s", hp, via, why);
        return false;
    }
    ms(t, sizeof(t), 0, r->dns_seconds);
    step("dns", "OK", "%s%s resolved%s", hp, via, t);
    if (r->failed_stage == OI_STAGE_CONNECT) {
        step("connect", "FAIL", "%s%s: %s", hp, via, why);
        return false;
    }
    ms(t, sizeof(t), r->dns_seconds, r->connect_seconds);
    step("connect", "OK", "%s%s%s", hp, via, t);
    if (r->failed_stage == OI_STAGE_TLS && r->untrusted) {
        struct oi_transport tr;
        char untrusted[1200];
        oi_transport_init(&tr, cfg);
        oi_transport_untrusted(&tr, why, untrusted, sizeof(untrusted));
        step("tls", "FAIL", "%s: %s", hp, untrusted);
        return false;
    }
    if (r->failed_stage == OI_STAGE_TLS) {
        step("tls", "FAIL", "%s: %s", hp, why);
        return false;
    }
    if (!https) {
        step("tls", "SKIP", "plain http (allow_http): nothing is encrypted");
    } else {
        ms(t, sizeof(t), r->connect_seconds, r->tls_seconds);
        step("tls", "OK", "certificate verified (%s)%s",
             cfg->pinned_pubkey ? "and public key pinned"
             : cfg->ca_file     ? cfg->ca_file
                                : cfg->ca_dir,
             t);
    }
    return true;
}

/* The server's "error" member for a failed answer ("-" when none), never the body. */
static void answer_error(const struct oi_http_response *r, char *dst, size_t len)
{
    char description[8];
    oi_answer_error(r->body, r->len, dst, len, description, sizeof(description));
    if (dst[0] == '\0')
        snprintf(dst, len, "-");
}

static double request_ms(const struct oi_http_response *r)
{
    double start = r->tls_seconds > r->connect_seconds ? r->tls_seconds : r->connect_seconds;
    return (r->total_seconds - start) * 1000.0;
}

/* Introspect a token no server knows: 200 with active:false proves endpoint and credentials. */
static int ping_introspect(const struct oi_config *cfg, const char *secret, bool *reached)
{
    const char *dummy = cfg->flavor == OI_FLAVOR_HYDRA ? "ory_at_oauth2-introspect-ping.not-a-real-token"
                                                       : "oauth2-introspect-ping.not-a-real-token";
    char *form = oi_build_form(cfg, dummy, NULL, secret);
    char *authz = oi_build_authorization(cfg, secret);
    struct oi_http_response r = {0};
    char err[512], e[140];
    int rc = EXIT_UNAVAILABLE;
    *reached = false;
    if (form == NULL || ((cfg->auth == OI_AUTH_BASIC || cfg->auth == OI_AUTH_BEARER) && authz == NULL)) {
        step("introspect", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    struct oi_http_secrets secrets;
    if (!oi_http_secrets_init(&secrets, NULL, secret, authz)) {
        step("introspect", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    struct oi_http_request req = {"POST", cfg->introspect_url, form, authz, secrets.list};
    struct oi_transport tr;
    oi_transport_init(&tr, cfg);
    enum oi_http_result res = oi_http_perform(&tr, &req, &r, err, sizeof(err));
    oi_http_secrets_free(&secrets);
    if (res == OI_HTTP_NOMEM) {
        step("introspect", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    if (!transport_steps(cfg, cfg->introspect_url, &r, err))
        goto out;
    *reached = true;
    if (res != OI_HTTP_OK) {
        plain(e, sizeof(e), err);
        step("introspect", "FAIL", "POST %s: %s", cfg->introspect_url, e);
        goto out;
    }
    struct oi_token_info info = {0};
    char why[160];
    bool json = oi_answer_is_json(r.content_type);
    if (r.status == 200 && json && oi_parse_answer(r.body, r.len, &info, why, sizeof(why)) == OI_OK) {
        if (info.active) {
            step("introspect", "FAIL",
                 "POST %s: a made-up token was answered active: this is not a "
                 "server to trust",
                 cfg->introspect_url);
        } else {
            step("introspect", "OK",
                 "POST %s: HTTP 200 {\"active\":false} for a dummy token in %.1f ms: "
                 "the endpoint and the credentials work",
                 cfg->introspect_url, request_ms(&r));
            rc = EXIT_ALLOW;
        }
    } else if (r.status == 200) {
        char ct[140];
        plain(ct, sizeof(ct), r.content_type);
        step("introspect", "FAIL", "POST %s: HTTP 200 but not an introspection answer (Content-Type %s)",
             cfg->introspect_url, ct[0] ? ct : "none");
    } else {
        char what[400];
        const char *hint = oi_servers_status_hint(cfg->flavor, r.status);
        if (r.status >= 300 && r.status < 400) {
            plain(e, sizeof(e), r.location);
            snprintf(what, sizeof(what), "HTTP %ld to %s", r.status, e);
        } else {
            answer_error(&r, e, sizeof(e));
            snprintf(what, sizeof(what), "HTTP %ld (error %s)", r.status, e);
        }
        step("introspect", "FAIL", "POST %s: %s%s%s", cfg->introspect_url, what, hint[0] ? ": " : "", hint);
    }
    oi_token_info_free(&info);
out:
    oi_free_secret(&form);
    oi_free_secret(&authz);
    oi_http_response_free(&r);
    return rc;
}

/* Where the module's lines go: pam_syslog writes to _PATH_LOG (/dev/log), and without a listener there
 * (containers, chroots, minimal images) they vanish without a word. */
static void ping_log(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", _PATH_LOG);
    int types[] = {SOCK_DGRAM, SOCK_STREAM}, err = ENOENT;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        err = rc == 0 ? 0 : errno;
        close(fd);
        if (rc == 0) {
            step("log", "OK",
                 "%s takes lines: the module logs to syslog (facility authpriv), e.g. /var/log/auth.log "
                 "or `journalctl -g pam_oauth2_introspect`",
                 _PATH_LOG);
            return;
        }
        if (err != EPROTOTYPE)
            break;
    }
    step("log", "WARN",
         "%s: %s: no syslog daemon listens, so the module's lines are lost (a container or chroot?): start "
         "one (rsyslog, busybox syslogd), or see a decision and its reason with `" PROG " check`",
         _PATH_LOG, strerror(err));
}

struct breakers {
    int64_t now_ms;
    int rc;
};

static void ping_breaker(void *arg, const char *url, const struct oi_breaker_state *st)
{
    struct breakers *b = arg;
    char what[700];
    if (describe_breaker(st, b->now_ms, what, sizeof(what)))
        b->rc = EXIT_UNAVAILABLE;
    step("breaker", st->open_until_ms > b->now_ms ? "OPEN" : "OK", "%s: %s", url, what);
}

/* The circuit breakers as logins see them: an open one refuses logins even once the server
 * answers again, and this ping does not close it. */
static int ping_breakers(const struct oi_config *cfg)
{
    if (cfg->cache_dir == NULL) {
        step("breaker", "SKIP", "no cache_dir: no circuit breaker");
        return EXIT_ALLOW;
    }
    struct oi_cache cache;
    struct oi_log lg = {NULL, cfg->debug};
    if (oi_cache_open(&cache, cfg, &lg) != OI_OK) {
        step("breaker", "FAIL", "cache_dir %s is unusable (see above): logins fail the same way", cfg->cache_dir);
        return EXIT_CONFIG;
    }
    struct breakers b = {oi_now_ms(), EXIT_ALLOW};
    oi_cache_breakers(&cache, cfg, b.now_ms, ping_breaker, &b);
    oi_cache_close(&cache);
    return b.rc;
}

static int ping_health(const struct oi_config *cfg, const char *secret)
{
    if (cfg->flavor == OI_FLAVOR_RFC7662) {
        step("health", "SKIP", "flavor rfc7662: no health endpoint");
        return EXIT_ALLOW;
    }
    if (cfg->admin_base == NULL) {
        step("health", "SKIP", "the admin API base is not known from introspect_url (set admin_url)");
        return EXIT_ALLOW;
    }
    size_t n = strlen(cfg->admin_base) + sizeof("/health/ready");
    char *url = malloc(n);
    char *authz = cfg->auth == OI_AUTH_BEARER ? oi_build_authorization(cfg, secret) : NULL;
    struct oi_http_response r = {0};
    char err[512], e[140];
    int rc = EXIT_UNAVAILABLE;
    if (url == NULL || (cfg->auth == OI_AUTH_BEARER && authz == NULL)) {
        step("health", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    snprintf(url, n, "%s/health/ready", cfg->admin_base);
    struct oi_http_secrets secrets;
    if (!oi_http_secrets_init(&secrets, NULL, secret, authz)) {
        step("health", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    struct oi_http_request req = {"GET", url, NULL, authz, secrets.list};
    struct oi_transport tr;
    oi_transport_init(&tr, cfg);
    enum oi_http_result res = oi_http_perform(&tr, &req, &r, err, sizeof(err));
    oi_http_secrets_free(&secrets);
    if (res != OI_HTTP_OK) {
        plain(e, sizeof(e), err);
        step("health", "FAIL", "GET %s: %s", url, res == OI_HTTP_NOMEM ? "out of memory" : e);
    } else if (r.status == 200) {
        step("health", "OK", "GET %s: HTTP 200 in %.1f ms: Hydra is ready", url, r.total_seconds * 1000.0);
        rc = EXIT_ALLOW;
    } else if (r.status == 503) {
        step("health", "FAIL",
             "GET %s: HTTP 503: Hydra is not ready (its database is unreachable or "
             "migrations are pending); it answers every token inactive meanwhile",
             url);
    } else if (r.status == 404 && cfg->auth == OI_AUTH_BEARER) {
        step("health", "SKIP", "GET %s: HTTP 404: Ory Network has no health endpoint", url);
        rc = EXIT_ALLOW;
    } else {
        answer_error(&r, e, sizeof(e));
        step("health", "FAIL", "GET %s: HTTP %ld (error %s)", url, r.status, e);
    }
out:
    free(url);
    oi_free_secret(&authz);
    oi_http_response_free(&r);
    return rc;
}

/* With device_flow: where the device flow asks, read as a login would (the discovery document
 * when it names them). No code is asked for: each one is a row at the server. */
static int ping_device(const struct oi_config *cfg)
{
    if (!cfg->device_flow) {
        step("device", "SKIP", "device_flow is off");
        return EXIT_ALLOW;
    }
    struct oi_config_error err;
    char *secret = NULL;
    if (cfg->device_secret_file != NULL) {
        enum oi_reason sr = oi_config_read_secret(cfg->device_secret_file, "device_secret_file", &secret, &err);
        oi_free_secret(&secret);
        if (sr != OI_OK) {
            step("device", "FAIL", "%s", sr == OI_NOMEM ? "out of memory" : err.what);
            return EXIT_CONFIG;
        }
    }
    struct oi_log lg = {NULL, cfg->debug};
    struct oi_device_endpoints ep;
    enum oi_reason r = oi_device_find_endpoints(cfg, &lg, &ep);
    if (r == OI_OK)
        step("device", "OK", "client %s (%s): codes from %s, tokens from %s%s", cfg->device_client_id,
             cfg->device_secret_file ? "client_secret_post" : "public", ep.auth_url, ep.token_url,
             cfg->device_auth_url ? "" : " (the issuer's discovery document)");
    else
        step("device", "FAIL", "%s (the message above says why)",
             r == OI_CONFIG ? "the device flow is not set up right" : "the discovery document was not read");
    oi_device_endpoints_free(&ep);
    return r == OI_OK ? EXIT_ALLOW : r == OI_CONFIG ? EXIT_CONFIG : EXIT_UNAVAILABLE;
}

int cmd_ping(const struct tool *t)
{
    if (t->n_args > 1)
        return usage_error("ping: unknown argument '%s'", t->args[1]);
    struct oi_config cfg;
    struct oi_config_error err;
    enum oi_reason lr = oi_config_load(&cfg, t->n_settings, t->settings, &err);
    if (lr != OI_OK) {
        if (lr == OI_NOMEM)
            step("config", "FAIL", "out of memory");
        else
            step("config", "FAIL", "%s: %s: %s", where_name(err.where), err.key, err.what);
        return EXIT_CONFIG;
    }
    bool present = access(cfg.conf_path, F_OK) == 0;
    if (oi_config_check_tls_files(&cfg, &err) != 0) {
        step("config", "FAIL", "%s: %s: %s", where_name(err.where), err.key, err.what);
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    step("config", "OK", "%s%s: flavor %s, endpoint %s, auth %s", cfg.conf_path,
         present ? "" : " (absent: command line only)", oi_flavor_name(cfg.flavor), cfg.introspect_url,
         oi_auth_name(cfg.auth));
    int rc = EXIT_ALLOW;
    char *secret = NULL;
    if (cfg.auth == OI_AUTH_NONE) {
        step("secret", "SKIP", "auth=none: no credentials are sent");
    } else {
        enum oi_reason sr = oi_config_read_secret(cfg.secret_file, "secret_file", &secret, &err);
        if (sr != OI_OK) {
            step("secret", "FAIL", "%s", sr == OI_NOMEM ? "out of memory" : err.what);
            oi_config_free(&cfg);
            return EXIT_CONFIG;
        }
        step("secret", "OK", "%s: one line, owned by root (or you), not readable by others", cfg.secret_file);
    }
    if (cfg.user_map) {
        struct oi_usermap map;
        enum oi_reason mr = oi_usermap_load(&map, cfg.user_map, &err);
        if (mr == OI_OK)
            step("user_map", "OK", "%s: %zu lines", cfg.user_map, map.n);
        else
            step("user_map", "FAIL", "%s: %s: %s", err.where, err.key, mr == OI_NOMEM ? "out of memory" : err.what);
        if (mr != OI_OK)
            rc = EXIT_CONFIG;
        oi_usermap_free(&map);
    }
    ping_log();
    int brc = ping_breakers(&cfg);
    if (brc > rc)
        rc = brc;
    bool reached;
    int irc = ping_introspect(&cfg, secret, &reached);
    if (irc > rc)
        rc = irc;
    if (reached) {
        int hrc = ping_health(&cfg, secret);
        if (hrc > rc)
            rc = hrc;
    } else {
        step("health", "SKIP", "the server was not reached");
    }
    int drc = ping_device(&cfg);
    if (drc > rc)
        rc = drc;
    oi_free_secret(&secret);
    oi_config_free(&cfg);
    return rc;
}
