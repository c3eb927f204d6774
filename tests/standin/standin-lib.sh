# Starting the Hydra stand-in (tests/standin/hydra_standin.py) and reading the ports of test servers, for
# the shell tests and ./bootstrap demo. Sourced, not run; needs top_srcdir.
#   standin_start PORTFILE LOG ARGS...  start it in the background, its ports written to PORTFILE,
#                                       its output to LOG, with ARGS (--version, --tls-cert, ...);
#                                       STANDIN_PID is its pid. Returns at once: start several,
#                                       then wait for each.
#   wait_ports PORTFILE LOG             wait up to 10 s for PORTFILE (of a stand-in or another test
#                                       server); else show LOG and exit 1.
#   port_in PORTFILE NAME               a port from PORTFILE, e.g. admin, public or control.
STANDIN_PY=$(cd "${top_srcdir:?top_srcdir is not set}" && pwd)/tests/standin/hydra_standin.py

standin_start() {
    _pf=$1 _log=$2
    shift 2
    python3 "$STANDIN_PY" --port-file "$_pf" "$@" >"$_log" 2>&1 &
    STANDIN_PID=$!
}

wait_ports() {
    _i=0
    while [ ! -s "$1" ]; do
        _i=$((_i + 1))
        if [ "$_i" -gt 100 ]; then
            echo "FAIL: no ports in $1: the server did not start"
            cat "$2"
            exit 1
        fi
        sleep 0.1
    done
}

port_in() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
