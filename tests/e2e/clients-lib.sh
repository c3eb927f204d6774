# Shared by the end-to-end tests with real clients (tests/e2e/sshd.sh, sudo.sh, stacking.sh, oidc.sh).
# Sourced, not run. Needs top_builddir and top_srcdir from the environment (AM_TESTS_ENVIRONMENT).
# Nothing here writes into the source tree.
set -u

. "${top_srcdir:?top_srcdir is not set}/tests/lib/report-lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"; done; }

: "${top_builddir:?top_builddir is not set}" "${top_srcdir:?top_srcdir is not set}"
TOPB=$(cd "$top_builddir" && pwd)
TOPS=$(cd "$top_srcdir" && pwd)
MODULE=${OI_MODULE:-$TOPB/src/.libs/pam_oauth2_introspect.so}
case $MODULE in /*) ;; *) MODULE=$(pwd)/$MODULE ;; esac
[ -f "$MODULE" ] || skip "the module $MODULE was not built"

PIDS=""            # processes this test started; killed by lib_cleanup
lib_cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    devlog_stop
}

# wait_for FILE [TENTHS]: until FILE exists and is not empty (or is a socket).
wait_for() {
    i=0
    while [ ! -s "$1" ] && [ ! -S "$1" ]; do
        i=$((i + 1)); [ "$i" -gt "${2:-100}" ] && return 1
        sleep 0.1
    done
}
# A free TCP port on 127.0.0.1 (bound to port 0, read, released).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sshd_start WRITE_CONFIG: the test's sshd ($RUN/$SVC, a link to /usr/sbin/sshd: sshd takes its PAM
# service from its program name) on a free port of 127.0.0.1. WRITE_CONFIG prints its sshd_config
# for $PORT; a port someone takes between the probe and sshd's bind costs a retry, three at most.
# Sets PORT and SSHD_PID; sshd's log is $RUN/sshd.log.
sshd_start() {
    for _try in 1 2 3; do
        PORT=$(free_port)
        "$1" >"$RUN/sshd_config"
        "$RUN/$SVC" -t -f "$RUN/sshd_config" || { echo "FAIL: sshd -t rejects the test config"; exit 1; }
        : >"$RUN/sshd.log"
        "$RUN/$SVC" -D -f "$RUN/sshd_config" -E "$RUN/sshd.log" &
        SSHD_PID=$!
        _i=0
        while kill -0 "$SSHD_PID" 2>/dev/null && [ $_i -le 100 ]; do
            grep -q "Server listening on 127.0.0.1 port $PORT" "$RUN/sshd.log" && return 0
            _i=$((_i + 1))
            sleep 0.1
        done
        kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
        SSHD_PID=""
    done
    echo "FAIL: sshd did not start"
    cat "$RUN/sshd.log"
    exit 1
}

# ---- the Hydra stand-in (tests/standin/hydra_standin.py) over HTTPS with the test CA in $1/pki ----------
. "$top_srcdir/tests/standin/standin-lib.sh"
start_standin() { # DIR VERSION
    standin_start "$1/ports" "$1/standin.out" --version "$2" --tls-cert "$1/pki/server.crt" \
        --tls-key "$1/pki/server.key"
    PIDS="$PIDS $STANDIN_PID"
    wait_ports "$1/ports" "$1/standin.out"
    PORTS=$1/ports
    ADMIN=$(port_in "$PORTS" admin)
}
# shaped N: an N-character secret shaped like a Hydra v2 token (passes the module's precheck) that no
# server knows: it is sent and answered inactive, so the request log shows what arrived.
shaped() { python3 -c 'import sys; n = int(sys.argv[1]); print("ory_at_" + "A" * (n - 51) + "." + "B" * 43)' "$1"; }
ctl() { python3 "$TOPS/tests/standin/standin_ctl.py" "$PORTS" "$@"; }
mint() { ctl mint "$1"; }
# How many requests reached the stand-in's admin port so far.
nreq() { ctl requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
# The form "token" values of the requests after the first $1, one per line.
req_tokens_since() {
    ctl requests | python3 -c '
import json, sys
for r in json.load(sys.stdin)[int(sys.argv[1]):]:
    for t in r.get("form", {}).get("token", []):
        print(t)' "$1"
}

# ---- the module's audit lines ----------------------------------------------------------------
# libc syslog() always writes to /dev/log, and these machines run no syslog daemon. devlog_prepare
# (call it before anything else is created) takes a machine-wide lock so that only one of these
# tests captures at a time. If /dev/log is absent, devlog_start binds it with tests/lib/syslog_sink.py
# and removes it again in devlog_stop. If it exists (a syslog daemon), it is never replaced: the
# test re-runs itself in a private mount namespace (unshare -m) and bind-mounts its own sink over
# /dev/log there only.
DEVLOG_LOCK=/run/lock/pam_oauth2_introspect-tests-devlog.lock
DEVLOG_OWNER=/run/pam_oauth2_introspect-tests-devlog.pid
DEVLOG_PID="" DEVLOG_MOUNTED="" DEVLOG_DIRECT=""
devlog_prepare() {
    [ -n "${OI_DEVLOG_NS:-}" ] && return 0
    need flock python3
    mkdir -p /run/lock
    exec 9>"$DEVLOG_LOCK"
    flock -w 240 9 || skip "another test held the /dev/log capture lock for 240 s"
    # Our own sink left behind by a killed run: our owner file names a process that is gone.
    if [ -S /dev/log ] && [ -f "$DEVLOG_OWNER" ] && ! kill -0 "$(cat "$DEVLOG_OWNER")" 2>/dev/null; then
        rm -f /dev/log "$DEVLOG_OWNER"
    fi
    if [ -e /dev/log ] || [ -L /dev/log ]; then
        command -v unshare >/dev/null && unshare --mount --propagation private true 2>/dev/null ||
            skip "/dev/log exists and unshare --mount does not work here, so the audit lines cannot be captured"
        OI_DEVLOG_NS=1 exec unshare --mount --propagation private sh "$0"
    fi
}
devlog_start() { # LOGFILE (in the test's run directory)
    LOG=$1
    : >"$LOG"
    if [ -n "${OI_DEVLOG_NS:-}" ]; then
        sock=$(dirname "$LOG")/devlog.sock
        python3 "$TOPS/tests/lib/syslog_sink.py" "$sock" "$LOG" &
        DEVLOG_PID=$!
        wait_for "$sock" 50 || { echo "FAIL: the syslog sink did not start"; exit 1; }
        mount --bind "$sock" /dev/log || { echo "FAIL: cannot bind-mount the sink over /dev/log"; exit 1; }
        DEVLOG_MOUNTED=1
    else
        python3 "$TOPS/tests/lib/syslog_sink.py" /dev/log "$LOG" &
        DEVLOG_PID=$! DEVLOG_DIRECT=1
        echo "$DEVLOG_PID" >"$DEVLOG_OWNER"
        wait_for /dev/log 50 || { echo "FAIL: the syslog sink did not bind /dev/log"; exit 1; }
    fi
}
devlog_stop() {
    [ -n "$DEVLOG_MOUNTED" ] && umount /dev/log 2>/dev/null
    if [ -n "$DEVLOG_PID" ]; then
        kill "$DEVLOG_PID" 2>/dev/null; wait "$DEVLOG_PID" 2>/dev/null   # the sink removes its socket
        [ -n "$DEVLOG_DIRECT" ] && rm -f "$DEVLOG_OWNER"
    fi
    DEVLOG_PID="" DEVLOG_MOUNTED=""
}
# log_mark: remember where the log ends; audit_lines: the module's audit lines for service $SVC since.
log_mark() { MARK=$(wc -l <"$LOG"); }
audit_lines() {
    tail -n +"$((MARK + 1))" "$LOG" | grep -Eo "(allow|deny|ignore) user=[^ ]* service=$SVC .*"
}
# audit_has VERB USER REASON: such a line appears (syslog delivery is asynchronous: wait up to 3 s).
audit_has() {
    i=0
    while ! audit_lines | grep -Eq "^$1 user=$2 service=$SVC .*reason=$3( |\$)"; do
        i=$((i + 1)); [ "$i" -gt 30 ] && return 1
        sleep 0.1
    done
}
# audit_check VERB USER REASON: records a problem unless that line is there and nothing else decided.
audit_check() {
    if ! audit_has "$1" "$2" "$3"; then
        problem "no audit line '$1 user=$2 ... reason=$3' (got: $(audit_lines | tr '\n' '|'))"
    elif [ "$1" != allow ] && audit_lines | grep -q '^allow '; then
        problem "an allow line was logged too: $(audit_lines | tr '\n' '|')"
    fi
}
# audit_none: records a problem if the module logged anything for $SVC since the mark.
audit_none() {
    sleep 0.3
    [ -z "$(audit_lines)" ] || problem "the module was called: $(audit_lines | tr '\n' '|')"
}

# ---- npm packages (oidc-provider, ssh2), pinned in tests/e2e/oidc, installed into the build tree ----
# npm_setup sets NPMDIR (with node_modules and copies of the .mjs scripts) or returns 1 with the
# reason in NPM_WHY. A second run with the same package-lock.json does not reinstall. It logs which
# node and npm run (version and path) and the Node the lock needs: the highest lower bound of the
# "engines" of package.json and of every locked package (tests/e2e/oidc/node_needed.py). An older
# node is a skip that names both versions, not an obscure failure inside oidc-provider.
npm_setup() {
    NPM_WHY=""
    command -v node >/dev/null 2>&1 || { NPM_WHY="node is not installed"; return 1; }
    command -v npm >/dev/null 2>&1 || { NPM_WHY="npm is not installed"; return 1; }
    node_path=$(command -v node)
    node_version=$(node --version 2>&1) || {
        NPM_WHY="$node_path --version failed: $(printf '%s' "$node_version" | tr '\n' ' ')"; return 1; }
    node_real=$(readlink -f "$node_path")
    [ "$node_real" = "$node_path" ] || node_path="$node_path -> $node_real"
    npm_version=$(npm --version 2>/dev/null) || npm_version="(npm --version failed)"
    node_needed=$(python3 "$TOPS/tests/e2e/oidc/node_needed.py" "$TOPS/tests/e2e/oidc/package-lock.json" \
        "$node_version" 2>&1)
    node_ok=$?
    echo "node: $node_version ($node_path); npm $npm_version ($(command -v npm))"
    echo "tests/e2e/oidc/package-lock.json: $node_needed"
    case $node_ok in
    0) ;;
    1) NPM_WHY="node $node_version ($node_path) is too old: in tests/e2e/oidc/package-lock.json, $node_needed"
       return 1 ;;
    *) NPM_WHY="cannot tell which node tests/e2e/oidc/package-lock.json needs: $node_needed"; return 1 ;;
    esac
    NPMDIR=$TOPB/tests/run/npm
    mkdir -p "$NPMDIR"
    (
        flock -w 300 8 || exit 2
        if ! cmp -s "$TOPS/tests/e2e/oidc/package-lock.json" "$NPMDIR/package-lock.json" ||
            [ ! -f "$NPMDIR/node_modules/.installed" ]; then
            rm -rf "$NPMDIR/node_modules"
            cp "$TOPS/tests/e2e/oidc/package.json" "$TOPS/tests/e2e/oidc/package-lock.json" "$NPMDIR/" &&
                chmod u+w "$NPMDIR/package.json" "$NPMDIR/package-lock.json" &&
                (cd "$NPMDIR" && cache="" &&
                    { [ -w "${HOME:-/nonexistent}" ] || cache="--cache=$NPMDIR/.npm-cache"; } &&
                    timeout 300 npm ci --no-audit --no-fund --ignore-scripts $cache \
                    >"$NPMDIR/npm-ci.log" 2>&1) &&
                touch "$NPMDIR/node_modules/.installed"
        fi
    ) 8>"$TOPB/tests/run/npm.lock" || {
        NPM_WHY="npm ci of tests/e2e/oidc/package-lock.json failed (registry unreachable?): $(tail -n 3 "$NPMDIR/npm-ci.log" 2>/dev/null | tr '\n' ' ')"
        return 1
    }
    for f in "$TOPS/tests/e2e/sshlogin.mjs" "$TOPS/tests/e2e/sshdevice.mjs" "$TOPS/tests/e2e/oidc/provider.mjs"; do
        cp "$f" "$NPMDIR/" && chmod u+w "$NPMDIR/${f##*/}" || { NPM_WHY="cannot copy $f"; return 1; }
    done
}

