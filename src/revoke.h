/* Hydra session revocation on the admin API, shared by the oauth2-introspect tool and
 * pam_sm_close_session (revoke_on_close).
 *
 * Login sessions (DELETE .../oauth2/auth/sessions/login?subject= or ?sid=) only make Hydra ask
 * for a new login at the next authorization: tokens already issued stay active. Consent sessions
 * (DELETE .../oauth2/auth/sessions/consent?subject=&client=) take their access and refresh tokens
 * with them, so introspection answers inactive afterwards. */
#ifndef OI_REVOKE_H
#define OI_REVOKE_H

#include "cfg.h"
#include "log.h"

/* The whole of revoke_on_close at logout, whatever timeouts are configured. */
#define OI_REVOKE_CLOSE_BUDGET_MS 2000

struct oi_revoke_target {
    const char *subject; /* login sessions (unless sid) and consent sessions */
    const char *sid;     /* login sessions only; used instead of the subject when set */
    const char *client;  /* consent sessions only */
};

enum oi_revoke_status {
    OI_RV_DONE,        /* HTTP 204 (or, for a dry run, the request was built); Hydra answers 204
                        * whether or not there was such a session: accepted, not known done */
    OI_RV_REFUSED,     /* the server answered something else */
    OI_RV_UNAVAILABLE, /* no usable answer: DNS, connect, TLS, timeout, oversized answer */
    OI_RV_UNSUPPORTED, /* not asked: flavour, missing parameter, unreadable secret file */
    OI_RV_NOMEM,
};

struct oi_revoke_result {
    enum oi_revoke_status status;
    long http_status; /* 0 when no answer */
    double seconds;
    char *url;         /* the request's URL once built (owned; oi_revoke_result_free) */
    char detail[2400]; /* why it was not done; sanitised, never a secret */
};

/* Revoke one kind (OI_REVOKE_LOGIN or OI_REVOKE_CONSENT) for t. timeout_ms > 0 caps the
 * configured timeouts; dry_run only builds the URL. Query values are URL-encoded. */
enum oi_revoke_status oi_revoke(const struct oi_config *cfg, unsigned kind, const struct oi_revoke_target *t,
                                long timeout_ms, bool dry_run, struct oi_revoke_result *res);
void oi_revoke_result_free(struct oi_revoke_result *res);

/* revoke_on_close: every kind in cfg->revoke_on_close, within OI_REVOKE_CLOSE_BUDGET_MS in all,
 * each result logged. Never fails: logout goes on whatever happens. */
void oi_revoke_on_close(const struct oi_config *cfg, const struct oi_log *lg, const char *user,
                        const struct oi_revoke_target *t);

#endif
