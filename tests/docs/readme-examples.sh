#!/bin/sh
# Every file of examples/ (subdirectories too) is quoted word for word in the document listed for
# it below, and pam_oauth2_introspect.conf(5) quotes the four server examples: the tests use those
# files as they are. The list is explicit, so that a file cannot move to another document, or
# appear in examples/ without one, unnoticed. What a person or a CI job runs (examples/clients/)
# and what goes into /etc/pam.d and /etc/ssh/sshd_config.d stay in README.md itself.
quoted_in="
examples/clients/oauth2-token-askpass        README.md
examples/clients/person.sh                   README.md
examples/clients/ci-job.sh                   README.md
examples/pam.d/sshd                          README.md
examples/pam.d/sudo                          README.md
examples/pam.d/stacking                      README.md
examples/sshd_config.d/oauth2-introspect.conf README.md
examples/hydra-v2.conf                       README.md
examples/hydra-v1.conf                       docs/server.md
examples/ory-network.conf                    docs/server.md
examples/sshd.conf                           docs/accounts.md
examples/sudo.conf                           docs/accounts.md
examples/pam_oauth2_introspect.map           docs/accounts.md
examples/hydra-v2.conf                       man/pam_oauth2_introspect.conf.5.scd
examples/hydra-v1.conf                       man/pam_oauth2_introspect.conf.5.scd
examples/ory-network.conf                    man/pam_oauth2_introspect.conf.5.scd
examples/hydra-device.conf                   README.md
examples/hydra-device.conf                   man/pam_oauth2_introspect.conf.5.scd
"
rc=0; n=0; bad=0
fail() { echo "FAIL: $*"; rc=1; bad=$((bad + 1)); }
quotes() { # DOC FILE
    python3 -c 'import sys; sys.exit(open(sys.argv[2]).read() not in open(sys.argv[1]).read())' "$1" "$2"
}
files=$(cd "$top_srcdir" && find examples -type f | LC_ALL=C sort)
[ -n "$files" ] || { echo "FAIL: no files in $top_srcdir/examples"; exit 1; }
for f in $files; do
    n=$((n + 1))
    echo "$quoted_in" | grep -q "^$f " || fail "$f is in examples/ but not listed in $0"
done
# shellcheck disable=SC2086
set -- $quoted_in
while [ $# -ge 2 ]; do
    f=$1 doc=$2; shift 2; n=$((n + 1))
    case "$f" in
    examples/clients/* | examples/pam.d/* | examples/sshd_config.d/*)
        [ "$doc" = README.md ] || { fail "$f must be quoted in README.md, not $doc"; continue; } ;;
    esac
    if [ ! -f "$top_srcdir/$f" ]; then
        fail "$f is listed here but missing (not shipped in the tarball?)"
    elif [ ! -f "$top_srcdir/$doc" ]; then
        fail "$doc is missing (not shipped in the tarball?)"
    elif quotes "$top_srcdir/$doc" "$top_srcdir/$f"; then
        echo "PASS: $doc quotes $f"
    else
        fail "$doc does not quote $f word for word"
    fi
done
echo "$((n - bad)) passed, $bad failed"
exit $rc
