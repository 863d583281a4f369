#!/usr/bin/env bash
# ThreadSanitizer run: builds the broker, the integration tests and the load generator
# with -fsanitize=thread (build-tsan, -DQC_TSAN=ON), then runs the integration tests and
# the loadgen smoke run (tests/loadgen/smoke.sh) under it. Every report of every
# process (brokers the tests start, the test binary, loadgen) goes to one log
# directory; the run fails if a test fails or any report is not suppressed
# (tests/tsan.supp says why each suppression is there).
#
# usage: scripts/tsan.sh [doctest filters for the integration tests, e.g. -tc='/stats*']
# env:   QC_TSAN_BUILD_DIR (build-tsan), QC_TSAN_LOG_DIR (<build dir>/tsan-logs),
#        QC_TSAN_JOBS (2)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${QC_TSAN_BUILD_DIR:-build-tsan}
logs=${QC_TSAN_LOG_DIR:-$build/tsan-logs}
jobs=${QC_TSAN_JOBS:-2}

start=$(date +%s)
echo "== tsan: configure and build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQC_TSAN=ON -DQC_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j"$jobs" --target quotecast qc_integration_tests quotecast-loadgen
built=$(date +%s)

rm -rf "$logs"
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)
# halt_on_error=0: collect every report of a run, not just the first. exitcode=66: a
# process with reports exits non-zero, so the smoke run notices too. The log files
# are the record: log_path gives one file per process (tsan.<pid>).
export TSAN_OPTIONS="suppressions=$root/tests/tsan.supp halt_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4 log_path=$logs/tsan ${TSAN_OPTIONS:-}"

failed=0
echo "== tsan: integration tests"
"$build/tests/integration/qc_integration_tests" "$@" || { echo "integration tests failed (exit $?)"; failed=1; }
tested=$(date +%s)

echo "== tsan: loadgen smoke"
# Under TSan the broker is 5-15x slower: the smoke run's checks (no loss, every client
# connected) stay as they are; only the wall clock stretches.
tests/loadgen/smoke.sh "$build/apps/quotecast" "$build/apps/quotecast-loadgen" \
  tests/loadgen/check_summary.cmake "$(command -v cmake)" || { echo "loadgen smoke failed (exit $?)"; failed=1; }
done_at=$(date +%s)

reports=$(cat "$logs"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
processes=$(ls "$logs" | grep -c '^tsan\.' || true)
echo "== tsan: build $((built - start)) s, integration tests $((tested - built)) s, smoke $((done_at - tested)) s, total $((done_at - start)) s"
echo "== tsan: $reports unsuppressed report(s) in $processes log file(s) under $logs"
if [ "$reports" != "0" ]; then
  # One line per distinct report: its kind and the frame it names.
  cat "$logs"/tsan.* | grep -E '^SUMMARY: ThreadSanitizer' | sort | uniq -c | sort -rn | head -40
  failed=1
fi
exit $failed
