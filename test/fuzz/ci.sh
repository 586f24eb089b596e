#!/usr/bin/env bash
# ci.sh - the fuzzing step of .ci/run: build every harness and run each for
# 30 s against its seed corpus; non-zero exit on any crash (see run.sh).
set -euo pipefail
exec "$(dirname "$0")/run.sh" 30 "$@"
