#include <config.h>

#include "login.h"
#include "http.h"
#include "introspect.h"
#include "precheck.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static bool is_json_content_type(const char *ct)
{
    const char *p = ct;
    if (strncasecmp(p, "application/json", 16) != 0)
        return false;
    p += 16;
    return *p == '\0' || *p == ';' || *p == ' ';
}

/* Does text hold the token, or any 16-character piece of it (a truncated copy)? */
static bool holds_token(const char *text, size_t tlen, const char *token)
{
    enum { PIECE = 16 };
    size_t n = strlen(token);
    if (n < PIECE)
        return n > 0 && memmem(text, tlen, token, n) != NULL;
    for (size_t i = 0; i + PIECE <= n; i++)
        if (memmem(text, tlen, token + i, PIECE) != NULL)
            return true;
    return false;
}

/* Server-supplied text (header, error field, claim) for a log line: sanitised, and withheld when
 * a broken or hostile server echoed the token into it. */
static void server_text(char *dst, size_t dstlen, const char *s, size_t len, const char *token)
{
    oi_sanitize(dst, dstlen, s, len);
    /* Both forms: the raw text, and the sanitised one a truncated copy may hide in. */
    if (s != NULL && (holds_token(s, len, token) || holds_token(dst, strlen(dst), token)))
        snprintf(dst, dstlen, "(withheld:token-echo)");
}

/* The server's "error" field, if any, for the log line; never the body itself. */
static void server_error(const struct oi_http_response *resp, const char *token, char *out, size_t outlen)
{
    struct oi_token_info info;
    char why[64];
    struct oi_jstr e = {0};
    snprintf(out, outlen, "-");
    oi_parse_answer(resp->body, resp->len, &info, why, sizeof(why));
    if (info.root && json_object_is_type(info.root, json_type_object)) {
        json_object *v;
        if (json_object_object_get_ex(info.root, "error", &v) && json_object_is_type(v, json_type_string)) {
            e.s = json_object_get_string(v);
            e.len = (size_t)json_object_get_string_len(v);
            server_text(out, outlen, e.s, e.len < 100 ? e.len : 100, token);
        }
    }
    oi_token_info_free(&info);
}

static enum oi_reason classify_answer(const struct oi_config *cfg, const struct oi_log *lg,
                                      const struct oi_http_response *resp, const char *token)
{
    const char *url = cfg->introspect_url;
    if (resp->status == 200 && is_json_content_type(resp->content_type))
        return OI_OK;
    if (resp->status == 200) {
        char ct[140];
        server_text(ct, sizeof(ct), resp->content_type, strlen(resp->content_type), token);
        oi_logf(lg, LOG_ERR, "introspection at %s: answer is not application/json (Content-Type %s)", url, ct);
        return OI_BAD_ANSWER;
    }
    char err[128];
    server_error(resp, token, err, sizeof(err));
    if (resp->status >= 300 && resp->status < 400) {
        char loc[300];
        server_text(loc, sizeof(loc), resp->location, strlen(resp->location), token);
        oi_logf(lg, LOG_ERR,
                "introspection at %s: HTTP %ld to %s: redirects are not followed; for Hydra v2 set "
                "admin_url so that the /admin path is called",
                url, resp->status, loc);
    } else if (resp->status == 429) {
        char reset[40];
        server_text(reset, sizeof(reset), resp->ratelimit_reset, strlen(resp->ratelimit_reset), token);
        oi_logf(lg, LOG_ERR, "introspection at %s: HTTP 429 rate limited (x-ratelimit-reset %s)", url,
                reset);
    } else {
        oi_logf(lg, LOG_ERR, "introspection at %s: HTTP %ld (error %s)", url, resp->status, err);
    }
    return OI_HTTP_STATUS;
}

/* Ask the server about token; on OI_OK info holds the parsed answer. */
static enum oi_reason introspect(const struct oi_config *cfg, const struct oi_log *lg, const char *token,
                                 const char *scopes, struct oi_token_info *info)
{
    char *secret = NULL, *form = NULL, *authz = NULL;
    struct oi_http_response resp = {0};
    enum oi_reason reason = OI_NOMEM;
    struct oi_config_error cerr;
    char err[512];

    if (cfg->auth != OI_AUTH_NONE) {
        int rc = oi_config_read_secret(cfg, &secret, &cerr);
        if (rc != 0) {
            if (rc == -1)
                oi_logf(lg, LOG_ERR, "configuration error: secret_file: %s", cerr.what);
            reason = rc == -1 ? OI_CONFIG : OI_NOMEM;
            goto out;
        }
    }
    form = oi_build_form(cfg, token, scopes, secret);
    authz = oi_build_authorization(cfg, secret);
    if (form == NULL || ((cfg->auth == OI_AUTH_BASIC || cfg->auth == OI_AUTH_BEARER) && authz == NULL))
        goto out;
    struct oi_http_request req = {"POST", cfg->introspect_url, form, authz};
    switch (oi_http_perform(cfg, &req, &resp, err, sizeof(err))) {
    case OI_HTTP_NOMEM:
        reason = OI_NOMEM;
        goto out;
    case OI_HTTP_UNAVAILABLE:
        oi_logf(lg, LOG_ERR, "introspection at %s failed: %s", cfg->introspect_url, err);
        reason = OI_UNAVAILABLE;
        goto out;
    case OI_HTTP_TOO_LARGE:
        oi_logf(lg, LOG_ERR, "introspection at %s: %s", cfg->introspect_url, err);
        reason = OI_BAD_ANSWER;
        goto out;
    case OI_HTTP_OK:
        break;
    }
    oi_debug(lg, "introspection answered HTTP %ld, %zu bytes, in %.1f ms", resp.status, resp.len,
             resp.total_seconds * 1000.0);
    reason = classify_answer(cfg, lg, &resp, token);
    if (reason != OI_OK)
        goto out;
    char why[160];
    reason = oi_parse_answer(resp.body, resp.len, info, why, sizeof(why));
    if (reason != OI_OK)
        oi_logf(lg, LOG_ERR, "introspection at %s: unusable answer: %s", cfg->introspect_url, why);
out:
    oi_free_secret(&secret);
    oi_free_secret(&form);
    oi_free_secret(&authz);
    oi_http_response_free(&resp);
    return reason;
}

