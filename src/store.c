#include <config.h>

#include "store.h"

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

#define MAC_HEX (2 * 32)

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

enum oi_reason oi_cache_open(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg)
{
    memset(c, 0, sizeof(*c));
    c->dirfd = -1;
    return oi_private_keyed_dir(lg, "cache_dir", cfg->cache_dir, OI_CACHE_KEY_FILE, c->key, &c->dirfd);
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
    const char *p[N_TRUST] = {oi_flavor_name(cfg->flavor),
                              oi_auth_name(cfg->auth),
                              cfg->client_id,
                              cfg->secret_file,
                              cfg->ca_file,
                              cfg->ca_dir,
                              cfg->pinned_pubkey,
                              cfg->client_cert,
                              cfg->client_key,
                              cfg->proxy,
                              cfg->allow_http ? "http" : "https"};
    memcpy(parts, p, sizeof(p));
}

bool oi_store_name(const struct oi_cache *c, const struct oi_config *cfg, const char *label, const char *const *extra,
                   size_t n_extra, const struct oi_strlist *items, unsigned char md[32])
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

int oi_store_read(const struct oi_cache *c, const char *name, char **out, size_t *len)
{
    struct stat sb, *st = &sb;
    *out = NULL;
    int fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || (st->st_uid != 0 && st->st_uid != geteuid()) ||
        (st->st_mode & 077) || st->st_size > OI_STORE_MAX_BYTES) {
        close(fd);
        return -2; /* present, but not ours: treat as corrupt */
    }
    char *buf = malloc((size_t)st->st_size + 1);
    if (buf == NULL) {
        close(fd);
        return -1;
    }
    ssize_t got = oi_read_full(fd, buf, (size_t)st->st_size);
    close(fd);
    if (got < 0)
        got = 0; /* read as empty: not authentic, so never trusted */
    buf[got] = '\0';
    *out = buf;
    *len = (size_t)got;
    return 0;
}

int oi_store_write(const struct oi_cache *c, const char *name, const char *data, size_t len, int64_t keep_until)
{
    char tmp[128];
    unsigned char rnd[8];
    char rhex[17];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return -1;
    oi_hex(rhex, rnd, sizeof(rnd));
    snprintf(tmp, sizeof(tmp), OI_STORE_TMP_PREFIX "%ld-%s", (long)getpid(), rhex);
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

bool oi_store_number(const char **p, const char *end, const char *word, int64_t *out)
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

bool oi_store_verify(const struct oi_cache *c, const char *label, const char *name, const char *buf, size_t len,
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

bool oi_store_sign(const struct oi_cache *c, const char *label, const char *name, char *buf, size_t *len, size_t cap)
{
    unsigned char m[32];
    char hex[MAC_HEX + 1];
    if (*len + 5 + MAC_HEX + 1 > cap || !mac(c, label, name, buf, *len, m))
        return false;
    oi_hex(hex, m, sizeof(m));
    *len += (size_t)snprintf(buf + *len, cap - *len, "mac %s\n", hex);
    return true;
}
