#!/usr/bin/env bash
# Installs what bench/run's peers need; idempotent. Run as root (apt-get).
#   python-socketio peer: Debian's python3-socketio, python3-uvicorn, python3-websockets
#   Node peer: socket.io 4.8 from bench/peers/node/package-lock.json (npm ci)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkgs=(python3-socketio python3-uvicorn python3-websockets)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" || { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
/usr/bin/python3 -c 'import socketio, uvicorn, websockets' 
command -v node >/dev/null || { echo "setup.sh: node (Node.js 20) is required" >&2; exit 1; }
cd "$here/peers/node"
if [[ ! -d node_modules/socket.io ]] || ! node -e 'process.exit(require("socket.io/package.json").version.startsWith("4.8.")?0:1)'; then
  npm ci --no-audit --no-fund
fi
echo "bench/setup.sh: peers ready (socket.io $(node -p 'require("socket.io/package.json").version'), python-socketio $(/usr/bin/python3 -c 'import socketio; print(socketio.__version__)' 2>/dev/null || dpkg-query -W -f='${Version}' python3-socketio))"
