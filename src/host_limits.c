#include <config.h>

#include "host_limits.h"
#include "files.h"
#include "hostkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "oi-lim2"
#define MAX_REFILL_MS (24LL * 3600 * 1000) /* bounds the arithmetic after a clock jump */
#define ONE 60000LL                        /* one request in the bucket's units */

/* The file, written in place under flock; a torn write (a crash) fails the check and the state
 * starts again with a full bucket, which costs at most one burst. */
struct limits_file {
    char magic[8];
    uint32_t size;
    uint32_t pad;
    int64_t bucket; /* in 1/60000 of a request: a minute's refill of rate r is exactly 60000 r ms */
    int64_t refilled_ms;
    uint64_t admitted, refused_budget, refused_damped;
    uint64_t refused_junk;
    struct oi_limits_source src[OI_LIMITS_SOURCES];
    struct {
        unsigned char mac[OI_JUNK_MAC];
        int64_t until_ms;
    } junk[OI_LIMITS_JUNK];
    uint64_t check;
};

struct limits {
    int dirfd, fd;
    struct limits_file f;
};

static uint64_t checksum(const struct limits_file *f)
{
    const unsigned char *p = (const unsigned char *)f;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < offsetof(struct limits_file, check); i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void fresh(const struct oi_config *cfg, int64_t now_ms, struct limits_file *f)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->magic, MAGIC, sizeof(MAGIC));
    f->size = sizeof(*f);
    f->bucket = cfg->budget_burst * ONE;
    f->refilled_ms = now_ms;
}

static bool enabled(const struct oi_config *cfg)
{
    return cfg->budget_per_minute > 0 || cfg->damp_after > 0 || cfg->junk_ttl > 0;
}

static bool zero_mac(const unsigned char mac[OI_JUNK_MAC])
{
    unsigned char any = 0;
    for (size_t i = 0; i < OI_JUNK_MAC; i++)
        any |= mac[i];
    return any == 0;
}

/* Is mac remembered as junk at now_ms? */
static bool junk_known(const struct limits_file *f, const unsigned char mac[OI_JUNK_MAC], int64_t now_ms)
{
    for (size_t i = 0; i < OI_LIMITS_JUNK; i++)
        if (f->junk[i].until_ms > now_ms && memcmp(f->junk[i].mac, mac, OI_JUNK_MAC) == 0)
            return true;
    return false;
}

/* Remember mac until until_ms, in its own slot, a free or ended one, or the one that ends first. */
static void junk_remember(struct limits_file *f, const unsigned char mac[OI_JUNK_MAC], int64_t now_ms, int64_t until_ms)
{
    size_t at = 0;
    for (size_t i = 0; i < OI_LIMITS_JUNK; i++) {
        if (memcmp(f->junk[i].mac, mac, OI_JUNK_MAC) == 0) {
            at = i;
            break;
        }
        if (f->junk[i].until_ms <= now_ms || f->junk[i].until_ms < f->junk[at].until_ms)
            at = i;
    }
    memcpy(f->junk[at].mac, mac, OI_JUNK_MAC);
    f->junk[at].until_ms = until_ms;
}

bool oi_limits_junk_mac(const struct oi_hostkey *k, const char *token, const char *scopes,
                        unsigned char mac[OI_JUNK_MAC])
{
    size_t tl = strlen(token), sl = scopes ? strlen(scopes) : 0;
    unsigned char *buf = malloc(tl + 1 + sl), full[32] = {0};
    bool ok = buf != NULL;
    if (ok) {
        memcpy(buf, token, tl);
        buf[tl] = '\0'; /* the token ends here: no token and scopes pair reads as another */
        if (sl > 0)
            memcpy(buf + tl + 1, scopes, sl);
        ok = oi_hostkey_mac(k, "junk", buf, tl + 1 + sl, full);
        oi_wipe(buf, tl + 1 + sl);
        free(buf);
    }
    if (ok)
        memcpy(mac, full, OI_JUNK_MAC);
    else
        memset(mac, 0, OI_JUNK_MAC); /* all zero: never looked up, never remembered */
    oi_wipe(full, sizeof(full));
    return ok;
}

