#include <config.h>

#include "cache.h"
#include "answer.h"
#include "breaker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define ENTRY_PREFIX "e-"
#define STAMP_FILE "sweep.stamp"
#define ENTRY_MAGIC "oi-cache 1\n"
#define SWEEP_INTERVAL_S 10
#define TMP_STALE_S 60
/* Clocks differ a little between processes' reads: an entry "from the future" beyond this is
 * not believed. */
#define CLOCK_SLACK_S 5

const char *oi_cache_use_name(enum oi_cache_use u)
{
    switch (u) {
    case OI_CACHE_OFF:
        return "off";
    case OI_CACHE_MISS:
        return "miss";
    case OI_CACHE_HIT:
        return "hit";
    case OI_CACHE_GRACE:
        return "grace";
    }
    return "?";
}

enum oi_reason oi_cache_select(struct oi_cache *c, const struct oi_config *cfg, const char *token, const char *scopes)
{
    unsigned char md[32];
    const char *extra[] = {scopes, token};
    if (!oi_store_name(c, cfg, "oi-cache-key 2", extra, 2, &cfg->endpoints, md))
        return OI_NOMEM;
    memcpy(c->entry, ENTRY_PREFIX, 2);
    oi_hex(c->entry + 2, md, 32);
    return OI_OK;
}

/* Parse an authentic entry file. false: corrupt. */
static bool parse_entry(const struct oi_cache *c, const char *name, const char *buf, size_t len,
                        struct oi_cache_entry *e)
{
    size_t payload;
    int64_t verdict, blen;
    memset(e, 0, sizeof(*e));
    if (!oi_store_verify(c, "entry", name, buf, len, &payload))
        return false;
    const char *p = buf, *end = buf + payload;
    size_t ml = strlen(ENTRY_MAGIC);
    if (payload < ml || memcmp(p, ENTRY_MAGIC, ml) != 0)
        return false;
    p += ml;
    if (!oi_store_number(&p, end, "fetched", &e->fetched) || !oi_store_number(&p, end, "exp", &e->exp) ||
        !oi_store_number(&p, end, "allow", &verdict) || verdict > 1 || !oi_store_number(&p, end, "body", &blen) ||
        blen < 0 || (size_t)(end - p) != (size_t)blen + 1 || end[-1] != '\n')
        return false;
    e->verdict = verdict ? OI_VERDICT_ALLOW : OI_VERDICT_DENY;
    e->body = strndup(p, (size_t)blen);
    if (e->body == NULL)
        return false;
    e->len = (size_t)blen;
    return true;
}

void oi_cache_entry_free(struct oi_cache_entry *e)
{
    if (e->body) {
        oi_wipe(e->body, e->len);
        free(e->body);
    }
    memset(e, 0, sizeof(*e));
}

/* Seconds this line reuses an entry, from when it was fetched. */
static int64_t usable_until(const struct oi_config *cfg, const struct oi_cache_entry *e)
{
    int64_t until = e->fetched + (e->verdict == OI_VERDICT_ALLOW ? cfg->cache_ttl : cfg->negative_ttl);
    if (e->exp > 0 && e->exp < until)
        until = e->exp;
    return until;
}

static enum oi_cache_state judge(const struct oi_config *cfg, const struct oi_cache_entry *e, int64_t now)
{
    if (e->fetched > now + CLOCK_SLACK_S)
        return OI_CE_NONE;
    if (now < usable_until(cfg, e))
        return OI_CE_FRESH;
    /* No stored answer serves a token past its exp: not even offline_grace, not even in leeway. */
    return e->verdict == OI_VERDICT_ALLOW && e->exp > now ? OI_CE_STALE : OI_CE_NONE;
}

enum oi_cache_state oi_cache_get(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg, int64_t now,
                                 struct oi_cache_entry *e)
{
    char *buf = NULL;
    size_t len = 0;
    memset(e, 0, sizeof(*e));
    int rc = oi_store_read(c, c->entry, &buf, &len);
    if (rc == -1)
        return OI_CE_NONE;
    if (rc == -2 || !parse_entry(c, c->entry, buf, len, e)) {
        oi_logf(lg, LOG_WARNING, "cache entry %.18s... in %s is corrupt or not ours: ignored and removed", c->entry,
                cfg->cache_dir);
        unlinkat(c->dirfd, c->entry, 0);
        free(buf);
        oi_cache_entry_free(e);
        return OI_CE_NONE;
    }
    free(buf);
    enum oi_cache_state s = judge(cfg, e, now);
    if (s == OI_CE_NONE)
        oi_cache_entry_free(e);
    return s;
}

