#!/usr/bin/env bash
# A/B of two gateway builds, or of one build under two environments: both gateways stand in front of one fixture
# upstream and are loaded at the same time, round after round, so a drift of the host weighs on both alike. Prints
# each round's CPU and allocation per call of each gateway, their CPU ratio (B / A), calls/s and p99, then the median
# ratio.
#
#   bench/ab.sh [--rounds 5] [--clients 16] [--seconds 10] [--policy | --policy-b] [--stdio] [--protocol V] [--env-a 'K=V ...'] [--env-b 'K=V ...']
#               [--config-a '"member": JSON'] [--config-b '"member": JSON'] A_DLL [B_DLL]
#
# A_DLL and B_DLL are built gateways (artifacts/bin/Portcullis/release/portcullis.dll, or a copy of an older build);
# B_DLL defaults to A_DLL, for comparing environments (--env-b 'DOTNET_gcServer=0'). --policy loads the full-policy
# configuration of row (c) instead of the bare pass-through of row (b), --policy-b on side B only (B / A is then the full
# policy's cost against the pass-through's, measured side by side); --stdio has each gateway start the fixture over stdio
# (its own child) instead of sharing the fixture over HTTP; --protocol 2025-11-25 has the clients open sessions
# (the handshake of the end-to-end stdio rows) instead of the SDK's default stateless revision; --config-a/--config-b add top-level members to
# one side's configuration (--config-b '"audit": {"sink": "none"}' prices the audit trail). Needs a Release build of the load tool and the
# fixture: dotnet build bench/Portcullis.LoadTest -c Release.
set -euo pipefail

rounds=5 clients=16 seconds=10 policy=0 policy_b=0 stdio=0 protocol="" env_a="" env_b="" config_a="" config_b=""
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --policy) policy=1 policy_b=1; shift ;;
    --policy-b) policy_b=1; shift ;;
    --stdio) stdio=1; shift ;;
    --protocol) protocol=$2; shift 2 ;;
    --env-a) env_a=$2; shift 2 ;;
    --env-b) env_b=$2; shift 2 ;;
    --config-a) config_a=$2; shift 2 ;;
    --config-b) config_b=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -ge 1 ]] || { sed -n '2,/^[^#]/{/^#/p}' "$0" >&2; exit 2; }
a_dll=$(realpath "$1") b_dll=$(realpath "${2:-$1}")

root=$(cd "$(dirname "$0")/.." && pwd)
load="$root/artifacts/bin/Portcullis.LoadTest/release/Portcullis.LoadTest.dll"
fixture="$root/artifacts/bin/Portcullis.Fixtures.Upstream/release/Portcullis.Fixtures.Upstream.dll"
for f in "$load" "$fixture" "$a_dll" "$b_dll"; do [[ -f $f ]] || { echo "missing $f (dotnet build bench/Portcullis.LoadTest -c Release)" >&2; exit 2; }; done

