# Sourced by the scripts: one cargo target dir per user, reused by every
# checkout on the machine, so a fresh clone builds only Sluice's own crates.
# Checkouts that build at the same time need their own CARGO_TARGET_DIR:
# cargo names a workspace crate's artifacts by its path inside the
# workspace, so two checkouts overwrite each other's (and may run the other's
# binaries); one after the other, each rebuilds what changed.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sluice/target}"
export PATH="$HOME/.cargo/bin:$PATH"
