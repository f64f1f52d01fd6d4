//! Which connection a command acts on: a URL/conninfo string on the command
//! line, or a saved connection by name (its secrets from the keyring).

use crate::CliError;
use sluice_core::conninfo;
use sluice_core::probe::ProbeRequest;
use sluice_core::store::{ConnectionRecord, Store};

pub struct Target {
    pub request: ProbeRequest,
    /// Set when the target is a saved connection.
    pub saved: Option<(Store, ConnectionRecord)>,
    /// Parser warnings (unknown parameters), shown on stderr.
    pub warnings: Vec<String>,
}

/// The password: the URL's own or the keyring's, else `PGPASSWORD` (as libpq).
pub fn resolve(url: Option<&str>, name: Option<&str>) -> Result<Target, CliError> {
    let mut target = resolve_without_env(url, name)?;
    if target.request.info.password().is_none() {
        if let Ok(pw) = std::env::var("PGPASSWORD") {
            target.request.info.set_secret("password", Some(pw.into()));
        }
    }
    Ok(target)
}

fn resolve_without_env(url: Option<&str>, name: Option<&str>) -> Result<Target, CliError> {
    match (url, name) {
        (Some(_), Some(_)) => Err(CliError::new("give either a connection URL or --name, not both")),
        (None, None) => {
            Err(CliError::new("no connection given").hint("pass a URL (postgresql://user@host/db) or --name SAVED"))
        }
        (Some(url), None) => {
            let parsed = conninfo::parse(url)?;
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
