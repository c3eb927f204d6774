#!/bin/sh
# The device flow (RFC 8628) end to end through a real OpenSSH sshd, as a person meets it: sshd
# with keyboard-interactive and PAM, the module with device_flow against the Hydra v25 stand-in
# (admin port for introspection, public port for discovery, codes and tokens; HTTPS, test CA).
# The person is the npm ssh2 client (tests/e2e/sshdevice.mjs): it presses Enter at the token
# prompt, reads the approval prompt that comes back, takes the user code from that text, does
# on "the other device" what the case needs (approve through the stand-in's control API with a
# subject that maps to the account, deny, let it expire, approve as someone else), presses Enter,
# and, logged in, runs `id -un`; the OpenSSH client too, on a terminal (tests/e2e/device_driver.py),
# for what it shows. Asserted: what the person reads (the account, this host, the
# service, where the login comes from, the URL, the code, a QR code that decodes to the URL when
# zbarimg is installed), the message after a failure, the client's exit status, the audit line
# (reason=, via=device) and what the stand-in saw. Then AuthenticationMethods
# publickey,keyboard-interactive: the key first, then the device flow. Polls every second
# (the stand-in's interval 1), device_timeout 10. Needs root; everything it creates is removed.
. "${top_srcdir:?}/tests/e2e/clients-lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (starts sshd, adds users, writes /etc/pam.d)"
[ -x /usr/sbin/sshd ] || skip "sshd is not installed (openssh-server)"
# As in sshd.sh: sshd cannot load an ASan-instrumented module.
[ "${OI_SANITIZED:-no}" != no ] && skip "sanitizer build: sshd cannot load an ASan-instrumented module"
need ssh-keygen setsid timeout python3 openssl useradd userdel hostname
devlog_prepare
npm_setup || skip "$NPM_WHY"

