# Unit tests (cmocka): one program per unit of the core library.
# Included from the top Makefile.am (via tests/Makefile.inc): paths are relative to the top.
if HAVE_CMOCKA
unit_tests = tests/unit_cfg tests/unit_files tests/unit_precheck tests/unit_introspect tests/unit_policy tests/unit_util tests/unit_usermap
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
endif

tests_unit_cfg_SOURCES = tests/unit_cfg.c tests/unit_common.c tests/unit_common.h tests/unit_scratch.h
tests_unit_cfg_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_cfg_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_files_SOURCES = tests/unit_files.c tests/unit_common.c tests/unit_common.h tests/unit_scratch.h
tests_unit_files_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_files_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_precheck_SOURCES = tests/unit_precheck.c tests/unit_common.c tests/unit_common.h tests/unit_scratch.h
tests_unit_precheck_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_precheck_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_introspect_SOURCES = tests/unit_introspect.c tests/unit_common.c tests/unit_common.h tests/unit_scratch.h
tests_unit_introspect_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_introspect_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_policy_SOURCES = tests/unit_policy.c tests/unit_common.c tests/unit_common.h tests/unit_scratch.h
tests_unit_policy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_policy_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
# oi_check_account meets a failing user database through tests/unit_policy.c's __wrap_getpwnam_r.
tests_unit_policy_LDFLAGS = -Wl,--wrap=getpwnam_r

tests_unit_util_SOURCES = tests/unit_util.c
tests_unit_util_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_util_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_usermap_SOURCES = tests/unit_usermap.c tests/unit_common.c tests/unit_common.h tests/unit_scratch.h
tests_unit_usermap_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_usermap_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
