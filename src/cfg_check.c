#include <config.h>

#include "cfg_check.h"
#include "servers.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool was_set(const struct oi_config_seen *seen, const char *key)
{
    for (size_t i = 0; i < seen->n; i++)
        if (strcmp(seen->keys[i], key) == 0)
            return true;
    return false;
}

/* cache_dir and its companions. */
static enum oi_reason check_cache(struct oi_config *cfg, const struct oi_config_seen *seen, struct oi_config_error *err)
{
    const char *w = "settings";
    static const char *companions[] = {"cache_ttl", "negative_ttl", "offline_grace", "cache_max_entries"};
    if (cfg->cache_dir == NULL) {
        for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++)
            if (was_set(seen, companions[i]))
                return oi_config_fail(err, w, companions[i], "needs cache_dir (the cache is off without it)");
        return OI_OK;
    }
    if (cfg->cache_dir[0] != '/')
        return oi_config_fail(err, w, "cache_dir", "'%s' is not an absolute path", cfg->cache_dir);
    if (strlen(cfg->cache_dir) > 1024)
        return oi_config_fail(err, w, "cache_dir", "is longer than 1024 characters");
    return OI_OK;
}

static enum oi_reason check_scope_templates(const struct oi_strlist *l, const char *key, struct oi_config_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->items[i];
        for (const char *p = s; *p; p++) {
            if (*p == ' ' || *p == '"' || *p == '\\')
                return oi_config_fail(err, "settings", key, "'%s' is not a scope token", s);
            if (*p == '%' && (p[1] == 'u' || p[1] == 's' || p[1] == 'h' || p[1] == '%')) {
                p++;
                continue;
            }
            if (*p == '%')
                return oi_config_fail(err, "settings", key, "'%s': only %%u, %%s, %%h and %%%% expand", s);
        }
    }
    return OI_OK;
}

/* The device flow's options (device.h): complete, consistent, and off unless device_flow. */
static enum oi_reason check_device(const struct oi_config *cfg, const struct oi_config_seen *seen,
                                   struct oi_config_error *err)
{
    const char *w = "settings";
    static const char *companions[] = {"device_client_id", "device_secret_file", "device_auth_url", "device_token_url",
                                       "device_scopes",    "device_timeout",     "device_ca_file",  "device_qr"};
    if (!cfg->device_flow) {
        for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++)
            if (was_set(seen, companions[i]))
                return oi_config_fail(err, w, companions[i], "needs device_flow = yes (the device flow is off)");
        return OI_OK;
    }
    if (cfg->flavor == OI_FLAVOR_HYDRA_V1)
        return oi_config_fail(err, w, "device_flow",
                              "Hydra 1.x has no device flow: it came with Hydra v25.4.0 (flavor = hydra)");
    if (cfg->pass == OI_PASS_USE_FIRST)
        return oi_config_fail(err, w, "device_flow", "is chosen at the token prompt, and use_first_pass never prompts");
    if (cfg->device_client_id == NULL)
        return oi_config_fail(err, w, "device_client_id",
                              "is required with device_flow: the OAuth client the codes are issued to");
    if ((cfg->device_auth_url == NULL) != (cfg->device_token_url == NULL))
        return oi_config_fail(err, w, cfg->device_auth_url ? "device_token_url" : "device_auth_url",
                              "is required too: set both endpoints, or neither (then issuer's discovery "
                              "document names them)");
    if (cfg->device_auth_url == NULL && cfg->issuer == NULL)
        return oi_config_fail(err, w, "device_flow",
                              "needs device_auth_url and device_token_url, or issuer (whose discovery document "
                              "names them)");
    const char *urls[][2] = {{"device_auth_url", cfg->device_auth_url}, {"device_token_url", cfg->device_token_url}};
    for (size_t i = 0; i < 2; i++) {
        const char *u = urls[i][1];
        if (u == NULL)
            continue;
        if (strchr(u, ' ') != NULL || !(oi_skip_prefix(u, "https://") || oi_skip_prefix(u, "http://")))
            return oi_config_fail(err, w, urls[i][0], "'%s' is not an http(s) URL", u);
        if (oi_skip_prefix(u, "http://") && !cfg->allow_http)
            return oi_config_fail(err, w, urls[i][0], "is plain http: use https, or set allow_http (tests only)");
    }
    if (cfg->issuer != NULL && cfg->device_auth_url == NULL && oi_skip_prefix(cfg->issuer, "http://") &&
        !cfg->allow_http)
        return oi_config_fail(err, w, "issuer",
                              "is plain http, and device_flow reads its discovery document: use https");
    return check_scope_templates(&cfg->device_scopes, "device_scopes", err);
}

/* "sub", "ext.sid": dot-separated, no empty part. */
static bool is_claim_path(const char *path)
{
    for (const char *p = path; *p; p++)
        if (*p == '.' && (p == path || p[1] == '.' || p[1] == '\0'))
            return false;
    return true;
}

