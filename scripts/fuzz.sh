#!/bin/sh
# Runs every libFuzzer target of tests/fuzz/ for SECONDS each (default 30),
# as many at once as there are cores, and prints one line per target:
#   fuzz <name>: <runs> runs in <s> s, no finding
# or the finding, its input and log. Exits 1 on any finding.
#
# Needs clang (libFuzzer, ASan, UBSan); without it, says so and exits 0.
# tests/fuzz/<name>.dict, when there is one, is the target's dictionary.
# Builds in build-fuzz/ (-DDAHUB_FUZZ=ON). New inputs go to a scratch corpus
# under build-fuzz/fuzz/<name>/, kept between runs; the seed corpus in
# tests/fuzz/corpus/<name>/ is only read. Findings go to
# build-fuzz/fuzz/<name>/findings/; replay one with
#   build-fuzz/tests/fuzz/fuzz_<name> FILE
set -eu
cd "$(dirname "$0")/.."

secs=${1:-30}
case $secs in
'' | *[!0-9]*)
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
  ;;
esac
targets="csv number period mapping mapped_parse vocab config xlsx_zip \
xlsx_sheet xlsx_shared utf16"

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: clang not found, skipped"
  exit 0
fi

dir=build-fuzz
jobs=$(nproc 2>/dev/null || echo 2)
binaries=""
for t in $targets; do
  binaries="$binaries fuzz_$t"
done
mkdir -p "$dir"
# shellcheck disable=SC2086 # one word per target
if ! { cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDAHUB_FUZZ=ON &&
  cmake --build "$dir" -j "$jobs" --target $binaries; } \
  >"$dir/fuzz-build.log" 2>&1; then
  cat "$dir/fuzz-build.log" >&2
  echo "fuzz: the build failed" >&2
  exit 1
fi

# Runs one target; leaves its exit code and seconds in result.
run_one() {
  work=$dir/fuzz/$1
  mkdir -p "$work/corpus" "$work/findings"
  rm -f "$work/findings/"* "$work/result"
  dict=""
  [ -f "tests/fuzz/$1.dict" ] && dict="-dict=tests/fuzz/$1.dict"
  start=$(date +%s)
  rc=0
  # shellcheck disable=SC2086 # no -dict= when there is no dictionary
  ASAN_OPTIONS=detect_leaks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$dir/tests/fuzz/fuzz_$1" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 $dict \
    -artifact_prefix="$work/findings/" \
    "$work/corpus" "tests/fuzz/corpus/$1" >"$work/log" 2>&1 || rc=$?
  echo "$rc $(($(date +%s) - start))" >"$work/result"
}

# Prints the target's line; returns 1 on a finding.
report() {
  work=$dir/fuzz/$1
  read -r rc took <"$work/result"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" |
    tail -n 1)
  found=$(find "$work/findings" -type f | head -n 1)
  if [ "$rc" = 0 ] && [ -z "$found" ]; then
    echo "fuzz $1: ${runs:-?} runs in $took s, no finding"
    return 0
  fi
  echo "fuzz $1: FINDING after ${runs:-?} runs in $took s (exit $rc)"
  grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: invariant)|runtime error|ERROR: libFuzzer' \
    "$work/log" | head -n 5 | sed 's/^/  /'
  [ -n "$found" ] && echo "  input: $found"
  echo "  log: $work/log"
  return 1
}

# shellcheck disable=SC2086 # one word per target
set -- $targets
while [ $# -gt 0 ]; do
  n=0
  while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
    run_one "$1" &
    n=$((n + 1))
    shift
  done
  wait
done

status=0
for t in $targets; do
  report "$t" || status=1
done
exit $status