work=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-ab-XXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Waits for "listening on URL" (the fixture's first words once bound, the gateway's "Portcullis is listening on URL"; not
# its admin plane's) in a log and prints the URL.
listening() {
  for _ in $(seq 1 300); do
    if url=$(grep -o -m1 -E '(^|is )listening on http://[0-9.:]*' "$1" 2>/dev/null); then echo "${url##*listening on }"; return; fi
    sleep 0.1
  done
  echo "no address in $1" >&2; exit 1
}

if [[ $stdio == 1 ]]; then
  upstream_json="{\"command\":\"dotnet\",\"args\":[\"$fixture\"]}"
else
  dotnet "$fixture" --http http://127.0.0.1:0 >"$work/fixture.log" 2>&1 &
  pids+=($!)
  upstream_json="{\"url\":\"$(listening "$work/fixture.log")/mcp\"}"
fi

# Writes the config of one side: the pass-through of row (b), or the full policy of row (c) when its third argument is 1.
config() {
  local path=$1 extra=${2:+$2,}
  if [[ ${3:-0} == 1 ]]; then
    cat >"$path" <<EOF
{"environment":"bench","listen":"http://127.0.0.1:0",$extra"identity":{"dev":true},
 "connectors":[{"server":"echo","environment":"bench","upstream":$upstream_json,
  "auth":{"mode":"oauth","scopes":["echo:read"]},"rate_limit":{"permits":1000000,"window_seconds":1},
  "tools_allow":["echo"],"tools":{"echo":{"scopes":["echo:read"],"read_only":true,
  "input_schema":{"properties":{"text":{"maxLength":100}}}}}}]}
EOF
  else
    cat >"$path" <<EOF
{"environment":"bench","listen":"http://127.0.0.1:0",$extra
 "connectors":[{"server":"echo","environment":"bench","upstream":$upstream_json,"auth":{"mode":"none"},
  "tools_allow":["echo"],"tools":{"echo":{"read_only":true}}}]}
EOF
  fi
}

declare -A pid url token
for side in a b; do
  dll=$a_dll environment=$env_a extra=$config_a full=$policy
  [[ $side == b ]] && dll=$b_dll environment=$env_b extra=$config_b full=$policy_b
  mkdir -p "$work/$side/data"
  config "$work/$side/portcullis.json" "$extra" "$full"
  # shellcheck disable=SC2086
  env $environment dotnet "$dll" serve --config "$work/$side/portcullis.json" --data-dir "$work/$side/data" >"$work/$side/gateway.log" 2>&1 &
  pid[$side]=$!
  pids+=($!)
  base=$(listening "$work/$side/gateway.log")
  url[$side]="$base/mcp/echo"
  for _ in $(seq 1 900); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
  token[$side]=""
  if [[ $full == 1 ]]; then
    token[$side]=$(dotnet "$dll" token --config "$work/$side/portcullis.json" --data-dir "$work/$side/data" --listen "$base" --connector echo --scopes echo:read | tail -n 1)
  fi
done

# One side's load for a round: prints "CPU-ms/call KiB/call calls/s p99-ms", or stops the script when the load tool
# reports no result or any error.
measure() {
  local side=$1 warmup=$2 line fields
  local args=(--target "${url[$side]}" --pid "${pid[$side]}" --clients "$clients" --seconds "$seconds" --warmup "$warmup" --settle 0)
  [[ -n ${token[$side]} ]] && args+=(--token "${token[$side]}")
  [[ -n $protocol ]] && args+=(--protocol "$protocol")
  line=$(dotnet "$load" "${args[@]}" | tail -n 1)
  fields=$(sed -n 's/^\([0-9]*\) calls\/s,.* p99 \([0-9.]*\) ms, CPU \([0-9.]*\) ms\/call, alloc \([0-9.]*\) KiB\/call.*errors 0 *$/\3 \4 \1 \2/p' <<<"$line")
  if [[ -z $fields ]]; then
    echo "side $side: no clean result: $line (gateway log: $work/$side/gateway.log)" >&2
    return 1
  fi
  echo "$fields"
}

label() { [[ $1 == 1 ]] && echo "(full policy)"; true; }
echo "A: $a_dll $(label "$policy") ${env_a:+($env_a)} ${config_a:+($config_a)}"
echo "B: $b_dll $(label "$policy_b") ${env_b:+($env_b)} ${config_b:+($config_b)}"
echo "round  A cpu ms  B cpu ms  B/A cpu  A KiB  B KiB  A calls/s  B calls/s  A p99 ms  B p99 ms"
ratios=()
for round in $(seq 1 "$rounds"); do
  # The first round warms both processes up (they settle after 30-50 s under load); later rounds need only new clients.
  warmup=3
  [[ $round == 1 ]] && warmup=45
  measure a "$warmup" >"$work/a.out" & ma=$!
  measure b "$warmup" >"$work/b.out" & mb=$!
  wait "$ma" || exit 1
  wait "$mb" || exit 1
  read -r ca ka ta pa <"$work/a.out"
  read -r cb kb tb pb <"$work/b.out"
  ratio=$(awk -v a="$ca" -v b="$cb" 'BEGIN { printf "%.3f", b / a }')
  ratios+=("$ratio")
  printf '%5s  %8s  %8s  %7s  %5s  %5s  %9s  %9s  %8s  %8s\n' "$round" "$ca" "$cb" "$ratio" "$ka" "$kb" "$ta" "$tb" "$pa" "$pb"
done
printf 'median B/A CPU per call: %s\n' "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
