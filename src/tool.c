/* oauth2-introspect: the administrator's companion to the PAM module. The same configuration
 * file, option parser and core library: revoke a person's Hydra sessions, check a token exactly
 * as the module would, and check that the server can be reached. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "cache.h"
#include "cfg.h"
#include "http.h"
#include "introspect.h"
#include "log.h"
#include "login.h"
#include "policy.h"
#include "reason.h"
#include "revoke.h"
#include "usermap.h"
#include "util.h"

#define PROG "oauth2-introspect"
/* Root runs this tool: it starts from an empty environment, as sudo's env_reset does. */
#define SAFE_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* Exit codes, the same for every command. */
enum { EXIT_ALLOW = 0, EXIT_DENY = 1, EXIT_UNAVAILABLE = 2, EXIT_CONFIG = 3 };

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
    "        credentials (a dummy token must be answered inactive) and Hydra's /health/ready.\n"
    "  cache stats\n"
    "        What cache_dir holds: entries usable now, kept for offline_grace, expired or\n"
    "        corrupt; and the circuit breaker of each server.\n"
    "  cache flush [--subject SUB | --sid SID]\n"
    "        Remove every cached answer and breaker state, or the answers about one subject.\n"
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

struct tool {
    const char **settings; /* argv for oi_config_load: "conf=FILE" and each --option */
    int n_settings;
    bool have_conf;
    const char **args; /* the command and its own arguments */
    int n_args;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(" PROG " --help shows the usage)\n", stderr);
    return EXIT_CONFIG;
}

/* "--name VALUE" or "--name=VALUE" at args[*i]: the value (advancing *i), else NULL. */
static const char *take_value(const char **args, int n, int *i, const char *name, bool *missing)
{
    const char *a = args[*i];
    size_t len = strlen(name);
    if (strncmp(a, name, len) != 0)
        return NULL;
    if (a[len] == '=')
        return a + len + 1;
    if (a[len] != '\0')
        return NULL;
    if (*i + 1 >= n) {
        *missing = true;
        return NULL;
    }
    return args[++*i];
}

static const char *where_name(const char *where)
{
    return strcmp(where, "pam.d line") == 0 ? "command line (--conf, --option)" : where;
}

/* 0, or an exit code after printing why. */
static int load(const struct tool *t, struct oi_config *cfg, struct oi_config_error *err,
                bool quiet)
{
    int rc = oi_config_load(cfg, t->n_settings, t->settings, err);
    if (rc == -2) {
        fputs(PROG ": out of memory\n", stderr);
        return EXIT_CONFIG;
    }
    if (rc != 0) {
        if (!quiet)
            fprintf(stderr, PROG ": configuration error: %s: %s: %s\n", where_name(err->where),
                    err->key, err->what);
        return EXIT_CONFIG;
    }
    return 0;
}

/* Text for a human: printable ASCII (spaces too), anything else '?'. */
static void plain(char *dst, size_t len, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 1 < len; s++)
        dst[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    dst[o] = '\0';
}

/* A value for a line of output, sanitised as in the audit lines. */
static void show(char *dst, size_t len, const char *s)
{
    oi_sanitize(dst, len, s ? s : "-", s ? strlen(s) : 1);
}

/* ---- revoke ------------------------------------------------------------------------------ */

static int revoke_exit(enum oi_revoke_status st)
{
    switch (st) {
    case OI_RV_DONE:
        return EXIT_ALLOW;
    case OI_RV_REFUSED:
        return EXIT_DENY;
    case OI_RV_UNAVAILABLE:
        return EXIT_UNAVAILABLE;
    case OI_RV_UNSUPPORTED:
    case OI_RV_NOMEM:
        break;
    }
    return EXIT_CONFIG;
}

