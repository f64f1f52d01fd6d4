//! What a test learnt so far. It outlives a deadline or a cancel (the
//! report still says what was reached), and it is where a failure on its
//! way up is classified: the one place a classifier [`Context`] is built.

use super::classify::{classify, Context, Staged};
use super::password_command::StderrSink;
use super::report::ProbeError;
use super::{target, Attempt, ProbeRequest, ServerInfo};
use crate::access;
use crate::conninfo::{PasswordSource, SslMode};
use crate::secret::Secret;

pub(crate) struct Learnt {
    pub connected: bool,
    /// The password the password command printed.
    pub command_password: Option<Secret>,
    /// The password command is running (a deadline then is its failure).
    pub running_command: bool,
    /// What the password command wrote to stderr, kept past a deadline.
    pub command_stderr: StderrSink,
    pub attempts: Vec<Attempt>,
    pub server: Option<ServerInfo>,
    pub access: Option<access::Access>,
    pub verdict: Option<access::Verdict>,
    pub host: String,
    pub port: u16,
    /// The place in the host list of the host being tried.
    pub host_index: usize,
    pub user: String,
    pub dbname: String,
    pub sslmode: SslMode,
    options: Option<String>,
    direct_tls: bool,
}

impl Learnt {
    pub fn new(req: &ProbeRequest) -> Learnt {
        let user = req.info.get("user").filter(|u| !u.is_empty()).map_or_else(default_user, str::to_owned);
        let dbname = req.info.get("dbname").filter(|d| !d.is_empty()).map_or_else(|| user.clone(), str::to_owned);
        Learnt {
            connected: false,
            command_password: None,
            running_command: false,
            command_stderr: StderrSink::default(),
            attempts: Vec::new(),
            server: None,
            access: None,
            verdict: None,
            host: req.info.get("host").unwrap_or_default().to_owned(),
            port: target::DEFAULT_PORT,
            host_index: 0,
            user,
            dbname,
            sslmode: req.info.effective_sslmode(),
            options: req.info.get("options").map(str::to_owned),
            direct_tls: super::converse::direct_tls(&req.info),
        }
    }

    /// Classifies a failure with what is known now (the one boundary).
    pub fn classify(&self, staged: Staged) -> ProbeError {
        let Staged { failure, stage, seen } = staged;
        let (host, port) = seen.host.clone().unwrap_or_else(|| (self.host.clone(), self.port));
        let ctx = Context {
            options: self.options.as_deref(),
            host: &host,
            port,
            user: &self.user,
            dbname: &self.dbname,
            sslmode: self.sslmode,
            used_tls: seen.used_tls,
            first_byte: seen.first_byte,
            sent_ssl_request: seen.sent_ssl_request,
            tls_offered: seen.tls_offered,
            direct_tls: self.direct_tls,
        };
        classify(failure, stage, &ctx)
    }

    /// The password to send: the password command's, else the one given,
    /// else the password file's for the host being tried.
    pub fn password<'r>(&'r self, req: &'r ProbeRequest) -> Option<&'r Secret> {
        self.command_password.as_ref().or(req.info.password()).or_else(|| self.host_password(req).map(|(p, _)| p))
    }

    /// The password file's line for the host being tried, in a host list.
    fn host_password<'r>(&self, req: &'r ProbeRequest) -> Option<&'r (Secret, String)> {
        req.host_passwords.get(self.host_index).and_then(Option::as_ref)
    }

    /// Where the password sent came from: the password command's, else the request's.
    pub fn password_source(&self, req: &ProbeRequest) -> PasswordSource {
        if self.command_password.is_some() {
            PasswordSource::Command
        } else if req.info.password().is_none() && !req.host_passwords.is_empty() {
            if self.host_password(req).is_some() {
                PasswordSource::Pgpass
            } else {
                PasswordSource::None
            }
        } else {
            req.provenance.password_source
        }
    }

    /// The password file line of the password sent (`FILE:LINE`).
    pub fn passfile(&self, req: &ProbeRequest) -> Option<String> {
        if req.info.password().is_none() && !req.host_passwords.is_empty() {
            self.host_password(req).map(|(_, line)| line.clone())
        } else {
            req.provenance.passfile.clone()
        }
    }
}

/// libpq's default user: the operating-system user (the effective uid's
/// name), never `$USER`. Callers usually resolved it already.
fn default_user() -> String {
    crate::conninfo::environment::os_user().unwrap_or_default()
}

/// How the report says where the password came from.
pub(crate) fn password_source_text(s: PasswordSource) -> &'static str {
    match s {
        PasswordSource::Keyring => "the keyring",
        PasswordSource::Url => "the connection string",
        PasswordSource::Pgpass => "the password file",
        PasswordSource::Env => "PGPASSWORD",
        PasswordSource::Prompt => "the form",
        PasswordSource::Command => "the password command",
        PasswordSource::None => "nowhere",
    }
}
