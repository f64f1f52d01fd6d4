//! Exit codes shared by every subcommand (documented in the README).

use std::process::ExitCode;

/// Success (for `test`: connected, and ready when a role was asked for).
pub const OK: u8 = 0;
/// `test` only: connected, but the role is not ready for its job.
pub const NOT_READY: u8 = 1;
/// Bad input, failed connection, or any other error.
pub const FAILED: u8 = 2;

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
