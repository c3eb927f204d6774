#!/bin/sh
# Against a real RFC 7662 server nobody here wrote: oidc-provider (npm, pinned in tests/e2e/oidc) over
# HTTPS with a test CA. flavor=rfc7662, introspect_url=.../token/introspection; the module
# authenticates with auth=basic as client rs-special, whose secret "p@ss:w/rd+%x y" needs RFC 6749
# form-encoding in the Basic header, and with auth=post as client pam-post; secrets in 0600 files.
# Tokens come from the client-credentials grant of client "cli" (with sub/username claims added).
# Driven by pamtester under pam_wrapper and nss_wrapper, so it needs no root and no /etc/pam.d; the
# module's audit lines come out on pam_wrapper's stderr. Every refused case is asserted by
# pamtester's exit status and the audit reason. Then the device flow (RFC 8628) against the same
# server: pamtester on a terminal, played by tests/e2e/device_driver.py as a person (Enter at the
# token prompt, the approval prompt read, the code approved or denied through ctl.py's test
# routes, Enter); the token introspects as above. oidc-provider sends no interval, so the module
# waits the RFC's 5 s before its first poll: these cases are few.
. "${top_srcdir:?}/tests/e2e/clients-lib.sh"
need pamtester python3 openssl timeout
if [ -z "${HAVE_PAM_WRAPPER:-}" ]; then
    pkg-config --exists pam_wrapper 2>/dev/null && HAVE_PAM_WRAPPER=yes
    pkg-config --exists nss_wrapper 2>/dev/null && HAVE_NSS_WRAPPER=yes
fi
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
npm_setup || skip "$NPM_WHY"

RUN=$TOPB/tests/run/oidc
U=oi-oidc-user
cleanup() { lib_cleanup; }
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$RUN" && mkdir -p "$RUN/svc" && chmod 700 "$RUN"
"$TOPS/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }

TLS_KEY=$RUN/pki/server.key TLS_CERT=$RUN/pki/server.crt PORT_FILE=$RUN/port \
    node "$NPMDIR/provider.mjs" >"$RUN/provider.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$RUN/port" 200 || { echo "FAIL: oidc-provider did not start"; cat "$RUN/provider.out"; exit 1; }
P=$(port_in "$RUN/port" port)
CA=$RUN/pki/ca.crt
op() { python3 "$TOPS/tests/e2e/oidc/ctl.py" "$RUN/port" "$CA" "$@"; }
token() { op token cli cli-secret "${1:-ssh:login}" "${2:-$U}" ${3:+"$3"}; }   # SCOPE USER [TTL]

(umask 077
 printf '%s\n' 'p@ss:w/rd+%x y' >"$RUN/basic.secret"
 printf '%s\n' 'pam-post-secret' >"$RUN/post.secret"
 printf '%s\n' 'p@ss:w/rd+%x z' >"$RUN/wrong.secret")
conf() { # NAME AUTH CLIENT SECRETFILE
    cat >"$RUN/$1.conf" <<CONF
flavor = rfc7662
introspect_url = https://127.0.0.1:$P/token/introspection
ca_file = $CA
auth = $2
client_id = $3
secret_file = $4
allowed_clients = cli
state_dir = $RUN/state
budget_per_minute = 0
damp_after = 0
junk_ttl = 0
issuer = https://127.0.0.1:$P
CONF
    chmod 600 "$RUN/$1.conf"
    printf 'auth required %s conf=%s %s\naccount required %s conf=%s\n' "$MODULE" "$RUN/$1.conf" \
        "${5:-}" "$MODULE" "$RUN/$1.conf" >"$RUN/svc/oi-oidc-$1"
}
conf basic basic rs-special "$RUN/basic.secret"
conf post post pam-post "$RUN/post.secret"
conf wrong basic rs-special "$RUN/wrong.secret"
conf scope basic rs-special "$RUN/basic.secret" required_scopes=sudo
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$RUN/svc/other"
printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:4711:4711:OIDC test user:/nonexistent:/bin/sh\n' "$U" >"$RUN/passwd"
printf 'root:x:0:\n%s:x:4711:\n' "$U" >"$RUN/group"