void oi_cache_drop(struct oi_cache *c)
{
    if (c->dirfd >= 0 && c->entry[0])
        unlinkat(c->dirfd, c->entry, 0);
}

/* ---- size bound and expiry ---- */

struct victim {
    int64_t keep_until;
    char name[80];
};

static int by_keep_until(const void *a, const void *b)
{
    int64_t x = ((const struct victim *)a)->keep_until, y = ((const struct victim *)b)->keep_until;
    return x < y ? -1 : x > y;
}

/* Remove expired entries and stale temporary files; then, above max, the entries that expire
 * first until 7/8 of max are left. full: stat every entry (the periodic sweep); otherwise only
 * count names and do the rest when the bound is passed. */
static void sweep(const struct oi_cache *c, long max, int64_t now, bool full)
{
    int fd = dup(c->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d); /* the duplicate shares the directory offset of earlier walks */
    size_t count = 0;
    struct dirent *de;
    if (!full) {
        while ((de = readdir(d)) != NULL)
            count += strncmp(de->d_name, ENTRY_PREFIX, 2) == 0;
        if (count <= (size_t)max) {
            closedir(d);
            return;
        }
        rewinddir(d);
    }
    struct victim *v = NULL;
    size_t nv = 0, cap = 0;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        const char *n = de->d_name;
        bool entry = strncmp(n, ENTRY_PREFIX, 2) == 0, tmp = strncmp(n, OI_STORE_TMP_PREFIX, 5) == 0;
        if ((!entry && !tmp) || fstatat(c->dirfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (tmp) {
            if (st.st_ctime < now - TMP_STALE_S)
                unlinkat(c->dirfd, n, 0);
            continue;
        }
        if (st.st_mtime < now) {
            unlinkat(c->dirfd, n, 0);
            continue;
        }
        if (strlen(n) >= sizeof(v->name))
            continue;
        if (nv == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            struct victim *nvv = realloc(v, ncap * sizeof(*v));
            if (nvv == NULL)
                break;
            v = nvv;
            cap = ncap;
        }
        v[nv].keep_until = st.st_mtime;
        snprintf(v[nv].name, sizeof(v[nv].name), "%s", n);
        nv++;
    }
    closedir(d);
    if (nv > (size_t)max) {
        qsort(v, nv, sizeof(*v), by_keep_until);
        size_t keep = (size_t)max - (size_t)max / 8;
        for (size_t i = 0; i + keep < nv; i++)
            unlinkat(c->dirfd, v[i].name, 0);
    }
    free(v);
}

/* The periodic sweep, at most every SWEEP_INTERVAL_S (or cache_ttl, when shorter) per directory. */
static void maintain(const struct oi_cache *c, const struct oi_config *cfg, int64_t now)
{
    struct stat st;
    int64_t interval = cfg->cache_ttl < SWEEP_INTERVAL_S ? cfg->cache_ttl : SWEEP_INTERVAL_S;
    bool due = fstatat(c->dirfd, STAMP_FILE, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_mtime <= now - interval;
    if (due) {
        int fd = openat(c->dirfd, STAMP_FILE, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            futimens(fd, NULL);
            close(fd);
        }
    }
    sweep(c, cfg->cache_max_entries, now, due);
}

void oi_cache_put(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg, int64_t now,
                  enum oi_verdict verdict, int64_t exp, const char *body, size_t len)
{
    if (c->dirfd < 0 || !c->entry[0])
        return;
    int64_t keep;
    if (verdict == OI_VERDICT_ALLOW)
        keep = now + (cfg->cache_ttl > cfg->offline_grace ? cfg->cache_ttl : cfg->offline_grace);
    else
        keep = now + cfg->negative_ttl;
    if (exp > 0 && exp < keep)
        keep = exp;
    if (keep <= now)
        return;
    size_t cap = len + 256;
    char *buf = malloc(cap);
    if (buf == NULL)
        return;
    int n = snprintf(buf, cap, ENTRY_MAGIC "fetched %lld\nexp %lld\nallow %d\nbody %zu\n", (long long)now,
                     (long long)exp, verdict == OI_VERDICT_ALLOW, len);
    size_t o = (size_t)n;
    memcpy(buf + o, body, len);
    o += len;
    buf[o++] = '\n';
    if (oi_store_sign(c, "entry", c->entry, buf, &o, cap) && oi_store_write(c, c->entry, buf, o, keep) != 0)
        oi_logf(lg, LOG_WARNING, "cache_dir %s: cannot store an answer: %s", cfg->cache_dir, strerror(errno));
    free(buf);
    maintain(c, cfg, now);
}

/* ---- the tool: stats and flush ---- */

static bool entry_matches(const struct oi_config *cfg, const struct oi_cache_entry *e, const char *subject,
                          const char *sid)
{
    struct oi_token_info info;
    char why[64];
    bool match = false;
    if (oi_parse_answer(e->body, e->len, &info, why, sizeof(why)) == OI_OK && info.active) {
        if (subject && oi_str_eq(info.sub.s, info.sub.len, subject))
            match = true;
        struct oi_jstr j;
        if (sid && cfg->sid_claim && oi_claim_string(&info, cfg->sid_claim, &j) && oi_str_eq(j.s, j.len, sid))
            match = true;
    }
    oi_token_info_free(&info);
    return match;
}

/* Walk the directory: fn(arg, name, entry or NULL when corrupt, size). */
static int walk(struct oi_cache *c, const char *prefix,
                void (*fn)(struct oi_cache *c, void *arg, const char *name, const struct oi_cache_entry *e,
                           size_t size),
                void *arg)
{
    int fd = dup(c->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d); /* the duplicate shares the directory offset of earlier walks */
    struct dirent *de;
    size_t pl = strlen(prefix);
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, pl) != 0)
            continue;
        char *buf = NULL;
        size_t len = 0;
        struct oi_cache_entry e;
        memset(&e, 0, sizeof(e));
        int rc = oi_store_read(c, de->d_name, &buf, &len);
        if (rc == -1) {
            free(buf);
            continue; /* gone meanwhile */
        }
        bool ok = rc == 0 && strcmp(prefix, ENTRY_PREFIX) == 0 && parse_entry(c, de->d_name, buf, len, &e);
        fn(c, arg, de->d_name, ok ? &e : NULL, len);
        oi_cache_entry_free(&e);
        free(buf);
    }
    closedir(d);
    return 0;
}

