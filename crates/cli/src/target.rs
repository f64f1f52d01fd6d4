//! Which connection a command acts on: a URL/conninfo string on the command
//! line, or a saved connection by name, changed by the command's flags (a
//! tunnel, a password command), with the saved secrets the store lets go
//! where it now points (`sluice_core::saved`).

use crate::CliError;
use sluice_core::conninfo;
use sluice_core::connection::PasswordCommand;
use sluice_core::probe::{ProbeRequest, SshRequest};
use sluice_core::saved::{self, Prepared};
use sluice_core::store::{ConnectionRecord, Secrets, Store};

pub struct Target {
    pub request: ProbeRequest,
    /// Set when the target is a saved connection.
    pub saved: Option<(Store, ConnectionRecord, Prepared)>,
    /// Parser warnings (unknown parameters), shown on stderr.
    pub warnings: Vec<String>,
}

/// What the command line changes about the connection.
pub struct Overrides<'a> {
    pub ssh: &'a crate::ssh::SshArgs,
    pub ssh_accept_new: bool,
    pub password_command: Option<PasswordCommand>,
}

/// A string given on the command line is resolved as libpq would: its
/// service, then the `PG*` variables for what it leaves unset, the OS user,
/// the password file. A saved connection keeps what was saved (no `PG*`
/// variable), with the keyring secrets that may still go where the flags
/// now point: a tunnel given here is another route, so the saved database
/// and SSH passwords are not sent through it.
pub fn resolve(url: Option<&str>, name: Option<&str>, o: Overrides<'_>) -> Result<Target, CliError> {
    let typed = o.ssh.read_stdin(false)?;
    let typed = Secrets { ssh_password: typed.password, ssh_passphrase: typed.passphrase, ..Secrets::default() };
    let mut target = match (url, name) {
        (Some(_), Some(_)) => return Err(CliError::new("give either a connection URL or --name, not both")),
        (None, None) => {
            return Err(CliError::new("no connection given")
                .hint("pass a URL (postgresql://user@host/db), \"\" for libpq's defaults and PG* variables, or --name SAVED"))
        }
        (Some(url), None) => {
            let parsed = conninfo::parse(url)?;
            let mut request =
                ProbeRequest::resolved(&parsed.info, conninfo::PasswordSource::Url, &conninfo::Environment::from_process())
                    .map_err(|e| CliError::new(e.to_string()))?;
            check_fields(&request.info)?;
            let warnings = parsed.warnings.into_iter().chain(request.provenance.warnings.iter().cloned()).collect();
            request.ssh = o.ssh.apply(None)?.map(|t| SshRequest::new(t, typed.ssh()));
            request.password_command = o.password_command;
            Target { request, saved: None, warnings }
        }
        (None, Some(name)) => {
            let store = Store::open()?;
            let record = store.get(name)?;
            let mut shape = record.to_new();
            shape.ssh = o.ssh.apply(shape.ssh.take())?;
            if let Some(cmd) = o.password_command {
                shape.password_command = Some(cmd);
            }
            let prepared = saved::prepare(&store, Some(&record), &shape, typed).map_err(|e| match e {
                saved::PrepareError::Store(e) => CliError::from(e),
                e => CliError::new(e.to_string()),
            })?;
            let mut warnings = prepared.request.provenance.warnings.clone();
            for w in &prepared.withheld {
                warnings.push(format!("the saved {} is not sent: {} since it was saved", secret_word(w.kind), w.reason));
            }
            Target { request: prepared.request.clone(), saved: Some((store, record, prepared)), warnings }
        }
    };
    match target.request.ssh.as_mut() {
        Some(ssh) => ssh.accept_new = o.ssh_accept_new,
        None if o.ssh_accept_new => {
            return Err(CliError::new("--ssh-accept-new needs an SSH tunnel (--ssh, or a saved connection with one)"))
        }
        None => {}
    }
    Ok(target)
}

fn secret_word(kind: sluice_core::store::SecretKind) -> &'static str {
    use sluice_core::store::SecretKind as K;
    match kind {
        K::Password => "password",
        K::SshPassword => "SSH password",
        K::SslPassword => "key passphrase",
        K::SslKey => "client key",
        K::SshPassphrase => "SSH key passphrase",
        K::SshKey => "SSH key",
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