/* One line saying what was done (or not, and why). Returns the exit code for it. */
static int revoke_one(const struct oi_config *cfg, unsigned kind, const struct oi_revoke_target *t,
                      bool dry_run, bool with_consent)
{
    char sub[129], sid[129], client[129], what[500];
    struct oi_revoke_result r;
    plain(sub, sizeof(sub), t->subject);
    plain(sid, sizeof(sid), t->sid);
    plain(client, sizeof(client), t->client);
    if (kind == OI_REVOKE_LOGIN && t->sid)
        snprintf(what, sizeof(what), "login session \"%s\"", sid);
    else if (kind == OI_REVOKE_LOGIN)
        snprintf(what, sizeof(what), "login sessions of subject \"%s\"", sub);
    else
        snprintf(what, sizeof(what), "consent sessions of subject \"%s\" for client \"%s\"", sub,
                 client);

    enum oi_revoke_status st = oi_revoke(cfg, kind, t, 0, dry_run, &r);
    switch (st) {
    case OI_RV_DONE:
        if (dry_run) {
            printf("dry run: would DELETE %s (%s); nothing was sent\n", r.url, what);
            break;
        }
        printf("%s: request accepted (DELETE %s: HTTP %ld in %.0f ms); Hydra answers so whether or not "
               "there was such a session\n",
               what, r.url, r.http_status, r.seconds * 1000.0);
        if (kind == OI_REVOKE_LOGIN)
            printf("  note: Hydra will ask for a new login at the next authorization, but tokens "
                   "already issued stay active until they expire%s\n",
                   with_consent ? "" : "; --consent --client CLIENT ends them");
        else
            printf("  the access and refresh tokens of such consent sessions are revoked with them: "
                   "introspection answers inactive for them\n");
        break;
    case OI_RV_REFUSED:
        printf("%s: NOT revoked: the server answered %s (DELETE %s)\n", what, r.detail, r.url);
        break;
    case OI_RV_UNAVAILABLE:
        printf("%s: NOT revoked: no answer from the server: %s (DELETE %s)\n", what, r.detail,
               r.url);
        break;
    case OI_RV_UNSUPPORTED:
        printf("%s: NOT revoked: %s\n", what, r.detail);
        break;
    case OI_RV_NOMEM:
        printf("%s: NOT revoked: out of memory\n", what);
        break;
    }
    oi_revoke_result_free(&r);
    return revoke_exit(st);
}

/* Remove the cached answers about subject (or sid); one line of output. */
static int flush_cache(const struct oi_config *cfg, const char *subject, const char *sid)
{
    struct oi_cache cache;
    struct oi_log lg = {NULL, cfg->debug};
    char who[300], s[129];
    size_t removed = 0;
    if (subject)
        plain(s, sizeof(s), subject);
    else if (sid)
        plain(s, sizeof(s), sid);
    else
        snprintf(s, sizeof(s), "every subject");
    snprintf(who, sizeof(who), subject ? "subject \"%s\"" : sid ? "sid \"%s\"" : "%s", s);
    if (oi_cache_open(&cache, cfg, &lg) != OI_OK) {
        printf("cache: NOT flushed for %s: cache_dir %s is unusable (see above)\n", who, cfg->cache_dir);
        return EXIT_CONFIG;
    }
    int rc = oi_cache_flush(&cache, cfg, subject, sid, &removed);
    oi_cache_close(&cache);
    if (rc != 0) {
        printf("cache: NOT flushed for %s: cannot read %s: %s\n", who, cfg->cache_dir, strerror(errno));
        return EXIT_CONFIG;
    }
    printf("cache: removed %zu cached answer%s%s%s from %s\n", removed, removed == 1 ? "" : "s",
           subject || sid ? " of " : "", subject || sid ? who : "", cfg->cache_dir);
    return EXIT_ALLOW;
}

static int cmd_revoke(const struct tool *t)
{
    const char *subject = NULL, *sid = NULL, *client = NULL;
    bool consent = false, dry_run = false;
    for (int i = 1; i < t->n_args; i++) {
        bool missing = false;
        const char *v, *flag = t->args[i];
        if ((v = take_value(t->args, t->n_args, &i, "--subject", &missing)) != NULL)
            subject = v;
        else if ((v = take_value(t->args, t->n_args, &i, "--sid", &missing)) != NULL)
            sid = v;
        else if ((v = take_value(t->args, t->n_args, &i, "--client", &missing)) != NULL)
            client = v;
        else if (missing)
            return usage_error("revoke: %s needs a value", flag);
        else if (strcmp(t->args[i], "--consent") == 0)
            consent = true;
        else if (strcmp(t->args[i], "--dry-run") == 0)
            dry_run = true;
        else if (strcmp(t->args[i], "--from-pam") == 0)
            return usage_error(
                "revoke: --from-pam is gone: it acted, as root, on OAUTH2_* values from the PAM "
                "environment, which users can write (pam_env user_readenv=1). Remove the pam_exec "
                "line and set revoke_on_close=login[,consent] on the module's session line "
                "(pam_oauth2_introspect(8)); nothing was sent");
        else
            return usage_error("revoke: unknown argument '%s'", t->args[i]);
        if (v != NULL && *v == '\0')
            return usage_error("revoke: %s needs a non-empty value", flag);
    }
    if (client && !consent)
        return usage_error("revoke: --client goes with --consent");

    struct oi_config cfg;
    struct oi_config_error err;
    int rc = load(t, &cfg, &err, false);
    if (rc != 0)
        return rc;
    if (subject == NULL && sid == NULL) {
        oi_config_free(&cfg);
        return usage_error(
            "revoke: give --subject SUB or --sid SID; nothing was sent");
    }
    if (consent && subject == NULL) {
        oi_config_free(&cfg);
        return usage_error("revoke: --consent needs the subject (--subject): Hydra revokes consent "
                           "sessions by subject and client");
    }
    if (consent && client == NULL) {
        oi_config_free(&cfg);
        return usage_error(
            "revoke: --consent needs --client CLIENT: Hydra revokes consent sessions "
            "by subject and client");
    }

    struct oi_revoke_target target = {subject, sid, client};
    rc = revoke_one(&cfg, OI_REVOKE_LOGIN, &target, dry_run, consent);
    if (consent) {
        int rc2 = revoke_one(&cfg, OI_REVOKE_CONSENT, &target, dry_run, consent);
        if (rc2 > rc)
            rc = rc2;
    }
    /* Cached answers would let the person in until their TTL ran out: they go now, whatever the
     * server said. */
    if (cfg.cache_dir != NULL && !dry_run) {
        int rc2 = flush_cache(&cfg, subject, sid);
        if (rc2 > rc)
            rc = rc2;
    }
    oi_config_free(&cfg);
    return rc;
}

