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

/// A string given on the command line is resolved as libpq would: its
/// service, then the `PG*` variables for what it leaves unset, the OS user,
/// the password file. A saved connection keeps what was saved (no `PG*`
/// variable), with its keyring secrets.
pub fn resolve(url: Option<&str>, name: Option<&str>) -> Result<Target, CliError> {
    match (url, name) {
        (Some(_), Some(_)) => Err(CliError::new("give either a connection URL or --name, not both")),
        (None, None) => {
            Err(CliError::new("no connection given").hint("pass a URL (postgresql://user@host/db), \"\" for libpq's defaults and PG* variables, or --name SAVED"))
        }
        (Some(url), None) => {
            let parsed = conninfo::parse(url)?;
            let request = ProbeRequest::resolved(&parsed.info, conninfo::PasswordSource::Url, &conninfo::Environment::from_process())
                .map_err(|e| CliError::new(e.to_string()))?;
            check_fields(&request.info)?;
            let warnings = parsed.warnings.into_iter().chain(request.provenance.warnings.iter().cloned()).collect();
            Ok(Target { request, saved: None, warnings })
        }
        (None, Some(name)) => {
            let store = Store::open()?;
            let record = store.get(name)?;
            let secrets = store.secrets(record.id)?;
            let request = ProbeRequest::for_saved(&record, &secrets).map_err(|e| CliError::new(e.to_string()))?;
            let warnings = request.provenance.warnings.clone();
            Ok(Target { request, saved: Some((store, record)), warnings })
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
