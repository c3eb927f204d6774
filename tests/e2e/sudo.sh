#!/bin/sh
# End to end through sudo -S, set up as README says: a sudoers drop-in selects a dedicated PAM
# service for a dedicated user (pam_service=), which is examples/pam.d/sudo; its conf= names the
# place of examples/sudo.conf, which the module reads from the source tree (the scope "sudo", a
# token at most 5 minutes old, the account from an e-mail subject). Only the module's path, the
# conf= path, the stand-in's URL and the test CA are replaced (example_pamd). The Hydra v2
# stand-in over HTTPS with a test CA answers. Every refused case is asserted by sudo's exit status
# and the module's audit reason, captured from /dev/log. Needs root; everything it creates is
# removed on exit.
. "${top_srcdir:?}/tests/e2e/clients-lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (writes /etc/pam.d and /etc/sudoers.d, adds a user)"
need sudo visudo runuser setsid setpriv timeout python3 openssl useradd userdel
[ -d /etc/sudoers.d ] && grep -Eq '^[@#]includedir /etc/sudoers.d' /etc/sudoers 2>/dev/null ||
    skip "/etc/sudoers does not include /etc/sudoers.d"
examples_safe sudo.conf
devlog_prepare

RUN=$TOPB/tests/run/sudo
SVC=oi-e2e-sudo-$$
U=oi-e2e-sudo$$
DROPIN=/etc/sudoers.d/oi-e2e-sudo-$$
UH=""  # the user's home for README's recipes
cleanup() {
    rm -f "$DROPIN" "/etc/pam.d/$SVC"
    [ -n "$UH" ] && rm -rf "$UH"
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

# Debian's /etc/pam.d/sudo keeps its session line: here pam_permit.
example_pamd sudo "$SVC" "$TOPS/examples/sudo.conf" "admin_url=https://127.0.0.1:$ADMIN" \
    "ca_file=$RUN/pki/ca.crt" "state_dir=$RUN/state" budget_per_minute=0 damp_after=0 junk_ttl=0 <<PAM
session  required  pam_permit.so
PAM
[ -z "$EXAMPLE_WHY" ] || problem "$EXAMPLE_WHY"
report "/etc/pam.d/$SVC is examples/pam.d/sudo; only the module path, conf= and the test's server options differ"
cat >"$RUN/sudoers" <<SUDOERS
Defaults:$U pam_service=$SVC
Defaults:$U !lecture, passwd_tries=1
$U ALL=(ALL) ALL
SUDOERS
visudo -cqf "$RUN/sudoers" || { echo "FAIL: visudo rejects the test drop-in"; exit 1; }
install -m 0440 "$RUN/sudoers" "$DROPIN"

# sudo_as TOKEN: the user runs `sudo -S -k id -u` with the token on stdin, no tty (as in CI).
sudo_as() {
    out=$(printf '%s\n' "$1" | setsid -w timeout 60 runuser -u "$U" -- sudo -S -k -p 'token: ' id -u 2>"$RUN/stderr")
    rc=$?
    err=$(tr '\n' ' ' <"$RUN/stderr")
}

# examples/sudo.conf: the subject is the person's e-mail address (user_regex), the client ssh-login.
with=$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"openid sudo\"}")
without=$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"openid ssh:login\"}")

log_mark; n0=$(nreq); sudo_as "$with"
[ "$rc" = 0 ] || problem "sudo exit $rc, wanted 0: $err"
[ "$out" = 0 ] || problem "the command did not run as root: '$out' $err"
audit_check allow "$U" ok
# For the Hydra flavours the required scopes are also sent to the server.
req_scope=$(ctl requests | python3 -c 'import json,sys; r=json.load(sys.stdin)[int(sys.argv[1]):]; print(",".join(x.get("form",{}).get("scope",["-"])[0] for x in r))' "$n0")
[ "$req_scope" = sudo ] || problem "the introspection request's scope field was '$req_scope', wanted 'sudo'"
report "token with the scope sudo accepted by sudo -S (pam_service= drop-in)"

# README's recipes (examples/clients/), each sudo line as written, run by the user with a home
# set up as README says. sudo -K first: an earlier success must not stand in for the module.
UH=$(mktemp -d /tmp/oi-e2e-sudo-home.XXXXXX)
client_home "$U" "$UH" "$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"openid sudo\"}")"
line=$(client_line person.sh "sudo -A")
runuser -u "$U" -- sudo -K
log_mark; as_client "$U" "$UH" "$line"
[ "$rc" = 0 ] || problem "exit $rc, wanted 0: $out"
[ "$out" = root ] || problem "whoami printed '$out', wanted root"
audit_check allow "$U" ok
report "README, a person: $line"

