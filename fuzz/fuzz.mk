# Fuzzing: libFuzzer harnesses over the core library, with seed corpora (fuzz/corpus/NAME) and
# dictionaries (fuzz/NAME.dict). Included from the top Makefile.am: paths are relative to the top.
#
# Every build: fuzz/replay_NAME runs each file of fuzz/corpus/NAME (seeds and crash reproducers)
# through the same harness code without libFuzzer, as part of `make check`.
# ./configure --enable-fuzzing CC=clang: `make fuzz` builds fuzz/fuzz_NAME (libFuzzer binaries)
# and `make fuzz-smoke` runs each for FUZZ_SECONDS and fails on any crash, leak, timeout or
# broken invariant. HACKING.md ("Fuzzing") says how to fuzz for hours.
FUZZ_NAMES = answer config usermap precheck export device
FUZZ_SECONDS = 25
FUZZ_COMMON = fuzz/fuzz.h fuzz/fuzz_util.c
fuzz_replays = fuzz/replay_answer fuzz/replay_config fuzz/replay_usermap fuzz/replay_precheck fuzz/replay_export \
	fuzz/replay_device
check_PROGRAMS += $(fuzz_replays)
TESTS += $(fuzz_replays)

fuzz_replay_answer_SOURCES = fuzz/fuzz_answer.c fuzz/replay.c $(FUZZ_COMMON)
fuzz_replay_answer_LDADD = $(CORE_LIBS)
fuzz_replay_config_SOURCES = fuzz/fuzz_config.c fuzz/replay.c $(FUZZ_COMMON)
fuzz_replay_config_LDADD = $(CORE_LIBS)
fuzz_replay_usermap_SOURCES = fuzz/fuzz_usermap.c fuzz/replay.c $(FUZZ_COMMON)
fuzz_replay_usermap_LDADD = $(CORE_LIBS)
fuzz_replay_precheck_SOURCES = fuzz/fuzz_precheck.c fuzz/replay.c $(FUZZ_COMMON)
fuzz_replay_precheck_LDADD = $(CORE_LIBS)
fuzz_replay_export_SOURCES = fuzz/fuzz_export.c fuzz/replay.c $(FUZZ_COMMON)
fuzz_replay_export_LDADD = $(CORE_LIBS)
fuzz_replay_device_SOURCES = fuzz/fuzz_device.c fuzz/replay.c $(FUZZ_COMMON)
fuzz_replay_device_LDADD = $(CORE_LIBS)

fuzz_harnesses = fuzz/fuzz_answer fuzz/fuzz_config fuzz/fuzz_usermap fuzz/fuzz_precheck fuzz/fuzz_export \
	fuzz/fuzz_device
if ENABLE_FUZZING
check_PROGRAMS += $(fuzz_harnesses)
endif
fuzz_fuzz_answer_SOURCES = fuzz/fuzz_answer.c $(FUZZ_COMMON)
fuzz_fuzz_answer_LDADD = $(CORE_LIBS)
fuzz_fuzz_answer_LDFLAGS = -fsanitize=fuzzer
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c $(FUZZ_COMMON)
fuzz_fuzz_config_LDADD = $(CORE_LIBS)
fuzz_fuzz_config_LDFLAGS = -fsanitize=fuzzer
fuzz_fuzz_usermap_SOURCES = fuzz/fuzz_usermap.c $(FUZZ_COMMON)
fuzz_fuzz_usermap_LDADD = $(CORE_LIBS)
fuzz_fuzz_usermap_LDFLAGS = -fsanitize=fuzzer
fuzz_fuzz_precheck_SOURCES = fuzz/fuzz_precheck.c $(FUZZ_COMMON)
fuzz_fuzz_precheck_LDADD = $(CORE_LIBS)
fuzz_fuzz_precheck_LDFLAGS = -fsanitize=fuzzer
fuzz_fuzz_export_SOURCES = fuzz/fuzz_export.c $(FUZZ_COMMON)
fuzz_fuzz_export_LDADD = $(CORE_LIBS)
fuzz_fuzz_export_LDFLAGS = -fsanitize=fuzzer
fuzz_fuzz_device_SOURCES = fuzz/fuzz_device.c $(FUZZ_COMMON)
fuzz_fuzz_device_LDADD = $(CORE_LIBS)
fuzz_fuzz_device_LDFLAGS = -fsanitize=fuzzer

# libFuzzer writes what it finds into the first corpus directory: a scratch one in the build
# tree, never the seeds in $(srcdir). Crashes land in fuzz/run/NAME/ as crash-*, leak-*,
# timeout-* or oom-*: copy one into fuzz/corpus/NAME/ (as regress-WHAT) to keep it as a
# regression test once fixed. Not under tests/run: token-shaped inputs there would trip
# tests/e2e/secrets.sh.
FUZZ_RUN = fuzz/run
FUZZ_FLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
	-print_final_stats=1

if ENABLE_FUZZING
fuzz: $(fuzz_harnesses)
fuzz-smoke: $(fuzz_harnesses)
	@fail=0; for n in $(FUZZ_NAMES); do \
	    rm -rf $(FUZZ_RUN)/$$n && mkdir -p $(FUZZ_RUN)/$$n/new || exit 1; \
	    echo "fuzz-smoke: $$n: $(FUZZ_SECONDS) s from $$(ls $(srcdir)/fuzz/corpus/$$n | wc -l) seeds"; \
	    if ./fuzz/fuzz_$$n $(FUZZ_FLAGS) -dict=$(srcdir)/fuzz/$$n.dict \
	        -artifact_prefix=$(FUZZ_RUN)/$$n/ $(FUZZ_RUN)/$$n/new $(srcdir)/fuzz/corpus/$$n \
	        > $(FUZZ_RUN)/$$n.log 2>&1; then \
	        sed -n 's/^stat::\(number_of_executed_units\|average_exec_per_sec\|new_units_added\|peak_rss_mb\): */    \1 /p' \
	            $(FUZZ_RUN)/$$n.log; \
	        echo "    corpus: $$(ls $(FUZZ_RUN)/$$n/new | wc -l) new inputs; coverage: $$(grep -o 'cov: [0-9]*' $(FUZZ_RUN)/$$n.log | tail -1)"; \
	    else \
	        echo "FAIL: fuzz/fuzz_$$n (log: $(FUZZ_RUN)/$$n.log)"; tail -40 $(FUZZ_RUN)/$$n.log; \
	        ls $(FUZZ_RUN)/$$n/ | grep -v '^new$$' | sed 's/^/    artifact: /'; fail=1; \
	    fi; \
	done; exit $$fail
else
fuzz fuzz-smoke:
	@echo "$@: configure with --enable-fuzzing CC=clang first (see HACKING.md, Fuzzing)"; exit 1
endif
clean-local: clean-fuzz-run
clean-fuzz-run:
	rm -rf $(FUZZ_RUN)
.PHONY: fuzz fuzz-smoke clean-fuzz-run

EXTRA_DIST += fuzz/fuzz.mk fuzz/answer.dict fuzz/config.dict fuzz/usermap.dict fuzz/precheck.dict fuzz/export.dict \
	fuzz/device.dict fuzz/corpus
