#!/usr/bin/env bash
# Installs the Debian packages of the servers the tests start by themselves: redis-server, nginx-light,
# PostgreSQL 15 (initdb/postgres) when it is not already on the machine, and chromium for the admin console's
# browser tests (driven by Playwright with the browser's path: no browser download). Does nothing when all are present.
# Package scripts are kept from starting system services: the tests run their own servers in temp dirs.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  missing+=(postgresql-15)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing test servers and browser: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

# policy-rc.d answering 101 tells the packages' scripts not to start their services.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  added_policy=1
fi
trap '[ "$added_policy" -eq 1 ] && $sudo rm -f "$policy"' EXIT

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
