#!/usr/bin/env bash
# run.sh - build the libFuzzer harnesses with clang (ASan + UBSan) from lib/*/*.c
# and run each for SECONDS (default 30) against its seed corpus, as many at
# once as there are cores (FUZZ_JOBS).
#
# usage: test/fuzz/run.sh [SECONDS] [HARNESS...]   (HARNESS: request, versions, ...)
# env:   FUZZ_OUT  work directory (default <repo>/build-fuzz): binaries, the
#                  growing corpus (corpus/NAME), crash inputs (crashes/),
#                  logs (logs/), summary.tsv (this run: name, executions, seconds,
#                  crashes) and history.tsv (every run: the same after a date)
#
# Prints "fuzz NAME: N executions in S s, C crashes" per harness and exits
# non-zero when any harness crashed (the input is left under crashes/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-30}
[ $# -gt 0 ] && shift
out=${FUZZ_OUT:-$root/build-fuzz}
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
    for f in "$here"/fuzz_*.c; do
        n=$(basename "$f" .c)
        harnesses+=("${n#fuzz_}")
    done
fi

# clang and libFuzzer's runtime, from Debian.
if ! command -v clang >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "run.sh: needs clang and libclang-rt-14-dev (apt-get install them as root)" >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
fi

# shellcheck disable=SC2054 # the commas are clang's
cflags=(-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
    -fno-sanitize-recover=undefined -Wall -Wextra -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DGRM_VERSION=\"fuzz\"
)
for dir in "$root"/lib/*/; do # headers are included by name, from every folder
    cflags+=(-I"${dir%/}")
done
read -r -a pkgflags <<<"$(pkg-config --cflags libcurl jansson expat libpcre2-8)"
cflags+=("${pkgflags[@]}")
libs=(-lcurl -ljansson -lexpat -lpcre2-8 -lsnappy -lcrypto -lm)

# The library, instrumented for coverage, as one archive.
mkdir -p "$out/obj" "$out/bin" "$out/crashes" "$out/logs"
rm -f "$out"/obj/*.o "$out/libgrm.a"
pids=()
for src in "$root"/lib/*/*.c; do
    clang "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$src" \
        -o "$out/obj/$(basename "$src" .c).o" &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid"
done
ar rcs "$out/libgrm.a" "$out"/obj/*.o
for h in "${harnesses[@]}"; do
    clang "${cflags[@]}" -fsanitize=fuzzer "$here/fuzz_$h.c" "$out/libgrm.a" "${libs[@]}" \
        -o "$out/bin/fuzz_$h"
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_one NAME: one harness for SECONDS; its summary line goes to
# $out/logs/NAME.tsv (name, executions, seconds, crashes).
run_one() {
    local h=$1 corpus="$out/corpus/$1" seeds="$here/corpus/$1" log="$out/logs/$1.log"
    mkdir -p "$corpus" "$seeds"
    local opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$out/crashes/$h-")
    [ -f "$here/$h.dict" ] && opts+=(-dict="$here/$h.dict")
    case $h in # room for whole documents; the default is 4096 bytes
    request | release | s3xml | tuf | bundle | snappy) opts+=(-max_len=16384) ;;
    esac
    rm -f "$out/crashes/$h"-*
    local start rc=0 runs crashes
    start=$(date +%s)
    "$out/bin/fuzz_$h" "${opts[@]}" "$corpus" "$seeds" >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
    crashes=$(find "$out/crashes" -name "$h-*" -type f | wc -l)
    [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
    printf '%s\t%s\t%s\t%s\n' "$h" "${runs:-0}" "$(($(date +%s) - start))" "$crashes" \
        >"$out/logs/$h.tsv"
}

# As many harnesses at once as there are cores (FUZZ_JOBS), each for the
# whole SECONDS: the same fuzzing per harness in less wall time.
jobs=${FUZZ_JOBS:-$(nproc)}
running=0
for h in "${harnesses[@]}"; do
    rm -f "$out/logs/$h.tsv"
    run_one "$h" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait

status=0
: >"$out/summary.tsv"
for h in "${harnesses[@]}"; do
    IFS=$'\t' read -r _ runs took crashes <"$out/logs/$h.tsv" || { runs=0 took=0 crashes=1; }
    echo "fuzz $h: $runs executions in $took s, $crashes crashes"
    printf '%s\t%s\t%s\t%s\n' "$h" "$runs" "$took" "$crashes" >>"$out/summary.tsv"
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$h" "$runs" "$took" "$crashes" \
        >>"$out/history.tsv"
    if [ "$crashes" -ne 0 ]; then
        status=1
        grep -E 'ERROR|runtime error|SUMMARY|Test unit written|^ +#[0-9]+ ' "$out/logs/$h.log" |
            head -30 >&2 || true
        find "$out/crashes" -name "$h-*" -type f -printf '  crash input: %p\n' >&2
    fi
done
exit $status
