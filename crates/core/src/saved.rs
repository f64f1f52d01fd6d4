//! Testing a saved connection, for the app's commands and the CLI alike:
//! the record, changed as the caller says (a draft's fields, a tunnel given
//! on the command line), with the saved secrets the store lets go there and
//! the ones typed now, made into a probe request; and the report made into
//! the summary the store keeps.
//!
//! Neither the app nor the CLI reads saved secrets to connect on its own:
//! they come from [`Store::secrets_for`], which applies the one rule of
//! `store/route.rs`.

use crate::conninfo::{Environment, PasswordSource};
use crate::probe::{ErrorCode, ProbeRequest, Report, SshRequest};
use crate::store::{ConnectionRecord, NewConnection, SecretKind, Secrets, Store, StoreError, TestSummary, Withheld};

/// A request ready to run, and what the report should say about the saved
/// secrets.
#[derive(Debug)]
pub struct Prepared {
    pub request: ProbeRequest,
    /// Saved secrets held back: the connection points elsewhere now.
    pub withheld: Vec<Withheld>,
    /// Saved secrets the keyring no longer has.
    pub missing: Vec<SecretKind>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Resolve(#[from] crate::conninfo::resolve::ResolveError),
}

/// The request for a connection shaped like `target`, with `typed` (secrets
/// given now, which win) and, when it is the saved connection `saved`, the
/// saved secrets that may go where `target` points.
///
/// Like every saved connection it does not change with the environment the
/// program started in: no `PG*` variable applies; its service file and the
/// password file (when no password is given) do, as files of this machine.
pub fn prepare(store: &Store, saved: Option<&ConnectionRecord>, target: &NewConnection, typed: Secrets) -> Result<Prepared, PrepareError> {
    let typed_password = typed.password.as_ref().is_some_and(|p| !p.is_empty());
    let mut target = target.clone();
    let (mut secrets, withheld, missing) = match saved {
        Some(record) => {
            let granted = store.secrets_for(record.id, target.route())?;
            (overlay(typed, granted.secrets), granted.withheld, granted.missing)
        }
        None => (typed, Vec::new(), Vec::new()),
    };
    // An imported command runs only once the user confirmed it: the same
    // command in the target is still the unconfirmed one.
    if let (Some(cmd), Some(imported)) = (target.password_command.as_mut(), saved.and_then(|r| r.password_command.as_ref())) {
        if !imported.confirmed && cmd.argv == imported.argv {
            cmd.confirmed = false;
        }
    }
    // Likewise the SSH trust an import set (pinned keys, a known_hosts file).
    if let (Some(t), Some(imported)) = (target.ssh.as_mut(), saved.and_then(|r| r.ssh.as_ref())) {
        if imported.unconfirmed && t.same_trust(imported) && t.sets_trust() {
            t.unconfirmed = true;
        }
    }
    secrets = secrets.normalized();
    let mut info = target.params.clone();
    info.set_secret("password", secrets.password.clone());
    info.set_secret("sslpassword", secrets.sslpassword.clone());
    let source = if typed_password { PasswordSource::Prompt } else { PasswordSource::Keyring };
    let mut request = ProbeRequest::resolved(&info, source, &Environment::without_vars())?;
    request.inline_tls = crate::connection::InlineTls { pem: target.pem.clone(), client_key_pem: secrets.client_key_pem.clone() };
    request.ssh = target.ssh.clone().filter(|t| !t.is_empty()).map(|t| SshRequest::new(t, secrets.ssh()));
    request.password_command = target.password_command.clone();
    Ok(Prepared { request, withheld, missing })
}

/// [`prepare`] on a blocking thread (the keyring blocks).
pub async fn prepare_async(
    store: &crate::store::AsyncStore,
    saved: Option<ConnectionRecord>,
    target: NewConnection,
    typed: Secrets,
) -> Result<Prepared, PrepareError> {
    let store = store.store().clone();
    match tokio::task::spawn_blocking(move || prepare(&store, saved.as_ref(), &target, typed)).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(PrepareError::Store(StoreError::Io { action: "run", path: Default::default(), message: e.to_string() })),
    }
}

/// Each secret typed now, else the saved one.
fn overlay(typed: Secrets, saved: Secrets) -> Secrets {
    Secrets {
        password: typed.password.or(saved.password),
        sslpassword: typed.sslpassword.or(saved.sslpassword),
        client_key_pem: typed.client_key_pem.or(saved.client_key_pem),
        ssh_password: typed.ssh_password.or(saved.ssh_password),
        ssh_passphrase: typed.ssh_passphrase.or(saved.ssh_passphrase),
        ssh_key: typed.ssh_key.or(saved.ssh_key),
    }
}

impl Prepared {
    /// Tells the user, in the report, why a test failed for want of a
    /// password that is saved: held back (the connection points elsewhere
    /// now), or lost by the keyring.
    pub fn explain(&self, report: &mut Report) {
        let Some(e) = report.error.as_mut().filter(|e| e.code == ErrorCode::AuthFailed) else { return };
        if self.request.info.password().is_some() {
            return;
        }
        if let Some(w) = self.withheld.iter().find(|w| w.kind == SecretKind::Password) {
            e.message = format!("The server asks for a password, and the saved one was not sent: {} since it was saved.", w.reason);
            e.hint = "Type the password for this server. Sluice only ever sends a saved password to the server, route and protection it was saved for.".into();
        } else if self.missing.contains(&SecretKind::Password) {
            e.message = "The server asks for a password, and the saved one is missing from the keyring (it was reset, or this is another machine or user).".into();
            e.hint = "Type the password again and save the connection: it goes back into the keyring.".into();
        }
    }
}

/// The longest text the store keeps of a test's outcome: a hostile
/// server's 100 MB error message is cut, not saved.
pub const MAX_SUMMARY_MESSAGE: usize = 500;

/// The one-line outcome of a test that the store keeps for the list view.
pub fn summary(report: &Report) -> TestSummary {
    let message = match (&report.error, &report.server) {
        (Some(e), _) => e.message.clone(),
        (None, Some(s)) => format!("Connected as {} to {} (PostgreSQL {})", s.current_user, s.database, s.server_version),
        (None, None) => "Connected".into(),
    };
    TestSummary {
        at: time::OffsetDateTime::now_utc(),
        connected: report.connected,
        ready: report.verdict.as_ref().map(|v| v.ready),
        code: report.error.as_ref().map(|e| e.code.as_str().to_owned()),
        message: clip(&message, MAX_SUMMARY_MESSAGE),
        total_ms: report.total_ms.round() as u64,
        schemas: report.access.as_ref().map(schema_names).unwrap_or_default(),
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// How many schema names a saved test summary keeps.
pub const MAX_SCHEMAS: usize = 1000;

/// The schemas a test saw, in scope and outside it, once each; at most
/// [`MAX_SCHEMAS`] (the picker is for choosing, not for listing a catalog).
fn schema_names(access: &crate::access::Access) -> Vec<String> {
    let mut names: Vec<String> = access.schemas.iter().map(|s| s.name.clone()).chain(access.other_schemas.iter().cloned()).collect();
    names.sort();
    names.dedup();
    names.truncate(MAX_SCHEMAS);
    names.into_iter().map(|n| clip(&n, 128)).collect()
}

/// Records the outcome of a test of the saved connection `id`.
pub fn record(store: &Store, id: uuid::Uuid, report: &Report) -> crate::store::Result<ConnectionRecord> {
    store.record_test(id, summary(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
        assert_eq!(clip("ééé", 2), "éé…");
    }
}
