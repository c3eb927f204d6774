#include <config.h>

#include "cache.h"
#include "files.h"
#include "introspect.h"

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
#define BREAKER_PREFIX "b-"
#define TMP_PREFIX ".tmp-"
#define STAMP_FILE "sweep.stamp"
#define ENTRY_MAGIC "oi-cache 1\n"
#define BREAKER_MAGIC "oi-breaker 2\n"
#define MAC_HEX (2 * 32)
/* An entry: a small header, the answer (http.c caps it at 64 KiB) and the MAC line. */
#define ENTRY_MAX_BYTES (64 * 1024 + 512)
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

int64_t oi_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* HMAC-SHA256 under the cache key of: label, '\n', name, '\n', data. */
static bool mac(const struct oi_cache *c, const char *label, const char *name, const char *data, size_t len,
                unsigned char out[32])
{
    unsigned int outlen = 0;
    size_t ll = strlen(label), nl = strlen(name), total = ll + nl + 2 + len;
    unsigned char *buf = malloc(total);
    if (buf == NULL)
        return false;
    memcpy(buf, label, ll);
    buf[ll] = '\n';
    memcpy(buf + ll + 1, name, nl);
    buf[ll + 1 + nl] = '\n';
    memcpy(buf + ll + nl + 2, data, len);
    bool ok = HMAC(EVP_sha256(), c->key, OI_CACHE_KEY_BYTES, buf, total, out, &outlen) != NULL && outlen == 32;
    free(buf);
    return ok;
}

/* ---- the directory and the key ---- */

enum oi_reason oi_cache_open(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg)
{
    char why[400];
    memset(c, 0, sizeof(*c));
    c->dirfd = oi_private_dir_open(cfg->cache_dir, why, sizeof(why));
    if (c->dirfd >= 0 && oi_private_key(c->dirfd, OI_CACHE_KEY_FILE, c->key, why, sizeof(why)) == 0)
        return OI_OK;
    oi_cache_close(c);
    oi_logf(lg, LOG_ERR,
            "configuration error: cache_dir %s: %s (it must be a directory, not a symbolic link, owned "
            "by root with mode 0700, in directories only root can change)",
            cfg->cache_dir, why);
    return OI_CONFIG;
}

void oi_cache_close(struct oi_cache *c)
{
    if (c->dirfd >= 0)
        close(c->dirfd);
    c->dirfd = -1;
    oi_wipe(c->key, sizeof(c->key));
    c->entry[0] = '\0';
}

/* Append a length-prefixed part, so that no two different inputs give the same bytes. */
static void put_part(unsigned char *buf, size_t *o, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                            (unsigned char)n};
    memcpy(buf + *o, len, 4);
    *o += 4;
    if (n)
        memcpy(buf + *o, s, n);
    *o += n;
}

/* Everything that changes whom the module trusts or how it asks, for the names of entries and
 * breakers: a line with a stricter pin or CA must never be answered by a laxer line's entry. */
#define N_TRUST 11
static void trust_parts(const struct oi_config *cfg, const char *parts[N_TRUST])
{
    static const char *auth_names[] = {"none", "basic", "post", "bearer"};
    const char *p[N_TRUST] = {oi_flavor_name(cfg->flavor), auth_names[cfg->auth], cfg->client_id,
                              cfg->secret_file, cfg->ca_file, cfg->ca_dir, cfg->pinned_pubkey,
                              cfg->client_cert, cfg->client_key, cfg->proxy, cfg->allow_http ? "http" : "https"};
    memcpy(parts, p, sizeof(p));
}

/* HMAC under the cache key of label, the trust parts, the extra parts and items: each part
 * length-prefixed, so that no two different inputs give the same bytes. */
static bool keyed_name(const struct oi_cache *c, const struct oi_config *cfg, const char *label,
                       const char *const *extra, size_t n_extra, const struct oi_strlist *items,
                       unsigned char md[32])
{
    const char *parts[N_TRUST];
    trust_parts(cfg, parts);
    size_t total = 4 + strlen(label);
    for (size_t i = 0; i < N_TRUST; i++)
        total += 4 + (parts[i] ? strlen(parts[i]) : 0);
    for (size_t i = 0; i < n_extra; i++)
        total += 4 + (extra[i] ? strlen(extra[i]) : 0);
    for (size_t i = 0; items && i < items->n; i++)
        total += 4 + strlen(items->items[i]);
    unsigned char *buf = malloc(total);
    if (buf == NULL)
        return false;
    size_t o = 0;
    put_part(buf, &o, label);
    for (size_t i = 0; i < N_TRUST; i++)
        put_part(buf, &o, parts[i]);
    for (size_t i = 0; items && i < items->n; i++)
        put_part(buf, &o, items->items[i]);
    for (size_t i = 0; i < n_extra; i++)
        put_part(buf, &o, extra[i]);
    unsigned int mdlen = 0;
    bool ok = HMAC(EVP_sha256(), c->key, OI_CACHE_KEY_BYTES, buf, o, md, &mdlen) != NULL && mdlen == 32;
    oi_wipe(buf, total); /* it holds the token */
    free(buf);
    return ok;
}

