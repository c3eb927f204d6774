/* The PAM entry points: thin wrappers around the login path in login.c, and the device flow's
 * part of the conversation (device.h). */
#include <config.h>

#include <stddef.h> /* before pam_ext.h, which uses NULL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "cfg.h"
#include "device.h"
#include "device_prompt.h"
#include "export.h"
#include "hostkey.h"
#include "host_limits.h"
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

static void clear_env(pam_handle_t *pamh)
{
    for (const char *const *n = oi_export_names; *n != NULL; n++)
        if (pam_getenv(pamh, *n) != NULL)
            pam_putenv(pamh, *n); /* a name without '=' removes it */
}

/* export_env: the verified facts, for session scripts and sudo logs, under the host key's MAC
 * (export.h), which close_session checks when it has no record of the login. */
static int export_env(pam_handle_t *pamh, const struct oi_config *cfg, const struct oi_log *lg, const char *user,
                      const char *service, const struct oi_outcome *out)
{
    struct oi_hostkey k;
    struct oi_export e;
    if (oi_hostkey_load(cfg, lg, &k) != OI_OK)
        return PAM_SERVICE_ERR;
    struct oi_export_facts f = {user,     service,  out->subject, out->facts.client_id, out->facts.scope,
                                out->sid, out->exp, out->fp,      (int64_t)time(NULL)};
    int rc = oi_export_build(&k, &f, &e) == 0 ? PAM_SUCCESS : PAM_BUF_ERR;
    oi_hostkey_wipe(&k);
    for (size_t i = 0; rc == PAM_SUCCESS && e.too_long[i] != NULL; i++)
        oi_logf(lg, LOG_WARNING, "export_env: %s not exported: longer than %d bytes", e.too_long[i],
                OI_EXPORT_MAX_VALUE);
    for (size_t i = 0; rc == PAM_SUCCESS && e.vars[i] != NULL; i++)
        rc = pam_putenv(pamh, e.vars[i]);
    oi_export_free(&e);
    return rc;
}

static int load_config(pam_handle_t *pamh, int argc, const char **argv, struct oi_config *cfg)
{
    struct oi_config_error err;
    enum oi_reason r = oi_config_load(cfg, argc, argv, &err);
    if (r == OI_CONFIG)
        pam_syslog(pamh, LOG_ERR, "configuration error: %s: %s: %s", err.where, err.key, err.what);
    return oi_reason_pam_code(r);
}

