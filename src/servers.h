/* The servers of a configuration: admin_url and introspect_url as lists of URLs (checked as
 * URLs: they are logged, so no credentials in them), from them each server's introspection
 * endpoint and Hydra admin API base, and what a server's HTTP status says about them. */
#ifndef OI_SERVERS_H
#define OI_SERVERS_H

#include <stddef.h>
#include "reason.h"
#include "util.h"

#define OI_MAX_SERVERS 8 /* URLs in one admin_url or introspect_url list */

/* What the servers speak: which endpoint paths, and which hints an HTTP status gives. */
enum oi_flavor { OI_FLAVOR_HYDRA, OI_FLAVOR_HYDRA_V1, OI_FLAVOR_RFC7662 };
const char *oi_flavor_name(enum oi_flavor f); /* as the flavor option spells it */

/* A comma list of at most OI_MAX_SERVERS http(s) URLs into *list (replacing it). OI_OK,
 * OI_CONFIG with why, OI_NOMEM. */
enum oi_reason oi_servers_parse(const char *value, struct oi_strlist *list, char *why, size_t whylen);

/* After the options are read, from admin (admin_url) and intro (introspect_url): endpoints (the
 * introspection URL of each server), and for the Hydra flavours admin_bases (the admin API of
 * each: admin_url without trailing slashes, or introspect_url without its Hydra introspection
 * path; none when one of them has no such path). OI_OK, OI_CONFIG with err for a contradiction,
 * OI_NOMEM. */
enum oi_reason oi_servers_derive(enum oi_flavor flavor, const struct oi_strlist *admin, const struct oi_strlist *intro,
                                 struct oi_strlist *endpoints, struct oi_strlist *admin_bases,
                                 struct oi_config_error *err);

/* What an HTTP status from a server of this flavour says about the configuration, and which
 * option fixes it ("" when it says nothing): a redirect or a 404 usually means the flavour does
 * not match the Hydra version; a 401/403, the credentials. One wording for the log, ping and revoke. */
const char *oi_servers_status_hint(enum oi_flavor flavor, long status);

#endif
