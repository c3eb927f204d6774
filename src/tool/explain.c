/* The words for a decision: the rule that failed (one case for every reason) and how the
 * account was reached. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "tool.h"
#include "usermap.h"

void describe_mapping(const struct oi_config *cfg, const struct oi_outcome *out, const struct oi_subject *subj,
                      char *dst, size_t len)
{
    char claim[300];
    show(claim, sizeof(claim), out->claim);
    switch (out->grant) {
    case OI_GRANT_CLAIM:
        snprintf(dst, len, "the claim %s (%s) equals the user name", cfg->user_claim, claim);
        return;
    case OI_GRANT_REGEX:
        snprintf(dst, len, "user_regex %s turns the claim %s (%s) into %s", cfg->user_regex, cfg->user_claim, claim,
                 subj->user);
        return;
    case OI_GRANT_MAP:
    case OI_GRANT_MAP_LITERAL: {
        struct oi_usermap map;
        struct oi_config_error err;
        const struct oi_map_line *line = NULL;
        struct oi_map_query q = {out->facts.claim, subj->user, subj->service, out->facts.client_id, out->facts.scope};
        if (oi_usermap_load(&map, cfg->user_map, &err) == OI_OK &&
            oi_usermap_match(&map, &q, out->grant == OI_GRANT_MAP_LITERAL, &line) == OI_OK)
            snprintf(dst, len, "%s line %u grants %s to the claim %s (%s)%s", cfg->user_map, line->lineno,
                     line->account, cfg->user_claim, claim,
                     out->grant == OI_GRANT_MAP_LITERAL ? "; a literal line, which may grant root "
                                                          "and system accounts"
                                                        : "");
        else
            snprintf(dst, len, "a line of %s grants it to the claim %s (%s)", cfg->user_map, cfg->user_claim, claim);
        oi_usermap_free(&map);
        return;
    }
    case OI_GRANT_NONE:
        break;
    }
    snprintf(dst, len, "-");
}

void describe_failure(const struct oi_config *cfg, const struct oi_outcome *out, const struct oi_subject *subj,
                      char *dst, size_t len)
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
    case OI_NOT_ACCESS_TOKEN:
        snprintf(dst, len, "the input is not an access token: %s; nothing was sent", out->refused);
        return;
    case OI_INACTIVE: {
        char *scopes = NULL;
        oi_expand_scopes(&cfg->required_scopes, subj, &scopes);
        snprintf(dst, len, "the server says the token is not active: unknown, expired, revoked%s%s%s",
                 scopes && *scopes && cfg->flavor != OI_FLAVOR_RFC7662 ? ", or without the scopes asked for (" : "",
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
        snprintf(dst, len, "the token's client %s is not one of allowed_clients (%s)", out->client_id, a);
        return;
    case OI_SCOPE:
        join_list(a, sizeof(a), &cfg->required_scopes);
        join_list(b, sizeof(b), &cfg->any_scopes);
        snprintf(dst, len, "a scope is missing: required_scopes (%s) all, any_scopes (%s) one%s", a[0] ? a : "-",
                 b[0] ? b : "-", cfg->user_map ? ", or the scope= condition of the user_map line" : "");
        return;
    case OI_USER_MISMATCH:
        if (out->claim == NULL) {
            snprintf(dst, len, "the token has no string claim %s", cfg->user_claim);
            return;
        }
        snprintf(dst, len, "the claim %s (%s) does not give the account %s: %s%s%s%s", cfg->user_claim, claim,
                 subj->user,
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
        snprintf(dst, len, "the token was issued more than max_token_age (%ld s) ago", cfg->max_token_age);
        return;
    case OI_UNAVAILABLE:
        snprintf(dst, len, "no answer from %s (the message on standard error says why)", cfg->introspect_url);
        return;
    case OI_HTTP_STATUS:
        snprintf(dst, len, "%s answered with a status other than 200 (the message on standard error says which)",
                 cfg->introspect_url);
        return;
    case OI_BAD_ANSWER:
        snprintf(dst, len,
                 "the answer of %s is not a usable introspection answer (see the message on "
                 "standard error)",
                 cfg->introspect_url);
        return;
    case OI_OVER_BUDGET:
        snprintf(dst, len,
                 "this host's request budget for unknown tokens is spent (budget_per_minute %ld, budget_burst "
                 "%ld): nothing was sent; `oauth2-introspect limits` shows why",
                 cfg->budget_per_minute, cfg->budget_burst);
        return;
    case OI_DAMPED:
        snprintf(dst, len,
                 "this source sent %ld or more tokens the server refused since its last login, so it is damped: "
                 "nothing was sent; `oauth2-introspect limits` shows it, `limits clear` lifts it",
                 cfg->damp_after);
        return;
    case OI_CONFIG:
        snprintf(dst, len, "configuration error (see the message on standard error)");
        return;
    case OI_NOMEM:
        snprintf(dst, len, "out of memory");
        return;
    case OI_DEVICE_DENIED:
        snprintf(dst, len, "the device flow's approval was denied (the server answered access_denied)");
        return;
    case OI_DEVICE_TIMEOUT:
        snprintf(dst, len,
                 "the device flow's code was not approved before it expired or device_timeout (%ld s) ran out",
                 cfg->device_timeout);
        return;
    case OI_DEVICE_CANCELLED:
        snprintf(dst, len, "the device flow was cancelled: the person typed something other than Enter");
        return;
    }
    snprintf(dst, len, "%s", oi_reason_name(out->reason));
}
