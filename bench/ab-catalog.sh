#!/usr/bin/env bash
# 1,000 tools allowed against one, side by side: one fixture with 1,000 extra tools, two gateways of this build in
# front of it (all 1,001 tools allowed, and `echo` only), both loaded with calls of `echo` at the same time (16
# clients each, 10 s after 3 s, the first round after 45 s), round after round. Prints each round's CPU per call of
# both and their ratio: whether a call's cost depends on the size of the catalog, with the host's drift weighing on
# both sides alike (the end-to-end rows of the two measure them a minute apart).
#
#   bench/ab-catalog.sh [ROUNDS]    (default 6; needs: dotnet build bench/Portcullis.LoadTest -c Release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd); rel=$root/artifacts/bin
work=$(mktemp -d /tmp/tools-ab.XXXX)
fport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
dotnet $rel/Portcullis.Fixtures.Upstream/release/Portcullis.Fixtures.Upstream.dll --http http://127.0.0.1:$fport --extra-tools 1000 > $work/fixture.log 2>&1 &
fpid=$!
# Waits (up to 90 s) until a process's log says it is listening: the fixture's first words once bound, the gateway's
# "Portcullis is listening on".
ready() { for _ in $(seq 1 180); do grep -q "listening on" "$1" 2>/dev/null && return 0; sleep 0.5; done; echo "not ready: $1" >&2; exit 1; }
ready $work/fixture.log
for side in big small; do
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  python3 - "$side" "$fport" "$port" "$work" <<'PY'
import json,sys
side,fport,port,work=sys.argv[1:]
allow=["echo"]; tools={"echo":{"read_only":True}}
if side=="big":
    for i in range(1000):
        allow.append(f"extra_{i:04d}"); tools[f"extra_{i:04d}"]={"read_only":True}
cfg={"environment":"bench","listen":f"http://127.0.0.1:{port}","connectors":[{"server":"echo","environment":"bench","upstream":{"url":f"http://127.0.0.1:{fport}/mcp"},"auth":{"mode":"none"},"tools_allow":allow,"tools":tools}]}
json.dump(cfg,open(f"{work}/{side}.json","w"))
open(f"{work}/{side}.port","w").write(port)
PY
  dotnet $rel/Portcullis/release/portcullis.dll serve --config $work/$side.json --data-dir $work/$side-data > $work/$side.log 2>&1 &
  echo $! > $work/$side.pid
done
ready $work/big.log; ready $work/small.log
bp=$(cat $work/big.pid); sp=$(cat $work/small.pid)
load() { dotnet $rel/Portcullis.LoadTest/release/Portcullis.LoadTest.dll --target http://127.0.0.1:$(cat $work/$1.port)/mcp/echo --pid $2 --clients 16 --seconds 10 --warmup $3 > $work/$1.out 2>&1; }
for r in $(seq 1 ${1:-6}); do
  w=3; [[ $r == 1 ]] && w=45
  load big $bp $w & lp=$!; load small $sp $w; wait $lp
  b=$(grep "calls/s" $work/big.out | tail -1); s=$(grep "calls/s" $work/small.out | tail -1)
  bc=$(sed -E 's/.*CPU ([0-9.]+) ms.*/\1/' <<<"$b"); sc=$(sed -E 's/.*CPU ([0-9.]+) ms.*/\1/' <<<"$s")
  echo "round $r: 1,000 tools CPU $bc ms/call ($(cut -d, -f1 <<<"$b"), $(grep -o 'alloc [0-9.]* KiB' <<<"$b")); 1 tool $sc ($(cut -d, -f1 <<<"$s"), $(grep -o 'alloc [0-9.]* KiB' <<<"$s")); ratio $(python3 -c "print(round($bc/$sc,3))")"
done
kill $bp $sp $fpid
rm -rf "$work"