RUN=$TOPB/tests/run/sshd-device
SVC=oi-e2e-sshdev-$$
U=oi-e2e-dev$$   # keyboard-interactive alone
K=oi-e2e-dkey$$  # AuthenticationMethods publickey,keyboard-interactive
made_run_sshd=""
KEYS=""  # the authorized keys, readable by the users (sshd opens them as the user)
cleanup() {
    [ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
    rm -f "/etc/pam.d/$SVC"
    for u in "$U" "$K"; do id "$u" >/dev/null 2>&1 && userdel "$u" 2>/dev/null; done
    [ -n "$made_run_sshd" ] && rmdir /run/sshd 2>/dev/null
    [ -n "$KEYS" ] && rm -rf "$KEYS"
    lib_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
devlog_start "$RUN/syslog.log"

"$TOPS/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
start_standin "$RUN" v25
PUB=$(port_in "$PORTS" public)
dev() { python3 "$TOPS/tests/e2e/standin_device.py" "$PORTS" "$@"; }
dev client '{"client_id":"pam-device","scope":"openid ssh:login"}' >/dev/null &&
    dev mode '{"interval":1}' >/dev/null || { echo "FAIL: cannot set up the stand-in's device client"; exit 1; }
for u in "$U" "$K"; do useradd -M -d /nonexistent -s /bin/sh "$u" || { echo "FAIL: useradd $u"; exit 1; }; done

# examples/sshd.conf's policy (people's subjects are e-mail addresses), the test's servers, and
# the device flow: a public client, endpoints from the issuer's discovery document.
cat >"$RUN/device.conf" <<CONF
admin_url = https://127.0.0.1:$ADMIN
ca_file = $RUN/pki/ca.crt
allowed_clients = ssh-login,pam-device
required_scopes = ssh:login
user_regex = ([a-z][a-z0-9_-]*)@example\.com
state_dir = $RUN/state
budget_per_minute = 0
damp_after = 0
junk_ttl = 0
device_flow = yes
device_client_id = pam-device
device_ca_file = $RUN/pki/ca.crt
issuer = https://127.0.0.1:$PUB
device_timeout = 10
CONF
chmod 600 "$RUN/device.conf"
printf 'auth     required  %s conf=%s\naccount  required  %s conf=%s\nsession  required  pam_permit.so\n' \
    "$MODULE" "$RUN/device.conf" "$MODULE" "$RUN/device.conf" >"/etc/pam.d/$SVC"

[ -d /run/sshd ] || { mkdir -p /run/sshd && chmod 755 /run/sshd && made_run_sshd=1; }
ssh-keygen -q -t ed25519 -N '' -f "$RUN/hostkey" || { echo "FAIL: ssh-keygen"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$RUN/userkey" -C "$K" || { echo "FAIL: ssh-keygen"; exit 1; }
KEYS=$(mktemp -d /tmp/oi-e2e-sshdev-keys.XXXXXX) && chmod 755 "$KEYS" &&
    install -m 644 "$RUN/userkey.pub" "$KEYS/$K" || { echo "FAIL: cannot install the authorized key"; exit 1; }
ln -s /usr/sbin/sshd "$RUN/$SVC" # sshd's PAM service is its program name
sshd_config() {
    cat <<CFG
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $KEYS/%u
StrictModes no
Port $PORT
ListenAddress 127.0.0.1
HostKey $RUN/hostkey
PidFile none
PermitRootLogin no
AllowUsers $U $K
LogLevel VERBOSE
UseDNS no
PrintMotd no
PrintLastLog no
LoginGraceTime 60
Match User $K
    AuthenticationMethods publickey,keyboard-interactive
CFG
}
sshd_start sshd_config
HOST=$(hostname | cut -d. -f1)

# person USER [VAR=VALUE...]: one login as USER by the person (sshdevice.mjs), with the settings
# given (DEVICE_ON_CODE, DEVICE_SECOND, DEVICE_KEY...). Sets out, rc, secs (its run time),
# prompt (the approval prompt's text), code (the user code the person read) and ROUNDS (the
# keyboard-interactive rounds, JSON).
person() {
    pu=$1; shift
    rm -f "$RUN/rounds.json" "$RUN/rounds.json.prompt"
    t0=$(date +%s.%N)
    out=$(env "$@" DEVICE_ROUNDS="$RUN/rounds.json" timeout 90 node "$NPMDIR/sshdevice.mjs" "$PORT" "$pu" </dev/null 2>&1)
    rc=$?
    secs=$(python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$(date +%s.%N)")
    prompt=$(cat "$RUN/rounds.json.prompt" 2>/dev/null)
    code=$(printf '%s\n' "$out" | sed -n 's/^user code: //p')
    ROUNDS=$RUN/rounds.json
}
# What the person does on the other device, as a shell command with the code as "$1".
act() { printf "python3 '%s' '%s' %s \"\$1\" %s" "$TOPS/tests/e2e/standin_device.py" "$PORTS" "$1" "${2:-}"; }
start_case() { log_mark; SSHD_MARK=$(wc -l <"$RUN/sshd.log"); }
sshd_log_has() { tail -n +"$((SSHD_MARK + 1))" "$RUN/sshd.log" | grep -q "$1"; }
# sees LINE: the approval prompt has this line, exactly.
sees() { printf '%s\n' "$prompt" | grep -qxF -- "$1" || problem "the approval prompt has no line '$1': [$prompt]"; }
# The rounds: "PROMPTS|ECHO..." per round, e.g. "Access token: |off", or "(no prompt) TEXT" for
# a message alone. (sshd ends a successful login with an empty round: nothing to see, left out.)
rounds() {
    python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["prompts"] or r["instructions"].strip():
        print(" / ".join("%s|%s" % (p["prompt"].split("\n")[-1], "on" if p["echo"] else "off") for p in r["prompts"])
              or "(no prompt) " + r["instructions"].strip().replace("\n", " "))' "$ROUNDS"
}
# told MESSAGE: after the failure, sshd passed the module's message to the person.
told() { rounds | grep -qF "(no prompt) $1" || problem "the person was not told '$1': $(rounds | tr '\n' '|')"; }
# via_device VERB USER REASON: the audit line of the case says via=device.
via_device() {
    audit_check "$1" "$2" "$3"
    audit_lines | grep "^$1 user=$2 service=$SVC rhost=127\.0\.0\.1 " | grep " via=device" | grep -Eq " reason=$3( |\$)" ||
        problem "no audit line with rhost=127.0.0.1, reason=$3 and via=device: $(audit_lines | tr '\n' '|')"
}
# The stand-in's record of the last code: "USER_CODE STATE SUB SCOPE POLLS" (SUB None until approved).
last_code() {
    dev codes | python3 -c '
import json, sys
c = json.load(sys.stdin)[-1]
print(c["user_code"], c["state"], c["sub"], c["scope"], len(c["polls"]))'
}
ncodes() { dev codes | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }

# 1. Approved: the person reads the prompt, approves the code shown, presses Enter, is logged in.
start_case
person "$U" DEVICE_ON_CODE="$(act approve "$U@example.com")"
[ "$rc" = 0 ] || problem "client exit $rc, wanted 0: $out"
printf '%s\n' "$out" | grep -qx "out: $U" || problem "id -un did not print $U: $out"
[ "$(rounds)" = "Access token (or Enter to log in with a code): |off
Press Enter once approved: |off" ] || problem "the prompts were [$(rounds | tr '\n' '|')], wanted the token prompt, then the approval prompt"
[ -n "$code" ] || problem "no user code in the approval prompt: [$prompt]"
sees "To log in as $U on $HOST (service $SVC, from 127.0.0.1), approve this login on another device:"
sees "  1. Open https://127.0.0.1:$PUB/oauth2/device/verify?user_code=$code"
sees "  2. Check that the page shows the code $code, then approve."
sees "Approve only a login you started yourself: whoever gets you to approve a code"
printf '%s\n' "$prompt" | grep -q '^logs in as you\. The code is valid until [0-2][0-9]:[0-5][0-9]:[0-5][0-9] .* ([0-9]* s from now)\.$' ||
    problem "the approval prompt does not say until when the code is valid: [$prompt]"
printf '%s' "$prompt" >"$RUN/prompt.txt"
qr=$(python3 "$TOPS/tests/lib/qr_text.py" "$RUN/prompt.txt" 2>&1) || problem "$qr"
case $qr in *": https://127.0.0.1:$PUB/oauth2/device/verify?user_code=$code" | *"zbarimg not installed)") ;;
*) problem "the QR code says '$qr', wanted the verification URL" ;; esac
[ "$(last_code)" = "$code redeemed $U@example.com ssh:login 1" ] ||
    problem "the stand-in has [$(last_code)], wanted [$code redeemed $U@example.com ssh:login 1] (one poll)"
via_device allow "$U" ok
sshd_log_has "Accepted keyboard-interactive/pam for $U " || problem "sshd.log has no 'Accepted keyboard-interactive/pam for $U'"
report "approved: Enter at the token prompt, the prompt names $U, $HOST, $SVC, 127.0.0.1, the URL and code $code; ${qr%%:*}; approved, Enter, id -un ran (${secs} s)"
echo "--- the approval prompt, as the person saw it:"
cat "$RUN/prompt.txt"; echo

# 1b. The same with the OpenSSH client, in a terminal (device_driver.py plays the person there).
# ssh shows a prompt as "(user@host) PROMPT", in the locale's characters (C.UTF-8 here: in a
# non-UTF-8 locale such as C it shows the QR code's blocks as octal escapes, \342\226\210...),
# and messages at its default LogLevel (INFO).
# openssh_person USER ON-CODE [SECOND]: sets rc, secs and seen (all the terminal showed).
openssh_person() {
    t0=$(date +%s.%N)
    LC_ALL=C.UTF-8 python3 "$TOPS/tests/e2e/device_driver.py" --transcript "$RUN/openssh.txt" --timeout 60 \
        --on-code "$2" --second "${3:-}" -- ssh -F /dev/null -p "$PORT" -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null \
        -o PubkeyAuthentication=no -o PreferredAuthentications=keyboard-interactive \
        -o NumberOfPasswordPrompts=1 "$1@127.0.0.1" id -un </dev/null >/dev/null 2>&1
    rc=$?
    secs=$(python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$(date +%s.%N)")
    seen=$(cat "$RUN/openssh.txt")
}
start_case
openssh_person "$U" "$(act approve "$U@example.com")"
[ "$rc" = 0 ] || problem "ssh exit $rc, wanted 0: $seen"
prompt=$(printf '%s\n' "$seen" | sed -n '/approve this login on another device:$/,/Press Enter once approved: /p')
code=$(printf '%s\n' "$prompt" | sed -n 's/^  2\. Check that the page shows the code \(.*\), then approve\.$/\1/p')
sees "($U@127.0.0.1) To log in as $U on $HOST (service $SVC, from 127.0.0.1), approve this login on another device:"
sees "  1. Open https://127.0.0.1:$PUB/oauth2/device/verify?user_code=$code"
printf '%s' "$prompt" >"$RUN/prompt.txt"
qr=$(python3 "$TOPS/tests/lib/qr_text.py" "$RUN/prompt.txt" 2>&1) || problem "$qr"
case $qr in *": https://127.0.0.1:$PUB/oauth2/device/verify?user_code=$code" | *"zbarimg not installed)") ;;
*) problem "the QR code says '$qr', wanted the verification URL" ;; esac
printf '%s\n' "$seen" | grep -qx "$U" || problem "id -un did not print $U: $seen"
via_device allow "$U" ok
report "the OpenSSH client in a terminal: the same prompt (code $code), ${qr%%:*}; approved, Enter, id -un ran (${secs} s)"

# 2. Hydra never says "denied": a denied code keeps answering authorization_pending, so the
# module polls (every second) until device_timeout, and the person is told it was not approved.
start_case
person "$U" DEVICE_ON_CODE="$(act deny)"
[ "$rc" = 1 ] || problem "client exit $rc, wanted 1: $out"
printf '%s\n' "$out" | grep -q '^out:' && problem "a command ran: $out"
told "The code was not approved in time. Log in again for a new code."
lc=$(last_code) polls=${lc##* }
case $lc in "$code denied None ssh:login "*) ;; *) problem "the stand-in has [$lc], wanted code $code denied" ;; esac
[ "$polls" -ge 2 ] || problem "the code was polled $polls times, wanted more than once"
via_device deny "$U" device_timeout
grep -q "device flow: no approval in time (the code's expires_in [0-9]* s, device_timeout 10 s); $polls polls, 1 s apart" \
    "$RUN/syslog.log" || problem "no 'no approval in time' log line with $polls polls"
report "denied in Hydra mode (pending to the end): device_timeout after $polls polls, the person is told (${secs} s)"

# 3. A server that says access_denied (RFC 8628; the stand-in's RFC mode).
dev mode '{"mode":"rfc"}' >/dev/null
start_case
person "$U" DEVICE_ON_CODE="$(act deny)"
[ "$rc" = 1 ] || problem "client exit $rc, wanted 1: $out"
told "The approval was denied."
via_device deny "$U" device_denied
report "denied, the server answers access_denied: device_denied, the person is told (${secs} s)"
start_case
openssh_person "$U" "$(act deny)"
[ "$rc" = 255 ] || problem "ssh exit $rc, wanted 255: $seen"
printf '%s\n' "$seen" | grep -qxF "The approval was denied." || problem "ssh did not show 'The approval was denied.': $seen"
via_device deny "$U" device_denied
report "denied, with the OpenSSH client: it shows 'The approval was denied.' (${secs} s)"

# 4. ... and expired_token for a code that expired.
start_case
person "$U" DEVICE_ON_CODE="$(act expire)"
[ "$rc" = 1 ] || problem "client exit $rc, wanted 1: $out"
told "The code was not approved in time. Log in again for a new code."
via_device deny "$U" device_timeout
tail -n +"$((MARK + 1))" "$LOG" | grep -q "device flow: https://127.0.0.1:$PUB/oauth2/token answered expired_token" ||
    problem "no 'answered expired_token' log line"
report "expired code, the server answers expired_token: device_timeout, the person is told (${secs} s)"
dev mode '{"mode":"hydra"}' >/dev/null

# 5. Someone else approves (the attacker starts a login as $U and approves it with their own
# account): the token is refused by the normal decision.
start_case
person "$U" DEVICE_ON_CODE="$(act approve "mallory@example.com")"
[ "$rc" = 1 ] || problem "client exit $rc, wanted 1: $out"
told "The approval arrived, but it does not admit this login here."
via_device deny "$U" user_mismatch
report "approved by another account (mallory@example.com): user_mismatch, no login (${secs} s)"

# 6. Anything but Enter at the approval prompt (a token, a password) cancels: nothing is polled.
start_case
person "$U" DEVICE_ON_CODE="$(act approve "$U@example.com")" DEVICE_SECOND=hunter2
[ "$rc" = 1 ] || problem "client exit $rc, wanted 1: $out"
told "Login with a code cancelled: at that prompt, press only Enter."
lc=$(last_code) polls=${lc##* }
[ "$polls" = 0 ] || problem "the code was polled $polls times after a cancel"
via_device deny "$U" device_cancelled
report "a reply other than Enter at the approval prompt: device_cancelled, the code never polled"

# 7. A token typed at the prompt still logs in as before (via=typed), with the flow on.
start_case
tok=$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"openid ssh:login\"}")
n0=$(ncodes)
person "$U" DEVICE_FIRST="$tok"
[ "$rc" = 0 ] || problem "client exit $rc, wanted 0: $out"
[ "$(rounds)" = "Access token (or Enter to log in with a code): |off" ] ||
    problem "the prompts were [$(rounds | tr '\n' '|')], wanted the token prompt alone"
[ "$(ncodes)" = "$n0" ] || problem "a device code was requested"
audit_check allow "$U" ok
audit_lines | grep -q ' via=typed' || problem "the audit line does not say via=typed: $(audit_lines)"
report "a typed token still logs in with device_flow on (via=typed, no code requested)"

# 8. AuthenticationMethods publickey,keyboard-interactive: without the key, sshd never reaches
# PAM, so nobody without it can make the server issue codes; with it, the device flow follows.
start_case
n0=$(ncodes)
person "$K" DEVICE_ON_CODE="$(act approve "$K@example.com")" DEVICE_METHODS=keyboard-interactive
[ "$rc" = 1 ] || problem "client exit $rc, wanted 1: $out"
[ "$(ncodes)" = "$n0" ] || problem "a device code was issued to a client without the key"
audit_none
report "publickey,keyboard-interactive without the key: refused, the module never asked, no code issued"
start_case
person "$K" DEVICE_ON_CODE="$(act approve "$K@example.com")" DEVICE_KEY="$RUN/userkey"
[ "$rc" = 0 ] || problem "client exit $rc, wanted 0: $out"
printf '%s\n' "$out" | grep -qx "out: $K" || problem "id -un did not print $K: $out"
sees "To log in as $K on $HOST (service $SVC, from 127.0.0.1), approve this login on another device:"
sshd_log_has "Partial publickey for $K " || problem "sshd.log has no 'Partial publickey for $K'"
sshd_log_has "Accepted keyboard-interactive/pam for $K " || problem "sshd.log has no 'Accepted keyboard-interactive/pam for $K'"
via_device allow "$K" ok
report "publickey,keyboard-interactive: the key, then the device flow, approved: logged in (${secs} s)"

summary
