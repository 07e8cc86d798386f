#!/bin/sh
# Builds dahub twice (plain, then with AddressSanitizer + UBSan) and runs
# every test in both builds. Installs what is missing first.
set -eu
cd "$(dirname "$0")/.."

# clang and its runtime (libFuzzer) for the fuzz run at the end; SciPy for
# the tests' own disclosure attackers (tests/attack, tests/e2e/reader.py);
# aiosmtpd for the e2e tests' SMTP server (tests/e2e/servers/smtp.py); Chromium
# and poppler for the board pack's browser test (tests/e2e/test_boardpack.py);
# the Prometheus client's text parser for the metrics test (test_status.py);
# openpyxl to read back the Excel summary (test_xlsx.py), to make the
# XLSX reader's test workbooks, and xlsx2csv to check the reader
# against (tests/unit/xlsx)
scripts/deps.sh clang libclang-rt-14-dev python3-scipy python3-aiosmtpd \
  chromium poppler-utils python3-prometheus-client python3-openpyxl xlsx2csv
# debhelper, lintian and fakeroot for the Debian package test (tests/package)
scripts/deps.sh debhelper lintian fakeroot
# PostgreSQL 15 for the PostgreSQL store's tests (tests/unit/test_pgstore.c)
scripts/deps.sh postgresql-15

# One throwaway cluster for both builds, in a temporary folder, on a unix
# socket there only; stopped and removed however the script ends. The tests
# find it through DAHUB_TEST_PG (without it they are skipped).
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/dahub-pg-XXXXXX")
trap 'tests/support/pg_cluster.sh stop "$pgdir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
DAHUB_TEST_PG=$(tests/support/pg_cluster.sh start "$pgdir")
export DAHUB_TEST_PG

jobs=$(nproc 2>/dev/null || echo 2)
for variant in plain asan; do
  dir="build-test-$variant"
  flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
  [ "$variant" = asan ] && flags="-DCMAKE_BUILD_TYPE=Debug -DDAHUB_SANITIZE=ON"
  echo "== $variant build" >&2
  cmake -S . -B "$dir" $flags >/dev/null
  cmake --build "$dir" -j "$jobs" >/dev/null
  echo "== $variant tests" >&2
  scale=1
  [ "$variant" = asan ] && scale=3 # sanitizers run several times slower
  (cd "$dir" && DAHUB_E2E_TIMEOUT_SCALE=$scale ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j "$jobs")
done

# Each fuzz target for a short, bounded time (the corpora were already
# replayed by ctest above, in both builds).
scripts/fuzz.sh 20
