/* What a login leaves in the PAM environment (export_env): the OAUTH2_* facts for session
 * scripts, each value lossless (the encoding below; pam_oauth2_introspect(8), ENVIRONMENT), and
 * OAUTH2_MAC, an HMAC under the host key over them and the login's user and service. The PAM
 * environment is the user's to write (pam_env user_readenv=1, ~/.pam_environment): a value is
 * acted on only when the MAC proves that this module exported it for this user and service. */
#ifndef OI_EXPORT_H
#define OI_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hostkey.h"

/* An encoded value longer than this is left out (with a warning): all of a value, or none. */
#define OI_EXPORT_MAX_VALUE 4096

/* Every variable the module may set, NULL-terminated: what a new attempt clears first. */
extern const char *const oi_export_names[];

struct oi_export_facts {
    const char *user, *service;                /* PAM_USER and PAM_SERVICE: under the MAC, not exported */
    const char *sub, *client_id, *scope, *sid; /* NULL: absent */
    int64_t exp;                               /* 0: none */
    const char *fp;                            /* the audit line's fingerprint */
    int64_t auth_time;                         /* when the module allowed the login */
};

/* The "NAME=value" strings to set, NULL-terminated, and the names of values left out for their
 * length (NULL-terminated). */
struct oi_export {
    char *vars[10];
    const char *too_long[5];
};
/* 0, or -2 when out of memory (or the library failed). */
int oi_export_build(const struct oi_hostkey *k, const struct oi_export_facts *f, struct oi_export *e);
void oi_export_free(struct oi_export *e);

/* What close_session may act on: decoded, owned, NULL when absent. */
struct oi_exported {
    char *sub, *client_id, *sid;
};
/* Read the facts back through get (the value of a variable, or NULL) and check the MAC for user
 * and service. 0: x filled; 1: no OAUTH2_MAC, nothing exported; -1: not this module's for this
 * user and service (why says what); -2: out of memory. */
int oi_export_read(const struct oi_hostkey *k, const char *user, const char *service,
                   const char *(*get)(void *arg, const char *name), void *arg, struct oi_exported *x, char *why,
                   size_t whylen);
void oi_exported_free(struct oi_exported *x);

/* The encoding: the bytes 0x20-0x7e but '%' as they are, every other byte and '%' as %XX
 * (upper-case hex). Encoding: NULL when out of memory. Decoding accepts exactly that and nothing
 * else: 0, -1 (not this encoding), -2 (out of memory). */
char *oi_export_encode(const char *s);
int oi_export_decode(const char *s, char **out);

#endif
