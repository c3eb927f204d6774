/* The options checked as a whole, once all are read: what each needs, what contradicts what,
 * and the defaults that depend on other options. */
#ifndef OI_CFG_CHECK_H
#define OI_CFG_CHECK_H

#include <stdbool.h>
#include "cfg.h"

/* Which options a configuration set, from the file or the pam.d line (cfg.c). */
struct oi_config_seen;
bool oi_config_seen_set(const struct oi_config_seen *seen, const char *key);

/* cfg as read (cfg->pass already settled): OI_OK with the derived fields filled, OI_CONFIG with
 * err ("settings": a contradiction may span the file and the line), or OI_NOMEM. */
enum oi_reason oi_config_check_whole(struct oi_config *cfg, const struct oi_config_seen *seen,
                                     struct oi_config_error *err);

#endif
