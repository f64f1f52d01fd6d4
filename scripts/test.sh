#!/usr/bin/env bash
# `npm test`: install and start what the tests need, then run every suite:
# Rust unit and integration tests (real Postgres clusters, real Secret
# Service), the UI's module tests, and the end-to-end suite in the real app
# under Xvfb. Each runner prints its own summary at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
source scripts/env.sh

# One build serves the Rust tests and the E2E app: `cargo test` also builds
# the sluice-app binary (the root package has integration tests), and
# `custom-protocol` makes it serve ui/ itself, as the released app does.
features="--workspace --features sluice/custom-protocol"
echo "== build"
cargo test $features --no-run --quiet

status=0
echo "== rust tests"
scripts/with-keyring.sh cargo test $features || status=1

echo "== ui module tests"
node --test tests/ui/ || status=1

echo "== end-to-end (real app, WebKitWebDriver, Xvfb)"
export SLUICE_APP_BINARY="$CARGO_TARGET_DIR/debug/sluice-app"
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" node --test --test-concurrency=1 e2e/ || status=1

exit $status
