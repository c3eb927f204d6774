/* The decision: every rule checked against the parsed answer, and the reason for a refusal. */
#ifndef OI_POLICY_H
#define OI_POLICY_H

#include <stdint.h>
#include "cfg.h"
#include "answer.h"
#include "reason.h"
#include "usermap.h"

struct oi_subject {
    const char *user;    /* PAM_USER */
    const char *service; /* PAM_SERVICE */
    const char *host;    /* short host name for %h */
    const char *rhost;   /* PAM_RHOST, NULL when none: the source of the attempt (host_limits.h) */
    const char *ruser;   /* PAM_RUSER, NULL when none: the caller of su or sudo (host_limits.h) */
};

/* Issuers compare equal ignoring one trailing slash: Hydra v1 forces one, v2 keeps the
 * configured form. For the token's iss, and a discovery document's issuer (device.h). */
bool oi_issuer_matches(const struct oi_jstr *iss, const char *want);

/* Expand %u %s %h %% in each required scope and join with spaces into *out (malloc'd).
 * OI_OK, OI_SCOPE when an expansion is not a valid scope token, OI_NOMEM. */
enum oi_reason oi_expand_scopes(const struct oi_strlist *templates, const struct oi_subject *subj, char **out);

/* What an allowed login rests on, kept so acct_mgmt can re-check it against the current
 * configuration and map. */
struct oi_facts {
    char *claim;     /* the user_claim value (NUL-free) */
    char *client_id; /* NULL when absent */
    char *scope;     /* NULL when absent */
    bool has_exp, has_iat;
    int64_t exp, iat;
};
void oi_facts_free(struct oi_facts *f);

/* How the account was reached: system accounts only through a literal map line. */
enum oi_grant { OI_GRANT_NONE, OI_GRANT_CLAIM, OI_GRANT_REGEX, OI_GRANT_MAP, OI_GRANT_MAP_LITERAL };

/* Properties of the token itself: active, token_use, nbf/iat, issuer, audience. */
enum oi_reason oi_token_check(const struct oi_config *cfg, const struct oi_token_info *info, int64_t now);

/* Copy what authorisation needs out of the answer. OI_USER_MISMATCH when the user_claim is
 * absent, not a string, or holds a NUL byte. */
enum oi_reason oi_facts_from_info(const struct oi_config *cfg, const struct oi_token_info *info,
                                  struct oi_facts *facts);

/* May these facts log subj in now? exp, max_token_age, client, required_scopes, any_scopes, and
 * the mapping (user_map, user_regex, or the claim itself). map may be NULL (no user_map). */
enum oi_reason oi_authorize(const struct oi_config *cfg, const struct oi_usermap *map, const struct oi_facts *facts,
                            const struct oi_subject *subj, int64_t now, enum oi_grant *grant);

/* oi_token_check, oi_facts_from_info and oi_authorize for one answer. facts may be NULL. */
enum oi_reason oi_policy_check(const struct oi_config *cfg, const struct oi_usermap *map,
                               const struct oi_token_info *info, const struct oi_subject *subj, int64_t now,
                               struct oi_facts *facts, enum oi_grant *grant);

/* The local account: OI_OK, OI_USER_UNKNOWN, OI_ACCOUNT_LOOKUP (the user database failed),
 * OI_ACCOUNT_NAME (it returned an account whose name is not user byte for byte), OI_ROOT_DENIED
 * (uid 0) or OI_SYSTEM_ACCOUNT (uid < min_uid), unless the grant is a literal map line. */
enum oi_reason oi_check_account(const char *user, long min_uid, enum oi_grant grant);

#endif
