/* Harness: an introspection answer body through oi_parse_answer, then the decision
 * (oi_policy_check) under several fixed configurations and PAM users. A decision of OI_OK is
 * checked against the rules it must rest on, so a logic slip that lets a login through is a
 * finding just like a crash. */
#include <config.h>

#include "fuzz.h"
#include "answer.h"
#include "policy.h"
#include "usermap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z: fixed, so that replays are repeatable */

struct variant {
    const char *conf;
    const char *map; /* NULL: no user_map */
};

static const struct variant variants[] = {
    /* The README's minimal set-up. */
    {"admin_url = https://hydra.example.org:4445\nallowed_clients = ssh-cli, deploy\n"
     "required_scopes = ssh:login\n",
     NULL},
    /* A generic RFC 7662 server with every token rule switched on. */
    {"flavor = rfc7662\nintrospect_url = https://as.example.org/introspect\nauth = basic\n"
     "client_id = pam\nsecret_file = /nonexistent\nallowed_clients = *\nissuer = https://as.example.org/\n"
     "audience = ssh://fleet, web\nuser_claim = ext.unix_user\nany_scopes = sudo, admin:%u\n"
     "max_token_age = 300\nleeway = 0\n",
     NULL},
    /* People by e-mail address through user_regex, services and system accounts through the map. */
    {"admin_url = https://hydra.example.org:4445\nallowed_clients = ssh-cli, deploy, ci\n"
     "user_regex = ([a-z][a-z0-9_-]*)@example\\.com\nuser_map = /nonexistent.map\n"
     "required_scopes = login:%u, host:%h\n",
     "# subject account options\n"
     "deploy deploy client=deploy scope=deploy:run\n"
     "team-a-* svc-app service=sshd\n"
     "alice@example.com root scope=root:login service=sshd,sudo\n"},
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

static const struct oi_subject subjects[] = {
    {"alice", "sshd", "host1", NULL, NULL},
    {"root", "sudo", "host1", NULL, NULL},
    {"deploy", "sshd", "ci", NULL, NULL},
    {"svc-app", "sshd", "host1", NULL, NULL},
};
#define N_SUBJECTS (sizeof(subjects) / sizeof(subjects[0]))

static struct oi_config cfgs[N_VARIANTS];
static struct oi_usermap maps[N_VARIANTS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    for (size_t i = 0; i < N_VARIANTS; i++) {
        fuzz_config_fixed(&cfgs[i], variants[i].conf, 0, NULL);
        if (variants[i].map != NULL) {
            struct oi_config_error err;
            if (oi_usermap_parse(&maps[i], "fuzz.map", variants[i].map, strlen(variants[i].map), &err) != 0)
                abort();
        }
    }
    return 0;
}

static bool jstr_is(const struct oi_jstr *j, const char *s)
{
    return j->s != NULL && oi_str_eq(j->s, j->len, s);
}

/* What an OI_OK must rest on, checked independently of policy.c. */
static void check_allowed(const struct oi_config *cfg, const struct oi_usermap *map, const struct oi_token_info *info,
                          const struct oi_subject *subj, const struct oi_facts *facts, enum oi_grant grant)
{
    FUZZ_ASSERT(info->active);
    if (cfg->flavor != OI_FLAVOR_RFC7662 || info->token_use.s != NULL)
        FUZZ_ASSERT(jstr_is(&info->token_use, "access_token"));
    FUZZ_ASSERT(info->has_exp && info->exp + cfg->leeway > NOW);
    FUZZ_ASSERT(!info->has_nbf || info->nbf <= NOW + cfg->leeway);
    FUZZ_ASSERT(!info->has_iat || info->iat <= NOW + cfg->leeway);
    if (cfg->max_token_age > 0)
        FUZZ_ASSERT(info->has_iat && NOW - info->iat <= cfg->max_token_age + cfg->leeway);
    if (!cfg->any_client)
        FUZZ_ASSERT(info->client_id.s != NULL &&
                    oi_strlist_contains(&cfg->allowed_clients, info->client_id.s, info->client_id.len));
    if (cfg->issuer != NULL)
        FUZZ_ASSERT(info->iss.s != NULL);
    if (cfg->audience.n > 0)
        FUZZ_ASSERT(info->aud != NULL);
    FUZZ_ASSERT(facts->claim != NULL && strlen(facts->claim) > 0);
    struct oi_jstr claim;
    FUZZ_ASSERT(oi_claim_string(info, cfg->user_claim, &claim));
    FUZZ_ASSERT(claim.len == strlen(facts->claim) && memcmp(claim.s, facts->claim, claim.len) == 0);
    switch (grant) {
    case OI_GRANT_CLAIM:
        FUZZ_ASSERT(map == NULL && cfg->user_regex == NULL && strcmp(facts->claim, subj->user) == 0);
        break;
    case OI_GRANT_REGEX:
        FUZZ_ASSERT(cfg->user_regex != NULL && strstr(facts->claim, subj->user) != NULL);
        break;
    case OI_GRANT_MAP:
    case OI_GRANT_MAP_LITERAL:
        FUZZ_ASSERT(map != NULL);
        break;
    case OI_GRANT_NONE:
        FUZZ_ASSERT(!"OI_OK without a grant");
    }
    /* Root only ever through a literal map line: the policy may grant the claim "root" to the
     * user root, and the account check (uid 0, from the real passwd file) must then refuse. */
    if (strcmp(subj->user, "root") == 0 && grant != OI_GRANT_MAP_LITERAL)
        FUZZ_ASSERT(oi_check_account("root", cfg->min_uid, grant) != OI_OK);
}

/* Written apart from introspect.c: does the text have a member key holding an escaped NUL?
 * json-c keeps keys as C strings, so such a key would be read as a shorter one. */
static bool raw_nul_key(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"')
            continue;
        bool nul = false;
        size_t j = i + 1;
        for (; j < n && s[j] != '"'; j++) {
            if (s[j] != '\\')
                continue;
            nul |= j + 5 < n && memcmp(s + j + 1, "u0000", 5) == 0;
            j++;
        }
        size_t k = j + 1;
        while (k < n && strchr(" \t\r\n", s[k]) != NULL && s[k] != '\0')
            k++;
        if (nul && k < n && s[k] == ':')
            return true;
        i = j;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct oi_token_info info;
    char why[160];
    enum oi_reason r = oi_parse_answer((const char *)data, size, &info, why, sizeof(why));
    FUZZ_ASSERT(r == OI_OK || r == OI_BAD_ANSWER);
    FUZZ_ASSERT(r == OI_OK || memchr(why, '\0', sizeof(why)) != NULL);
    if (r == OI_OK) {
        FUZZ_ASSERT(info.root != NULL);
        FUZZ_ASSERT(!raw_nul_key((const char *)data, size));
        for (size_t v = 0; v < N_VARIANTS; v++) {
            const struct oi_usermap *map = variants[v].map ? &maps[v] : NULL;
            for (size_t s = 0; s < N_SUBJECTS; s++) {
                struct oi_facts facts;
                enum oi_grant grant = OI_GRANT_NONE;
                enum oi_reason d = oi_policy_check(&cfgs[v], map, &info, &subjects[s], NOW, &facts, &grant);
                FUZZ_ASSERT(oi_reason_pam_code(d) != 0 || d == OI_OK); /* PAM_SUCCESS is 0 */
                if (d == OI_OK)
                    check_allowed(&cfgs[v], map, &info, &subjects[s], &facts, grant);
                else
                    FUZZ_ASSERT(facts.claim == NULL && facts.client_id == NULL && facts.scope == NULL);
                oi_facts_free(&facts);
            }
        }
    }
    oi_token_info_free(&info);
    return 0;
}
