#include <config.h>

#include "precheck.h"

#include <string.h>

static bool is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Hydra computes an empty signature for any other shape, which can never be active
 * (hydra-api.md section 7), so such a secret is not worth a request. */
static bool hydra_shaped(const char *token)
{
    const char *p = oi_skip_prefix(token, "ory_at_");
    if (p == NULL)
        p = token;
    size_t parts = 1, part_len = 0;
    for (; *p; p++) {
        if (*p == '.') {
            if (part_len == 0)
                return false;
            parts++;
            part_len = 0;
        } else if (is_base64url(*p)) {
            part_len++;
        } else {
            return false;
        }
    }
    return part_len > 0 && (parts == 2 || parts == 3);
}

enum oi_reason oi_precheck(const struct oi_config *cfg, const char *token)
{
    if (cfg->token_prefix != NULL && oi_skip_prefix(token, cfg->token_prefix) == NULL)
        return OI_NOT_TOKEN;
    size_t len = strnlen(token, (size_t)cfg->max_token_length + 1);
    if (len == 0 || len > (size_t)cfg->max_token_length)
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
