#include <config.h>

#include "device.h"
#include "answer.h"
#include "cfg_files.h"
#include "host_limits.h"
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define DISCOVERY_PATH "/.well-known/openid-configuration"

/* What one device flow holds: the configuration and the log, the client's secret, the endpoints. */
struct flow {
    const struct oi_config *cfg;
    const struct oi_log *lg;
    char *secret; /* device_secret_file's, or NULL: a public client */
    struct oi_device_endpoints ep;
};

/* "name=enc(value)&..." of n pairs, a NULL value skipped; NULL when out of memory. Caller wipes. */
static char *form_of(const char *const pairs[][2], size_t n)
{
    size_t size = 1;
    char *enc[8] = {0}, *form = NULL;
    for (size_t i = 0; i < n && i < 8; i++) {
        if (pairs[i][1] == NULL)
            continue;
        if ((enc[i] = oi_form_encode(pairs[i][1])) == NULL)
            goto out;
        size += strlen(pairs[i][0]) + 2 + strlen(enc[i]);
    }
    if ((form = calloc(1, size)) == NULL)
        goto out;
    for (size_t i = 0, used = 0; i < n && i < 8; i++)
        if (enc[i] != NULL)
            used += (size_t)snprintf(form + used, size - used, "%s%s=%s", used ? "&" : "", pairs[i][0], enc[i]);
out:
    for (size_t i = 0; i < 8; i++)
        oi_free_secret(&enc[i]);
    return form;
}

/* One request within deadline_ms (the wall clock, oi_now_ms); the secret it carries in token
 * (a device code) and the client secret are never accepted back, and a 200 must be JSON. OI_OK
 * with resp filled (any status), else logged. */
static enum oi_reason exchange(const struct flow *f, const char *what, const char *method, const char *url,
                               const char *form, const char *token, int64_t deadline_ms, struct oi_http_response *resp)
{
    struct oi_http_secrets secrets;
    struct oi_transport t;
    char err[512];
    long left = (long)(deadline_ms - oi_now_ms());
    if (left <= 0) {
        oi_logf(f->lg, LOG_ERR, "device flow: %s at %s not sent: timeout_ms (%ld) is used up", what, url,
                f->cfg->timeout_ms);
        return OI_UNAVAILABLE;
    }
    if (!oi_http_secrets_init(&secrets, token, f->secret, NULL))
        return OI_NOMEM;
    oi_transport_init(&t, f->cfg);
    /* The server's public side, often under a public CA: its own trust, never the introspection
     * server's CA, pin or our client certificate. */
    t.ca_file = f->cfg->device_ca_file;
    t.ca_dir = t.ca_file ? NULL : OI_DEFAULT_CA_DIR;
    t.pinned_pubkey = t.client_cert = t.client_key = NULL;
    oi_transport_cap(&t, left);
    struct oi_http_request req = {method, url, form, NULL, secrets.list};
    enum oi_http_result hr = oi_http_perform(&t, &req, resp, err, sizeof(err));
    oi_http_secrets_free(&secrets);
    if (hr == OI_HTTP_OK && resp->status == 200 && !oi_answer_is_json(resp->content_type)) {
        char ct[140];
        oi_sanitize(ct, sizeof(ct), resp->content_type, strlen(resp->content_type));
        oi_logf(f->lg, LOG_ERR, "device flow: %s at %s: HTTP 200, but not application/json (Content-Type %s)", what,
                url, ct);
        return OI_BAD_ANSWER;
    }
    if (hr == OI_HTTP_OK)
        return OI_OK;
    if (hr == OI_HTTP_NOMEM)
        return OI_NOMEM;
    if (resp->untrusted) {
        oi_logf(f->lg, LOG_ERR,
                "device flow: %s at %s: TLS verification failed: %s; trust in use: %s%s: set device_ca_file to the "
                "CA of the server's public side; if it is right, this is not the server you configured",
                what, url, err, f->cfg->device_ca_file ? "device_ca_file " : "the system's CA certificates, ",
                f->cfg->device_ca_file ? f->cfg->device_ca_file : OI_DEFAULT_CA_DIR);
        return OI_UNAVAILABLE;
    }
    oi_logf(f->lg, LOG_ERR, "device flow: %s at %s failed: %s", what, url, err);
    return hr == OI_HTTP_UNAVAILABLE ? OI_UNAVAILABLE : OI_BAD_ANSWER;
}

