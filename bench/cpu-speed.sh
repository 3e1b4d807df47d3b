#!/usr/bin/env bash
# How much fixed work one CPU second buys on this machine right now: PARALLEL copies (default: one per core) of
# the same awk loop, ROUNDS times; each line is one round, the copies' million loop iterations per CPU second.
# On a shared VM the figure moves with the host's contention, and every CPU-per-call figure of run-e2e.sh moves
# with it (see docs/benchmarks.md, The machine).
#
#   bench/cpu-speed.sh [PARALLEL [ROUNDS]]
set -euo pipefail
parallel=${1:-$(nproc)}
rounds=${2:-10}

one() {
  local TIMEFORMAT='%U %S'
  { time awk 'BEGIN { for (i = 0; i < 1e8; i++) s += i }'; } 2>&1 | awk '{ printf "%.1f ", 100 / ($1 + $2) }'
}

for _ in $(seq "$rounds"); do
  for _ in $(seq "$parallel"); do one & done
  wait
  echo
done
