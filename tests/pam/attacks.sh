#!/bin/sh
# A local user's environment against the built tool and module (../shared/threat-model.md):
#   1. the tool, run as root would run it with that environment: OPENSSL_CONF naming a provider
#      library (code execution), SSLKEYLOGFILE through a symbolic link, the proxy variables,
#      OAUTH2_*; the openssl command first shows that the provider path is live;
#   2. the module, in a process whose environment the caller wrote (as sudo's is): no TLS key
#      file, no proxy, and SSL_CERT_FILE, SSL_CERT_DIR or CURL_CA_BUNDLE cannot make it trust a
#      server its configuration does not;
#   3. after pam_end, no copy of the token or the API key left in the process's memory; and, for
#      the record, what is left when the host itself initialised libcurl first.
# The rest of the attacker's side is where its machinery is: setuid sudo with this environment
# (tests/e2e/sudo.sh), the PAM environment forged through pam_env (tests/pam/revoke-close.sh), passwords,
# NUL keys, a case-folding user database and the account line (tests/pam/module.sh), the cache, 429s
# and offline grace (tests/pam/cache.sh), echoed secrets and unsafe files (tests/pam/faults.sh).
. "$top_srcdir/tests/pam/tool-lib.sh"

TOOL=$TOPB/src/oauth2-introspect
MEMSCAN=$TOPB/tests/pam/test_memscan
EVIL=$TOPB/tests/lib/.libs/libevil_provider.so
MODULE=$TOPB/src/.libs/pam_oauth2_introspect.so
for f in "$TOOL" "$MEMSCAN" "$EVIL" "$MODULE"; do [ -e "$f" ] || skip "$f was not built"; done
[ "${HAVE_PAM_WRAPPER:-no}" = yes ] || skip "pam_wrapper is not installed (libpam-wrapper)"
[ "${HAVE_NSS_WRAPPER:-no}" = yes ] || skip "nss_wrapper is not installed (libnss-wrapper)"
setup_run "$TOPB/tests/run/attacks"
PROXY_PID=""
trap 'lib_cleanup; [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null' EXIT INT TERM
start_standin net network
wait_standins net

