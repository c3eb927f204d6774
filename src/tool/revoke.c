/* oauth2-introspect revoke: end a person's Hydra login sessions (and consent sessions, which end
 * their tokens), and remove their cached answers. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "revoke.h"
#include "tool.h"

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
static int revoke_one(const struct oi_config *cfg, unsigned kind, const struct oi_revoke_target *t, bool dry_run,
                      bool with_consent)
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
        snprintf(what, sizeof(what), "consent sessions of subject \"%s\" for client \"%s\"", sub, client);

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
        printf("%s: NOT revoked: no answer from the server: %s (DELETE %s)\n", what, r.detail, r.url);
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

int cmd_revoke(const struct tool *t)
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
            return usage_error("revoke: --from-pam is gone: it acted, as root, on OAUTH2_* values from the PAM "
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
    int rc = load(t, &cfg);
    if (rc != 0)
        return rc;
    if (subject == NULL && sid == NULL) {
        oi_config_free(&cfg);
        return usage_error("revoke: give --subject SUB or --sid SID; nothing was sent");
    }
    if (consent && subject == NULL) {
        oi_config_free(&cfg);
        return usage_error("revoke: --consent needs the subject (--subject): Hydra revokes consent "
                           "sessions by subject and client");
    }
    if (consent && client == NULL) {
        oi_config_free(&cfg);
        return usage_error("revoke: --consent needs --client CLIENT: Hydra revokes consent sessions "
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
