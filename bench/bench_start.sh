#!/bin/bash
# bench_start.sh - process start: `check` with an invalid request (it exits at
# validation, before any network), N times (default 1000), against /bin/true
# run the same way by the same shell loop, N times, and against an empty
# main() linked with the same shared libraries as `check` (libcurl and what it
# pulls in: what loading them costs, apart from anything check does). The N
# calls of each are made in 4 alternating rounds (check, true, empty, check,
# ...) so that all see the same load. Prints the per-call times (total / N) as
# result lines (no target in issue 6: INFO); with BENCH_JSON also as JSON.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN_DIR=${GRM_BIN_DIR:-$HERE/../build-bench}
N=${BENCH_START_N:-1000}
req=$(mktemp)
empty=$(mktemp -d)
trap 'rm -rf "$req" "$empty"' EXIT
echo '{"source": {}}' >"$req"

# The empty main, linked with check's DT_NEEDED libraries (libc aside).
libs=()
for l in $(readelf -d "$BIN_DIR/check" | sed -n 's/.*Shared library: \[lib\([^].]*\)\.so.*/\1/p'); do
  [ "$l" = c ] || libs+=("-l$l")
done
echo 'int main(void) { return 0; }' >"$empty/empty.c"
cc -O2 -o "$empty/empty" "$empty/empty.c" -Wl,--no-as-needed "${libs[@]}"

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

checks=() trues=() empties=()
for ((round = 0; round < ROUNDS; round++)); do
  checks+=("$(loop "$BIN_DIR/check")")
  trues+=("$(loop /bin/true)")
  empties+=("$(loop "$empty/empty")")
done

cd "$HERE"
CHECKS="${checks[*]}" TRUES="${trues[*]}" EMPTIES="${empties[*]}" LIBS="${libs[*]}" N=$N \
  ROUNDS=$ROUNDS /usr/bin/python3 -c '
import os
import benchlib as B
n, rounds = int(os.environ["N"]), int(os.environ["ROUNDS"])
per = n // rounds
checks = [float(x) for x in os.environ["CHECKS"].split()]
trues = [float(x) for x in os.environ["TRUES"].split()]
empties = [float(x) for x in os.environ["EMPTIES"].split()]
ours, ref = sum(checks) / (per * rounds) * 1000, sum(trues) / (per * rounds) * 1000
empty = sum(empties) / (per * rounds) * 1000
B.report("start.check_invalid_request_per_call_vs_bin_true", ours, ref, "ms")
B.report("start.empty_main_with_checks_libraries_per_call_vs_bin_true", empty, ref, "ms")
B.note("start: the empty main is linked with %s (and what they pull in); check exiting at validation costs %.3f ms a call more than it" % (os.environ["LIBS"], ours - empty))
B.note("start: %d calls each in %d alternating rounds; per call by round: check %s ms, /bin/true %s ms; difference %.3f ms a call" % (per * rounds, rounds, " ".join("%.3f" % (x / per * 1000) for x in checks), " ".join("%.3f" % (x / per * 1000) for x in trues), ours - ref))
'