/* The endpoints: configured, or from the issuer's discovery document. */
static enum oi_reason find_endpoints(struct flow *f, int64_t deadline_ms)
{
    const struct oi_config *cfg = f->cfg;
    if (cfg->device_auth_url != NULL) {
        f->ep.auth_url = strdup(cfg->device_auth_url);
        f->ep.token_url = strdup(cfg->device_token_url);
        return f->ep.auth_url && f->ep.token_url ? OI_OK : OI_NOMEM;
    }
    size_t n = strlen(cfg->issuer);
    if (n > 0 && cfg->issuer[n - 1] == '/')
        n--;
    char url[2200];
    snprintf(url, sizeof(url), "%.*s%s", (int)n, cfg->issuer, DISCOVERY_PATH);
    struct oi_http_response resp = {0};
    char why[300];
    enum oi_reason r = exchange(f, "the discovery document", "GET", url, NULL, NULL, deadline_ms, &resp);
    if (r == OI_OK && resp.status != 200) {
        oi_device_describe(resp.status, resp.body, resp.len, why, sizeof(why));
        oi_logf(f->lg, LOG_ERR,
                "device flow: the discovery document at %s: %s; set device_auth_url and device_token_url, or the "
                "right issuer",
                url, why);
        r = resp.status == 404 ? OI_CONFIG : OI_HTTP_STATUS;
    } else if (r == OI_OK) {
        r = oi_device_parse_discovery(resp.body, resp.len, cfg->issuer, cfg->allow_http, &f->ep, why, sizeof(why));
        if (r != OI_OK)
            oi_logf(f->lg, LOG_ERR, "device flow: the discovery document at %s %s%s", url,
                    r == OI_CONFIG ? "" : "is not usable: ", why);
    }
    oi_http_response_free(&resp);
    return r;
}

/* What the device authorization endpoint's refusal says about the configuration. */
static enum oi_reason refused_code(const struct flow *f, const struct oi_http_response *resp, const char *scopes)
{
    char what[450], error[128], description[8];
    const char *id = f->cfg->device_client_id, *fix = "";
    enum oi_reason r = OI_CONFIG;
    oi_device_describe(resp->status, resp->body, resp->len, what, sizeof(what));
    oi_answer_error(resp->body, resp->len, error, sizeof(error), description, sizeof(description));
    if (resp->status == 404 || resp->status == 405)
        fix = "the server has no device authorization endpoint there (Hydra has the device flow since v25.4.0); "
              "check device_auth_url, or issuer";
    else if (resp->status == 401 || strcmp(error, "invalid_client") == 0)
        fix = "the server does not accept the client: check device_client_id, device_secret_file, and the "
              "client's token_endpoint_auth_method (none, or client_secret_post)";
    else if (strcmp(error, "invalid_grant") == 0 || strcmp(error, "unauthorized_client") == 0)
        fix = "the client may not use the device grant: add " DEVICE_GRANT " to its grant_types";
    else if (strcmp(error, "invalid_scope") == 0)
        fix = "the client may not ask for these scopes (device_scopes, else required_scopes): add them to the "
              "client's scope";
    else
        r = OI_HTTP_STATUS;
    char shown[600];
    oi_printable(shown, sizeof(shown), scopes, strlen(scopes));
    oi_logf(f->lg, LOG_ERR, "device flow: %s refused a code for client %s (scope '%s'): %s%s%s", f->ep.auth_url, id,
            shown, what, fix[0] ? "; " : "", fix);
    return r;
}

