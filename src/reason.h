/* Stable reason codes: the same words appear in audit lines, tool output and tests. */
#ifndef OI_REASON_H
#define OI_REASON_H

enum oi_reason {
    OI_OK,
    OI_NOT_TOKEN,        /* no token_prefix: PAM_IGNORE, nothing sent */
    OI_NO_TOKEN,         /* the conversation gave nothing */
    OI_MALFORMED,        /* not shaped like a token: nothing sent */
    OI_NOT_ACCESS_TOKEN, /* refresh token or code */
    OI_INACTIVE,
    OI_EXPIRED,
    OI_NOT_YET_VALID,
    OI_ISSUER,
    OI_AUDIENCE,
    OI_CLIENT,
    OI_SCOPE,
    OI_USER_MISMATCH,
    OI_USER_UNKNOWN,
    OI_ACCOUNT_LOOKUP, /* the user database failed to answer (NSS error, e.g. LDAP down) */
    OI_ACCOUNT_NAME,   /* the user database returned an account of another spelling */
    OI_ROOT_DENIED,
    OI_SYSTEM_ACCOUNT,   /* uid below min_uid without a literal map line */
    OI_TOKEN_AGE,        /* older than max_token_age */
    OI_UNAVAILABLE,      /* no answer: DNS, connect, TLS, timeout */
    OI_HTTP_STATUS,      /* an answer other than 200 (3xx, 4xx, 429, 5xx) */
    OI_BAD_ANSWER,       /* not one JSON object of the expected shape, or too large */
    OI_OVER_BUDGET,      /* the host's request budget for unknown tokens is spent: nothing sent (host_limits.h) */
    OI_DAMPED,           /* the source keeps sending refused tokens: nothing sent (host_limits.h) */
    OI_DEVICE_DENIED,    /* the device flow: the person (or the server) denied the approval */
    OI_DEVICE_TIMEOUT,   /* the device flow: no approval before the code expired or device_timeout */
    OI_DEVICE_CANCELLED, /* the device flow: a reply other than Enter, or the conversation failed */
    OI_CONFIG,
    OI_NOMEM, /* the last */
};

const char *oi_reason_name(enum oi_reason r);
/* The PAM code for a final decision with this reason (the table of RETURN VALUES in
 * pam_oauth2_introspect(8)). */
int oi_reason_pam_code(enum oi_reason r);

#endif
