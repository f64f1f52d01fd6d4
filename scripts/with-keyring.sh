#!/usr/bin/env bash
# Runs a command inside a private D-Bus session that has the real Linux
# Secret Service (gnome-keyring), unlocked, with its keyrings in a throwaway
# directory so tests never touch the user's own keyring.
#   scripts/with-keyring.sh cargo test -p sluice-core
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/sluice-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
export SLUICE_KEYRING_HOME="$keyring_home"
dbus-run-session -- bash -c '
  set -euo pipefail
  export XDG_DATA_HOME="$SLUICE_KEYRING_HOME/data" XDG_RUNTIME_DIR="$SLUICE_KEYRING_HOME/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
  # --unlock reads the new login keyring'"'"'s password from stdin and makes it the default collection.
  eval "$(printf "sluice-test" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  # The daemon answers before its default collection exists: wait for it,
  # so the first test never races it ("no result found").
  for _ in $(seq 1 100); do
    if gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets/aliases/default \
        --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked >/dev/null 2>&1; then
      break
    fi
    sleep 0.05
  done
  "$@"
' _ "$@"