static enum oi_reason request_code(const struct flow *f, const char *scopes, int64_t deadline_ms,
                                   struct oi_device_code *code)
{
    const char *pairs[][2] = {
        {"client_id", f->cfg->device_client_id}, {"client_secret", f->secret}, {"scope", scopes[0] ? scopes : NULL}};
    char *form = form_of(pairs, 3), why[300];
    struct oi_http_response resp = {0};
    if (form == NULL)
        return OI_NOMEM;
    enum oi_reason r = exchange(f, "the code request", "POST", f->ep.auth_url, form, NULL, deadline_ms, &resp);
    if (r == OI_OK && resp.status != 200) {
        r = refused_code(f, &resp, scopes);
    } else if (r == OI_OK) {
        r = oi_device_parse_code(resp.body, resp.len, f->cfg->allow_http, code, why, sizeof(why));
        if (r != OI_OK)
            oi_logf(f->lg, LOG_ERR, "device flow: the code from %s is not usable: %s", f->ep.auth_url, why);
    }
    oi_free_secret(&form);
    oi_http_response_free(&resp);
    return r;
}

static void sleep_until(int64_t when_ms)
{
    int64_t left;
    while ((left = when_ms - oi_now_ms()) > 0) {
        struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
            return;
    }
}

/* Ask the token endpoint every interval until it answers, or the deadline passes. */
static enum oi_reason poll_token(const struct flow *f, const struct oi_device_code *code, int64_t first_ms,
                                 int64_t deadline_ms, char **token)
{
    const char *pairs[][2] = {{"grant_type", DEVICE_GRANT},
                              {"device_code", code->device_code},
                              {"client_id", f->cfg->device_client_id},
                              {"client_secret", f->secret}};
    char *form = form_of(pairs, 4), why[450];
    if (form == NULL)
        return OI_NOMEM;
    long interval = code->interval;
    unsigned polls = 0;
    bool expired = false; /* the server said so (logged), rather than our deadline passing */
    enum oi_reason r = OI_DEVICE_TIMEOUT;
    for (int64_t next = first_ms; next < deadline_ms; next = oi_now_ms() + interval * 1000) {
        struct oi_http_response resp = {0};
        sleep_until(next);
        polls++;
        r = exchange(f, "a poll", "POST", f->ep.token_url, form, code->device_code, deadline_ms, &resp);
        enum oi_device_poll p = OI_POLL_FAILED;
        if (r == OI_OK)
            p = oi_device_parse_poll(resp.status, resp.body, resp.len, f->cfg->max_token_length, token, why,
                                     sizeof(why));
        long status = resp.status;
        oi_http_response_free(&resp);
        if (r != OI_OK)
            break;
        if (p == OI_POLL_PENDING) {
            r = OI_DEVICE_TIMEOUT;
            continue;
        }
        if (p == OI_POLL_SLOW_DOWN) { /* RFC 8628 3.5: 5 s more, for good */
            interval = interval + 5 > OI_DEVICE_MAX_INTERVAL ? OI_DEVICE_MAX_INTERVAL : interval + 5;
            r = OI_DEVICE_TIMEOUT;
            continue;
        }
        r = p == OI_POLL_TOKEN     ? OI_OK
            : p == OI_POLL_DENIED  ? OI_DEVICE_DENIED
            : p == OI_POLL_EXPIRED ? OI_DEVICE_TIMEOUT
            : status == 401        ? OI_CONFIG
            : status == 200        ? OI_BAD_ANSWER
                                   : OI_HTTP_STATUS;
        expired = p == OI_POLL_EXPIRED;
        if (p == OI_POLL_DENIED)
            oi_logf(f->lg, LOG_NOTICE, "device flow: %s answered access_denied: the approval was denied",
                    f->ep.token_url);
        else if (expired)
            oi_logf(f->lg, LOG_NOTICE, "device flow: %s answered expired_token: the code expired unapproved",
                    f->ep.token_url);
        else if (p == OI_POLL_FAILED)
            oi_logf(f->lg, LOG_ERR, "device flow: %s answered a poll with %s%s", f->ep.token_url,
                    status == 200 ? "an unusable token: " : "", why);
        break;
    }
    if (r == OI_DEVICE_TIMEOUT && !expired)
        oi_logf(f->lg, LOG_NOTICE,
                "device flow: no approval in time (the code's expires_in %ld s, device_timeout %ld s); %u polls, "
                "%ld s apart",
                code->expires_in, f->cfg->device_timeout, polls, interval);
    oi_free_secret(&form);
    return r;
}

