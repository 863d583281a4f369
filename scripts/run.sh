#!/usr/bin/env bash
# Installs what is needed, builds, and starts the broker on its demo defaults
# (conf/quotecast.ini: 127.0.0.1:8080, header auth, data under ./data).
# Extra arguments go to the broker, e.g. scripts/run.sh --port=9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQC_BUILD_TESTS=OFF >/dev/null
cmake --build build -j2 --target quotecast
exec build/apps/quotecast "$@"