struct stats_arg {
    const struct oi_config *cfg;
    int64_t now;
    struct oi_cache_stats *st;
};

static void count_one(struct oi_cache *c, void *arg, const char *name, const struct oi_cache_entry *e, size_t size)
{
    struct stats_arg *a = arg;
    (void)c, (void)name;
    a->st->bytes += size;
    if (e == NULL) {
        a->st->corrupt++;
        return;
    }
    if (a->st->oldest == 0 || e->fetched < a->st->oldest)
        a->st->oldest = e->fetched;
    if (e->fetched > a->st->newest)
        a->st->newest = e->fetched;
    switch (judge(a->cfg, e, a->now)) {
    case OI_CE_FRESH:
        if (e->verdict == OI_VERDICT_ALLOW)
            a->st->fresh_allow++;
        else
            a->st->fresh_deny++;
        break;
    case OI_CE_STALE:
        a->st->stale++;
        break;
    case OI_CE_NONE:
        a->st->expired++;
        break;
    }
}

int oi_cache_stats(struct oi_cache *c, const struct oi_config *cfg, int64_t now, struct oi_cache_stats *st)
{
    struct stats_arg a = {cfg, now, st};
    memset(st, 0, sizeof(*st));
    return walk(c, ENTRY_PREFIX, count_one, &a);
}

struct flush_arg {
    const struct oi_config *cfg;
    const char *subject, *sid;
    size_t removed;
};

static void flush_one(struct oi_cache *c, void *arg, const char *name, const struct oi_cache_entry *e, size_t size)
{
    struct flush_arg *a = arg;
    (void)size;
    bool all = a->subject == NULL && a->sid == NULL;
    if (all || e == NULL || entry_matches(a->cfg, e, a->subject, a->sid)) {
        if (unlinkat(c->dirfd, name, 0) == 0 && strncmp(name, ENTRY_PREFIX, 2) == 0)
            a->removed++;
    }
}

int oi_cache_flush(struct oi_cache *c, const struct oi_config *cfg, const char *subject, const char *sid,
                   size_t *removed)
{
    struct flush_arg a = {cfg, subject, sid, 0};
    int rc = walk(c, ENTRY_PREFIX, flush_one, &a);
    if (rc == 0 && subject == NULL && sid == NULL)
        rc = walk(c, OI_BREAKER_PREFIX, flush_one, &a);
    *removed = a.removed;
    return rc;
}
