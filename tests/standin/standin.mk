# The Hydra stand-in (hydra_standin.py) and what drives it: its self-test against Hydra's
# documented behaviour (tests/standin/standin.sh runs test_standin.py), the shell helpers that start
# it and read its ports (standin-lib.sh, also used by ./bootstrap's demo), its control client for
# scripts (standin_ctl.py) and for the C tests (standin_client.c, compiled into tests/pam's
# programs). Included from tests/Makefile.inc: paths are relative to the top.
TESTS += tests/standin/standin.sh
EXTRA_DIST += tests/standin/standin.sh tests/standin/hydra_standin.py tests/standin/test_standin.py \
	tests/standin/standin_ctl.py tests/standin/standin-lib.sh
