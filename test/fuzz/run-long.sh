#!/usr/bin/env bash
# run-long.sh - run every fuzz harness for 10 minutes (see run.sh); the corpus
# grown under build-fuzz/corpus/ carries over between runs.
set -euo pipefail
exec "$(dirname "$0")/run.sh" 600 "$@"
