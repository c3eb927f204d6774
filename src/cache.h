/* The persistent answer cache (cache_dir=): entries, their freshness, the size bound, and what
 * the tool shows and flushes. (The directory and its signed files: store.h; the circuit breaker
 * kept beside the entries: breaker.h.)
 *
 * An entry holds one introspection answer (the server's JSON) and when it was fetched, never the
 * token. It is named by an HMAC-SHA256, under a key kept in cache_dir, of the token together with
 * everything that changes whom the module trusts or what the server answers (flavour, endpoints,
 * TLS trust and pin, client certificate, proxy, credentials, requested scopes), and
 * authenticated by an HMAC over its contents with the same key: an entry that fails the check is
 * ignored and removed, never trusted. An allow is re-decided on the stored answer, so
 * configuration and map changes apply at once; a refusal only ever refuses.
 * The number of entries is bounded (cache_max_entries); expired ones are removed as logins go
 * by. */
#ifndef OI_CACHE_H
#define OI_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "log.h"
#include "reason.h"
#include "store.h"

enum oi_verdict { OI_VERDICT_DENY, OI_VERDICT_ALLOW };

/* How a decision used the cache, for the audit line (cache=...). */
enum oi_cache_use { OI_CACHE_OFF, OI_CACHE_MISS, OI_CACHE_HIT, OI_CACHE_GRACE };
const char *oi_cache_use_name(enum oi_cache_use u);

struct oi_cache_entry {
    int64_t fetched;         /* when the answer arrived (seconds since the epoch) */
    int64_t exp;             /* the answer's exp, 0 when none */
    enum oi_verdict verdict; /* the decision when it was stored: sets which TTL applies */
    char *body;              /* the answer, NUL-terminated */
    size_t len;
};
void oi_cache_entry_free(struct oi_cache_entry *e);

/* What oi_cache_get found. FRESH: usable now under this line's cache_ttl (allow) or
 * negative_ttl (deny), and before exp. STALE: an authentic allow older than that but still
 * before its exp (offline_grace may honour it). NONE: absent, unusable, past exp, or corrupt (a
 * corrupt one is logged and removed). */
enum oi_cache_state { OI_CE_NONE, OI_CE_FRESH, OI_CE_STALE };

/* Name the entry for this token under cfg (what it trusts and how it asks) and the scopes sent.
 * OI_OK, or OI_NOMEM. */
enum oi_reason oi_cache_select(struct oi_cache *c, const struct oi_config *cfg, const char *token, const char *scopes);

enum oi_cache_state oi_cache_get(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg, int64_t now,
                                 struct oi_cache_entry *e);

/* Store a fresh answer for the selected token. It is kept until the longest of cache_ttl and
 * offline_grace (allow) or negative_ttl (deny) has passed, never beyond exp. Failures are logged
 * and otherwise ignored: the cache only ever saves work. */
void oi_cache_put(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg, int64_t now,
                  enum oi_verdict verdict, int64_t exp, const char *body, size_t len);
/* Remove the selected token's entry (a fresh answer refused it). */
void oi_cache_drop(struct oi_cache *c);

/* ---- the administrator's tool ---- */

struct oi_cache_stats {
    size_t fresh_allow, fresh_deny, stale, expired, corrupt, other;
    size_t bytes;
    int64_t oldest, newest; /* fetched times of the authentic entries, 0 when none */
};
/* Count what cache_dir holds, judged under cfg at now. 0, or -1 on a directory error (logged). */
int oi_cache_stats(struct oi_cache *c, const struct oi_config *cfg, int64_t now, struct oi_cache_stats *st);

/* Remove entries: all of them and every breaker state (subject and sid NULL), or those whose
 * authentic answer has this sub, or this sid_claim value. Corrupt entries go too. *removed counts
 * entries. 0, or -1 on a directory error. */
int oi_cache_flush(struct oi_cache *c, const struct oi_config *cfg, const char *subject, const char *sid,
                   size_t *removed);

#endif
