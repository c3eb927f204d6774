#include <config.h>

#include "hostkey.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

enum oi_reason oi_hostkey_load(const struct oi_config *cfg, const struct oi_log *lg, struct oi_hostkey *k)
{
    char why[400];
    int fd = oi_private_dir_open(cfg->state_dir, why, sizeof(why));
    int rc = fd >= 0 ? oi_private_key(fd, OI_HOSTKEY_FILE, k->key, why, sizeof(why)) : -1;
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        return OI_OK;
    oi_hostkey_wipe(k);
    oi_logf(lg, LOG_ERR,
            "configuration error: state_dir %s: %s (it must be a directory owned by root with mode 0700, "
            "in directories only root can change)",
            cfg->state_dir, why);
    return OI_CONFIG;
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
