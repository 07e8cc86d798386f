#!/bin/sh
# The benchmark in one command: builds a Release dahub in build-bench/ and
# runs tests/bench/bench.py (arguments are passed on, e.g. --big-rows
# 4000000). Needs what scripts/deps.sh installs.
set -eu
cd "$(dirname "$0")/../.."
scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DDAHUB_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
# Debian's interpreter: the audit's reference reader needs python3-scipy,
# the XLSX benchmark python3-openpyxl.
scripts/deps.sh python3-scipy python3-openpyxl
exec /usr/bin/python3 tests/bench/bench.py --build "$PWD/build-bench" "$@"
