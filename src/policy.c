#include <config.h>

#include "policy.h"

#include <errno.h>
#include <pwd.h>
#include <regex.h>
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

enum oi_reason oi_expand_scopes(const struct oi_strlist *templates, const struct oi_subject *subj, char **out)
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

bool oi_issuer_matches(const struct oi_jstr *iss, const char *want)
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
        return oi_strlist_contains(want, json_object_get_string(aud), (size_t)json_object_get_string_len(aud));
    for (size_t i = 0; i < json_object_array_length(aud); i++) {
        json_object *a = json_object_array_get_idx(aud, i);
        if (oi_strlist_contains(want, json_object_get_string(a), (size_t)json_object_get_string_len(a)))
            return true;
    }
    return false;
}

static bool has_any_scope(const struct oi_jstr *granted, const char *wanted)
{
    const char *p = wanted;
    while (*p) {
        size_t n = strcspn(p, " ");
        char word[512];
        if (n < sizeof(word)) {
            memcpy(word, p, n);
            word[n] = '\0';
            if (granted->s != NULL && oi_word_in(granted->s, granted->len, word, ' '))
                return true;
        }
        p += n;
        p += *p == ' ';
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

enum oi_reason oi_token_check(const struct oi_config *cfg, const struct oi_token_info *info, int64_t now)
{
    if (!info->active)
        return OI_INACTIVE;
    /* Hydra introspects refresh tokens as active: only token_use tells them apart. */
    if (info->token_use.s != NULL ? !oi_str_eq(info->token_use.s, info->token_use.len, "access_token")
                                  : cfg->flavor != OI_FLAVOR_RFC7662)
        return OI_NOT_ACCESS_TOKEN;
    if ((info->has_nbf && info->nbf > now + cfg->leeway) || (info->has_iat && info->iat > now + cfg->leeway))
        return OI_NOT_YET_VALID;
    if (cfg->issuer != NULL && (info->iss.s == NULL || !oi_issuer_matches(&info->iss, cfg->issuer)))
        return OI_ISSUER;
    if (cfg->audience.n > 0 && (info->aud == NULL || !audience_matches(info->aud, &cfg->audience)))
        return OI_AUDIENCE;
    return OI_OK;
}

void oi_facts_free(struct oi_facts *f)
{
    free(f->claim);
    free(f->client_id);
    free(f->scope);
    memset(f, 0, sizeof(*f));
}

enum oi_reason oi_facts_from_info(const struct oi_config *cfg, const struct oi_token_info *info, struct oi_facts *facts)
{
    struct oi_jstr claim;
    memset(facts, 0, sizeof(*facts));
    if (!oi_claim_string(info, cfg->user_claim, &claim) || memchr(claim.s, '\0', claim.len) != NULL)
        return OI_USER_MISMATCH;
    facts->has_exp = info->has_exp;
    facts->exp = info->exp;
    facts->has_iat = info->has_iat;
    facts->iat = info->iat;
    if (!oi_jstr_dup(&claim, &facts->claim) || !oi_jstr_dup(&info->client_id, &facts->client_id) ||
        !oi_jstr_dup(&info->scope, &facts->scope)) {
        oi_facts_free(facts);
        return OI_NOMEM;
    }
    return OI_OK;
}

/* Does the user_regex rewrite of the claim give the user? The whole claim must match. */
static bool regex_grants(const struct oi_config *cfg, const char *claim, const char *user)
{
    regmatch_t m[2];
    if (regexec(&cfg->user_re, claim, 2, m, 0) != 0 || m[0].rm_so != 0 || (size_t)m[0].rm_eo != strlen(claim))
        return false;
    /* With a group, only the group counts: a group that took no part in the match grants nothing. */
    if (cfg->user_re.re_nsub >= 1 && m[1].rm_so < 0)
        return false;
    regmatch_t g = cfg->user_re.re_nsub >= 1 ? m[1] : m[0];
    size_t n = (size_t)(g.rm_eo - g.rm_so);
    return n == strlen(user) && memcmp(claim + g.rm_so, user, n) == 0;
}

static enum oi_reason map_account(const struct oi_config *cfg, const struct oi_usermap *map,
                                  const struct oi_facts *facts, const struct oi_subject *subj, enum oi_grant *grant)
{
    struct oi_map_query q = {facts->claim, subj->user, subj->service, facts->client_id, facts->scope};
    const struct oi_map_line *line;
    enum oi_reason map_reason = OI_USER_MISMATCH;
    /* Literal lines first: they are the only way to a system account. */
    if (map != NULL && (map_reason = oi_usermap_match(map, &q, true, &line)) == OI_OK) {
        *grant = OI_GRANT_MAP_LITERAL;
        return OI_OK;
    }
    if (cfg->user_regex != NULL) {
        if (regex_grants(cfg, facts->claim, subj->user)) {
            *grant = OI_GRANT_REGEX;
            return OI_OK;
        }
    } else if (map == NULL && strcmp(facts->claim, subj->user) == 0) {
        *grant = OI_GRANT_CLAIM;
        return OI_OK;
    }
    if (map != NULL) {
        enum oi_reason r = oi_usermap_match(map, &q, false, &line);
        if (r == OI_OK) {
            *grant = OI_GRANT_MAP;
            return OI_OK;
        }
        if (r == OI_SCOPE || map_reason == OI_SCOPE)
            return OI_SCOPE;
    }
    return OI_USER_MISMATCH;
}

enum oi_reason oi_authorize(const struct oi_config *cfg, const struct oi_usermap *map, const struct oi_facts *facts,
                            const struct oi_subject *subj, int64_t now, enum oi_grant *grant)
{
    char *required = NULL, *any = NULL;
    enum oi_reason r;

    *grant = OI_GRANT_NONE;
    if (!facts->has_exp || facts->exp + cfg->leeway <= now)
        return OI_EXPIRED;
    if (cfg->max_token_age > 0 && (!facts->has_iat || now - facts->iat > cfg->max_token_age + cfg->leeway))
        return OI_TOKEN_AGE;
    if (!cfg->any_client && (facts->client_id == NULL ||
                             !oi_strlist_contains(&cfg->allowed_clients, facts->client_id, strlen(facts->client_id))))
        return OI_CLIENT;
    struct oi_jstr granted = {facts->scope, facts->scope ? strlen(facts->scope) : 0};
    r = oi_expand_scopes(&cfg->required_scopes, subj, &required);
    if (r == OI_OK && !has_all_scopes(&granted, required))
        r = OI_SCOPE;
    if (r == OI_OK && cfg->any_scopes.n > 0) {
        r = oi_expand_scopes(&cfg->any_scopes, subj, &any);
        if (r == OI_OK && !has_any_scope(&granted, any))
            r = OI_SCOPE;
    }
    free(required);
    free(any);
    if (r != OI_OK)
        return r;
    return map_account(cfg, map, facts, subj, grant);
}

enum oi_reason oi_policy_check(const struct oi_config *cfg, const struct oi_usermap *map,
                               const struct oi_token_info *info, const struct oi_subject *subj, int64_t now,
                               struct oi_facts *facts, enum oi_grant *grant)
{
    struct oi_facts local;
    enum oi_grant local_grant;
    struct oi_facts *f = facts ? facts : &local;
    enum oi_reason r = oi_token_check(cfg, info, now);
    memset(f, 0, sizeof(*f));
    if (r == OI_OK)
        r = oi_facts_from_info(cfg, info, f);
    if (r == OI_OK)
        r = oi_authorize(cfg, map, f, subj, now, grant ? grant : &local_grant);
    if (facts == NULL || r != OI_OK)
        oi_facts_free(f);
    return r;
}

enum oi_reason oi_check_account(const char *user, long min_uid, enum oi_grant grant)
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
    enum oi_reason r = OI_OK;
    /* getpwnam_r reports "no such user" as 0 or one of these (its manual page); anything else
     * is the user database failing, which must not read as a missing account in the log. */
    if (found == NULL && rc != 0 && rc != ENOENT && rc != ESRCH && rc != EBADF && rc != EPERM)
        r = OI_ACCOUNT_LOOKUP;
    else if (found == NULL)
        r = OI_USER_UNKNOWN;
    /* A case-folding source (SSSD with AD) answers "Alice" with the account alice: the login
     * would open alice's session on a decision about the name "Alice". */
    else if (strcmp(pw.pw_name, user) != 0)
        r = OI_ACCOUNT_NAME;
    else if (grant != OI_GRANT_MAP_LITERAL && pw.pw_uid == 0)
        r = OI_ROOT_DENIED;
    else if (grant != OI_GRANT_MAP_LITERAL && (long)pw.pw_uid < min_uid)
        r = OI_SYSTEM_ACCOUNT;
    free(buf);
    return r;
}
