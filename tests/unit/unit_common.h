/* Shared by the unit tests: the scratch directory (unit_scratch.h) holds an empty config file, so
 * that no test ever reads the machine's /etc/security/pam_oauth2_introspect.conf. */
#ifndef OI_UNIT_COMMON_H
#define OI_UNIT_COMMON_H

#include "cfg.h"
#include "unit_scratch.h"

/* "conf=<scratch>/empty.conf", valid between unit_group_setup and unit_group_teardown. */
extern char unit_conf_arg[];

/* oi_config_load with conf=<empty> followed by args (NULL-terminated); fails the test when the
 * options are refused. */
void unit_config_load(struct oi_config *cfg, const char *const *args);
#define LOAD(cfg, ...) unit_config_load((cfg), (const char *const[]){__VA_ARGS__, NULL})

#endif
