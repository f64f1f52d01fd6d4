#!/usr/bin/env bash
# Tauri's beforeBundleCommand: builds the release `sluice` CLI and puts it
# where tauri.conf.json's bundle files take it from (dist/, ignored), so the
# .deb, the .rpm and the AppImage install it as /usr/bin/sluice beside the
# app, and the macOS .app carries it as Contents/MacOS/sluice. (Tauri's
# externalBin would want the file present at every cargo build, the debug
# and test builds included; the bundle's file list is only read when
# bundling.) Windows installers have no such file list, so there
# tauri.windows.conf.json runs this before the build instead and takes the
# CLI as an externalBin, dist/sluice-<triple>.exe, which the MSI and the
# NSIS installer put beside Sluice's own executable as sluice.exe.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# Tauri names the triple it builds for; the CLI is built for the same one
# (in the host's own release dir when they are the same).
host=$(rustc -vV | sed -n 's/^host: //p')
triple=${TAURI_ENV_TARGET_TRIPLE:-$host}
if [ "$triple" = "$host" ]; then
  cargo build --release -p sluice-cli
  dir="$CARGO_TARGET_DIR/release"
else
  cargo build --release -p sluice-cli --target "$triple"
  dir="$CARGO_TARGET_DIR/$triple/release"
fi
mkdir -p dist
exe=sluice
[ -f "$dir/sluice.exe" ] && exe=sluice.exe
install -m 0755 "$dir/$exe" "dist/$exe"
echo "stage-cli: dist/$exe for $triple"
if [ "$exe" = sluice.exe ]; then
  # externalBin's name: the target triple before the extension.
  install -m 0755 "$dir/$exe" "dist/sluice-$triple.exe"
  echo "stage-cli: dist/sluice-$triple.exe (externalBin)"
fi
