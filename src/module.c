/* The PAM entry points: thin wrappers around the login path in login.c. */
#include <config.h>

#include <stddef.h> /* before pam_ext.h, which uses NULL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "cfg.h"
#include "log.h"
#include "login.h"
#include "revoke.h"

/* What acct_mgmt and close_session need to know about a login this module allowed in this handle. */
#define OI_DATA_KEY "pam_oauth2_introspect:login"
struct oi_login_record {
    char *user;
    struct oi_facts facts;
    char *subject; /* the token's sub (revoke_on_close); NULL when absent */
    char *sid;     /* the sid_claim value; NULL when not configured or absent */
};

static void free_record(pam_handle_t *pamh, void *data, int error_status)
{
    struct oi_login_record *rec = data;
    free(rec->user);
    oi_facts_free(&rec->facts);
    free(rec->subject);
    free(rec->sid);
    free(rec);
}

/* The verified facts, for session scripts, sudo logs and pam_exec helpers. */
static const char *const env_names[] = {"OAUTH2_SUB", "OAUTH2_CLIENT_ID", "OAUTH2_SCOPE",
                                        "OAUTH2_EXP", "OAUTH2_TOKEN_FP"};

/* Only when sid_claim is set and the token carries it (for oauth2-introspect revoke --from-pam). */
#define OI_ENV_SID "OAUTH2_SID"

static void clear_env(pam_handle_t *pamh)
{
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        if (pam_getenv(pamh, env_names[i]) != NULL)
            pam_putenv(pamh, env_names[i]); /* a name without '=' removes it */
    if (pam_getenv(pamh, OI_ENV_SID) != NULL)
        pam_putenv(pamh, OI_ENV_SID);
}

static int export_env(pam_handle_t *pamh, const struct oi_outcome *out)
{
    char scope[1024] = "";
    char exp[32];
    const char *s = out->scope ? out->scope : "";
    size_t n = 0;
    /* Shell scripts read these: nothing but printable ASCII. */
    for (; s[n] && n + 1 < sizeof(scope); n++)
        scope[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? s[n] : '?';
    scope[n] = '\0';
    snprintf(exp, sizeof(exp), "%lld", (long long)out->exp);
    const char *values[] = {out->sub, out->client_id, scope, exp, out->fp};
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++) {
        char buf[1200];
        snprintf(buf, sizeof(buf), "%s=%s", env_names[i], values[i]);
        int rc = pam_putenv(pamh, buf);
        if (rc != PAM_SUCCESS)
            return rc;
    }
    if (out->sid != NULL) {
        char sid[129], buf[160];
        oi_sanitize(sid, sizeof(sid), out->sid, strlen(out->sid));
        snprintf(buf, sizeof(buf), "%s=%s", OI_ENV_SID, sid);
        return pam_putenv(pamh, buf);
    }
    return PAM_SUCCESS;
}

static int load_config(pam_handle_t *pamh, int argc, const char **argv, struct oi_config *cfg)
{
    struct oi_config_error err;
    int rc = oi_config_load(cfg, argc, argv, &err);
    if (rc == -2)
        return PAM_BUF_ERR;
    if (rc != 0) {
        pam_syslog(pamh, LOG_ERR, "configuration error: %s: %s: %s", err.where, err.key, err.what);
        return PAM_SERVICE_ERR;
    }
    return PAM_SUCCESS;
}

/* Under debug: what this line will actually do, so an administrator can check the merge. */
static void log_effective(const struct oi_log *lg, const struct oi_config *cfg)
{
    static const char *auth_names[] = {"none", "basic", "post", "bearer"};
    oi_debug(lg,
             "effective: conf=%s flavor=%s endpoint=%s auth=%s allowed_clients=%s%s "
             "required_scopes=%zu audience=%zu issuer=%s user_claim=%s leeway=%ld timeouts=%ld/%ld ms "
             "trust=%s token_prefix=%s servers=%zu",
             cfg->conf_path, oi_flavor_name(cfg->flavor), cfg->introspect_url, auth_names[cfg->auth],
             cfg->any_client ? "*" : cfg->allowed_clients.items[0],
             cfg->allowed_clients.n > 1 ? ",..." : "", cfg->required_scopes.n, cfg->audience.n,
             cfg->issuer ? cfg->issuer : "-", cfg->user_claim, cfg->leeway, cfg->connect_timeout_ms,
             cfg->timeout_ms, cfg->ca_file ? cfg->ca_file : cfg->ca_dir,
             cfg->token_prefix ? cfg->token_prefix : "-", cfg->endpoints.n);
    if (cfg->cache_dir != NULL)
        oi_debug(lg, "effective: cache_dir=%s cache_ttl=%ld negative_ttl=%ld offline_grace=%ld cache_max_entries=%ld",
                 cfg->cache_dir, cfg->cache_ttl, cfg->negative_ttl, cfg->offline_grace, cfg->cache_max_entries);
}

