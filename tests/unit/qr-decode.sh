#!/bin/sh
# The device flow's QR code (oi_qr_text, printed by tests/unit/qr_text) read back by an independent
# decoder: the half-block text is turned back into modules (light modules are drawn, a space is a
# dark one, the last half-row of the odd side is the terminal's background), scaled up into a PGM
# image with a white border, and zbarimg must read exactly the URL back. A phone scanning the
# prompt sees the same picture, as the terminal draws it.
command -v zbarimg >/dev/null || {
    echo "SKIP: zbarimg is not installed (Debian package zbar-tools; ./bootstrap check installs it)"
    exit 77
}
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
. "$top_srcdir/tests/lib/report-lib.sh"
qr_text=$top_builddir/tests/unit/qr_text
run=$top_builddir/tests/run/qr-decode
rm -rf "$run" && mkdir -p "$run" || exit 1

# text2pgm TEXT-FILE PGM-FILE: the modules of the half-block text, 8 pixels each, 8 modules of
# white around them. Refuses (exit 1, saying why) any text that is not a square of half blocks.
text2pgm() {
    python3 - "$1" "$2" <<'PY'
import sys
FULL, UPPER, LOWER = "\u2588", "\u2580", "\u2584"
cells = {FULL: (1, 1), UPPER: (1, 0), LOWER: (0, 1), " ": (0, 0)}  # (top, bottom) light
text = open(sys.argv[1], encoding="utf-8").read()
if not text.endswith("\n"):
    sys.exit("the text does not end in a newline")
lines = text[:-1].split("\n")
side = len(lines[0])
if any(len(l) != side for l in lines) or any(c not in cells for l in lines for c in l):
    sys.exit("lines of unequal width, or characters other than half blocks and spaces")
if len(lines) != (side + 1) // 2:
    sys.exit(f"{len(lines)} lines for a side of {side}")
rows = []
for l in lines:
    rows.append([cells[c][0] for c in l])
    rows.append([cells[c][1] for c in l])
if len(rows) > side:  # an odd side: the last half-row is the background, never drawn
    if any(rows[-1]):
        sys.exit("the half-row below the code is drawn")
    rows.pop()
quiet = 2
for i in range(side):
    for j in range(side):
        edge = min(i, j, side - 1 - i, side - 1 - j) < quiet
        if edge and not rows[i][j]:
            sys.exit(f"the quiet zone is dark at row {i}, column {j}")
scale, border = 8, 8
size = (side + 2 * border) * scale
img = bytearray(b"\xff" * size * size)
for i in range(side):
    for j in range(side):
        if not rows[i][j]:  # dark module: black
            for y in range((i + border) * scale, (i + border + 1) * scale):
                start = y * size + (j + border) * scale
                img[start:start + scale] = b"\x00" * scale
with open(sys.argv[2], "wb") as f:
    f.write(b"P5\n%d %d\n255\n" % (size, size) + bytes(img))
PY
}

# The URLs a prompt shows: Hydra's verification page with its mixed-case code, a short one, one
# with every character a URL may hold, and two near OI_DEVICE_MAX_URI (512) bytes.
pad() { python3 -c 'import sys; print(sys.argv[1] + "x" * (int(sys.argv[2]) - len(sys.argv[1])), end="")' "$1" "$2"; }
n=0
check() { # NAME URL
    n=$((n + 1))
    f=$run/$n
    if ! "$qr_text" "$2" >"$f.txt" 2>"$f.err"; then
        problem "qr_text failed: $(cat "$f.err")"
    elif ! text2pgm "$f.txt" "$f.pgm" 2>"$f.err"; then
        problem "not a QR code picture: $(tail -1 "$f.err")"
    else
        got=$(zbarimg --raw -q "$f.pgm" 2>"$f.err")
        [ "$got" = "$2" ] || problem "zbarimg read '$got' ($(cat "$f.err")) from $f.pgm, not '$2'"
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
