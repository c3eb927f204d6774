# The tool oauth2-introspect (revoke, check, ping) and revoke_on_close in the module's
# close_session, against the Hydra stand-in. Included from tests/Makefile.inc: paths are relative
# to the top. tests/revoke-close.sh runs tests/test_revoke under pam_wrapper and skips without it.
TESTS += tests/tool.sh tests/revoke-close.sh

if HAVE_PAMTEST
check_PROGRAMS += tests/test_revoke
tests_test_revoke_SOURCES = tests/test_revoke.c tests/standin_client.c tests/standin_client.h
tests_test_revoke_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS)
tests_test_revoke_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS)
endif

EXTRA_DIST += tests/tool.sh tests/revoke-close.sh tests/tool-lib.sh
