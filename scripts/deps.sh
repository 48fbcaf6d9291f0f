#!/usr/bin/env bash
# Installs what trimeter needs on Debian 12, idempotently and quietly when
# everything is already present. Called by `make run`, `make test`, `make bench`.
# Usage: scripts/deps.sh [base|all]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(cmake make gcc g++ libc6-dev ninja-build pkg-config
      libcmocka-dev libcjson-dev libsndfile1-dev libmbedtls-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
      clang-14 libclang-rt-14-dev llvm-14
      valgrind socat tmux python3 python3-matplotlib python3-cryptography
      mosquitto mosquitto-clients libmosquitto-dev)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm test dependencies (interop clients) go to an ignored cache folder.
npm_dir="$here/.cache/node"
if [ -f "$here/scripts/npm-deps.txt" ] && command -v npm >/dev/null 2>&1; then
  want=$(grep -v '^#' "$here/scripts/npm-deps.txt" | tr '\n' ' ')
  stamp="$npm_dir/.stamp"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    mkdir -p "$npm_dir"
    echo "deps: npm install $want" >&2
    # node-mbus builds its bundled libmbus with node-gyp: against the
    # installed Node.js headers (nodedir=/usr), nothing downloaded.
    # shellcheck disable=SC2086
    (cd "$npm_dir" && npm_config_nodedir=/usr npm install --no-audit --no-fund --loglevel=error --prefix "$npm_dir" $want >/dev/null)
    echo "$want" > "$stamp"
  fi
fi
