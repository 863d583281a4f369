#!/usr/bin/env bash
# Installs what is needed, builds, and starts the broker on its demo defaults
# (conf/quotecast.ini: 127.0.0.1:8080, auth.mode=optional, data under ./data).
# The first run makes the demo's JWT secret, ./data/dev-jwt.secret, with quotecast-token;
# mint tokens with build/apps/quotecast-token (README "Try it").
# Extra arguments go to the broker, e.g. scripts/run.sh --port=9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQC_BUILD_TESTS=OFF >/dev/null
cmake --build build -j2 --target quotecast quotecast-token
secret=./data/dev-jwt.secret
if [ ! -f "$secret" ]; then
  mkdir -p ./data
  build/apps/quotecast-token --new-secret "$secret"
fi
exec build/apps/quotecast "$@"
