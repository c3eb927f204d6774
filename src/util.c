#include <config.h>

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void oi_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#endif
}

void oi_free_secret(char **s)
{
    if (*s == NULL)
        return;
    oi_wipe(*s, strlen(*s));
    free(*s);
    *s = NULL;
}

const char *oi_skip_prefix(const char *arg, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(arg, prefix, n) == 0 ? arg + n : NULL;
}

bool oi_parse_long(const char *s, long min, long max, long *out)
{
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool oi_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = (int64_t)v;
    return true;
}

enum oi_reason oi_config_fail(struct oi_config_error *err, const char *where, const char *key, const char *fmt, ...)
{
    va_list ap;
    snprintf(err->where, sizeof(err->where), "%s", where);
    snprintf(err->key, sizeof(err->key), "%s", key);
    va_start(ap, fmt);
    vsnprintf(err->what, sizeof(err->what), fmt, ap);
    va_end(ap);
    return OI_CONFIG;
}

bool oi_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return true;
    return false;
}

size_t oi_plain_len(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e)
        i++;
    return i;
}

bool oi_str_eq(const char *a, size_t alen, const char *b)
{
    return a != NULL && b != NULL && alen == strlen(b) && memcmp(a, b, alen) == 0;
}

ssize_t oi_read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

void oi_hex(char *dst, const unsigned char *src, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[src[i] >> 4];
        dst[2 * i + 1] = digits[src[i] & 15];
    }
    dst[2 * n] = '\0';
}

bool oi_unhex(unsigned char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < 2 * n; i++) {
        char ch = src[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0)
            return false;
        if (i % 2 == 0)
            dst[i / 2] = (unsigned char)(v << 4);
        else
            dst[i / 2] |= (unsigned char)v;
    }
    return true;
}

/* A piece of a secret, found by a rolling hash of OI_ECHO_PIECE bytes. */
struct piece {
    uint64_t hash;
    const char *at;
};

#define HASH_BASE UINT64_C(1099511628211)

static int by_hash(const void *a, const void *b)
{
    uint64_t x = ((const struct piece *)a)->hash, y = ((const struct piece *)b)->hash;
    return x < y ? -1 : x > y;
}

static uint64_t window_hash(const unsigned char *p)
{
    uint64_t h = 0;
    for (size_t i = 0; i < OI_ECHO_PIECE; i++)
        h = h * HASH_BASE + p[i];
    return h;
}

bool oi_holds_secret(const char *text, size_t len, const char *const *secrets)
{
    size_t n_pieces = 0;
    for (const char *const *s = secrets; *s != NULL; s++) {
        size_t n = strlen(*s);
        if (n > 0 && n < OI_ECHO_PIECE && memmem(text, len, *s, n) != NULL)
            return true;
        if (n >= OI_ECHO_PIECE)
            n_pieces += n - OI_ECHO_PIECE + 1;
    }
    if (n_pieces == 0 || len < OI_ECHO_PIECE)
        return false;
    struct piece *pieces = malloc(n_pieces * sizeof(*pieces));
    if (pieces == NULL) /* cannot tell: say yes, so that nothing is shown */
        return true;
    size_t k = 0;
    for (const char *const *s = secrets; *s != NULL; s++) {
        size_t n = strlen(*s);
        for (size_t i = 0; n >= OI_ECHO_PIECE && i + OI_ECHO_PIECE <= n; i++)
            pieces[k++] = (struct piece){window_hash((const unsigned char *)*s + i), *s + i};
    }
    qsort(pieces, n_pieces, sizeof(*pieces), by_hash);
    uint64_t top = 1; /* HASH_BASE^(OI_ECHO_PIECE-1): the weight of the byte leaving the window */
    for (size_t i = 1; i < OI_ECHO_PIECE; i++)
        top *= HASH_BASE;
    const unsigned char *t = (const unsigned char *)text;
    uint64_t h = window_hash(t);
    bool found = false;
    for (size_t i = 0; !found; i++) {
        struct piece key = {h, NULL};
        struct piece *hit = bsearch(&key, pieces, n_pieces, sizeof(*pieces), by_hash);
        /* bsearch finds one of the equal hashes: look at all of them. */
        for (struct piece *p = hit; p != NULL && p >= pieces && p->hash == h && !found; p--)
            found = memcmp(p->at, text + i, OI_ECHO_PIECE) == 0;
        for (struct piece *p = hit ? hit + 1 : NULL; p != NULL && p < pieces + n_pieces && p->hash == h && !found; p++)
            found = memcmp(p->at, text + i, OI_ECHO_PIECE) == 0;
        if (i + OI_ECHO_PIECE >= len)
            break;
        h = (h - t[i] * top) * HASH_BASE + t[i + OI_ECHO_PIECE];
    }
    free(pieces);
    return found;
}

enum oi_reason oi_set_string(char **field, const char *value)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return OI_NOMEM;
    free(*field);
    *field = copy;
    return OI_OK;
}

void oi_strlist_free(struct oi_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static size_t trimmed(const char **start, size_t len)
{
    while (len > 0 && isblank((unsigned char)**start)) {
        (*start)++;
        len--;
    }
    while (len > 0 && isblank((unsigned char)(*start)[len - 1]))
        len--;
    return len;
}

enum oi_reason oi_strlist_split(struct oi_strlist *l, const char *s, char sep)
{
    struct oi_strlist out = {0};
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == sep;
    out.items = calloc(count, sizeof(*out.items));
    if (out.items == NULL)
        return OI_NOMEM;
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, sep);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *item = p;
        len = trimmed(&item, len);
        if (len == 0) {
            oi_strlist_free(&out);
            return OI_CONFIG;
        }
        out.items[out.n] = strndup(item, len);
        if (out.items[out.n] == NULL) {
            oi_strlist_free(&out);
            return OI_NOMEM;
        }
        out.n++;
        if (end == NULL)
            break;
        p = end + 1;
    }
    oi_strlist_free(l);
    *l = out;
    return OI_OK;
}

bool oi_strlist_contains(const struct oi_strlist *l, const char *s, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (oi_str_eq(s, len, l->items[i]))
            return true;
    return false;
}

bool oi_word_in(const char *list, size_t list_len, const char *word, char sep)
{
    size_t wlen = strlen(word);
    size_t i = 0;
    while (i < list_len) {
        size_t j = i;
        while (j < list_len && list[j] != sep)
            j++;
        if (j - i == wlen && wlen > 0 && memcmp(list + i, word, wlen) == 0)
            return true;
        i = j + 1;
    }
    return false;
}

void oi_printable(char *dst, size_t dstlen, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; s != NULL && i < len && o + 1 < dstlen; i++)
        dst[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (dstlen > 0)
        dst[o] = '\0';
}

void oi_sanitize(char *dst, size_t dstlen, const char *s, size_t len)
{
    size_t o = 0;
    if (dstlen == 0)
        return;
    if (s == NULL) {
        snprintf(dst, dstlen, "-");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = c > 0x20 && c < 0x7f && c != '\\' && c != '=';
        size_t need = plain ? 1 : 4;
        if (o + need + 1 > dstlen)
            break;
        if (plain)
            dst[o++] = (char)c;
        else
            o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", c);
    }
    dst[o] = '\0';
    if (o == 0)
        snprintf(dst, dstlen, "\"\"");
}

int64_t oi_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int oi_short_hostname(char *buf, size_t len)
{
    if (gethostname(buf, len) != 0)
        return -1;
    buf[len - 1] = '\0';
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = '\0';
    return 0;
}
