#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz) for longer than ctest does:
#   scripts/fuzz.sh [seconds per target, default 3600] [target ...]
# Builds the fuzz preset (clang, ASan, UBSan) first. Each target starts from its seed corpus
# (tests/fuzz/corpus/<target>/, only read) and what earlier runs found (build/fuzz/tests/fuzz/found/<target>/,
# where new inputs go). A crash, leak, timeout or sanitizer report stops that target and leaves
# the input in build/fuzz/tests/fuzz/artifacts/; add it to the seed corpus once fixed.
# Prints each target's executions and coverage (libFuzzer's cov: and ft:) at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
seconds="${1:-3600}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "fuzz.sh: seconds must be a positive whole number, got '$seconds'" >&2
  exit 2
fi
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(http_request event_entry config stream_message); fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --parallel "$(nproc)"

out=build/fuzz/tests/fuzz
status=0
for t in "${targets[@]}"; do
  if [[ ! -x "build/fuzz/bin/fuzz_$t" ]]; then
    echo "fuzz.sh: no fuzz target '$t' (have: http_request event_entry config stream_message)" >&2
    exit 2
  fi
  mkdir -p "$out/found/$t" "$out/artifacts"
  echo "== fuzz_$t for ${seconds}s"
  if ! "build/fuzz/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t-" "$out/found/$t" "tests/fuzz/corpus/$t" 2>"$out/$t.log"; then
    echo "fuzz_$t FOUND A PROBLEM: see $out/$t.log and $out/artifacts/" >&2
    status=1
  fi
  grep -E "^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$out/$t.log" || true
done
exit "$status"
