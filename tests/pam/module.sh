#!/bin/sh
# Runs tests/pam/test_module: the real module under pam_wrapper + nss_wrapper against four Hydra
# stand-ins (v2, v1, v25 and Ory Network) over HTTPS with a CA made here, and four more that report
# the issuer of examples/hydra-v2.conf (v2, v25), hydra-v1.conf and ory-network.conf, for the
# test cases that use those files as they are.
# Exit 77 (skip) with the reason when a test dependency is missing.
set -u
skip() { echo "SKIP: $*"; exit 77; }
: "${top_builddir:?}" "${top_srcdir:?}"
BIN="$top_builddir/tests/pam/test_module"
[ -x "$BIN" ] || skip "tests/pam/test_module was not built (needs cmocka and libpamtest)"
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

RUN=$(cd "$top_builddir" && pwd)/tests/run/module
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

"$top_srcdir/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
printf 'ory_apikey_test-network-key\n' > "$RUN/network.key" && chmod 600 "$RUN/network.key"

. "$top_srcdir/tests/standin/standin-lib.sh"
start_standin() { # name version [issuer]
    standin_start "$RUN/$1.ports" "$RUN/$1.out" --version "$2" --tls-cert "$RUN/pki/server.crt" \
        --tls-key "$RUN/pki/server.key" --api-key-file "$RUN/network.key" ${3:+--issuer "$3"}
    pids="$pids $STANDIN_PID"
}
# The issuer an example file names (its "issuer = " line).
example_issuer() { sed -n 's/^issuer *= *//p' "$top_srcdir/examples/$1"; }
start_standin v2 v2; start_standin v1 v1; start_standin v25 v25; start_standin net network
start_standin exv2 v2 "$(example_issuer hydra-v2.conf)"; start_standin exv25 v25 "$(example_issuer hydra-v2.conf)"
start_standin exv1 v1 "$(example_issuer hydra-v1.conf)"; start_standin exnet network "$(example_issuer ory-network.conf)"
for n in v2 v1 v25 net exv2 exv25 exv1 exnet; do
    wait_ports "$RUN/$n.ports" "$RUN/$n.out"
    N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
    export "OI_${N}_ADMIN=$(port_in "$RUN/$n.ports" admin)" "OI_${N}_CONTROL=$(port_in "$RUN/$n.ports" control)"
    export "OI_${N}_PUBLIC=$(port_in "$RUN/$n.ports" public)"
done
# A port nothing listens on: bind one, note it, and let it go.
export OI_DEAD_URL="https://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export OI_RUN_DIR="$RUN" OI_CA="$RUN/pki/ca.crt" OI_OTHER_CA="$RUN/pki/other-ca.crt"
export OI_NET_KEY_FILE="$RUN/network.key"
wrapper_modules=$(pkg-config --variable=modules pam_wrapper)
export OI_PAM_MATRIX="$wrapper_modules/pam_matrix.so" OI_PAM_GET_ITEMS="$wrapper_modules/pam_get_items.so"
export OI_SRC_DIR="$(cd "$top_srcdir" && pwd)"
export OI_MODULE="$(cd "$top_builddir" && pwd)/src/.libs/pam_oauth2_introspect.so"

"$BIN" --write-services || { echo "FAIL: cannot write the PAM services"; exit 1; }
cat > "$RUN/passwd" <<PW
root:x:0:0:root:/root:/bin/sh
alice:x:1234:1234:Alice:/home/alice:/bin/sh
bob:x:1235:1235:Bob:/home/bob:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
deploy:x:1500:1500:CI deploy:/home/deploy:/bin/sh
svc-app:x:1600:1600:Team A service:/home/svc-app:/bin/sh
PW
printf 'root:x:0:\nalice:x:1234:\nbob:x:1235:\ndaemon:x:1:\ndeploy:x:1500:\nsvc-app:x:1600:\n' > "$RUN/group"

# pam_wrapper spins forever if misconfigured: always under timeout. In a sanitizer build the ASan
# runtime must come first (OI_TEST_PRELOAD_PREFIX, from configure); OI_TEST_WRAPPER may be valgrind.
env LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libpam_wrapper.so libnss_wrapper.so ${OI_EXTRA_PRELOAD:-}" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 \
    NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
    NSS_WRAPPER_MODULE_SO_PATH="$(cd "$top_builddir" && pwd)/tests/pam/.libs/libnss_casefold.so" \
    NSS_WRAPPER_MODULE_FN_PREFIX=casefold \
    timeout 600 ${OI_TEST_WRAPPER:-} "$BIN"
