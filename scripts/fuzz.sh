#!/usr/bin/env bash
# Fuzzes the connection-string parser (fuzz/fuzz_targets/parse.rs, whose
# property is fuzz/property.rs) for N seconds (default 60), starting from the
# committed seeds (fuzz/seeds) and the corpus of earlier runs
# (fuzz/corpus/parse, ignored by git; new inputs go there). A crash leaves
# its input in fuzz/artifacts and fails. The test suite replays the corpus.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
secs=${1:-60}
mkdir -p fuzz/corpus/parse
cd fuzz
# cargo-fuzz needs nightly-only flags (sanitizers); the stable toolchain
# allows them under RUSTC_BOOTSTRAP, scoped to this build.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
RUSTC_BOOTSTRAP=1 cargo fuzz run parse corpus/parse seeds -- -max_total_time="$secs" -max_len=512 -print_final_stats=1 >"$log" 2>&1 || rc=$?
grep -E "^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|SUMMARY|==[0-9]+==ERROR)" "$log" || true
if [ "$rc" -ne 0 ]; then
  tail -40 "$log"
  echo "fuzz: the parser's property failed (input saved in fuzz/artifacts/parse)" >&2
fi
exit "$rc"
