/* oauth2-introspect, the administrator's companion to the PAM module: what its commands share
 * (the command line, loading the configuration, output helpers) and the commands themselves,
 * one file each. Built on the module's own core library. */
#ifndef OI_TOOL_H
#define OI_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breaker.h"
#include "cfg.h"
#include "login.h"
#include "policy.h"

#define PROG "oauth2-introspect"
/* Root runs this tool: it starts from an empty environment, as sudo's env_reset does. */
#define SAFE_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* Exit codes, the same for every command. */
enum { EXIT_ALLOW = 0, EXIT_DENY = 1, EXIT_UNAVAILABLE = 2, EXIT_CONFIG = 3 };

struct tool {
    const char **settings; /* argv for oi_config_load: "conf=FILE" and each --option */
    int n_settings;
    bool have_conf;
    const char **args; /* the command and its own arguments */
    int n_args;
};

/* common.c */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "--name VALUE" or "--name=VALUE" at args[*i]: the value (advancing *i), else NULL (and
 * *missing when the value is missing). */
const char *take_value(const char **args, int n, int *i, const char *name, bool *missing);
const char *where_name(const char *where);
/* cfg from the command line's settings: 0, or an exit code after printing why. */
int load(const struct tool *t, struct oi_config *cfg);
/* Text for a person: printable ASCII (spaces too), anything else '?'. */
void plain(char *dst, size_t len, const char *s);
/* A value for a line of output, sanitised as in the audit lines. */
void show(char *dst, size_t len, const char *s);
void join_list(char *dst, size_t len, const struct oi_strlist *l);
/* "YYYY-mm-dd HH:MM:SS UTC (in 5 min)" or "(... ago)". */
void format_time(char *dst, size_t len, int64_t t);

/* explain.c: the rule that failed, and how the account was reached, in words. */
void describe_failure(const struct oi_config *cfg, const struct oi_outcome *out, const struct oi_subject *subj,
                      char *dst, size_t len);
void describe_mapping(const struct oi_config *cfg, const struct oi_outcome *out, const struct oi_subject *subj,
                      char *dst, size_t len);

/* cache.c: remove the cached answers about subject or sid (both NULL: all, and every breaker
 * state); one line of output. */
int flush_cache(const struct oi_config *cfg, const char *subject, const char *sid);
/* A breaker's state in words ("closed", or for how long logins skip the server), with its last
 * cause and how to close it; true when open. */
bool describe_breaker(const struct oi_breaker_state *st, int64_t now_ms, char *dst, size_t len);

/* One file each. */
int cmd_revoke(const struct tool *t);
int cmd_check(const struct tool *t);
int cmd_ping(const struct tool *t);
int cmd_cache(const struct tool *t);
int cmd_limits(const struct tool *t);

#endif
