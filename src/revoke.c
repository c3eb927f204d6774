#include <config.h>

#include "revoke.h"
#include "answer.h"
#include "http.h"
#include "introspect.h"
#include "cfg_files.h"
#include "servers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *kind_path(const struct oi_config *cfg, unsigned kind)
{
    bool v1 = cfg->flavor == OI_FLAVOR_HYDRA_V1;
    if (kind == OI_REVOKE_LOGIN)
        return v1 ? "/oauth2/auth/sessions/login" : "/admin/oauth2/auth/sessions/login";
    return v1 ? "/oauth2/auth/sessions/consent" : "/admin/oauth2/auth/sessions/consent";
}

static enum oi_revoke_status unsupported(struct oi_revoke_result *res, const char *what)
{
    snprintf(res->detail, sizeof(res->detail), "%s", what);
    return res->status = OI_RV_UNSUPPORTED;
}

/* base + path + "?" + name=enc(value) [& name2=enc(value2)] into res->url. */
static enum oi_revoke_status build_url(const struct oi_config *cfg, const char *base, unsigned kind, const char *n1,
                                       const char *v1, const char *n2, const char *v2, struct oi_revoke_result *res)
{
    char *e1 = oi_form_encode(v1), *e2 = v2 ? oi_form_encode(v2) : NULL;
    const char *path = kind_path(cfg, kind);
    if (e1 == NULL || (v2 != NULL && e2 == NULL)) {
        free(e1);
        free(e2);
        return res->status = OI_RV_NOMEM;
    }
    size_t size = strlen(base) + strlen(path) + strlen(n1) + strlen(e1) + 8 + (e2 ? strlen(n2) + strlen(e2) : 0);
    res->url = malloc(size);
    if (res->url != NULL)
        snprintf(res->url, size, "%s%s?%s=%s%s%s%s%s", base, path, n1, e1, e2 ? "&" : "", e2 ? n2 : "", e2 ? "=" : "",
                 e2 ? e2 : "");
    free(e1);
    free(e2);
    return res->status = res->url ? OI_RV_DONE : OI_RV_NOMEM;
}

/* Which request to send to the admin API at base, or why none can be. */
static enum oi_revoke_status plan(const struct oi_config *cfg, const char *base, unsigned kind,
                                  const struct oi_revoke_target *t, struct oi_revoke_result *res)
{
    bool has_sub = t->subject && *t->subject, has_sid = t->sid && *t->sid;
    if (cfg->flavor == OI_FLAVOR_RFC7662)
        return unsupported(res, "not available with flavor=rfc7662: an RFC 7662 server has no "
                                "session API (revoke the token at its authorization server)");
    if (base == NULL)
        return unsupported(res, "cannot tell the Hydra admin API from introspect_url: set admin_url");
    if (kind == OI_REVOKE_LOGIN) {
        if (has_sid && cfg->flavor == OI_FLAVOR_HYDRA_V1)
            return unsupported(res, "Hydra 1.x (flavor=hydra-v1) cannot revoke a login session by "
                                    "sid; revoke by subject instead");
        if (has_sid) /* Hydra ignores the subject when a sid is given: send only the sid */
            return build_url(cfg, base, kind, "sid", t->sid, NULL, NULL, res);
        if (has_sub)
            return build_url(cfg, base, kind, "subject", t->subject, NULL, NULL, res);
        return unsupported(res, "needs a subject or a sid");
    }
    if (!has_sub)
        return unsupported(res, "consent sessions are revoked by subject and client: no subject");
    if (t->client == NULL || *t->client == '\0')
        return unsupported(res, "consent sessions are revoked by subject and client: no client");
    return build_url(cfg, base, kind, "subject", t->subject, "client", t->client, res);
}

