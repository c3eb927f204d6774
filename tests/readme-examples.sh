#!/bin/sh
# README shows each file of examples/ word for word (the module tests use those files as they are).
rc=0; n=0; bad=0
for f in "$top_srcdir"/examples/*; do
    n=$((n + 1))
    if python3 -c 'import sys; sys.exit(open(sys.argv[2]).read() not in open(sys.argv[1]).read())' \
        "$top_srcdir/README.md" "$f"; then
        echo "PASS: README quotes examples/$(basename "$f")"
    else
        echo "FAIL: README does not quote examples/$(basename "$f") word for word"; rc=1; bad=$((bad + 1))
    fi
done
echo "$((n - bad)) passed, $bad failed"
exit $rc
