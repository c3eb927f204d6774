/* Loading the options (options.h): from the conf file and the pam.d line (which wins), then checked
 * as a whole (cfg_check.h); the account line's own check; freeing. */
#ifndef OI_CFG_H
#define OI_CFG_H

#include "options.h"

/* Fill cfg from the conf file (conf= or the default path, if present) then argv. OI_OK,
 * OI_CONFIG with err filled, or OI_NOMEM. */
enum oi_reason oi_config_load(struct oi_config *cfg, int argc, const char **argv, struct oi_config_error *err);
void oi_config_free(struct oi_config *cfg);

/* An account line's own options (argv) that acct_mgmt cannot apply are an error: OI_OK, or
 * OI_CONFIG with err. (Options from the conf file are shared with the auth line and fine.) */
enum oi_reason oi_config_check_account_line(int argc, const char **argv, struct oi_config_error *err);

const char *oi_auth_name(enum oi_auth a);

#endif
