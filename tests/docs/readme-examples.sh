#!/bin/sh
# README shows each file of examples/ (subdirectories too) word for word, and
# pam_oauth2_introspect.conf(5) the three server examples: the tests use those files as they are.
rc=0; n=0; bad=0
quotes() { # DOC FILE
    python3 -c 'import sys; sys.exit(open(sys.argv[2]).read() not in open(sys.argv[1]).read())' "$1" "$2"
}
check() { # DOC FILE
    n=$((n + 1))
    if quotes "$top_srcdir/$1" "$top_srcdir/$2"; then
        echo "PASS: $1 quotes $2"
    else
        echo "FAIL: $1 does not quote $2 word for word"; rc=1; bad=$((bad + 1))
    fi
}
files=$(cd "$top_srcdir" && find examples -type f | LC_ALL=C sort)
[ -n "$files" ] || { echo "FAIL: no files in $top_srcdir/examples"; exit 1; }
for f in $files; do
    check README.md "$f"
done
for f in examples/hydra-v2.conf examples/hydra-v1.conf examples/ory-network.conf; do
    check man/pam_oauth2_introspect.conf.5.scd "$f"
done
echo "$((n - bad)) passed, $bad failed"
exit $rc
