/* The path of one login, without PAM: precheck, introspect, decide. Shared by the module and tools. */
#ifndef OI_LOGIN_H
#define OI_LOGIN_H

#include <stdint.h>
#include "cfg.h"
#include "log.h"
#include "policy.h"
#include "reason.h"

struct oi_outcome {
    enum oi_reason reason;
    int pam_code;
    char sub[129];       /* sanitised, for the audit line */
    char client_id[129]; /* sanitised */
    char fp[OI_FP_LEN + 2]; /* "-" when the secret never qualified as a token */
    int64_t exp;
};

/* Empty outcome ("-" for every value) with this reason. */
void oi_outcome_init(struct oi_outcome *out, enum oi_reason reason);

/* Decide on one token for subj. Never returns success on any error. */
void oi_login_decide(const struct oi_config *cfg, const struct oi_log *lg,
                     const struct oi_subject *subj, const char *token, struct oi_outcome *out);

#endif
