#!/bin/sh
# End to end through sudo -S, set up as README says: a sudoers drop-in selects a dedicated PAM
# service for a dedicated user (pam_service=), which is examples/pam.d/sudo; its conf= names the
# place of examples/sudo.conf, which the module reads from the source tree (the scope "sudo", a
# token at most 5 minutes old, the account from an e-mail subject). Only the module's path, the
# conf= path, the stand-in's URL and the test CA are replaced (example_pamd). The Hydra v2
# stand-in over HTTPS with a test CA answers. Every refused case is asserted by sudo's exit status
# and the module's audit reason, captured from /dev/log. Needs root; everything it creates is
# removed on exit. Last, sudo step-up with the device flow, as a person at a terminal meets it:
# another user and PAM service (examples/pam.d/sudo with examples/sudo.conf, plus device_flow
# against the Hydra v25 stand-in's public port), driven by tests/e2e/device_driver.py on a
# pseudo-terminal: Enter at the token prompt, the approval prompt read, the code approved on the
# stand-in, Enter, and the command runs as root.
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
D=oi-e2e-sudev$$  # the device flow's person, service and drop-in
DSVC=oi-e2e-sudodev-$$
DDROPIN=/etc/sudoers.d/oi-e2e-sudodev-$$
cleanup() { # by the names made here: $SVC names the device flow's service later on
    rm -f "$DROPIN" "$DDROPIN" "/etc/pam.d/oi-e2e-sudo-$$" "/etc/pam.d/$DSVC"
    [ -n "$UH" ] && rm -rf "$UH"
    for u in "$U" "$D"; do id "$u" >/dev/null 2>&1 && userdel "$u" 2>/dev/null; done
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

# ---- sudo step-up with the device flow ---------------------------------------------------------
# A Hydra v25 stand-in of its own (public port: discovery, codes, tokens), its device client
# pam-device polled every second; examples/sudo.conf's policy (scope sudo, a token at most 5
# minutes old, the account from an e-mail subject) with the device flow switched on.
standin_start "$RUN/dports" "$RUN/dstandin.out" --version v25 --tls-cert "$RUN/pki/server.crt" \
    --tls-key "$RUN/pki/server.key"
PIDS="$PIDS $STANDIN_PID"
wait_ports "$RUN/dports" "$RUN/dstandin.out"
DADMIN=$(port_in "$RUN/dports" admin) DPUB=$(port_in "$RUN/dports" public)
dev() { python3 "$TOPS/tests/e2e/standin_device.py" "$RUN/dports" "$@"; }
dev client '{"client_id":"pam-device","scope":"openid sudo"}' >/dev/null && dev mode '{"interval":1}' >/dev/null ||
    { echo "FAIL: cannot set up the stand-in's device client"; exit 1; }
useradd -M -d /nonexistent -s /bin/sh "$D" || { echo "FAIL: useradd $D"; exit 1; }
# The device options belong in the conf file (the account line refuses them): examples/sudo.conf
# with the device client allowed and the flow's lines added, as an administrator would.
{ sed 's/^allowed_clients = .*/&,pam-device/' "$TOPS/examples/sudo.conf" &&
    printf 'device_flow = yes\ndevice_client_id = pam-device\nissuer = https://127.0.0.1:%s\ndevice_timeout = 10\ndevice_ca_file = %s\n' \
        "$DPUB" "$RUN/pki/ca.crt"
} >"$RUN/sudo-device.conf" && chmod 600 "$RUN/sudo-device.conf"
grep -qx 'allowed_clients = .*,pam-device' "$RUN/sudo-device.conf" || { echo "FAIL: no allowed_clients line in examples/sudo.conf"; exit 1; }
example_pamd sudo "$DSVC" "$RUN/sudo-device.conf" "admin_url=https://127.0.0.1:$DADMIN" \
    "ca_file=$RUN/pki/ca.crt" "state_dir=$RUN/state" budget_per_minute=0 damp_after=0 junk_ttl=0 <<PAM
session  required  pam_permit.so
PAM
[ -z "$EXAMPLE_WHY" ] || problem "$EXAMPLE_WHY"
printf 'Defaults:%s pam_service=%s\nDefaults:%s !lecture, passwd_tries=1\n%s ALL=(ALL) ALL\n' "$D" "$DSVC" "$D" "$D" \
    >"$RUN/dsudoers"
visudo -cqf "$RUN/dsudoers" || { echo "FAIL: visudo rejects the device drop-in"; exit 1; }
install -m 0440 "$RUN/dsudoers" "$DDROPIN"
HOST=$(hostname | cut -d. -f1)
act() { printf "python3 '%s' '%s' %s \"\$1\" %s" "$TOPS/tests/e2e/standin_device.py" "$RUN/dports" "$1" "${2:-}"; }
# sudo_device ON-CODE [SECOND]: $D runs `sudo -k id -u` on a terminal; the person presses Enter,
# reads the approval prompt, runs ON-CODE with the code, types SECOND (default: nothing) and
# Enter. Sets rc, secs, seen (the terminal), prompt (the approval prompt) and code.
sudo_device() {
    t0=$(date +%s.%N)
    LC_ALL=C.UTF-8 python3 "$TOPS/tests/e2e/device_driver.py" --transcript "$RUN/device.txt" --timeout 60 \
        --on-code "$1" --second "${2:-}" -- runuser -u "$D" -- sudo -k id -u </dev/null >/dev/null 2>&1
    rc=$?
    secs=$(python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$(date +%s.%N)")
    seen=$(cat "$RUN/device.txt")
    prompt=$(printf '%s\n' "$seen" | sed -n '/approve this login on another device:$/,/Press Enter once approved: /p')
    code=$(printf '%s\n' "$prompt" | sed -n 's/^  2\. Check that the page shows the code \(.*\), then approve\.$/\1/p')
}
sees() { printf '%s\n' "$prompt" | grep -qxF -- "$1" || problem "the approval prompt has no line '$1': [$prompt]"; }
# The lines the terminal showed after "Press Enter once approved: ", each followed by "|".
after_prompt() {
    printf '%s\n' "$seen" | sed -n '/Press Enter once approved: /,/^--- driver$/p' | sed '1d;$d' | grep -v '^$' | tr '\n' '|'
}
via_device() { # VERB REASON
    audit_check "$1" "$D" "$2"
    audit_lines | grep " via=device" | grep -Eq "^$1 user=$D .* reason=$2( |\$)" ||
        problem "no audit line with reason=$2 and via=device: $(audit_lines | tr '\n' '|')"
}
SVC=$DSVC # the audit lines of this service

log_mark; sudo_device "$(act approve "$D@example.com")"
[ "$rc" = 0 ] || problem "sudo exit $rc, wanted 0: $seen"
[ "$(after_prompt)" = "0|" ] || problem "after the approval prompt the terminal showed [$(after_prompt)], wanted id -u's 0"
printf '%s\n' "$seen" | grep -q "^Access token (or Enter to log in with a code): *\$" || problem "no token prompt: $seen"
[ -n "$code" ] || problem "no user code in the approval prompt: $seen"
sees "To log in as $D on $HOST (service $DSVC), approve this login on another device:"
sees "  1. Open https://127.0.0.1:$DPUB/oauth2/device/verify?user_code=$code"
printf '%s' "$prompt" >"$RUN/prompt.txt"
qr=$(python3 "$TOPS/tests/lib/qr_text.py" "$RUN/prompt.txt" 2>&1) || problem "$qr"
case $qr in *": https://127.0.0.1:$DPUB/oauth2/device/verify?user_code=$code" | *"zbarimg not installed)") ;;
*) problem "the QR code says '$qr', wanted the verification URL" ;; esac
got=$(dev codes | python3 -c 'import json, sys; c = json.load(sys.stdin)[-1]; print(c["user_code"], c["state"], c["scope"])')
[ "$got" = "$code redeemed sudo" ] || problem "the stand-in has [$got], wanted [$code redeemed sudo]"
via_device allow ok
report "sudo step-up with the device flow: the prompt names $D, $HOST, $DSVC, the URL, code $code; ${qr%%:*}; approved, Enter, id -u printed 0 (${secs} s)"

