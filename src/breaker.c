#include <config.h>

#include "breaker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BREAKER_MAGIC "oi-breaker 3\n"

/* A breaker per URL and per way of reaching it (a failing pin must not skip a good line). */
static bool breaker_name(const struct oi_cache *c, const struct oi_config *cfg, const char *url, char name[40])
{
    unsigned char md[32];
    if (!oi_store_name(c, cfg, "oi-breaker 3", &url, 1, NULL, md))
        return false;
    memcpy(name, OI_BREAKER_PREFIX, 2);
    oi_hex(name + 2, md, 16);
    return true;
}

/* "cause <printable text>\n" at *p, the last line before the MAC. */
static bool parse_cause(const char **p, const char *end, char *dst, size_t len)
{
    size_t wl = strlen("cause ");
    if ((size_t)(end - *p) < wl + 1 || memcmp(*p, "cause ", wl) != 0)
        return false;
    const char *q = *p + wl, *nl = memchr(q, '\n', (size_t)(end - q));
    if (nl == NULL || (size_t)(nl - q) >= len)
        return false;
    for (const char *c = q; c < nl; c++)
        if (*c < 0x20 || *c > 0x7e)
            return false;
    memcpy(dst, q, (size_t)(nl - q));
    dst[nl - q] = '\0';
    *p = nl + 1;
    return true;
}

static bool read_breaker(struct oi_cache *c, const char *name, struct oi_breaker_state *st)
{
    char *buf = NULL;
    size_t len = 0, payload;
    int64_t failures = 0, rate_limited = 0;
    memset(st, 0, sizeof(*st));
    if (oi_store_read(c, name, &buf, &len) != 0)
        return false;
    const char *p = buf, *end;
    size_t ml = strlen(BREAKER_MAGIC);
    bool ok =
        oi_store_verify(c, "breaker", name, buf, len, &payload) && payload >= ml && memcmp(p, BREAKER_MAGIC, ml) == 0;
    end = buf + (ok ? payload : 0);
    p += ml;
    ok = ok && oi_store_number(&p, end, "failures", &failures) && failures < 1000000 &&
         oi_store_number(&p, end, "open_until_ms", &st->open_until_ms) &&
         oi_store_number(&p, end, "rate_limited", &rate_limited) && rate_limited <= 1 &&
         parse_cause(&p, end, st->cause, sizeof(st->cause)) && p == end;
    free(buf);
    if (!ok) {
        memset(st, 0, sizeof(*st)); /* a damaged state closes the breaker: only the network decides */
        return false;
    }
    st->failures = (unsigned)failures;
    st->rate_limited = rate_limited == 1;
    return true;
}

bool oi_breaker_is_open(struct oi_cache *c, const struct oi_config *cfg, const char *url, int64_t now_ms,
                        struct oi_breaker_state *st)
{
    char name[40];
    memset(st, 0, sizeof(*st));
    if (!breaker_name(c, cfg, url, name))
        return false;
    read_breaker(c, name, st);
    /* A state far in the future (a clock step back) is not believed. */
    int64_t longest = st->rate_limited ? (int64_t)OI_BREAKER_MAX_RESET_S * 1000 : OI_BREAKER_MAX_MS;
    if (st->open_until_ms > now_ms + longest)
        return false;
    return st->open_until_ms > now_ms;
}

void oi_breaker_record(struct oi_cache *c, const struct oi_config *cfg, const char *url, int64_t now_ms, bool ok,
                       const char *cause, long retry_after_ms, struct oi_breaker_state *st)
{
    char name[40];
    memset(st, 0, sizeof(*st));
    if (!breaker_name(c, cfg, url, name))
        return;
    read_breaker(c, name, st);
    if (ok) {
        if (st->failures != 0 || st->open_until_ms != 0)
            unlinkat(c->dirfd, name, 0);
        memset(st, 0, sizeof(*st));
        return;
    }
    st->failures++;
    st->rate_limited = retry_after_ms >= 0;
    if (retry_after_ms >= 0) {
        st->open_until_ms = now_ms + retry_after_ms;
    } else if (st->failures >= OI_BREAKER_THRESHOLD) {
        int64_t backoff = OI_BREAKER_BASE_MS;
        for (unsigned i = OI_BREAKER_THRESHOLD; i < st->failures && backoff < OI_BREAKER_MAX_MS; i++)
            backoff *= 2;
        if (backoff > OI_BREAKER_MAX_MS)
            backoff = OI_BREAKER_MAX_MS;
        st->open_until_ms = now_ms + backoff;
    }
    oi_printable(st->cause, sizeof(st->cause), cause, strlen(cause));
    char buf[512];
    int n = snprintf(buf, sizeof(buf), BREAKER_MAGIC "failures %u\nopen_until_ms %lld\nrate_limited %d\ncause %s\n",
                     st->failures, (long long)st->open_until_ms, st->rate_limited, st->cause);
    size_t len = (size_t)n;
    /* Kept a day after the last failure, then swept. */
    if (oi_store_sign(c, "breaker", name, buf, &len, sizeof(buf)))
        oi_store_write(c, name, buf, len, now_ms / 1000 + 86400);
}

void oi_cache_breakers(struct oi_cache *c, const struct oi_config *cfg, int64_t now_ms,
                       void (*fn)(void *arg, const char *url, const struct oi_breaker_state *st), void *arg)
{
    (void)now_ms;
    for (size_t i = 0; i < cfg->endpoints.n; i++) {
        char name[40];
        struct oi_breaker_state st;
        memset(&st, 0, sizeof(st));
        if (breaker_name(c, cfg, cfg->endpoints.items[i], name))
            read_breaker(c, name, &st);
        fn(arg, cfg->endpoints.items[i], &st);
    }
}