line=$(client_line ci-job.sh "sudo -S")
runuser -u "$U" -- sudo -K
log_mark; CLIENT_ENV="OAUTH2_TOKEN=$with" as_client "$U" "$UH" "$line"
[ "$rc" = 0 ] || problem "exit $rc, wanted 0: $out"
[ "$out" = root ] || problem "whoami printed '$out', wanted root"
audit_check allow "$U" ok
report "README, a CI job: $line"
runuser -u "$U" -- sudo -K

# The caller's environment with sudo: an OpenSSL provider named by OPENSSL_CONF (code run as
# root), a TLS key file through a symbolic link to a root-only place, proxies. None of it may act,
# and the login works as without them. (sudo 1.9 hands PAM a cleaned environment of its own; a
# setuid program that does not, as su, is played by tests/e2e/pamtester.sh.)
EVIL=$TOPB/tests/lib/.libs/libevil_provider.so
if [ -f "$EVIL" ]; then
    python3 "$TOPS/tests/lib/connection_counter.py" "$RUN/proxy.port" "$RUN/proxy.count" &
    PIDS="$PIDS $!"
    i=0; while [ ! -s "$RUN/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    proxy="http://127.0.0.1:$(cat "$RUN/proxy.port")"
    printf 'openssl_conf = a\n[a]\nproviders = p\n[p]\nevil = e\n[e]\nmodule = %s\nactivate = 1\n' "$EVIL" >"$RUN/evil.cnf"
    keylog=/etc/oi-e2e-sudo-keylog-$$
    ln -s "$keylog" "$RUN/keys-link"
    rm -f "$EVIL.loaded"
    tok=$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"openid sudo\"}")
    log_mark
    out=$(printf '%s\n' "$tok" | setsid -w timeout 60 runuser -u "$U" -- env OPENSSL_CONF="$RUN/evil.cnf" \
        OPENSSL_MODULES="$TOPB/tests/lib/.libs" SSLKEYLOGFILE="$RUN/keys-link" https_proxy="$proxy" \
        HTTPS_PROXY="$proxy" ALL_PROXY="$proxy" no_proxy= sudo -S -k -p 'token: ' id -u 2>"$RUN/stderr")
    rc=$?
    [ "$rc" = 0 ] || problem "sudo exit $rc, wanted 0: $(tr '\n' ' ' <"$RUN/stderr")"
    [ "$out" = 0 ] || problem "the command did not run as root: '$out'"
    audit_check allow "$U" ok
    [ -f "$EVIL.loaded" ] && problem "root loaded the caller's OpenSSL provider: $(cat "$EVIL.loaded")"
    [ -e "$keylog" ] && { problem "root wrote the TLS keys to the caller's SSLKEYLOGFILE ($keylog)"; rm -f "$keylog"; }
    [ -s "$RUN/proxy.count" ] && problem "the module used the caller's https_proxy"
    report "sudo with the caller's OPENSSL_CONF, SSLKEYLOGFILE (a link to $keylog) and proxies: the login works, none of them acts"
fi

# Hydra itself refuses a token that lacks a scope named in the request: the answer is inactive.
log_mark; sudo_as "$without"
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $err"
[ -z "$out" ] || problem "the command ran: $out"
audit_check deny "$U" inactive
report "token without the scope sudo refused by sudo -S"

# max_token_age = 300: a token issued an hour ago is refused even though it is active and scoped.
now=$(date +%s)
old=$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"openid sudo\",\"iat\":$((now - 3600)),\"exp\":$((now + 600))}")
log_mark; sudo_as "$old"
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $err"
[ -z "$out" ] || problem "the command ran: $out"
audit_check deny "$U" token_age
report "token issued an hour ago refused by sudo -S (max_token_age = 300)"

# sudo hands PAM at most 511 characters; from 512 on its conversation fails, so the module gets no
# token at all (nothing is sent anywhere).
log_mark; n0=$(nreq); sudo_as "$(shaped 511)"
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $err"
audit_check deny "$U" inactive
got=$(req_tokens_since "$n0" | awk '{ print length($0) }' | tr '\n' ' ')
[ "$got" = "511 " ] || problem "the server got token lengths '$got', wanted 511"
report "511-character secret reaches the module intact through sudo (unknown token: inactive)"

log_mark; n0=$(nreq); sudo_as "$(shaped 512)"
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $err"
audit_check deny "$U" no_token
[ "$(nreq)" = "$n0" ] || problem "a request reached the introspection server"
report "512-character secret: sudo passes no token, refused with no request"

long=$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"sudo\",\"format\":\"jwt\"}")
log_mark; n0=$(nreq); sudo_as "$long"
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $err"
audit_check deny "$U" no_token
[ "$(nreq)" = "$n0" ] || problem "a request reached the introspection server"
report "${#long}-character JWT: sudo passes no token (limit 511), refused"

summary
