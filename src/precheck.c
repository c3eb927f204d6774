#include <config.h>

#include "precheck.h"

#include <string.h>

/* Hydra's opaque tokens: base64url(32 random bytes) "." base64url(HMAC-SHA512/256), each part
 * 43 characters (hydra-api.md section 7). The key part may grow if Ory ever raises the entropy. */
#define HYDRA_PART 43

static size_t base64url_span(const char *s)
{
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}

/* An opaque Hydra token (after an optional ory_at_), or a JWT: three non-empty base64url parts,
 * the first a JSON object ("eyJ" is base64url for '{"'). Hydra computes an empty signature for
 * any other shape, which can never be active, so nothing else is worth a request, and an
 * ordinary password ("Summer.2024") never leaves the host. */
static bool hydra_shaped(const char *token)
{
    const char *opaque = oi_skip_prefix(token, "ory_at_");
    const char *p = opaque ? opaque : token;
    size_t key = base64url_span(p);
    if (key >= HYDRA_PART && p[key] == '.' && base64url_span(p + key + 1) == HYDRA_PART &&
        p[key + 1 + HYDRA_PART] == '\0')
        return true;
    if (opaque != NULL || strncmp(token, "eyJ", 3) != 0)
        return false;
    for (int part = 0; part < 3; part++) {
        size_t n = base64url_span(p);
        if (n == 0 || p[n] != (part < 2 ? '.' : '\0'))
            return false;
        p += n + 1;
    }
    return true;
}

enum oi_reason oi_precheck(const struct oi_config *cfg, const char *token)
{
    if (cfg->token_prefix != NULL && oi_skip_prefix(token, cfg->token_prefix) == NULL)
        return OI_NOT_TOKEN;
    size_t len = strnlen(token, (size_t)cfg->max_token_length + 1);
    if (len < (size_t)cfg->min_token_length || len > (size_t)cfg->max_token_length)
        return OI_MALFORMED;
    /* Printable ASCII only: sshd's fake password for invalid users carries control characters. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)token[i] < 0x21 || (unsigned char)token[i] > 0x7e)
            return OI_MALFORMED;
    if (oi_skip_prefix(token, "ory_rt_") || oi_skip_prefix(token, "ory_ac_"))
        return OI_NOT_ACCESS_TOKEN;
    if (cfg->flavor != OI_FLAVOR_RFC7662 && !hydra_shaped(token))
        return OI_MALFORMED;
    return OI_OK;
}
