//! What can go wrong in the store, each with a stable `kind` for the UI and
//! the CLI, a message for the user and, where there is one, a hint.
//!
//! No variant ever carries a secret: keyring failures keep the platform's
//! own message (which names the store, never the value), and validation
//! issues are about the non-secret fields.

use std::path::PathBuf;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::conninfo::FieldIssue;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No saved connection with this id or name.
    #[error("no saved connection \"{0}\"")]
    NotFound(String),

    /// Another connection already has this name (names compare case-insensitively).
    #[error("a connection named \"{name}\" already exists")]
    DuplicateName { name: String },

    /// The connection's fields do not pass validation; `issues` says which and why.
    #[error("{}", invalid_message(.issues))]
    Invalid { issues: Vec<FieldIssue> },

    /// The OS keyring cannot be reached, is locked, or refused access.
    #[error("the system keyring is not available ({detail})")]
    KeyringUnavailable {
        /// What to do about it on this platform.
        platform_hint: String,
        /// The platform's own reason (never a secret).
        detail: String,
    },

    /// Reading or writing a store file failed.
    #[error("cannot {action} {}: {message}", .path.display())]
    Io { action: &'static str, path: PathBuf, message: String },

    /// The connections file could not be read or parsed. It was moved to
    /// `moved_to` (never overwritten) and nothing was loaded from it.
    #[error(
        "{} could not be read ({reason}); it was moved to {} and nothing was loaded from it",
        .path.display(),
        .moved_to.display()
    )]
    Corrupt { path: PathBuf, moved_to: PathBuf, reason: String },

    /// The connections file has a format version this build does not know.
    /// It is left untouched.
    #[error(
        "{} was written by a newer Sluice (file format {found}; this version reads up to {supported}); it was left untouched",
        .path.display()
    )]
    NewerVersion { path: PathBuf, found: u64, supported: u64 },
}

fn invalid_message(issues: &[FieldIssue]) -> String {
    match issues {
        [] => "the connection is not valid".to_owned(),
        [one] => format!("{}: {}", one.field, one.message),
        [first, rest @ ..] => format!("{}: {} (and {} more)", first.field, first.message, rest.len()),
    }
}

impl StoreError {
    /// The stable machine-readable kind (snake_case).
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::NotFound(_) => "not_found",
            StoreError::DuplicateName { .. } => "duplicate_name",
            StoreError::Invalid { .. } => "invalid",
            StoreError::KeyringUnavailable { .. } => "keyring_unavailable",
            StoreError::Io { .. } => "io",
            StoreError::Corrupt { .. } => "corrupt",
            StoreError::NewerVersion { .. } => "newer_version",
        }
    }

    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::KeyringUnavailable { platform_hint, .. } => Some(platform_hint.clone()),
            StoreError::DuplicateName { .. } => Some("Choose another name.".to_owned()),
            StoreError::Corrupt { moved_to, .. } => Some(format!(
                "Your saved connections start empty; the old file is kept at {} if you want to repair it by hand.",
                moved_to.display()
            )),
            StoreError::NewerVersion { .. } => {
                Some("Update Sluice to the latest version to use these saved connections.".to_owned())
            }
            StoreError::Io { .. } => {
                Some("Check that the configuration directory exists, is yours and is writable.".to_owned())
            }
            StoreError::NotFound(_) | StoreError::Invalid { .. } => None,
        }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, err: &std::io::Error) -> StoreError {
        StoreError::Io { action, path: path.into(), message: err.to_string() }
    }

    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            issues: vec![FieldIssue {
                field: field.to_owned(),
                severity: crate::conninfo::Severity::Error,
                message: message.into(),
            }],
        }
    }
}

/// `{"kind": ..., "message": ..., "hint": ..., ...details}`: what the UI gets.
impl Serialize for StoreError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", self.kind())?;
        map.serialize_entry("message", &self.to_string())?;
        map.serialize_entry("hint", &self.hint())?;
        match self {
            StoreError::Invalid { issues } => map.serialize_entry("issues", issues)?,
            StoreError::KeyringUnavailable { platform_hint, .. } => {
                map.serialize_entry("platform_hint", platform_hint)?
            }
            StoreError::Io { path, .. } | StoreError::NewerVersion { path, .. } => map.serialize_entry("path", path)?,
            StoreError::Corrupt { path, moved_to, .. } => {
                map.serialize_entry("path", path)?;
                map.serialize_entry("moved_to", moved_to)?;
            }
            StoreError::NotFound(_) | StoreError::DuplicateName { .. } => {}
        }
        map.end()
    }
}

/// Something the user should hear about that did not stop the store from
/// opening or an operation from completing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StoreWarning {
    /// The connections file was corrupt or unreadable and was moved aside;
    /// the store started empty. Reported once, by the first open after it happened.
    RecoveredFrom { path: PathBuf, moved_to: PathBuf, reason: String, message: String },
    /// A deleted connection's secrets could not be removed from the keyring;
    /// they are remembered and removed at a later open.
    LeftoverSecrets { accounts: Vec<String>, message: String },
}

impl StoreWarning {
    pub fn message(&self) -> &str {
        match self {
            StoreWarning::RecoveredFrom { message, .. } | StoreWarning::LeftoverSecrets { message, .. } => message,
        }
    }
}
