/* The decision: every rule checked against the parsed answer, and the reason for a refusal. */
#ifndef OI_POLICY_H
#define OI_POLICY_H

#include <stdint.h>
#include "cfg.h"
#include "introspect.h"
#include "reason.h"

struct oi_subject {
    const char *user;    /* PAM_USER */
    const char *service; /* PAM_SERVICE */
    const char *host;    /* short host name for %h */
};

/* Expand %u %s %h %% in each required scope and join with spaces into *out (malloc'd).
 * OI_OK, OI_SCOPE when an expansion is not a valid scope token, OI_NOMEM. */
enum oi_reason oi_expand_scopes(const struct oi_strlist *templates, const struct oi_subject *subj,
                                char **out);

/* Check the answer against the configuration for this subject at time now.
 * scopes is the expanded, space-joined required scope list (may be empty). */
enum oi_reason oi_policy_check(const struct oi_config *cfg, const struct oi_token_info *info,
                               const struct oi_subject *subj, const char *scopes, int64_t now);

/* The local account: OI_OK, OI_USER_UNKNOWN, or OI_ROOT_DENIED for uid 0. */
enum oi_reason oi_check_account(const char *user);

#endif
