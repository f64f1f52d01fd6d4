//! The single error type every command returns.
//!
//! It serializes as `{ "kind": "...", "message": "...", ... }` so the UI can
//! branch on `kind` and show `message` as text. It never carries a secret.

use serde::Serialize;

#[derive(Debug, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandError {
    /// Input the user can fix (bad URL, invalid field).
    #[error("{message}")]
    InvalidInput { message: String },
    /// Anything else, with a message for humans.
    #[error("{message}")]
    Internal { message: String },
}
