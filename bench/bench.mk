# make bench: the module against the physical floor (bench/bench.py says what is measured);
# make bench-long: 100,000 logins in one process, RSS at the start and the end. Never part of
# make check or CI: numbers are reported (HACKING.md, Performance), never asserted. Needs root,
# python3, openssl and valgrind. Included from the top Makefile.am: paths are relative to the top.
EXTRA_PROGRAMS = bench/oi-bench-login
bench_oi_bench_login_SOURCES = bench/login.c
bench_oi_bench_login_LDADD = $(PAM_LIBS)

# The floor: the same request done by the least possible PAM module. Built only for the bench.
EXTRA_LTLIBRARIES = bench/pam_oi_floor.la
bench_pam_oi_floor_la_SOURCES = bench/floor.c
bench_pam_oi_floor_la_LIBADD = $(PAM_LIBS) $(CURL_LIBS) $(JSONC_LIBS)
# Linked like the module (-z nodelete), so that in-process runs compare the same thing.
bench_pam_oi_floor_la_LDFLAGS = -module -avoid-version -shared -no-undefined -Wl,-z,nodelete \
	-rpath '$(abs_builddir)/bench'

EXTRA_DIST += bench/bench.py
CLEANFILES = bench/oi-bench-login bench/pam_oi_floor.la

bench_targets = bench/oi-bench-login bench/pam_oi_floor.la src/pam_oauth2_introspect.la
bench: $(bench_targets)
	$(PYTHON3) $(srcdir)/bench/bench.py --builddir '$(abs_builddir)' --srcdir '$(abs_srcdir)' $(BENCH_FLAGS)
bench-long: $(bench_targets)
	$(PYTHON3) $(srcdir)/bench/bench.py --builddir '$(abs_builddir)' --srcdir '$(abs_srcdir)' --long $(BENCH_FLAGS)
clean-local: clean-bench-run
clean-bench-run:
	rm -rf bench/run bench/results.json bench/results-long.json bench/.libs
.PHONY: bench bench-long clean-bench-run
