/* The path of one login, without PAM: precheck, cache, the host's limits, introspect, decide,
 * remember. Shared by the module and the tool. */
#ifndef OI_LOGIN_H
#define OI_LOGIN_H

#include <stdbool.h>
#include <stdint.h>
#include "cache.h"
#include "cfg.h"
#include "log.h"
#include "policy.h"
#include "reason.h"

struct oi_outcome {
    enum oi_reason reason;
    int pam_code;
    char sub[129];          /* sanitised, for the audit line */
    char client_id[129];    /* sanitised */
    char fp[OI_FP_LEN + 2]; /* "-" when the secret never qualified as a token */
    char refused[240];      /* why the precheck refused the secret, else "" (precheck.h) */
    int64_t exp;
    struct oi_facts facts; /* on success: what the login rests on (oi_outcome_free) */
    /* Once the server answered active, also after a refusal (for the tool, and revoke_on_close);
     * owned, NUL-free copies, NULL when absent; freed by oi_outcome_free. */
    char *subject; /* the token's sub, not sanitised */
    char *sid;     /* the sid_claim value, NULL when sid_claim is not set */
    char *claim;   /* the user_claim value */
    char *scope;   /* the granted scopes */
    bool has_exp;
    enum oi_grant grant;     /* on success: how the account was reached */
    enum oi_cache_use cache; /* OI_CACHE_OFF without cache_dir */
    int64_t cache_age;       /* hit or grace: seconds since the answer was fetched */
};

/* Empty outcome ("-" for every value) with this reason. */
void oi_outcome_init(struct oi_outcome *out, enum oi_reason reason);

void oi_outcome_free(struct oi_outcome *out);

/* Decide on one token for subj. Never returns success on any error. With cache_dir, a fresh
 * enough cached answer stands in for the server's (the decision is taken anew on it), a fresh
 * answer is stored, and while no server is available offline_grace may honour an older allow.
 * A token no cached answer decides is sent only if the host's limits admit it (host_limits.h:
 * the budget, the source's damping, known junk). */
void oi_login_decide(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_subject *subj,
                     const char *token, struct oi_outcome *out);

/* acct_mgmt: are the facts of an earlier allowed login still good under the current
 * configuration and map? */
enum oi_reason oi_login_recheck(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_subject *subj,
                                const struct oi_facts *facts);

#endif
