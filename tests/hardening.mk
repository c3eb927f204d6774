# Hardening: the sanitizer build's test environment, the concurrency test under ThreadSanitizer
# (make check-tsan), the valgrind run (make check-valgrind) and the long run (make soak). Included
# from the top Makefile.am after tests/Makefile.inc: paths are relative to the top. The concurrency
# test itself (tests/pam/stress, concurrency.sh, soak.sh) is built in tests/pam/pam.mk.

# --enable-sanitizers: OI_TEST_PRELOAD_PREFIX is the sanitizer runtime, which must come first in any
# LD_PRELOAD (before libpam_wrapper.so); tests/pam/module.sh and tests/pam/stress-lib.sh put it there.
# Hosts the tests do not start with a preload (pamtester through /etc/pam.d, sudo) load the ASan
# runtime late, with the module: verify_asan_link_order=0 lets them, with UBSan and the
# stack/global checks active but not heap checks. A report fails the test: UBSan halts, ASan aborts,
# LSan fails the exit status. pam_wrapper and nss_wrapper must not dlopen with RTLD_DEEPBIND under
# a sanitizer (they only see for themselves when libasan is in LD_PRELOAD): *_DISABLE_DEEPBIND.
# --enable-sanitizers=thread: only tests/pam/concurrency.sh is meant to run (make check-tsan).
AM_TESTS_ENVIRONMENT += \
	OI_TEST_PRELOAD_PREFIX='$(OI_TEST_PRELOAD_PREFIX)'; OI_SANITIZED='$(OI_SANITIZED)'; \
	export OI_TEST_PRELOAD_PREFIX OI_SANITIZED; \
	if test "$$OI_SANITIZED" != no; then \
	    NSS_WRAPPER_DISABLE_DEEPBIND=1; UID_WRAPPER_DISABLE_DEEPBIND=1; \
	    export NSS_WRAPPER_DISABLE_DEEPBIND UID_WRAPPER_DISABLE_DEEPBIND; \
	fi; \
	if test "$$OI_SANITIZED" = address; then \
	    ASAN_OPTIONS="$${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}"; \
	    UBSAN_OPTIONS="$${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"; \
	    export ASAN_OPTIONS UBSAN_OPTIONS; \
	elif test "$$OI_SANITIZED" = thread; then \
	    TSAN_OPTIONS="$${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$(abs_top_srcdir)/tests/pam/tsan.supp}"; \
	    export TSAN_OPTIONS; \
	fi;

# In a --enable-sanitizers=thread build: the concurrency and flood tests under ThreadSanitizer.
check-tsan:
	@test "$(OI_SANITIZED)" = thread || { echo "check-tsan: configure with --enable-sanitizers=thread"; exit 1; }
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/pam/concurrency.sh tests/pam/flood.sh'

# make check-valgrind: the unit tests, the fuzz corpus replays, the module tests, the fault matrix,
# the tool, revoke_on_close, the cache, the attacks and a smaller concurrency test under valgrind memcheck
# (scripts wrap their program with OI_TEST_WRAPPER). Any error, and any definitely lost block,
# fails the run. The real hosts (pamtester, sshd, sudo) are not wrapped.
VALGRIND_FLAGS = --quiet --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite --track-origins=yes --num-callers=30
VALGRIND_TESTS = $(unit_tests) tests/unit/unit_cache $(fuzz_replays) tests/unit/test_exports tests/pam/module.sh \
	tests/pam/faults.sh tests/pam/tool.sh tests/pam/revoke-close.sh tests/pam/cache.sh tests/pam/concurrency.sh \
	tests/pam/attacks.sh tests/pam/device.sh
check-valgrind:
	@test -n "$(VALGRIND)" || { echo "check-valgrind: valgrind is not installed"; exit 1; }
	@test "$(OI_SANITIZED)" = no || { echo "check-valgrind: not in a sanitizer build"; exit 1; }
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(VALGRIND_TESTS)' \
	    LOG_COMPILER='$(VALGRIND) $(VALGRIND_FLAGS)' \
	    OI_TEST_WRAPPER='$(VALGRIND) $(VALGRIND_FLAGS)' OI_CONC_THREADS=16 OI_CONC_ROUNDS=4 \
	    OI_CONC_PROCS=8 OI_CONC_PROC_ROUNDS=2 OI_STRESS_TIMEOUT_MS=60000

# make soak: 100,000 logins in one process (RSS reported), 64 threads x 1,000 rounds, 64 processes x
# 100 logins. Slow (see HACKING.md, Long run); not part of make check or CI.
soak: tests/pam/stress $(secure_LTLIBRARIES)
	$(MAKE) $(AM_MAKEFLAGS) check TESTS=tests/pam/soak.sh
.PHONY: check-valgrind check-tsan soak
