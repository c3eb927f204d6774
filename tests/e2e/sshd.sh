#!/bin/sh
# End to end through a real OpenSSH sshd, set up with README's files from examples/: its
# sshd_config Includes examples/sshd_config.d/oauth2-introspect.conf as it is (the test's own port,
# host key and limits follow), its PAM service in /etc/pam.d is examples/pam.d/sshd (sshd takes the
# service name from argv[0]: it runs through a symlink), and the module reads examples/sshd.conf and
# the example map from the source tree: example_pamd replaces only the module's path and adds, on
# the pam.d line, conf=, the stand-in's URL, the test CA and the map's path. A dedicated user; the
# Hydra v2 stand-in over HTTPS with a test CA. Clients: the OpenSSH client under sshpass, and the
# npm ssh2 client for a token longer than OpenSSH's 1023 characters. Every refused case is
# asserted by the client's exit status and the module's audit reason, captured from /dev/log.
# Needs root; everything it creates is removed on exit.
. "${top_srcdir:?}/tests/e2e/clients-lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (starts sshd, adds a user, writes /etc/pam.d)"
[ -x /usr/sbin/sshd ] || skip "sshd is not installed (openssh-server)"
# sshd rewrites its argv/environment area for process titles; the ASan runtime, loaded only when PAM
# loads an instrumented module, reads ASAN_OPTIONS from /proc/self/environ and aborts there.
[ "${OI_SANITIZED:-no}" != no ] && skip "sanitizer build: sshd cannot load an ASan-instrumented module (module.sh and concurrency.sh run it under ASan)"
need ssh ssh-keygen sshpass setsid setpriv timeout python3 openssl useradd userdel
examples_safe sshd.conf pam_oauth2_introspect.map
devlog_prepare

