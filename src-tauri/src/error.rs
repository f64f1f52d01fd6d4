//! The single error type every command returns.
//!
//! It serializes as `{"kind": "...", "message": "...", "hint": ..., ...}` so
//! the UI can branch on `kind` and show `message` and `hint` as text. It
//! never carries a secret: store and probe errors are already redacted.

use serde::Serialize;
use sluice_core::conninfo::FieldIssue;
use sluice_core::store::StoreError;

#[derive(Debug, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct CommandError {
    /// invalid_input, not_found, duplicate_name, keyring_unavailable, store, internal
    pub kind: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// For parse errors: where in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// For validation errors: one per field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<FieldIssue>,
}

impl CommandError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        CommandError { kind, message: message.into(), hint: None, position: None, issues: Vec::new() }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        CommandError::new("invalid_input", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        CommandError::new("internal", message)
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        let kind = match e.kind() {
            "not_found" => "not_found",
            "duplicate_name" => "duplicate_name",
            "keyring_unavailable" => "keyring_unavailable",
            "invalid" => "invalid_input",
            _ => "store",
        };
        let issues = match &e {
            StoreError::Invalid { issues } => issues.clone(),
            _ => Vec::new(),
        };
        CommandError { kind, message: e.to_string(), hint: e.hint(), position: None, issues }
    }
}

impl From<sluice_core::conninfo::ParseError> for CommandError {
    fn from(e: sluice_core::conninfo::ParseError) -> Self {
        CommandError { position: e.position(), ..CommandError::invalid(e.to_string()) }
    }
}

impl From<sluice_core::saved::PrepareError> for CommandError {
    fn from(e: sluice_core::saved::PrepareError) -> Self {
        match e {
            sluice_core::saved::PrepareError::Store(e) => e.into(),
            e => CommandError::invalid(e.to_string()),
        }
    }
}
