# Helpers shared by the tests of several folders (and ./bootstrap, bench/): one-line case reports
# (report-lib.sh), the test CA (make-pki.sh), a /dev/log capture (syslog_sink.py), the QR code of
# a device-flow prompt read back (qr_text.py), a proxy that counts connections
# (connection_counter.py), and an OpenSSL provider library that a hostile
# OPENSSL_CONF would load (libevil_provider: tests/pam/attacks.sh, tests/e2e/pamtester.sh and
# sudo.sh show it never is). Included from tests/Makefile.inc: paths are relative to the top.
EXTRA_DIST += tests/lib/report-lib.sh tests/lib/make-pki.sh tests/lib/syslog_sink.py tests/lib/connection_counter.py \
	tests/lib/qr_text.py

check_LTLIBRARIES += tests/lib/libevil_provider.la
tests_lib_libevil_provider_la_SOURCES = tests/lib/evil_provider.c
tests_lib_libevil_provider_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_lib_libevil_provider_la_LIBADD = -ldl