RUN=$TOPB/tests/run/sshd
SVC=oi-e2e-sshd-$$
U=oi-e2e-ssh$$
OTHER=oi-e2e-other$$
CU=oi-e2e-client$$  # the person or CI job on the client side of README's recipes
CH=""               # its home
made_run_sshd=""
cleanup() {
    [ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
    rm -f "/etc/pam.d/$SVC"
    id "$U" >/dev/null 2>&1 && userdel "$U" 2>/dev/null
    id "$CU" >/dev/null 2>&1 && userdel "$CU" 2>/dev/null
    [ -n "$CH" ] && rm -rf "$CH"
    [ -n "$made_run_sshd" ] && rmdir /run/sshd 2>/dev/null
    lib_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
devlog_start "$RUN/syslog.log"

"$TOPS/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
start_standin "$RUN" v2
useradd -M -d /nonexistent -s /bin/sh "$U" || { echo "FAIL: useradd $U"; exit 1; }

# /etc/pam.d/sshd names no conf=: the module reads /etc/security/pam_oauth2_introspect.conf, which
# README fills with examples/sshd.conf. Debian's file keeps its session lines: here pam_permit.
example_pamd sshd "$SVC" "$TOPS/examples/sshd.conf" "admin_url=https://127.0.0.1:$ADMIN" \
    "ca_file=$RUN/pki/ca.crt" "user_map=$TOPS/examples/pam_oauth2_introspect.map" "state_dir=$RUN/state" budget_per_minute=0 damp_after=0 junk_ttl=0 <<PAM
session  required  pam_permit.so
PAM
[ -z "$EXAMPLE_WHY" ] || problem "$EXAMPLE_WHY"
report "/etc/pam.d/$SVC is examples/pam.d/sshd; only the module path, conf= and the test's server options differ"

[ -d /run/sshd ] || { mkdir -p /run/sshd && chmod 755 /run/sshd && made_run_sshd=1; }
ssh-keygen -q -t ed25519 -N '' -f "$RUN/hostkey" || { echo "FAIL: ssh-keygen"; exit 1; }
ln -s /usr/sbin/sshd "$RUN/$SVC"
FRAGMENT=$TOPS/examples/sshd_config.d/oauth2-introspect.conf
# The test server, on the port sshd_start (clients-lib.sh) found free.
sshd_config() {
    cat <<CFG
# Read first, as Debian's "Include /etc/ssh/sshd_config.d/*.conf": the example, as it is.
Include $FRAGMENT
# What Debian 12's sshd_config says after that Include: the fragment must win.
KbdInteractiveAuthentication no
# This test's server.
Port $PORT
ListenAddress 127.0.0.1
HostKey $RUN/hostkey
PidFile none
PubkeyAuthentication no
AuthorizedKeysFile none
PermitRootLogin no
AllowUsers $U
LogLevel VERBOSE
UseDNS no
PrintMotd no
PrintLastLog no
LoginGraceTime 30
CFG
}
sshd_start sshd_config

# Every setting of the fragment is what sshd uses (sshd -T prints the effective configuration).
"$RUN/$SVC" -T -f "$RUN/sshd_config" >"$RUN/sshd-T.out" 2>&1 || problem "sshd -T failed: $(cat "$RUN/sshd-T.out")"
n=0
while read -r key value; do
    case $key in ''|'#'*) continue ;; esac
    n=$((n + 1))
    lkey=$(printf '%s' "$key" | tr 'A-Z' 'a-z')
    grep -qx "$lkey $value" "$RUN/sshd-T.out" ||
        problem "sshd -T has '$(grep "^$lkey " "$RUN/sshd-T.out")', the fragment says '$key $value'"
done <"$FRAGMENT"
[ "$n" -ge 3 ] || problem "only $n settings read from $FRAGMENT"
report "sshd_config Includes examples/sshd_config.d/oauth2-introspect.conf; sshd uses its $n settings over Debian's later 'KbdInteractiveAuthentication no'"

SSH_OPTS="-F /dev/null -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10
 -o PubkeyAuthentication=no"
# openssh METHOD TOKEN: one login with the OpenSSH client, as CI runs it (no tty, no stdin);
# sshpass types the token at the password prompt, or at the module's "Access token: " prompt.
openssh() {
    case $1 in password) prompt=assword: ;; *) prompt=token: ;; esac
    # shellcheck disable=SC2086
    out=$(SSHPASS=$2 setsid -w timeout 60 sshpass -e -P "$prompt" ssh $SSH_OPTS -o PreferredAuthentications="$1" \
        "$U@127.0.0.1" true </dev/null 2>&1)
    rc=$?
}
# ssh2 METHOD TOKEN: one login with the npm ssh2 client.
ssh2() {
    out=$(SSH_TOKEN=$2 timeout 30 node "$NPMDIR/sshlogin.mjs" "$PORT" "$1" "$U" </dev/null 2>&1)
    rc=$?
}
sshd_log_mark() { SSHD_MARK=$(wc -l <"$RUN/sshd.log"); }
sshd_log_has() { tail -n +"$((SSHD_MARK + 1))" "$RUN/sshd.log" | grep -q "$1"; }
accepted() { # name method
    [ "$rc" = 0 ] || problem "client exit $rc, wanted 0: $out"
    audit_check allow "$U" ok
    audit_lines | grep -q '^allow .* rhost=127\.0\.0\.1 ' || problem "audit line lacks rhost=127.0.0.1"
    sshd_log_has "Accepted $2 for $U " || problem "sshd.log has no 'Accepted $2 for $U'"
    report "$1"
}
refused() { # name wanted-rc reason
    [ "$rc" = "$2" ] || problem "client exit $rc, wanted $2: $out"
    audit_check deny "$U" "$3"
    report "$1"
}
start_case() { log_mark; sshd_log_mark; }

# examples/sshd.conf: people's subjects are e-mail addresses (user_regex), client ssh-login, scope
# ssh:login (also sent to Hydra). person USER [MORE-JSON]: such a token, valid in every other way.
person() { mint "{\"sub\":\"$1@example.com\",\"client_id\":\"ssh-login\",\"scope\":\"openid ssh:login\"${2:-}}"; }
good=$(person "$U")

start_case; openssh password "$good"
accepted "valid token, password method (OpenSSH client), account stack passes" password
start_case; openssh keyboard-interactive "$good"
accepted "valid token, keyboard-interactive (OpenSSH client)" keyboard-interactive/pam

