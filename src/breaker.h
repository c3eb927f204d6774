/* The circuit breaker, one state per endpoint URL and the trust it is reached with, kept in the
 * cache directory so that every process of the host shares it: after OI_BREAKER_THRESHOLD
 * unavailable answers in a row an endpoint is skipped for a back-off that starts at
 * OI_BREAKER_BASE_MS and doubles with each further failure, up to OI_BREAKER_MAX_MS. A 429 opens
 * it at once, for the server's x-ratelimit-reset, at most OI_BREAKER_MAX_RESET_S: anyone can
 * provoke a 429 with junk tokens. */
#ifndef OI_BREAKER_H
#define OI_BREAKER_H

#include <stdbool.h>
#include <stdint.h>
#include "cfg.h"
#include "store.h"

#define OI_BREAKER_PREFIX "b-"
#define OI_BREAKER_THRESHOLD 3
#define OI_BREAKER_BASE_MS 1000
#define OI_BREAKER_MAX_MS 60000
#define OI_BREAKER_MAX_RESET_S 60

struct oi_breaker_state {
    unsigned failures;     /* unavailable answers in a row */
    int64_t open_until_ms; /* skip the endpoint until then (0: closed) */
    bool rate_limited;     /* opened by a 429: the server answered, it is no outage */
    char cause[200];       /* the last failure, as logged then ("" when none is known) */
};
/* Is url's breaker (as cfg reaches it) open at now_ms? st gets its state either way. */
bool oi_breaker_is_open(struct oi_cache *c, const struct oi_config *cfg, const char *url, int64_t now_ms,
                        struct oi_breaker_state *st);
/* After a request to url: ok closes the breaker; a failure (cause: what went wrong, for the
 * lines that later say why the server is skipped) counts, and opens it at the threshold (or at
 * once, for retry_after_ms >= 0: a 429's x-ratelimit-reset). st gets the new state. */
void oi_breaker_record(struct oi_cache *c, const struct oi_config *cfg, const char *url, int64_t now_ms, bool ok,
                       const char *cause, long retry_after_ms, struct oi_breaker_state *st);

/* Each breaker state in cache_dir whose URL is one of cfg's endpoints, through fn. */
void oi_cache_breakers(struct oi_cache *c, const struct oi_config *cfg, int64_t now_ms,
                       void (*fn)(void *arg, const char *url, const struct oi_breaker_state *st), void *arg);

#endif