LOG=$RUN/audit.log
: >"$LOG"
# login SERVICE TOKEN: pamtester authenticate + acct_mgmt under pam_wrapper (always under timeout:
# a misconfigured pam_wrapper spins). pam_wrapper's private copy of the service directory can
# collide with another pam_wrapper process started in the same instant: retried once.
login() {
    SVC=oi-oidc-$1
    log_mark
    for _ in 1 2; do
        out=$(printf '%s\n' "$2" | env LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" PAM_WRAPPER=1 \
            PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$RUN/passwd" \
            NSS_WRAPPER_GROUP="$RUN/group" timeout 30 pamtester -v "$SVC" "$U" authenticate acct_mgmt 2>&1)
        rc=$?
        printf '%s\n' "$out" | grep -q 'pwrap_init: Failed' || break
    done
    printf '%s\n' "$out" >>"$LOG"
}
accepted() {
    [ "$rc" = 0 ] || problem "pamtester exit $rc, wanted 0: $out"
    audit_check allow "$U" ok
    report "$1"
}
refused() { # name reason [pamtester message]
    [ "$rc" = 1 ] || problem "pamtester exit $rc, wanted 1: $out"
    printf '%s' "$out" | grep -q "successfully authenticated" && problem "authenticated: $out"
    [ -z "${3:-}" ] || printf '%s' "$out" | grep -q "$3" || problem "no '$3' in: $out"
    audit_check deny "$U" "$2"
    report "$1"
}

short=$(token ssh:login "$U" 1) || { echo "FAIL: cannot get a token from oidc-provider"; exit 1; }
short_at=$(date +%s)
t1=$(token)
login basic "$t1"
accepted "valid token accepted, auth=basic with a secret that needs form-encoding"
login post "$(token)"
accepted "valid token accepted, auth=post"

status=$(op revoke cli cli-secret "$t1")
[ "$status" = 200 ] || problem "revocation answered HTTP $status"
login basic "$t1"
refused "token revoked at /token/revocation refused at the next login" inactive

login wrong "$(token)"
refused "wrong introspection secret: refused as unavailable (HTTP 401)" http_status \
    "Authentication service cannot retrieve authentication info"

login basic "$(token ssh:login somebody-else)"
refused "token of another user refused" user_mismatch

login basic "$(op token web-app web-secret ssh:login "$U")"
refused "token of a client not in allowed_clients refused" client

login scope "$(token 'ssh:login sudo')"
accepted "token with the required scope accepted (required_scopes=sudo)"
login scope "$(token ssh:login)"
refused "token without the required scope refused" scope

# The 1-second token minted first; the server reports an expired token as inactive.
while [ $(($(date +%s) - short_at)) -lt 2 ]; do sleep 0.2; done
login basic "$short"
refused "expired token refused" inactive

# ---- the device flow ------------------------------------------------------------------------
# devconf NAME PORTFILE LINES: a service whose conf introspects as rs-special at the server of
# PORTFILE and has the device flow's LINES; tokens of the device clients are allowed.
devconf() {
    dp=$(port_in "$2" port)
    cat >"$RUN/$1.conf" <<CONF
flavor = rfc7662
introspect_url = https://127.0.0.1:$dp/token/introspection
ca_file = $CA
auth = basic
client_id = rs-special
secret_file = $RUN/basic.secret
allowed_clients = pam-device,pam-device-post
required_scopes = ssh:login
state_dir = $RUN/state
budget_per_minute = 0
damp_after = 0
junk_ttl = 0
issuer = https://127.0.0.1:$dp
device_flow = yes
device_ca_file = $CA
$3
CONF
    chmod 600 "$RUN/$1.conf"
    printf 'auth required %s conf=%s\naccount required %s conf=%s\n' "$MODULE" "$RUN/$1.conf" "$MODULE" \
        "$RUN/$1.conf" >"$RUN/svc/oi-oidc-$1"
}
# A second server whose codes live 3 s (DEVICE_TTL).
DEVICE_TTL=3 TLS_KEY=$RUN/pki/server.key TLS_CERT=$RUN/pki/server.crt PORT_FILE=$RUN/ttl.port \
    node "$NPMDIR/provider.mjs" >"$RUN/provider-ttl.out" 2>&1 &
