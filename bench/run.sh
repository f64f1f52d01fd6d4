#!/usr/bin/env bash
# `npm run bench`: builds the release binaries, runs the benchmarks, prints a
# table and rewrites docs/PERFORMANCE.md (figures kept in bench/out/*.json).
#
#   bash bench/run.sh                 # every section: catalog rtt direct tunnel sqlx size app, then the report
#   bash bench/run.sh catalog rtt     # some sections, then the report
#   bash bench/run.sh report          # only rewrite docs/PERFORMANCE.md from bench/out/
#
# Environment:
#   BENCH_RUNS=5                      runs per figure (median, min, max); at least 5 for the docs
#   BENCH_SIZES=1000,20000,100000,200000  catalog sizes (tables; every 10th with a serial)
#   BENCH_SERIAL_SIZES=20000,100000   catalog sizes with a serial in every table
#   BENCH_DELAYS=25,50                one-way delays of the latency proxy (ms)
#   BENCH_SKIP_BUILD=1                use the release binaries already built
#
# Needs what `npm test` installs (PostgreSQL 15, Xvfb, WebKitWebDriver,
# tauri-driver); runs scripts/setup.sh test to make sure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

sections=("$@")
[ "${#sections[@]}" -eq 0 ] && sections=(catalog rtt direct tunnel sqlx size app)
for s in "${sections[@]}"; do
  case "$s" in
    catalog | rtt | direct | tunnel | sqlx | size | app | report) ;;
    *) echo "bench/run.sh: unknown section '$s' (catalog, rtt, direct, tunnel, sqlx, size, app, report)" >&2; exit 2 ;;
  esac
done
want() {
  local s
  for s in "${sections[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

runs=${BENCH_RUNS:-5}
out=bench/out
release="$CARGO_TARGET_DIR/release"
mkdir -p "$out"

if want catalog || want rtt || want direct || want tunnel || want sqlx || want app; then
  scripts/setup.sh test
fi

echo "== build"
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  if want catalog || want rtt || want direct || want tunnel || want sqlx || want size; then
    cargo build --release -p sluice-cli
  fi
  if want size || want app; then
    # The release app and its .deb (LTO: slow).
    npx tauri build --bundles deb
  fi
fi
cargo build --release -p sluice-bench
bench="$release/sluice-bench"

if want catalog; then
  echo "== catalog scale"
  "$bench" catalog --sluice "$release/sluice" --runs "$runs" --sizes "${BENCH_SIZES:-1000,20000,100000,200000}" --serial-sizes "${BENCH_SERIAL_SIZES:-20000,100000}" --out "$out"
fi
if want rtt; then
  echo "== round trips"
  "$bench" rtt --sluice "$release/sluice" --runs "$runs" --delays "${BENCH_DELAYS:-25,50}" --out "$out"
fi
if want direct; then
  echo "== direct TLS round trips (PostgreSQL 17)"
  SLUICE_PG_BINDIR=$(scripts/pg-major.sh 17) "$bench" direct --sluice "$release/sluice" --runs "$runs" --delays "${BENCH_TUNNEL_DELAYS:-25}" --out "$out"
fi
if want tunnel; then
  echo "== SSH tunnel round trips"
  "$bench" tunnel --sluice "$release/sluice" --runs "$runs" --delays "${BENCH_TUNNEL_DELAYS:-25}" --out "$out"
fi
if want sqlx; then
  echo "== sqlx side by side"
  "$bench" sqlx --sluice "$release/sluice" --runs "$runs" --delays "${BENCH_TUNNEL_DELAYS:-25}" --out "$out"
fi
if want size; then
  echo "== size"
  deb=$(ls -t "$release"/bundle/deb/*.deb | head -n 1)
  "$bench" size --app "$release/sluice-app" --deb "$deb" --cli "$release/sluice" --out "$out"
fi
if want app; then
  echo "== app: cold start, memory, permissions dialog"
  # The desktop session's chatter (portals, a11y bus, WebKit) goes to a log.
  if ! SLUICE_APP_BINARY="$release/sluice-app" SLUICE_BENCH_BIN="$bench" \
    scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
    node bench/app/app-bench.mjs --runs "$runs" --out "$out" 2> "$out/app-stderr.log"; then
    tail -n 40 "$out/app-stderr.log" >&2
    exit 1
  fi
fi

echo "== report"
"$bench" report --out "$out" --doc docs/PERFORMANCE.md --notes bench/notes.md
