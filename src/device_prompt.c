#include <config.h>

#include "device_prompt.h"
#include "util.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUIET 2 /* modules of light border: the standard asks 4, phones read 2, terminals are narrow */

char *oi_qr_text(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (qr == NULL)
        return NULL;
    int side = qr->width + 2 * QUIET, lines = (side + 1) / 2;
    size_t size = (size_t)lines * ((size_t)side * 3 + 1) + 1;
    char *out = malloc(size), *o = out;
    for (int y = 0; out != NULL && y < side; y += 2) {
        for (int x = 0; x < side; x++) {
            bool light[2];
            for (int i = 0; i < 2; i++) {
                int mx = x - QUIET, my = y + i - QUIET;
                bool inside = mx >= 0 && my >= 0 && mx < qr->width && my < qr->width;
                /* Below the last row (an odd side) is the terminal's own background: dark. */
                light[i] = y + i < side && !(inside && (qr->data[my * qr->width + mx] & 1));
            }
            const char *cell = light[0] && light[1] ? "\xe2\x96\x88" /* full block */
                               : light[0]           ? "\xe2\x96\x80" /* upper half */
                               : light[1]           ? "\xe2\x96\x84" /* lower half */
                                                    : " ";
            size_t n = strlen(cell);
            memcpy(o, cell, n);
            o += n;
        }
        *o++ = '\n';
    }
    if (out != NULL)
        *o = '\0';
    QRcode_free(qr);
    return out;
}

/* A PAM item for the prompt: printable, at most 64 bytes of it; NULL or "-" when unknown. */
static const char *shown_item(char *dst, size_t len, const char *v)
{
    if (v == NULL || *v == '\0' || strcmp(v, "-") == 0)
        return NULL;
    oi_sanitize(dst, len, v, strnlen(v, 64));
    return dst;
}

char *oi_device_prompt(const struct oi_device_code *code, const struct oi_subject *subj, int64_t expires_at, bool qr)
{
    char user[300], service[300], rhost[300], host[300], when[64] = "", from[320] = "";
    if (shown_item(user, sizeof(user), subj->user) == NULL)
        snprintf(user, sizeof(user), "-");
    if (shown_item(host, sizeof(host), subj->host) == NULL)
        snprintf(host, sizeof(host), "this host");
    if (shown_item(service, sizeof(service), subj->service) == NULL)
        snprintf(service, sizeof(service), "-");
    if (shown_item(rhost, sizeof(rhost), subj->rhost) != NULL)
        snprintf(from, sizeof(from), ", from %s", rhost);
    time_t t = (time_t)expires_at;
    struct tm tm;
    if (localtime_r(&t, &tm) != NULL)
        strftime(when, sizeof(when), "%H:%M:%S %Z", &tm);
    long left = (long)(expires_at - (int64_t)time(NULL));

    const char *complete = code->verification_uri_complete;
    char *picture = qr ? oi_qr_text(complete ? complete : code->verification_uri) : NULL;
    char steps[1400];
    if (complete != NULL)
        snprintf(steps, sizeof(steps),
                 "  1. Open %s\n"
                 "%s"
                 "  2. Check that the page shows the code %s, then approve.\n",
                 complete, picture ? "     (or scan the QR code below with a phone)\n" : "", code->user_code);
    else
        snprintf(steps, sizeof(steps),
                 "  1. Open %s\n"
                 "%s"
                 "  2. Enter the code %s exactly as shown here, then approve.\n",
                 code->verification_uri, picture ? "     (or scan the QR code below with a phone)\n" : "",
                 code->user_code);
    char *text = NULL;
    if (asprintf(&text,
                 "To log in as %s on %s (service %s%s), approve this login on another device:\n"
                 "%s"
                 "Approve only a login you started yourself: whoever gets you to approve a code\n"
                 "logs in as you. The code is valid until %s (%ld s from now).\n"
                 "%s"
                 "Press Enter once approved: ",
                 user, host, service, from, steps, when, left > 0 ? left : 0, picture ? picture : "") < 0)
        text = NULL;
    free(picture);
    return text;
}
