# A local user's environment against the tool and the module, and what is left in memory after
# pam_end: tests/attacks.sh with tests/test_memscan (one login through the real module) and
# tests/libevil_provider (what OPENSSL_CONF would load). Included from tests/Makefile.inc: paths
# are relative to the top.
TESTS += tests/attacks.sh
EXTRA_DIST += tests/attacks.sh tests/connection_counter.py

check_PROGRAMS += tests/test_memscan
tests_test_memscan_SOURCES = tests/test_memscan.c
tests_test_memscan_LDADD = $(PAM_LIBS) $(CURL_LIBS)

check_LTLIBRARIES += tests/libevil_provider.la
tests_libevil_provider_la_SOURCES = tests/evil_provider.c
tests_libevil_provider_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_libevil_provider_la_LIBADD = -ldl
