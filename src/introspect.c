#include <config.h>

#include "introspect.h"
#include "http.h"
#include "cfg_files.h"
#include "servers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

/* The server's "error" member, if any, for the log line; never the body itself. */
static void server_error(const struct oi_http_response *resp, char *out, size_t outlen)
{
    char description[8];
    oi_answer_error(resp->body, resp->len, out, outlen, description, sizeof(description));
    if (out[0] == '\0')
        snprintf(out, outlen, "-");
}

/* A status other than 200 or a 200 that is not JSON, logged with what it says about the
 * configuration; what is logged is also the breaker's cause. */
static enum oi_reason classify_answer(const struct oi_config *cfg, const char *url, const struct oi_log *lg,
                                      const struct oi_http_response *resp, char *cause, size_t causelen)
{
    if (resp->status == 200 && oi_answer_is_json(resp->content_type))
        return OI_OK;
    if (resp->status == 200) {
        char ct[140];
        oi_sanitize(ct, sizeof(ct), resp->content_type, strlen(resp->content_type));
        snprintf(cause, causelen, "answer is not application/json (Content-Type %s)", ct);
        oi_logf(lg, LOG_ERR, "introspection at %s: %s", url, cause);
        return OI_BAD_ANSWER;
    }
    char err[128], what[320];
    const char *hint = oi_servers_status_hint(cfg->flavor, resp->status);
    server_error(resp, err, sizeof(err));
    if (resp->status >= 300 && resp->status < 400) {
        char loc[300];
        oi_sanitize(loc, sizeof(loc), resp->location, strlen(resp->location));
        snprintf(what, sizeof(what), "HTTP %ld to %s", resp->status, loc);
    } else if (resp->status == 429) {
        char reset[40];
        oi_sanitize(reset, sizeof(reset), resp->ratelimit_reset, strlen(resp->ratelimit_reset));
        snprintf(what, sizeof(what), "HTTP 429 (x-ratelimit-reset %s)", reset);
    } else {
        snprintf(what, sizeof(what), "HTTP %ld (error %s)", resp->status, err);
    }
    snprintf(cause, causelen, "%s%s%s", what, hint[0] ? ": " : "", hint);
    oi_logf(lg, LOG_ERR, "introspection at %s: %s", url, cause);
    return OI_HTTP_STATUS;
}

/* x-ratelimit-reset: seconds to wait (Ory), or a time since the epoch; -1 when unusable. At most
 * OI_BREAKER_MAX_RESET_S: a 429 is anyone's to provoke with a junk token. */
static long ratelimit_reset_ms(const char *value, int64_t now_ms)
{
    int64_t v;
    if (!oi_parse_int64(value, 0, INT64_C(253402300799), &v))
        return -1;
    if (v > INT64_C(1000000000)) /* an absolute time */
        v = v * 1000 > now_ms ? (v * 1000 - now_ms + 999) / 1000 : 0;
    if (v > OI_BREAKER_MAX_RESET_S)
        v = OI_BREAKER_MAX_RESET_S;
    return (long)(v * 1000);
}