# README's recipes (examples/clients/), each command line as written, run by a client-side user
# whose ~/.ssh/config and known_hosts name server.example, as a person's would. Only the account
# in user@server.example is this test's. The person: ssh asks ~/bin/oauth2-token-askpass.
CH=$(mktemp -d /tmp/oi-e2e-client.XXXXXX)
useradd -M -d "$CH" -s /bin/sh "$CU" || { echo "FAIL: useradd $CU"; exit 1; }
client_home "$CU" "$CH" "$(person "$U")"
printf 'Host server.example\n    HostName 127.0.0.1\n    Port %s\n    HostKeyAlias server.example\n' "$PORT" >"$CH/.ssh/config"
printf 'server.example %s\n' "$(cut -d' ' -f1,2 "$RUN/hostkey.pub")" >"$CH/.ssh/known_hosts"
chown -R "$CU" "$CH/.ssh" && chmod 600 "$CH/.ssh/config"
person_ssh=$(client_line person.sh "ssh alice@server.example" | sed "s/alice@/$U@/")
start_case; as_client "$CU" "$CH" "$person_ssh"
accepted "README, a person: $person_ssh" keyboard-interactive/pam

# The askpass program answers nothing but a token or password prompt: asked to accept an unknown
# host key, it says nothing, ssh gives up, and the token goes nowhere.
mv "$CH/.ssh/known_hosts" "$CH/.ssh/known_hosts.away"
n0=$(nreq); start_case; as_client "$CU" "$CH" "$person_ssh"
[ "$rc" = 255 ] || problem "ssh exit $rc, wanted 255: $out"
printf '%s\n' "$out" | grep -q "Host key verification failed" || problem "ssh did not refuse the unknown host key: $out"
[ "$(nreq)" = "$n0" ] || problem "the token reached the server"
audit_none
report "README's askpass program does not answer ssh's unknown-host-key question: no login, nothing sent"
mv "$CH/.ssh/known_hosts.away" "$CH/.ssh/known_hosts"

# The CI job: sshpass reads the token from SSHPASS, which the recipe fills from OAUTH2_TOKEN.
ci_ssh=$(client_line ci-job.sh "ssh deploy@server.example" | sed "s/deploy@/$U@/")
start_case; CLIENT_ENV="OAUTH2_TOKEN=$(person "$U")" as_client "$CU" "$CH" "$ci_ssh"
printf '%s\n' "$out" | grep -q "load average" || problem "uptime did not run: $out"
accepted "README, a CI job: $ci_ssh" keyboard-interactive/pam

revoked=$(person "$U")
ctl revoke "$revoked"
start_case; openssh keyboard-interactive "$revoked"
refused "revoked token refused (keyboard-interactive)" 255 inactive
start_case; openssh password "$revoked"
refused "revoked token refused (password)" 255 inactive

# Hydra answers {"active":false} for an expired token, so the reason is "inactive".
expired=$(person "$U" ",\"ttl\":-5")
start_case; openssh password "$expired"
refused "expired token refused" 255 inactive

start_case; openssh keyboard-interactive "$(person "$OTHER")"
refused "another user's token refused" 255 user_mismatch

start_case; openssh password "$(mint "{\"sub\":\"$U@example.com\",\"client_id\":\"web-app\",\"scope\":\"ssh:login\"}")"
refused "token of a client not in allowed_clients refused" 255 client

# A user sshd does not allow (not in AllowUsers, here not even a local user): sshd still runs PAM
# but replaces the password with a fake one full of control characters, which the module refuses
# without a request.
n0=$(nreq)
start_case
# shellcheck disable=SC2086
out=$(SSHPASS=$(person "$OTHER") setsid -w timeout 60 sshpass -e -P token: \
    ssh $SSH_OPTS -o PreferredAuthentications=keyboard-interactive "$OTHER@127.0.0.1" true </dev/null 2>&1)
rc=$?
[ "$(nreq)" = "$n0" ] || problem "sshd's fake password was sent to the server"
refused_user=$U; U=$OTHER
refused "valid token of a user sshd does not allow refused (sshd's fake password, no request)" 255 malformed
U=$refused_user

# Refresh tokens (ory_rt_) are refused before any request is made.
refresh=$(person "$U" ",\"token_use\":\"refresh_token\"")
n0=$(nreq)
start_case; openssh keyboard-interactive "$refresh"
[ "$(nreq)" = "$n0" ] || problem "the refresh token was sent to the server"
refused "refresh token refused without a request" 255 not_access_token

