#!/bin/sh
# The Debian package end to end (make check-deb; not part of make check). From the release
# tarball (make dist), unpacked under the build directory: dpkg-buildpackage -b, lintian (no E:),
# dpkg -i; the installed files, owners and modes; one real token login through the installed
# module, named without a path in a service in /etc/pam.d, with pamtester against the Hydra
# stand-in over HTTPS, and the installed oauth2-introspect; then dpkg --purge, and nothing may be
# left. Root only. Everything it adds to the system is removed on exit, also when it fails. It
# refuses to run (SKIP) where the package or files of it are already installed by someone else.
# Under CI=true a SKIP is a failure: CI must build and install the package.
set -u
PKG=libpam-oauth2-introspect
SVC=oi-deb-test
U=oi-deb-test
# The rollback: a service and an account with a password, as an administrator's sshd would be.
RB=oi-deb-rollback
RBU=oi-deb-rb
CONF=/etc/security/pam_oauth2_introspect.conf
CACHE=/run/pam_oauth2_introspect
STATE=/var/lib/pam_oauth2_introspect
TMPFILES=/usr/lib/tmpfiles.d/$PKG.conf
# One run at a time on a machine; the mark says "a run of this test installed the package".
LOCK=/run/lock/pam_oauth2_introspect-tests-deb.lock
OWNED=/run/pam_oauth2_introspect-tests-deb.installed

# ---- the login phase: run by the main part below (as "OI_DEB_PHASE=login sh $0") while the
# package is installed, in its own process because clients-lib.sh's /dev/log capture may re-run
# the script in a private mount namespace and holds a machine-wide lock while it captures.
if [ "${OI_DEB_PHASE:-}" = login ]; then
    # OI_MODULE is the installed module: clients-lib.sh checks it exists.
    . "${top_srcdir:?}/tests/e2e/clients-lib.sh"
    devlog_prepare
    cleanup() {
        rm -f "/etc/pam.d/$SVC" "/etc/pam.d/$SVC-default"
        id "$U" >/dev/null 2>&1 && userdel "$U" 2>/dev/null
        lib_cleanup
        echo "$passed $failed" >"$RUN/login.counts"
    }
    trap cleanup EXIT
    trap 'exit 1' INT TERM
    devlog_start "$RUN/syslog.log"
    "$TOPS/tests/lib/make-pki.sh" "$RUN/pki" >/dev/null || { echo "FAIL: cannot make the test CA"; exit 1; }
    start_standin "$RUN" v2
    id "$U" >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin "$U" || { echo "FAIL: useradd $U"; exit 1; }
    cat >"$RUN/module.conf" <<CONF
