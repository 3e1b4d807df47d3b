#!/usr/bin/env bash
# Builds Portcullis and the sample CRM, then serves the CRM through the gateway on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build Portcullis.slnx -c Debug -nologo -clp:ErrorsOnly
exec dotnet artifacts/bin/Portcullis/debug/portcullis.dll serve --config samples/crm/portcullis.json "$@"
