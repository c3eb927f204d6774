/* The persistent answer cache (cache_dir=) and the circuit breaker shared through it.
 *
 * An entry holds one introspection answer (the server's JSON) and when it was fetched, never the
 * token. It is named by an HMAC-SHA256, under a key kept in cache_dir, of the token together with
 * everything that changes whom the module trusts or what the server answers (flavour, endpoints,
 * TLS trust and pin, client certificate, proxy, credentials, requested scopes), and
 * authenticated by an HMAC over its contents with the same key: an entry that fails the check is
 * ignored and removed, never trusted. An allow is re-decided on the stored answer, so
 * configuration and map changes apply at once; a refusal only ever refuses.
 *
 * The directory must be a real directory (not a symbolic link) owned by root or the effective
 * uid with no access for group or others; it is created (0700) when absent. Writes go to a
 * temporary file renamed into place, so concurrent logins never see a partial entry. The number
 * of entries is bounded (cache_max_entries); expired ones are removed as logins go by. */
#ifndef OI_CACHE_H
#define OI_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "files.h"
#include "log.h"
#include "reason.h"

#define OI_CACHE_KEY_FILE "hmac.key"
#define OI_CACHE_KEY_BYTES OI_KEY_BYTES

/* Circuit breaker: after this many unavailable answers in a row an endpoint is skipped for a
 * back-off that starts at OI_BREAKER_BASE_MS and doubles with each further failure, up to
 * OI_BREAKER_MAX_MS. A 429 opens it at once, for the server's x-ratelimit-reset, at most
 * OI_BREAKER_MAX_RESET_S: anyone can provoke a 429 with junk tokens. */
#define OI_BREAKER_THRESHOLD 3
#define OI_BREAKER_BASE_MS 1000
#define OI_BREAKER_MAX_MS 60000
#define OI_BREAKER_MAX_RESET_S 60

struct oi_cache {
    int dirfd; /* -1: closed */
    unsigned char key[OI_CACHE_KEY_BYTES];
    char entry[80]; /* file name of the selected token's entry ("" before oi_cache_select) */
};

enum oi_verdict { OI_VERDICT_DENY, OI_VERDICT_ALLOW };

/* How a decision used the cache, for the audit line (cache=...). */
enum oi_cache_use { OI_CACHE_OFF, OI_CACHE_MISS, OI_CACHE_HIT, OI_CACHE_GRACE };
const char *oi_cache_use_name(enum oi_cache_use u);

struct oi_cache_entry {
    int64_t fetched; /* when the answer arrived (seconds since the epoch) */
    int64_t exp;     /* the answer's exp, 0 when none */
    enum oi_verdict verdict; /* the decision when it was stored: sets which TTL applies */
    char *body;      /* the answer, NUL-terminated */
    size_t len;
};
void oi_cache_entry_free(struct oi_cache_entry *e);

/* What oi_cache_get found. FRESH: usable now under this line's cache_ttl (allow) or
 * negative_ttl (deny), and before exp. STALE: an authentic allow older than that but still
 * before its exp (offline_grace may honour it). NONE: absent, unusable, past exp, or corrupt (a
 * corrupt one is logged and removed). */
enum oi_cache_state { OI_CE_NONE, OI_CE_FRESH, OI_CE_STALE };

/* Open and check cfg->cache_dir and read (or create) the key. OI_OK, OI_CONFIG (logged) when the
 * directory or the key file is unsafe or unusable, OI_NOMEM. */
enum oi_reason oi_cache_open(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg);
void oi_cache_close(struct oi_cache *c);

/* Name the entry for this token under cfg (what it trusts and how it asks) and the scopes sent.
 * 0, or -2 when out of memory. */
int oi_cache_select(struct oi_cache *c, const struct oi_config *cfg, const char *token, const char *scopes);

enum oi_cache_state oi_cache_get(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg,
                                 int64_t now, struct oi_cache_entry *e);

/* Store a fresh answer for the selected token. It is kept until the longest of cache_ttl and
 * offline_grace (allow) or negative_ttl (deny) has passed, never beyond exp. Failures are logged
 * and otherwise ignored: the cache only ever saves work. */
void oi_cache_put(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg, int64_t now,
                  enum oi_verdict verdict, int64_t exp, const char *body, size_t len);
/* Remove the selected token's entry (a fresh answer refused it). */
void oi_cache_drop(struct oi_cache *c);

/* ---- circuit breaker, one state per endpoint URL and the trust it is reached with ---- */

struct oi_breaker_state {
    unsigned failures;     /* unavailable answers in a row */
    int64_t open_until_ms; /* skip the endpoint until then (0: closed) */
    bool rate_limited;     /* opened by a 429: the server answered, it is no outage */
};
/* Is url's breaker (as cfg reaches it) open at now_ms? st gets its state either way. */
bool oi_breaker_is_open(struct oi_cache *c, const struct oi_config *cfg, const char *url, int64_t now_ms,
                        struct oi_breaker_state *st);
/* After a request to url: ok closes the breaker; a failure counts, and opens it at the threshold
 * (or at once, for retry_after_ms >= 0: a 429's x-ratelimit-reset). st gets the new state. */
void oi_breaker_record(struct oi_cache *c, const struct oi_config *cfg, const char *url, int64_t now_ms, bool ok,
                       long retry_after_ms, struct oi_breaker_state *st);

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

/* Each breaker state in cache_dir whose URL is one of cfg's endpoints, through fn. */
void oi_cache_breakers(struct oi_cache *c, const struct oi_config *cfg, int64_t now_ms,
                       void (*fn)(void *arg, const char *url, const struct oi_breaker_state *st), void *arg);

int64_t oi_now_ms(void);

#endif
