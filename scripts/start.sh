#!/usr/bin/env bash
# `npm start`: install what is missing, then run the app in dev mode.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app
source scripts/env.sh
exec npx tauri dev "$@"
