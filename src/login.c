#include <config.h>

#include "login.h"
#include "cache.h"
#include "hostkey.h"
#include "http.h"
#include "introspect.h"
#include "precheck.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static bool is_json_content_type(const char *ct)
{
    const char *p = ct;
    if (strncasecmp(p, "application/json", 16) != 0)
        return false;
    p += 16;
    return *p == '\0' || *p == ';' || *p == ' ';
}

/* The server's "error" field, if any, for the log line; never the body itself. */
static void server_error(const struct oi_http_response *resp, char *out, size_t outlen)
{
    struct oi_token_info info;
    char why[64];
    struct oi_jstr e = {0};
    snprintf(out, outlen, "-");
    oi_parse_answer(resp->body, resp->len, &info, why, sizeof(why));
    if (info.root && json_object_is_type(info.root, json_type_object)) {
        json_object *v;
        if (json_object_object_get_ex(info.root, "error", &v) && json_object_is_type(v, json_type_string)) {
            e.s = json_object_get_string(v);
            e.len = (size_t)json_object_get_string_len(v);
            oi_sanitize(out, outlen, e.s, e.len < 100 ? e.len : 100);
        }
    }
    oi_token_info_free(&info);
}

static enum oi_reason classify_answer(const char *url, const struct oi_log *lg,
                                      const struct oi_http_response *resp)
{
    if (resp->status == 200 && is_json_content_type(resp->content_type))
        return OI_OK;
    if (resp->status == 200) {
        char ct[140];
        oi_sanitize(ct, sizeof(ct), resp->content_type, strlen(resp->content_type));
        oi_logf(lg, LOG_ERR, "introspection at %s: answer is not application/json (Content-Type %s)", url, ct);
        return OI_BAD_ANSWER;
    }
    char err[128];
    server_error(resp, err, sizeof(err));
    if (resp->status >= 300 && resp->status < 400) {
        char loc[300];
        oi_sanitize(loc, sizeof(loc), resp->location, strlen(resp->location));
        oi_logf(lg, LOG_ERR,
                "introspection at %s: HTTP %ld to %s: redirects are not followed; for Hydra v2 set "
                "admin_url so that the /admin path is called",
                url, resp->status, loc);
    } else if (resp->status == 429) {
        char reset[40];
        oi_sanitize(reset, sizeof(reset), resp->ratelimit_reset, strlen(resp->ratelimit_reset));
        oi_logf(lg, LOG_ERR, "introspection at %s: HTTP 429 rate limited (x-ratelimit-reset %s)", url,
                reset);
    } else {
        oi_logf(lg, LOG_ERR, "introspection at %s: HTTP %ld (error %s)", url, resp->status, err);
    }
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

/* Ask the servers about token, in order, within timeout_ms in all: one that is unavailable (no
 * answer, 429, 5xx) passes the question to the next. With a cache, each server's circuit breaker
 * is consulted and updated. On OI_OK info holds the parsed answer and *body the answer itself.
 * *unreachable: no server gave a usable answer because none could be reached or all failed (no
 * answer, 5xx); a server that answered 429 (or whose breaker a 429 opened) is not unreachable. */
static enum oi_reason introspect(const struct oi_config *cfg, const struct oi_log *lg, struct oi_cache *cache,
                                 const char *token, const char *scopes, struct oi_token_info *info,
                                 char **body, size_t *body_len, bool *unreachable)
{
    char *secret = NULL, *form = NULL, *authz = NULL;
    struct oi_http_secrets secrets = {0};
    struct oi_http_response resp = {0};
    enum oi_reason reason = OI_NOMEM;
    struct oi_config_error cerr;
    char err[512];
    size_t skipped = 0;
    bool rate_limited = false;
    const char *answered = cfg->introspect_url;

    *unreachable = false;
    *body = NULL;
    if (oi_config_check_tls_files(cfg, &cerr) != 0) {
        oi_logf(lg, LOG_ERR, "configuration error: %s: %s", cerr.key, cerr.what);
        reason = OI_CONFIG;
        goto out;
    }
    if (cfg->auth != OI_AUTH_NONE) {
        int rc = oi_config_read_secret(cfg, &secret, &cerr);
        if (rc != 0) {
            if (rc == -1)
                oi_logf(lg, LOG_ERR, "configuration error: secret_file: %s", cerr.what);
            reason = rc == -1 ? OI_CONFIG : OI_NOMEM;
            goto out;
        }
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
                    "introspection at %s skipped: circuit breaker open for %.1f s more (%u failures in a row%s)",
                    url, (double)(bs.open_until_ms - now) / 1000.0, bs.failures, bs.rate_limited ? ", rate limited" : "");
            rate_limited |= bs.rate_limited;
            skipped++;
            continue;
        }
        if (now >= deadline) {
            oi_logf(lg, LOG_ERR, "introspection at %s not tried: timeout_ms (%ld) is used up", url, cfg->timeout_ms);
            break;
        }
        /* The same request, with what is left of the overall timeout. */
        struct oi_config capped = *cfg; /* shallow: only the two timeouts differ */
        capped.timeout_ms = (long)(deadline - now);
        if (capped.connect_timeout_ms > capped.timeout_ms)
            capped.connect_timeout_ms = capped.timeout_ms;
        struct oi_http_request req = {"POST", url, form, authz, secrets.list};
        oi_http_response_free(&resp);
        enum oi_http_result hr = oi_http_perform(&capped, &req, &resp, err, sizeof(err));
        long retry_ms = -1;
        bool available = true;
        if (hr == OI_HTTP_NOMEM) {
            reason = OI_NOMEM;
            goto out;
        } else if (hr == OI_HTTP_UNAVAILABLE) {
            oi_logf(lg, LOG_ERR, "introspection at %s failed: %s", url, err);
            reason = OI_UNAVAILABLE;
            available = false;
        } else if (hr == OI_HTTP_TOO_LARGE || hr == OI_HTTP_ECHO) {
            oi_logf(lg, LOG_ERR, "introspection at %s: %s", url, err);
            reason = OI_BAD_ANSWER;
        } else {
            answered = url;
            oi_debug(lg, "introspection at %s answered HTTP %ld, %zu bytes, in %.1f ms", url, resp.status,
                     resp.len, resp.total_seconds * 1000.0);
            reason = classify_answer(url, lg, &resp);
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
            oi_breaker_record(cache, cfg, url, oi_now_ms(), available, retry_ms, &after);
            if (!available && after.open_until_ms > oi_now_ms())
                oi_logf(lg, LOG_ERR, "introspection at %s: circuit breaker open for %.1f s (%u failures in a row%s)",
                        url, (double)(after.open_until_ms - oi_now_ms()) / 1000.0, after.failures,
                        retry_ms >= 0 ? ", rate limited" : "");
        }
        if (available)
            break; /* an answer (good or bad) from this server: no failover */
        if (i + 1 < cfg->endpoints.n)
            oi_logf(lg, LOG_NOTICE, "introspection: %s unavailable, trying %s", url, cfg->endpoints.items[i + 1]);
    }
    if (skipped == cfg->endpoints.n) {
        oi_logf(lg, LOG_ERR, "introspection not attempted: the circuit breaker is open for every server");
        reason = OI_UNAVAILABLE;
    }
    if (reason != OI_OK) {
        /* Unavailable: no answer at all, or the last server tried was failing; never when a
         * server said "too many requests". */
        *unreachable = !rate_limited && (reason == OI_UNAVAILABLE || (reason == OI_HTTP_STATUS && resp.status >= 500));
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

void oi_outcome_init(struct oi_outcome *out, enum oi_reason reason)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->fp, sizeof(out->fp), "-");
    snprintf(out->sub, sizeof(out->sub), "-");
    snprintf(out->client_id, sizeof(out->client_id), "-");
    out->reason = reason;
    out->pam_code = oi_reason_pam_code(reason);
}

