#!/bin/sh
# Runs tests/pam/test_cache: the persistent cache (cache_dir), offline grace, the circuit breaker and
# failover over a comma list of URLs, with the real module under pam_wrapper + nss_wrapper against
# a Hydra stand-in over HTTPS, and oauth2-introspect's cache and revoke commands on the same
# directories. Exit 77 (skip) with the reason when a test dependency is missing.
set -u
skip() { echo "SKIP: $*"; exit 77; }
: "${top_builddir:?}" "${top_srcdir:?}"
BUILD=$(cd "$top_builddir" && pwd)
BIN="$BUILD/tests/pam/test_cache"
[ -x "$BIN" ] || skip "tests/pam/test_cache was not built (needs cmocka and libpamtest)"
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

RUN=$BUILD/tests/run/cache
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

"$top_srcdir/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
. "$top_srcdir/tests/standin/standin-lib.sh"
standin_start "$RUN/v2.ports" "$RUN/v2.out" --version v2 --tls-cert "$RUN/pki/server.crt" \
    --tls-key "$RUN/pki/server.key"
pids="$pids $STANDIN_PID"
wait_ports "$RUN/v2.ports" "$RUN/v2.out"
export OI_V2_ADMIN="$(port_in "$RUN/v2.ports" admin)" OI_V2_CONTROL="$(port_in "$RUN/v2.ports" control)"
# A port nothing listens on: bound to port 0, noted, let go.
export OI_DEAD_URL="https://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export OI_RUN_DIR="$RUN" OI_CA="$RUN/pki/ca.crt" OI_OTHER_CA="$RUN/pki/other-ca.crt"
export OI_MODULE="$BUILD/src/.libs/pam_oauth2_introspect.so" OI_TOOL="$BUILD/src/oauth2-introspect"

"$BIN" --write-services || { echo "FAIL: cannot write the PAM services"; exit 1; }
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:1234:Alice:/home/alice:/bin/sh\nbob:x:1235:1235:Bob:/home/bob:/bin/sh\n' \
    > "$RUN/passwd"
printf 'root:x:0:\nalice:x:1234:\nbob:x:1235:\n' > "$RUN/group"

# pam_wrapper spins forever if misconfigured: always under timeout.
env LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libpam_wrapper.so libnss_wrapper.so ${OI_EXTRA_PRELOAD:-}" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 \
    NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
    timeout 300 ${OI_TEST_WRAPPER:-} "$BIN"
