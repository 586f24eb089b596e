#!/usr/bin/env bash
# valgrind.sh - memcheck of check, in and out against the fake GitHub and
# RGW (test/valgrind_driver.py): successful runs (incl. a multipart upload,
# retries and a resumed download) and failing ones, each under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
# Prints "valgrind: check in out: 0 errors, 0 bytes definitely lost" and
# exits non-zero on any error or definitely-lost byte.
#
# usage: test/valgrind.sh            (GRM_BIN_DIR: release build dir, default build/)
# Uses the RGW that S3_ENDPOINT (or RGW_DIR) names, else starts one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "valgrind.sh: valgrind is not installed (apt-get install valgrind as root)" >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
export GRM_BIN_DIR=${GRM_BIN_DIR:-$root/build}
for cmd in check in out; do
    if [ ! -x "$GRM_BIN_DIR/$cmd" ]; then
        echo "valgrind.sh: no executable $GRM_BIN_DIR/$cmd (build first, or set GRM_BIN_DIR)" >&2
        exit 2
    fi
done
exec /usr/bin/python3 "$root/test/valgrind_driver.py"