int oi_cache_select(struct oi_cache *c, const struct oi_config *cfg, const char *token, const char *scopes)
{
    unsigned char md[32];
    const char *extra[] = {scopes, token};
    if (!keyed_name(c, cfg, "oi-cache-key 2", extra, 2, &cfg->endpoints, md))
        return -2;
    memcpy(c->entry, ENTRY_PREFIX, 2);
    oi_hex(c->entry + 2, md, 32);
    return 0;
}

/* ---- files ---- */

/* Read a file of the cache directory that only we may have written. -1: absent or unsafe. */
static int read_private(const struct oi_cache *c, const char *name, char **out, size_t *len, struct stat *st)
{
    *out = NULL;
    int fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || (st->st_uid != 0 && st->st_uid != geteuid()) ||
        (st->st_mode & 077) || st->st_size > ENTRY_MAX_BYTES) {
        close(fd);
        return -2; /* present, but not ours: treat as corrupt */
    }
    char *buf = malloc((size_t)st->st_size + 1);
    if (buf == NULL) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < (size_t)st->st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st->st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

/* Write name atomically: a private temporary file renamed into place, its mtime set to
 * keep_until (the sweep removes it after that). */
static int write_private(const struct oi_cache *c, const char *name, const char *data, size_t len,
                         int64_t keep_until)
{
    char tmp[128];
    unsigned char rnd[8];
    char rhex[17];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return -1;
    oi_hex(rhex, rnd, sizeof(rnd));
    snprintf(tmp, sizeof(tmp), TMP_PREFIX "%ld-%s", (long)getpid(), rhex);
    int fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    struct timespec times[2] = {{0, UTIME_NOW}, {(time_t)keep_until, 0}};
    bool ok = done == len && futimens(fd, times) == 0;
    if (close(fd) != 0)
        ok = false;
    if (ok && renameat(c->dirfd, tmp, c->dirfd, name) == 0)
        return 0;
    int saved = errno;
    unlinkat(c->dirfd, tmp, 0);
    errno = saved;
    return -1;
}

/* Parse "<word> <integer>\n" at *p. */
static bool take_number(const char **p, const char *end, const char *word, int64_t *out)
{
    size_t wl = strlen(word);
    if ((size_t)(end - *p) < wl + 2 || memcmp(*p, word, wl) != 0 || (*p)[wl] != ' ')
        return false;
    const char *q = *p + wl + 1;
    int64_t v = 0;
    if (q >= end || *q < '0' || *q > '9')
        return false;
    for (; q < end && *q >= '0' && *q <= '9'; q++) {
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*q - '0');
    }
    if (q >= end || *q != '\n')
        return false;
    *out = v;
    *p = q + 1;
    return true;
}

/* Check the trailing "mac <hex>\n" line over everything before it. Returns the payload length. */
static bool verify(const struct oi_cache *c, const char *label, const char *name, const char *buf, size_t len,
                   size_t *payload)
{
    size_t tail = 4 + MAC_HEX + 1;
    unsigned char want[32], got[32];
    if (len < tail || memcmp(buf + len - tail, "mac ", 4) != 0 || buf[len - 1] != '\n' ||
        !oi_unhex(got, buf + len - tail + 4, 32))
        return false;
    *payload = len - tail;
    return mac(c, label, name, buf, *payload, want) && CRYPTO_memcmp(want, got, 32) == 0;
}

