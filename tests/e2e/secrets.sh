#!/bin/sh
# Secrets hygiene: everything the suite logged (each test's output with pam_wrapper's syslog lines,
# stderr, tool output, and the logs under tests/run) holds no token, client secret, API key or
# password that any test used. The stand-ins and the fault matrix record those secrets in the
# witness list as they go; see tests/e2e/secrets_scan.py. Runs after every other test (tests/e2e/e2e.mk).
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
BUILD=$(cd "$top_builddir" && pwd)
exec python3 "$top_srcdir/tests/e2e/secrets_scan.py" "$BUILD" \
    "${OI_SECRETS_WITNESS:-$BUILD/tests/run/secrets/witness.list}"
