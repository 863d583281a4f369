#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14, ASan and UBSan in build-fuzz/,
# and runs them.
#
#   scripts/fuzz.sh ci [SECONDS]             every target for SECONDS (default 10) on the
#                                            committed corpus; fails on any crash
#   scripts/fuzz.sh long SECONDS [TARGET..]  each target (default all) for SECONDS, growing
#                                            a working corpus in build-fuzz/corpus/<target>
#                                            (seeded from tests/fuzz/corpus); prints runs,
#                                            time and corpus size per target
#   scripts/fuzz.sh build                    only build
#
# Crash inputs land in build-fuzz/artifacts/. Reproduce one with
#   build-fuzz/tests/fuzz/<target> build-fuzz/artifacts/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-ci}
build=build-fuzz
targets_all=(fuzz_websocket_frames fuzz_engineio fuzz_socketio fuzz_json fuzz_client_events
             fuzz_ws_json fuzz_recovery fuzz_publish_body fuzz_csv_rows fuzz_http_checks
             fuzz_jwt fuzz_rbac_policy)

# The dictionaries each target gets (libFuzzer takes one file: they are concatenated).
dicts_for() {
  case $1 in
    fuzz_websocket_frames) echo websocket ;;
    fuzz_engineio) echo engineio ;;
    fuzz_socketio) echo "socketio events json" ;;
    fuzz_json) echo json ;;
    fuzz_client_events | fuzz_ws_json | fuzz_publish_body) echo "events json" ;;
    fuzz_recovery) echo "socketio engineio json" ;;
    fuzz_csv_rows) echo "csv json" ;;
    fuzz_http_checks) echo http ;;
    fuzz_jwt) echo "jwt json" ;;
    fuzz_rbac_policy) echo rbac ;;
  esac
}

build_targets() {
  echo "== $build: configure and build the fuzz targets"
  local launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$build" -DQC_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
  cmake --build "$build" -j2
  mkdir -p "$build/artifacts" "$build/dicts"
  for t in "${targets_all[@]}"; do
    : >"$build/dicts/$t.dict"
    for d in $(dicts_for "$t"); do cat "tests/fuzz/dict/$d.dict" >>"$build/dicts/$t.dict"; done
  done
}

# run_target TARGET SECONDS CORPUS_DIR...: one libFuzzer run; prints a summary line.
run_target() {
  local t=$1 secs=$2; shift 2
  local log="$build/logs/$t.log"
  mkdir -p "$build/logs"
  local status=0 started=$SECONDS
  "$build/tests/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -dict="$build/dicts/$t.dict" \
      -artifact_prefix="$build/artifacts/$t-" "$@" >"$log" 2>&1 || status=$?
  local runs
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  printf '%-24s exit %-3s runs %-10s seconds %-5s corpus %s\n' "$t" "$status" "$runs" \
         "$((SECONDS - started))" \
         "$(ls "$1" | wc -l)"
  if [ "$status" != 0 ]; then
    echo "---- $t failed; the end of its log ($log):"
    tail -n 40 "$log"
  fi
  return "$status"
}

case $mode in
  build)
    build_targets
    ;;
  ci)
    secs=${2:-10}
    build_targets
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
    failed=()
    for t in "${targets_all[@]}"; do
      # New inputs go to a scratch directory: the committed corpus is only read.
      scratch=$(mktemp -d)
      run_target "$t" "$secs" "$scratch" "tests/fuzz/corpus/$t" || failed+=("$t")
      rm -rf "$scratch"
    done
    if [ ${#failed[@]} -gt 0 ]; then
      echo "== fuzzing found crashes in: ${failed[*]} (inputs in $build/artifacts/)"
      exit 1
    fi
    echo "== fuzzing: no crashes"
    ;;
  long)
    secs=${2:?usage: scripts/fuzz.sh long SECONDS [TARGET...]}
    shift 2
    targets=("$@")
    [ ${#targets[@]} -gt 0 ] || targets=("${targets_all[@]}")
    build_targets
    status=0
    for t in "${targets[@]}"; do
      mkdir -p "$build/corpus/$t"
      cp -n "tests/fuzz/corpus/$t"/* "$build/corpus/$t/"
      run_target "$t" "$secs" "$build/corpus/$t" || status=1
    done
    exit "$status"
    ;;
  *)
    echo "usage: scripts/fuzz.sh ci [SECONDS] | long SECONDS [TARGET...] | build" >&2
    exit 2
    ;;
esac
