#!/bin/bash
# bench_start.sh - process start: `check` with an invalid request (it exits at
# validation, before any network), N times (default 1000), against /bin/true
# run the same way by the same shell loop, N times. The N calls of each are
# made in 4 alternating rounds (check, true, check, true, ...) so that both
# see the same load. Prints the per-call times (total / N) as a result line
# (no target in issue 6: INFO); with BENCH_JSON also as JSON.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN_DIR=${GRM_BIN_DIR:-$HERE/../build-bench}
N=${BENCH_START_N:-1000}
req=$(mktemp)
trap 'rm -f "$req"' EXIT
echo '{"source": {}}' >"$req"

# Confirm it is the validation path: exit 1 with an "invalid source" error.
msg=$("$BIN_DIR/check" <"$req" 2>&1; echo "exit $?")
case $msg in
"error: invalid source"*"exit 1") ;;
*) echo "check did not fail at validation: $msg" >&2; exit 1 ;;
esac

ROUNDS=4
loop() { # loop CMD: seconds for N/ROUNDS runs of CMD <req >/dev/null 2>&1
  local t0 t1 i
  t0=$(date +%s.%N)
  for ((i = 0; i < N / ROUNDS; i++)); do "$1" <"$req" >/dev/null 2>&1 || true; done
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.6f", $2 - $1}'
}

checks=() trues=()
for ((round = 0; round < ROUNDS; round++)); do
  checks+=("$(loop "$BIN_DIR/check")")
  trues+=("$(loop /bin/true)")
done

cd "$HERE"
CHECKS="${checks[*]}" TRUES="${trues[*]}" N=$N ROUNDS=$ROUNDS /usr/bin/python3 -c '
import os
import benchlib as B
n, rounds = int(os.environ["N"]), int(os.environ["ROUNDS"])
per = n // rounds
checks = [float(x) for x in os.environ["CHECKS"].split()]
trues = [float(x) for x in os.environ["TRUES"].split()]
ours, ref = sum(checks) / (per * rounds) * 1000, sum(trues) / (per * rounds) * 1000
B.report("start.check_invalid_request_per_call_vs_bin_true", ours, ref, "ms")
B.note("start: %d calls each in %d alternating rounds; per call by round: check %s ms, /bin/true %s ms; difference %.3f ms a call" % (per * rounds, rounds, " ".join("%.3f" % (x / per * 1000) for x in checks), " ".join("%.3f" % (x / per * 1000) for x in trues), ours - ref))
'
