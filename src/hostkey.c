#include <config.h>

#include "hostkey.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

enum oi_reason oi_hostkey_load(const struct oi_config *cfg, const struct oi_log *lg, struct oi_hostkey *k)
{
    return oi_private_keyed_dir(lg, "state_dir", cfg->state_dir, OI_HOSTKEY_FILE, k->key, NULL);
}

void oi_hostkey_wipe(struct oi_hostkey *k)
{
    oi_wipe(k->key, sizeof(k->key));
}

bool oi_hostkey_mac(const struct oi_hostkey *k, const char *purpose, const void *data, size_t len,
                    unsigned char out[32])
{
    size_t pl = strlen(purpose) + 1;
    unsigned char *buf = malloc(pl + len);
    if (buf == NULL)
        return false;
    memcpy(buf, purpose, pl);
    memcpy(buf + pl, data, len);
    unsigned int outlen = 0;
    bool ok = HMAC(EVP_sha256(), k->key, sizeof(k->key), buf, pl + len, out, &outlen) != NULL && outlen == 32;
    oi_wipe(buf, pl + len); /* data may be a token */
    free(buf);
    return ok;
}
