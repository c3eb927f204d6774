# The fault matrix (tests/faults.sh runs tests/test_faults under pam_wrapper) and the secrets
# hygiene check over everything the suite logged (tests/secrets.sh, run last). Included from
# tests/Makefile.inc after AM_TESTS_ENVIRONMENT is set: paths are relative to the top.
if HAVE_PAMTEST
check_PROGRAMS += tests/test_faults
tests_test_faults_SOURCES = tests/test_faults.c tests/standin_client.c tests/standin_client.h
tests_test_faults_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS)
tests_test_faults_LDADD = $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(OPENSSL_LIBS)
endif
TESTS += tests/faults.sh tests/secrets.sh
EXTRA_DIST += tests/faults.sh tests/fault_listeners.py tests/secrets.sh tests/secrets_scan.py

# Every stand-in of every test appends the secrets it mints or receives here (hydra_standin.py);
# tests/secrets.sh proves none of them is in any log.
AM_TESTS_ENVIRONMENT += OI_SECRETS_WITNESS='$(abs_top_builddir)/tests/run/secrets/witness.list'; \
	export OI_SECRETS_WITNESS; mkdir -p '$(abs_top_builddir)/tests/run/secrets';

# secrets.sh reads the other tests' logs: it runs after all of them.
tests/secrets.log: $(TEST_LOGS:tests/secrets.log=)
