//! Postgres refuses to run as root, and CI runs as root. When we are root the
//! server's files are handed to the `postgres` OS user and its programs are
//! started through `runuser`.

use std::path::Path;
use std::process::Command;

fn uid_of(args: &[&str]) -> Option<u32> {
    let out = Command::new("id").args(args).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

pub(crate) fn is_root() -> bool {
    uid_of(&["-u"]) == Some(0)
}

/// A command for a Postgres server program, run as `postgres` when we are root.
pub(crate) fn server_command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Gives `path` (recursively) to the `postgres` user when we are root.
pub(crate) fn hand_over(path: &Path) {
    if !is_root() {
        return;
    }
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(path)
        .status()
        .expect("chown failed to start");
    assert!(status.success(), "chown -R postgres {} failed", path.display());
}
