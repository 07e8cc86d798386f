#!/bin/sh
# The benchmark in one command: builds a Release dahub in build-bench/ and
# runs tests/bench/bench.py (arguments are passed on, e.g. --big-rows
# 4000000), with a throwaway PostgreSQL cluster for the PostgreSQL store's
# ingests. Needs what scripts/deps.sh installs.
set -eu
cd "$(dirname "$0")/../.."
scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DDAHUB_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
# Debian's interpreter: the audit's reference reader needs python3-scipy,
# the XLSX benchmark python3-openpyxl.
scripts/deps.sh python3-scipy python3-openpyxl postgresql-15
# The PostgreSQL store's ingests run in a throwaway cluster, as the tests'.
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/dahub-bench-pg-XXXXXX")
trap 'tests/support/pg_cluster.sh stop "$pgdir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pg=$(tests/support/pg_cluster.sh start "$pgdir")
/usr/bin/python3 tests/bench/bench.py --build "$PWD/build-bench" --pg "$pg" "$@"
