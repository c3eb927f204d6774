# The Debian package (debian/, README.md, Install). make check-deb runs tests/deb.sh through the
# test harness: it builds the package from the release tarball with dpkg-buildpackage, runs
# lintian, installs it, logs in once through the installed module, and purges it. Root only; it
# takes a few minutes and changes the system (it cleans up), so it is not part of make check.
# Included from the top Makefile.am: paths are relative to the top.
EXTRA_DIST += tests/deb.sh \
	debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/libpam-oauth2-introspect.docs debian/libpam-oauth2-introspect.examples \
	debian/libpam-oauth2-introspect.install debian/libpam-oauth2-introspect.lintian-overrides \
	debian/libpam-oauth2-introspect.postinst debian/libpam-oauth2-introspect.postrm \
	debian/libpam-oauth2-introspect.tmpfiles debian/pam_oauth2_introspect.conf

check-deb:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS=tests/deb.sh
.PHONY: check-deb