static const char *item_or_dash(pam_handle_t *pamh, int type)
{
    const void *v = NULL;
    if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL || *(const char *)v == '\0')
        return "-";
    return v;
}

/* The token: from an earlier module (use_first_pass, try_first_pass) or asked for. */
static int get_token(pam_handle_t *pamh, const struct oi_config *cfg, const char **token)
{
    const void *item = NULL;
    *token = NULL;
    if (cfg->pass != OI_PASS_PROMPT && pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item) {
        *token = item;
        return PAM_SUCCESS;
    }
    if (cfg->pass == OI_PASS_USE_FIRST)
        return PAM_AUTH_ERR;
    char *resp = NULL;
    int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", cfg->prompt);
    if (rc == PAM_CONV_AGAIN)
        return PAM_INCOMPLETE;
    if (rc != PAM_SUCCESS || resp == NULL) {
        oi_free_secret(&resp);
        return rc == PAM_SUCCESS ? PAM_AUTH_ERR : rc;
    }
    /* Kept as PAM_AUTHTOK so that a module stacked after this one (try_first_pass) can use it. */
    rc = pam_set_item(pamh, PAM_AUTHTOK, resp);
    oi_free_secret(&resp);
    if (rc == PAM_SUCCESS && pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item)
        *token = item;
    return *token ? PAM_SUCCESS : PAM_AUTH_ERR;
}

static void audit(const struct oi_log *lg, pam_handle_t *pamh, const char *user,
                  const struct oi_outcome *out)
{
    char u[129], svc[129], rhost[129];
    const char *verb = out->pam_code == PAM_SUCCESS ? "allow" : out->pam_code == PAM_IGNORE ? "ignore" : "deny";
    oi_sanitize(u, sizeof(u), user, user ? strlen(user) : 0);
    const char *s = item_or_dash(pamh, PAM_SERVICE), *r = item_or_dash(pamh, PAM_RHOST);
    oi_sanitize(svc, sizeof(svc), s, strlen(s));
    oi_sanitize(rhost, sizeof(rhost), r, strlen(r));
    /* cache= only with cache_dir: hit and grace say the decision rests on a stored answer. */
    char cache[32] = "";
    if (out->cache != OI_CACHE_OFF)
        snprintf(cache, sizeof(cache), " cache=%s", oi_cache_use_name(out->cache));
    oi_logf(lg, out->pam_code == PAM_SUCCESS || out->pam_code == PAM_IGNORE ? LOG_INFO : LOG_NOTICE,
            "%s user=%s service=%s rhost=%s sub=%s client_id=%s token=fp:%s%s reason=%s", verb, u, svc,
            rhost, out->sub, out->client_id, out->fp, cache, oi_reason_name(out->reason));
}

/* Moves out->facts into the record. */
static int remember_login(pam_handle_t *pamh, const char *user, struct oi_outcome *out)
{
    struct oi_login_record *rec = calloc(1, sizeof(*rec));
    if (rec == NULL || (rec->user = strdup(user)) == NULL) {
        free(rec);
        return PAM_BUF_ERR;
    }
    rec->facts = out->facts;
    memset(&out->facts, 0, sizeof(out->facts));
    rec->subject = out->subject;
    rec->sid = out->sid;
    out->subject = out->sid = NULL;
    int rc = pam_set_data(pamh, OI_DATA_KEY, rec, free_record);
    if (rc != PAM_SUCCESS)
        free_record(pamh, rec, rc);
    return rc;
}

