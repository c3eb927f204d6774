/* oauth2-introspect: the administrator's companion to the PAM module. The same configuration
 * file, option parser and core library: revoke a person's Hydra sessions, check a token exactly
 * as the module would, check that the server can be reached, and look after the cache and the host's limits. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"
#include "util.h"

static const char usage_text[] =
    "Usage: " PROG " [--conf FILE] [--option KEY=VALUE]... COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  revoke --subject SUB | --sid SID [--consent --client CLIENT] [--dry-run]\n"
    "        End Hydra login sessions (by subject, or by login session id), and with --consent\n"
    "        the consent sessions of that subject and client, which also ends their tokens.\n"
    "        With cache_dir, the subject's (or sid's) cached answers are removed too. (At\n"
    "        logout, the module's revoke_on_close does this; --from-pam is gone.)\n"
    "  check USER [--service NAME]\n"
    "        Read a token from standard input (not echoed on a terminal) and decide on it for\n"
    "        USER exactly as the module would; print why. The token is never printed.\n"
    "  ping  Check the configuration, the secret file, the connection (DNS, TCP, TLS), the\n"
    "        credentials (a dummy token must be answered inactive), Hydra's /health/ready,\n"
    "        and with device_flow where the device flow asks (no code is requested).\n"
    "  cache stats\n"
    "        What cache_dir holds: entries usable now, kept for offline_grace, expired or\n"
    "        corrupt; and the circuit breaker of each server.\n"
    "  cache flush [--subject SUB | --sid SID]\n"
    "        Remove every cached answer and breaker state, or the answers about one subject.\n"
    "  limits\n"
    "        This host's request budget for unknown tokens, and the sources (remote hosts, or\n"
    "        users without one) damped for sending tokens the server refused.\n"
    "  limits clear\n"
    "        Fill the budget again and lift every damping.\n"
    "\n"
    "Options:\n"
    "  --conf FILE          configuration file (default " OI_DEFAULT_CONF ")\n"
    "  -o, --option K=V     an option as on the pam.d line; wins over the file\n"
    "  -h, --help           this text\n"
    "  -V, --version        the version\n"
    "\n"
    "Exit status: 0 allowed / done, 1 denied / refused by the server, 2 server unavailable,\n"
    "3 configuration or usage error.\n"
    "\n"
    "Environment: none is read. The tool starts by clearing it and sets PATH to\n"
    "" SAFE_PATH "; it never acts on OAUTH2_* values. See oauth2-introspect(8).\n";

static const struct {
    const char *name;
    int (*run)(const struct tool *t);
} commands[] = {
    {"revoke", cmd_revoke}, {"check", cmd_check}, {"ping", cmd_ping}, {"cache", cmd_cache}, {"limits", cmd_limits},
};

int main(int argc, char **argv)
{
    /* Before libcurl and OpenSSL read anything (OPENSSL_CONF, SSLKEYLOGFILE, proxies...). */
    if (clearenv() != 0 || setenv("PATH", SAFE_PATH, 1) != 0) {
        fputs(PROG ": cannot clear the environment\n", stderr);
        return EXIT_CONFIG;
    }
    struct tool t = {0};
    char *conf_arg = NULL;
    int rc;
    const char **av = calloc((size_t)argc + 1, sizeof(*av));
    t.settings = calloc((size_t)argc + 1, sizeof(*t.settings));
    t.args = calloc((size_t)argc + 1, sizeof(*t.args));
    if (av == NULL || t.settings == NULL || t.args == NULL) {
        fputs(PROG ": out of memory\n", stderr);
        return EXIT_CONFIG;
    }
    for (int i = 0; i < argc; i++)
        av[i] = argv[i];
    bool rest = false;
    for (int i = 1; i < argc; i++) {
        const char *a = av[i];
        bool missing = false;
        const char *v;
        if (rest) {
            t.args[t.n_args++] = a;
        } else if (strcmp(a, "--") == 0) {
            rest = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            rc = EXIT_ALLOW;
            goto out;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("%s (%s) %s\n", PROG, PACKAGE_NAME, PACKAGE_VERSION);
            rc = EXIT_ALLOW;
            goto out;
        } else if ((v = take_value(av, argc, &i, "--conf", &missing)) != NULL) {
            if (t.have_conf || *v == '\0') {
                rc = usage_error(t.have_conf ? "--conf given twice" : "--conf needs a file");
                goto out;
            }
            /* Relative to the working directory (the module wants an absolute path); symbolic
             * links are not resolved here: the file check still refuses them. */
            char cwd[4096] = "";
            if (v[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL) {
                rc = usage_error("--conf %s: cannot tell the working directory: %s", v, strerror(errno));
                goto out;
            }
            size_t n = strlen(cwd) + strlen(v) + sizeof("conf=/");
            conf_arg = malloc(n);
            if (conf_arg == NULL) {
                rc = EXIT_CONFIG;
                goto out;
            }
            snprintf(conf_arg, n, "conf=%s%s%s", cwd, cwd[0] ? "/" : "", v);
            t.settings[t.n_settings++] = conf_arg;
            t.have_conf = true;
        } else if ((v = take_value(av, argc, &i, "--option", &missing)) != NULL ||
                   (!missing && (v = take_value(av, argc, &i, "-o", &missing)) != NULL)) {
            if (oi_skip_prefix(v, "conf=")) {
                rc = usage_error("use --conf FILE for the configuration file");
                goto out;
            }
            t.settings[t.n_settings++] = v;
        } else if (missing) {
            rc = usage_error("%s needs a value", a);
            goto out;
        } else {
            t.args[t.n_args++] = a;
        }
    }
    if (t.n_args == 0) {
        rc = usage_error("no command: give revoke, check, ping, cache or limits");
        goto out;
    }
    rc = -1;
    for (size_t i = 0; rc < 0 && i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(t.args[0], commands[i].name) == 0)
            rc = commands[i].run(&t);
    if (rc < 0)
        rc = usage_error("unknown command '%s': give revoke, check, ping, cache or limits", t.args[0]);
out:
    fflush(stdout);
    free(conf_arg);
    free(av);
    free(t.settings);
    free(t.args);
    return rc;
}
