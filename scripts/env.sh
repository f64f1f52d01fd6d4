# Sourced by the scripts: one cargo target dir per user, shared by every
# checkout on the machine. Cargo keys artifacts by package path and locks the
# dir, so sharing is safe, and a fresh clone builds only Sluice's own crates.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sluice/target}"
export PATH="$HOME/.cargo/bin:$PATH"