void oi_outcome_init(struct oi_outcome *out, enum oi_reason reason)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->fp, sizeof(out->fp), "-");
    snprintf(out->sub, sizeof(out->sub), "-");
    snprintf(out->client_id, sizeof(out->client_id), "-");
    out->reason = reason;
    out->pam_code = oi_reason_pam_code(reason);
}

void oi_outcome_free(struct oi_outcome *out)
{
    oi_facts_free(&out->facts);
    char **owned[] = {&out->subject, &out->sid, &out->claim, &out->scope};
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
        free(*owned[i]);
        *owned[i] = NULL;
    }
}

/* What the answer says, kept for the caller whatever the decision. */
static enum oi_reason keep_answer(const struct oi_config *cfg, const struct oi_token_info *info,
                                  const char *token, struct oi_outcome *out)
{
    struct oi_jstr claim = {0}, sid = {0};
    oi_claim_string(info, cfg->user_claim, &claim);
    if (cfg->sid_claim != NULL)
        oi_claim_string(info, cfg->sid_claim, &sid);
    out->has_exp = info->has_exp;
    char **kept[] = {&out->subject, &out->sid, &out->claim, &out->scope};
    const struct oi_jstr *from[] = {&info->sub, &sid, &claim, &info->scope};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (!oi_jstr_dup(from[i], kept[i]))
            return OI_NOMEM;
        /* These reach the tool's output and the PAM environment: never an echoed token. */
        if (*kept[i] != NULL && holds_token(*kept[i], strlen(*kept[i]), token)) {
            free(*kept[i]);
            if ((*kept[i] = strdup("(withheld:token-echo)")) == NULL)
                return OI_NOMEM;
        }
    }
    return OI_OK;
}

/* The user map, when configured; a map that cannot be read is a configuration error. */
static enum oi_reason load_map(const struct oi_config *cfg, const struct oi_log *lg,
                               struct oi_usermap *map)
{
    struct oi_config_error err;
    memset(map, 0, sizeof(*map));
    if (cfg->user_map == NULL)
        return OI_OK;
    int rc = oi_usermap_load(map, cfg->user_map, &err);
    if (rc == -1)
        oi_logf(lg, LOG_ERR, "configuration error: %s: %s: %s", err.where, err.key, err.what);
    return rc == 0 ? OI_OK : rc == -1 ? OI_CONFIG : OI_NOMEM;
}

enum oi_reason oi_login_recheck(const struct oi_config *cfg, const struct oi_log *lg,
                                const struct oi_subject *subj, const struct oi_facts *facts)
{
    struct oi_usermap map;
    enum oi_grant grant;
    enum oi_reason r = load_map(cfg, lg, &map);
    if (r == OI_OK)
        r = oi_authorize(cfg, cfg->user_map ? &map : NULL, facts, subj, (int64_t)time(NULL), &grant);
    if (r == OI_OK)
        r = oi_check_account(subj->user, cfg->min_uid, grant);
    oi_usermap_free(&map);
    return r;
}

void oi_login_decide(const struct oi_config *cfg, const struct oi_log *lg,
                     const struct oi_subject *subj, const char *token, struct oi_outcome *out)
{
    struct oi_token_info info = {0};
    struct oi_usermap map = {0};
    char *scopes = NULL;
    enum oi_reason reason;

    oi_outcome_init(out, OI_NO_TOKEN);

    /* A secret that fails the precheck may be a password: no fingerprint of it is ever logged. */
    reason = oi_precheck(cfg, token);
    if (reason != OI_OK)
        goto out;
    oi_fingerprint(token, out->fp);
    if (cfg->allow_http && oi_skip_prefix(cfg->introspect_url, "http://"))
        oi_logf(lg, LOG_WARNING, "allow_http: the token is sent unencrypted to %s", cfg->introspect_url);
    if (cfg->any_client)
        oi_logf(lg, LOG_WARNING, "allowed_clients=*: tokens of any OAuth client may log in");

    reason = load_map(cfg, lg, &map);
    if (reason == OI_OK)
        reason = oi_expand_scopes(&cfg->required_scopes, subj, &scopes);
    if (reason != OI_OK)
        goto out;
    reason = introspect(cfg, lg, token, scopes, &info);
    if (reason != OI_OK)
        goto out;
    server_text(out->sub, sizeof(out->sub), info.sub.s, info.sub.len, token);
    server_text(out->client_id, sizeof(out->client_id), info.client_id.s, info.client_id.len, token);
    out->exp = info.exp;
    if (info.active)
        reason = keep_answer(cfg, &info, token, out);
    if (reason != OI_OK)
        goto out;
    enum oi_grant grant = OI_GRANT_NONE;
    reason = oi_policy_check(cfg, cfg->user_map ? &map : NULL, &info, subj, (int64_t)time(NULL),
                             &out->facts, &grant);
    if (reason == OI_OK)
        reason = oi_check_account(subj->user, cfg->min_uid, grant);
    if (reason == OI_OK)
        out->grant = grant;
out:
    if (reason != OI_OK)
        oi_facts_free(&out->facts);
    oi_token_info_free(&info);
    oi_usermap_free(&map);
    free(scopes);
    out->reason = reason;
    out->pam_code = oi_reason_pam_code(reason);
}