PIDS="$PIDS $!"
(umask 077; printf '%s\n' device-post-secret >"$RUN/device-post.secret")
# Endpoints from discovery (issuer), a public client.
devconf devdisc "$RUN/port" "device_client_id = pam-device"
# Explicit endpoints, a client with a secret (client_secret_post).
devconf devpost "$RUN/port" "device_client_id = pam-device-post
device_secret_file = $RUN/device-post.secret
device_auth_url = https://127.0.0.1:$P/device/auth
device_token_url = https://127.0.0.1:$P/token"
wait_for "$RUN/ttl.port" 200 || { echo "FAIL: the second oidc-provider did not start"; cat "$RUN/provider-ttl.out"; exit 1; }
devconf devttl "$RUN/ttl.port" "device_client_id = pam-device"
HOST=$(hostname | cut -d. -f1)
# device_login SERVICE ON-CODE [SECOND]: pamtester authenticate + acct_mgmt under pam_wrapper on a
# terminal; the person presses Enter, reads the approval prompt, runs ON-CODE with the user code
# as "$1", types SECOND (default nothing) and Enter. Sets rc, secs, seen (the terminal), prompt
# (the approval prompt) and code; the terminal goes to the log (the audit lines are in it).
device_login() {
    SVC=oi-oidc-$1
    log_mark
    for _ in 1 2; do
        t0=$(date +%s.%N)
        LC_ALL=C.UTF-8 python3 "$TOPS/tests/e2e/device_driver.py" --transcript "$RUN/$1.txt" --timeout 60 \
            --on-code "$2" --second "${3:-}" -- env LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" PAM_WRAPPER=1 \
            PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$RUN/passwd" \
            NSS_WRAPPER_GROUP="$RUN/group" pamtester -v "$SVC" "$U" authenticate acct_mgmt </dev/null >/dev/null 2>&1
        rc=$?
        grep -q 'pwrap_init: Failed' "$RUN/$1.txt" || break
    done
    secs=$(python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$(date +%s.%N)")
    seen=$(cat "$RUN/$1.txt")
    printf '%s\n' "$seen" >>"$LOG"
    prompt=$(printf '%s\n' "$seen" | sed -n '/approve this login on another device:$/,/Press Enter once approved: /p')
    code=$(printf '%s\n' "$prompt" | sed -n 's/^  2\. Check that the page shows the code \(.*\), then approve\.$/\1/p')
}
opf() { printf "python3 '%s' '%s' '%s' %s" "$TOPS/tests/e2e/oidc/ctl.py" "$1" "$CA" "$2"; } # PORTFILE COMMAND
sees() { printf '%s\n' "$prompt" | grep -qxF -- "$1" || problem "the approval prompt has no line '$1': [$prompt]"; }
told() { printf '%s\n' "$seen" | grep -qxF -- "$1" || problem "pamtester did not show '$1': $seen"; }
via_device() { # VERB REASON
    audit_check "$1" "$U" "$2"
    audit_lines | grep " via=device" | grep -Eq "^$1 user=$U .* reason=$2( |\$)" ||
        problem "no audit line with reason=$2 and via=device: $(audit_lines | tr '\n' '|')"
}

device_login devdisc "$(opf "$RUN/port" device-approve) \"\$1\" $U"
[ "$rc" = 0 ] || problem "pamtester exit $rc, wanted 0: $seen"
told "pamtester: successfully authenticated"
[ -n "$code" ] || problem "no user code in the approval prompt: $seen"
sees "To log in as $U on $HOST (service oi-oidc-devdisc), approve this login on another device:"
sees "  1. Open https://127.0.0.1:$P/device?user_code=$code"
printf '%s' "$prompt" >"$RUN/prompt.txt"
qr=$(python3 "$TOPS/tests/lib/qr_text.py" "$RUN/prompt.txt" 2>&1) || problem "$qr"
case $qr in *": https://127.0.0.1:$P/device?user_code=$code" | *"zbarimg not installed)") ;;
*) problem "the QR code says '$qr', wanted the verification URL" ;; esac
via_device allow ok
audit_lines | grep -q "^allow user=$U .* sub=$U client_id=pam-device " || problem "not sub=$U client_id=pam-device: $(audit_lines)"
report "device flow, endpoints from discovery, public client: the prompt names $U, $HOST, the service, the URL, code $code; ${qr%%:*}; approved, Enter: authenticated (${secs} s)"

