#!/usr/bin/env bash
# `npm run test:windows`: the CLI built for x86_64-pc-windows-gnu with
# Debian's mingw-w64, run under Wine (wine64) against real parts: a URL
# parsed, a TLS test against a harness cluster, and a connection saved with
# its password in Wine's Credential Manager (the keyring crate's
# windows-native path); with SLUICE_WINDOWS_APP=1 (npm run test:windows) the
# desktop app is built for Windows as well. `npm test` runs the CLI part when
# mingw and Wine are present.
# Needs: gcc-mingw-w64-x86-64 wine64 (apt), rustup target x86_64-pc-windows-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
target=x86_64-pc-windows-gnu
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
wine=${SLUICE_WINE:-$(command -v wine64 || echo /usr/lib/wine/wine64)}
[ -x "$wine" ] || { echo "test-windows: wine64 is missing (apt install wine64)" >&2; exit 1; }
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "test-windows: mingw-w64 is missing (apt install gcc-mingw-w64-x86-64)" >&2; exit 1; }
rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"

echo "== build sluice.exe ($target)"
start=$(date +%s)
cargo build -q -p sluice-cli --target "$target"
# The unit and integration tests of conninfo, core and the CLI compile for
# Windows as well (the CI's Windows job runs the ones that need no service).
cargo check -q -p sluice-conninfo -p sluice-core -p sluice-cli --lib --bins --tests --target "$target"
out="$CARGO_TARGET_DIR/$target/debug"
x86_64-w64-mingw32-gcc -shared -O2 -o "$out/bcryptprimitives.dll" scripts/windows/bcryptprimitives.c -ladvapi32
echo "built in $(( $(date +%s) - start )) s: $out/sluice.exe"

if [ "${SLUICE_WINDOWS_APP:-0}" = 1 ]; then
  # The desktop app compiles and links for Windows too (it is not run: Wine
  # has no WebView2 runtime). `npm run test:windows` does this; `npm test`
  # leaves it out for time.
  echo "== build sluice-app.exe ($target)"
  start=$(date +%s)
  # tauri.windows.conf.json takes the CLI as an externalBin, which
  # tauri-build requires at build time: without it the build must fail (so
  # the Windows config is the one read), with it the build succeeds.
  mkdir -p dist
  rm -f "dist/sluice-$target.exe"
  # (TAURI_CONFIG, which tauri-build watches, differs between the two builds
  # so that its build script reads the configuration again each time.)
  if TAURI_CONFIG='{"identifier":"dev.sluice.app"}' cargo build -q -p sluice --features sluice/custom-protocol --target "$target" 2> "$out/externalbin-check.log"; then
    echo "test-windows: the app built without dist/sluice-$target.exe: tauri.windows.conf.json's externalBin was not read" >&2
    exit 1
  fi
  grep -q "sluice-$target.exe" "$out/externalbin-check.log" || { cat "$out/externalbin-check.log" >&2; exit 1; }
  echo "without the staged CLI the build stops, naming dist/sluice-$target.exe (externalBin is read)"
  install -m 0755 "$out/sluice.exe" "dist/sluice-$target.exe"
  cargo build -q -p sluice --features sluice/custom-protocol --target "$target"
  echo "built in $(( $(date +%s) - start )) s: $out/sluice-app.exe ($(du -h "$out/sluice-app.exe" | cut -f1))"
fi

echo "== sluice.exe under $("$wine" --version 2>/dev/null || echo wine)"
SLUICE_WINDOWS_EXE="$out/sluice.exe" SLUICE_WINE="$wine" \
  cargo test -q -p sluice-cli --features windows-check --test windows_cli -- --test-threads=1
