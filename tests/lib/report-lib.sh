# One-line case reports, shared by the shell tests (clients-lib.sh, tool-lib.sh, deb.sh): collect
# what is wrong with the current case in $why with problem, then report it once. Sourced, not run.
passed=0 failed=0 why=""
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $(printf '%s' "$2" | tr '\n' ' ')"; failed=$((failed + 1)); } # one line
problem() { why="$why; $*"; }
report() {
    if [ -z "$why" ]; then pass "$1"; else fail "$1" "${why#; }"; fi
    why=""
}
summary() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; }
