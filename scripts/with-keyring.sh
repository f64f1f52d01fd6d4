#!/usr/bin/env bash
# Runs a command inside a private D-Bus session that has the real Linux
# Secret Service (gnome-keyring), unlocked, with its keyrings in a throwaway
# directory so tests never touch the user's own keyring.
#   scripts/with-keyring.sh cargo test -p sluice-core
#
# The bus has no service directories: nothing can D-Bus-activate a second
# gnome-keyring-daemon. With the standard session config, a call that came
# before our daemon had claimed org.freedesktop.secrets (or after it died)
# started another one from the .service file, with the bus's environment:
# locked, keeping its keyrings in ~/.local/share, and racing ours for the
# name ("no result found", "disconnected without replying"). Now such a call
# fails plainly, and the daemon is ours alone: started in the foreground, its
# pid known, and reported if it is gone when the command ends.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/sluice-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
export SLUICE_KEYRING_HOME="$keyring_home"
cat > "$keyring_home/bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-run-session --config-file="$keyring_home/bus.conf" -- bash -c '
  set -euo pipefail
  export XDG_DATA_HOME="$SLUICE_KEYRING_HOME/data" XDG_RUNTIME_DIR="$SLUICE_KEYRING_HOME/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
  # --unlock reads the new login keyring'"'"'s password from stdin and makes
  # it the default collection.
  printf "sluice-test" | gnome-keyring-daemon --foreground --unlock --components=secrets \
    > "$SLUICE_KEYRING_HOME/daemon.env" 2> "$SLUICE_KEYRING_HOME/daemon.log" &
  daemon=$!
  # The daemon answers before its default collection exists: wait for it,
  # so the first test never races it.
  ready=
  for _ in $(seq 1 200); do
    if gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets/aliases/default \
        --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked 2>/dev/null \
        | grep -q false; then
      ready=1
      break
    fi
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$ready" ]; then
    echo "with-keyring: gnome-keyring-daemon did not come up with an unlocked default collection:" >&2
    cat "$SLUICE_KEYRING_HOME/daemon.log" >&2
    exit 1
  fi
  status=0
  "$@" || status=$?
  if ! kill -0 "$daemon" 2>/dev/null; then
    wait "$daemon" && code=0 || code=$?
    echo "with-keyring: gnome-keyring-daemon (pid $daemon) died during the run (exit $code); its log:" >&2
    cat "$SLUICE_KEYRING_HOME/daemon.log" >&2
    [ "$status" -ne 0 ] || status=1
  fi
  kill "$daemon" 2>/dev/null || true
  exit "$status"
' _ "$@"