enum oi_reason oi_introspect(const struct oi_config *cfg, const struct oi_log *lg, struct oi_cache *cache,
                             const char *token, const char *scopes, struct oi_token_info *info, char **body,
                             size_t *body_len, bool *unreachable)
{
    char *secret = NULL, *form = NULL, *authz = NULL;
    struct oi_http_secrets secrets = {0};
    struct oi_http_response resp = {0};
    enum oi_reason reason = OI_NOMEM;
    struct oi_config_error cerr;
    char err[512];
    size_t skipped = 0;
    bool rate_limited = false, untrusted = false;
    const char *answered = cfg->introspect_url;

    *unreachable = false;
    *body = NULL;
    if (oi_config_check_tls_files(cfg, &cerr) != 0) {
        oi_logf(lg, LOG_ERR, "configuration error: %s: %s", cerr.key, cerr.what);
        reason = OI_CONFIG;
        goto out;
    }
    if (cfg->auth != OI_AUTH_NONE) {
        reason = oi_config_read_secret(cfg->secret_file, "secret_file", &secret, &cerr);
        if (reason == OI_CONFIG)
            oi_logf(lg, LOG_ERR, "configuration error: secret_file: %s", cerr.what);
        if (reason != OI_OK)
            goto out;
    }
    form = oi_build_form(cfg, token, scopes, secret);
    authz = oi_build_authorization(cfg, secret);
    if (form == NULL || ((cfg->auth == OI_AUTH_BASIC || cfg->auth == OI_AUTH_BEARER) && authz == NULL) ||
        !oi_http_secrets_init(&secrets, token, secret, authz))
        goto out;
    int64_t deadline = oi_now_ms() + cfg->timeout_ms;
    reason = OI_UNAVAILABLE;
    for (size_t i = 0; i < cfg->endpoints.n; i++) {
        const char *url = cfg->endpoints.items[i];
        int64_t now = oi_now_ms();
        struct oi_breaker_state bs;
        if (cache != NULL && oi_breaker_is_open(cache, cfg, url, now, &bs)) {
            oi_logf(lg, LOG_NOTICE,
                    "introspection at %s skipped: circuit breaker open for %.1f s more after %u failures in a "
                    "row%s; last: %s",
                    url, (double)(bs.open_until_ms - now) / 1000.0, bs.failures,
                    bs.rate_limited ? " (rate limited)" : "", bs.cause[0] ? bs.cause : "-");
            rate_limited |= bs.rate_limited;
            skipped++;
            continue;
        }
        if (now >= deadline) {
            oi_logf(lg, LOG_ERR, "introspection at %s not tried: timeout_ms (%ld) is used up", url, cfg->timeout_ms);
            break;
        }
        /* The same request, with what is left of the overall timeout. */
        struct oi_transport t;
        oi_transport_init(&t, cfg);
        oi_transport_cap(&t, (long)(deadline - now));
        struct oi_http_request req = {"POST", url, form, authz, secrets.list};
        oi_http_response_free(&resp);
        enum oi_http_result hr = oi_http_perform(&t, &req, &resp, err, sizeof(err));
        char cause[900];
        long retry_ms = -1;
        bool available = true;
        if (hr == OI_HTTP_NOMEM) {
            reason = OI_NOMEM;
            goto out;
        } else if (hr == OI_HTTP_UNAVAILABLE && resp.untrusted) {
            /* A matter of configuration (or an impostor), not of load: no breaker counts it,
             * and no offline grace covers it. The next server may still be the right one. */
            oi_transport_untrusted(&t, err, cause, sizeof(cause));
            oi_logf(lg, LOG_ERR, "introspection at %s: %s", url, cause);
            reason = OI_UNAVAILABLE;
            untrusted = true;
            if (i + 1 < cfg->endpoints.n)
                oi_logf(lg, LOG_NOTICE, "introspection: %s not trusted, trying %s", url, cfg->endpoints.items[i + 1]);
            continue;
        } else if (hr == OI_HTTP_UNAVAILABLE) {
            snprintf(cause, sizeof(cause), "%s", err);
            oi_logf(lg, LOG_ERR, "introspection at %s failed: %s", url, cause);
            reason = OI_UNAVAILABLE;
            available = false;
        } else if (hr == OI_HTTP_TOO_LARGE || hr == OI_HTTP_ECHO) {
            oi_logf(lg, LOG_ERR, "introspection at %s: %s", url, err);
            reason = OI_BAD_ANSWER;
        } else {
            answered = url;
            oi_debug(lg, "introspection at %s answered HTTP %ld, %zu bytes, in %.1f ms", url, resp.status, resp.len,
                     resp.total_seconds * 1000.0);
            reason = classify_answer(cfg, url, lg, &resp, cause, sizeof(cause));
            if (resp.status == 429) {
                available = false;
                rate_limited = true;
                retry_ms = ratelimit_reset_ms(resp.ratelimit_reset, oi_now_ms());
                if (retry_ms < 0) /* no usable reset: still back off at once */
                    retry_ms = OI_BREAKER_BASE_MS;
            } else if (resp.status >= 500) {
                available = false;
            }
        }
        if (cache != NULL && (!available || reason == OI_OK)) {
            struct oi_breaker_state after;
            oi_breaker_record(cache, cfg, url, oi_now_ms(), available, available ? "" : cause, retry_ms, &after);
            if (!available && after.open_until_ms > oi_now_ms())
                oi_logf(lg, LOG_ERR,
                        "introspection at %s: circuit breaker open for %.1f s (%u failures in a row%s); "
                        "`oauth2-introspect cache flush` closes it once the cause is fixed",
                        url, (double)(after.open_until_ms - oi_now_ms()) / 1000.0, after.failures,
                        retry_ms >= 0 ? ", rate limited" : "");
        }
        if (available)
            break; /* an answer (good or bad) from this server: no failover */
        if (i + 1 < cfg->endpoints.n)
            oi_logf(lg, LOG_NOTICE, "introspection: %s unavailable, trying %s", url, cfg->endpoints.items[i + 1]);
    }
    if (skipped == cfg->endpoints.n) {
        oi_logf(lg, LOG_ERR,
                "introspection not attempted: the circuit breaker is open for every server (the lines above "
                "name the last failure of each); `oauth2-introspect cache flush` closes them");
        reason = OI_UNAVAILABLE;
    }
    if (reason != OI_OK) {
        /* Unavailable: no answer at all, or the last server tried was failing; never when a
         * server said "too many requests" or failed verification. */
        *unreachable = !rate_limited && !untrusted &&
                       (reason == OI_UNAVAILABLE || (reason == OI_HTTP_STATUS && resp.status >= 500));
        goto out;
    }
    char why[160];
    reason = oi_parse_answer(resp.body, resp.len, info, why, sizeof(why));
    if (reason != OI_OK) {
        oi_logf(lg, LOG_ERR, "introspection at %s: unusable answer: %s", answered, why);
        goto out;
    }
    *body = resp.body;
    *body_len = resp.len;
    resp.body = NULL;
out:
    oi_free_secret(&secret);
    oi_free_secret(&form);
    oi_free_secret(&authz);
    oi_http_secrets_free(&secrets);
    oi_http_response_free(&resp);
    return reason;
}

