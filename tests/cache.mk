# The persistent cache (cache_dir), offline grace, the circuit breaker and failover over a comma
# list of URLs: tests/cache.sh runs tests/test_cache (the real module under pam_wrapper against the
# Hydra stand-in, and oauth2-introspect's cache and revoke commands), and tests/unit_cache tests
# src/cache.c and the new options directly. Included at the end of tests/Makefile.inc: paths are
# relative to the top.
if HAVE_PAMTEST
check_PROGRAMS += tests/test_cache
tests_test_cache_SOURCES = tests/test_cache.c tests/standin_client.c tests/standin_client.h
tests_test_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS)
tests_test_cache_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS)
endif
TESTS += tests/cache.sh
EXTRA_DIST += tests/cache.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/unit_cache
TESTS += tests/unit_cache
endif
tests_unit_cache_SOURCES = tests/unit_cache.c tests/unit_common.c tests/unit_common.h tests/unit_scratch.h
tests_unit_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_cache_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
