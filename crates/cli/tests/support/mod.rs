//! Shared by the CLI test files (`mod support;`).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

/// `sluice` on a store and a HOME of the test's own, with none of the
/// caller's PG* variables (they would change what libpq-style resolution
/// finds), and no stdin.
pub fn sluice(config: &Path, home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sluice"));
    for (k, _) in std::env::vars() {
        if k.starts_with("PG") {
            c.env_remove(k);
        }
    }
    c.env("SLUICE_CONFIG_DIR", config).env("HOME", home).stdin(Stdio::null());
    c
}