admin_url = https://127.0.0.1:$ADMIN
ca_file = $RUN/pki/ca.crt
allowed_clients = ssh-cli
CONF
    chmod 600 "$RUN/module.conf"
    # By name only: libpam finds the module in its own directory, where the package put it.
    printf 'auth required pam_oauth2_introspect.so conf=%s\naccount required pam_oauth2_introspect.so conf=%s\n' \
        "$RUN/module.conf" "$RUN/module.conf" >"/etc/pam.d/$SVC"
    # The configuration file as the package ships it.
    printf 'auth required pam_oauth2_introspect.so\n' >"/etc/pam.d/$SVC-default"
    login() { # SERVICE TOKEN
        out=$(printf '%s\n' "$2" | setsid -w timeout 60 pamtester -v "$1" "$U" authenticate acct_mgmt 2>&1)
        rc=$?
    }
    refused() { # NAME REASON
        [ "$rc" = 1 ] || problem "pamtester exit $rc, wanted 1: $out"
        audit_check deny "$U" "$2"
        report "$1"
    }
    good=$(mint "{\"sub\":\"$U\",\"client_id\":\"ssh-cli\",\"scope\":\"openid ssh:login\"}")
    log_mark; login "$SVC" "$good"
    [ "$rc" = 0 ] || problem "pamtester exit $rc, wanted 0: $out"
    printf '%s' "$out" | grep -q "successfully authenticated" || problem "no success: $out"
    audit_check allow "$U" ok
    report "installed module, named without a path: a valid token logs in (authenticate, acct_mgmt)"

    revoked=$(mint "{\"sub\":\"$U\",\"client_id\":\"ssh-cli\"}")
    ctl revoke "$revoked"
    log_mark; login "$SVC" "$revoked"
    refused "installed module: a revoked token is refused (reason inactive)" inactive
    log_mark; login "$SVC" "$(mint '{"sub":"somebody-else","client_id":"ssh-cli"}')"
    refused "installed module: another subject's token is refused (reason user_mismatch)" user_mismatch

    log_mark; n0=$(nreq); login "$SVC-default" "$good"
    [ "$rc" = 1 ] || problem "pamtester exit $rc, wanted 1: $out"
    printf '%s' "$out" | grep -q "Error in service module" || problem "not PAM_SERVICE_ERR: $out"
    i=0
    while ! tail -n +"$((MARK + 1))" "$LOG" | grep -q "configuration error: settings: admin_url: is required"; do
        i=$((i + 1)); [ "$i" -gt 30 ] && { problem "no LOG_ERR line about admin_url: $(tail -n +"$((MARK + 1))" "$LOG" | tr '\n' '|')"; break; }
        sleep 0.1
    done
    [ "$(nreq)" = "$n0" ] || problem "a request reached the introspection server"
    report "the shipped $CONF refuses every login (PAM_SERVICE_ERR, admin_url is required, logged)"

    T=/usr/sbin/oauth2-introspect
    O=$($T --version 2>&1); rc=$?
    [ "$rc" = 0 ] && [ "$O" = "oauth2-introspect (pam_oauth2_introspect) $VERSION" ] || problem "exit $rc: $O"
    report "installed oauth2-introspect --version: $O"
    O=$($T --conf "$RUN/module.conf" ping 2>&1); rc=$?
    [ "$rc" = 0 ] || problem "exit $rc, wanted 0: $O"
    printf '%s\n' "$O" | grep -q '^introspect OK ' || problem "no 'introspect OK' line: $O"
    report "installed oauth2-introspect ping against the stand-in: exit 0"
    O=$(printf '%s\n' "$good" | $T --conf "$RUN/module.conf" check "$U" 2>&1); rc=$?
    [ "$rc" = 0 ] || problem "exit $rc, wanted 0: $O"
    printf '%s\n' "$O" | grep -q '^decision:  allow' || problem "no 'decision: allow': $O"
    report "installed oauth2-introspect check: the valid token is allowed (exit 0)"
    O=$(printf '%s\n' "$revoked" | $T --conf "$RUN/module.conf" check "$U" 2>&1); rc=$?
    [ "$rc" = 1 ] || problem "exit $rc, wanted 1: $O"
    printf '%s\n' "$O" | grep -q '^reason:    inactive' || problem "no 'reason: inactive': $O"
    report "installed oauth2-introspect check: the revoked token is denied (exit 1, inactive)"
    O=$($T ping 2>&1); rc=$?
    [ "$rc" = 3 ] || problem "exit $rc, wanted 3: $O"
    printf '%s\n' "$O" | grep -q 'admin_url: is required' || problem "does not name admin_url: $O"
    report "installed oauth2-introspect ping with the shipped $CONF: exit 3, names admin_url"
    exit 0
fi

# ---- the main part ---------------------------------------------------------------------------
. "${top_srcdir:?top_srcdir is not set}/tests/lib/report-lib.sh"
skip() {
    if [ "${CI:-}" = true ]; then echo "FAIL: $* (under CI=true this test must run)"; exit 1; fi
    echo "SKIP: $*"; exit 77
}
ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
# mode FILE: "type octal-mode owner:group", e.g. "regular file 644 root:root".
mode() { stat -c '%F %a %U:%G' "$1" 2>/dev/null || echo "absent"; }
expect_mode() { # PATH WANTED
    got=$(mode "$1")
    [ "$got" = "$2" ] || problem "$1: $got, wanted $2"
}
installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | grep -q '^.[^n]'; }
# Skip where the package, or a file it would replace or purge, is someone else's. Checked before
# the build (to skip early) and again under the lock (where a mark means our killed run's).
not_ours_check() {
    if installed; then
        [ -f "$OWNED" ] || skip "$PKG is installed on this machine: this test would replace and purge it"
        return 0
    fi
    for f in "$MODULE" /usr/sbin/oauth2-introspect "$CONF" "$CACHE"; do
        [ -e "$f" ] && skip "$f exists and belongs to no package: installing and purging $PKG would replace or delete it"
    done
    return 0
}

