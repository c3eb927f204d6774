/* Harness: the option parser and the conf-file parser (oi_config_load). The input is a conf-file
 * body, then optionally a NUL byte and pam.d arguments separated by NUL bytes. The body is written
 * to a private 0600 file that a conf= argument names, as the module reads it. A loaded
 * configuration is checked against the rules oi_config_load promises. */
#include <config.h>

#include "fuzz.h"
#include "policy.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 24

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_file_path();
    return 0;
}

static void check_loaded(const struct oi_config *cfg)
{
    FUZZ_ASSERT(cfg->introspect_url != NULL && cfg->endpoints.n > 0);
    FUZZ_ASSERT(strcmp(cfg->introspect_url, cfg->endpoints.items[0]) == 0);
    for (size_t i = 0; i < cfg->endpoints.n; i++) {
        const char *url = cfg->endpoints.items[i];
        const char *rest = oi_skip_prefix(url, "https://");
        if (rest == NULL && cfg->allow_http)
            rest = oi_skip_prefix(url, "http://");
        FUZZ_ASSERT(rest != NULL);
        /* a host, and no credentials in a URL that is logged */
        size_t authority = strcspn(rest, "/?#");
        FUZZ_ASSERT(authority > 0 && memchr(rest, '@', authority) == NULL);
    }
    FUZZ_ASSERT(cfg->allowed_clients.n > 0);
    FUZZ_ASSERT(!cfg->any_client || cfg->allowed_clients.n == 1);
    FUZZ_ASSERT(cfg->user_claim != NULL && cfg->user_claim[0] != '\0');
    FUZZ_ASSERT(cfg->prompt != NULL);
    FUZZ_ASSERT(cfg->ca_file != NULL || cfg->ca_dir != NULL);
    FUZZ_ASSERT(cfg->connect_timeout_ms >= 1 && cfg->connect_timeout_ms <= cfg->timeout_ms);
    FUZZ_ASSERT(cfg->max_token_length >= 16);
    FUZZ_ASSERT((cfg->auth == OI_AUTH_BASIC || cfg->auth == OI_AUTH_POST) == (cfg->client_id != NULL));
    FUZZ_ASSERT((cfg->auth != OI_AUTH_NONE) == (cfg->secret_file != NULL));
    FUZZ_ASSERT(cfg->user_re_compiled == (cfg->user_regex != NULL));
    for (size_t i = 0; i < cfg->allowed_clients.n; i++)
        FUZZ_ASSERT(cfg->allowed_clients.items[i][0] != '\0');
    /* Scope templates were validated: expanding them must not fail on an escape. */
    struct oi_subject subj = {"alice", "sshd", "host1", NULL, NULL};
    char *scopes = NULL;
    enum oi_reason r = oi_expand_scopes(&cfg->required_scopes, &subj, &scopes);
    FUZZ_ASSERT(r == OI_OK || r == OI_SCOPE || r == OI_NOMEM);
    free(scopes);
    scopes = NULL;
    r = oi_expand_scopes(&cfg->any_scopes, &subj, &scopes);
    FUZZ_ASSERT(r == OI_OK || r == OI_SCOPE || r == OI_NOMEM);
    free(scopes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t body_len = nul ? (size_t)(nul - text) : size;
    char conf_arg[320];
    const char *argv[MAX_ARGS + 1];
    int argc = 0;
    char *args = NULL;

    fuzz_file_write(text, body_len);
    snprintf(conf_arg, sizeof(conf_arg), "conf=%s", fuzz_file_path());
    argv[argc++] = conf_arg;
    if (nul != NULL) {
        /* A NUL-terminated copy of the argument area: each item is one C string. */
        size_t n = size - body_len - 1;
        args = malloc(n + 1);
        if (args == NULL)
            return 0;
        memcpy(args, nul + 1, n);
        args[n] = '\0';
        for (char *p = args; p <= args + n && argc < MAX_ARGS; p += strlen(p) + 1)
            if (!oi_skip_prefix(p, "conf=")) /* only our file is read: no other path is opened */
                argv[argc++] = p;
    }

    struct oi_config cfg;
    struct oi_config_error err;
    int rc = oi_config_load(&cfg, argc, argv, &err);
    FUZZ_ASSERT(rc == OI_OK || rc == OI_CONFIG || rc == OI_NOMEM);
    if (rc == 0) {
        check_loaded(&cfg);
        oi_config_free(&cfg);
    } else if (rc == OI_CONFIG) {
        FUZZ_ASSERT(memchr(err.where, '\0', sizeof(err.where)) && memchr(err.key, '\0', sizeof(err.key)) &&
                    memchr(err.what, '\0', sizeof(err.what)) && err.what[0] != '\0');
    }
    free(args);
    return 0;
}
