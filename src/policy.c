#include <config.h>

#include "policy.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* RFC 6749 3.3 scope-token: %x21 / %x23-5B / %x5D-7E */
static bool is_scope_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

/* What %c stands for; NULL for an escape that does not exist. */
static const char *expansion(char c, const struct oi_subject *subj)
{
    switch (c) {
    case 'u':
        return subj->user ? subj->user : "";
    case 's':
        return subj->service ? subj->service : "";
    case 'h':
        return subj->host ? subj->host : "";
    case '%':
        return "%";
    default:
        return NULL;
    }
}

enum oi_reason oi_expand_scopes(const struct oi_strlist *templates, const struct oi_subject *subj,
                                char **out)
{
    *out = NULL;
    size_t size = 1 + templates->n; /* separators and the NUL */
    for (size_t i = 0; i < templates->n; i++)
        for (const char *p = templates->items[i]; *p; p++) {
            if (*p != '%') {
                size++;
                continue;
            }
            const char *v = expansion(*++p, subj);
            if (v == NULL)
                return OI_SCOPE; /* config validation refuses these; never read past the end */
            size += strlen(v);
        }
    char *buf = calloc(1, size);
    if (buf == NULL)
        return OI_NOMEM;
    size_t o = 0;
    for (size_t i = 0; i < templates->n; i++) {
        if (i > 0)
            buf[o++] = ' ';
        size_t start = o;
        for (const char *p = templates->items[i]; *p; p++) {
            if (*p == '%') {
                const char *v = expansion(*++p, subj);
                memcpy(buf + o, v, strlen(v));
                o += strlen(v);
            } else {
                buf[o++] = *p;
            }
        }
        if (o == start)
            goto bad;
        for (size_t j = start; j < o; j++)
            if (!is_scope_char((unsigned char)buf[j]))
                goto bad;
    }
    buf[o] = '\0';
    *out = buf;
    return OI_OK;
bad:
    free(buf);
    return OI_SCOPE;
}

/* Issuers compare equal ignoring one trailing slash: Hydra v1 forces one, v2 keeps the configured form. */
static bool issuer_matches(const struct oi_jstr *iss, const char *want)
{
    size_t a = iss->len, b = strlen(want);
    if (a > 0 && iss->s[a - 1] == '/')
        a--;
    if (b > 0 && want[b - 1] == '/')
        b--;
    return a == b && memcmp(iss->s, want, a) == 0;
}

static bool audience_matches(json_object *aud, const struct oi_strlist *want)
{
    if (json_object_is_type(aud, json_type_string))
        return oi_strlist_contains(want, json_object_get_string(aud),
                                   (size_t)json_object_get_string_len(aud));
    for (size_t i = 0; i < json_object_array_length(aud); i++) {
        json_object *a = json_object_array_get_idx(aud, i);
        if (oi_strlist_contains(want, json_object_get_string(a), (size_t)json_object_get_string_len(a)))
            return true;
    }
    return false;
}

static bool has_all_scopes(const struct oi_jstr *granted, const char *required)
{
    const char *p = required;
    while (*p) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char word[512];
        if (n >= sizeof(word))
            return false;
        memcpy(word, p, n);
        word[n] = '\0';
        if (granted->s == NULL || !oi_word_in(granted->s, granted->len, word, ' '))
            return false;
        p += n;
        if (*p == ' ')
            p++;
    }
    return true;
}

enum oi_reason oi_policy_check(const struct oi_config *cfg, const struct oi_token_info *info,
                               const struct oi_subject *subj, const char *scopes, int64_t now)
{
    if (!info->active)
        return OI_INACTIVE;
    /* Hydra introspects refresh tokens as active: only token_use tells them apart. */
    if (info->token_use.s != NULL ? !oi_str_eq(info->token_use.s, info->token_use.len, "access_token")
                                  : cfg->flavor != OI_FLAVOR_RFC7662)
        return OI_NOT_ACCESS_TOKEN;
    if (!info->has_exp || info->exp + cfg->leeway <= now)
        return OI_EXPIRED;
    if ((info->has_nbf && info->nbf > now + cfg->leeway) || (info->has_iat && info->iat > now + cfg->leeway))
        return OI_NOT_YET_VALID;
    if (cfg->issuer != NULL && (info->iss.s == NULL || !issuer_matches(&info->iss, cfg->issuer)))
        return OI_ISSUER;
    if (cfg->audience.n > 0 && (info->aud == NULL || !audience_matches(info->aud, &cfg->audience)))
        return OI_AUDIENCE;
    if (!cfg->any_client &&
        (info->client_id.s == NULL ||
         !oi_strlist_contains(&cfg->allowed_clients, info->client_id.s, info->client_id.len)))
        return OI_CLIENT;
    if (scopes != NULL && !has_all_scopes(&info->scope, scopes))
        return OI_SCOPE;
    struct oi_jstr claim;
    if (!oi_claim_string(info, cfg->user_claim, &claim) || !oi_str_eq(claim.s, claim.len, subj->user))
        return OI_USER_MISMATCH;
    return OI_OK;
}

enum oi_reason oi_check_account(const char *user)
{
    struct passwd pw, *found = NULL;
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t buflen = size > 0 ? (size_t)size : 16384;
    char *buf = NULL;
    int rc;
    do {
        char *bigger = realloc(buf, buflen);
        if (bigger == NULL) {
            free(buf);
            return OI_NOMEM;
        }
        buf = bigger;
        rc = getpwnam_r(user, &pw, buf, buflen, &found);
        buflen *= 2;
    } while (rc == ERANGE && buflen <= 1024 * 1024);
    enum oi_reason r = found == NULL ? OI_USER_UNKNOWN : pw.pw_uid == 0 ? OI_ROOT_DENIED : OI_OK;
    free(buf);
    return r;
}