/* Parse an authentic entry file. false: corrupt. */
static bool parse_entry(const struct oi_cache *c, const char *name, const char *buf, size_t len,
                        struct oi_cache_entry *e)
{
    size_t payload;
    int64_t verdict, blen;
    memset(e, 0, sizeof(*e));
    if (!verify(c, "entry", name, buf, len, &payload))
        return false;
    const char *p = buf, *end = buf + payload;
    size_t ml = strlen(ENTRY_MAGIC);
    if (payload < ml || memcmp(p, ENTRY_MAGIC, ml) != 0)
        return false;
    p += ml;
    if (!take_number(&p, end, "fetched", &e->fetched) || !take_number(&p, end, "exp", &e->exp) ||
        !take_number(&p, end, "allow", &verdict) || verdict > 1 || !take_number(&p, end, "body", &blen) ||
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

enum oi_cache_state oi_cache_get(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg,
                                 int64_t now, struct oi_cache_entry *e)
{
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    memset(e, 0, sizeof(*e));
    int rc = read_private(c, c->entry, &buf, &len, &st);
    if (rc == -1)
        return OI_CE_NONE;
    if (rc == -2 || !parse_entry(c, c->entry, buf, len, e)) {
        oi_logf(lg, LOG_WARNING, "cache entry %.18s... in %s is corrupt or not ours: ignored and removed",
                c->entry, cfg->cache_dir);
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
        bool entry = strncmp(n, ENTRY_PREFIX, 2) == 0, tmp = strncmp(n, TMP_PREFIX, 5) == 0;
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
    unsigned char m[32];
    char hex[MAC_HEX + 1];
    if (mac(c, "entry", c->entry, buf, o, m)) {
        oi_hex(hex, m, 32);
        o += (size_t)snprintf(buf + o, cap - o, "mac %s\n", hex);
        if (write_private(c, c->entry, buf, o, keep) != 0)
            oi_logf(lg, LOG_WARNING, "cache_dir %s: cannot store an answer: %s", cfg->cache_dir, strerror(errno));
    }
    free(buf);
    maintain(c, cfg, now);
}

/* ---- circuit breaker ---- */

/* A breaker per URL and per way of reaching it (a failing pin must not skip a good line). */
static bool breaker_name(const struct oi_cache *c, const struct oi_config *cfg, const char *url, char name[40])
{
    unsigned char md[32];
    if (!keyed_name(c, cfg, "oi-breaker 2", &url, 1, NULL, md))
        return false;
    memcpy(name, BREAKER_PREFIX, 2);
    oi_hex(name + 2, md, 16);
    return true;
}

static bool read_breaker(struct oi_cache *c, const char *name, struct oi_breaker_state *st)
{
    char *buf = NULL;
    size_t len = 0, payload;
    struct stat sb;
    int64_t failures = 0, rate_limited = 0;
    memset(st, 0, sizeof(*st));
    if (read_private(c, name, &buf, &len, &sb) != 0)
        return false;
    const char *p = buf, *end;
    size_t ml = strlen(BREAKER_MAGIC);
    bool ok = verify(c, "breaker", name, buf, len, &payload) && payload >= ml && memcmp(p, BREAKER_MAGIC, ml) == 0;
    end = buf + (ok ? payload : 0);
    p += ml;
    ok = ok && take_number(&p, end, "failures", &failures) && failures < 1000000 &&
         take_number(&p, end, "open_until_ms", &st->open_until_ms) &&
         take_number(&p, end, "rate_limited", &rate_limited) && rate_limited <= 1 && p == end;
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
                       long retry_after_ms, struct oi_breaker_state *st)
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
    char buf[256];
    int n = snprintf(buf, sizeof(buf), BREAKER_MAGIC "failures %u\nopen_until_ms %lld\nrate_limited %d\n",
                     st->failures, (long long)st->open_until_ms, st->rate_limited);
    unsigned char m[32];
    char hex[MAC_HEX + 1];
    if (!mac(c, "breaker", name, buf, (size_t)n, m))
        return;
    oi_hex(hex, m, 32);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, "mac %s\n", hex);
    /* Kept a day after the last failure, then swept. */
    write_private(c, name, buf, (size_t)n, now_ms / 1000 + 86400);
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
        struct stat st;
        struct oi_cache_entry e;
        memset(&e, 0, sizeof(e));
        int rc = read_private(c, de->d_name, &buf, &len, &st);
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

static void count_one(struct oi_cache *c, void *arg, const char *name, const struct oi_cache_entry *e,
                      size_t size)
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

static void flush_one(struct oi_cache *c, void *arg, const char *name, const struct oi_cache_entry *e,
                      size_t size)
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
        rc = walk(c, BREAKER_PREFIX, flush_one, &a);
    *removed = a.removed;
    return rc;
}
