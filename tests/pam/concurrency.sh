#!/bin/sh
# Concurrency (make check): 64 threads of one process log in at once, 20 rounds (under pam_wrapper);
# then 64 separate processes started together, 5 logins each (plain libpam with pam_start_confdir).
# Valid and invalid tokens are mixed; every decision, and every OAUTH2_* value exported into the
# handle, must be right. `make soak` runs the full 64 x 1,000.
. "$top_srcdir/tests/pam/stress-lib.sh"
stress_setup concurrency
rc=0
stress_run 600 threads "${OI_CONC_THREADS:-64}" "${OI_CONC_ROUNDS:-20}" || rc=1
stress_run_plain 600 procs "${OI_CONC_PROCS:-64}" "${OI_CONC_PROC_ROUNDS:-5}"
r=$?; [ $r = 0 ] || [ $r = 77 ] || rc=1
# The same threads with a fresh cache_dir, set up by 64 first logins at once.
stress_cache
stress_run 600 threads "${OI_CONC_THREADS:-64}" "${OI_CONC_ROUNDS:-20}" || rc=1
exit $rc
