#include <config.h>

#include "log.h"
#include "hostkey.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

int oi_fingerprint(const struct oi_hostkey *k, const char *token, char fp[OI_FP_LEN + 1])
{
    unsigned char md[32];
    if (!oi_hostkey_mac(k, "token fingerprint", token, strlen(token), md)) {
        snprintf(fp, OI_FP_LEN + 1, "-");
        return -1;
    }
    oi_hex(fp, md, OI_FP_LEN / 2);
    return 0;
}
