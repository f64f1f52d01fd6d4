#!/usr/bin/env bash
# `npm run test:macos` (and part of `npm test`): the app, core, CLI and
# conninfo type-checked for aarch64-apple-darwin and x86_64-apple-darwin,
# with zig (PyPI's ziglang, driven by cargo-zigbuild) as the C compiler for
# the macOS targets. Nothing is linked: Apple's frameworks are not here.
#
# What it proves: every `cfg(target_os = "macos")` path of ours and of our
# dependencies (keyring's Keychain store through security-framework,
# tauri/wry's WebKit and AppKit bindings, the vendored OpenSSL that the probe
# uses off Linux) compiles for both Macs, the C in ring and OpenSSL builds
# for them (its objects are checked to be Mach-O for the right CPU), and
# none of our crates warns there. What only a Mac can prove: linking
# against the frameworks, signing, the bundle, and running anything (the
# Keychain, the WebView) — the macOS jobs of .github/workflows do that.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
venv="$HOME/.cache/sluice/venv"
if [ ! -x "$venv/bin/cargo-zigbuild" ] || [ ! -x "$venv/bin/python-zig" ]; then
  echo "test-macos: installing cargo-zigbuild and ziglang (pip, in ~/.cache/sluice/venv)"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check cargo-zigbuild==0.24.1 ziglang==0.17.1
fi
export PATH="$venv/bin:$PATH"
targets=(aarch64-apple-darwin x86_64-apple-darwin)
installed=$(rustup target list --installed 2>/dev/null)
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done

# The Mach-O CPU type of an object file: the magic (cf fa ed fe: 64-bit,
# little-endian), then cputype 0x0100000c (arm64) or 0x01000007 (x86_64).
macho_cpu() {
  local bytes
  bytes=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
  case "$bytes" in
    cffaedfe0c000001) echo arm64 ;;
    cffaedfe07000001) echo x86_64 ;;
    *) echo "not Mach-O ($bytes)" ;;
  esac
}

for t in "${targets[@]}"; do
  echo "== cargo check for $t (zig $(python-zig version) as the C compiler)"
  start=$(date +%s)
  log="$CARGO_TARGET_DIR/$t-check.log"
  mkdir -p "$CARGO_TARGET_DIR"
  if ! cargo-zigbuild check -p sluice-conninfo -p sluice-core -p sluice-cli -p sluice \
      --features sluice/custom-protocol --lib --bins --tests --target "$t" 2> "$log"; then
    cat "$log" >&2
    echo "test-macos: the check failed for $t" >&2
    exit 1
  fi
  # A warning in our own crates fails too: on Linux they are warning-free,
  # and a macOS-only unused import or dead branch is a real defect there.
  if grep -E '^warning: `sluice' "$log" >&2; then
    grep -E -A12 '^warning' "$log" >&2
    echo "test-macos: our crates warn on $t" >&2
    exit 1
  fi
  want=${t%%-*}; [ "$want" = aarch64 ] && want=arm64
  obj=$(find "$CARGO_TARGET_DIR/$t/debug/build" -path '*ring-*/out/*montgomery.o' | head -n1)
  [ -n "$obj" ] || { echo "test-macos: ring's C objects for $t were not built" >&2; exit 1; }
  got=$(macho_cpu "$obj")
  [ "$got" = "$want" ] || { echo "test-macos: $obj is $got, not $want" >&2; exit 1; }
  crypto=$(find "$CARGO_TARGET_DIR/$t/debug/build" -path '*openssl-sys-*/out/openssl-build/install/lib/libcrypto.a' | head -n1)
  [ -n "$crypto" ] || { echo "test-macos: the vendored OpenSSL for $t was not built" >&2; exit 1; }
  echo "checked in $(( $(date +%s) - start )) s: ring's objects are Mach-O $got; OpenSSL $(grep -m1 -o 'OPENSSL_VERSION_STR "[^"]*"' "$(dirname "$crypto")/../include/openssl/opensslv.h" | cut -d'"' -f2) built for $t"
done
