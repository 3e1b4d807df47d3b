#!/usr/bin/env bash
# Builds Portcullis (which builds the sample CRM too), then serves the CRM through the gateway on http://127.0.0.1:8080.
# Extra arguments go to `portcullis serve`, such as --listen URL or --data-dir DIR (pass the same ones to `token`).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "Building Portcullis and the sample CRM (the first build restores packages and takes a few minutes) ..." >&2
dotnet build src/Portcullis -c Debug -nologo -clp:ErrorsOnly
cat >&2 <<'TXT'

Portcullis is starting in front of the sample CRM: http://127.0.0.1:8080/mcp/crm-mcp
Get a token in another terminal (the token is the last line):
  dotnet artifacts/bin/Portcullis/debug/portcullis.dll token --config samples/crm/portcullis.json \
      --connector crm-mcp --scopes contacts:read,notes:read,notes:write

TXT
exec dotnet artifacts/bin/Portcullis/debug/portcullis.dll serve --config samples/crm/portcullis.json "$@"
