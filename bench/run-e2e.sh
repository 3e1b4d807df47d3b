#!/usr/bin/env bash
# The end-to-end comparison in one command: builds Release, installs the pinned peers (mcp-proxy,
# supergateway) and prints the table; with --out FILE it also writes the table there.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build bench/Portcullis.LoadTest -c Release -nologo -clp:ErrorsOnly
(cd bench && npm ci --no-audit --no-fund --loglevel=error)
exec dotnet artifacts/bin/Portcullis.LoadTest/release/Portcullis.LoadTest.dll "$@"