# A JWT access token, valid under examples/sshd.conf: with its claims (an e-mail subject, two
# scopes) the stand-in's JWTs, with a 4096-bit-sized signature, are longer than 1024 characters.
long=$(person "$U" ",\"format\":\"jwt\"")
[ ${#long} -gt 1024 ] || { echo "FAIL: the JWT has ${#long} characters, wanted more than 1024"; exit 1; }

if npm_setup; then
    start_case; ssh2 keyboard-interactive "$long"
    accepted "${#long}-character JWT logs in through keyboard-interactive (ssh2 client)" keyboard-interactive/pam

    # sshd's password method takes up to 1024 characters: such a secret reaches the module intact.
    n0=$(nreq)
    start_case; ssh2 password "$(shaped 1024)"
    got=$(req_tokens_since "$n0" | awk '{ print length($0) }' | tr '\n' ' ')
    [ "$got" = "1024 " ] || problem "the server got token lengths '$got', wanted 1024"
    refused "1024-character secret reaches the module intact through the password method (ssh2; unknown: inactive)" 1 inactive

    n0=$(nreq)
    start_case; ssh2 password "$(shaped 1025)"
    [ "$rc" = 1 ] || problem "client exit $rc, wanted 1: $out"
    audit_none
    [ "$(nreq)" = "$n0" ] || problem "a request reached the introspection server"
    sshd_log_has "Failed password for $U " || problem "sshd.log has no 'Failed password for $U'"
    report "1025-character secret refused by sshd itself through the password method (module never called)"
    ssh2_skipped=""
else
    ssh2_skipped=$NPM_WHY
    echo "SKIP: ssh2 client cases: $NPM_WHY"
fi

# The OpenSSH client cuts what it reads at 1023 characters: the truncated token is inactive.
n0=$(nreq)
start_case; openssh keyboard-interactive "$long"
got=$(req_tokens_since "$n0" | awk '{ print length($0) }' | tr '\n' ' ')
[ "$got" = "1023 " ] || problem "the server got token lengths '$got', wanted 1023"
refused "${#long}-character JWT cut to 1023 characters by the OpenSSH client, so refused" 255 inactive

# revoke_on_close at logout, as README sets it up. With keyboard-interactive, sshd authenticates in
# a child process and opens and closes the session in its monitor, which has only the PAM
# environment the child exported: the module revokes from its MAC-checked facts. With the password
# method it has its own record of the login. Added last: every later login would revoke at logout.
printf 'session  optional  %s conf=%s admin_url=https://127.0.0.1:%s ca_file=%s state_dir=%s revoke_on_close=login,consent\n' \
    "$MODULE" "$TOPS/examples/sshd.conf" "$ADMIN" "$RUN/pki/ca.crt" "$RUN/state" >>"/etc/pam.d/$SVC"
# deletes_after N: the DELETE requests after the first N, as "PATH QUERY", once two have come
# (sshd closes the session after the client has gone), or after 5 s.
deletes_after() {
    i=0
    while [ $i -lt 50 ]; do
        got=$(ctl requests | python3 -c '
import json, sys
for r in json.load(sys.stdin)[int(sys.argv[1]):]:
    if r["method"] == "DELETE":
        print(r["path"], r["query"])' "$1")
        [ "$(printf '%s' "$got" | grep -c .)" -ge 2 ] && break
        sleep 0.1; i=$((i + 1))
    done
    printf '%s\n' "$got"
}
for method in keyboard-interactive password; do
    fresh=$(person "$U") # the consent revocation of the last round ended the token before
    n0=$(nreq)
    start_case; openssh "$method" "$fresh"
    [ "$rc" = 0 ] || problem "client exit $rc, wanted 0: $out"
    got=$(deletes_after "$n0")
    want="/admin/oauth2/auth/sessions/login subject=$U%40example.com
/admin/oauth2/auth/sessions/consent subject=$U%40example.com&client=ssh-login"
    [ "$got" = "$want" ] || problem "the server saw [$(printf '%s' "$got" | tr '\n' '|')], wanted [$(printf '%s' "$want" | tr '\n' '|')]"
    grep -q "revoke_on_close user=$U sub=$U@example.com: login sessions: request accepted" "$RUN/syslog.log" ||
        problem "no revoke_on_close line in the log"
    report "revoke_on_close at logout ($method): the login and consent sessions of the token's exact subject"
done

if [ -n "$ssh2_skipped" ] && [ "$failed" = 0 ]; then
    echo "$passed passed, $failed failed"
    skip "the ssh2 client cases did not run: $ssh2_skipped"
fi
summary
