#include <config.h>

#include "login.h"
#include "cache.h"
#include "host_limits.h"
#include "hostkey.h"
#include "introspect.h"
#include "precheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
static enum oi_reason keep_answer(const struct oi_config *cfg, const struct oi_token_info *info, struct oi_outcome *out)
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
static enum oi_reason load_map(const struct oi_config *cfg, const struct oi_log *lg, struct oi_usermap *map)
{
    struct oi_config_error err;
    memset(map, 0, sizeof(*map));
    if (cfg->user_map == NULL)
        return OI_OK;
    enum oi_reason r = oi_usermap_load(map, cfg->user_map, &err);
    if (r == OI_CONFIG)
        oi_logf(lg, LOG_ERR, "configuration error: %s: %s: %s", err.where, err.key, err.what);
    return r;
}

enum oi_reason oi_login_recheck(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_subject *subj,
                                const struct oi_facts *facts)
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
    reason = oi_policy_check(cfg, cfg->user_map ? map : NULL, info, subj, (int64_t)time(NULL), &out->facts, &grant);
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

/* Before anything is looked up or sent: the precheck (a secret that fails it may be a password,
 * so no fingerprint of it is ever logged), the fingerprint, the map, the scopes to ask for, and
 * the token's name in the junk memory (host_limits.h). */
static enum oi_reason prepare(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_subject *subj,
                              const char *token, struct oi_usermap *map, char **scopes, unsigned char junk[OI_JUNK_MAC],
                              struct oi_outcome *out)
{
    struct oi_hostkey hostkey;
    enum oi_reason reason = oi_precheck(cfg, token, out->refused, sizeof(out->refused));
    if (reason != OI_OK && reason != OI_NOT_TOKEN)
        oi_debug(lg, "the secret was not sent: %s", out->refused);
    if (reason == OI_OK)
        reason = oi_hostkey_load(cfg, lg, &hostkey);
    if (reason != OI_OK)
        return reason;
    oi_fingerprint(&hostkey, token, out->fp);
    if (cfg->allow_http && oi_skip_prefix(cfg->introspect_url, "http://"))
        oi_logf(lg, LOG_WARNING, "allow_http: the token is sent unencrypted to %s", cfg->introspect_url);
    if (cfg->any_client)
        oi_logf(lg, LOG_WARNING, "allowed_clients=*: tokens of any OAuth client may log in");
    reason = load_map(cfg, lg, map);
    if (reason == OI_OK)
        reason = oi_expand_scopes(&cfg->required_scopes, subj, scopes);
    if (reason == OI_OK && cfg->junk_ttl > 0)
        oi_limits_junk_mac(&hostkey, token, *scopes, junk);
    oi_hostkey_wipe(&hostkey);
    return reason;
}

/* With cache_dir: open it and find this token's entry (*cached says how usable it is). */
static enum oi_reason look_up(struct oi_cache *cache, const struct oi_config *cfg, const struct oi_log *lg,
                              const char *token, const char *scopes, struct oi_cache_entry *entry,
                              enum oi_cache_state *cached, struct oi_outcome *out)
{
    enum oi_reason reason = oi_cache_open(cache, cfg, lg);
    if (reason == OI_OK)
        reason = oi_cache_select(cache, cfg, token, scopes);
    if (reason == OI_OK) {
        out->cache = OI_CACHE_MISS;
        *cached = oi_cache_get(cache, cfg, lg, (int64_t)time(NULL), entry);
    }
    return reason;
}

/* A fresh stored answer stands in for the server's. true when it decided (*reason). */
static bool decide_from_cache(const struct oi_config *cfg, const struct oi_usermap *map, const struct oi_subject *subj,
                              const struct oi_cache_entry *entry, enum oi_cache_state cached,
                              struct oi_token_info *info, struct oi_outcome *out, enum oi_reason *reason)
{
    if (cached != OI_CE_FRESH)
        return false;
    if (entry->verdict == OI_VERDICT_DENY) {
        /* The server said "inactive" a moment ago: a stored refusal only ever refuses. */
        *reason = OI_INACTIVE;
    } else if (cached_info(entry, info)) {
        /* The server's allow of a moment ago; the decision is taken anew. */
        *reason = decide_on_answer(cfg, map, info, subj, out);
    } else {
        oi_token_info_free(info);
        return false;
    }
    out->cache = OI_CACHE_HIT;
    out->cache_age = (int64_t)time(NULL) - entry->fetched;
    return true;
}

/* No server can be asked: an allow one gave less than offline_grace ago, before the token's exp,
 * still stands under every rule of this line as it is now. Else the unavailability stands. */
