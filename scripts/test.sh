#!/usr/bin/env bash
# Runs every test of the repository. Installs or starts what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-node-tools.sh
bash scripts/install-test-deps.sh
dotnet build Portcullis.slnx -c Debug -nologo -clp:ErrorsOnly
# Tests send the gateway SIGHUP, SIGINT and SIGTERM and expect what an operator sees. A signal ignored here (nohup
# ignores SIGHUP, a background job of a script SIGINT) stays ignored in every process started below; restore them all.
env --default-signal dotnet test Portcullis.slnx -c Debug --no-build -nologo "$@"