# A proxy that counts the connections it is offered, and answers none.
python3 "$TOPS/tests/lib/connection_counter.py" "$RUN/proxy.port" "$RUN/proxy.count" &
PROXY_PID=$!
i=0; while [ ! -s "$RUN/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PROXY="http://127.0.0.1:$(cat "$RUN/proxy.port")"
proxy_count() { cat "$RUN/proxy.count" 2>/dev/null || echo 0; }

# What a user writes into ~/.pam_environment, or exports before sudo.
printf 'openssl_conf = oi_attack\n[oi_attack]\nproviders = oi_providers\n[oi_providers]\nevil = oi_evil\n[oi_evil]\nmodule = %s\nactivate = 1\n' \
    "$EVIL" >"$RUN/evil.cnf"
ln -s "$RUN/keys-target" "$RUN/keys-link"
# What the module must neutralise itself. (OpenSSL reads OPENSSL_CONF with secure_getenv: in a
# setuid program it is ignored, which tests/e2e/sudo.sh shows with real sudo; here, in a process that
# is not setuid, it would be honoured, as it is for root's own programs.)
MODULE_HOSTILE="SSLKEYLOGFILE=$RUN/keys-link https_proxy=$PROXY HTTPS_PROXY=$PROXY ALL_PROXY=$PROXY
all_proxy=$PROXY no_proxy= NO_PROXY= SSL_CERT_FILE=$RUN/pki/ca.crt SSL_CERT_DIR=$RUN/pki/cadir
CURL_CA_BUNDLE=$RUN/pki/ca.crt"
HOSTILE="$MODULE_HOSTILE OPENSSL_CONF=$RUN/evil.cnf OPENSSL_MODULES=$TOPB/tests/lib/.libs
OAUTH2_SUB=victim OAUTH2_CLIENT_ID=ssh-cli PAM_TYPE=close_session"

# ---- 1. the tool -----------------------------------------------------------------------------
rm -f "$EVIL.loaded"
env OPENSSL_CONF="$RUN/evil.cnf" openssl version >/dev/null 2>&1
[ -f "$EVIL.loaded" ] || problem "the openssl command did not load the provider: this test would prove nothing"
report "control: OPENSSL_CONF naming a provider runs its code in a program that honours it (openssl version)"

rm -f "$EVIL.loaded"
printf 'admin_url = %s\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s\nbudget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\nauth = bearer\nsecret_file = %s\n' \
    "$(url net)" "$RUN/pki/ca.crt" "$RUN/state" "$RUN/network.key" >"$RUN/net.conf"
chmod 600 "$RUN/net.conf"
USR=nobody
tok=$(mint net "{\"sub\":\"$USR\",\"client_id\":\"ssh-cli\"}")
printf '%s\n' "$tok" >"$RUN/token.in"
# shellcheck disable=SC2086
env $HOSTILE ${OI_TEST_WRAPPER:-} "$TOOL" --conf "$RUN/net.conf" ping >"$RUN/ping.out" 2>&1 || problem "ping failed: $(tail -3 "$RUN/ping.out")"
# shellcheck disable=SC2086
env $HOSTILE ${OI_TEST_WRAPPER:-} "$TOOL" --conf "$RUN/net.conf" check "$USR" <"$RUN/token.in" >"$RUN/check.out" 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || problem "check exit $rc: $(tail -3 "$RUN/check.out")"
# shellcheck disable=SC2086
env $HOSTILE ${OI_TEST_WRAPPER:-} "$TOOL" --conf "$RUN/net.conf" revoke --subject alice --dry-run >"$RUN/revoke.out" 2>&1 ||
    problem "revoke --dry-run failed"
[ -f "$EVIL.loaded" ] && problem "the tool loaded the provider named by OPENSSL_CONF: $(cat "$EVIL.loaded")"
[ -e "$RUN/keys-target" ] && problem "the tool wrote TLS keys through SSLKEYLOGFILE's link"
[ "$(proxy_count)" = 0 ] || problem "the tool connected to the proxy of https_proxy ($(proxy_count) times)"
grep -q "victim" "$RUN/revoke.out" && problem "the tool acted on OAUTH2_SUB"
no_secrets "$RUN/ping.out" "$RUN/check.out" "$RUN/revoke.out"
report "the tool with a user's environment (OPENSSL_CONF provider, SSLKEYLOGFILE link, proxies, CA variables, OAUTH2_*): ping, check and revoke work, nothing of it acts"

# ---- 2 and 3. the module ---------------------------------------------------------------------
mkdir -p "$RUN/svc"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$RUN/svc/other"
memscan_conf() { # NAME CA
    printf 'admin_url = %s\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s\nbudget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\nauth = bearer\nsecret_file = %s\n' \
        "$(url net)" "$2" "$RUN/state" "$RUN/network.key" >"$RUN/$1.conf"
    chmod 600 "$RUN/$1.conf"
    printf 'auth required %s conf=%s\n' "$MODULE" "$RUN/$1.conf" >"$RUN/svc/$1"
}
memscan_conf memscan "$RUN/pki/ca.crt"
memscan_conf othertrust "$RUN/pki/other-ca.crt"
printf 'alice:x:1234:1234:Alice:/nonexistent:/bin/sh\n' >"$RUN/passwd"
printf 'alice:x:1234:\n' >"$RUN/group"
# memscan SERVICE [--curl-first]: one login as alice with a fresh token, in the hostile
# environment; output in $RUN/memscan.out, exit status in $rc. Under a sanitizer or valgrind
# (OI_TEST_WRAPPER) the login is made but memory is not scanned: their own mappings are huge.
SCAN=""
[ "${OI_SANITIZED:-no}" != no ] || [ -n "${OI_TEST_WRAPPER:-}" ] && SCAN=--no-scan
memscan() {
    mint net '{"sub":"alice","client_id":"ssh-cli"}' >"$RUN/memscan-token.in"
    chmod 600 "$RUN/memscan-token.in"
    # shellcheck disable=SC2086
    env $MODULE_HOSTILE LD_PRELOAD="${OI_TEST_PRELOAD_PREFIX:+$OI_TEST_PRELOAD_PREFIX }libpam_wrapper.so libnss_wrapper.so" \
        PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$RUN/svc" PAM_WRAPPER_DEBUGLEVEL=2 \
        NSS_WRAPPER_PASSWD="$RUN/passwd" NSS_WRAPPER_GROUP="$RUN/group" \
        timeout 300 ${OI_TEST_WRAPPER:-} "$MEMSCAN" "$1" alice "$RUN/memscan-token.in" "$RUN/network.key" ${2:-} $SCAN \
        >"$RUN/memscan.out" 2>&1
    rc=$?
}

rm -f "$RUN/keys-target"
memscan memscan
[ "$rc" = 0 ] || problem "exit $rc: $(grep -v PWRAP_DEBUG "$RUN/memscan.out" | tail -3)"
[ -n "$SCAN" ] || grep -q "after pam_end: 0 copies of the token, 0 of the API key" "$RUN/memscan.out" ||
    problem "$(grep 'after pam_end' "$RUN/memscan.out")"
[ -e "$RUN/keys-target" ] && problem "the module wrote TLS keys through SSLKEYLOGFILE's link"
[ "$(proxy_count)" = 0 ] || problem "the module connected to the proxy of https_proxy"
grep "after pam_end" "$RUN/memscan.out" | sed 's/^/    /'
report "the module in a caller's environment: logs in; no TLS key file, no proxy; after pam_end no copy of the token or the API key in memory"

memscan othertrust
[ "$rc" = 2 ] || problem "exit $rc: a server the configuration does not trust was trusted through SSL_CERT_FILE / CURL_CA_BUNDLE"
grep -q "reason=unavailable" "$RUN/memscan.out" || problem "no reason=unavailable: $(grep SYSLOG "$RUN/memscan.out" | tail -2)"
report "SSL_CERT_FILE, SSL_CERT_DIR and CURL_CA_BUNDLE cannot make the module trust another CA than ca_file"

# A host that initialised libcurl itself, with SSLKEYLOGFILE set: libcurl opened the file then,
# but the module's connection writes no key into it. What libcurl's own allocator leaves in
# freed memory is measured, not asserted (pam_oauth2_introspect(8), ENVIRONMENT).
rm -f "$RUN/keys-target"
memscan memscan --curl-first
[ "$rc" = 0 ] || problem "exit $rc: $(grep -v PWRAP_DEBUG "$RUN/memscan.out" | tail -3)"
[ -e "$RUN/keys-target" ] || problem "control: libcurl, initialised by the host, did not open SSLKEYLOGFILE"
[ -s "$RUN/keys-target" ] && problem "TLS keys of the module's connection were written: $(wc -l <"$RUN/keys-target") lines"
grep "after pam_end" "$RUN/memscan.out" | sed 's/^/    /'
report "a host that initialised libcurl first with SSLKEYLOGFILE: the file is opened by libcurl, no key of the module's connection is written"

summary
