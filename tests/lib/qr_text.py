#!/usr/bin/env python3
"""The QR code in a device-flow approval prompt, as a person's phone sees it (tests/e2e, and
tests/unit/qr-decode.sh on oi_qr_text alone).

  qr_text.py FILE      FILE: the prompt text as the person saw it (UTF-8)

Finds the block of lines made only of U+2588, U+2580, U+2584 and spaces (the module draws light
modules as the terminal's foreground, two rows per line), checks that it is a square of whole
modules in a light quiet zone of 2, whose half-row below an odd side is the terminal's
background, and, when zbarimg (zbar-tools) is installed, renders it as an image and decodes it.
Prints "qr SIDExSIDE: DECODED" (DECODED "-" without zbarimg: "zbarimg not installed"). Exit
status 1, with the reason, if there is no such block, it is not square, or it does not decode.
"""
import os
import shutil
import subprocess
import sys
import tempfile

CELLS = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1), " ": (0, 0)}  # (top, bottom) light


def main(path):
    with open(path, "rb") as fh:
        lines = fh.read().decode("utf-8", "replace").split("\n")
    block, best = [], []
    for line in lines + [""]:
        if line and set(line) <= set(CELLS) and set(line) - {" "}:
            block.append(line)
        else:
            if len(block) > len(best):
                best = block
            block = []
    if not best:
        sys.exit("no QR code (no line of only U+2588 U+2580 U+2584 and spaces)")
    side = len(best[0])
    if any(len(l) != side for l in best) or len(best) != (side + 1) // 2:
        sys.exit("not a square QR code: %d lines of widths %s" % (len(best), sorted({len(l) for l in best})))
    rows = []
    for line in best:
        rows.append([CELLS[c][0] for c in line])
        rows.append([CELLS[c][1] for c in line])
    if len(rows) > side:  # an odd side: the last half row is the terminal's background, never drawn
        if any(rows[-1]):
            sys.exit("the half-row below the code is drawn")
        rows.pop()
    quiet = 2
    for i in range(side):
        for j in range(side):
            if min(i, j, side - 1 - i, side - 1 - j) < quiet and not rows[i][j]:
                sys.exit("the quiet zone is dark at row %d, column %d" % (i, j))
    if not shutil.which("zbarimg"):
        print("qr %dx%d: - (zbarimg not installed)" % (side, side))
        return 0
    scale, border = 8, 4  # pixels per module; light modules of margin added around
    width = (side + 2 * border) * scale
    img = bytearray()
    for y in range(-border, side + border):
        row = bytearray()
        for x in range(-border, side + border):
            light = not (0 <= y < side and 0 <= x < side) or rows[y][x]
            row += (b"\xff" if light else b"\x00") * scale
        img += bytes(row) * scale
    with tempfile.NamedTemporaryFile(suffix=".pgm", delete=False) as fh:
        fh.write(b"P5\n%d %d\n255\n" % (width, width) + bytes(img))
        pgm = fh.name
    try:
        r = subprocess.run(["zbarimg", "--raw", "-q", pgm], capture_output=True, text=True)
    finally:
        os.unlink(pgm)
    if r.returncode != 0 or not r.stdout.strip():
        sys.exit("qr %dx%d: zbarimg cannot decode it (exit %d) %s" % (side, side, r.returncode, r.stderr.strip()))
    print("qr %dx%d: %s" % (side, side, r.stdout.strip()))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