/* Open and lock state_dir's limits file and read it; a missing or unreadable state is fresh. */
static enum oi_reason limits_open(const struct oi_config *cfg, const struct oi_log *lg, int64_t now_ms,
                                  struct limits *l)
{
    char why[300];
    struct stat st;
    l->fd = -1;
    l->dirfd = oi_private_dir_open(cfg->state_dir, why, sizeof(why));
    if (l->dirfd < 0) {
        oi_logf(lg, LOG_ERR, "configuration error: state_dir %s: %s", cfg->state_dir, why);
        return OI_CONFIG;
    }
    l->fd = openat(l->dirfd, OI_LIMITS_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
    const char *bad = NULL;
    if (l->fd < 0)
        bad = strerror(errno);
    else if (fstat(l->fd, &st) != 0 || !S_ISREG(st.st_mode))
        bad = "is not a regular file";
    else if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
        bad = "is not owned by this user with mode 0600";
    else if (flock(l->fd, LOCK_EX) != 0)
        bad = strerror(errno);
    if (bad != NULL) {
        oi_logf(lg, LOG_ERR, "configuration error: state_dir %s: %s %s (remove it; it is made again)", cfg->state_dir,
                OI_LIMITS_FILE, bad);
        return OI_CONFIG;
    }
    ssize_t n = pread(l->fd, &l->f, sizeof(l->f), 0);
    if (n != (ssize_t)sizeof(l->f) || memcmp(l->f.magic, MAGIC, sizeof(MAGIC)) != 0 || l->f.size != sizeof(l->f) ||
        l->f.check != checksum(&l->f)) {
        if (n != 0)
            oi_logf(lg, LOG_WARNING, "state_dir %s: %s was unreadable (a crash?): started again", cfg->state_dir,
                    OI_LIMITS_FILE);
        fresh(cfg, now_ms, &l->f);
    }
    for (size_t i = 0; i < OI_LIMITS_SOURCES; i++)
        l->f.src[i].key[OI_LIMITS_KEY - 1] = '\0';
    return OI_OK;
}

static void limits_close(struct limits *l, bool write)
{
    if (write && l->fd >= 0) {
        l->f.check = checksum(&l->f);
        if (pwrite(l->fd, &l->f, sizeof(l->f), 0) != (ssize_t)sizeof(l->f))
            (void)ftruncate(l->fd, 0); /* read as fresh next time */
    }
    if (l->fd >= 0)
        close(l->fd); /* releases the lock */
    if (l->dirfd >= 0)
        close(l->dirfd);
    l->fd = l->dirfd = -1;
}

static void refill(const struct oi_config *cfg, int64_t now_ms, struct limits_file *f)
{
    int64_t cap = cfg->budget_burst * ONE, elapsed = now_ms - f->refilled_ms;
    if (elapsed < 0)
        elapsed = 0; /* the clock went back: no refill, and count from now */
    if (elapsed > MAX_REFILL_MS)
        elapsed = MAX_REFILL_MS;
    f->bucket += elapsed * cfg->budget_per_minute; /* exact: nothing is lost between frequent calls */
    if (f->bucket > cap || f->bucket < 0)
        f->bucket = f->bucket < 0 ? 0 : cap;
    f->refilled_ms = now_ms;
}

/* key's slot; when create, an empty one or the one least recently used that is not damped (all
 * damped: the least recently used). NULL when absent and !create. */
static struct oi_limits_source *slot(struct limits_file *f, const char *key, int64_t now_ms, bool create)
{
    struct oi_limits_source *free_slot = NULL, *oldest = NULL, *oldest_any = NULL;
    for (size_t i = 0; i < OI_LIMITS_SOURCES; i++) {
        struct oi_limits_source *s = &f->src[i];
        if (s->key[0] == '\0') {
            if (free_slot == NULL)
                free_slot = s;
            continue;
        }
        if (strcmp(s->key, key) == 0)
            return s;
        if (oldest_any == NULL || s->last_ms < oldest_any->last_ms)
            oldest_any = s;
        if (s->damped_until_ms <= now_ms && (oldest == NULL || s->last_ms < oldest->last_ms))
            oldest = s;
    }
    if (!create)
        return NULL;
    struct oi_limits_source *s = free_slot ? free_slot : oldest ? oldest : oldest_any;
    memset(s, 0, sizeof(*s));
    snprintf(s->key, sizeof(s->key), "%s", key);
    return s;
}

static int64_t damp_ms(const struct oi_config *cfg, uint32_t over)
{
    int64_t ms = (int64_t)OI_DAMP_BASE_S * 1000, max = cfg->damp_max * 1000;
    for (uint32_t i = 0; i < over && ms < max; i++)
        ms *= 2;
    return ms < max ? ms : max;
}

static bool known(const char *item)
{
    return item != NULL && *item != '\0' && strcmp(item, "-") != 0;
}

void oi_limits_source(char key[OI_LIMITS_KEY], const char *rhost, const char *ruser, const char *user)
{
    if (known(rhost))
        snprintf(key, OI_LIMITS_KEY, "rhost=%s", rhost);
    else if (known(ruser))
        snprintf(key, OI_LIMITS_KEY, "ruser=%s", ruser);
    else
        snprintf(key, OI_LIMITS_KEY, "user=%s", user ? user : "");
}

enum oi_reason oi_limits_admit(const struct oi_config *cfg, const struct oi_log *lg, const char *key,
                               const unsigned char junk[OI_JUNK_MAC], int64_t now_ms, struct oi_limits_ticket *t)
{
    memset(t, 0, sizeof(*t));
    if (!enabled(cfg))
        return OI_OK;
    struct limits l;
    enum oi_reason r = limits_open(cfg, lg, now_ms, &l);
    if (r != OI_OK) {
        limits_close(&l, false);
        return r;
    }
    char shown[OI_LIMITS_KEY * 4];
    oi_printable(shown, sizeof(shown), key, strlen(key));
    struct oi_limits_source *s = cfg->damp_after > 0 ? slot(&l.f, key, now_ms, true) : NULL;
    if (cfg->junk_ttl > 0 && !zero_mac(junk) && junk_known(&l.f, junk, now_ms)) {
        l.f.refused_junk++;
        oi_logf(lg, LOG_NOTICE,
                "introspection not attempted: the server answered inactive for this token less than junk_ttl "
                "(%ld s) ago",
                cfg->junk_ttl);
        r = OI_INACTIVE;
    } else if (s != NULL && now_ms < s->damped_until_ms) {
        l.f.refused_damped++;
        oi_logf(lg, LOG_NOTICE,
                "introspection not attempted: the source %s is damped for %lld s more, after %u requests refused "
                "since its last login (damp_after=%ld); `oauth2-introspect limits clear` lifts it",
                shown, (long long)((s->damped_until_ms - now_ms + 999) / 1000), s->strikes, cfg->damp_after);
        r = OI_DAMPED;
    } else if (cfg->budget_per_minute > 0 && (refill(cfg, now_ms, &l.f), l.f.bucket < ONE)) {
        l.f.refused_budget++;
        oi_logf(lg, LOG_WARNING,
                "introspection not attempted: this host's request budget for unknown tokens is spent "
                "(budget_per_minute=%ld, budget_burst=%ld); a flood of junk tokens? `oauth2-introspect limits` "
                "shows its sources",
                cfg->budget_per_minute, cfg->budget_burst);
        r = OI_OVER_BUDGET;
    } else {
        if (cfg->budget_per_minute > 0)
            l.f.bucket -= ONE;
        l.f.admitted++;
        if (s != NULL) {
            s->strikes++;
            s->last_ms = now_ms;
            /* At damp_after this request is the last before a pause; later ones each probe once. */
            if (s->strikes >= (uint32_t)cfg->damp_after)
                s->damped_until_ms = now_ms + damp_ms(cfg, s->strikes - (uint32_t)cfg->damp_after);
        }
        t->admitted = true;
        snprintf(t->key, sizeof(t->key), "%s", key);
        memcpy(t->junk, junk, OI_JUNK_MAC);
    }
    limits_close(&l, true);
    return r;
}

void oi_limits_settle(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_limits_ticket *t,
                      enum oi_limits_result result, int64_t now_ms)
{
    bool junk = result == OI_LIMITS_INACTIVE && cfg->junk_ttl > 0 && !zero_mac(t->junk);
    if (!t->admitted || (cfg->damp_after == 0 && !junk) || (result == OI_LIMITS_REFUSED))
        return;
    struct limits l;
    enum oi_reason r = limits_open(cfg, lg, now_ms, &l);
    struct oi_limits_source *s = r == OI_OK && cfg->damp_after > 0 ? slot(&l.f, t->key, now_ms, false) : NULL;
    if (r == OI_OK && junk)
        junk_remember(&l.f, t->junk, now_ms, now_ms + cfg->junk_ttl * 1000);
    if (s != NULL && result == OI_LIMITS_ALLOWED) {
        s->strikes = 0;
        s->damped_until_ms = 0;
    } else if (s != NULL && result == OI_LIMITS_NO_ANSWER && s->strikes > 0) {
        /* No answer is not the source's doing: the strike goes, and any pause: it may ask again. */
        s->strikes--;
        s->damped_until_ms = 0;
    }
    limits_close(&l, r == OI_OK);
}

enum oi_reason oi_limits_view(const struct oi_config *cfg, const struct oi_log *lg, int64_t now_ms,
                              struct oi_limits_view *v)
{
    struct limits l;
    memset(v, 0, sizeof(*v));
    enum oi_reason r = limits_open(cfg, lg, now_ms, &l);
    if (r == OI_OK) {
        refill(cfg, now_ms, &l.f);
        v->budget_left = (double)l.f.bucket / ONE;
        v->admitted = l.f.admitted;
        v->refused_budget = l.f.refused_budget;
        v->refused_damped = l.f.refused_damped;
        v->refused_junk = l.f.refused_junk;
        for (size_t i = 0; i < OI_LIMITS_JUNK; i++)
            v->n_junk += l.f.junk[i].until_ms > now_ms;
        for (size_t i = 0; i < OI_LIMITS_SOURCES; i++)
            if (l.f.src[i].key[0] != '\0' && l.f.src[i].strikes > 0)
                v->sources[v->n_sources++] = l.f.src[i];
        for (unsigned i = 1; i < v->n_sources; i++) /* insertion sort: at most OI_LIMITS_SOURCES */
            for (unsigned j = i; j > 0 && v->sources[j].strikes > v->sources[j - 1].strikes; j--) {
                struct oi_limits_source tmp = v->sources[j];
                v->sources[j] = v->sources[j - 1];
                v->sources[j - 1] = tmp;
            }
    }
    limits_close(&l, false);
    return r;
}

enum oi_reason oi_limits_clear(const struct oi_config *cfg, const struct oi_log *lg, int64_t now_ms, unsigned *damped)
{
    struct limits l;
    *damped = 0;
    enum oi_reason r = limits_open(cfg, lg, now_ms, &l);
    if (r == OI_OK) {
        for (size_t i = 0; i < OI_LIMITS_SOURCES; i++)
            if (l.f.src[i].key[0] != '\0' && l.f.src[i].damped_until_ms > now_ms)
                (*damped)++;
        fresh(cfg, now_ms, &l.f);
    }
    limits_close(&l, r == OI_OK);
    return r;
}
