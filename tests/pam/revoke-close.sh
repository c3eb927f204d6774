#!/bin/sh
# revoke_on_close: runs tests/pam/test_revoke, the real module's close_session under pam_wrapper +
# nss_wrapper and libpamtest, against Hydra stand-ins (v2, v1, Ory Network) over HTTPS with a CA
# made here, and a port nothing listens on. Exit 77 (skip) with the reason when a test dependency
# is missing.
. "$top_srcdir/tests/pam/tool-lib.sh"

BIN="$TOPB/tests/pam/test_revoke"
[ -x "$BIN" ] || skip "tests/pam/test_revoke was not built (needs cmocka and libpamtest)"
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
MODULE=$TOPB/src/.libs/pam_oauth2_introspect.so
[ -f "$MODULE" ] || skip "the module $MODULE was not built"

setup_run "$TOPB/tests/run/revoke-close"
trap lib_cleanup EXIT INT TERM
start_standin v2 v2; start_standin v1 v1; start_standin net network
wait_standins v2 v1 net

export OI_V2_ADMIN="$(port v2 admin)" OI_V2_CONTROL="$(port v2 control)"
export OI_V1_ADMIN="$(port v1 admin)" OI_V1_CONTROL="$(port v1 control)"
export OI_NET_ADMIN="$(port net admin)" OI_NET_CONTROL="$(port net control)"
export OI_DEAD_URL="https://127.0.0.1:$(dead_port)"
export OI_RUN_DIR="$RUN" OI_CA="$RUN/pki/ca.crt" OI_NET_KEY_FILE="$RUN/network.key" OI_MODULE="$MODULE"

"$BIN" --write-services || { echo "FAIL: cannot write the PAM services"; exit 1; }
# Home directories for pam_env's ~/.pam_environment: as root it reads them as the user, so the way
# there must be open to uid 1234 (only searchable; nothing here is writable by others).
chmod 711 "$RUN" && mkdir -p "$RUN/home/alice" "$RUN/home/bob" && chmod 755 "$RUN/home" "$RUN/home/alice" "$RUN/home/bob"
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:1234:Alice:%s/home/alice:/bin/sh\nbob:x:1235:1235:Bob:%s/home/bob:/bin/sh\n' \
    "$RUN" "$RUN" >"$RUN/passwd"
printf 'root:x:0:\nalice:x:1234:\nbob:x:1235:\n' >"$RUN/group"

# pam_wrapper spins forever if misconfigured: always under timeout.
env LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libpam_wrapper.so libnss_wrapper.so ${OI_EXTRA_PRELOAD:-}" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 \
    NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
    timeout 300 ${OI_TEST_WRAPPER:-} "$BIN"
