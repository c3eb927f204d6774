#!/bin/sh
# make distcheck as an unprivileged user, on a copy of the committed tree (HEAD) that the user owns.
# As root, distcheck's read-only source tree and staged install do not stop a stray write into
# the source tree or into a system directory (/etc, /lib/.../security): as a plain user they fail.
# Run by .ci/run as root: it creates the user (OI_DISTCHECK_USER, default oi-distcheck) if missing.
# As a plain user already, it runs distcheck on the copy as that user.
set -eu
cd "$(dirname "$0")/../.."
TOP=$(pwd)
NAME=${OI_DISTCHECK_USER:-oi-distcheck}

if [ "$(id -u)" = 0 ]; then
    if ! id "$NAME" >/dev/null 2>&1; then
        useradd --system --create-home --home-dir "/var/lib/$NAME" --shell /bin/sh "$NAME"
    fi
    as_user() { runuser -u "$NAME" -- "$@"; }
else
    NAME=$(id -un)
    as_user() { "$@"; }
fi

# A fresh directory of the user's own, outside the source tree; git archive, not git clone: the
# user need not be able to read this repository's .git (and git would refuse its owner).
D=$(as_user mktemp -d "${TMPDIR:-/tmp}/oi-distcheck.XXXXXX")
trap 'rm -rf "$D"' EXIT INT TERM
git -C "$TOP" archive --format=tar HEAD | as_user tar -x -C "$D"
echo "make distcheck as $NAME (uid $(id -u "$NAME")) in $D, from $(git -C "$TOP" rev-parse --short HEAD)"
as_user sh -c 'cd "$1" && autoreconf -fi >/dev/null 2>&1 && ./configure >configure.out &&
    make -j"$(nproc)" distcheck' sh "$D" || {
    find "$D" -name test-suite.log -exec tail -100 {} \; 2>/dev/null
    exit 1
}