enum oi_reason oi_device_find_endpoints(const struct oi_config *cfg, const struct oi_log *lg,
                                        struct oi_device_endpoints *ep)
{
    struct flow f = {cfg, lg, NULL, {NULL, NULL}};
    enum oi_reason r = find_endpoints(&f, oi_now_ms() + cfg->timeout_ms);
    *ep = f.ep;
    return r;
}

/* What a device flow's end says of its source (host_limits.h): a code nobody approved is a
 * strike. An approved one is not yet a login (the token is decided on next, and that decision
 * strikes or clears by itself): its strike is only taken back. */
static enum oi_limits_result settled(enum oi_reason r)
{
    switch (r) {
    case OI_DEVICE_DENIED:
    case OI_DEVICE_TIMEOUT:
    case OI_DEVICE_CANCELLED:
        return OI_LIMITS_REFUSED;
    default:
        return OI_LIMITS_NO_ANSWER;
    }
}

enum oi_reason oi_device_obtain_token(const struct oi_config *cfg, const struct oi_log *lg,
                                      const struct oi_subject *subj, oi_device_ask_fn ask, void *ctx, char **token)
{
    struct flow f = {cfg, lg, NULL, {NULL, NULL}};
    struct oi_device_code code = {0};
    struct oi_config_error cerr;
    struct oi_limits_ticket ticket = {0};
    const unsigned char no_junk[OI_JUNK_MAC] = {0};
    char *scopes = NULL, source[OI_LIMITS_KEY];
    /* Each step has the rest of this: the application waits for the person, not for us. */
    int64_t setup_deadline = oi_now_ms() + cfg->timeout_ms;

    *token = NULL;
    enum oi_reason r = oi_config_check_tls_files(cfg, &cerr);
    if (r == OI_CONFIG)
        oi_logf(lg, LOG_ERR, "configuration error: %s: %s", cerr.key, cerr.what);
    if (r == OI_OK && cfg->device_secret_file != NULL) {
        r = oi_config_read_secret(cfg->device_secret_file, "device_secret_file", &f.secret, &cerr);
        if (r == OI_CONFIG)
            oi_logf(lg, LOG_ERR, "configuration error: device_secret_file: %s", cerr.what);
    }
    if (r == OI_OK)
        r = oi_expand_scopes(cfg->device_scopes.n > 0 ? &cfg->device_scopes : &cfg->required_scopes, subj, &scopes);
    if (r != OI_OK)
        goto out;
    /* A code is a row at the server that anyone who can start a login makes: the host's limits
     * admit it like an unknown token, before anything is sent. */
    oi_limits_source(source, subj->rhost, subj->ruser, subj->user);
    r = oi_limits_admit(cfg, lg, source, no_junk, oi_now_ms(), &ticket);
    if (r == OI_OK)
        r = find_endpoints(&f, setup_deadline);
    if (r == OI_OK)
        r = request_code(&f, scopes, setup_deadline, &code);
    if (r == OI_OK) {
        int64_t issued = oi_now_ms();
        long lifetime = code.expires_in < cfg->device_timeout ? code.expires_in : cfg->device_timeout;
        int64_t deadline = issued + (int64_t)lifetime * 1000;
        oi_debug(lg, "device flow: a code from %s, valid %ld s (expires_in %ld, device_timeout %ld), polls every %ld s",
                 f.ep.auth_url, lifetime, code.expires_in, cfg->device_timeout, code.interval);
        r = ask(ctx, &code, deadline / 1000);
        /* The first poll too waits an interval from the code's issue (RFC 8628 3.5 asks it
         * between polls): nobody can have approved sooner. */
        int64_t first = issued + code.interval * 1000;
        if (r == OI_OK)
            r = poll_token(&f, &code, first > oi_now_ms() ? first : oi_now_ms(), deadline, token);
    }
    if (ticket.admitted)
        oi_limits_settle(cfg, lg, &ticket, settled(r), oi_now_ms());
out:
    if (r != OI_OK)
        oi_free_secret(token);
    oi_device_code_free(&code);
    oi_device_endpoints_free(&f.ep);
    oi_free_secret(&f.secret);
    free(scopes);
    return r;
}