# ---- the files of examples/, used as they are -------------------------------------------------
# A root-run test reads examples/*.conf and the map from the source tree itself. The module refuses
# such files unless they are owned by root and not writable by group or others (FILE SAFETY in
# pam_oauth2_introspect.conf(5)): examples_safe FILE... skips the test, saying why, otherwise.
examples_safe() {
    for f in "$@"; do
        [ "$(stat -c %u "$TOPS/examples/$f")" = 0 ] && [ -z "$(find "$TOPS/examples/$f" -perm /022)" ] ||
            skip "examples/$f is not owned by root or is writable by group or others, so the module would refuse it (run as root from a root-owned checkout)"
    done
}
# example_pamd EXAMPLE SERVICE CONF [KEY=VALUE...] <TAIL: installs examples/pam.d/EXAMPLE as
# /etc/pam.d/SERVICE, changing only what a test cannot use as it is, and only on the lines that
# name the module: "pam_oauth2_introspect.so" becomes the built module's absolute path, the conf=
# path becomes CONF (conf=CONF is added to a line that names none), and each KEY=VALUE (the
# stand-in's admin_url, the test CA) is added at the end of the line, where it wins over the conf
# file. Standard input is appended after a "# added by the test" line: what the real file keeps
# from the distribution (e.g. Debian's session lines). Then it compares the installed file with
# the example, independently of the rewrite: returns 1, the difference in EXAMPLE_WHY, unless
# every line is the example's own or differs from it only by those replacements.
example_pamd() {
    ex_file=$TOPS/examples/pam.d/$1 ex_svc=/etc/pam.d/$2 ex_conf=$3
    shift 3
    python3 -c '
import re, sys
ex, svc, module, conf, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
name = r"(?<!\S)pam_oauth2_introspect\.so(?!\S)"
out = []
for line in open(ex).read().splitlines():
    if not line.lstrip().startswith("#") and re.search(name, line):
        line = re.sub(name, lambda m: module, line)
        if re.search(r"(?<!\S)conf=\S*", line):
            line = re.sub(r"(?<!\S)conf=\S*", lambda m: "conf=" + conf, line)
        else:
            line += " conf=" + conf
        line += "".join(" " + e for e in extra)
    out.append(line + "\n")
with open(svc, "w") as f:
    f.write("".join(out) + "# added by the test\n" + sys.stdin.read())
' "$ex_file" "$ex_svc" "$MODULE" "$ex_conf" "$@" || { echo "FAIL: cannot install $ex_file as $ex_svc"; exit 1; }
    EXAMPLE_WHY=$(python3 -c '
import sys
ex, svc, module, conf, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
want = open(ex).read().splitlines()
got = open(svc).read().split("# added by the test\n")[0].splitlines()
if len(got) != len(want):
    sys.exit("%s has %d lines before the test ones, %s has %d" % (svc, len(got), ex, len(want)))
for n, (w, g) in enumerate(zip(want, got), 1):
    if w == g:
        continue
    wt, gt = w.split(), g.split()
    if "pam_oauth2_introspect.so" not in wt or w.lstrip().startswith("#"):
        sys.exit("line %d changed: [%s] became [%s]" % (n, w, g))
    expect = [module if t == "pam_oauth2_introspect.so" else "conf=" + conf if t.startswith("conf=") else t
              for t in wt]
    if not any(t.startswith("conf=") for t in wt):
        expect.append("conf=" + conf)
    if gt != expect + extra:
        sys.exit("line %d: [%s] became [%s], more than the module path, conf= and [%s]" % (n, w, g, " ".join(extra)))
' "$ex_file" "$ex_svc" "$MODULE" "$ex_conf" "$@" 2>&1)
}

# ---- README's client recipes (examples/clients/), run as written -------------------------------
# client_line FILE WORD: the command line of examples/clients/FILE that holds WORD (comments are
# not commands). Only the account name in user@host is replaced by the caller; the host
# (server.example) is the client's ~/.ssh/config entry, as a person's would be.
client_line() {
    l=$(grep -v '^#' "$TOPS/examples/clients/$1" | grep -F -- "$2")
    [ "$(printf '%s\n' "$l" | grep -c .)" = 1 ] || { echo "FAIL: examples/clients/$1 has no single line with '$2'"; exit 1; }
    printf '%s\n' "$l"
}
# client_home USER DIR TOKEN: DIR, USER's home for the recipes, as README sets it up: the askpass
# program in ~/bin, the token in ~/.cache/oauth2/access_token (0600); all USER's.
client_home() {
    mkdir -p "$2/bin" "$2/.cache/oauth2" "$2/.ssh" &&
        install -m 755 "$TOPS/examples/clients/oauth2-token-askpass" "$2/bin/oauth2-token-askpass" &&
        printf '%s\n' "$3" >"$2/.cache/oauth2/access_token" && chmod 600 "$2/.cache/oauth2/access_token" &&
        chown -R "$1:$(id -gn "$1")" "$2" && chmod 700 "$2" || { echo "FAIL: cannot set up $2 for $1"; exit 1; }
}
# as_client USER HOME LINE: LINE run by sh as USER, with a fresh environment (HOME, PATH, and the
# words of $CLIENT_ENV), no tty, no stdin; output in $out, exit status in $rc. In a sanitizer
# build the sanitizers' options pass too: sudo loads the ASan runtime late, with the module
# (tests/hardening.mk), and refuses to without verify_asan_link_order=0.
as_client() {
    # shellcheck disable=SC2086
    out=$(setsid -w timeout 60 setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$2" LC_ALL=C.UTF-8 ${CLIENT_ENV:-} \
        ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
        sh -c "$3" </dev/null 2>&1)
    rc=$?
}
