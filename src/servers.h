/* The servers of a configuration: admin_url and introspect_url as lists of URLs (checked as
 * URLs: they are logged, so no credentials in them), from them each server's introspection
 * endpoint and Hydra admin API base, and what a server's HTTP status says about them. */
#ifndef OI_SERVERS_H
#define OI_SERVERS_H

#include <stddef.h>
#include "cfg.h"
#include "reason.h"

/* A comma list of at most OI_MAX_SERVERS http(s) URLs into *list (replacing it). OI_OK,
 * OI_CONFIG with why, OI_NOMEM. */
enum oi_reason oi_servers_parse(const char *value, struct oi_strlist *list, char *why, size_t whylen);

/* After the options are read: cfg->endpoints (the introspection URL of each server), and for the
 * Hydra flavours cfg->admin_bases (the admin API of each: admin_url without trailing slashes, or
 * introspect_url without its Hydra introspection path; none when one of them has no such path),
 * and the first of each. OI_OK, OI_CONFIG with err for a contradiction, OI_NOMEM. */
enum oi_reason oi_servers_derive(struct oi_config *cfg, struct oi_config_error *err);

/* What an HTTP status from one of cfg's servers says about the configuration, and which option
 * fixes it ("" when it says nothing): a redirect or a 404 usually means the flavour does not
 * match the Hydra version; a 401/403, the credentials. One wording for the log, ping and revoke. */
const char *oi_servers_status_hint(const struct oi_config *cfg, long status);

#endif
