#!/usr/bin/env bash
# loadgen.smoke: start a broker on a free port, drive it with quotecast-loadgen for a
# few seconds in fanout mode (200 clients x 5 of 10 symbols, 200 ticks/s), then in rooms
# mode (300 clients x 3 of 20 rooms, 300 room messages/s), check each JSON summary (no
# loss, no failed connection, no refused publish, deliveries seen), and stop the broker.
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

# An empty configuration: no simulated feed; publish and room_message events are not
# rate limited (the publisher sends more than the default 100 events/s); every client
# comes from 127.0.0.1, so the per-address cap is off as in bench/run.
"$broker_bin" --port=0 --data-dir="$work/data" --config-file=/dev/null \
  --limits.events-per-second=1000000 --limits.max-connections-per-address=0 >"$work/broker.out" 2>"$work/broker.err" &
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

# run_loadgen <label> <clients> <args...>: one run, then its summary checked.
run_loadgen() {
  local label=$1 clients=$2
  shift 2
  "$loadgen_bin" --url="http://127.0.0.1:$port" --clients="$clients" --server-pid="$broker_pid" \
    --progress-interval=0 --output="$work/$label.json" "$@" >/dev/null \
    || { echo "quotecast-loadgen $label failed (exit $?):" >&2; cat "$work/$label.json" >&2 || true; exit 1; }
  "$cmake_bin" -DSUMMARY="$work/$label.json" -DCLIENTS="$clients" -DLABEL="$label" -P "$check_script"
}

run_loadgen fanout 200 --mode=fanout --symbols=10 --per-client=5 --rate=200 --duration=3 --warmup=1 --drain=10
run_loadgen rooms 300 --mode=rooms --rooms=20 --per-client=3 --rate=300 --duration=2 --warmup=0.5 --drain=10

# The broker must still be alive after the run, and stop cleanly.
kill -0 "$broker_pid"
kill -TERM "$broker_pid"
wait "$broker_pid"
broker_pid=
echo "loadgen smoke: ok"
