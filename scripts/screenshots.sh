#!/usr/bin/env bash
# `npm run screenshots`: refreshes the README's screenshots (docs/screenshots)
# from the end-to-end suite in the real app. `npm test` never writes there.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
source scripts/env.sh
cargo build --features sluice/custom-protocol --bins --quiet
export SLUICE_APP_BINARY="$CARGO_TARGET_DIR/debug/sluice-app" SLUICE_CLI_BINARY="$CARGO_TARGET_DIR/debug/sluice"
export SLUICE_REFRESH_SCREENSHOTS=1
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" node --test --test-concurrency=1 e2e/connections.test.js e2e/tls.test.js e2e/cancel.test.js
