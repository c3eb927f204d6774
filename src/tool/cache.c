/* oauth2-introspect cache stats and flush: what cache_dir holds, and emptying it. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "breaker.h"
#include "cache.h"
#include "tool.h"

static void count_open(void *arg, const char *url, const struct oi_breaker_state *st)
{
    (void)url;
    if (st->open_until_ms > oi_now_ms())
        ++*(size_t *)arg;
}

int flush_cache(const struct oi_config *cfg, const char *subject, const char *sid)
{
    struct oi_cache cache;
    struct oi_log lg = {NULL, cfg->debug};
    char who[300], s[129];
    size_t removed = 0;
    if (subject)
        plain(s, sizeof(s), subject);
    else if (sid)
        plain(s, sizeof(s), sid);
    else
        snprintf(s, sizeof(s), "every subject");
    snprintf(who, sizeof(who), subject ? "subject \"%s\"" : sid ? "sid \"%s\"" : "%s", s);
    if (oi_cache_open(&cache, cfg, &lg) != OI_OK) {
        printf("cache: NOT flushed for %s: cache_dir %s is unusable (see above)\n", who, cfg->cache_dir);
        return EXIT_CONFIG;
    }
    size_t opened = 0;
    if (subject == NULL && sid == NULL)
        oi_cache_breakers(&cache, cfg, oi_now_ms(), count_open, &opened);
    int rc = oi_cache_flush(&cache, cfg, subject, sid, &removed);
    oi_cache_close(&cache);
    if (rc != 0) {
        printf("cache: NOT flushed for %s: cannot read %s: %s\n", who, cfg->cache_dir, strerror(errno));
        return EXIT_CONFIG;
    }
    printf("cache: removed %zu cached answer%s%s%s from %s", removed, removed == 1 ? "" : "s",
           subject || sid ? " of " : "", subject || sid ? who : "", cfg->cache_dir);
    if (subject == NULL && sid == NULL)
        printf(" and closed %zu open circuit breaker%s", opened, opened == 1 ? "" : "s");
    putchar('\n');
    return EXIT_ALLOW;
}

static void when(char *dst, size_t len, int64_t t)
{
    if (t == 0)
        snprintf(dst, len, "-");
    else
        format_time(dst, len, t);
}

bool describe_breaker(const struct oi_breaker_state *st, int64_t now_ms, char *dst, size_t len)
{
    const char *last = st->cause[0] ? st->cause : "not known";
    if (st->open_until_ms > now_ms)
        snprintf(dst, len,
                 "logins skip this server for %.1f s more (%u failure%s in a row%s; last: %s); it closes by "
                 "itself then, or at once with `" PROG " cache flush`",
                 (double)(st->open_until_ms - now_ms) / 1000.0, st->failures, st->failures == 1 ? "" : "s",
                 st->rate_limited ? ", rate limited" : "", last);
    else if (st->failures > 0)
        snprintf(dst, len, "closed, %u failure%s in a row (it opens at %d; last: %s)", st->failures,
                 st->failures == 1 ? "" : "s", OI_BREAKER_THRESHOLD, last);
    else
        snprintf(dst, len, "closed");
    return st->open_until_ms > now_ms;
}

static void show_breaker(void *arg, const char *url, const struct oi_breaker_state *st)
{
    char what[600];
    bool open = describe_breaker(st, *(const int64_t *)arg, what, sizeof(what));
    printf("breaker:   %s: %s%s\n", url, open ? "OPEN: " : "", what);
}

int cmd_cache(const struct tool *t)
{
    const char *sub = t->n_args > 1 ? t->args[1] : NULL, *subject = NULL, *sid = NULL;
    if (sub == NULL || (strcmp(sub, "stats") != 0 && strcmp(sub, "flush") != 0))
        return usage_error("cache: give stats or flush");
    for (int i = 2; i < t->n_args; i++) {
        bool missing = false;
        const char *v, *flag = t->args[i];
        if (strcmp(sub, "flush") == 0 && (v = take_value(t->args, t->n_args, &i, "--subject", &missing)) != NULL)
            subject = v;
        else if (strcmp(sub, "flush") == 0 && (v = take_value(t->args, t->n_args, &i, "--sid", &missing)) != NULL)
            sid = v;
        else if (missing)
            return usage_error("cache %s: %s needs a value", sub, flag);
        else
            return usage_error("cache %s: unknown argument '%s'", sub, t->args[i]);
        if (*v == '\0')
            return usage_error("cache %s: %s needs a non-empty value", sub, flag);
    }
    if (subject && sid)
        return usage_error("cache flush: give --subject or --sid, not both");
    struct oi_config cfg;
    int rc = load(t, &cfg);
    if (rc != 0)
        return rc;
    if (cfg.cache_dir == NULL) {
        fprintf(stderr, PROG ": cache: cache_dir is not set: there is no cache\n");
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    if (sid && cfg.sid_claim == NULL) {
        oi_config_free(&cfg);
        return usage_error("cache flush: --sid needs sid_claim (the claim holding the session id)");
    }
    if (strcmp(sub, "flush") == 0) {
        rc = flush_cache(&cfg, subject, sid);
        oi_config_free(&cfg);
        return rc;
    }
    struct oi_cache cache;
    struct oi_log lg = {NULL, cfg.debug};
    if (oi_cache_open(&cache, &cfg, &lg) != OI_OK) {
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    struct oi_cache_stats st;
    int64_t now_ms = oi_now_ms(), now = now_ms / 1000;
    if (oi_cache_stats(&cache, &cfg, now, &st) != 0) {
        fprintf(stderr, PROG ": cache: cannot read %s: %s\n", cfg.cache_dir, strerror(errno));
        oi_cache_close(&cache);
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    char a[80], b[80];
    size_t total = st.fresh_allow + st.fresh_deny + st.stale + st.expired + st.corrupt;
    printf("cache_dir: %s (cache_ttl %ld s, negative_ttl %ld s, offline_grace %ld s, at most %ld entries)\n",
           cfg.cache_dir, cfg.cache_ttl, cfg.negative_ttl, cfg.offline_grace, cfg.cache_max_entries);
    printf("entries:   %zu (%zu bytes)\n", total, st.bytes);
    printf("  usable:  %zu allow, %zu deny\n", st.fresh_allow, st.fresh_deny);
    printf("  stale:   %zu (allows only offline_grace may still honour)\n", st.stale);
    printf("  expired: %zu (removed as logins go by)\n", st.expired);
    printf("  corrupt: %zu (never trusted; removed when met)\n", st.corrupt);
    when(a, sizeof(a), st.oldest);
    when(b, sizeof(b), st.newest);
    printf("fetched:   oldest %s, newest %s\n", a, b);
    oi_cache_breakers(&cache, &cfg, now_ms, show_breaker, &now_ms);
    oi_cache_close(&cache);
    oi_config_free(&cfg);
    return EXIT_ALLOW;
}