enum oi_reason oi_config_check_whole(struct oi_config *cfg, const struct oi_config_seen *seen,
                                     struct oi_config_error *err)
{
    const char *w = "settings"; /* a contradiction may span the file and the pam.d line */
    if (!was_set(seen, "auth"))
        cfg->auth = cfg->flavor == OI_FLAVOR_RFC7662 ? OI_AUTH_BASIC : OI_AUTH_NONE;
    enum oi_reason rc = oi_servers_derive(cfg->flavor, &cfg->admin_urls, &cfg->introspect_urls, &cfg->endpoints,
                                          &cfg->admin_bases, err);
    /* The first of each (cfg.h). */
    if (rc == 0 && cfg->admin_urls.n > 0)
        rc = oi_set_string(&cfg->admin_url, cfg->admin_urls.items[0]);
    if (rc == 0)
        rc = oi_set_string(&cfg->introspect_url, cfg->endpoints.items[0]);
    if (rc == 0 && cfg->admin_bases.n > 0)
        rc = oi_set_string(&cfg->admin_base, cfg->admin_bases.items[0]);
    if (rc == 0)
        rc = check_cache(cfg, seen, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < cfg->endpoints.n; i++)
        if (oi_skip_prefix(cfg->endpoints.items[i], "http://") && !cfg->allow_http)
            return oi_config_fail(err, w, cfg->admin_url ? "admin_url" : "introspect_url",
                                  "is plain http: use https, or set allow_http (tests only)");
    bool needs_client = cfg->auth == OI_AUTH_BASIC || cfg->auth == OI_AUTH_POST;
    if (needs_client && cfg->client_id == NULL)
        return oi_config_fail(err, w, "client_id", "is required with auth=%s",
                              cfg->auth == OI_AUTH_BASIC ? "basic" : "post");
    if (!needs_client && cfg->client_id != NULL)
        return oi_config_fail(err, w, "client_id", "is only used with auth=basic or auth=post");
    if (cfg->auth != OI_AUTH_NONE && cfg->secret_file == NULL)
        return oi_config_fail(err, w, "secret_file", "is required with this auth method");
    if (cfg->auth == OI_AUTH_NONE && cfg->secret_file != NULL)
        return oi_config_fail(err, w, "secret_file", "is set but auth=none sends no credentials");
    if (cfg->client_key && !cfg->client_cert)
        return oi_config_fail(err, w, "client_key", "needs client_cert");
    if (cfg->min_token_length > cfg->max_token_length)
        return oi_config_fail(err, w, "min_token_length", "is longer than max_token_length (%ld)",
                              cfg->max_token_length);
    if (cfg->connect_timeout_ms > cfg->timeout_ms) {
        if (was_set(seen, "connect_timeout_ms"))
            return oi_config_fail(err, w, "connect_timeout_ms", "is longer than timeout_ms");
        cfg->connect_timeout_ms = cfg->timeout_ms; /* only timeout_ms was shortened */
    }
    if (cfg->allowed_clients.n == 0)
        return oi_config_fail(err, w, "allowed_clients",
                              "is required: without it any client of the server could log in");
    if (cfg->any_client && cfg->allowed_clients.n != 1)
        return oi_config_fail(err, w, "allowed_clients", "'*' cannot be combined with client ids");
    if (cfg->user_claim == NULL && oi_set_string(&cfg->user_claim, "sub") != 0)
        return OI_NOMEM;
    /* With the device flow, the prompt says how to choose it: a person without a token would not guess. */
    if (cfg->prompt == NULL &&
        oi_set_string(&cfg->prompt,
                      cfg->device_flow ? "Access token (or Enter to log in with a code): " : "Access token: ") != 0)
        return OI_NOMEM;
    if (cfg->ca_file == NULL && cfg->ca_dir == NULL && oi_set_string(&cfg->ca_dir, OI_DEFAULT_CA_DIR) != 0)
        return OI_NOMEM;
    if (cfg->state_dir == NULL && oi_set_string(&cfg->state_dir, OI_DEFAULT_STATE_DIR) != 0)
        return OI_NOMEM;
    if (cfg->state_dir[0] != '/')
        return oi_config_fail(err, w, "state_dir", "'%s' is not an absolute path", cfg->state_dir);
    rc = check_scope_templates(&cfg->required_scopes, "required_scopes", err);
    if (rc == 0)
        rc = check_scope_templates(&cfg->any_scopes, "any_scopes", err);
    if (rc != 0)
        return rc;
    if (cfg->user_regex != NULL) {
        int rerr = regcomp(&cfg->user_re, cfg->user_regex, REG_EXTENDED);
        if (rerr != 0) {
            char msg[100];
            regerror(rerr, &cfg->user_re, msg, sizeof(msg));
            return oi_config_fail(err, w, "user_regex", "is not a POSIX extended regular expression: %s", msg);
        }
        cfg->user_re_compiled = true;
    }
    if (!is_claim_path(cfg->user_claim))
        return oi_config_fail(err, w, "user_claim", "'%s' is not a dotted claim path", cfg->user_claim);
    if (cfg->sid_claim != NULL && !is_claim_path(cfg->sid_claim))
        return oi_config_fail(err, w, "sid_claim", "'%s' is not a dotted claim path", cfg->sid_claim);
    if (cfg->sid_claim != NULL && cfg->flavor == OI_FLAVOR_HYDRA_V1)
        return oi_config_fail(err, w, "sid_claim", "Hydra 1.x (flavor=hydra-v1) cannot revoke a login session by sid");
    if (cfg->revoke_on_close != 0 && cfg->flavor == OI_FLAVOR_RFC7662)
        return oi_config_fail(err, w, "revoke_on_close",
                              "needs a Hydra flavour: an RFC 7662 server has no session API");
    if (cfg->revoke_on_close != 0 && cfg->admin_base == NULL)
        return oi_config_fail(err, w, "revoke_on_close",
                              "needs admin_url (introspect_url does not end in a Hydra introspection path)");
    return check_device(cfg, seen, err);
}