/* ---- check ------------------------------------------------------------------------------- */

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

static void join_list(char *dst, size_t len, const struct oi_strlist *l)
{
    size_t o = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < l->n && o + 1 < len; i++)
        o += (size_t)snprintf(dst + o, len - o, "%s%s", i ? "," : "", l->items[i]);
    if (o >= len && len > 4)
        memcpy(dst + len - 4, "...", 4);
}

static void format_time(char *dst, size_t len, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    long long d = (long long)t - (long long)time(NULL);
    long long a = d < 0 ? -d : d;
    char when[64];
    if (a < 120)
        snprintf(when, sizeof(when), "%lld s", a);
    else if (a < 7200)
        snprintf(when, sizeof(when), "%lld min", a / 60);
    else if (a < 172800)
        snprintf(when, sizeof(when), "%lld h", a / 3600);
    else
        snprintf(when, sizeof(when), "%lld days", a / 86400);
    if (gmtime_r(&tt, &tm) == NULL || strftime(dst, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(dst, len, "%lld", (long long)t);
    size_t o = strlen(dst);
    snprintf(dst + o, len - o, d >= 0 ? " (in %s)" : " (%s ago)", when);
}

/* How the account was reached, for an allowed login. */
static void describe_mapping(const struct oi_config *cfg, const struct oi_outcome *out,
                             const struct oi_subject *subj, char *dst, size_t len)
{
    char claim[300];
    show(claim, sizeof(claim), out->claim);
    switch (out->grant) {
    case OI_GRANT_CLAIM:
        snprintf(dst, len, "the claim %s (%s) equals the user name", cfg->user_claim, claim);
        return;
    case OI_GRANT_REGEX:
        snprintf(dst, len, "user_regex %s turns the claim %s (%s) into %s", cfg->user_regex,
                 cfg->user_claim, claim, subj->user);
        return;
    case OI_GRANT_MAP:
    case OI_GRANT_MAP_LITERAL: {
        struct oi_usermap map;
        struct oi_config_error err;
        const struct oi_map_line *line = NULL;
        struct oi_map_query q = {out->facts.claim, subj->user, subj->service, out->facts.client_id,
                                 out->facts.scope};
        if (oi_usermap_load(&map, cfg->user_map, &err) == 0 &&
            oi_usermap_match(&map, &q, out->grant == OI_GRANT_MAP_LITERAL, &line) == OI_OK)
            snprintf(dst, len, "%s line %u grants %s to the claim %s (%s)%s", cfg->user_map,
                     line->lineno, line->account, cfg->user_claim, claim,
                     out->grant == OI_GRANT_MAP_LITERAL ? "; a literal line, which may grant root "
                                                          "and system accounts"
                                                        : "");
        else
            snprintf(dst, len, "a line of %s grants it to the claim %s (%s)", cfg->user_map,
                     cfg->user_claim, claim);
        oi_usermap_free(&map);
        return;
    }
    case OI_GRANT_NONE:
        break;
    }
    snprintf(dst, len, "-");
}

/* The rule that failed, in words. */
static void describe_failure(const struct oi_config *cfg, const struct oi_outcome *out,
                             const struct oi_subject *subj, char *dst, size_t len)
{
    char a[600], b[600], claim[300];
    show(claim, sizeof(claim), out->claim);
    switch (out->reason) {
    case OI_OK:
        snprintf(dst, len, "-");
        return;
    case OI_NOT_TOKEN:
        snprintf(dst, len,
                 "token_prefix is %s and the input does not start with it: the module "
                 "returns PAM_IGNORE, sends nothing and leaves the decision to the next module",
                 cfg->token_prefix);
        return;
    case OI_NO_TOKEN:
        snprintf(dst, len, "no token was read from standard input");
        return;
    case OI_MALFORMED:
        snprintf(dst, len,
                 "the input is not shaped like an access token (empty, longer than "
                 "max_token_length %ld, a byte outside printable ASCII, or not base64url "
                 "parts): nothing was sent",
                 cfg->max_token_length);
        return;
    case OI_NOT_ACCESS_TOKEN:
        snprintf(dst, len, "this is a refresh token or an authorization code, not an access token");
        return;
    case OI_INACTIVE: {
        char *scopes = NULL;
        oi_expand_scopes(&cfg->required_scopes, subj, &scopes);
        snprintf(dst, len,
                 "the server says the token is not active: unknown, expired, revoked%s%s%s",
                 scopes && *scopes && cfg->flavor != OI_FLAVOR_RFC7662
                     ? ", or without the scopes asked for ("
                     : "",
                 scopes && *scopes && cfg->flavor != OI_FLAVOR_RFC7662 ? scopes : "",
                 scopes && *scopes && cfg->flavor != OI_FLAVOR_RFC7662 ? ")" : "");
        free(scopes);
        return;
    }
    case OI_EXPIRED:
        if (!out->has_exp)
            snprintf(dst, len, "the answer has no exp: a token without expiry is never accepted");
        else
            snprintf(dst, len, "exp is in the past (leeway %ld s)", cfg->leeway);
        return;
    case OI_NOT_YET_VALID:
        snprintf(dst, len, "nbf or iat is in the future (beyond the leeway of %ld s)", cfg->leeway);
        return;
    case OI_ISSUER:
        snprintf(dst, len, "iss is not issuer (%s)", cfg->issuer);
        return;
    case OI_AUDIENCE:
        join_list(a, sizeof(a), &cfg->audience);
        snprintf(dst, len, "aud contains none of audience (%s)", a);
        return;
    case OI_CLIENT:
        join_list(a, sizeof(a), &cfg->allowed_clients);
        snprintf(dst, len, "the token's client %s is not one of allowed_clients (%s)",
                 out->client_id, a);
        return;
    case OI_SCOPE:
        join_list(a, sizeof(a), &cfg->required_scopes);
        join_list(b, sizeof(b), &cfg->any_scopes);
        snprintf(dst, len, "a scope is missing: required_scopes (%s) all, any_scopes (%s) one%s",
                 a[0] ? a : "-", b[0] ? b : "-",
                 cfg->user_map ? ", or the scope= condition of the user_map line" : "");
        return;
    case OI_USER_MISMATCH:
        if (out->claim == NULL) {
            snprintf(dst, len, "the token has no string claim %s", cfg->user_claim);
            return;
        }
        snprintf(dst, len, "the claim %s (%s) does not give the account %s: %s%s%s%s",
                 cfg->user_claim, claim, subj->user,
                 cfg->user_regex ? "its user_regex rewrite must equal the user name"
                 : cfg->user_map ? "only user_map lines grant accounts"
                                 : "it must equal the user name",
                 cfg->user_map && cfg->user_regex ? ", or a line of "
                 : cfg->user_map                  ? " ("
                                                  : "",
                 cfg->user_map ? cfg->user_map : "",
                 cfg->user_map && cfg->user_regex ? " must grant it"
                 : cfg->user_map                  ? ")"
                                                  : "");
        return;
    case OI_USER_UNKNOWN:
        snprintf(dst, len, "there is no local account %s", subj->user);
        return;
    case OI_ACCOUNT_LOOKUP:
        snprintf(dst, len, "the user database (NSS) failed to look up %s", subj->user);
        return;
    case OI_ACCOUNT_NAME:
        snprintf(dst, len,
                 "the user database answered the name %s with an account of another spelling (a "
                 "case-insensitive source such as SSSD with Active Directory): log in with the "
                 "account's exact name",
                 subj->user);
        return;
    case OI_ROOT_DENIED:
        snprintf(dst, len,
                 "root is reached only through a user_map line naming both the subject "
                 "and root literally");
        return;
    case OI_SYSTEM_ACCOUNT:
        snprintf(dst, len,
                 "accounts below min_uid (%ld) are reached only through a user_map line "
                 "naming both the subject and the account literally",
                 cfg->min_uid);
        return;
    case OI_TOKEN_AGE:
        snprintf(dst, len, "the token was issued more than max_token_age (%ld s) ago",
                 cfg->max_token_age);
        return;
    case OI_UNAVAILABLE:
        snprintf(dst, len, "no answer from %s (the message on standard error says why)",
                 cfg->introspect_url);
        return;
    case OI_HTTP_STATUS:
        snprintf(
            dst, len,
            "%s answered with a status other than 200 (the message on standard error says which)",
            cfg->introspect_url);
        return;
    case OI_BAD_ANSWER:
        snprintf(dst, len,
                 "the answer of %s is not a usable introspection answer (see the message on "
                 "standard error)",
                 cfg->introspect_url);
        return;
    case OI_CONFIG:
        snprintf(dst, len, "configuration error (see the message on standard error)");
        return;
    case OI_NOMEM:
        snprintf(dst, len, "out of memory");
        return;
    }
    snprintf(dst, len, "%s", oi_reason_name(out->reason));
}

static int cmd_check(const struct tool *t)
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
    struct oi_config_error err;
    int rc = load(t, &cfg, &err, false);
    if (rc != 0)
        return rc;
    struct oi_log lg = {NULL, cfg.debug};
    char host[256] = "";
    oi_short_hostname(host, sizeof(host));
    struct oi_subject subj = {user, service, host};
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

/* ---- ping -------------------------------------------------------------------------------- */

static void step(const char *name, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void step(const char *name, const char *status, const char *fmt, ...)
{
    va_list ap;
    printf("%-11s%-6s", name, status);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* host:port of url, for the connect line. */
static void host_port(const char *url, char *dst, size_t len)
{
    CURLU *h = curl_url();
    char *host = NULL, *port = NULL;
    if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(dst, len, "%s:%s", host, port);
    else
        snprintf(dst, len, "%s", url);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(h);
}

/* Did libcurl fail with one of these codes? http.c's error text starts with curl_easy_strerror. */
static bool failed_with(const char *err, const CURLcode *codes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = curl_easy_strerror(codes[i]);
        if (strncmp(err, s, strlen(s)) == 0)
            return true;
    }
    return false;
}

static void ms(char *dst, size_t len, double from, double to)
{
    if (to > 0)
        snprintf(dst, len, " in %.1f ms", (to - from) * 1000.0);
    else
        dst[0] = '\0';
}

/* The transport steps of one request: dns, connect, tls. false when one failed (printed). */
static bool transport_steps(const struct oi_config *cfg, const char *url, enum oi_http_result res,
                            const struct oi_http_response *r, const char *err)
{
    static const CURLcode dns_codes[] = {CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY};
    static const CURLcode connect_codes[] = {CURLE_COULDNT_CONNECT};
    static const CURLcode tls_codes[] = {
        CURLE_SSL_CONNECT_ERROR,     CURLE_PEER_FAILED_VERIFICATION,
        CURLE_SSL_CERTPROBLEM,       CURLE_SSL_CIPHER,
        CURLE_SSL_CACERT_BADFILE,    CURLE_SSL_PINNEDPUBKEYNOTMATCH,
        CURLE_SSL_ISSUER_ERROR,      CURLE_SSL_CRL_BADFILE,
        CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND,
        CURLE_SSL_ENGINE_SETFAILED,  CURLE_SSL_ENGINE_INITFAILED,
        CURLE_SSL_CLIENTCERT,        CURLE_USE_SSL_FAILED};
    enum { AT_NONE, AT_DNS, AT_CONNECT, AT_TLS, AT_REQUEST } at = AT_NONE;
    char hp[300], why[600], t[64];
    bool https = oi_skip_prefix(url, "https://") != NULL;
    const char *via = cfg->proxy ? " (the proxy)" : "";
    host_port(url, hp, sizeof(hp));
    plain(why, sizeof(why), err);
    if (res == OI_HTTP_UNAVAILABLE) {
        if (failed_with(err, dns_codes, sizeof(dns_codes) / sizeof(dns_codes[0])))
            at = AT_DNS;
        else if (failed_with(err, tls_codes, sizeof(tls_codes) / sizeof(tls_codes[0])))
            at = AT_TLS;
        else if (failed_with(err, connect_codes, 1) || r->connect_seconds <= 0)
            at = AT_CONNECT;
        else if (https && r->tls_seconds <= 0)
            at = AT_TLS;
        else
            at = AT_REQUEST;
    }
    if (at == AT_DNS) {
        step("dns", "FAIL", "%s%s: %s", hp, via, why);
        return false;
    }
    ms(t, sizeof(t), 0, r->dns_seconds);
    step("dns", "OK", "%s%s resolved%s", hp, via, t);
    if (at == AT_CONNECT) {
        step("connect", "FAIL", "%s%s: %s", hp, via, why);
        return false;
    }
    ms(t, sizeof(t), r->dns_seconds, r->connect_seconds);
    step("connect", "OK", "%s%s%s", hp, via, t);
    if (at == AT_TLS) {
        step("tls", "FAIL", "%s", why);
        return false;
    }
    if (!https) {
        step("tls", "SKIP", "plain http (allow_http): nothing is encrypted");
    } else {
        ms(t, sizeof(t), r->connect_seconds, r->tls_seconds);
        step("tls", "OK", "certificate verified (%s)%s",
             cfg->pinned_pubkey ? "and public key pinned"
             : cfg->ca_file     ? cfg->ca_file
                                : cfg->ca_dir,
             t);
    }
    return true;
}

static double request_ms(const struct oi_http_response *r)
{
    double start = r->tls_seconds > r->connect_seconds ? r->tls_seconds : r->connect_seconds;
    return (r->total_seconds - start) * 1000.0;
}

/* The server's "error" field for a failed answer, never the body. */
static void answer_error(const struct oi_http_response *r, char *dst, size_t len)
{
    struct oi_token_info info;
    char why[64];
    snprintf(dst, len, "-");
    oi_parse_answer(r->body, r->len, &info, why, sizeof(why));
    json_object *v;
    if (info.root && json_object_is_type(info.root, json_type_object) &&
        json_object_object_get_ex(info.root, "error", &v) &&
        json_object_is_type(v, json_type_string))
        plain(dst, len, json_object_get_string(v));
    oi_token_info_free(&info);
}

/* Introspect a token no server knows: 200 with active:false proves endpoint and credentials. */
static int ping_introspect(const struct oi_config *cfg, const char *secret, bool *reached)
{
    const char *dummy = cfg->flavor == OI_FLAVOR_HYDRA
                            ? "ory_at_oauth2-introspect-ping.not-a-real-token"
                            : "oauth2-introspect-ping.not-a-real-token";
    char *form = oi_build_form(cfg, dummy, NULL, secret);
    char *authz = oi_build_authorization(cfg, secret);
    struct oi_http_response r = {0};
    char err[512], e[140];
    int rc = EXIT_UNAVAILABLE;
    *reached = false;
    if (form == NULL ||
        ((cfg->auth == OI_AUTH_BASIC || cfg->auth == OI_AUTH_BEARER) && authz == NULL)) {
        step("introspect", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    struct oi_http_secrets secrets;
    if (!oi_http_secrets_init(&secrets, NULL, secret, authz)) {
        step("introspect", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    struct oi_http_request req = {"POST", cfg->introspect_url, form, authz, secrets.list};
    enum oi_http_result res = oi_http_perform(cfg, &req, &r, err, sizeof(err));
    oi_http_secrets_free(&secrets);
    if (res == OI_HTTP_NOMEM) {
        step("introspect", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    if (!transport_steps(cfg, cfg->introspect_url, res, &r, err))
        goto out;
    *reached = true;
    if (res != OI_HTTP_OK) {
        plain(e, sizeof(e), err);
        step("introspect", "FAIL", "POST %s: %s", cfg->introspect_url, e);
        goto out;
    }
    struct oi_token_info info = {0};
    char why[160];
    bool json = strncmp(r.content_type, "application/json", 16) == 0;
    if (r.status == 200 && json &&
        oi_parse_answer(r.body, r.len, &info, why, sizeof(why)) == OI_OK) {
        if (info.active) {
            step("introspect", "FAIL",
                 "POST %s: a made-up token was answered active: this is not a "
                 "server to trust",
                 cfg->introspect_url);
        } else {
            step("introspect", "OK",
                 "POST %s: HTTP 200 {\"active\":false} for a dummy token in %.1f ms: "
                 "the endpoint and the credentials work",
                 cfg->introspect_url, request_ms(&r));
            rc = EXIT_ALLOW;
        }
    } else if (r.status == 200) {
        char ct[140];
        plain(ct, sizeof(ct), r.content_type);
        step("introspect", "FAIL",
             "POST %s: HTTP 200 but not an introspection answer (Content-Type %s)",
             cfg->introspect_url, ct[0] ? ct : "none");
    } else if (r.status >= 300 && r.status < 400) {
        char loc[300];
        plain(loc, sizeof(loc), r.location);
        step("introspect", "FAIL",
             "POST %s: HTTP %ld to %s: redirects are not followed; for Hydra v2 "
             "set admin_url so that the /admin path is called",
             cfg->introspect_url, r.status, loc);
    } else {
        answer_error(&r, e, sizeof(e));
        step("introspect", "FAIL", "POST %s: HTTP %ld (error %s)%s", cfg->introspect_url, r.status,
             e,
             r.status == 401 || r.status == 403
                 ? ": the credentials were refused (auth, client_id, secret_file)"
             : r.status == 404 ? ": no such endpoint (flavor, admin_url)"
                               : "");
    }
    oi_token_info_free(&info);
out:
    oi_free_secret(&form);
    oi_free_secret(&authz);
    oi_http_response_free(&r);
    return rc;
}

static int ping_health(const struct oi_config *cfg, const char *secret)
{
    if (cfg->flavor == OI_FLAVOR_RFC7662) {
        step("health", "SKIP", "flavor rfc7662: no health endpoint");
        return EXIT_ALLOW;
    }
    if (cfg->admin_base == NULL) {
        step("health", "SKIP",
             "the admin API base is not known from introspect_url (set admin_url)");
        return EXIT_ALLOW;
    }
    size_t n = strlen(cfg->admin_base) + sizeof("/health/ready");
    char *url = malloc(n);
    char *authz = cfg->auth == OI_AUTH_BEARER ? oi_build_authorization(cfg, secret) : NULL;
    struct oi_http_response r = {0};
    char err[512], e[140];
    int rc = EXIT_UNAVAILABLE;
    if (url == NULL || (cfg->auth == OI_AUTH_BEARER && authz == NULL)) {
        step("health", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    snprintf(url, n, "%s/health/ready", cfg->admin_base);
    struct oi_http_secrets secrets;
    if (!oi_http_secrets_init(&secrets, NULL, secret, authz)) {
        step("health", "FAIL", "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    struct oi_http_request req = {"GET", url, NULL, authz, secrets.list};
    enum oi_http_result res = oi_http_perform(cfg, &req, &r, err, sizeof(err));
    oi_http_secrets_free(&secrets);
    if (res != OI_HTTP_OK) {
        plain(e, sizeof(e), err);
        step("health", "FAIL", "GET %s: %s", url, res == OI_HTTP_NOMEM ? "out of memory" : e);
    } else if (r.status == 200) {
        step("health", "OK", "GET %s: HTTP 200 in %.1f ms: Hydra is ready", url,
             r.total_seconds * 1000.0);
        rc = EXIT_ALLOW;
    } else if (r.status == 503) {
        step("health", "FAIL",
             "GET %s: HTTP 503: Hydra is not ready (its database is unreachable or "
             "migrations are pending); it answers every token inactive meanwhile",
             url);
    } else if (r.status == 404 && cfg->auth == OI_AUTH_BEARER) {
        step("health", "SKIP", "GET %s: HTTP 404: Ory Network has no health endpoint", url);
        rc = EXIT_ALLOW;
    } else {
        answer_error(&r, e, sizeof(e));
        step("health", "FAIL", "GET %s: HTTP %ld (error %s)", url, r.status, e);
    }
out:
    free(url);
    oi_free_secret(&authz);
    oi_http_response_free(&r);
    return rc;
}

static int cmd_ping(const struct tool *t)
{
    static const char *auth_names[] = {"none", "basic", "post", "bearer"};
    if (t->n_args > 1)
        return usage_error("ping: unknown argument '%s'", t->args[1]);
    struct oi_config cfg;
    struct oi_config_error err;
    if (load(t, &cfg, &err, true) != 0) {
        if (err.what[0] == '\0')
            step("config", "FAIL", "out of memory");
        else
            step("config", "FAIL", "%s: %s: %s", where_name(err.where), err.key, err.what);
        return EXIT_CONFIG;
    }
    bool present = access(cfg.conf_path, F_OK) == 0;
    if (oi_config_check_tls_files(&cfg, &err) != 0) {
        step("config", "FAIL", "%s: %s: %s", where_name(err.where), err.key, err.what);
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    step("config", "OK", "%s%s: flavor %s, endpoint %s, auth %s", cfg.conf_path,
         present ? "" : " (absent: command line only)", oi_flavor_name(cfg.flavor),
         cfg.introspect_url, auth_names[cfg.auth]);
    int rc = EXIT_ALLOW;
    char *secret = NULL;
    if (cfg.auth == OI_AUTH_NONE) {
        step("secret", "SKIP", "auth=none: no credentials are sent");
    } else {
        int src = oi_config_read_secret(&cfg, &secret, &err);
        if (src != 0) {
            step("secret", "FAIL", "%s", src == -2 ? "out of memory" : err.what);
            oi_config_free(&cfg);
            return EXIT_CONFIG;
        }
        step("secret", "OK", "%s: one line, owned by root (or you), not readable by others",
             cfg.secret_file);
    }
    if (cfg.user_map) {
        struct oi_usermap map;
        int mrc = oi_usermap_load(&map, cfg.user_map, &err);
        if (mrc == 0)
            step("user_map", "OK", "%s: %zu lines", cfg.user_map, map.n);
        else
            step("user_map", "FAIL", "%s: %s: %s", err.where, err.key,
                 mrc == -2 ? "out of memory" : err.what);
        if (mrc != 0)
            rc = EXIT_CONFIG;
        oi_usermap_free(&map);
    }
    bool reached;
    int irc = ping_introspect(&cfg, secret, &reached);
    if (irc > rc)
        rc = irc;
    if (reached) {
        int hrc = ping_health(&cfg, secret);
        if (hrc > rc)
            rc = hrc;
    } else {
        step("health", "SKIP", "the server was not reached");
    }
    oi_free_secret(&secret);
    oi_config_free(&cfg);
    return rc;
}

/* ---- cache ------------------------------------------------------------------------------- */

static void when(char *dst, size_t len, int64_t t)
{
    if (t == 0)
        snprintf(dst, len, "-");
    else
        format_time(dst, len, t);
}

static void show_breaker(void *arg, const char *url, const struct oi_breaker_state *st)
{
    int64_t now = *(const int64_t *)arg;
    if (st->open_until_ms > now)
        printf("breaker:   %s: OPEN for %.1f s more (%u failures in a row): logins skip it\n", url,
               (double)(st->open_until_ms - now) / 1000.0, st->failures);
    else if (st->failures > 0)
        printf("breaker:   %s: closed, %u failure%s in a row (opens at %d)\n", url, st->failures,
               st->failures == 1 ? "" : "s", OI_BREAKER_THRESHOLD);
    else
        printf("breaker:   %s: closed\n", url);
}

static int cmd_cache(const struct tool *t)
{
    const char *sub = t->n_args > 1 ? t->args[1] : NULL, *subject = NULL, *sid = NULL;
    if (sub == NULL || (strcmp(sub, "stats") != 0 && strcmp(sub, "flush") != 0))
        return usage_error("cache: give stats or flush");
    for (int i = 2; i < t->n_args; i++) {
        bool missing = false;
        const char *v, *flag = t->args[i];
        if (strcmp(sub, "flush") == 0 && (v = take_value(t->args, t->n_args, &i, "--subject", &missing)) != NULL)
            subject = v;
        else if (strcmp(sub, "flush") == 0 && (v = take_value(t->args, t->n_args, &i, "--sid", &missing)) != NULL)
            sid = v;
        else if (missing)
            return usage_error("cache %s: %s needs a value", sub, flag);
        else
            return usage_error("cache %s: unknown argument '%s'", sub, t->args[i]);
        if (*v == '\0')
            return usage_error("cache %s: %s needs a non-empty value", sub, flag);
    }
    if (subject && sid)
        return usage_error("cache flush: give --subject or --sid, not both");
    struct oi_config cfg;
    struct oi_config_error err;
    int rc = load(t, &cfg, &err, false);
    if (rc != 0)
        return rc;
    if (cfg.cache_dir == NULL) {
        fprintf(stderr, PROG ": cache: cache_dir is not set: there is no cache\n");
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    if (sid && cfg.sid_claim == NULL) {
        oi_config_free(&cfg);
        return usage_error("cache flush: --sid needs sid_claim (the claim holding the session id)");
    }
    if (strcmp(sub, "flush") == 0) {
        rc = flush_cache(&cfg, subject, sid);
        oi_config_free(&cfg);
        return rc;
    }
    struct oi_cache cache;
    struct oi_log lg = {NULL, cfg.debug};
    if (oi_cache_open(&cache, &cfg, &lg) != OI_OK) {
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    struct oi_cache_stats st;
    int64_t now_ms = oi_now_ms(), now = now_ms / 1000;
    if (oi_cache_stats(&cache, &cfg, now, &st) != 0) {
        fprintf(stderr, PROG ": cache: cannot read %s: %s\n", cfg.cache_dir, strerror(errno));
        oi_cache_close(&cache);
        oi_config_free(&cfg);
        return EXIT_CONFIG;
    }
    char a[80], b[80];
    size_t total = st.fresh_allow + st.fresh_deny + st.stale + st.expired + st.corrupt;
    printf("cache_dir: %s (cache_ttl %ld s, negative_ttl %ld s, offline_grace %ld s, at most %ld entries)\n",
           cfg.cache_dir, cfg.cache_ttl, cfg.negative_ttl, cfg.offline_grace, cfg.cache_max_entries);
    printf("entries:   %zu (%zu bytes)\n", total, st.bytes);
    printf("  usable:  %zu allow, %zu deny\n", st.fresh_allow, st.fresh_deny);
    printf("  stale:   %zu (allows only offline_grace may still honour)\n", st.stale);
    printf("  expired: %zu (removed as logins go by)\n", st.expired);
    printf("  corrupt: %zu (never trusted; removed when met)\n", st.corrupt);
    when(a, sizeof(a), st.oldest);
    when(b, sizeof(b), st.newest);
    printf("fetched:   oldest %s, newest %s\n", a, b);
    oi_cache_breakers(&cache, &cfg, now_ms, show_breaker, &now_ms);
    oi_cache_close(&cache);
    oi_config_free(&cfg);
    return EXIT_ALLOW;
}

/* ---- main -------------------------------------------------------------------------------- */

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
                rc = usage_error("--conf %s: cannot tell the working directory: %s", v,
                                 strerror(errno));
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
        rc = usage_error("no command: give revoke, check, ping or cache");
    } else if (strcmp(t.args[0], "revoke") == 0) {
        rc = cmd_revoke(&t);
    } else if (strcmp(t.args[0], "check") == 0) {
        rc = cmd_check(&t);
    } else if (strcmp(t.args[0], "ping") == 0) {
        rc = cmd_ping(&t);
    } else if (strcmp(t.args[0], "cache") == 0) {
        rc = cmd_cache(&t);
    } else {
        rc = usage_error("unknown command '%s': give revoke, check, ping or cache", t.args[0]);
    }
out:
    fflush(stdout);
    free(conf_arg);
    free(av);
    free(t.settings);
    free(t.args);
    return rc;
}