device_login devdisc "$(opf "$RUN/port" device-deny) \"\$1\""
[ "$rc" = 1 ] || problem "pamtester exit $rc, wanted 1: $seen"
told "The approval was denied."
via_device deny device_denied
grep -q "device flow: https://127.0.0.1:$P/token answered access_denied" "$RUN/devdisc.txt" ||
    problem "no 'answered access_denied' log line"
report "device flow denied: oidc-provider answers access_denied, device_denied, the person is told (${secs} s)"

# Codes that live 3 s, less than the 5 s the module must wait before its first poll: it does not
# poll, and the person is told the code was not approved in time. (The module's deadline is the
# code's own expires_in, so oidc-provider never gets to answer expired_token; tests/e2e/sshd-device.sh
# has that answer from the stand-in.)
device_login devttl ":"
[ "$rc" = 1 ] || problem "pamtester exit $rc, wanted 1: $seen"
printf '%s\n' "$prompt" | grep -Eq '\([23] s from now\)\.$' || problem "the prompt does not say the code is valid 3 s: [$prompt]"
told "The code was not approved in time. Log in again for a new code."
via_device deny device_timeout
grep -q "device flow: no approval in time (the code's expires_in 3 s, device_timeout 100 s); 0 polls" "$RUN/devttl.txt" ||
    problem "no 'no approval in time ... 0 polls' log line"
report "device flow, a code valid 3 s (DEVICE_TTL=3): the prompt says 3 s, device_timeout with no poll, the person is told (${secs} s)"

device_login devpost "$(opf "$RUN/port" device-approve) \"\$1\" $U"
[ "$rc" = 0 ] || problem "pamtester exit $rc, wanted 0: $seen"
told "pamtester: successfully authenticated"
sees "  1. Open https://127.0.0.1:$P/device?user_code=$code"
via_device allow ok
audit_lines | grep -q "^allow user=$U .* client_id=pam-device-post " || problem "not client_id=pam-device-post: $(audit_lines)"
report "device flow, explicit endpoints, client_secret_post with a 0600 device_secret_file: approved, authenticated (${secs} s)"

# Nothing the module logged carries a client secret or a token.
leaks=""
for secret in 'p@ss:w/rd' 'p%40ss' pam-post-secret device-post-secret "$t1" "$short"; do
    grep -F -e "$secret" "$LOG" >/dev/null && leaks="$leaks '$secret'"
done
grep -q 'HTTP 401' "$LOG" || leaks="$leaks (and no 'HTTP 401' line for the wrong secret)"
if [ -z "$leaks" ]; then pass "no secret or token in the module's log lines"
else fail "no secret or token in the module's log lines" "found$leaks in $LOG"; fi

summary
