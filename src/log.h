/* Logging through pam_syslog (or stderr for the tool), the audit line, token fingerprints. */
#ifndef OI_LOG_H
#define OI_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <security/pam_modules.h>

struct oi_log {
    pam_handle_t *pamh; /* NULL: write to stderr */
    bool debug;
};

void oi_logf(const struct oi_log *lg, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define oi_debug(lg, ...)                          \
    do {                                           \
        if ((lg)->debug)                           \
            oi_logf((lg), LOG_DEBUG, __VA_ARGS__); \
    } while (0)

#define OI_FP_LEN 8
struct oi_hostkey;
/* The token's fingerprint for the audit line: the first OI_FP_LEN hex digits of an HMAC under
 * the host key, so that the lines of one token join on this host while a password typed at the
 * prompt leaves nothing that could be checked against a guess. 0, or -1 ("-" in fp). */
int oi_fingerprint(const struct oi_hostkey *k, const char *token, char fp[OI_FP_LEN + 1]);

#endif
