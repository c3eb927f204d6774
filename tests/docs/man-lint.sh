#!/bin/sh
# The rendered man pages are lint-clean for mandoc at error level.
command -v mandoc >/dev/null || { echo "SKIP: mandoc is not installed"; exit 77; }
rc=0
for page in pam_oauth2_introspect.8 pam_oauth2_introspect.conf.5 oauth2-introspect.8; do
    f="$top_builddir/man/$page"
    [ -f "$f" ] || f="$top_srcdir/man/$page"
    if mandoc -Tlint -W error "$f"; then echo "PASS: $page"; else echo "FAIL: $page"; rc=1; fi
done
exit $rc