/* Under debug: what this line will actually do, so an administrator can check the merge. */
static void log_effective(const struct oi_log *lg, const struct oi_config *cfg)
{
    oi_debug(lg,
             "effective: conf=%s flavor=%s endpoint=%s auth=%s allowed_clients=%s%s "
             "required_scopes=%zu audience=%zu issuer=%s user_claim=%s leeway=%ld timeouts=%ld/%ld ms "
             "trust=%s token_prefix=%s servers=%zu",
             cfg->conf_path, oi_flavor_name(cfg->flavor), cfg->introspect_url, oi_auth_name(cfg->auth),
             cfg->any_client ? "*" : cfg->allowed_clients.items[0], cfg->allowed_clients.n > 1 ? ",..." : "",
             cfg->required_scopes.n, cfg->audience.n, cfg->issuer ? cfg->issuer : "-", cfg->user_claim, cfg->leeway,
             cfg->connect_timeout_ms, cfg->timeout_ms, cfg->ca_file ? cfg->ca_file : cfg->ca_dir,
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

/* How the token arrived, for the audit line. */
enum via { VIA_TYPED, VIA_STACKED, VIA_DEVICE };
static const char *const via_names[] = {[VIA_TYPED] = "typed", [VIA_STACKED] = "stacked", [VIA_DEVICE] = "device"};

/* The token: from an earlier module (use_first_pass, try_first_pass) or asked for. With
 * device_flow, an empty answer at the prompt (and only there: a token an earlier module holds,
 * or one a script types, never starts it) chooses the device flow: *via VIA_DEVICE, no token. */
static int get_token(pam_handle_t *pamh, const struct oi_config *cfg, const char **token, enum via *via)
{
    const void *item = NULL;
    *token = NULL;
    *via = VIA_STACKED;
    if (cfg->pass != OI_PASS_PROMPT && pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item) {
        *token = item;
        return PAM_SUCCESS;
    }
    if (cfg->pass == OI_PASS_USE_FIRST)
        return PAM_AUTH_ERR;
    *via = VIA_TYPED;
    char *resp = NULL;
    int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", cfg->prompt);
    if (rc == PAM_CONV_AGAIN)
        return PAM_INCOMPLETE;
    if (rc != PAM_SUCCESS || resp == NULL) {
        oi_free_secret(&resp);
        return rc == PAM_SUCCESS ? PAM_AUTH_ERR : rc;
    }
    *via = cfg->device_flow && resp[0] == '\0' ? VIA_DEVICE : VIA_TYPED;
    if (*via == VIA_DEVICE) {
        free(resp);
        return PAM_SUCCESS;
    }
    /* Kept as PAM_AUTHTOK so that a module stacked after this one (try_first_pass) can use it. */
    rc = pam_set_item(pamh, PAM_AUTHTOK, resp);
    oi_free_secret(&resp);
    if (rc == PAM_SUCCESS && pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item)
        *token = item;
    return *token ? PAM_SUCCESS : PAM_AUTH_ERR;
}

static void audit(const struct oi_log *lg, pam_handle_t *pamh, const char *user, enum via via,
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
            "%s user=%s service=%s rhost=%s sub=%s client_id=%s token=%s%s via=%s%s reason=%s", verb, u, svc, rhost,
            out->sub, out->client_id, strcmp(out->fp, "-") == 0 ? "" : "fp:", out->fp, via_names[via], cache,
            oi_reason_name(out->reason));
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

/* The device flow's prompt (device_prompt.h), and the one reply it takes: Enter. */
struct ask_ctx {
    pam_handle_t *pamh;
    const struct oi_config *cfg;
    const struct oi_log *lg;
    const struct oi_subject *subj;
};

static enum oi_reason ask_person(void *ctx, const struct oi_device_code *code, int64_t expires_at)
{
    const struct ask_ctx *a = ctx;
    char *text = oi_device_prompt(code, a->subj, expires_at, a->cfg->device_qr), *resp = NULL;
    if (text == NULL)
        return OI_NOMEM;
    int rc = pam_prompt(a->pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", text);
    free(text);
    enum oi_reason r = OI_OK;
    if (rc != PAM_SUCCESS || resp == NULL) {
        oi_logf(a->lg, LOG_NOTICE, "device flow: cancelled: the conversation failed at the approval prompt (%s)",
                pam_strerror(a->pamh, rc));
        r = OI_DEVICE_CANCELLED;
    } else if (resp[0] != '\0') {
        /* Maybe a token after all: never sent, and a script that types one is not kept waiting. */
        oi_logf(a->lg, LOG_NOTICE, "device flow: cancelled: the approval prompt got a reply other than Enter");
        r = OI_DEVICE_CANCELLED;
    }
    oi_free_secret(&resp);
    return r;
}

/* What the person is told when the device flow ends without a login (the log says more). */
static void tell_person(pam_handle_t *pamh, enum oi_reason r, bool got_token)
{
    const char *msg;
    if (got_token)
        msg = "The approval arrived, but it does not admit this login here.";
    else if (r == OI_DEVICE_DENIED)
        msg = "The approval was denied.";
    else if (r == OI_DEVICE_TIMEOUT)
        msg = "The code was not approved in time. Log in again for a new code.";
    else if (r == OI_DEVICE_CANCELLED)
        msg = "Login with a code cancelled: at that prompt, press only Enter.";
    else if (r == OI_OVER_BUDGET || r == OI_DAMPED)
        msg = "Too many logins were tried from here. Wait a while, then try again.";
    else if (r == OI_CONFIG)
        msg = "Login with a code is not set up correctly on this host; the system log says why.";
    else
        msg = "The login server did not give a code or a token; try again later.";
    pam_error(pamh, "%s", msg);
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
    char host[256] = "", *device_token = NULL;
    enum via via = VIA_TYPED;

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
    rc = get_token(pamh, &cfg, &token, &via);
    if (rc != PAM_SUCCESS) {
        oi_outcome_init(&out, OI_NO_TOKEN);
        out.pam_code = rc;
        audit(&lg, pamh, user, via, &out);
        goto done;
    }
    oi_short_hostname(host, sizeof(host));
    struct oi_subject subj = {user, item_or_dash(pamh, PAM_SERVICE), host, item_or_dash(pamh, PAM_RHOST),
                              item_or_dash(pamh, PAM_RUSER)};
    if (via == VIA_DEVICE) {
        struct ask_ctx ask = {pamh, &cfg, &lg, &subj};
        enum oi_reason r = oi_device_obtain_token(&cfg, &lg, &subj, ask_person, &ask, &device_token);
        token = device_token;
        if (token == NULL) /* never an outcome of OI_OK without a token */
            oi_outcome_init(&out, r == OI_OK ? OI_NO_TOKEN : r);
    }
    bool got_token = token != NULL;
    if (got_token)
        oi_login_decide(&cfg, &lg, &subj, token, &out);
    oi_free_secret(&device_token); /* the token is never kept: the facts are */
    audit(&lg, pamh, user, via, &out);
    if (via == VIA_DEVICE && out.pam_code != PAM_SUCCESS)
        tell_person(pamh, out.reason, got_token);
    /* A damped source, or a flood that spent the budget, also waits before its next try (libpam
     * applies the longest delay any module asked for, when the login fails). */
    if (out.reason == OI_DAMPED || out.reason == OI_OVER_BUDGET)
        pam_fail_delay(pamh, OI_FAIL_DELAY_US);
    rc = out.pam_code;
    if (rc == PAM_SUCCESS && cfg.export_env)
        rc = export_env(pamh, &cfg, &lg, user, subj.service, &out);
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
    struct oi_config_error err;
    int rc = load_config(pamh, argc, argv, &cfg);
    if (rc != PAM_SUCCESS)
        return rc;
    if (oi_config_check_account_line(argc, argv, &err) != 0) {
        pam_syslog(pamh, LOG_ERR, "configuration error: %s: %s: %s", err.where, err.key, err.what);
        oi_config_free(&cfg);
        return PAM_SERVICE_ERR;
    }
    struct oi_log lg = {pamh, cfg.debug};
    const char *user = NULL;
    char host[256] = "";
    enum oi_reason reason = OI_USER_MISMATCH;
    oi_short_hostname(host, sizeof(host));
    /* Re-checked now, not remembered: the map, the scopes or the clock may have moved on. */
    if (pam_get_user(pamh, &user, NULL) == PAM_SUCCESS && user != NULL && strcmp(user, rec->user) == 0) {
        struct oi_subject subj = {user, item_or_dash(pamh, PAM_SERVICE), host, item_or_dash(pamh, PAM_RHOST),
                                  item_or_dash(pamh, PAM_RUSER)};
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

static const char *pam_env_value(void *pamh, const char *name)
{
    return pam_getenv(pamh, name);
}

/* revoke_on_close: end the Hydra sessions of the login this module allowed: the record in this
 * handle, or, where authentication ran in another process (sshd's keyboard-interactive), the
 * facts it exported, only when their MAC proves they are this module's for this user and
 * service. Logout never fails because of it: every outcome is logged and PAM_SUCCESS returned. */
static int close_session(pam_handle_t *pamh, int argc, const char **argv)
{
    struct oi_config cfg;
    if (load_config(pamh, argc, argv, &cfg) != PAM_SUCCESS)
        return PAM_SUCCESS; /* logged by load_config */
    struct oi_log lg = {pamh, cfg.debug};
    const void *data = NULL;
    const char *user = NULL, *service = item_or_dash(pamh, PAM_SERVICE);
    if (cfg.revoke_on_close == 0) {
        oi_config_free(&cfg);
        return PAM_SUCCESS;
    }
    if (pam_get_data(pamh, OI_DATA_KEY, &data) == PAM_SUCCESS && data != NULL) {
        const struct oi_login_record *rec = data;
        struct oi_revoke_target t = {rec->subject, cfg.sid_claim ? rec->sid : NULL, rec->facts.client_id};
        oi_revoke_on_close(&cfg, &lg, rec->user, &t);
    } else if (pam_get_user(pamh, &user, NULL) == PAM_SUCCESS && user != NULL) {
        struct oi_hostkey k;
        struct oi_exported x;
        char why[200], u[129];
        int rc = oi_hostkey_load(&cfg, &lg, &k) == OI_OK
                     ? oi_export_read(&k, user, service, pam_env_value, pamh, &x, why, sizeof(why))
                     : 2;
        oi_hostkey_wipe(&k);
        oi_sanitize(u, sizeof(u), user, strlen(user));
        if (rc == 0) {
            struct oi_revoke_target t = {x.sub, cfg.sid_claim ? x.sid : NULL, x.client_id};
            oi_revoke_on_close(&cfg, &lg, user, &t);
            oi_exported_free(&x);
        } else if (rc == 1) {
            oi_logf(&lg, LOG_INFO,
                    "revoke_on_close user=%s: nothing revoked: this module authenticated nobody in this "
                    "PAM handle, and the PAM environment holds no login it exported (export_env)",
                    u);
        } else if (rc == -1) {
            oi_logf(&lg, LOG_WARNING,
                    "revoke_on_close user=%s: nothing revoked: the OAUTH2_* values in the PAM environment "
                    "are not the ones this module exported for this user and service (%s); pam_env and "
                    "~/.pam_environment can change them, so they are not acted on",
                    u, why);
        } else if (rc == -2) {
            oi_logf(&lg, LOG_ERR, "revoke_on_close user=%s: nothing revoked: out of memory", u);
        }
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
