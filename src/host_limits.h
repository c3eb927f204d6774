/* What one host may spend of the introspection server, shared by every process on it (sshd's
 * children, sudo): a budget of requests for tokens no cached answer decides (a token bucket), and
 * damping of a source that keeps sending tokens the server refuses. Both live in one small file
 * in state_dir, changed under flock(2), so that a flood of junk tokens costs the fleet's quota a
 * bounded number of requests and cannot lock an account.
 *
 * A source is the remote host (PAM_RHOST); for a login without one, the user who asks (PAM_RUSER,
 * which su and sudo set), else the user name (a console). Never the target's name when another
 * asks: damping it would hand anyone who knows it a way to lock that person out. A source's strikes are its requests since its last allowed login; from
 * damp_after on it is refused without a request for OI_DAMP_BASE_S, doubled with each further
 * strike up to damp_max, and then one request may probe again.
 *
 * A token the server answered inactive is remembered for junk_ttl seconds, by an HMAC under the
 * host key of the token and the scopes asked for (Hydra's "inactive" may mean a missing scope), so
 * that the same junk from many sources costs one request. It is only ever a refusal: no login is
 * allowed by it, so it cannot serve a revoked token; a valid token is refused by it only if the
 * server itself called it inactive less than junk_ttl ago. */
#ifndef OI_HOST_LIMITS_H
#define OI_HOST_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include "cfg.h"
#include "log.h"
#include "reason.h"

#define OI_LIMITS_FILE "limits"
#define OI_LIMITS_SOURCES 128 /* sources remembered; the oldest undamped one makes room */
#define OI_LIMITS_KEY 80      /* "rhost=NAME", "ruser=NAME" or "user=NAME", cut to fit */
#define OI_LIMITS_JUNK 256    /* inactive answers remembered; the one that ends first makes room */
#define OI_JUNK_MAC 16        /* bytes of the HMAC kept */
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
    unsigned char junk[OI_JUNK_MAC];
};

/* The source of an attempt: "rhost=" rhost when known (not NULL, "" or "-"), else "ruser=" ruser
 * when known, else "user=" user. */
void oi_limits_source(char key[OI_LIMITS_KEY], const char *rhost, const char *ruser, const char *user);

/* Before a request for a token no cached answer decides (junk: its HMAC, oi_limits_junk_mac):
 * OI_OK (t->admitted, the request counted against the budget and as a strike of the source),
 * OI_INACTIVE (the server called this token inactive less than junk_ttl ago), OI_DAMPED,
 * OI_OVER_BUDGET (nothing sent; one log line each), or OI_CONFIG (state_dir or its limits file
 * unsafe, logged). With budget_per_minute, damp_after and junk_ttl 0 it is OI_OK without
 * touching any file. */
enum oi_reason oi_limits_admit(const struct oi_config *cfg, const struct oi_log *lg, const char *key,
                               const unsigned char junk[OI_JUNK_MAC], int64_t now_ms, struct oi_limits_ticket *t);

/* After the answer: an allowed login clears its source's strikes; a refusal keeps the strike (and
 * the server's "inactive" is remembered as junk); no usable answer (unavailable, an HTTP error)
 * takes it back, and any pause. */
enum oi_limits_result { OI_LIMITS_ALLOWED, OI_LIMITS_REFUSED, OI_LIMITS_INACTIVE, OI_LIMITS_NO_ANSWER };
void oi_limits_settle(const struct oi_config *cfg, const struct oi_log *lg, const struct oi_limits_ticket *t,
                      enum oi_limits_result result, int64_t now_ms);

/* The junk memory's HMAC of token and the scopes asked for, under k. false if the library fails. */
struct oi_hostkey;
bool oi_limits_junk_mac(const struct oi_hostkey *k, const char *token, const char *scopes,
                        unsigned char mac[OI_JUNK_MAC]);

/* For the tool: the state as of now_ms. */
struct oi_limits_view {
    double budget_left;                                 /* requests the bucket holds now */
    uint64_t admitted;                                  /* since the file was made or cleared */
    uint64_t refused_budget;                            /* refused over budget */
    uint64_t refused_damped;                            /* refused while damped */
    uint64_t refused_junk;                              /* refused as junk the server called inactive */
    unsigned n_junk;                                    /* junk tokens remembered now */
    unsigned n_sources;                                 /* with at least one strike */
    struct oi_limits_source sources[OI_LIMITS_SOURCES]; /* those, most strikes first */
};
/* OI_OK with v filled (an absent file reads as a full bucket and no source), or OI_CONFIG. */
enum oi_reason oi_limits_view(const struct oi_config *cfg, const struct oi_log *lg, int64_t now_ms,
                              struct oi_limits_view *v);
/* Refill the budget, forget every source and every junk token; *damped: how many sources were
 * damped. OI_OK or OI_CONFIG. */
enum oi_reason oi_limits_clear(const struct oi_config *cfg, const struct oi_log *lg, int64_t now_ms, unsigned *damped);

#endif
