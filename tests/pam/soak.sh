#!/bin/sh
# Long run (make soak, not part of make check or CI): one process, OI_SOAK_LOGINS (100,000) logins in a
# row through the real module with its RSS reported (start, after warm-up, every 10 %, end); then 64
# threads x 1,000 rounds and 64 processes x 100 logins. Fails only on a crash or a wrong decision:
# sizes are reported, never asserted.
. "$top_srcdir/tests/pam/stress-lib.sh"
stress_setup soak
rc=0
stress_run_plain 7200 soak "${OI_SOAK_LOGINS:-100000}" || rc=1
stress_run 3600 threads 64 "${OI_SOAK_ROUNDS:-1000}" || rc=1
stress_run_plain 3600 procs 64 "${OI_SOAK_PROC_ROUNDS:-100}" || rc=1
exit $rc
