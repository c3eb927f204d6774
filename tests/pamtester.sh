#!/bin/sh
# Through the real libpam: a service in /etc/pam.d, a real local user, pamtester, and the Hydra
# stand-in over HTTPS. Needs root; everything it creates is removed on exit.
set -u
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (writes /etc/pam.d and adds a user)"
command -v pamtester >/dev/null || skip "pamtester is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

RUN=$(cd "$top_builddir" && pwd)/tests/run/pamtester
SVC=oi-pamtester-$$
USER_NAME=oi-pamtester
MODULE="$(cd "$top_builddir" && pwd)/src/.libs/pam_oauth2_introspect.so"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -f "/etc/pam.d/$SVC"
    id "$USER_NAME" >/dev/null 2>&1 && userdel "$USER_NAME" 2>/dev/null
}
trap cleanup EXIT INT TERM
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
"$top_srcdir/tests/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
. "$top_srcdir/tests/standin-lib.sh"
standin_start "$RUN/ports" "$RUN/standin.out" --version v25 --tls-cert "$RUN/pki/server.crt" \
    --tls-key "$RUN/pki/server.key"
pid=$STANDIN_PID
wait_ports "$RUN/ports" "$RUN/standin.out"
ADMIN=$(port_in "$RUN/ports" admin)
ctl() { python3 "$top_srcdir/tests/standin_ctl.py" "$RUN/ports" "$@"; }

id "$USER_NAME" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$USER_NAME" || { echo "FAIL: useradd"; exit 1; }
cat > "$RUN/module.conf" <<CONF
admin_url = https://127.0.0.1:$ADMIN
ca_file = $RUN/pki/ca.crt
allowed_clients = ssh-cli
state_dir = $RUN/state
CONF
chmod 600 "$RUN/module.conf"
printf 'auth required %s conf=%s\naccount required %s conf=%s\n' "$MODULE" "$RUN/module.conf" \
    "$MODULE" "$RUN/module.conf" > "/etc/pam.d/$SVC"

passed=0; failed=0
check() { # name expected-rc expected-text token op...
    name=$1 want=$2 text=$3 tok=$4; shift 4
    out=$(printf "%s\n" "$tok" | pamtester -v "$SVC" "$USER_NAME" "$@" 2>&1)
    rc=$?
    if [ "$rc" = "$want" ] && printf '%s' "$out" | grep -q "$text"; then
        echo "PASS: $name"; passed=$((passed+1))
    else
        echo "FAIL: $name: rc $rc (wanted $want), output: $out"; failed=$((failed+1))
    fi
}
good=$(ctl mint "{\"sub\":\"$USER_NAME\",\"client_id\":\"ssh-cli\"}")
other=$(ctl mint '{"sub":"somebody-else","client_id":"ssh-cli"}')
revoked=$(ctl mint "{\"sub\":\"$USER_NAME\",\"client_id\":\"ssh-cli\"}")
ctl revoke "$revoked"
check "valid token: authenticate and acct_mgmt" 0 "successfully authenticated" "$good" authenticate acct_mgmt
check "token of another subject" 1 "Authentication failure" "$other" authenticate
check "revoked token" 1 "Authentication failure" "$revoked" authenticate
check "a password, not a token" 1 "Authentication failure" "hunter2" authenticate
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
