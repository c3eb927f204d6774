#!/bin/sh
# Tokens and passwords on one prompt: the module as "sufficient" with token_prefix=ory_at_ in front
# of pam_unix (try_first_pass), on a PAM service in /etc/pam.d that is examples/pam.d/stacking
# (only the module's path and the test's conf= file and server options replaced, by example_pamd),
# driven by pamtester, for a user with a real password. The Hydra v2 stand-in over HTTPS with a test CA answers, and its request log
# proves that no password was ever sent to it. Refused cases are asserted by pamtester's exit
# status and the module's audit reason, captured from /dev/log. Needs root; everything it creates
# is removed on exit.
. "${top_srcdir:?}/tests/e2e/clients-lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (writes /etc/pam.d, adds a user with a password)"
need pamtester setsid timeout python3 openssl useradd userdel chpasswd
[ -f /lib/x86_64-linux-gnu/security/pam_unix.so ] || [ -n "$(find /lib* /usr/lib* -name pam_unix.so 2>/dev/null | head -n 1)" ] ||
    skip "pam_unix.so is not installed"
devlog_prepare

RUN=$TOPB/tests/run/stacking
SVC=oi-e2e-stack-$$
U=oi-e2e-stack$$
PASSWORD="Pw-$$-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
cleanup() {
    rm -f "/etc/pam.d/$SVC"
    id "$U" >/dev/null 2>&1 && userdel "$U" 2>/dev/null
    lib_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
devlog_start "$RUN/syslog.log"

"$TOPS/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
start_standin "$RUN" v2
useradd -M -d /nonexistent -s /bin/sh "$U" || { echo "FAIL: useradd $U"; exit 1; }
printf '%s:%s\n' "$U" "$PASSWORD" | chpasswd || { echo "FAIL: chpasswd"; exit 1; }

cat >"$RUN/module.conf" <<CONF
admin_url = https://127.0.0.1:$ADMIN
ca_file = $RUN/pki/ca.crt
allowed_clients = ssh-cli
state_dir = $RUN/state
budget_per_minute = 0
damp_after = 0
junk_ttl = 0
CONF
chmod 600 "$RUN/module.conf"
# The rest of the real file: Debian's "@include common-account" checks the account with pam_unix.
# pam_unix keeps its 2-second delay after a failure, as on a real host.
example_pamd stacking "$SVC" "$RUN/module.conf" <<PAM
account  required    pam_unix.so
PAM
[ -z "$EXAMPLE_WHY" ] || problem "$EXAMPLE_WHY"
report "/etc/pam.d/$SVC is examples/pam.d/stacking; only the module path and conf= differ"

# login SECRET: pamtester authenticate + acct_mgmt, the secret typed once at the first prompt (a
# second prompt would read end of file and fail), no tty.
login() {
    out=$(printf '%s\n' "$1" | setsid -w timeout 60 pamtester -v "$SVC" "$U" authenticate acct_mgmt 2>&1)
    rc=$?
}
refused() { # name reason
    [ "$rc" = 1 ] || problem "pamtester exit $rc, wanted 1: $out"
    printf '%s' "$out" | grep -q "successfully authenticated" && problem "authenticated: $out"
    audit_check "$2" "$U" "$3"
    report "$1"
}

good=$(mint "{\"sub\":\"$U\",\"client_id\":\"ssh-cli\"}")
log_mark; login "$good"
[ "$rc" = 0 ] || problem "pamtester exit $rc, wanted 0: $out"
audit_check allow "$U" ok
report "a token logs in through the module (sufficient), account stack passes"

log_mark; n0=$(nreq); login "$PASSWORD"
[ "$rc" = 0 ] || problem "pamtester exit $rc, wanted 0: $out"
audit_check ignore "$U" not_token
audit_lines | grep -v -q 'token=- ' && problem "the password was fingerprinted: $(audit_lines)"
[ "$(nreq)" = "$n0" ] || problem "a request reached the introspection server"
report "the normal password logs in through pam_unix (module ignores it, one prompt)"

log_mark; n0=$(nreq); login "wrong-$PASSWORD"
[ "$(nreq)" = "$n0" ] || problem "a request reached the introspection server"
refused "a wrong password fails (module ignores it, pam_unix refuses)" ignore not_token

revoked=$(mint "{\"sub\":\"$U\",\"client_id\":\"ssh-cli\"}")
ctl revoke "$revoked"
log_mark; login "$revoked"
refused "a revoked token fails (module refuses, pam_unix refuses it as a password)" deny inactive

log_mark; login "$(mint "{\"sub\":\"$U\",\"client_id\":\"ssh-cli\",\"token_use\":\"refresh_token\"}")"
refused "a refresh token (ory_rt_, not the prefix) is not sent and fails" ignore not_token

# The stand-in's whole request log: no request carries either password, in any field or header.
ctl requests >"$RUN/requests.json"
if python3 - "$RUN/requests.json" "$PASSWORD" <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))
pw = sys.argv[2]
tokens = [t for r in reqs for t in r.get("form", {}).get("token", [])]
sys.exit(1 if any(pw in t for t in tokens) or pw in json.dumps(reqs) or not reqs else 0)
PY
then
    pass "the password never reached the introspection server ($(nreq) requests, all tokens)"
else
    fail "the password never reached the introspection server" "found in $RUN/requests.json (or the log is empty)"
fi

summary