[ "$(id -u)" = 0 ] || skip "needs root (installs and purges the package, writes /etc/pam.d, adds a user)"
for c in dpkg-buildpackage dpkg-deb dpkg-query lintian pamtester python3 openssl flock setsid useradd; do
    command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (./bootstrap deps installs it)"
done
: "${top_builddir:?top_builddir is not set}" "${top_srcdir:?top_srcdir is not set}"
TOPB=$(cd "$top_builddir" && pwd)
TOPS=$(cd "$top_srcdir" && pwd)
VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$TOPB/Makefile")
TARNAME=pam_oauth2_introspect-$VERSION
# Where Debian's own PAM modules are: the package must put the module there.
SECUREDIR=$(dirname "$(dpkg -L libpam-modules 2>/dev/null | grep '/pam_unix\.so$' | head -n 1)")
[ "$SECUREDIR" != . ] || skip "libpam-modules has no pam_unix.so: not a Debian PAM system"
MODULE=$SECUREDIR/pam_oauth2_introspect.so
RUN=$TOPB/tests/run/deb
t_start=$(ms)
not_ours_check

we_installed=""
cleanup() {
    rm -f "/etc/pam.d/$SVC" "/etc/pam.d/$SVC-default" "/etc/pam.d/$RB" "/etc/pam.d/$RB-dash"
    id "$U" >/dev/null 2>&1 && userdel "$U" 2>/dev/null
    id "$RBU" >/dev/null 2>&1 && userdel "$RBU" 2>/dev/null
    if [ -n "$we_installed" ] && [ -f "$OWNED" ]; then
        installed && dpkg --purge "$PKG" >>"$RUN/dpkg.log" 2>&1
        rm -f "$OWNED"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$RUN" && mkdir -p "$RUN/src" && chmod 700 "$RUN"
: >"$RUN/src/.not-test-output" # a source tree: tests/e2e/secrets_scan.py reads none of it

# ---- the release tarball, unpacked under the build directory --------------------------------
# dpkg-buildpackage writes into the parent of the tree it builds: $RUN/src, never the source tree.
# The make variables of the make check that runs this test (TESTS=tests/e2e/deb.sh among them) must
# not reach the package's own make check: the builds run with a clean environment.
clean_env() {
    env -i PATH="$PATH" HOME="$RUN" LC_ALL=C.UTF-8 DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-}" "$@"
}
t0=$(ms)
if (cd "$TOPB" && clean_env make dist) >"$RUN/dist.log" 2>&1 && mv "$TOPB/$TARNAME.tar.gz" "$RUN/" &&
    tar -xzf "$RUN/$TARNAME.tar.gz" -C "$RUN/src"; then
    n=$(tar -tzf "$RUN/$TARNAME.tar.gz" | grep -c "^$TARNAME/debian/.")
    [ -x "$RUN/src/$TARNAME/debian/rules" ] || problem "debian/rules is not in the tarball, or not executable"
    report "make dist: $TARNAME.tar.gz holds debian/ ($n entries), unpacked in $RUN/src ($(secs "$t0" "$(ms)") s)"
else
    fail "make dist" "$(tail -n 20 "$RUN/dist.log")"; exit 1
fi

# ---- dpkg-buildpackage -b -------------------------------------------------------------------
t0=$(ms)
(cd "$RUN/src/$TARNAME" && clean_env dpkg-buildpackage -b -us -uc -Jauto) >"$RUN/buildpackage.log" 2>&1
rc=$?
t_build=$(secs "$t0" "$(ms)")
DEB=$(ls "$RUN/src/${PKG}_${VERSION}"_*.deb 2>/dev/null | head -n 1)
CHANGES=$(ls "$RUN/src/${PKG}_${VERSION}"_*.changes 2>/dev/null | head -n 1)
if [ "$rc" = 0 ] && [ -n "$DEB" ] && [ -n "$CHANGES" ]; then
    grep -q '^# PASS: *[1-9]' "$RUN/buildpackage.log" || problem "dh_auto_test ran no test"
    grep -q '^# FAIL: *[1-9]' "$RUN/buildpackage.log" && problem "dh_auto_test: a unit test failed"
    report "dpkg-buildpackage -b -us -uc: ${DEB##*/}, $(stat -c %s "$DEB") bytes, in $t_build s (unit tests: $(sed -n 's/^# PASS: *//p' "$RUN/buildpackage.log") passed)"
