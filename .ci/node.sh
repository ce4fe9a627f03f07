#!/usr/bin/env bash
# Puts Node.js 22 LTS first on PATH for the rest of .ci/run: users run Node 22 or newer
# (Electron 45 and @electron/* require >= 22.12), whatever Node the machine came with.
# The npm registry's node-<os>-<arch> package is the official Node build, headers included,
# so native modules (keytar) build against the Node that runs them.
set -euo pipefail

node_major=22
node_home="${TMPDIR:-/tmp}/desktop-login-ci-node-${node_major}"
if [ ! -x "$node_home/package/bin/node" ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "No Node ${node_major} package for $(uname -m)" >&2; exit 1 ;;
  esac
  rm -rf "$node_home" && mkdir -p "$node_home"
  tarball=$(cd "$node_home" && npm pack --silent "node-linux-${arch}@${node_major}")
  tar -xzf "$node_home/$tarball" -C "$node_home"
  # Only `node` goes on PATH: the machine's npm keeps running, now on Node 22.
  mkdir -p "$node_home/bin" && ln -sf ../package/bin/node "$node_home/bin/node"
fi
export PATH="$node_home/bin:$PATH"
export npm_config_nodedir="$node_home/package"
