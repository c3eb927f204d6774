# What the CI steps share: where they run, headings, a fresh build directory. Sourced by each
# script in .ci/steps/, which runs from the top of the tree after ./bootstrap check built build/.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
J=$(nproc)
cd "$TOP"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# fresh_build DIR CONFIGURE-ARGS...: configure and build in build/DIR, and stay there.
fresh_build() {
    d=$TOP/build/$1; shift
    rm -rf "$d" && mkdir -p "$d" && cd "$d"
    "$TOP/configure" "$@" >configure.out || { cat configure.out; exit 1; }
    make -j"$J" >make.out 2>&1 || { tail -50 make.out; exit 1; }
}
failed() { tail -200 test-suite.log 2>/dev/null; exit 1; }
