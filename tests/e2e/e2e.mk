# End to end, with real clients and the package. Included from tests/Makefile.inc: paths are
# relative to the top.
#
# pamtester through the real libpam and /etc/pam.d; OpenSSH sshd (OpenSSH client + npm ssh2,
# sshlogin.mjs), sudo -S, stacking in front of pam_unix (pamtester through /etc/pam.d), and
# oidc-provider as a real RFC 7662 server (pamtester under pam_wrapper). The device flow, read by
# a person: sshd-device.sh (sshd, the ssh2 client sshdevice.mjs and the OpenSSH client), sudo.sh
# and oidc.sh (device_driver.py on a terminal); tests/lib/qr_text.py decodes the QR code they see (with
# zbarimg), standin_device.py approves on the stand-in. pamtester.sh, sshd.sh, sshd-device.sh,
# sudo.sh and stacking.sh need root and skip otherwise; the npm packages
# (tests/e2e/oidc/package-lock.json) are installed into $(builddir)/tests/run/npm at test time.
TESTS += tests/e2e/pamtester.sh tests/e2e/sshd.sh tests/e2e/sshd-device.sh tests/e2e/sudo.sh tests/e2e/stacking.sh \
	tests/e2e/oidc.sh
EXTRA_DIST += tests/e2e/pamtester.sh tests/e2e/sshd.sh tests/e2e/sshd-device.sh tests/e2e/sudo.sh \
	tests/e2e/stacking.sh tests/e2e/oidc.sh \
	tests/e2e/clients-lib.sh tests/e2e/sshlogin.mjs tests/e2e/sshdevice.mjs tests/e2e/device_driver.py \
	tests/e2e/standin_device.py \
	tests/e2e/oidc/package.json tests/e2e/oidc/package-lock.json tests/e2e/oidc/provider.mjs tests/e2e/oidc/ctl.py \
	tests/e2e/oidc/node_needed.py

# Secrets hygiene over everything the suite logged (tests/e2e/secrets.sh, run last): every stand-in
# of every test appends the secrets it mints or receives to $OI_SECRETS_WITNESS (set in
# tests/Makefile.inc), and tests/e2e/secrets_scan.py proves none of them is in any log.
TESTS += tests/e2e/secrets.sh
EXTRA_DIST += tests/e2e/secrets.sh tests/e2e/secrets_scan.py
# secrets.sh reads the other tests' logs: it runs after all of them.
tests/e2e/secrets.log: $(TEST_LOGS:tests/e2e/secrets.log=)

# tests/e2e/distcheck-unprivileged.sh (make distcheck as an unprivileged user on a copy of the
# git tree; .ci/run runs it) is not in the tarball, like .ci/run: it needs the git repository.

# The Debian package (debian/, README.md, Install). make check-deb runs tests/e2e/deb.sh through
# the test harness: it builds the package from the release tarball with dpkg-buildpackage, runs
# lintian, installs it, logs in once through the installed module, and purges it. Root only; it
# takes a few minutes and changes the system (it cleans up), so it is not part of make check.
EXTRA_DIST += tests/e2e/deb.sh \
	debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/libpam-oauth2-introspect.docs debian/libpam-oauth2-introspect.examples \
	debian/libpam-oauth2-introspect.install debian/libpam-oauth2-introspect.lintian-overrides \
	debian/libpam-oauth2-introspect.postinst debian/libpam-oauth2-introspect.postrm \
	debian/libpam-oauth2-introspect.prerm \
	debian/libpam-oauth2-introspect.tmpfiles debian/pam_oauth2_introspect.conf

check-deb:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS=tests/e2e/deb.sh
.PHONY: check-deb
