//! Sluice's core: everything the app and the CLI share, with no Tauri in it.
//!
//! - [`conninfo`]: libpq connection strings (URI and `key=value`): parse, format, validate.
//! - [`secret`]: the redacting wrapper every secret travels in.

pub mod conninfo;
pub mod secret;
