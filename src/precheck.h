/* Cheap checks on the typed secret before anything is sent anywhere. */

#ifndef OI_PRECHECK_H
#define OI_PRECHECK_H

#include "cfg.h"
#include "reason.h"

/* OI_OK when the secret may be sent for introspection; otherwise the reason it is refused:
 * OI_NOT_TOKEN (no token_prefix: not meant for us), OI_MALFORMED, OI_NOT_ACCESS_TOKEN, and in
 * why the rule it fails and the likely slip ("it ends with a space or tab"), in words that show
 * nothing of the secret itself (it may be a password): no length, no position, no byte. */
enum oi_reason oi_precheck(const struct oi_config *cfg, const char *token, char *why, size_t whylen);

#endif
