/* The files the configuration names, checked and read when a request needs them. */
#ifndef OI_CFG_FILES_H
#define OI_CFG_FILES_H

#include "cfg.h"

/* The files libcurl reads by itself (ca_file, ca_dir, client_cert, client_key, a pinned_pubkey
 * file) must be what only root can change, like every file the module reads: OI_OK, or
 * OI_CONFIG with err naming the option. Checked before each request, not at load: acct_mgmt
 * sends none. */
enum oi_reason oi_config_check_tls_files(const struct oi_config *cfg, struct oi_config_error *err);

/* Read a secret file (path, named by the option key: secret_file, device_secret_file) into
 * *secret, one line (caller wipes with oi_free_secret). OI_OK, OI_CONFIG with err, OI_NOMEM. */
enum oi_reason oi_config_read_secret(const char *path, const char *key, char **secret, struct oi_config_error *err);

#endif
