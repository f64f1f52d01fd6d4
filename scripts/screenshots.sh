#!/usr/bin/env bash
# `npm run screenshots`: refreshes the README's screenshots (docs/screenshots)
# from the end-to-end suite in the real app: the suites below take them with
# `screenshot(session, NAME, { docs: true })`, which writes docs/screenshots
# only when SLUICE_REFRESH_SCREENSHOTS=1. `npm test` never sets it, so it
# never writes there (tests/ui/readme-screenshots.test.js keeps the README,
# these files and this list in step). Look at each picture before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
source scripts/env.sh
cargo build --features sluice/custom-protocol --bins --quiet
export SLUICE_APP_BINARY="$CARGO_TARGET_DIR/debug/sluice-app" SLUICE_CLI_BINARY="$CARGO_TARGET_DIR/debug/sluice"
export SLUICE_REFRESH_SCREENSHOTS=1
# The suites that take the README's pictures:
suites=(e2e/connections.test.js e2e/import.test.js e2e/layout.test.js)
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" node --test --test-concurrency=1 --test-timeout=300000 "${suites[@]}"
git status --short docs/screenshots
