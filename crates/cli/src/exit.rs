//! Exit codes shared by every subcommand (documented in the README).

/// Success (for `test`: connected, and ready when a role was asked for).
pub const OK: i32 = 0;
/// `test` only: connected, but the role is not ready for its job.
pub const NOT_READY: i32 = 1;
/// Bad input, failed connection, or any other error.
pub const FAILED: i32 = 2;
