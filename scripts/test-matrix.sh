#!/usr/bin/env bash
# The probe and access suites against PostgreSQL majors other than the
# system's: `npm run test:matrix` runs all six (13-18); `npm test` runs
# `scripts/test-matrix.sh 13 18` (the oldest and the newest; the system's
# is the main run). Each major's server comes from scripts/pg-major.sh.
# Prints one line per major and writes test-output/matrix.md.
# Usage: scripts/test-matrix.sh [MAJOR...]
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
majors=("$@")
[ ${#majors[@]} -eq 0 ] && majors=(13 14 15 16 17 18)
# The suites whose behaviour depends on the server. access_fixture uses
# pg_read_all_data, which exists from 14.
suites=(pg_versions probe_direct_tls probe_ssl_modes probe_behaviour probe_failures probe_hostile probe_trust_store access_bulk cdc_oracle destination_oracle)
mkdir -p test-output
out=test-output/matrix.md
{
  echo "| major | server | suites | tests passed | failed | result |"
  echo "|---|---|---|---|---|---|"
} > "$out"
status=0
for major in "${majors[@]}"; do
  bindir=$(scripts/pg-major.sh "$major") || { echo "| $major | (not fetched) | | | | FAIL |" >> "$out"; status=1; continue; }
  version=$("$bindir/postgres" --version | awk '{print $NF}')
  these=("${suites[@]}")
  [ "$major" -ge 14 ] && these+=(access_fixture)
  args=()
  for s in "${these[@]}"; do args+=(--test "$s"); done
  echo "== PostgreSQL $version ($bindir)"
  log=test-output/matrix-$major.log
  # Skipped here, run in the main suite on the system's server: a streaming
  # standby needs pg_basebackup of the same major (the packages ship only
  # the server), and PgBouncer is the system's.
  SLUICE_PG_BINDIR=$bindir scripts/with-keyring.sh cargo test --no-fail-fast -p sluice-core "${args[@]}" -- \
    --skip hot_standby_reports_in_recovery --skip read_only_sessions_are_not_ready_destinations --skip through_pgbouncer --skip cdc_on_a_standby > "$log" 2>&1
  rc=$?
  passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
  failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
  result=ok
  if [ $rc -ne 0 ] || [ "$passed" -eq 0 ]; then result=FAIL; status=1; grep -E "panicked|^test .* FAILED" "$log" | head -20; fi
  echo "PostgreSQL $version: $passed passed, $failed failed ($result)"
  echo "| $major | $version | ${#these[@]} | $passed | $failed | $result |" >> "$out"
done
cat "$out"
exit $status