static enum oi_reason decide_offline(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_usermap *map,
                                     const struct oi_subject *subj, const struct oi_cache_entry *entry,
                                     enum oi_cache_state cached, enum oi_reason unavailable, struct oi_token_info *info,
                                     struct oi_outcome *out)
{
    int64_t now = (int64_t)time(NULL);
    if (cfg->offline_grace == 0 || cached != OI_CE_STALE || entry->verdict != OI_VERDICT_ALLOW ||
        now - entry->fetched >= cfg->offline_grace || entry->exp <= now)
        return unavailable;
    oi_token_info_free(info);
    if (!cached_info(entry, info))
        return unavailable;
    out->cache = OI_CACHE_GRACE;
    out->cache_age = now - entry->fetched;
    enum oi_reason reason = decide_on_answer(cfg, map, info, subj, out);
    if (reason == OI_OK)
        oi_logf(lg, LOG_WARNING,
                "offline grace: no server available (%s); honouring the answer fetched %lld s ago "
                "(offline_grace=%ld)",
                oi_reason_name(unavailable), (long long)out->cache_age, cfg->offline_grace);
    return reason;
}

/* Hydra answers "inactive" also for a token without one of the scopes asked for, and cannot say
 * which it was: the log line names them. */
static void explain_inactive(const struct oi_config *cfg, const struct oi_log *lg, const char *scopes)
{
    if (cfg->flavor == OI_FLAVOR_RFC7662 || scopes == NULL || *scopes == '\0')
        return;
    char shown[600]; /* %u puts the login name in: printable only */
    oi_printable(shown, sizeof(shown), scopes, strlen(scopes));
    oi_logf(lg, LOG_NOTICE,
            "the server answered inactive for a request that asked for the scopes %s (required_scopes): "
            "a token granted without one of them is answered so too",
            shown);
}

/* What a decision after a request says of its source (host_limits.h): a refusal of the token is a
 * strike (and the server's own "inactive" is junk to remember); no usable answer is not the
 * source's doing. */
static enum oi_limits_result settled(enum oi_reason reason, const struct oi_token_info *info)
{
    switch (reason) {
    case OI_OK:
        return OI_LIMITS_ALLOWED;
    case OI_INACTIVE:
        return info->root != NULL && !info->active ? OI_LIMITS_INACTIVE : OI_LIMITS_REFUSED;
    case OI_UNAVAILABLE:
    case OI_HTTP_STATUS:
    case OI_BAD_ANSWER:
    case OI_CONFIG:
    case OI_NOMEM:
    case OI_ACCOUNT_LOOKUP:
        return OI_LIMITS_NO_ANSWER;
    default:
        return OI_LIMITS_REFUSED;
    }
}

void oi_login_decide(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_subject *subj,
                     const char *token, struct oi_outcome *out)
{
    struct oi_token_info info = {0};
    struct oi_usermap map = {0};
    struct oi_cache cache = {.dirfd = -1};
    struct oi_cache_entry entry = {0};
    struct oi_limits_ticket ticket;
    enum oi_cache_state cached = OI_CE_NONE;
    char *scopes = NULL, *body = NULL;
    size_t body_len = 0;
    bool unreachable = false;

    oi_outcome_init(out, OI_NO_TOKEN);
    unsigned char junk[OI_JUNK_MAC] = {0};
    enum oi_reason reason = prepare(cfg, lg, subj, token, &map, &scopes, junk, out);
    if (reason == OI_OK && cfg->cache_dir != NULL)
        reason = look_up(&cache, cfg, lg, token, scopes, &entry, &cached, out);
    if (reason != OI_OK || decide_from_cache(cfg, &map, subj, &entry, cached, &info, out, &reason))
        goto out;
    char source[OI_LIMITS_KEY];
    oi_limits_source(source, subj->rhost, subj->ruser, subj->user);
    reason = oi_limits_admit(cfg, lg, source, junk, oi_now_ms(), &ticket);
    if (reason != OI_OK)
        goto out;
    reason =
        oi_introspect(cfg, lg, cfg->cache_dir ? &cache : NULL, token, scopes, &info, &body, &body_len, &unreachable);
    if (reason == OI_OK) {
        reason = decide_on_answer(cfg, &map, &info, subj, out);
        if (cfg->cache_dir != NULL)
            remember_answer(&cache, cfg, lg, &info, body, body_len, reason);
    } else if (unreachable) {
        reason = decide_offline(cfg, lg, &map, subj, &entry, cached, reason, &info, out);
    }
    oi_limits_settle(cfg, lg, &ticket, settled(reason, &info), oi_now_ms());
out:
    if (reason == OI_INACTIVE)
        explain_inactive(cfg, lg, scopes);
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
