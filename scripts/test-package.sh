#!/usr/bin/env bash
# `npm run test:package`: builds the Linux packages (tauri build: .deb, .rpm,
# AppImage, each carrying the `sluice` CLI), installs the .deb with apt,
# launches the installed app under Xvfb until its UI is ready, runs the
# installed `sluice --version`, checks the menu entry and the icons, and
# removes the package; then runs the AppImage with
# --appimage-extract-and-run the same way. It installs into the system
# (that is the point), so it is a command of its own, not part of `npm test`;
# the release (LTO) build alone takes ~10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
source scripts/env.sh
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
version=$(node -p "require('./package.json').version")
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
status=0
fail() { echo "test-package: FAIL: $*" >&2; status=1; }

echo "== tauri build (deb, rpm, appimage)"
bundles=deb,rpm,appimage
# The AppImage bundler downloads linuxdeploy from GitHub; without that
# network the .deb and .rpm are still built and tested (and the AppImage is
# reported as not tested).
if ! getent hosts github.com >/dev/null; then
  echo "test-package: github.com does not resolve, so the AppImage cannot be built (Tauri fetches linuxdeploy); building deb and rpm only" >&2
  bundles=deb,rpm
fi
npx tauri build --bundles "$bundles"
bundle="$CARGO_TARGET_DIR/release/bundle"
deb=$(ls -t "$bundle"/deb/*.deb | head -n 1)
echo "== $deb"
dpkg-deb --contents "$deb" | awk '{print $NF}' | grep -E '^(\./)?usr/(bin|share/applications)/' || true
dpkg-deb --contents "$deb" | grep -Eq ' (\./)?usr/bin/sluice$' || fail ".deb has no /usr/bin/sluice"
[ "$(dpkg-deb -f "$deb" Package)" = sluice ] || fail "package name $(dpkg-deb -f "$deb" Package)"
for field in Description Depends Section Maintainer; do
  [ -n "$(dpkg-deb -f "$deb" "$field")" ] || fail ".deb has no $field"
done

if [ -d "$bundle/rpm" ]; then
  rpm=$(ls -t "$bundle"/rpm/*.rpm | head -n 1)
  echo "== $rpm"
  if command -v rpm >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq rpm >/dev/null; then
    rpm -qlp "$rpm" 2>/dev/null | grep -qx /usr/bin/sluice || fail ".rpm has no /usr/bin/sluice"
    rpm -qip "$rpm" 2>/dev/null | grep -E '^(Name|Version|License|URL|Summary)' || true
  fi
fi

echo "== install the .deb"
$sudo dpkg -r sluice >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$deb" >/dev/null
app=$(dpkg -L sluice | grep -E '^/usr/bin/' | grep -vx /usr/bin/sluice | head -n 1)
echo "installed: $app and /usr/bin/sluice"
got=$(/usr/bin/sluice --version)
[ "$got" = "sluice $version ($commit)" ] || fail "sluice --version printed '$got', not 'sluice $version ($commit)'"
echo "sluice --version: $got"
desktop=$(dpkg -L sluice | grep '\.desktop$' | head -n 1)
[ -n "$desktop" ] && grep -q "^Exec=" "$desktop" && grep -q "^Categories=.*Development" "$desktop" || fail "menu entry: $desktop"
dpkg -L sluice | grep -q '/icons/hicolor/128x128/apps/' || fail "no 128x128 icon"
SLUICE_APP_BINARY="$app" SLUICE_PACKAGE_KIND=deb scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  node --test tests/package/installed.test.js || fail "the installed app"
$sudo dpkg -r sluice >/dev/null
[ ! -e /usr/bin/sluice ] && [ ! -e "$app" ] || fail "files left after dpkg -r"
echo "removed"

if [[ "$bundles" == *appimage* ]]; then
  image=$(ls -t "$bundle"/appimage/*.AppImage | head -n 1)
  echo "== $image"
  chmod +x "$image"
  mkdir -p test-output
  wrapper=$(mktemp -d test-output/appimage.XXXXXX)/sluice-app
  printf '#!/bin/sh\nexec "%s" --appimage-extract-and-run "$@"\n' "$image" > "$wrapper"
  chmod +x "$wrapper"
  SLUICE_APP_BINARY="$wrapper" SLUICE_PACKAGE_KIND=appimage scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
    node --test tests/package/installed.test.js || fail "the AppImage"
  ( cd "$(dirname "$wrapper")" && "$image" --appimage-extract usr/bin/sluice >/dev/null ) && \
    [ "$("$(dirname "$wrapper")/squashfs-root/usr/bin/sluice" --version)" = "$got" ] || fail "the AppImage's sluice --version"
else
  echo "== AppImage: not built here, so not tested"
fi
exit $status
