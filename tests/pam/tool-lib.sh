# Shared by tests/pam/tool.sh, revoke-close.sh and attacks.sh: Hydra stand-ins over HTTPS with a CA
# made here, their control API, and one-line case reports. Sourced, not run. Needs top_builddir and
# top_srcdir from the environment (AM_TESTS_ENVIRONMENT). Nothing is written into the source tree.
set -u

. "${top_srcdir:?top_srcdir is not set}/tests/lib/report-lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"; done; }

: "${top_builddir:?top_builddir is not set}" "${top_srcdir:?top_srcdir is not set}"
TOPB=$(cd "$top_builddir" && pwd)
TOPS=$(cd "$top_srcdir" && pwd)
need python3 openssl

PIDS=""
lib_cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
}

# setup_run DIR: a fresh private run directory with the test PKI and an API key file.
setup_run() {
    RUN=$1
    rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN" || { echo "FAIL: cannot create $RUN"; exit 1; }
    "$TOPS/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
    API_KEY=ory_apikey_tool-test-network-key
    printf '%s\n' "$API_KEY" >"$RUN/network.key" && chmod 600 "$RUN/network.key"
}

. "$top_srcdir/tests/standin/standin-lib.sh"
# start_standin NAME VERSION: a stand-in on 127.0.0.1 port 0; its ports go to $RUN/NAME.ports.
start_standin() {
    standin_start "$RUN/$1.ports" "$RUN/$1.out" --version "$2" --tls-cert "$RUN/pki/server.crt" \
        --tls-key "$RUN/pki/server.key" --api-key-file "$RUN/network.key"
    PIDS="$PIDS $STANDIN_PID"
}
wait_standins() { for n in "$@"; do wait_ports "$RUN/$n.ports" "$RUN/$n.out"; done; }
# port NAME admin|control: a port of stand-in NAME.
port() { port_in "$RUN/$1.ports" "$2"; }
url() { echo "https://127.0.0.1:$(port "$1" admin)"; }
# A TCP port nothing listens on: bound to port 0, noted, let go.
dead_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ctl NAME METHOD PATH [JSON]: the stand-in's control API; prints the JSON answer.
ctl() {
    python3 - "$(port "$1" control)" "$2" "$3" "${4:-}" <<'PY'
import json, sys, urllib.request
port, method, path, body = sys.argv[1:5]
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), method=method,
                             data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
    print(r.read().decode())
PY
}
# reset NAME...: clear the request log, overrides and not-ready of these stand-ins (one python).
reset() {
    ports=""
    for n in "$@"; do ports="$ports $(port "$n" control)"; done
    # shellcheck disable=SC2086
    python3 - $ports <<'PY'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for port in sys.argv[1:]:
    req = urllib.request.Request("http://127.0.0.1:%s/reset" % port, data=b"{}", method="POST")
    opener.open(req, timeout=10).read()
PY
}
# mint NAME JSON: a token (also remembered in $RUN/secrets: no output may ever contain it).
mint() {
    tok=$(ctl "$1" POST /tokens "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    echo "$tok" >>"$RUN/secrets"
    echo "$tok"
}
# requests NAME: one line per request since the last reset: METHOD PATH QUERY AUTHORIZATION
requests() {
    ctl "$1" GET /requests | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["method"], r["path"], r["query"] or "-", r["headers"].get("authorization", "-"))'
}
# sessions NAME: "subject sid" per login session the stand-in still holds.
sessions() {
    ctl "$1" GET /sessions | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    print(s["subject"], s["sid"])'
}
add_session() { ctl "$1" POST /sessions "{\"subject\":\"$2\",\"sid\":\"$3\"}" >/dev/null; }

# Assertions on a file. has FILE TEXT / lacks FILE TEXT (fixed strings) / matches FILE ERE.
has() { grep -qF -- "$2" "$1" || problem "$(basename "$1") lacks \"$2\""; }
lacks() { ! grep -qF -- "$2" "$1" || problem "$(basename "$1") contains \"$2\""; }
matches() { grep -qE -- "$2" "$1" || problem "$(basename "$1") does not match /$2/"; }
# no_secrets FILE...: no minted token and no API key in these files.
no_secrets() {
    for f in "$@"; do
        grep -qF -- "$API_KEY" "$f" && problem "$(basename "$f") contains the API key"
        [ -s "$RUN/secrets" ] && grep -qFf "$RUN/secrets" "$f" && problem "$(basename "$f") contains a token"
    done
    return 0
}
