/* Harness: the token precheck (oi_precheck) under the flavours and token options, then, for a
 * secret that passes, the form body it is sent in (oi_build_form) and its fingerprint. The form
 * must decode back to exactly the token. */
#include <config.h>

#include "fuzz.h"
#include "introspect.h"
#include "hostkey.h"
#include "log.h"
#include "precheck.h"

#include <stdlib.h>
#include <string.h>

static const char *const variants[] = {
    "admin_url = https://hydra.example.org:4445\nallowed_clients = ssh-cli\n",
    "flavor = rfc7662\nintrospect_url = https://as.example.org/introspect\nauth = post\nclient_id = pam\n"
    "secret_file = /nonexistent\nallowed_clients = ssh-cli\n",
    "admin_url = https://hydra.example.org:4445\nallowed_clients = ssh-cli\ntoken_prefix = ory_at_\n"
    "max_token_length = 64\nrequired_scopes = ssh:login\n",
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))
static struct oi_config cfgs[N_VARIANTS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    for (size_t i = 0; i < N_VARIANTS; i++)
        fuzz_config_fixed(&cfgs[i], variants[i], 0, NULL);
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The value of the first form field, decoded; NULL when the encoding is not what the server
 * would decode back. */
static char *form_token(const char *form)
{
    const char *p = oi_skip_prefix(form, "token=");
    if (p == NULL)
        return NULL;
    size_t n = strcspn(p, "&");
    char *out = malloc(n + 1);
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '+') {
            out[o++] = ' ';
        } else if (p[i] == '%') {
            if (i + 2 >= n || hexval(p[i + 1]) < 0 || hexval(p[i + 2]) < 0) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    out[o] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *token = malloc(size + 1);
    if (token == NULL)
        return 0;
    memcpy(token, data, size);
    token[size] = '\0'; /* PAM hands the module a C string: it ends at the first NUL */
    size_t len = strlen(token);
    for (size_t v = 0; v < N_VARIANTS; v++) {
        const struct oi_config *cfg = &cfgs[v];
        char why[240];
        enum oi_reason r = oi_precheck(cfg, token, why, sizeof(why));
        FUZZ_ASSERT(r == OI_OK || r == OI_NOT_TOKEN || r == OI_MALFORMED || r == OI_NOT_ACCESS_TOKEN);
        if (cfg->token_prefix != NULL && !oi_skip_prefix(token, cfg->token_prefix))
            FUZZ_ASSERT(r == OI_NOT_TOKEN);
        /* A refusal says why, and shows nothing of the secret (it may be a password). */
        FUZZ_ASSERT((r == OI_OK) == (why[0] == '\0'));
        for (const char *w = why; *w; w++)
            FUZZ_ASSERT(*w >= 0x20 && *w < 0x7f);
        /* (Every text's longest run without a space is shorter than 22 bytes.) */
        FUZZ_ASSERT(len < 22 || strchr(token, ' ') != NULL || strstr(why, token) == NULL);
        if (r != OI_OK)
            continue;
        FUZZ_ASSERT(len > 0 && len <= (size_t)cfg->max_token_length);
        for (size_t i = 0; i < len; i++)
            FUZZ_ASSERT(token[i] > 0x20 && token[i] < 0x7f);
        FUZZ_ASSERT(!oi_skip_prefix(token, "ory_rt_") && !oi_skip_prefix(token, "ory_ac_"));
        if (cfg->flavor != OI_FLAVOR_RFC7662)
            FUZZ_ASSERT(strchr(token, '.') != NULL && token[len - 1] != '.');
        char *form = oi_build_form(cfg, token, cfg->required_scopes.n ? "ssh:login" : NULL, "s3cr&t=");
        FUZZ_ASSERT(form != NULL);
        char *back = form_token(form);
        FUZZ_ASSERT(back != NULL && strcmp(back, token) == 0);
        /* Nothing but the separators may appear unencoded. */
        FUZZ_ASSERT(strspn(form, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%+&=") ==
                    strlen(form));
        FUZZ_ASSERT(len >= (size_t)cfg->min_token_length);
        /* Keyed: another host's key gives another fingerprint (a collision is 1 in 2^32). */
        static const struct oi_hostkey key_a = {{1}}, key_b = {{2}};
        char fp[OI_FP_LEN + 1], fp_b[OI_FP_LEN + 1];
        FUZZ_ASSERT(oi_fingerprint(&key_a, token, fp) == 0 && strlen(fp) == OI_FP_LEN);
        FUZZ_ASSERT(oi_fingerprint(&key_b, token, fp_b) == 0 && strcmp(fp, fp_b) != 0);
        free(back);
        oi_free_secret(&form);
    }
    free(token);
    return 0;
}
