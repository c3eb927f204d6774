/* The user map file: which token subjects may become which local accounts, with which extra
 * scopes and clients, through which PAM services. */
#ifndef OI_USERMAP_H
#define OI_USERMAP_H

#include <stdbool.h>
#include <stddef.h>
#include "cfg.h"
#include "reason.h"

#define OI_USERMAP_MAX_BYTES (1024 * 1024)

struct oi_map_line {
    unsigned lineno;
    char *subject;              /* exact, or a glob with * and ? */
    char *account;              /* exact, or a glob with * and ? */
    bool literal;               /* neither field is a glob: the only lines that may grant a system account */
    struct oi_strlist clients;  /* empty: any allowed client */
    struct oi_strlist scopes;   /* all must be granted, on top of required_scopes */
    struct oi_strlist services; /* empty: every PAM service */
};

struct oi_usermap {
    struct oi_map_line *lines;
    size_t n;
};

/* Parse map text; path is used for error places ("path:line"). OI_OK, OI_CONFIG with err,
 * OI_NOMEM. */
enum oi_reason oi_usermap_parse(struct oi_usermap *map, const char *path, const char *text, size_t len,
                                struct oi_config_error *err);
/* Read path as a trusted file (root-owned, not writable by others) and parse it. */
enum oi_reason oi_usermap_load(struct oi_usermap *map, const char *path, struct oi_config_error *err);
void oi_usermap_free(struct oi_usermap *map);

struct oi_map_query {
    const char *subject; /* the user_claim value (NUL-free) */
    const char *account; /* the PAM user */
    const char *service;
    const char *client_id;
    const char *scope; /* granted scopes, space-separated; may be NULL */
};

/* The first line that grants the query: OI_OK and *line set; else OI_SCOPE when a line matched
 * all but its scopes, OI_USER_MISMATCH when none matched. literal_only: consider only lines
 * with a literal subject and account (for system accounts). */
enum oi_reason oi_usermap_match(const struct oi_usermap *map, const struct oi_map_query *q, bool literal_only,
                                const struct oi_map_line **line);

#endif
