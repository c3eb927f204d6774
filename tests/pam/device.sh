#!/bin/sh
# Runs tests/pam/test_device: the device flow (RFC 8628) of the real module under pam_wrapper +
# nss_wrapper, against Hydra stand-ins (--version v25) whose public port issues and redeems device
# codes, a v2 stand-in (no device flow), one that the test kills half-way, and a closed port.
# The cases come in groups (tests/pam/test_device.c), run in parallel processes, each with its own
# stand-in: most cases wait a poll interval (1 s) and a few wait a deadline (10 s, or 18 s of
# slow_down). Everything stays on 127.0.0.1.
# Exit 77 (skip) with the reason when a test dependency is missing.
#
# Knobs (environment): OI_TEST_WRAPPER and OI_EXTRA_PRELOAD as in tests/pam/module.sh;
# OI_DEVICE_GROUPS (the groups to run, default "1 2 3").
set -u
skip() { echo "SKIP: $*"; exit 77; }
: "${top_builddir:?}" "${top_srcdir:?}"
BIN="$top_builddir/tests/pam/test_device"
[ -x "$BIN" ] || skip "tests/pam/test_device was not built (needs cmocka and libpamtest)"
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"
wrapper_modules=$(pkg-config --variable=modules pam_wrapper 2>/dev/null)
[ -f "$wrapper_modules/pam_set_items.so" ] || skip "pam_set_items.so of pam_wrapper is not installed"

BUILD=$(cd "$top_builddir" && pwd)
RUN=$BUILD/tests/run/device
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

"$top_srcdir/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }

# --- secrets: fresh for every run, and on the witness list tests/e2e/secrets.sh checks logs against ---
OI_DEVICE_SECRET=$(python3 -c 'import secrets; print("device-client-secret-" + secrets.token_urlsafe(24))')
printf '%s\n' "$OI_DEVICE_SECRET" > "$RUN/device.secret" && chmod 600 "$RUN/device.secret"
printf '%s\n' "$OI_DEVICE_SECRET" > "$RUN/device-open.secret" && chmod 640 "$RUN/device-open.secret"
if [ -z "${OI_SECRETS_WITNESS:-}" ]; then
    mkdir -p "$BUILD/tests/run/secrets"
    OI_SECRETS_WITNESS=$BUILD/tests/run/secrets/witness.list
fi
printf '%s\n' "$OI_DEVICE_SECRET" >> "$OI_SECRETS_WITNESS"
export OI_SECRETS_WITNESS OI_DEVICE_SECRET

# --- servers: one v25 stand-in per group, a v2 one, one to kill half-way, one killed at once ---
. "$top_srcdir/tests/standin/standin-lib.sh"
start_standin() { # name version
    standin_start "$RUN/$1.ports" "$RUN/$1.out" --version "$2" --tls-cert "$RUN/pki/server.crt" \
        --tls-key "$RUN/pki/server.key"
    pids="$pids $STANDIN_PID"
}
names="g1 g2 g3 v2 doomed down"
for n in g1 g2 g3 doomed down; do start_standin "$n" v25; eval "pid_$n=\$STANDIN_PID"; done
start_standin v2 v2
for n in $names; do
    wait_ports "$RUN/$n.ports" "$RUN/$n.out"
    N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
    export "OI_${N}_ADMIN=$(port_in "$RUN/$n.ports" admin)" "OI_${N}_CONTROL=$(port_in "$RUN/$n.ports" control)" \
        "OI_${N}_PUBLIC=$(port_in "$RUN/$n.ports" public)"
done
# "Server down": a real stand-in, started and then killed; its ports are closed.
kill "$pid_down" && wait "$pid_down" 2>/dev/null
export OI_DOOMED_PID="$pid_doomed"

export OI_RUN_DIR="$RUN" OI_CA="$RUN/pki/ca.crt"
export OI_MODULE="$BUILD/src/.libs/pam_oauth2_introspect.so" OI_PAM_SET_ITEMS="$wrapper_modules/pam_set_items.so"

"$BIN" --write-services || { echo "FAIL: cannot write the PAM services"; exit 1; }
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:1234:Alice:/home/alice:/bin/sh\nbob:x:1235:1235:Bob:/home/bob:/bin/sh\n' \
    > "$RUN/passwd"
printf 'root:x:0:\nalice:x:1234:\nbob:x:1235:\n' > "$RUN/group"

# pam_wrapper spins forever if misconfigured: always under timeout. Processes start 0.5 s apart:
# pam_wrapper picks its /tmp/pam.X directory at start-up, and simultaneous starts can collide.
rc=0 started=""
for g in ${OI_DEVICE_GROUPS:-1 2 3}; do
    env LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libpam_wrapper.so libnss_wrapper.so ${OI_EXTRA_PRELOAD:-}" PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 \
        NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
        timeout 600 ${OI_TEST_WRAPPER:-} "$BIN" --group "$g" >"$RUN/group$g.out" 2>&1 &
    started="$started $g:$!"
    sleep 0.5
done
for s in $started; do
    g=${s%%:*} p=${s#*:}
    wait "$p"; r=$?
    echo "===== group $g (exit $r)"
    cat "$RUN/group$g.out"
    [ "$r" -eq 0 ] || rc=1
done
exit $rc
