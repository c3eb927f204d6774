/* For tests/unit/qr-decode.sh: prints oi_qr_text(TEXT), the QR code the device flow's prompt
 * shows, exactly as the prompt holds it. Exit 1 when there is none. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "device_prompt.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s TEXT\n", argv[0]);
        return 2;
    }
    char *qr = oi_qr_text(argv[1]);
    if (qr == NULL) {
        fprintf(stderr, "%s: no QR code for a text of that length\n", argv[0]);
        return 1;
    }
    fputs(qr, stdout);
    free(qr);
    return 0;
}
