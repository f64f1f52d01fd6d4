#!/usr/bin/env bash
# `npm test`: install and start what the tests need, then run every suite:
# a short fuzz of the parser, the Rust unit and integration tests (real
# Postgres clusters, real Secret Service, libpq itself), the UI's module
# tests (against reports the real CLI makes), and the end-to-end suite in the
# real app under Xvfb. Each runner prints its own summary. Tests write only
# to ignored folders (test-output/, e2e/screenshots/, fuzz/corpus/...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
source scripts/env.sh
# Tests write only to ignored folders: the tree must look the same after
# (the README's screenshots are refreshed by `npm run screenshots` only).
unset SLUICE_REFRESH_SCREENSHOTS
tree_before=$(git status --porcelain 2>/dev/null || true)

# One build serves the Rust tests and the E2E app: `cargo test` also builds
# the sluice-app binary (the root package has integration tests), and
# `custom-protocol` makes it serve ui/ itself, as the released app does.
features="--workspace --features sluice/custom-protocol"
echo "== build"
cargo test $features --no-run --quiet

status=0
echo "== workflow lint"
scripts/lint-workflows.sh || status=1

echo "== long functions (none over 150 lines in crates, src-tauri, ui, bench/src; tests exempt)"
python3 scripts/long-functions.py crates src-tauri ui bench/src || status=1

echo "== fuzz (the connection-string parser, ${SLUICE_FUZZ_SECONDS:-60} s)"
scripts/fuzz.sh "${SLUICE_FUZZ_SECONDS:-60}" || status=1

echo "== rust tests"
# Every suite runs and reports, even after one fails.
scripts/with-keyring.sh cargo test --no-fail-fast $features || status=1

echo "== the psql agreement suites again, with libpq 18 as the ground truth"
# The system's psql on PostgreSQL 18's libpq (pg_bin::psql): multi-host and
# target_session_attrs, service and password files, PG* variables, the
# service file Sluice exports, channel binding, PostgreSQL's SSL suite and
# the security keywords.
SLUICE_GROUND_TRUTH_LIBPQ=18 scripts/with-keyring.sh cargo test --no-fail-fast $features \
  -p sluice-cli --test multihost_cli --test libpq_files_cli --test import_cli --test ssl_suite_cli --test security_keywords_cli \
  -p sluice-core --test probe_ssl_modes || status=1

echo "== rust tests on the oldest and the newest PostgreSQL (13, 18)"
scripts/test-matrix.sh 13 18 || status=1

if command -v x86_64-w64-mingw32-gcc >/dev/null && { command -v wine64 >/dev/null || [ -x /usr/lib/wine/wine64 ]; }; then
  echo "== the Windows CLI under Wine"
  scripts/test-windows.sh || status=1
else
  echo "== the Windows CLI under Wine: skipped (needs gcc-mingw-w64-x86-64 and wine64; npm run test:windows)"
fi

echo "== macOS type-check (aarch64 and x86_64, zig as the C compiler; no link)"
scripts/test-macos.sh || status=1

export SLUICE_CLI_BINARY="$CARGO_TARGET_DIR/debug/sluice"
echo "== ui module tests"
export SLUICE_UI_FIXTURES=test-output/ui-fixtures
# Files listed explicitly: `node --test DIR` fails on Node 21 and later.
if node tests/ui/make-fixtures.mjs "$SLUICE_UI_FIXTURES"; then
  node --test tests/ui/*.test.js || status=1
else
  status=1
fi

echo "== end-to-end (real app, WebKitWebDriver, Xvfb)"
export SLUICE_APP_BINARY="$CARGO_TARGET_DIR/debug/sluice-app"
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" node --test --test-concurrency=1 --test-timeout=300000 e2e/*.test.js || status=1

echo "== the tests left the working tree as they found it"
tree_after=$(git status --porcelain 2>/dev/null || true)
if [ "$tree_after" != "$tree_before" ]; then
  diff <(echo "$tree_before") <(echo "$tree_after") || true
  echo "test.sh: the tests changed files that git tracks or sees (above); they may write only to ignored folders" >&2
  status=1
fi

exit $status
