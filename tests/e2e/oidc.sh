#!/bin/sh
# Against a real RFC 7662 server nobody here wrote: oidc-provider (npm, pinned in tests/e2e/oidc) over
# HTTPS with a test CA. flavor=rfc7662, introspect_url=.../token/introspection; the module
# authenticates with auth=basic as client rs-special, whose secret "p@ss:w/rd+%x y" needs RFC 6749
# form-encoding in the Basic header, and with auth=post as client pam-post; secrets in 0600 files.
# Tokens come from the client-credentials grant of client "cli" (with sub/username claims added).
# Driven by pamtester under pam_wrapper and nss_wrapper, so it needs no root and no /etc/pam.d; the
# module's audit lines come out on pam_wrapper's stderr. Every refused case is asserted by
# pamtester's exit status and the audit reason.
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

# Nothing the module logged carries a client secret or a token.
leaks=""
for secret in 'p@ss:w/rd' 'p%40ss' pam-post-secret "$t1" "$short"; do
    grep -F -e "$secret" "$LOG" >/dev/null && leaks="$leaks '$secret'"
done
grep -q 'HTTP 401' "$LOG" || leaks="$leaks (and no 'HTTP 401' line for the wrong secret)"
if [ -z "$leaks" ]; then pass "no secret or token in the module's log lines"
else fail "no secret or token in the module's log lines" "found$leaks in $LOG"; fi

summary