# Someone else's approval (the code phished to another person, who approves it): not root.
log_mark; sudo_device "$(act approve "mallory@example.com")"
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $seen"
case $(after_prompt) in "The approval arrived, but it does not admit this login here.|"*) ;;
*) problem "after the approval prompt the terminal showed [$(after_prompt)], wanted the module's message" ;; esac
after_prompt | grep -q '|0|' && problem "id -u ran: $(after_prompt)"
via_device deny user_mismatch
report "device flow approved by another account: refused, the person is told; sudo says [$(after_prompt | cut -d'|' -f2)] (${secs} s)"

# A reply other than Enter at the approval prompt (a password typed from habit) cancels.
log_mark; sudo_device "$(act approve "$D@example.com")" hunter2
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $seen"
case $(after_prompt) in "Login with a code cancelled: at that prompt, press only Enter.|"*) ;;
*) problem "after the approval prompt the terminal showed [$(after_prompt)], wanted the module's message" ;; esac
polls=$(dev codes | python3 -c 'import json, sys; print(len(json.load(sys.stdin)[-1]["polls"]))')
[ "$polls" = 0 ] || problem "the code was polled $polls times"
via_device deny device_cancelled
report "device flow: a password typed at the approval prompt cancels, nothing polled"

# A script's empty line (sudo -S, no terminal): the flow starts, the code goes to stderr, stdin
# ends at the approval prompt: cancelled at once, nothing polled, nobody waits.
log_mark
out=$(printf '\n' | setsid -w timeout 60 runuser -u "$D" -- sudo -S -k id -u 2>"$RUN/stderr")
rc=$?
[ "$rc" = 1 ] || problem "sudo exit $rc, wanted 1: $(cat "$RUN/stderr")"
[ -z "$out" ] || problem "the command ran: $out"
grep -q "Press Enter once approved: " "$RUN/stderr" || problem "no approval prompt on stderr: $(cat "$RUN/stderr")"
polls=$(dev codes | python3 -c 'import json, sys; print(len(json.load(sys.stdin)[-1]["polls"]))')
[ "$polls" = 0 ] || problem "the code was polled $polls times"
via_device deny device_cancelled
report "sudo -S with an empty line and no more input: the approval prompt gets EOF, device_cancelled, nothing polled"

summary
