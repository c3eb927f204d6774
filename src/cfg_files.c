/* The files the configuration names, when a request needs them: the TLS files' trust check and
 * reading the secret. Not at load: the account step sends no request and reads none of them. */
#include <config.h>

#include "cfg_files.h"
#include "files.h"

#include <stdio.h>
#include <string.h>

enum oi_reason oi_config_check_tls_files(const struct oi_config *cfg, struct oi_config_error *err)
{
    const struct {
        const char *key, *path;
        enum oi_path_kind kind;
    } files[] = {
        {"ca_file", cfg->ca_file, OI_PATH_FILE},
        {"ca_dir", cfg->ca_dir, OI_PATH_DIR},
        {"device_ca_file", cfg->device_ca_file, OI_PATH_FILE},
        {"client_cert", cfg->client_cert, OI_PATH_FILE},
        {"client_key", cfg->client_key, OI_PATH_SECRET},
        /* sha256//... pins a hash, anything else names a file */
        {"pinned_pubkey",
         cfg->pinned_pubkey && !oi_skip_prefix(cfg->pinned_pubkey, "sha256//") ? cfg->pinned_pubkey : NULL,
         OI_PATH_FILE},
    };
    memset(err, 0, sizeof(*err));
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (files[i].path == NULL ||
            oi_check_trusted_path(files[i].path, files[i].kind, err->what, sizeof(err->what)) == 0)
            continue;
        snprintf(err->where, sizeof(err->where), "settings");
        snprintf(err->key, sizeof(err->key), "%s", files[i].key);
        return OI_CONFIG;
    }
    return OI_OK;
}

enum oi_reason oi_config_read_secret(const char *path, const char *key, char **secret, struct oi_config_error *err)
{
    size_t len = 0;
    memset(err, 0, sizeof(*err));
    snprintf(err->where, sizeof(err->where), "%s", path);
    snprintf(err->key, sizeof(err->key), "%s", key);
    enum oi_reason rc = oi_read_trusted_file(path, true, OI_SECRET_MAX_BYTES, secret, &len, err);
    if (rc != 0)
        return rc;
    if (len > 0 && (*secret)[len - 1] == '\n')
        (*secret)[--len] = '\0';
    if (len > 0 && (*secret)[len - 1] == '\r')
        (*secret)[--len] = '\0';
    const char *why = NULL;
    if (len == 0)
        why = "is empty";
    else if (memchr(*secret, '\0', len) != NULL || oi_has_control(*secret))
        why = "must be one line without control characters";
    if (why != NULL) {
        oi_wipe(*secret, len); /* all of it: an embedded NUL would stop oi_free_secret early */
        oi_free_secret(secret);
        snprintf(err->what, sizeof(err->what), "%s %s", path, why);
        return OI_CONFIG;
    }
    return OI_OK;
}
