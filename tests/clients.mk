# End-to-end tests with real clients: OpenSSH sshd (OpenSSH client + npm ssh2), sudo -S, stacking
# in front of pam_unix (pamtester through /etc/pam.d), and oidc-provider as a real RFC 7662 server
# (pamtester under pam_wrapper). Included from the top Makefile.am after tests/Makefile.inc: paths
# are relative to the top. sshd.sh, sudo.sh and stacking.sh need root and skip otherwise; the npm
# packages (tests/oidc/package-lock.json) are installed into $(builddir)/tests/run/npm at test time.
TESTS += tests/sshd.sh tests/sudo.sh tests/stacking.sh tests/oidc.sh

EXTRA_DIST += tests/sshd.sh tests/sudo.sh tests/stacking.sh tests/oidc.sh \
	tests/clients-lib.sh tests/syslog_sink.py tests/sshlogin.mjs \
	tests/oidc/package.json tests/oidc/package-lock.json tests/oidc/provider.mjs tests/oidc/ctl.py
