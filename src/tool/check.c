/* oauth2-introspect check: read a token without echoing it and decide on it exactly as the
 * module would; say why. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <security/pam_modules.h>

#include "tool.h"

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void restore_tty_and_die(int sig)
{
    if (tio_saved)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The first line of standard input, echo off on a terminal. At most max + 1 bytes are kept, so
 * that an overlong token still fails the precheck as too long. NULL on out of memory. */
static char *read_token(const struct oi_config *cfg)
{
    size_t cap = (size_t)cfg->max_token_length + 1, n = 0;
    char *buf = calloc(1, cap + 1);
    if (buf == NULL)
        return NULL;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0;
    if (tty) {
        struct termios tio = saved_tio;
        struct sigaction sa = {0};
        sa.sa_handler = restore_tty_and_die;
        sigemptyset(&sa.sa_mask);
        int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            sigaction(sigs[i], &sa, NULL);
        tio.c_lflag &= ~(tcflag_t)ECHO;
        tio.c_lflag |= ECHONL;
        fputs(cfg->prompt, stderr);
        fflush(stderr);
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) == 0)
            tio_saved = 1;
    }
    for (;;) {
        char c;
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        if (n < cap)
            buf[n++] = c;
        c = 0;
    }
    if (tio_saved) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
        tio_saved = 0;
    }
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return buf;
}

int cmd_check(const struct tool *t)
{
    const char *user = NULL, *service = PROG;
    for (int i = 1; i < t->n_args; i++) {
        bool missing = false;
        const char *v = take_value(t->args, t->n_args, &i, "--service", &missing);
        if (v != NULL && *v != '\0')
            service = v;
        else if (v != NULL || missing)
            return usage_error("check: --service needs a PAM service name");
        else if (t->args[i][0] == '-')
            return usage_error("check: unknown argument '%s'", t->args[i]);
        else if (user != NULL)
            return usage_error("check: one USER only");
        else
            user = t->args[i];
    }
    if (user == NULL || *user == '\0')
        return usage_error("check: give the USER to log in as");

    struct oi_config cfg;
    int rc = load(t, &cfg);
    if (rc != 0)
        return rc;
    struct oi_log lg = {NULL, cfg.debug};
    char host[256] = "";
    oi_short_hostname(host, sizeof(host));
    struct oi_subject subj = {user, service, host, NULL, NULL};
    char *token = read_token(&cfg);
    if (token == NULL) {
        oi_config_free(&cfg);
        fputs(PROG ": out of memory\n", stderr);
        return EXIT_CONFIG;
    }
    struct oi_outcome out;
    oi_login_decide(&cfg, &lg, &subj, token, &out);
    oi_free_secret(&token);

    static char line[4096];
    char u[129], svc[129], scope[1100];
    show(u, sizeof(u), user);
    show(svc, sizeof(svc), service);
    const char *decision = out.pam_code == PAM_SUCCESS                         ? "allow"
                           : out.pam_code == PAM_IGNORE                        ? "ignore"
                           : out.pam_code == PAM_AUTHINFO_UNAVAIL              ? "unavailable"
                           : out.reason == OI_CONFIG || out.reason == OI_NOMEM ? "error"
                                                                               : "deny";
    printf("decision:  %s\n", decision);
    printf("reason:    %s\n", oi_reason_name(out.reason));
    if (out.reason != OI_OK) {
        describe_failure(&cfg, &out, &subj, line, sizeof(line));
        printf("failed:    %s\n", line);
    }
    printf("user:      %s (service %s)\n", u, svc);
    describe_mapping(&cfg, &out, &subj, line, sizeof(line));
    printf("mapping:   %s\n", line);
    printf("subject:   %s\n", out.sub);
    printf("client:    %s\n", out.client_id);
    plain(scope, sizeof(scope), out.scope);
    printf("scopes:    %s\n", out.scope == NULL ? "-" : scope[0] ? scope : "(none)");
    if (out.subject == NULL && out.claim == NULL && !out.has_exp)
        snprintf(line, sizeof(line), "-");
    else if (!out.has_exp)
        snprintf(line, sizeof(line), "none in the answer");
    else
        format_time(line, sizeof(line), out.exp);
    printf("expires:   %s\n", line);
    if (out.sid) {
        show(u, sizeof(u), out.sid);
        printf("sid:       %s (claim %s)\n", u, cfg.sid_claim);
    }
    printf("token:     %s%s\n", strcmp(out.fp, "-") == 0 ? "" : "fp:", out.fp);
    if (out.cache == OI_CACHE_HIT || out.cache == OI_CACHE_GRACE)
        printf("cache:     %s: the server's answer of %lld s ago (cache_dir %s)\n", oi_cache_use_name(out.cache),
               (long long)out.cache_age, cfg.cache_dir);
    else if (out.cache == OI_CACHE_MISS)
        printf("cache:     miss (cache_dir %s)\n", cfg.cache_dir);

    rc = out.pam_code == PAM_SUCCESS                         ? EXIT_ALLOW
         : out.pam_code == PAM_AUTHINFO_UNAVAIL              ? EXIT_UNAVAILABLE
         : out.reason == OI_CONFIG || out.reason == OI_NOMEM ? EXIT_CONFIG
                                                             : EXIT_DENY;
    oi_outcome_free(&out);
    oi_config_free(&cfg);
    return rc;
}