/* "HTTP 400 invalid_request: description" from Hydra's error object, never the raw body. */
static void describe_answer(const struct oi_http_response *resp, const struct oi_config *cfg, char *out, size_t outlen)
{
    char err[128], desc[300];
    oi_answer_error(resp->body, resp->len, err, sizeof(err), desc, sizeof(desc));
    const char *hint = oi_servers_status_hint(cfg->flavor, resp->status);
    char loc[300] = "";
    if (resp->status >= 300 && resp->status < 400)
        oi_printable(loc, sizeof(loc), resp->location, strlen(resp->location));
    snprintf(out, outlen, "HTTP %ld%s%s%s%s%s%s%s%s", resp->status, loc[0] ? " to " : "", loc, err[0] ? " " : "", err,
             desc[0] ? ": " : "", desc, hint[0] ? "; " : "", hint);
}

static long elapsed_ms(const struct timespec *start);

/* One revocation at the admin API at base. */
static enum oi_revoke_status revoke_at(const struct oi_config *cfg, const char *base, unsigned kind,
                                       const struct oi_revoke_target *t, long timeout_ms, bool dry_run,
                                       struct oi_revoke_result *res)
{
    char *secret = NULL, *authz = NULL;
    struct oi_http_secrets secrets = {0};
    struct oi_http_response resp = {0};
    struct oi_config_error cerr;
    char err[512];

    memset(res, 0, sizeof(*res));
    if (plan(cfg, base, kind, t, res) != OI_RV_DONE || dry_run)
        return res->status;
    if (oi_config_check_tls_files(cfg, &cerr) != 0) {
        res->status = OI_RV_UNSUPPORTED;
        snprintf(res->detail, sizeof(res->detail), "configuration error: %s: %s", cerr.key, cerr.what);
        goto out;
    }
    /* The same Authorization header as introspection (Ory Network's API key); auth=post
     * credentials have no place in a DELETE. */
    if (cfg->auth == OI_AUTH_BASIC || cfg->auth == OI_AUTH_BEARER) {
        enum oi_reason r = oi_config_read_secret(cfg->secret_file, "secret_file", &secret, &cerr);
        if (r != OI_OK) {
            res->status = r == OI_CONFIG ? OI_RV_UNSUPPORTED : OI_RV_NOMEM;
            snprintf(res->detail, sizeof(res->detail), "secret_file: %s", cerr.what);
            goto out;
        }
        authz = oi_build_authorization(cfg, secret);
        if (authz == NULL) {
            res->status = OI_RV_NOMEM;
            goto out;
        }
    }
    struct oi_transport tr;
    oi_transport_init(&tr, cfg);
    if (timeout_ms > 0)
        oi_transport_cap(&tr, timeout_ms);
    if (!oi_http_secrets_init(&secrets, NULL, secret, authz)) {
        res->status = OI_RV_NOMEM;
        goto out;
    }
    struct oi_http_request req = {"DELETE", res->url, NULL, authz, secrets.list};
    switch (oi_http_perform(&tr, &req, &resp, err, sizeof(err))) {
    case OI_HTTP_NOMEM:
        res->status = OI_RV_NOMEM;
        goto out;
    case OI_HTTP_ECHO:
        res->status = OI_RV_REFUSED;
        res->http_status = resp.status;
        res->seconds = resp.total_seconds;
        snprintf(res->detail, sizeof(res->detail), "%s", err);
        goto out;
    case OI_HTTP_UNAVAILABLE:
    case OI_HTTP_TOO_LARGE:
        res->status = OI_RV_UNAVAILABLE;
        res->seconds = resp.total_seconds;
        if (resp.untrusted) {
            char why[1200];
            oi_transport_untrusted(&tr, err, why, sizeof(why));
            oi_printable(res->detail, sizeof(res->detail), why, strlen(why));
        } else {
            oi_printable(res->detail, sizeof(res->detail), err, strlen(err) < 400 ? strlen(err) : 400);
        }
        goto out;
    case OI_HTTP_OK:
        break;
    }
    res->http_status = resp.status;
    res->seconds = resp.total_seconds;
    if (resp.status == 204) {
        res->status = OI_RV_DONE;
    } else {
        res->status = OI_RV_REFUSED;
        describe_answer(&resp, cfg, res->detail, sizeof(res->detail));
    }
out:
    oi_free_secret(&secret);
    oi_free_secret(&authz);
    oi_http_secrets_free(&secrets);
    oi_http_response_free(&resp);
    return res->status;
}