void oi_outcome_free(struct oi_outcome *out)
{
    oi_facts_free(&out->facts);
    char **owned[] = {&out->subject, &out->sid, &out->claim, &out->scope};
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
        free(*owned[i]);
        *owned[i] = NULL;
    }
}

/* What the answer says, kept for the caller whatever the decision. */
static enum oi_reason keep_answer(const struct oi_config *cfg, const struct oi_token_info *info,
                                  struct oi_outcome *out)
{
    struct oi_jstr claim = {0}, sid = {0};
    oi_claim_string(info, cfg->user_claim, &claim);
    if (cfg->sid_claim != NULL)
        oi_claim_string(info, cfg->sid_claim, &sid);
    out->has_exp = info->has_exp;
    char **kept[] = {&out->subject, &out->sid, &out->claim, &out->scope};
    const struct oi_jstr *from[] = {&info->sub, &sid, &claim, &info->scope};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (!oi_jstr_dup(from[i], kept[i]))
            return OI_NOMEM;
    }
    return OI_OK;
}

/* The user map, when configured; a map that cannot be read is a configuration error. */
static enum oi_reason load_map(const struct oi_config *cfg, const struct oi_log *lg,
                               struct oi_usermap *map)
{
    struct oi_config_error err;
    memset(map, 0, sizeof(*map));
    if (cfg->user_map == NULL)
        return OI_OK;
    int rc = oi_usermap_load(map, cfg->user_map, &err);
    if (rc == -1)
        oi_logf(lg, LOG_ERR, "configuration error: %s: %s: %s", err.where, err.key, err.what);
    return rc == 0 ? OI_OK : rc == -1 ? OI_CONFIG : OI_NOMEM;
}

