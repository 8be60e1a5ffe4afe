#!/usr/bin/env bash
# The measurements behind docs/SCALING.md: for P = 1..MAX_P, one daisd with P threads and
# mpirun -np P daisd with one thread per rank, on the same run; prints each run's speed, its
# head hash (all must be equal) and, for MPI, what crossed ranks per step.
#   scripts/mpi_scaling.sh [agents=1000] [steps=20] [max_p=4]
# P above the machine's cores is oversubscribed (mpirun --oversubscribe): ranks then share cores.
set -euo pipefail
AGENTS=${1:-1000}
STEPS=${2:-20}
MAX_P=${3:-4}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/release/bin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Open MPI refuses root unless told; set here for these runs only.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
RUN=(--agents "$AGENTS" --steps "$STEPS" --seed 1 --set store.sync=none --quiet)

report() {  # label, output file, seconds
  local speed head mpi
  speed=$(grep -o 'speed: [0-9.]* agent-steps/s' "$2" | grep -o '[0-9.]*' | head -1)
  head=$(grep '^run:' "$2" | awk '{print $NF}')
  mpi=$(grep -o 'MPI .*' "$2" || true)
  printf '%-22s wall %6.1f s  %8s agent-steps/s  head %s  %s\n' "$1" "$3" "$speed" "${head:0:16}" "$mpi"
}

for p in $(seq 1 "$MAX_P"); do
  start=$(date +%s.%N)
  "$BIN/daisd" --data "$WORK/t$p" --threads "$p" "${RUN[@]}" >"$WORK/t$p.out" 2>&1
  report "1 rank x $p threads" "$WORK/t$p.out" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')"
  start=$(date +%s.%N)
  mpirun --oversubscribe -np "$p" "$BIN/daisd" --data "$WORK/r$p" --threads 1 "${RUN[@]}" >"$WORK/r$p.out" 2>&1
  report "$p ranks x 1 thread" "$WORK/r$p.out" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')"
done
