#include <config.h>

#include "export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#define MAC_PURPOSE "pam_oauth2_introspect login facts 1"

/* The order of the variables, and of the lines under the MAC after user and service. */
enum { SUB, CLIENT_ID, SCOPE, SID, EXP, FP, AUTH_TIME, N_FACTS };
const char *const oi_export_names[] = {"OAUTH2_SUB",       "OAUTH2_CLIENT_ID", "OAUTH2_SCOPE",
                                       "OAUTH2_SID",       "OAUTH2_EXP",       "OAUTH2_TOKEN_FP",
                                       "OAUTH2_AUTH_TIME", "OAUTH2_MAC",       NULL};
#define MAC_NAME (oi_export_names[N_FACTS])

static bool plain_byte(unsigned char c)
{
    return c >= 0x20 && c <= 0x7e && c != '%';
}

char *oi_export_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += plain_byte(*p) ? 1 : 3;
    char *out = malloc(n + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (plain_byte(*p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int oi_export_decode(const char *s, char **out)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    *out = NULL;
    if (o == NULL)
        return -2;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1, lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
            unsigned char v = (unsigned char)(hi * 16 + lo);
            /* One encoding per value: %XX only for what is never written plain, and no NUL. */
            if (hi < 0 || lo < 0 || v == 0 || (plain_byte(v) && v != '%')) {
                free(o);
                return -1;
            }
            o[k++] = (char)v;
            i += 2;
        } else if (plain_byte(c)) {
            o[k++] = (char)c;
        } else {
            free(o);
            return -1;
        }
    }
    o[k] = '\0';
    *out = o;
    return 0;
}

/* "+value\n" for a value, "-\n" for none: what the MAC covers, unambiguous since encoded values
 * hold no newline. */
static bool append_line(char **buf, size_t *len, const char *encoded)
{
    size_t n = encoded ? strlen(encoded) : 0;
    char *more = realloc(*buf, *len + n + 3);
    if (more == NULL)
        return false;
    *buf = more;
    more[(*len)++] = encoded ? '+' : '-';
    memcpy(more + *len, encoded ? encoded : "", n);
    *len += n;
    more[(*len)++] = '\n';
    return true;
}

/* The MAC over user, service and the encoded values (NULL: absent), as 64 hex digits. */
static bool facts_mac(const struct oi_hostkey *k, const char *user, const char *service,
                      const char *const encoded[N_FACTS], char hex[65])
{
    char *eu = oi_export_encode(user), *es = oi_export_encode(service), *buf = NULL;
    size_t len = 0;
    bool ok = eu && es && append_line(&buf, &len, eu) && append_line(&buf, &len, es);
    for (size_t i = 0; ok && i < N_FACTS; i++)
        ok = append_line(&buf, &len, encoded[i]);
    unsigned char md[32];
    ok = ok && oi_hostkey_mac(k, MAC_PURPOSE, buf, len, md);
    if (ok)
        oi_hex(hex, md, sizeof(md));
    free(eu);
    free(es);
    free(buf);
    return ok;
}

int oi_export_build(const struct oi_hostkey *k, const struct oi_export_facts *f, struct oi_export *e)
{
    char exp[24], auth_time[24];
    snprintf(exp, sizeof(exp), "%lld", (long long)f->exp);
    snprintf(auth_time, sizeof(auth_time), "%lld", (long long)f->auth_time);
    const char *raw[N_FACTS] = {f->sub, f->client_id, f->scope, f->sid, f->exp ? exp : NULL, f->fp, auth_time};
    char *encoded[N_FACTS] = {0};
    char mac[65];
    size_t n = 0, dropped = 0;
    int rc = -2;
    memset(e, 0, sizeof(*e));
    for (size_t i = 0; i < N_FACTS; i++) {
        if (raw[i] == NULL)
            continue;
        if ((encoded[i] = oi_export_encode(raw[i])) == NULL)
            goto out;
        if (strlen(encoded[i]) > OI_EXPORT_MAX_VALUE) {
            e->too_long[dropped++] = oi_export_names[i];
            free(encoded[i]);
            encoded[i] = NULL;
        }
    }
    if (!facts_mac(k, f->user, f->service, (const char *const *)encoded, mac))
        goto out;
    for (size_t i = 0; i <= N_FACTS; i++) {
        const char *v = i == N_FACTS ? mac : encoded[i];
        if (v == NULL)
            continue;
        size_t size = strlen(oi_export_names[i]) + strlen(v) + 2;
        if ((e->vars[n] = malloc(size)) == NULL)
            goto out;
        snprintf(e->vars[n++], size, "%s=%s", oi_export_names[i], v);
    }
    rc = 0;
out:
    for (size_t i = 0; i < N_FACTS; i++)
        free(encoded[i]);
    if (rc != 0)
        oi_export_free(e);
    return rc;
}

void oi_export_free(struct oi_export *e)
{
    for (size_t i = 0; i < sizeof(e->vars) / sizeof(e->vars[0]); i++)
        free(e->vars[i]);
    memset(e, 0, sizeof(*e));
}

int oi_export_read(const struct oi_hostkey *k, const char *user, const char *service,
                   const char *(*get)(void *arg, const char *name), void *arg, struct oi_exported *x, char *why,
                   size_t whylen)
{
    const char *encoded[N_FACTS];
    char mac[65];
    memset(x, 0, sizeof(*x));
    const char *given = get(arg, MAC_NAME);
    if (given == NULL)
        return 1;
    for (size_t i = 0; i < N_FACTS; i++)
        encoded[i] = get(arg, oi_export_names[i]);
    if (!facts_mac(k, user, service, encoded, mac))
        return -2;
    if (strlen(given) != 64 || CRYPTO_memcmp(given, mac, 64) != 0) {
        snprintf(why, whylen, "%s does not match the other OAUTH2_* values, the user and the service", MAC_NAME);
        return -1;
    }
    char **out[] = {&x->sub, &x->client_id, &x->sid};
    const size_t from[] = {SUB, CLIENT_ID, SID};
    for (size_t i = 0; i < 3; i++) {
        int rc = encoded[from[i]] != NULL ? oi_export_decode(encoded[from[i]], out[i]) : 0;
        if (rc != 0) {
            oi_exported_free(x);
            /* Under a valid MAC only this module's own encoding can appear. */
            snprintf(why, whylen, "%s is not in this module's encoding", oi_export_names[from[i]]);
            return rc;
        }
    }
    return 0;
}

void oi_exported_free(struct oi_exported *x)
{
    free(x->sub);
    free(x->client_id);
    free(x->sid);
    memset(x, 0, sizeof(*x));
}