enum oi_revoke_status oi_revoke(const struct oi_config *cfg, unsigned kind, const struct oi_revoke_target *t,
                                long timeout_ms, bool dry_run, struct oi_revoke_result *res)
{
    /* Each server of admin_url in turn while they are unavailable, within one timeout. */
    long budget = timeout_ms > 0 && timeout_ms < cfg->timeout_ms ? timeout_ms : cfg->timeout_ms;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t n = cfg->admin_bases.n > 1 ? cfg->admin_bases.n : 1;
    enum oi_revoke_status st = OI_RV_UNAVAILABLE;
    for (size_t i = 0; i < n; i++) {
        const char *base = cfg->admin_bases.n > 1 ? cfg->admin_bases.items[i] : cfg->admin_base;
        long left = budget - elapsed_ms(&start);
        if (i > 0) {
            if (left < 1)
                break;
            oi_revoke_result_free(res);
        }
        st = revoke_at(cfg, base, kind, t, i > 0 || timeout_ms > 0 ? left : 0, dry_run, res);
        if (st != OI_RV_UNAVAILABLE)
            break;
    }
    return st;
}

void oi_revoke_result_free(struct oi_revoke_result *res)
{
    free(res->url);
    res->url = NULL;
}

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

void oi_revoke_on_close(const struct oi_config *cfg, const struct oi_log *lg, const char *user,
                        const struct oi_revoke_target *t)
{
    char u[129], sub[129], sid[129], client[129];
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    oi_sanitize(u, sizeof(u), user ? user : "-", strlen(user ? user : "-"));
    oi_sanitize(sub, sizeof(sub), t->subject ? t->subject : "-", strlen(t->subject ? t->subject : "-"));
    oi_sanitize(sid, sizeof(sid), t->sid ? t->sid : "-", strlen(t->sid ? t->sid : "-"));
    oi_sanitize(client, sizeof(client), t->client ? t->client : "-", strlen(t->client ? t->client : "-"));
    static const unsigned kinds[] = {OI_REVOKE_LOGIN, OI_REVOKE_CONSENT};
    for (size_t i = 0; i < 2; i++) {
        unsigned kind = kinds[i];
        if ((cfg->revoke_on_close & kind) == 0)
            continue;
        char who[480];
        if (kind == OI_REVOKE_LOGIN && t->sid && *t->sid && cfg->flavor != OI_FLAVOR_HYDRA_V1)
            snprintf(who, sizeof(who), "user=%s sub=%s sid=%s: login session", u, sub, sid);
        else if (kind == OI_REVOKE_LOGIN)
            snprintf(who, sizeof(who), "user=%s sub=%s: login sessions", u, sub);
        else
            snprintf(who, sizeof(who), "user=%s sub=%s client_id=%s: consent sessions", u, sub, client);
        long left = OI_REVOKE_CLOSE_BUDGET_MS - elapsed_ms(&start);
        if (left < 50) {
            oi_logf(lg, LOG_ERR, "revoke_on_close %s not revoked: the %d ms allowed at logout are used up", who,
                    OI_REVOKE_CLOSE_BUDGET_MS);
            continue;
        }
        struct oi_revoke_result res;
        enum oi_revoke_status st = oi_revoke(cfg, kind, t, left, false, &res);
        if (st == OI_RV_DONE)
            oi_logf(lg, LOG_INFO,
                    "revoke_on_close %s: request accepted (HTTP %ld, %.0f ms; Hydra answers so whether or "
                    "not there was one); %s",
                    who, res.http_status, res.seconds * 1000.0,
                    kind == OI_REVOKE_LOGIN ? "tokens already issued stay active until they expire"
                                            : "the tokens of such consent sessions are inactive now");
        else
            oi_logf(lg, LOG_ERR, "revoke_on_close %s not revoked: %s; logout goes on", who,
                    st == OI_RV_NOMEM ? "out of memory" : res.detail);
        oi_revoke_result_free(&res);
    }
}