else
    fail "dpkg-buildpackage -b -us -uc (exit $rc)" "$(tail -n 30 "$RUN/buildpackage.log")"; exit 1
fi
echo "    package contents:"
dpkg-deb -c "$DEB" | awk '{ printf "      %s %s %7s %s\n", $1, $2, $3, $6 }'

# ---- lintian ---------------------------------------------------------------------------------
# Every tag down to pedantic and experimental, overrides shown; any E: fails.
lintian -EIL +pedantic --show-overrides "$CHANGES" >"$RUN/lintian.out" 2>&1
rc=$?
grep -v '^running with root privileges is not recommended!$' "$RUN/lintian.out" | sed 's/^/    lintian: /'
tags=$(grep -c '^[EWIPXO]: ' "$RUN/lintian.out")
if grep -q '^E: ' "$RUN/lintian.out" || [ "$rc" != 0 ]; then
    fail "lintian: no errors" "exit $rc; $(grep '^E: ' "$RUN/lintian.out")"
else
    pass "lintian $(lintian --version | sed 's/^Lintian v//') on ${CHANGES##*/}: no E: ($tags tags, overridden ones included)"
fi

# ---- install ---------------------------------------------------------------------------------
exec 8>"$LOCK"
flock -w 600 8 || skip "another run of this test held $LOCK for 600 s"
not_ours_check
if installed; then
    # Holding the lock, the mark means a run of this test was killed before it could purge.
    dpkg --purge "$PKG" >"$RUN/dpkg.log" 2>&1 || { echo "FAIL: cannot purge what a killed run left"; exit 1; }
    rm -f "$OWNED"
    not_ours_check
fi
rm -f "/etc/pam.d/$SVC" "/etc/pam.d/$SVC-default" "/etc/pam.d/$RB" "/etc/pam.d/$RB-dash" # left by a killed run (we hold the lock)
id "$RBU" >/dev/null 2>&1 && userdel "$RBU" 2>/dev/null

we_installed=1
touch "$OWNED"
if dpkg -i "$DEB" >>"$RUN/dpkg.log" 2>&1 && installed; then
    pass "dpkg -i ${DEB##*/}"
else
    fail "dpkg -i ${DEB##*/}" "$(tail -n 20 "$RUN/dpkg.log")"; exit 1
fi
dpkg -L "$PKG" >"$RUN/files.list"

expect_mode "$MODULE" "regular file 644 root:root"
[ -f "$SECUREDIR/pam_unix.so" ] || problem "pam_unix.so is not in $SECUREDIR"
report "the module is $MODULE (root:root 0644), beside pam_unix.so"
grep -E '\.(la|a)$' "$RUN/files.list" && problem "a libtool archive or a static library is installed"
[ "$(grep -c '/pam_oauth2_introspect\.so$' "$RUN/files.list")" = 1 ] || problem "not exactly one module file"
report "no .la or .a file is installed, only the one module"
expect_mode /usr/sbin/oauth2-introspect "regular file 755 root:root"
report "/usr/sbin/oauth2-introspect (root:root 0755)"
for m in man8/pam_oauth2_introspect.8 man8/oauth2-introspect.8 man5/pam_oauth2_introspect.conf.5; do
    expect_mode "/usr/share/man/$m.gz" "regular file 644 root:root"
