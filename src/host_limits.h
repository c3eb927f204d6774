/* What one host may spend of the introspection server, shared by every process on it (sshd's
 * children, sudo): a budget of requests for tokens no cached answer decides (a token bucket), and
 * damping of a source that keeps sending tokens the server refuses. Both live in one small file
 * in state_dir, changed under flock(2), so that a flood of junk tokens costs the fleet's quota a
 * bounded number of requests and cannot lock an account.
 *
 * A source is the remote host (PAM_RHOST) or, for a login without one (sudo, su, a console), the
 * user name: damping a user name from the network would hand anyone who knows it a way to lock
 * that person out. A source's strikes are its requests since its last allowed login; from
 * damp_after on it is refused without a request for OI_DAMP_BASE_S, doubled with each further
 * strike up to damp_max, and then one request may probe again. */
#ifndef OI_HOST_LIMITS_H
#define OI_HOST_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include "cfg.h"
#include "log.h"
#include "reason.h"

#define OI_LIMITS_FILE "limits"
#define OI_LIMITS_SOURCES 128 /* sources remembered; the oldest undamped one makes room */
#define OI_LIMITS_KEY 80      /* "rhost=NAME" or "user=NAME", cut to fit */
#define OI_DAMP_BASE_S 10
#define OI_FAIL_DELAY_US 2000000 /* pam_fail_delay for a refusal without a request */

/* A source as the file keeps it. */
struct oi_limits_source {
    char key[OI_LIMITS_KEY];
    uint32_t strikes;        /* requests since the source's last allowed login */
    int64_t last_ms;         /* its last request */
    int64_t damped_until_ms; /* refused without a request until then (0: not damped) */
};

/* What one admitted request holds until its answer is known (oi_limits_settle). */
struct oi_limits_ticket {
    bool admitted;
    char key[OI_LIMITS_KEY];
};

/* The source of an attempt: rhost when known (not NULL, "" or "-"), else the user. */
void oi_limits_source(char key[OI_LIMITS_KEY], const char *rhost, const char *user);

/* Before a request for a token no cached answer decides: OI_OK (t->admitted, the request counted
 * against the budget and as a strike of the source), OI_DAMPED, OI_OVER_BUDGET (nothing sent;
 * one log line each), or OI_CONFIG (state_dir or its limits file unsafe, logged). With both
 * budget_per_minute and damp_after 0 it is OI_OK without touching any file. */
enum oi_reason oi_limits_admit(const struct oi_config *cfg, const struct oi_log *lg, const char *key, int64_t now_ms,
                               struct oi_limits_ticket *t);

/* After the answer: an allowed login clears its source's strikes; a refusal by the server keeps
 * the strike; no usable answer (unavailable, an HTTP error) takes it back, and any pause. */
enum oi_limits_result { OI_LIMITS_ALLOWED, OI_LIMITS_REFUSED, OI_LIMITS_NO_ANSWER };
void oi_limits_settle(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_limits_ticket *t,
                      enum oi_limits_result result, int64_t now_ms);

/* For the tool: the state as of now_ms. */
struct oi_limits_view {
    double budget_left;                                 /* requests the bucket holds now */
    uint64_t admitted;                                  /* since the file was made or cleared */
    uint64_t refused_budget;                            /* refused over budget */
    uint64_t refused_damped;                            /* refused while damped */
    unsigned n_sources;                                 /* with at least one strike */
    struct oi_limits_source sources[OI_LIMITS_SOURCES]; /* those, most strikes first */
};
/* OI_OK with v filled (an absent file reads as a full bucket and no source), or OI_CONFIG. */
enum oi_reason oi_limits_view(const struct oi_config *cfg, const struct oi_log *lg, int64_t now_ms,
                              struct oi_limits_view *v);
/* Refill the budget and forget every source; *damped: how many were damped. OI_OK or OI_CONFIG. */
enum oi_reason oi_limits_clear(const struct oi_config *cfg, const struct oi_log *lg, int64_t now_ms, unsigned *damped);

#endif
