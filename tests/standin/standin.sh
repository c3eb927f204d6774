#!/bin/sh
# The Hydra stand-in behaves as ../shared/hydra-api.md says Hydra does.
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
exec python3 "$top_srcdir/tests/standin/test_standin.py"
