#include <config.h>

#include "precheck.h"

#include <stdio.h>
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

/* Why a byte makes the secret no token: the likely slip, in words that show nothing of it. */
static const char *bad_byte(const char *token, size_t len, size_t i)
{
    unsigned char c = (unsigned char)token[i];
    if (c == ' ' || c == '\t')
        return i + 1 == len ? "it ends with a space or tab: remove the trailing blank"
               : i == 0     ? "it begins with a space or tab: remove the leading blank"
                            : "it holds a space or tab: a token has none";
    if (c < 0x20 || c == 0x7f)
        return "it holds a control character (a line break?): a token has none";
    return "it holds a byte outside ASCII (a typographic quote or dash?): a token has none";
}

static enum oi_reason refuse(enum oi_reason r, const char *text, char *why, size_t whylen)
{
    snprintf(why, whylen, "%s", text);
    return r;
}

enum oi_reason oi_precheck(const struct oi_config *cfg, const char *token, char *why, size_t whylen)
{
    char text[200];
    if (cfg->token_prefix != NULL && oi_skip_prefix(token, cfg->token_prefix) == NULL)
        return refuse(OI_NOT_TOKEN, "it does not begin with token_prefix", why, whylen);
    size_t len = strnlen(token, (size_t)cfg->max_token_length + 1);
    if (len < (size_t)cfg->min_token_length) {
        snprintf(text, sizeof(text), "it is shorter than min_token_length (%ld): a password, not a token",
                 cfg->min_token_length);
        return refuse(OI_MALFORMED, text, why, whylen);
    }
    if (len > (size_t)cfg->max_token_length) {
        snprintf(text, sizeof(text), "it is longer than max_token_length (%ld)", cfg->max_token_length);
        return refuse(OI_MALFORMED, text, why, whylen);
    }
    /* Printable ASCII only: sshd's fake password for invalid users carries control characters. */
    size_t plain = oi_plain_len(token, len);
    if (plain < len)
        return refuse(OI_MALFORMED, bad_byte(token, len, plain), why, whylen);
    if (oi_skip_prefix(token, "ory_rt_") || oi_skip_prefix(token, "ory_ac_"))
        return refuse(OI_NOT_ACCESS_TOKEN, "it is a refresh token or an authorization code (ory_rt_, ory_ac_)", why,
                      whylen);
    if (cfg->flavor != OI_FLAVOR_RFC7662 && !hydra_shaped(token))
        return refuse(OI_MALFORMED,
                      "it is not shaped like a Hydra access token (ory_at_ and two 43-character base64url "
                      "parts joined by '.', or a JWT): for a server other than Hydra set flavor = rfc7662",
                      why, whylen);
    return refuse(OI_OK, "", why, whylen);
}
