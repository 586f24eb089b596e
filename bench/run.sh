#!/bin/bash
# run.sh - build a Release tree, start a test S3 server (Ceph RGW), run every
# benchmark and regenerate bench/RESULTS.md from their output.
#
#   bench/run.sh                 everything, once (under 10 minutes on 2 cores)
#   BENCH_RUNS=3 bench/run.sh    everything 3 times; RESULTS.md gives, per
#                                figure, the median over the runs
#   bench/run.sh check in        only these (check start in out profile);
#                                RESULTS.md is rewritten only by full runs
#
# Env: GRM_BIN_DIR (default <repo>/build-bench, built here), BENCH_DIR
# (scratch, default /tmp/grm-bench; asset files are kept there between runs,
# each run's output goes to $BENCH_DIR/runs/N), RGW_DIR (reuse a running RGW;
# default: one started in $BENCH_DIR/rgw and stopped at the end),
# BENCH_REPEAT (repeats per comparison; defaults: in 5, out 3, check's
# new-release case 5). Needs cmake, gcc, curl, openssl, valgrind,
# /usr/bin/time (package time), /usr/bin/aws (awscli) and Ceph's radosgw
# (see test/s3/README.md).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export BENCH_DIR=${BENCH_DIR:-/tmp/grm-bench}
export GRM_BIN_DIR=${GRM_BIN_DIR:-$ROOT/build-bench}
export PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3
RUNS=${BENCH_RUNS:-1}
mkdir -p "$BENCH_DIR"

all=(check start in out profile)
want=("$@")
[ ${#want[@]} -eq 0 ] && want=("${all[@]}")
for w in "${want[@]}"; do
  case " ${all[*]} " in *" $w "*) ;; *) echo "run.sh: unknown benchmark '$w' (${all[*]})" >&2; exit 2 ;; esac
done
for tool in cmake curl openssl valgrind /usr/bin/time /usr/bin/aws radosgw; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (see the header)" >&2; exit 1; }
done

echo "== build ($GRM_BIN_DIR)"
cmake -S "$ROOT" -B "$GRM_BIN_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$GRM_BIN_DIR" -j2 --target check in out >/dev/null

started_rgw=
cleanup() {
  if [ -n "$started_rgw" ]; then "$ROOT/test/s3/rgw.sh" stop "$started_rgw" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ -z "${RGW_DIR:-}" ] && [[ " ${want[*]} " =~ \ (out|profile)\  ]]; then
  export RGW_DIR=$BENCH_DIR/rgw
  if ! "$ROOT/test/s3/rgw.sh" start "$RGW_DIR" >/dev/null; then
    echo "run.sh: cannot start RGW in $RGW_DIR" >&2
    exit 1
  fi
  started_rgw=$RGW_DIR
fi

# one_run DIR: every wanted benchmark, output in DIR; false if one failed.
one_run() {
  local dir=$1 w rc t0
  rm -rf "$dir"
  mkdir -p "$dir"
  export BENCH_JSON=$dir/results.jsonl
  : >"$BENCH_JSON"
  : >"$dir/failed"
  t0=$(date +%s)
  $PY "$HERE/report.py" --meta-start "$dir/meta.json"
  for w in "${want[@]}"; do
    echo "== $w (load $(cut -d' ' -f1-3 /proc/loadavg))"
    rc=0
    case $w in
    check) $PY "$HERE/bench_check.py" || rc=$? ;;
    start) "$HERE/bench_start.sh" || rc=$? ;;
    in) $PY "$HERE/bench_in.py" || rc=$? ;;
    out) $PY "$HERE/bench_out.py" || rc=$? ;;
    profile) $PY "$HERE/profile.py" || rc=$? ;;
    esac
    [ $rc -eq 0 ] || echo "$w" >>"$dir/failed"
  done 2>&1 | tee "$dir/run.log"
  $PY "$HERE/report.py" --meta-end "$dir/meta.json" --seconds $(($(date +%s) - t0))
  echo "== run done in $(($(date +%s) - t0)) s: $dir"
  [ ! -s "$dir/failed" ]
}

dirs=()
failed=0
for ((i = 1; i <= RUNS; i++)); do
  echo "== run $i of $RUNS"
  one_run "$BENCH_DIR/runs/$i" || failed=1
  dirs+=("$BENCH_DIR/runs/$i")
done
if [ $failed -ne 0 ]; then
  echo "run.sh: failed: $(cat "$BENCH_DIR"/runs/*/failed | tr '\n' ' ')(RESULTS.md not rewritten)" >&2
  exit 1
fi
if [ ${#want[@]} -eq ${#all[@]} ]; then
  $PY "$HERE/report.py" --write "$HERE/RESULTS.md" "${dirs[@]}"
  echo "== wrote $HERE/RESULTS.md"
fi
