#!/usr/bin/env bash
# Installs what is needed, then builds and runs every test twice: a normal build, and
# a build under AddressSanitizer + UndefinedBehaviorSanitizer; between the two, every
# fuzz target runs briefly on its committed corpus (scripts/fuzz.sh ci); last, the
# integration tests and the loadgen smoke run under ThreadSanitizer (scripts/tsan.sh).
# Exits non-zero if anything fails. QC_SKIP_SANITIZERS=1 runs only the normal build;
# QC_SKIP_FUZZ=1 skips the fuzz targets, QC_FUZZ_SECONDS sets their time each;
# QC_SKIP_TSAN=1 skips the ThreadSanitizer run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Each stage says how long it took: CI has a time budget (README), and this is where it goes.
began=$(date +%s)
stage_done() { echo "== $1 took $(( $(date +%s) - $2 )) s (total $(( $(date +%s) - began )) s)"; }

run_suite() {
  local dir=$1; shift
  local t=$(date +%s)
  echo "== $dir: configure and build"
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j2
  stage_done "$dir build" "$t"
  t=$(date +%s)
  echo "== $dir: test"
  (cd "$dir" && ctest --output-on-failure --timeout 300)
  stage_done "$dir tests" "$t"
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQC_BUILD_TESTS=ON
if [ "${QC_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== build-fuzz: fuzz targets, ${QC_FUZZ_SECONDS:-10} s each on the committed corpus"
  t=$(date +%s)
  scripts/fuzz.sh ci "${QC_FUZZ_SECONDS:-10}"
  stage_done "fuzz" "$t"
fi
if [ "${QC_SKIP_SANITIZERS:-0}" != "1" ]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DQC_SANITIZE=ON -DQC_BUILD_TESTS=ON
fi
if [ "${QC_SKIP_SANITIZERS:-0}" != "1" ] && [ "${QC_SKIP_TSAN:-0}" != "1" ]; then
  t=$(date +%s)
  scripts/tsan.sh
  stage_done "tsan" "$t"
fi