done
report "the man pages pam_oauth2_introspect(8), oauth2-introspect(8), pam_oauth2_introspect.conf(5)"
expect_mode "$CONF" "regular file 600 root:root"
dpkg-query -W -f='${Conffiles}\n' "$PKG" | grep -q "^ $CONF " || problem "$CONF is not a conffile"
grep -q '^admin_url' "$CONF" && problem "the shipped file sets admin_url"
report "$CONF: a conffile, root:root 0600, no admin_url set"
grep -qx "d $CACHE 0700 root root -" "$TMPFILES" || problem "$TMPFILES: $(grep -v '^#' "$TMPFILES" 2>&1)"
expect_mode "$CACHE" "directory 700 root:root"
report "$TMPFILES declares $CACHE, and the install created it (root:root 0700)"
expect_mode "$STATE" "directory 700 root:root"
report "the install created state_dir $STATE (root:root 0700)"
echo "    installed files:"
while read -r f; do
    [ -f "$f" ] && stat -c '      %A %U:%G %7s %n' "$f"
done <"$RUN/files.list"
stat -c '      %A %U:%G %7s %n' "$CACHE"

# ---- one login through the installed package -----------------------------------------------
env OI_DEB_PHASE=login OI_MODULE="$MODULE" RUN="$RUN" VERSION="$VERSION" sh "$0"
rc=$?
if [ -s "$RUN/login.counts" ]; then
    read -r p f <"$RUN/login.counts"
    passed=$((passed + p)); failed=$((failed + f))
    [ "$rc" = 0 ] || fail "the login phase" "exit $rc"
else
    fail "the login phase" "exit $rc, it reported nothing"
fi

# ---- a rollback as README's "Before you edit /etc/pam.d" box tells it --------------------------
# The service before the edit: a password login through pam_unix, as Debian's common-auth gives.
# The copy is made as README says (here in the run directory, not /root), the edit is README's
# sshd lines. Removing the package must then refuse, name the line and say how to undo it; after
# the undo it removes, and the password login works again. The forced removal shows what the
# refusal prevents: with the line still there, "Module is unknown" for every login.
RBPW=rollback-$$-Pw
pw_login() { # the password login through $RB: pamtester's exit status in rc, its output in out
    out=$(printf '%s\n' "$RBPW" | setsid -w timeout 60 pamtester -v "$RB" "$RBU" authenticate acct_mgmt 2>&1)
    rc=$?
}
useradd -M -d /nonexistent -s /usr/sbin/nologin "$RBU" && printf '%s:%s\n' "$RBU" "$RBPW" | chpasswd ||
    { fail "useradd and chpasswd $RBU" "cannot add the rollback account"; exit 1; }
printf 'auth     required  pam_unix.so\naccount  required  pam_unix.so\n' >"/etc/pam.d/$RB"
pw_login
[ "$rc" = 0 ] || problem "before the edit: pamtester exit $rc: $out"
report "rollback: before the edit, $RBU logs in with a password through /etc/pam.d/$RB"

mkdir -p "$RUN/pam.d.before-oauth2" && cp -a "/etc/pam.d/$RB" "$RUN/pam.d.before-oauth2/"
grep -v '^#' "$TOPS/examples/pam.d/sshd" >"/etc/pam.d/$RB"
# Lines Linux-PAM skips when the module is missing ('-'), and comments, stop nothing.
printf -- '-auth  optional  pam_oauth2_introspect.so\n# auth required pam_oauth2_introspect.so\n' >"/etc/pam.d/$RB-dash"
dpkg -r "$PKG" >"$RUN/remove-refused.out" 2>&1
rc=$?
[ "$rc" != 0 ] || problem "dpkg -r succeeded while /etc/pam.d/$RB names the module"
installed || problem "the package is gone"
[ -f "$MODULE" ] || problem "$MODULE is gone"
grep -qF "NOT removed: these PAM lines still name the module" "$RUN/remove-refused.out" || problem "no refusal in: $(cat "$RUN/remove-refused.out")"
grep -qF "/etc/pam.d/$RB:1:auth     required  pam_oauth2_introspect.so" "$RUN/remove-refused.out" || problem "the auth line is not named"
grep -qF "/etc/pam.d/$RB:2:account  required  pam_oauth2_introspect.so" "$RUN/remove-refused.out" || problem "the account line is not named"
grep -qF "$RB-dash" "$RUN/remove-refused.out" && problem "a '-' line or a comment is named"
grep -qF "PAM_OAUTH2_INTROSPECT_REMOVE_ANYWAY=yes" "$RUN/remove-refused.out" || problem "the way to remove anyway is not given"
report "dpkg -r while /etc/pam.d names the module: refused (exit $rc), each line named, the undo and the override given; the package stays"
sed 's/^/    /' "$RUN/remove-refused.out"

