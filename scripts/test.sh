#!/usr/bin/env bash
# Runs every test of the repository. Installs or starts what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-node-tools.sh
bash scripts/install-test-deps.sh
dotnet build Portcullis.slnx -c Debug -nologo -clp:ErrorsOnly
dotnet test Portcullis.slnx -c Debug --no-build -nologo "$@"
