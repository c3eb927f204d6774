/* The options checked as a whole, once all are read: what each needs, what contradicts what,
 * and the defaults that depend on other options. */
#ifndef OI_CFG_CHECK_H
#define OI_CFG_CHECK_H

#include <stddef.h>
#include "options.h"

/* The keys of the options a configuration set, from the file or the pam.d line (cfg.c fills it). */
#define OI_MAX_OPTIONS 96
struct oi_config_seen {
    const char *keys[OI_MAX_OPTIONS];
    size_t n;
};

/* cfg as read (cfg->pass already settled): OI_OK with the derived fields filled, OI_CONFIG with
 * err ("settings": a contradiction may span the file and the line), or OI_NOMEM. */
enum oi_reason oi_config_check_whole(struct oi_config *cfg, const struct oi_config_seen *seen,
                                     struct oi_config_error *err);

#endif
