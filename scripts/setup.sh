#!/usr/bin/env bash
# Installs everything quotecast needs to build and test on Debian 12, as root.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(g++ cmake make pkg-config libcaf-dev libboost-dev rapidjson-dev libsqlitecpp-dev
      libsqlite3-dev doctest-dev libjwt-dev libssl-dev nodejs curl ca-certificates
      clang-14 libfuzzer-14-dev) # the fuzz targets (scripts/fuzz.sh)
# npm comes with nodesource's nodejs; Debian's own nodejs needs the separate package.
command -v npm >/dev/null 2>&1 || debs+=(npm)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The external client checks use the official socket.io-client from npm.
lock=tests/conformance/package-lock.json
stamp=tests/conformance/node_modules/.qc-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
  echo "setup: installing tests/conformance npm packages"
  npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error >/dev/null
  cp "$lock" "$stamp"
fi
