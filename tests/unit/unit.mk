# Unit tests (cmocka): one program per unit of the core library, and the module's export check.
# Included from tests/Makefile.inc: paths are relative to the top.
if HAVE_CMOCKA
unit_tests = tests/unit/unit_cfg tests/unit/unit_files tests/unit/unit_precheck tests/unit/unit_introspect \
	tests/unit/unit_policy tests/unit/unit_util tests/unit/unit_usermap tests/unit/unit_limits \
	tests/unit/unit_device
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
else
TESTS += tests/unit/unit-skipped.sh
endif
EXTRA_DIST += tests/unit/unit-skipped.sh

tests_unit_unit_cfg_SOURCES = tests/unit/unit_cfg.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_cfg_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_cfg_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_unit_files_SOURCES = tests/unit/unit_files.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_files_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_files_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_unit_precheck_SOURCES = tests/unit/unit_precheck.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_precheck_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_precheck_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_unit_introspect_SOURCES = tests/unit/unit_introspect.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_introspect_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_introspect_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_unit_policy_SOURCES = tests/unit/unit_policy.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_policy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_policy_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
# oi_check_account meets a failing user database through tests/unit/unit_policy.c's __wrap_getpwnam_r.
tests_unit_unit_policy_LDFLAGS = -Wl,--wrap=getpwnam_r

tests_unit_unit_util_SOURCES = tests/unit/unit_util.c
tests_unit_unit_util_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_util_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_unit_usermap_SOURCES = tests/unit/unit_usermap.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_usermap_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_usermap_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_unit_limits_SOURCES = tests/unit/unit_limits.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_limits_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_limits_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_unit_device_SOURCES = tests/unit/unit_device.c
tests_unit_unit_device_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_device_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

# src/cache.c and the cache, grace, breaker and failover options directly (through PAM:
# tests/pam/cache.sh). Named beside $(unit_tests) in debian/rules and tests/hardening.mk.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/unit_cache
TESTS += tests/unit/unit_cache
endif
tests_unit_unit_cache_SOURCES = tests/unit/unit_cache.c tests/unit/unit_common.c tests/unit/unit_common.h tests/unit/unit_scratch.h
tests_unit_unit_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_unit_cache_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

# The device flow's QR code, read back by zbarimg (zbar-tools; skipped without it).
check_PROGRAMS += tests/unit/qr_text
tests_unit_qr_text_LDADD = $(CORE_LIBS)
TESTS += tests/unit/qr-decode.sh
EXTRA_DIST += tests/unit/qr-decode.sh

# The built module exports pam_sm_* and nothing else ($OI_MODULE, from AM_TESTS_ENVIRONMENT).
check_PROGRAMS += tests/unit/test_exports
tests_unit_test_exports_LDADD = -ldl
TESTS += tests/unit/test_exports
