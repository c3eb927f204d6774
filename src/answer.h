/* The introspection answer: strict JSON parsing into the token's facts, claims by path, the
 * error member of an error answer, and whether a Content-Type is JSON. What a server sends is
 * hostile input: anything ambiguous is refused. */
#ifndef OI_ANSWER_H
#define OI_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
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
    json_object *aud;  /* borrowed: a string or an array of strings, or NULL */
    json_object *root; /* owned: freed by oi_token_info_free */
};

/* Parse an answer body (exactly len bytes) into info. OI_OK, or OI_BAD_ANSWER with why filled. */
enum oi_reason oi_parse_answer(const char *body, size_t len, struct oi_token_info *info, char *why, size_t whylen);
void oi_token_info_free(struct oi_token_info *info);

/* *dst: a copy of j, or NULL when absent or holding a NUL byte (such a value matches nothing).
 * false only when out of memory. */
bool oi_jstr_dup(const struct oi_jstr *j, char **dst);

/* Look up a dotted claim path ("sub", "ext.unix_user") as a JSON string. false when absent or not a string. */
bool oi_claim_string(const struct oi_token_info *info, const char *path, struct oi_jstr *out);

/* body (exactly len bytes) as one JSON object, parsed as strictly as an introspection answer
 * (no duplicate keys, no NUL in a key, valid UTF-8, nothing after it): owned, or NULL with why
 * filled. For the other answers the module reads (device.h). */
json_object *oi_answer_parse_object(const char *body, size_t len, char *why, size_t whylen);

/* application/json, with parameters or not, in any case. */
bool oi_answer_is_json(const char *content_type);

/* The "error" and "error_description" members of an error answer as printable text (at most
 * 100 and 250 bytes of them), "" when absent or when the body is not one strict JSON object. */
void oi_answer_error(const char *body, size_t len, char *error, size_t error_len, char *description,
                     size_t description_len);

#endif