# What the refusal prevents, shown once: removed anyway, every login through the line fails.
PAM_OAUTH2_INTROSPECT_REMOVE_ANYWAY=yes dpkg -r "$PKG" >"$RUN/remove-forced.out" 2>&1
rc=$?
[ "$rc" = 0 ] || problem "dpkg -r with the override: exit $rc: $(tail -n 5 "$RUN/remove-forced.out")"
grep -qF "WARNING: removed while these PAM lines still name the module" "$RUN/remove-forced.out" || problem "no warning: $(cat "$RUN/remove-forced.out")"
pw_login
[ "$rc" != 0 ] || problem "a login through the dangling line succeeded"
printf '%s\n' "$out" | grep -qi "module is unknown" || problem "pamtester did not say Module is unknown: $out"
report "removed anyway (PAM_OAUTH2_INTROSPECT_REMOVE_ANYWAY=yes): a warning, then every login through the line fails: Module is unknown"

# The undo, as README tells it: restore the copy, check a login; the removal then goes through.
cp -a "$RUN/pam.d.before-oauth2/$RB" "/etc/pam.d/$RB"
pw_login
[ "$rc" = 0 ] || problem "after restoring the copy: pamtester exit $rc: $out"
dpkg -i "$DEB" >>"$RUN/dpkg.log" 2>&1 || problem "dpkg -i again: $(tail -n 5 "$RUN/dpkg.log")"
dpkg -r "$PKG" >"$RUN/remove-clean.out" 2>&1 || problem "dpkg -r after the undo: $(cat "$RUN/remove-clean.out")"
grep -qF "pam_oauth2_introspect" "$RUN/remove-clean.out" && problem "dpkg -r after the undo still complains: $(cat "$RUN/remove-clean.out")"
pw_login
[ "$rc" = 0 ] || problem "after the removal: pamtester exit $rc: $out"
report "rollback: the copy restored, dpkg -r goes through and $RBU still logs in with a password"
rm -f "/etc/pam.d/$RB" "/etc/pam.d/$RB-dash"
userdel "$RBU" 2>/dev/null

# ---- purge -----------------------------------------------------------------------------------
if dpkg --purge "$PKG" >>"$RUN/dpkg.log" 2>&1; then
    rm -f "$OWNED"
    dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | grep -q '^.[^n]' && problem "dpkg still knows $PKG"
    while read -r f; do
        # Directories shared with other packages (/etc/security, /usr/share/man/man8, /lib ...)
        # stay; this package's own are checked below.
        [ -d "$f" ] && continue
        [ -e "$f" ] || [ -L "$f" ] && problem "$f is still there"
    done <"$RUN/files.list"
    for d in "/usr/share/doc/$PKG/examples" "/usr/share/doc/$PKG"; do
        [ -e "$d" ] && problem "$d is still there"
    done
    [ -e "$CONF" ] && problem "$CONF is still there"
    [ -e "$CACHE" ] && problem "$CACHE is still there"
    [ -e "$STATE" ] && problem "$STATE (the host key) is still there"
    [ -d "$SECUREDIR" ] || problem "$SECUREDIR is gone"
    report "dpkg --purge: the module, the tool, $CONF, $CACHE, $STATE and every other file are gone"
else
    fail "dpkg --purge $PKG" "$(tail -n 20 "$RUN/dpkg.log")"
fi
cleanup
we_installed=""
[ -e "/etc/pam.d/$SVC" ] || [ -e "/etc/pam.d/$SVC-default" ] && problem "a test service is left in /etc/pam.d"
id "$U" >/dev/null 2>&1 && problem "the user $U is left"
report "the test services in /etc/pam.d and the user $U are removed"

echo "    dpkg-buildpackage: $t_build s; this test: $(secs "$t_start" "$(ms)") s; .deb: $(stat -c %s "$DEB") bytes"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
