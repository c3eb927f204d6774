/* What the options are: the configuration every unit reads (struct oi_config), as cfg.h loads
 * and cfg_check.h checks it. */
#ifndef OI_OPTIONS_H
#define OI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <regex.h>
#include "reason.h"
#include "servers.h"
#include "util.h"

#define OI_DEFAULT_CONF "/etc/security/pam_oauth2_introspect.conf"
#define OI_DEFAULT_CA_DIR "/etc/ssl/certs"
#define OI_DEFAULT_STATE_DIR "/var/lib/pam_oauth2_introspect"
#define OI_CONF_MAX_BYTES (64 * 1024)
#define OI_SECRET_MAX_BYTES 4096

enum oi_auth { OI_AUTH_NONE, OI_AUTH_BASIC, OI_AUTH_POST, OI_AUTH_BEARER };
enum oi_pass { OI_PASS_PROMPT, OI_PASS_USE_FIRST, OI_PASS_TRY_FIRST };
/* revoke_on_close: bits for what pam_sm_close_session revokes (0: nothing). */
#define OI_REVOKE_LOGIN 1u
#define OI_REVOKE_CONSENT 2u

struct oi_config {
    enum oi_flavor flavor;
    /* admin_url and introspect_url take a comma list of servers, tried in order (failover). */
    struct oi_strlist admin_urls, introspect_urls; /* as given */
    struct oi_strlist endpoints;                   /* after oi_config_load: the introspection URL of each server */
    struct oi_strlist admin_bases;                 /* after oi_config_load: the Hydra admin API base of each
                                    * server, parallel to endpoints; empty for rfc7662 or an
                                    * introspect_url of unknown shape */
    char *admin_url;                               /* after oi_config_load: the first of admin_urls, NULL when none */
    char *introspect_url;                          /* after oi_config_load: the first endpoint */
    char *admin_base;                              /* after oi_config_load: the first admin base (session revocation,
                           * health), NULL when admin_bases is empty */
    enum oi_auth auth;
    char *client_id;
    char *secret_file;
    char *ca_file;
    char *ca_dir; /* default OI_DEFAULT_CA_DIR when neither ca_file nor ca_dir is given */
    char *pinned_pubkey;
    char *client_cert;
    char *client_key;
    char *proxy;
    bool allow_http;
    long connect_timeout_ms;
    long timeout_ms;
    struct oi_strlist allowed_clients;
    bool any_client; /* allowed_clients=* */
    struct oi_strlist audience;
    char *issuer;
    struct oi_strlist required_scopes; /* templates: %u %s %h %% */
    char *user_claim;
    char *user_regex; /* POSIX ERE on the user_claim value; compiled into user_re */
    regex_t user_re;
    bool user_re_compiled;
    char *user_map;               /* map file, read at every login and account check */
    long min_uid;                 /* below it (and uid 0) only a literal map line grants the account */
    struct oi_strlist any_scopes; /* templates: at least one must be granted */
    long max_token_age;           /* seconds since iat; 0: no limit */
    bool export_env;
    unsigned revoke_on_close; /* OI_REVOKE_* bits */
    char *sid_claim;          /* claim path holding the Hydra login session id, e.g. ext.sid */
    long leeway;
    char *token_prefix;
    long min_token_length; /* shorter secrets are never sent (a password is not a token) */
    long max_token_length;
    enum oi_pass pass;
    char *prompt;
    bool debug;
    char *conf_path;
    char *state_dir; /* the host key (hostkey.h); default OI_DEFAULT_STATE_DIR */
    /* The persistent answer cache and the circuit breaker (cache.h); off without cache_dir. */
    char *cache_dir;
    long cache_ttl;         /* seconds an allowed answer is reused (capped by its exp) */
    long negative_ttl;      /* seconds a refused answer is reused; 0: never */
    long offline_grace;     /* seconds a cached allow is honoured while the server is unreachable */
    long cache_max_entries; /* bound on the number of entries */
    /* What the host may spend of the server on unknown tokens, in state_dir (host_limits.h). */
    long budget_per_minute; /* requests the budget regains a minute; 0: no budget */
    long budget_burst;      /* requests it holds at most */
    long damp_after;        /* a source's refused requests before it is damped; 0: no damping */
    long damp_max;          /* seconds a damping lasts at most */
    long junk_ttl;          /* seconds the server's "inactive" for a token is remembered; 0: never */
    /* The device authorization grant for a person without a token (device.h): off by default. */
    bool device_flow;
    char *device_client_id;
    char *device_secret_file; /* client_secret_post; NULL: a public client (auth none) */
    char *device_auth_url;    /* with device_token_url; NULL: both from issuer's discovery document */
    char *device_token_url;
    char *device_ca_file;            /* the CA of the device endpoints; NULL: the system's (OI_DEFAULT_CA_DIR) */
    struct oi_strlist device_scopes; /* templates (%u %s %h); none: required_scopes */
    long device_timeout;             /* seconds from the code's issue to the last poll, at most */
    bool device_qr;                  /* draw the verification URL as a QR code in the prompt */
};

#endif
