#include <config.h>

#include "reason.h"

#include <stddef.h>
#include <security/pam_modules.h>

static const struct {
    const char *name;
    int pam_code;
} reasons[] = {
    [OI_OK] = {"ok", PAM_SUCCESS},
    [OI_NOT_TOKEN] = {"not_token", PAM_IGNORE},
    [OI_NO_TOKEN] = {"no_token", PAM_AUTH_ERR},
    [OI_MALFORMED] = {"malformed", PAM_AUTH_ERR},
    [OI_NOT_ACCESS_TOKEN] = {"not_access_token", PAM_AUTH_ERR},
    [OI_INACTIVE] = {"inactive", PAM_AUTH_ERR},
    [OI_EXPIRED] = {"expired", PAM_AUTH_ERR},
    [OI_NOT_YET_VALID] = {"not_yet_valid", PAM_AUTH_ERR},
    [OI_ISSUER] = {"issuer", PAM_AUTH_ERR},
    [OI_AUDIENCE] = {"audience", PAM_AUTH_ERR},
    [OI_CLIENT] = {"client", PAM_AUTH_ERR},
    [OI_SCOPE] = {"scope", PAM_AUTH_ERR},
    [OI_USER_MISMATCH] = {"user_mismatch", PAM_AUTH_ERR},
    [OI_USER_UNKNOWN] = {"user_unknown", PAM_USER_UNKNOWN},
    [OI_ACCOUNT_LOOKUP] = {"account_lookup", PAM_AUTHINFO_UNAVAIL},
    [OI_ACCOUNT_NAME] = {"account_name", PAM_USER_UNKNOWN},
    [OI_ROOT_DENIED] = {"root_denied", PAM_AUTH_ERR},
    [OI_SYSTEM_ACCOUNT] = {"system_account", PAM_AUTH_ERR},
    [OI_TOKEN_AGE] = {"token_age", PAM_AUTH_ERR},
    [OI_UNAVAILABLE] = {"unavailable", PAM_AUTHINFO_UNAVAIL},
    [OI_HTTP_STATUS] = {"http_status", PAM_AUTHINFO_UNAVAIL},
    [OI_BAD_ANSWER] = {"bad_answer", PAM_AUTHINFO_UNAVAIL},
    [OI_OVER_BUDGET] = {"over_budget", PAM_AUTHINFO_UNAVAIL},
    [OI_DAMPED] = {"damped", PAM_AUTH_ERR},
    [OI_DEVICE_DENIED] = {"device_denied", PAM_AUTH_ERR},
    [OI_DEVICE_TIMEOUT] = {"device_timeout", PAM_AUTH_ERR},
    [OI_DEVICE_CANCELLED] = {"device_cancelled", PAM_AUTH_ERR},
    [OI_CONFIG] = {"config", PAM_SERVICE_ERR},
    [OI_NOMEM] = {"nomem", PAM_BUF_ERR},
};

const char *oi_reason_name(enum oi_reason r)
{
    if ((size_t)r >= sizeof(reasons) / sizeof(reasons[0]) || reasons[r].name == NULL)
        return "unknown";
    return reasons[r].name;
}

int oi_reason_pam_code(enum oi_reason r)
{
    /* An unknown reason must never turn into success. */
    if ((size_t)r >= sizeof(reasons) / sizeof(reasons[0]) || reasons[r].name == NULL)
        return PAM_AUTH_ERR;
    return reasons[r].pam_code;
}