/* Append "&name=enc(value)" (no '&' when first) to a buffer sized by the caller. */
static void append_field(char *buf, size_t size, const char *name, const char *encoded)
{
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s%s=%s", used ? "&" : "", name, encoded);
}

char *oi_build_form(const struct oi_config *cfg, const char *token, const char *scopes, const char *secret)
{
    bool send_scope = cfg->flavor != OI_FLAVOR_RFC7662 && scopes != NULL && *scopes != '\0';
    bool send_client = cfg->auth == OI_AUTH_POST;
    char *enc[4] = {oi_form_encode(token), send_scope ? oi_form_encode(scopes) : NULL,
                    send_client ? oi_form_encode(cfg->client_id) : NULL, send_client ? oi_form_encode(secret) : NULL};
    char *form = NULL;
    if (enc[0] == NULL || (send_scope && enc[1] == NULL) || (send_client && (enc[2] == NULL || enc[3] == NULL)))
        goto out;
    size_t size = 128;
    for (size_t i = 0; i < 4; i++)
        size += enc[i] ? strlen(enc[i]) : 0;
    form = calloc(1, size);
    if (form == NULL)
        goto out;
    append_field(form, size, "token", enc[0]);
    append_field(form, size, "token_type_hint", "access_token");
    if (send_scope)
        append_field(form, size, "scope", enc[1]);
    if (send_client) {
        append_field(form, size, "client_id", enc[2]);
        append_field(form, size, "client_secret", enc[3]);
    }
out:
    for (size_t i = 0; i < 4; i++)
        oi_free_secret(&enc[i]);
    return form;
}

char *oi_build_authorization(const struct oi_config *cfg, const char *secret)
{
    if (cfg->auth == OI_AUTH_BEARER) {
        size_t n = strlen("Bearer ") + strlen(secret) + 1;
        char *h = malloc(n);
        if (h)
            snprintf(h, n, "Bearer %s", secret);
        return h;
    }
    if (cfg->auth != OI_AUTH_BASIC)
        return NULL;
    /* RFC 6749 2.3.1: both parts are form-encoded before base64, so a ':' in the secret survives. */
    char *id = oi_form_encode(cfg->client_id);
    char *pw = oi_form_encode(secret);
    char *pair = NULL, *h = NULL;
    if (id == NULL || pw == NULL)
        goto out;
    size_t plen = strlen(id) + 1 + strlen(pw);
    pair = malloc(plen + 1);
    if (pair == NULL)
        goto out;
    snprintf(pair, plen + 1, "%s:%s", id, pw);
    size_t hlen = strlen("Basic ") + 4 * ((plen + 2) / 3) + 1;
    h = malloc(hlen);
    if (h == NULL)
        goto out;
    memcpy(h, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)h + 6, (const unsigned char *)pair, (int)plen);
out:
    oi_free_secret(&id);
    oi_free_secret(&pw);
    oi_free_secret(&pair);
    return h;
}
