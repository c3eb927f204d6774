/* The introspection request for each server flavour, and asking the servers in turn: failover,
 * one deadline for all, the circuit breaker, 429. */
#ifndef OI_INTROSPECT_H
#define OI_INTROSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include "answer.h"
#include "breaker.h"
#include "cfg.h"
#include "log.h"
#include "reason.h"

/* Ask the servers about token (with these requested scopes), in order, within timeout_ms in
 * all: one that is unavailable (no answer, 429, 5xx) passes the question to the next. With a
 * cache (NULL without), each server's circuit breaker is consulted and updated. On OI_OK info
 * holds the parsed answer and *body the answer itself (the caller wipes and frees it).
 * *unreachable: no server gave a usable answer because none could be reached or all failed (no
 * answer, 5xx); a server that answered 429 (or whose breaker a 429 opened) is not unreachable. */
enum oi_reason oi_introspect(const struct oi_config *cfg, const struct oi_log *lg, struct oi_cache *cache,
                             const char *token, const char *scopes, struct oi_token_info *info, char **body,
                             size_t *body_len, bool *unreachable);

/* Build the form body for this flavour: token, token_type_hint, scope (Hydra flavours, when
 * scopes are given, space-joined) and client credentials for auth=post. Caller wipes. */
char *oi_build_form(const struct oi_config *cfg, const char *token, const char *scopes, const char *secret);

/* Build the Authorization header value for auth=basic/bearer (NULL for none/post, or on OOM:
 * check cfg->auth). Caller wipes. */
char *oi_build_authorization(const struct oi_config *cfg, const char *secret);

#endif