enum oi_reason oi_login_recheck(const struct oi_config *cfg, const struct oi_log *lg,
                                const struct oi_subject *subj, const struct oi_facts *facts)
{
    struct oi_usermap map;
    enum oi_grant grant;
    enum oi_reason r = load_map(cfg, lg, &map);
    if (r == OI_OK)
        r = oi_authorize(cfg, cfg->user_map ? &map : NULL, facts, subj, (int64_t)time(NULL), &grant);
    if (r == OI_OK)
        r = oi_check_account(subj->user, cfg->min_uid, grant);
    oi_usermap_free(&map);
    return r;
}

/* The decision on one answer (fresh or cached): what it says, then every rule of the policy. */
static enum oi_reason decide_on_answer(const struct oi_config *cfg, const struct oi_usermap *map,
                                       const struct oi_token_info *info, const struct oi_subject *subj,
                                       struct oi_outcome *out)
{
    enum oi_reason reason = OI_OK;
    oi_sanitize(out->sub, sizeof(out->sub), info->sub.s, info->sub.len);
    oi_sanitize(out->client_id, sizeof(out->client_id), info->client_id.s, info->client_id.len);
    out->exp = info->exp;
    if (info->active)
        reason = keep_answer(cfg, info, out);
    if (reason != OI_OK)
        return reason;
    enum oi_grant grant = OI_GRANT_NONE;
    reason = oi_policy_check(cfg, cfg->user_map ? map : NULL, info, subj, (int64_t)time(NULL), &out->facts,
                             &grant);
    if (reason == OI_OK)
        reason = oi_check_account(subj->user, cfg->min_uid, grant);
    if (reason == OI_OK)
        out->grant = grant;
    return reason;
}

/* A cached answer, parsed as strictly as a fresh one. */
static bool cached_info(const struct oi_cache_entry *e, struct oi_token_info *info)
{
    char why[160];
    return oi_parse_answer(e->body, e->len, info, why, sizeof(why)) == OI_OK;
}

/* Keep a fresh answer for the next logins: an allow until min(cache_ttl, exp); with negative_ttl,
 * the server's own "inactive" (which only ever refuses). Any other refusal depends on who logs in
 * and on this line's rules: an older entry for this token goes (it would contradict the server). */
static void remember_answer(struct oi_cache *cache, const struct oi_config *cfg, const struct oi_log *lg,
                            const struct oi_token_info *info, const char *body, size_t len, enum oi_reason reason)
{
    if (reason == OI_NOMEM || reason == OI_CONFIG)
        return;
    bool allow = reason == OI_OK, inactive = !info->active;
    if (!allow && !(inactive && cfg->negative_ttl > 0)) {
        oi_cache_drop(cache);
        return;
    }
    oi_cache_put(cache, cfg, lg, (int64_t)time(NULL), allow ? OI_VERDICT_ALLOW : OI_VERDICT_DENY,
                 info->active && info->has_exp ? info->exp : 0, body, len);
}

