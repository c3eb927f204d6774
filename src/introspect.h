/* The introspection request for each server flavour, and strict parsing of the answer. */
#ifndef OI_INTROSPECT_H
#define OI_INTROSPECT_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "cfg.h"
#include "reason.h"

/* A counted string borrowed from the parsed JSON (may contain NUL bytes). */
struct oi_jstr {
    const char *s; /* NULL when absent */
    size_t len;
};

struct oi_token_info {
    bool active;
    struct oi_jstr sub, client_id, scope, iss, token_use, username;
    bool has_exp, has_iat, has_nbf;
    int64_t exp, iat, nbf;
    json_object *aud; /* borrowed: a string or an array of strings, or NULL */
    json_object *root; /* owned: freed by oi_token_info_free */
};

/* Parse an answer body (exactly len bytes) into info. OI_OK, or OI_BAD_ANSWER with why filled. */
enum oi_reason oi_parse_answer(const char *body, size_t len, struct oi_token_info *info, char *why,
                               size_t whylen);
void oi_token_info_free(struct oi_token_info *info);

/* *dst: a copy of j, or NULL when absent or holding a NUL byte (such a value matches nothing).
 * false only when out of memory. */
bool oi_jstr_dup(const struct oi_jstr *j, char **dst);

/* Look up a dotted claim path ("sub", "ext.unix_user") as a JSON string. false when absent or not a string. */
bool oi_claim_string(const struct oi_token_info *info, const char *path, struct oi_jstr *out);

/* Build the form body for this flavour: token, token_type_hint, scope (Hydra flavours, when
 * scopes are given, space-joined) and client credentials for auth=post. Caller wipes. */
char *oi_build_form(const struct oi_config *cfg, const char *token, const char *scopes,
                    const char *secret);

/* Build the Authorization header value for auth=basic/bearer (NULL for none/post, or on OOM:
 * check cfg->auth). Caller wipes. */
char *oi_build_authorization(const struct oi_config *cfg, const char *secret);

#endif
