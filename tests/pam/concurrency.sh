#!/bin/sh
# Concurrency (make check): 64 threads of one process log in at once, 20 rounds (under pam_wrapper);
# then 64 separate processes started together, 5 logins each (plain libpam with pam_start_confdir).
# Valid and invalid tokens are mixed; every decision, and every OAUTH2_* value exported into the
# handle, must be right: no login may get another's answer. No speed is asserted: the module's
# timeouts (stress-lib.sh) only bound a hung login, so PAM_AUTHINFO_UNAVAIL here is the module's
# failure, not a busy machine's. `make soak` runs the full 64 x 1,000.
. "$top_srcdir/tests/pam/stress-lib.sh"
stress_setup concurrency
threads=${OI_CONC_THREADS:-64} rounds=${OI_CONC_ROUNDS:-20}
procs=${OI_CONC_PROCS:-64} proc_rounds=${OI_CONC_PROC_ROUNDS:-5}
rc=0
# phase WHAT STRESS_RUN ARGS...: tests/pam/stress prints each wrong decision and its verdict; a
# run that ends without them (timeout(1), a signal, valgrind's errors) is named here.
phase() {
    what=$1 run=$2; shift 2
    "$run" 600 "$@"
    r=$?
    case $r in
    0) ;;
    1) rc=1 ;;
    77) echo "SKIP: $what: this libpam has no pam_start_confdir" ;;
    124) echo "FAIL: $what: not finished after 600 s"; rc=1 ;;
    *)
        if [ $r -gt 128 ]; then
            echo "FAIL: $what: killed by signal $((r - 128))"
        else
            echo "FAIL: $what: tests/pam/stress exited with status $r"
        fi
        rc=1 ;;
    esac
}
phase "$threads threads" stress_run threads "$threads" "$rounds"
phase "$procs processes" stress_run_plain procs "$procs" "$proc_rounds"
# The same threads with a fresh cache_dir, set up by 64 first logins at once.
stress_cache
phase "$threads threads, fresh cache_dir" stress_run threads "$threads" "$rounds"
exit $rc