void oi_login_decide(const struct oi_config *cfg, const struct oi_log *lg,
                     const struct oi_subject *subj, const char *token, struct oi_outcome *out)
{
    struct oi_token_info info = {0};
    struct oi_usermap map = {0};
    struct oi_cache cache = {.dirfd = -1};
    struct oi_cache_entry entry = {0};
    struct oi_hostkey hostkey;
    enum oi_cache_state cached = OI_CE_NONE;
    char *scopes = NULL, *body = NULL;
    size_t body_len = 0;
    bool unreachable = false;
    enum oi_reason reason;

    oi_outcome_init(out, OI_NO_TOKEN);

    /* A secret that fails the precheck may be a password: no fingerprint of it is ever logged. */
    reason = oi_precheck(cfg, token);
    if (reason == OI_OK)
        reason = oi_hostkey_load(cfg, lg, &hostkey);
    if (reason != OI_OK)
        goto out;
    oi_fingerprint(&hostkey, token, out->fp);
    oi_hostkey_wipe(&hostkey);
    if (cfg->allow_http && oi_skip_prefix(cfg->introspect_url, "http://"))
        oi_logf(lg, LOG_WARNING, "allow_http: the token is sent unencrypted to %s", cfg->introspect_url);
    if (cfg->any_client)
        oi_logf(lg, LOG_WARNING, "allowed_clients=*: tokens of any OAuth client may log in");

    reason = load_map(cfg, lg, &map);
    if (reason == OI_OK)
        reason = oi_expand_scopes(&cfg->required_scopes, subj, &scopes);
    if (reason != OI_OK)
        goto out;
    if (cfg->cache_dir != NULL) {
        reason = oi_cache_open(&cache, cfg, lg);
        if (reason == OI_OK && oi_cache_select(&cache, cfg, token, scopes) != 0)
            reason = OI_NOMEM;
        if (reason != OI_OK)
            goto out;
        out->cache = OI_CACHE_MISS;
        cached = oi_cache_get(&cache, cfg, lg, (int64_t)time(NULL), &entry);
        if (cached == OI_CE_FRESH && entry.verdict == OI_VERDICT_DENY) {
            /* The server said "inactive" a moment ago: a stored refusal only ever refuses. */
            out->cache = OI_CACHE_HIT;
            out->cache_age = (int64_t)time(NULL) - entry.fetched;
            reason = OI_INACTIVE;
            goto out;
        }
        if (cached == OI_CE_FRESH && cached_info(&entry, &info)) {
            /* The server's allow of a moment ago; the decision is taken anew. */
            out->cache = OI_CACHE_HIT;
            out->cache_age = (int64_t)time(NULL) - entry.fetched;
            reason = decide_on_answer(cfg, &map, &info, subj, out);
            goto out;
        }
        oi_token_info_free(&info);
    }
    reason = introspect(cfg, lg, cfg->cache_dir ? &cache : NULL, token, scopes, &info, &body, &body_len,
                        &unreachable);
    if (reason == OI_OK) {
        reason = decide_on_answer(cfg, &map, &info, subj, out);
        if (cfg->cache_dir != NULL)
            remember_answer(&cache, cfg, lg, &info, body, body_len, reason);
    } else if (unreachable && cfg->offline_grace > 0 && cached == OI_CE_STALE && entry.verdict == OI_VERDICT_ALLOW &&
               (int64_t)time(NULL) - entry.fetched < cfg->offline_grace && entry.exp > (int64_t)time(NULL)) {
        /* The server cannot be asked: an allow it gave less than offline_grace ago still stands,
         * under every rule of this line as it is now. */
        oi_token_info_free(&info);
        if (cached_info(&entry, &info)) {
            enum oi_reason unavailable = reason;
            out->cache = OI_CACHE_GRACE;
            out->cache_age = (int64_t)time(NULL) - entry.fetched;
            reason = decide_on_answer(cfg, &map, &info, subj, out);
            if (reason == OI_OK)
                oi_logf(lg, LOG_WARNING,
                        "offline grace: no server available (%s); honouring the answer fetched %lld s ago "
                        "(offline_grace=%ld)",
                        oi_reason_name(unavailable), (long long)out->cache_age, cfg->offline_grace);
        }
    }
out:
    if (reason != OI_OK)
        oi_facts_free(&out->facts);
    oi_token_info_free(&info);
    oi_usermap_free(&map);
    oi_cache_entry_free(&entry);
    oi_cache_close(&cache);
    if (body != NULL) {
        oi_wipe(body, body_len);
        free(body);
    }
    free(scopes);
    out->reason = reason;
    out->pam_code = oi_reason_pam_code(reason);
}
