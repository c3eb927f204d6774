# Shared by tests/pam/concurrency.sh (make check) and tests/pam/soak.sh (make soak): a Hydra v2 stand-in, a
# conf file, a PAM service for the real module, an nss_wrapper user database and a file of login
# cases for tests/pam/stress. Sourced, not run. Needs top_builddir and top_srcdir (AM_TESTS_ENVIRONMENT).
#
# OI_STRESS_SCHEME=https (default) or http: http (allow_http) measures the module without the TLS
# handshakes, which dominate the time of a login against a loopback server.
# OI_STRESS_TIMEOUT_MS (default 60000): the module's timeout_ms, a bound for a hung login only.
set -u
skip() { echo "SKIP: $*"; exit 77; }
: "${top_builddir:?top_builddir is not set}" "${top_srcdir:?top_srcdir is not set}"
TOPB=$(cd "$top_builddir" && pwd)
TOPS=$(cd "$top_srcdir" && pwd)
. "$TOPS/tests/standin/standin-lib.sh"
STRESS=$TOPB/tests/pam/stress
MODULE=$TOPB/src/.libs/pam_oauth2_introspect.so
[ -x "$STRESS" ] || skip "tests/pam/stress was not built"
[ -f "$MODULE" ] || skip "the module was not built"
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"
SCHEME=${OI_STRESS_SCHEME:-https}

stress_setup() { # NAME
    RUN=$TOPB/tests/run/$1
    rm -rf "$RUN" && mkdir -p "$RUN/svc" && chmod 700 "$RUN"
    standin_pid=""
    trap '[ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
    "$TOPS/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
    tls=""
    [ "$SCHEME" = https ] && tls="--tls-cert $RUN/pki/server.crt --tls-key $RUN/pki/server.key"
    # shellcheck disable=SC2086
    standin_start "$RUN/ports" "$RUN/standin.out" --version v2 $tls
    standin_pid=$STANDIN_PID
    wait_ports "$RUN/ports" "$RUN/standin.out"
    ADMIN=$(port_in "$RUN/ports" admin)
    export OI_STRESS_CONTROL=$(port_in "$RUN/ports" control)
    ctl() { python3 "$TOPS/tests/standin/standin_ctl.py" "$RUN/ports" "$@"; }
    {
        echo "admin_url = $SCHEME://127.0.0.1:$ADMIN"
        echo "ca_file = $RUN/pki/ca.crt"
        echo "allowed_clients = ssh-cli"
        echo "state_dir = $RUN/state"
        # The host's limits: off unless the test is about them (tests/pam/flood.sh sets them).
        printf '%s\n' "${STRESS_LIMITS:-budget_per_minute = 0
damp_after = 0
junk_ttl = 0}"
        echo "required_scopes = ssh:login"
        [ "$SCHEME" = http ] && echo "allow_http"
        # These runs check decisions, not speed: the timeouts only catch a hang. The defaults (2 s
        # to connect, which for curl includes the TLS handshake; 5 s in all) are not met when 64
        # processes make their first handshake with the one stand-in at once on a loaded machine,
        # or under valgrind: the module then rightly answers PAM_AUTHINFO_UNAVAIL, which says
        # nothing about concurrency (and with cache_dir, three in a row open the circuit breaker
        # for every login). The stand-in allows 60 s for a handshake; connect_timeout_ms at most 60 s.
        t=${OI_STRESS_TIMEOUT_MS:-60000}
        echo "timeout_ms = $t"
        echo "connect_timeout_ms = $((t < 60000 ? t : 60000))"
    } > "$RUN/module.conf"
    chmod 600 "$RUN/module.conf"
    printf 'auth required %s conf=%s\naccount required %s conf=%s\n' "$MODULE" "$RUN/module.conf" \
        "$MODULE" "$RUN/module.conf" > "$RUN/svc/oi-stress"
    printf 'auth required pam_deny.so\naccount required pam_deny.so\n' > "$RUN/svc/other"
    printf 'alice:x:1234:1234:Alice:/home/alice:/bin/sh\nbob:x:1235:1235:Bob:/home/bob:/bin/sh\n' > "$RUN/passwd"
    printf 'alice:x:1234:\nbob:x:1235:\n' > "$RUN/group"

    # The cases: EXPECT USER TOKEN [SUB CLIENT_ID] [# WHAT]. Valid and invalid are mixed half and
    # half. WHAT names the case where a wrong decision is reported (the log shows no token).
    # A day to live: the stand-in's default (600 s) ends inside a long run, and the module rightly
    # refuses every login from then on.
    person() { ctl mint "{\"sub\":\"$1\",\"client_id\":\"${2:-ssh-cli}\",\"scope\":\"openid ssh:login\",\"ttl\":86400$3}"; }
    revoked=$(person alice ssh-cli "") && ctl revoke "$revoked" || { echo "FAIL: cannot mint"; exit 1; }
    {
        echo "ok alice $(person alice ssh-cli '') # her own valid token (the first)"
        echo "ok alice $(person alice ssh-cli '') # her own valid token (the second)"
        echo "ok bob $(person bob ssh-cli '') # his own valid token"
        echo "auth_err alice $(person bob ssh-cli '') # bob's token"
        echo "auth_err alice $(person alice web-app '') # a token of a client not allowed"
        echo "auth_err alice $revoked # a token revoked at the server"
        echo "auth_err alice $(person alice ssh-cli ',"exp":1000000000') # a token expired long ago"
        echo "auth_err alice $(person alice ssh-cli ',"token_use":"refresh_token"') # a refresh token"
        echo "auth_err alice ory_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB # a token the server does not know"
        echo "auth_err bob hunter2 # a password, not shaped like a token"
        echo "user_unknown ghost $(person ghost ssh-cli '') # a valid token, but no such local user"
    } > "$RUN/cases"
    echo cases > "$RUN/.secret-stores" # it holds the tokens: tests/e2e/secrets.sh must not count it a leak
    export OI_STRESS_CASES="$RUN/cases" OI_STRESS_SERVICE=oi-stress
}

# stress_cache: from now on the module keeps a cache in a fresh cache_dir, which the first logins
# set up (its key) all at once.
stress_cache() {
    rm -rf "$RUN/cache"
    grep -q '^cache_dir' "$RUN/module.conf" || printf 'cache_dir = %s\ncache_ttl = 60\n' "$RUN/cache" >> "$RUN/module.conf"
}

# stress_run TIMEOUT ARGS...: tests/pam/stress under pam_wrapper and nss_wrapper (threads).
# stress_run_plain TIMEOUT ARGS...: on plain libpam, pam_start_confdir with the same service
# directory, and nss_wrapper (separate processes: pam_wrapper re-initialises in each fork()ed child
# and races for its /tmp/pam.X directories; and the long run, as a real host does it).
# In a sanitizer build the ASan runtime comes first in LD_PRELOAD (OI_TEST_PRELOAD_PREFIX);
# OI_TEST_WRAPPER (valgrind) wraps the program.
# The preload is set by env, after timeout: only the tested program (or valgrind) gets it.
stress_run() {
    t=$1; shift
    timeout "$t" env LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libpam_wrapper.so libnss_wrapper.so" \
        PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$RUN/svc" \
        NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
        ${OI_TEST_WRAPPER:-} "$STRESS" "$@"
}
stress_run_plain() {
    t=$1; shift
    timeout "$t" env LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libnss_wrapper.so" \
        OI_STRESS_CONFDIR="$RUN/svc" NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
        ${OI_TEST_WRAPPER:-} "$STRESS" "$@"
}