static int authenticate(pam_handle_t *pamh, int argc, const char **argv)
{
    struct oi_config cfg;
    int rc = load_config(pamh, argc, argv, &cfg);
    if (rc != PAM_SUCCESS)
        return rc;
    struct oi_log lg = {pamh, cfg.debug};
    struct oi_outcome out;
    log_effective(&lg, &cfg);
    const char *user = NULL, *token = NULL;
    char host[256] = "";

    /* A failed attempt must not leave an earlier success for acct_mgmt (or scripts) to find. */
    pam_set_data(pamh, OI_DATA_KEY, NULL, NULL);
    clear_env(pamh);
    rc = pam_get_user(pamh, &user, NULL);
    if (rc != PAM_SUCCESS || user == NULL || *user == '\0') {
        oi_logf(&lg, LOG_ERR, "cannot determine the user name");
        if (rc == PAM_CONV_AGAIN)
            rc = PAM_INCOMPLETE;
        else if (rc == PAM_SUCCESS)
            rc = PAM_USER_UNKNOWN;
        goto done;
    }
    rc = get_token(pamh, &cfg, &token);
    if (rc != PAM_SUCCESS) {
        oi_outcome_init(&out, OI_NO_TOKEN);
        out.pam_code = rc;
        audit(&lg, pamh, user, &out);
        goto done;
    }
    oi_short_hostname(host, sizeof(host));
    struct oi_subject subj = {user, item_or_dash(pamh, PAM_SERVICE), host};
    oi_login_decide(&cfg, &lg, &subj, token, &out);
    audit(&lg, pamh, user, &out);
    rc = out.pam_code;
    if (rc == PAM_SUCCESS && cfg.export_env)
        rc = export_env(pamh, &out);
    if (rc == PAM_SUCCESS)
        rc = remember_login(pamh, user, &out);
    oi_outcome_free(&out);
done:
    oi_config_free(&cfg);
    return rc;
}

static int account(pam_handle_t *pamh, int argc, const char **argv)
{
    const void *data = NULL;
    if (pam_get_data(pamh, OI_DATA_KEY, &data) != PAM_SUCCESS || data == NULL)
        return PAM_IGNORE; /* not our login: never decide for other modules */
    const struct oi_login_record *rec = data;
    struct oi_config cfg;
    int rc = load_config(pamh, argc, argv, &cfg);
    if (rc != PAM_SUCCESS)
        return rc;
    struct oi_log lg = {pamh, cfg.debug};
    const char *user = NULL;
    char host[256] = "";
    enum oi_reason reason = OI_USER_MISMATCH;
    oi_short_hostname(host, sizeof(host));
    /* Re-checked now, not remembered: the map, the scopes or the clock may have moved on. */
    if (pam_get_user(pamh, &user, NULL) == PAM_SUCCESS && user != NULL && strcmp(user, rec->user) == 0) {
        struct oi_subject subj = {user, item_or_dash(pamh, PAM_SERVICE), host};
        reason = oi_login_recheck(&cfg, &lg, &subj, &rec->facts);
    }
    if (reason != OI_OK) {
        char u[129];
        oi_sanitize(u, sizeof(u), user, user ? strlen(user) : 0);
        oi_logf(&lg, LOG_NOTICE, "account deny user=%s reason=%s", u, oi_reason_name(reason));
        rc = reason == OI_CONFIG ? PAM_SERVICE_ERR : reason == OI_NOMEM ? PAM_BUF_ERR : PAM_PERM_DENIED;
    }
    oi_config_free(&cfg);
    return rc;
}

/* revoke_on_close: end the Hydra sessions of the login this module allowed in this handle.
 * Logout never fails because of it: every outcome is logged and PAM_SUCCESS returned. */
static int close_session(pam_handle_t *pamh, int argc, const char **argv)
{
    struct oi_config cfg;
    if (load_config(pamh, argc, argv, &cfg) != PAM_SUCCESS)
        return PAM_SUCCESS; /* logged by load_config */
    struct oi_log lg = {pamh, cfg.debug};
    const void *data = NULL;
    if (cfg.revoke_on_close == 0) {
        oi_config_free(&cfg);
        return PAM_SUCCESS;
    }
    if (pam_get_data(pamh, OI_DATA_KEY, &data) != PAM_SUCCESS || data == NULL) {
        oi_logf(&lg, LOG_INFO,
                "revoke_on_close: nothing revoked: this module authenticated nobody in this PAM handle");
    } else {
        const struct oi_login_record *rec = data;
        struct oi_revoke_target t = {rec->subject, cfg.sid_claim ? rec->sid : NULL, rec->facts.client_id};
        oi_revoke_on_close(&cfg, &lg, rec->user, &t);
    }
    oi_config_free(&cfg);
    return PAM_SUCCESS;
}

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return authenticate(pamh, argc, argv);
}

int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return PAM_SUCCESS;
}

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return account(pamh, argc, argv);
}

int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return PAM_SUCCESS;
}

int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return close_session(pamh, argc, argv);
}
