/* The host key in state_dir: it keys the token fingerprints of the audit lines (stable on one
 * host, so that the lines of one token join, and useless for checking a guessed password) and
 * the MAC on the login facts the module exports to the PAM environment. */
#ifndef OI_HOSTKEY_H
#define OI_HOSTKEY_H

#include <stddef.h>
#include "cfg.h"
#include "files.h"
#include "log.h"
#include "reason.h"

#define OI_HOSTKEY_FILE "host.key"

struct oi_hostkey {
    unsigned char key[OI_KEY_BYTES];
};

/* Open state_dir (made 0700 when absent) and read or make its key. OI_OK, or OI_CONFIG (logged)
 * when the directory or the key is unsafe or unusable. */
enum oi_reason oi_hostkey_load(const struct oi_config *cfg, const struct oi_log *lg, struct oi_hostkey *k);
void oi_hostkey_wipe(struct oi_hostkey *k);

/* HMAC-SHA256 under the host key of purpose, a NUL, and data: one key, a separate MAC for each
 * purpose. false only when the library fails. */
bool oi_hostkey_mac(const struct oi_hostkey *k, const char *purpose, const void *data, size_t len,
                    unsigned char out[32]);

#endif
