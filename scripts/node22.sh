#!/usr/bin/env bash
# Run a command with Node 22 (WebAssembly relaxed SIMD on by default), fetched once from the npm
# registry (the node-<os>-<arch> packages hold the official binaries) into a cache directory:
#   bash scripts/node22.sh node --import tsx --test test/wasm-kernels.test.ts
#   NODE_MAJOR=24 bash scripts/node22.sh node --version
# `node` (and npx/npm) on the command's PATH is then that Node. Cache: $BACKPROP_NODE_CACHE, else
# node_modules/.cache/node<major>. Only `npm pack` touches the network, and only on the first run.
set -euo pipefail
major="${NODE_MAJOR:-22}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${BACKPROP_NODE_CACHE:-$root/node_modules/.cache/node$major}"
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "node22.sh: no npm Node package for $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node22.sh: no npm Node package for $(uname -m)" >&2; exit 1 ;;
esac
bin="$cache/package/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$cache"
  tarball="$(cd "$cache" && npm pack --silent "node-$os-$arch@$major" | tail -n 1)"
  tar -xzf "$cache/$tarball" -C "$cache"
  rm -f "$cache/$tarball"
  # The package ships npm's entry points as files next to node; make sure node runs.
  chmod +x "$bin/node"
fi
if [ "$#" -eq 0 ]; then
  "$bin/node" --version
  exit 0
fi
PATH="$bin:$PATH" exec "$@"
