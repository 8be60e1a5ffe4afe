#!/usr/bin/env bash
# Proves that a change left the simulation alone: runs the same scenarios with a reference daisd
# and the one under test, and compares the log head hashes, which cover every event byte
# (docs/LOG_FORMAT.md). Any difference in any event of any run changes its head.
#
#   scripts/heads_unchanged.sh REFERENCE_DAISD [DAISD]
#     REFERENCE_DAISD  daisd built from the commit to compare against (e.g. /tmp/before4/daisd)
#     DAISD            daisd under test (default build/release/bin/daisd)
#
# Scenarios: the realistic default (20 agents, 60 steps) with 1 and 2 threads, the classroom
# preset, crashes, Byzantine agents of every adversary kind, and /24 signatures. Prints one line
# per scenario and exits 0 when every head matches, 1 when any differs, 2 on bad usage.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 REFERENCE_DAISD [DAISD]" >&2
  exit 2
fi
reference=$1
candidate=${2:-$(dirname "$0")/../build/release/bin/daisd}
for binary in "$reference" "$candidate"; do
  if [[ ! -x $binary ]]; then
    echo "$0: $binary is not an executable daisd" >&2
    exit 2
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# name | daisd arguments after the common ones
scenarios=(
  "realistic, 1 thread|--threads 1"
  "realistic, 2 threads|--threads 2"
  "classroom|--threads 2 --set simulation.scenario=classroom"
  "crash_rate 0.1|--threads 2 --set faults.crash_rate=0.1"
  "byzantine 0.3 forge|--threads 2 --set faults.byzantine_fraction=0.3 --set faults.adversary=forge"
  "byzantine 0.3 framing|--threads 2 --set faults.byzantine_fraction=0.3 --set faults.adversary=framing"
  "byzantine 0.3 sleeper|--threads 2 --set faults.byzantine_fraction=0.3 --set faults.adversary=sleeper --set faults.sleeper_steps=20"
  "byzantine 0.3 low_rate|--threads 2 --set faults.byzantine_fraction=0.3 --set faults.adversary=low_rate --set faults.low_rate=0.2"
  "signature_prefix 24|--threads 2 --set consensus.signature_prefix=24"
)

head_of() {  # binary, directory, arguments...
  local binary=$1 dir=$2
  shift 2
  # shellcheck disable=SC2068
  "$binary" --data "$dir" --agents 20 --steps 60 --seed 1 --quiet --summary-json "$dir.json" $@ >/dev/null
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["head_hash"])' "$dir.json"
}

status=0
index=0
for entry in "${scenarios[@]}"; do
  name=${entry%%|*}
  arguments=${entry#*|}
  index=$((index + 1))
  before=$(head_of "$reference" "$scratch/reference-$index" $arguments)
  after=$(head_of "$candidate" "$scratch/candidate-$index" $arguments)
  if [[ $before == "$after" ]]; then
    echo "same      $name: $after"
  else
    echo "DIFFERENT $name: reference $before, candidate $after"
    status=1
  fi
done
exit $status
