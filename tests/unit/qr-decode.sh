#!/bin/sh
# The device flow's QR code (oi_qr_text, printed by tests/unit/qr_text) read back by an independent
# decoder: tests/lib/qr_text.py turns the half-block text back into modules (light modules are
# drawn, a space is a dark one, the last half-row of the odd side is the terminal's background),
# checks the quiet zone, scales it up into an image with a white border, and zbarimg must read
# exactly the URL back. A phone scanning the prompt sees the same picture, as the terminal draws it.
command -v zbarimg >/dev/null || {
    echo "SKIP: zbarimg is not installed (Debian package zbar-tools; ./bootstrap check installs it)"
    exit 77
}
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
. "$top_srcdir/tests/lib/report-lib.sh"
qr_text=$top_builddir/tests/unit/qr_text
run=$top_builddir/tests/run/qr-decode
rm -rf "$run" && mkdir -p "$run" || exit 1

# The URLs a prompt shows: Hydra's verification page with its mixed-case code, a short one, one
# with every character a URL may hold, and two near OI_DEVICE_MAX_URI (512) bytes.
pad() { python3 -c 'import sys; print(sys.argv[1] + "x" * (int(sys.argv[2]) - len(sys.argv[1])), end="")' "$1" "$2"; }
n=0
check() { # NAME URL
    n=$((n + 1))
    f=$run/$n
    if ! "$qr_text" "$2" >"$f.txt" 2>"$f.err"; then
        problem "qr_text failed: $(cat "$f.err")"
    elif ! got=$(python3 "$top_srcdir/tests/lib/qr_text.py" "$f.txt" 2>"$f.err"); then
        problem "not a QR code that decodes: $(tail -1 "$f.err")"
    else
        [ "${got#qr *: }" = "$2" ] || problem "zbarimg read '$got' from $f.txt, not '$2'"
    fi
    report "$1 (${#2} bytes)"
}
check "Hydra's verification URL with a mixed-case code" \
    "https://hydra.example.org:4444/oauth2/device/verify?user_code=AbCd3xyz"
check "the stand-in's, on 127.0.0.1" "https://127.0.0.1:40123/oauth2/device/verify?user_code=WDJB-MJHT"
check "a short URL" "https://a.io/"
check "every URL character" \
    "https://h.example/p/a-b_c.d~e!f\$g&h'i(j)k*l+m,n;o=p:q@r%2F?user_code=Az09&x=%20#frag"
check "a URL of 500 bytes" "$(pad "https://hydra.example.org/oauth2/device/verify?user_code=AbCd3xyz&pad=" 500)"
check "a URL of 512 bytes" "$(pad "https://login.example.com/device?user_code=ZZZZ-9999&state=" 512)"
summary
