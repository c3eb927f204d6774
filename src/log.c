#include <config.h>

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <security/pam_ext.h>

void oi_logf(const struct oi_log *lg, int prio, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (lg->pamh != NULL) {
        pam_vsyslog(lg->pamh, prio, fmt, ap);
    } else {
        fputs("pam_oauth2_introspect: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

int oi_fingerprint(const char *token, char fp[OI_FP_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < OI_FP_LEN / 2) {
        snprintf(fp, OI_FP_LEN + 1, "-");
        return -1;
    }
    for (size_t i = 0; i < OI_FP_LEN / 2; i++)
        snprintf(fp + 2 * i, 3, "%02x", md[i]);
    return 0;
}
