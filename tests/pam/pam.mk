# The real module, and the tool, against the Hydra stand-in: each script sets up stand-ins over
# HTTPS with a test CA and a run directory under tests/run/NAME, then runs its program, the
# libpamtest ones under pam_wrapper + nss_wrapper (they skip without cmocka and libpamtest).
# Included from tests/Makefile.inc: paths are relative to the top.

# The module's cases (tests/pam/module.sh runs tests/pam/test_module), with a user database that
# folds case, loaded by nss_wrapper (account_name).
TESTS += tests/pam/module.sh
EXTRA_DIST += tests/pam/module.sh
if HAVE_PAMTEST
check_PROGRAMS += tests/pam/test_module
tests_pam_test_module_SOURCES = tests/pam/test_module.c tests/standin/standin_client.c tests/standin/standin_client.h
tests_pam_test_module_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS)
tests_pam_test_module_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(OPENSSL_LIBS)
endif
check_LTLIBRARIES += tests/pam/libnss_casefold.la
tests_pam_libnss_casefold_la_SOURCES = tests/pam/nss_casefold.c
tests_pam_libnss_casefold_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# The tool oauth2-introspect (revoke, check, ping), and revoke_on_close in the module's
# close_session (tests/pam/revoke-close.sh runs tests/pam/test_revoke). tool-lib.sh is shared by
# both and by attacks.sh.
TESTS += tests/pam/tool.sh tests/pam/revoke-close.sh
EXTRA_DIST += tests/pam/tool.sh tests/pam/revoke-close.sh tests/pam/tool-lib.sh
if HAVE_PAMTEST
check_PROGRAMS += tests/pam/test_revoke
tests_pam_test_revoke_SOURCES = tests/pam/test_revoke.c tests/standin/standin_client.c tests/standin/standin_client.h
tests_pam_test_revoke_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS)
tests_pam_test_revoke_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS)
endif

# The fault matrix and the unsafe-file cases (tests/pam/faults.sh runs tests/pam/test_faults, with
# listeners that fail below HTTP: fault_listeners.py).
TESTS += tests/pam/faults.sh
EXTRA_DIST += tests/pam/faults.sh tests/pam/fault_listeners.py
if HAVE_PAMTEST
check_PROGRAMS += tests/pam/test_faults
tests_pam_test_faults_SOURCES = tests/pam/test_faults.c tests/standin/standin_client.c tests/standin/standin_client.h
tests_pam_test_faults_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS)
tests_pam_test_faults_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(OPENSSL_LIBS)
endif

# The persistent cache (cache_dir), offline grace, the circuit breaker and failover over a comma
# list of URLs (tests/pam/cache.sh runs tests/pam/test_cache, and the tool's cache and revoke
# commands); tests/unit/unit_cache tests src/cache.c directly.
TESTS += tests/pam/cache.sh
EXTRA_DIST += tests/pam/cache.sh
if HAVE_PAMTEST
check_PROGRAMS += tests/pam/test_cache
tests_pam_test_cache_SOURCES = tests/pam/test_cache.c tests/standin/standin_client.c tests/standin/standin_client.h
tests_pam_test_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS)
tests_pam_test_cache_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS)
endif

# A local user's environment against the tool and the module, and what is left in memory after
# pam_end: tests/pam/attacks.sh with tests/pam/test_memscan (one login through the real module)
# and tests/lib/libevil_provider (what OPENSSL_CONF would load).
TESTS += tests/pam/attacks.sh
EXTRA_DIST += tests/pam/attacks.sh
check_PROGRAMS += tests/pam/test_memscan
tests_pam_test_memscan_SOURCES = tests/pam/test_memscan.c
tests_pam_test_memscan_LDADD = $(PAM_LIBS) $(CURL_LIBS)

# 64 concurrent logins through the real module (threads, then processes), every decision checked;
# tests/pam/soak.sh is the long run (make soak) and tsan.supp serves make check-tsan, both in
# tests/hardening.mk.
check_PROGRAMS += tests/pam/stress
tests_pam_stress_SOURCES = tests/pam/stress.c
tests_pam_stress_LDADD = $(PAM_LIBS) -lpthread -ldl
TESTS += tests/pam/concurrency.sh
EXTRA_DIST += tests/pam/stress-lib.sh tests/pam/concurrency.sh tests/pam/soak.sh tests/pam/tsan.supp

# The host's limits against a flood of junk tokens from 64 processes, and a botnet (the same program).
TESTS += tests/pam/flood.sh
EXTRA_DIST += tests/pam/flood.sh

# The device flow (RFC 8628) through the real module, every outcome and the bad answers of both
# device endpoints (tests/pam/device.sh runs tests/pam/test_device, in parallel groups).
TESTS += tests/pam/device.sh
EXTRA_DIST += tests/pam/device.sh
if HAVE_PAMTEST
check_PROGRAMS += tests/pam/test_device
tests_pam_test_device_SOURCES = tests/pam/test_device.c tests/standin/standin_client.c tests/standin/standin_client.h
tests_pam_test_device_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS) -pthread
tests_pam_test_device_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS) -lpthread
endif
