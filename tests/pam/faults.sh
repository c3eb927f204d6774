#!/bin/sh
# Runs tests/pam/test_faults: the fault matrix and the unsafe-file cases, with the real module under
# pam_wrapper + nss_wrapper against Hydra stand-ins (one per certificate fault) and loopback
# listeners that fail below HTTP (tests/pam/fault_listeners.py). Everything stays on 127.0.0.1.
# Exit 77 (skip) with the reason when a test dependency is missing.
#
# Knobs (environment): OI_FAULT_TIMEOUT_MS (timeout_ms of every case, default 1500),
# OI_FAULT_MARGIN_MS (how much longer than timeout_ms a login may take, default 1500; 5000 under
# OI_TEST_WRAPPER, e.g. valgrind), OI_TEST_WRAPPER and OI_EXTRA_PRELOAD as in tests/pam/module.sh.
set -u
skip() { echo "SKIP: $*"; exit 77; }
: "${top_builddir:?}" "${top_srcdir:?}"
BIN="$top_builddir/tests/pam/test_faults"
[ -x "$BIN" ] || skip "tests/pam/test_faults was not built (needs cmocka and libpamtest)"
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

BUILD=$(cd "$top_builddir" && pwd)
RUN=$BUILD/tests/run/faults
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

# --- certificates: the good set, then one leaf per certificate fault, all from the test CA ---
PKI=$RUN/pki
"$top_srcdir/tests/lib/make-pki.sh" "$PKI" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
(
    set -e
    cd "$PKI"
    cat > ca.cnf <<'EOF'
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF
    mkdir -p newcerts && : > index.txt && echo 1000 > serial
    leaf() { # name cn start end ext-text
        openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
        printf '%s\n' "$5" > "$1.ext"
        openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in "$1.csr" -out "$1.crt" \
            -startdate "$3" -enddate "$4" -extfile "$1.ext" -notext >/dev/null 2>&1
        chmod 600 "$1.key"
    }
    ok_ext='subjectAltName=DNS:localhost,IP:127.0.0.1
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth'
    now=$(date -u +%Y%m%d%H%M%SZ)
    soon=$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)
    leaf expired localhost 20200101000000Z 20200201000000Z "$ok_ext"
    leaf notyet localhost 20990101000000Z 20990201000000Z "$ok_ext"
    leaf wronghost hydra.wrong.example "$now" "$soon" 'subjectAltName=DNS:hydra.wrong.example
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth'
    leaf clientonly localhost "$now" "$soon" 'subjectAltName=DNS:localhost,IP:127.0.0.1
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=clientAuth'
) || { echo "FAIL: cannot make the fault certificates"; exit 1; }

# --- secrets: fresh for every run, and on the witness list tests/e2e/secrets.sh checks logs against ---
rand() { python3 -c 'import secrets, sys; print(sys.argv[1] + secrets.token_urlsafe(24))' "$1"; }
OI_CLIENT_SECRET=$(rand "faults-client-secret-")
OI_API_KEY=$(rand "ory_apikey_faults")
printf '%s\n' "$OI_CLIENT_SECRET" > "$RUN/faults.secret" && chmod 600 "$RUN/faults.secret"
if [ -z "${OI_SECRETS_WITNESS:-}" ]; then
    mkdir -p "$BUILD/tests/run/secrets"
    OI_SECRETS_WITNESS=$BUILD/tests/run/secrets/witness.list
fi
printf '%s\n%s\n' "$OI_CLIENT_SECRET" "$OI_API_KEY" >> "$OI_SECRETS_WITNESS"
export OI_SECRETS_WITNESS OI_CLIENT_SECRET OI_API_KEY

# --- servers ---
. "$top_srcdir/tests/standin/standin-lib.sh"
start_standin() { # name cert-basename
    standin_start "$RUN/$1.ports" "$RUN/$1.out" --version v2 --tls-cert "$PKI/$2.crt" --tls-key "$PKI/$2.key"
    pids="$pids $STANDIN_PID"
}

start_standin main server; start_standin expired expired; start_standin notyet notyet
start_standin wronghost wronghost; start_standin clientonly clientonly
start_standin down server; down_pid=$STANDIN_PID
python3 "$top_srcdir/tests/pam/fault_listeners.py" "$RUN/listeners.ports" >"$RUN/listeners.out" 2>&1 &
pids="$pids $!"
for n in main expired notyet wronghost clientonly down; do wait_ports "$RUN/$n.ports" "$RUN/$n.out"; done
wait_ports "$RUN/listeners.ports" "$RUN/listeners.out"
for n in main expired notyet wronghost clientonly; do
    N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
    export "OI_${N}_ADMIN=$(port_in "$RUN/$n.ports" admin)" "OI_${N}_CONTROL=$(port_in "$RUN/$n.ports" control)"
done
# "Server down": a real stand-in, started and then killed; its port is closed.
export OI_DOWN_PORT="$(port_in "$RUN/down.ports" admin)"
kill "$down_pid" && wait "$down_pid" 2>/dev/null
for n in refused blackhole silent reset plain; do
    N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
    export "OI_${N}_PORT=$(port_in "$RUN/listeners.ports" "$n")"
done

export OI_TIMEOUT_MS="${OI_FAULT_TIMEOUT_MS:-1500}"
export OI_CONNECT_TIMEOUT_MS=$((OI_TIMEOUT_MS * 2 / 3))
if [ -n "${OI_TEST_WRAPPER:-}" ]; then default_margin=5000; else default_margin=1500; fi
export OI_MARGIN_MS="${OI_FAULT_MARGIN_MS:-$default_margin}"
export OI_RUN_DIR="$RUN" OI_PKI="$PKI" OI_CA="$PKI/ca.crt" OI_OTHER_CA="$PKI/other-ca.crt"
export OI_MODULE="$BUILD/src/.libs/pam_oauth2_introspect.so"

"$BIN" --write-services || { echo "FAIL: cannot write the PAM services"; exit 1; }
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:1234:Alice:/home/alice:/bin/sh\n' > "$RUN/passwd"
printf 'root:x:0:\nalice:x:1234:\n' > "$RUN/group"

# pam_wrapper spins forever if misconfigured: always under timeout.
env LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libpam_wrapper.so libnss_wrapper.so ${OI_EXTRA_PRELOAD:-}" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 \
    NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
    timeout 600 ${OI_TEST_WRAPPER:-} "$BIN"
