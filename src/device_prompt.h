/* The device flow's one prompt: everything a person needs to approve a login from another
 * device, in one echo-off message (sshd shows informational messages only with the next
 * prompt), and the QR code of the verification URL for a phone. PAM-free. */
#ifndef OI_DEVICE_PROMPT_H
#define OI_DEVICE_PROMPT_H

#include <stdbool.h>
#include <stdint.h>
#include "device.h"
#include "policy.h"

/* The prompt for code, approving subj's login (user, host, service, remote host when known),
 * with the time the code stops being polled (expires_at, seconds since the epoch), a warning
 * about codes someone else sends, a QR code when qr, and "press Enter once approved". Owned
 * (free), NULL when out of memory. */
char *oi_device_prompt(const struct oi_device_code *code, const struct oi_subject *subj, int64_t expires_at, bool qr);

/* The QR code of text in UTF-8 half blocks, two rows of modules a line, light modules drawn
 * (as qrencode -t UTF8 does, for dark terminals) inside a quiet zone; each line ends in '\n'.
 * Owned (free), NULL when text cannot be encoded or out of memory. */
char *oi_qr_text(const char *text);

#endif
