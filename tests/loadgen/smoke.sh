#!/usr/bin/env bash
# loadgen.smoke: start a broker on a free port, drive it with quotecast-loadgen for a
# few seconds (200 clients x 5 of 10 symbols, 200 ticks/s), check the JSON summary
# (no loss, no failed connection, deliveries seen), and stop the broker.
#
# usage: smoke.sh <quotecast> <quotecast-loadgen> <check_summary.cmake> <cmake>
set -euo pipefail
broker_bin=$1 loadgen_bin=$2 check_script=$3 cmake_bin=$4

work=$(mktemp -d "${TMPDIR:-/tmp}/qc-loadgen-smoke.XXXXXX")
broker_pid=
cleanup() {
  if [[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# An empty configuration: no simulated feed; publish events are not rate limited.
"$broker_bin" --port=0 --data-dir="$work/data" --config-file=/dev/null \
  --limits.events-per-second=1000000 >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!

port=
for _ in $(seq 300); do
  if line=$(grep -m1 -o 'quotecast listening on [0-9.]*:[0-9]*' "$work/broker.out" 2>/dev/null); then
    port=${line##*:}
    break
  fi
  kill -0 "$broker_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "the broker did not start:" >&2
  cat "$work/broker.err" >&2
  exit 1
fi
echo "broker pid $broker_pid on port $port"

"$loadgen_bin" --url="http://127.0.0.1:$port" --mode=fanout --clients=200 --symbols=10 \
  --per-client=5 --rate=200 --duration=3 --warmup=1 --drain=10 --server-pid="$broker_pid" \
  --output="$work/summary.json" || { echo "quotecast-loadgen failed (exit $?)" >&2; exit 1; }

"$cmake_bin" -DSUMMARY="$work/summary.json" -P "$check_script"

# The broker must still be alive after the run, and stop cleanly.
kill -0 "$broker_pid"
kill -TERM "$broker_pid"
wait "$broker_pid"
broker_pid=
echo "loadgen smoke: ok"
