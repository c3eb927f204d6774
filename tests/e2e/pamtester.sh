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
pid="" suid_tmp=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    [ -n "$suid_tmp" ] && rm -rf "$suid_tmp"
    rm -f "/etc/pam.d/$SVC"
    id "$USER_NAME" >/dev/null 2>&1 && userdel "$USER_NAME" 2>/dev/null
}
trap cleanup EXIT INT TERM
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
"$top_srcdir/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
. "$top_srcdir/tests/standin/standin-lib.sh"
standin_start "$RUN/ports" "$RUN/standin.out" --version v25 --tls-cert "$RUN/pki/server.crt" \
    --tls-key "$RUN/pki/server.key"
pid=$STANDIN_PID
wait_ports "$RUN/ports" "$RUN/standin.out"
ADMIN=$(port_in "$RUN/ports" admin)
ctl() { python3 "$top_srcdir/tests/standin/standin_ctl.py" "$RUN/ports" "$@"; }

id "$USER_NAME" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$USER_NAME" || { echo "FAIL: useradd"; exit 1; }
cat > "$RUN/module.conf" <<CONF
admin_url = https://127.0.0.1:$ADMIN
ca_file = $RUN/pki/ca.crt
allowed_clients = ssh-cli
state_dir = $RUN/state
budget_per_minute = 0
damp_after = 0
junk_ttl = 0
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

# A setuid-root program runs the module with its caller's environment (as su does; sudo clears
# its own first). The caller names an OpenSSL provider (code run as root), a TLS key file through a
# symbolic link to a root-only place, and a proxy: none of them may act, and the login works.
EVIL="$(cd "$top_builddir" && pwd)/tests/lib/.libs/libevil_provider.so"
if [ -f "$EVIL" ]; then
    name="setuid-root pamtester with the caller's OPENSSL_CONF, SSLKEYLOGFILE and https_proxy: the login works, none acts"
    # The caller must reach the setuid copy: it goes to $RUN/setuid, unless a directory above the
    # build tree is closed to others (a checkout under /root, mode 700), then to a directory of
    # its own under /var/tmp, removed on exit. What root reads (the module, the provider) stays.
    chmod 711 "$RUN"
    SUID=$RUN/setuid
    if ! runuser -u "$USER_NAME" -- test -x "$RUN"; then
        suid_tmp=$(mktemp -d /var/tmp/oi-pamtester.XXXXXX) || { echo "FAIL: mktemp"; exit 1; }
        SUID=$suid_tmp/setuid
        echo "note: $USER_NAME cannot reach $RUN (a directory above it is not searchable by others): the setuid copy is in $SUID"
        chmod 711 "$suid_tmp"
    fi
    mkdir -m 755 "$SUID"
    install -m 4755 -o root -g root "$(command -v pamtester)" "$SUID/pamtester"
    python3 "$top_srcdir/tests/lib/connection_counter.py" "$RUN/proxy.port" "$RUN/proxy.count" &
    proxy_pid=$!
    i=0; while [ ! -s "$RUN/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    printf 'openssl_conf = a\n[a]\nproviders = p\n[p]\nevil = e\n[e]\nmodule = %s\nactivate = 1\n' "$EVIL" >"$SUID/evil.cnf"
    keylog=/etc/oi-pamtester-keylog-$$
    ln -s "$keylog" "$SUID/keys-link"
    rm -f "$EVIL.loaded"
    out=$(printf '%s\n' "$good" | runuser -u "$USER_NAME" -- env OPENSSL_CONF="$SUID/evil.cnf" \
        SSLKEYLOGFILE="$SUID/keys-link" https_proxy="http://127.0.0.1:$(cat "$RUN/proxy.port")" \
        ALL_PROXY="http://127.0.0.1:$(cat "$RUN/proxy.port")" "$SUID/pamtester" -v "$SVC" "$USER_NAME" authenticate 2>&1)
    rc=$?
    kill "$proxy_pid" 2>/dev/null
    bad=""
    [ "$rc" = 0 ] || bad="$bad; pamtester exit $rc: $out"
    [ -f "$EVIL.loaded" ] && bad="$bad; root loaded the caller's OpenSSL provider: $(cat "$EVIL.loaded")"
    [ -e "$keylog" ] && { bad="$bad; root wrote TLS keys to the caller's SSLKEYLOGFILE ($keylog: $(wc -l <"$keylog") lines)"; rm -f "$keylog"; }
    [ -s "$RUN/proxy.count" ] && bad="$bad; the module used the caller's https_proxy"
    if [ -z "$bad" ]; then echo "PASS: $name"; passed=$((passed+1)); else echo "FAIL: $name: ${bad#; }"; failed=$((failed+1)); fi
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
