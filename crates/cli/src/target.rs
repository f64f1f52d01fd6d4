//! Which connection a command acts on: a URL/conninfo string on the command
//! line, or a saved connection by name (its secrets from the keyring).

use sluice_core::conninfo;
use sluice_core::probe::ProbeRequest;
use sluice_core::secret::Secret;
use sluice_core::store::{ConnectionRecord, Store};

pub struct Target {
    pub request: ProbeRequest,
    /// Set when the target is a saved connection.
    pub saved: Option<(Store, ConnectionRecord)>,
    /// Parser warnings (unknown parameters), shown on stderr.
    pub warnings: Vec<String>,
}

/// An error for the user: printed as `error: …` (and `hint: …`), exit 2.
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError { message: message.into(), hint: None }
    }

    pub fn print(&self) {
        eprintln!("error: {}", self.message);
        if let Some(h) = &self.hint {
            eprintln!("hint: {h}");
        }
    }
}

impl From<sluice_core::store::StoreError> for CliError {
    fn from(e: sluice_core::store::StoreError) -> Self {
        CliError { message: e.to_string(), hint: e.hint() }
    }
}

/// The password: the URL's own or the keyring's, else `PGPASSWORD` (as libpq).
pub fn resolve(url: Option<&str>, name: Option<&str>) -> Result<Target, CliError> {
    let mut target = resolve_without_env(url, name)?;
    if target.request.info.password.is_none() {
        if let Ok(pw) = std::env::var("PGPASSWORD") {
            target.request.info.password = Some(Secret::new(pw));
        }
    }
    Ok(target)
}

fn resolve_without_env(url: Option<&str>, name: Option<&str>) -> Result<Target, CliError> {
    match (url, name) {
        (Some(_), Some(_)) => Err(CliError::new("give either a connection URL or --name, not both")),
        (None, None) => Err(CliError {
            message: "no connection given".into(),
            hint: Some("pass a URL (postgresql://user@host/db) or --name SAVED".into()),
        }),
        (Some(url), None) => {
            let parsed = conninfo::parse(url).map_err(|e| CliError::new(e.to_string()))?;
            check_fields(&parsed.info)?;
            Ok(Target { request: ProbeRequest::new(parsed.info), saved: None, warnings: parsed.warnings })
        }
        (None, Some(name)) => {
            let store = Store::open()?;
            let record = store.get(name)?;
            let secrets = store.secrets(record.id)?;
            let request = ProbeRequest::for_saved(&record, &secrets);
            Ok(Target { request, saved: Some((store, record)), warnings: Vec::new() })
        }
    }
}

/// The form's field rules, applied before connecting: a bad port or a
/// missing certificate file is the user's to fix, not a probe failure.
fn check_fields(info: &conninfo::ConnInfo) -> Result<(), CliError> {
    let validation = conninfo::validate("sluice", info, &[] as &[&str]);
    let errors: Vec<String> = validation
        .issues
        .iter()
        .filter(|i| i.field != "name" && i.severity == conninfo::Severity::Error)
        .map(|i| format!("{}: {}", i.field, i.message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(errors.join("; ")))
    }
}
