//! One saved connection: what is written to `connections.json` and sent to
//! the UI, and its conversions to and from [`ConnInfo`].
//!
//! A record never holds a secret. Passwords, key passphrases and inline
//! client keys live in the keyring ([`Secrets`]); the record only says
//! whether each one is there (`has_password`, `has_sslpassword`,
//! `has_inline_key`).


use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::{Result, StoreError};
use crate::conninfo::{self, ConnInfo, FieldIssue, InlinePem, Severity};
use crate::job::{JobOptions, Job};
use super::route::Route;
use super::secrets::SecretKind;
use crate::connection::{Entry, InlineTls, Provider};
use crate::secret::Secret;

/// A saved secret held back from a connection, and why (for the form's
/// warning, the CLI's note and the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withheld {
    pub kind: SecretKind,
    pub reason: String,
}

/// What an update does to each secret. `Keep` keeps the saved one only
/// while it may still go where the connection now points (the store decides:
/// see `route.rs`); `Set` is a value the user gave now; `Remove` deletes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SecretChange {
    #[default]
    Keep,
    Set(Secret),
    Remove,
}

/// One [`SecretChange`] per kind of secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretChanges {
    pub password: SecretChange,
    pub sslpassword: SecretChange,
    pub client_key_pem: SecretChange,
    pub ssh_password: SecretChange,
    pub ssh_passphrase: SecretChange,
    pub ssh_key: SecretChange,
}

impl SecretChanges {
    /// Keep every saved secret (that may still be used).
    pub fn keep() -> SecretChanges {
        SecretChanges::default()
    }

    /// Replace all six: the given ones set, the others removed.
    pub fn replace_all(secrets: Secrets) -> SecretChanges {
        let mut out = SecretChanges::default();
        let secrets = secrets.normalized();
        for kind in SecretKind::ALL {
            *out.slot(kind) = match secrets.get(kind) {
                Some(v) => SecretChange::Set(v.clone()),
                None => SecretChange::Remove,
            };
        }
        out
    }

    /// Set the secrets given here (empty ones count as not given), keep the others.
    pub fn set_given(secrets: Secrets) -> SecretChanges {
        let mut out = SecretChanges::default();
        let secrets = secrets.normalized();
        for kind in SecretKind::ALL {
            if let Some(v) = secrets.get(kind) {
                *out.slot(kind) = SecretChange::Set(v.clone());
            }
        }
        out
    }

    pub fn slot(&mut self, kind: SecretKind) -> &mut SecretChange {
        match kind {
            SecretKind::Password => &mut self.password,
            SecretKind::SslPassword => &mut self.sslpassword,
            SecretKind::SslKey => &mut self.client_key_pem,
            SecretKind::SshPassword => &mut self.ssh_password,
            SecretKind::SshPassphrase => &mut self.ssh_passphrase,
            SecretKind::SshKey => &mut self.ssh_key,
        }
    }

    pub fn get(&self, kind: SecretKind) -> &SecretChange {
        match kind {
            SecretKind::Password => &self.password,
            SecretKind::SslPassword => &self.sslpassword,
            SecretKind::SslKey => &self.client_key_pem,
            SecretKind::SshPassword => &self.ssh_password,
            SecretKind::SshPassphrase => &self.ssh_passphrase,
            SecretKind::SshKey => &self.ssh_key,
        }
    }

    pub fn keeps_all(&self) -> bool {
        SecretKind::ALL.into_iter().all(|k| *self.get(k) == SecretChange::Keep)
    }
}

/// `None` keeps every secret; `Some` replaces all six.
impl From<Option<Secrets>> for SecretChanges {
    fn from(s: Option<Secrets>) -> SecretChanges {
        match s {
            None => SecretChanges::keep(),
            Some(s) => SecretChanges::replace_all(s),
        }
    }
}

/// The secrets of one connection. Never serialized; `Debug` shows `<redacted>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    pub password: Option<Secret>,
    /// Passphrase of an encrypted client key.
    pub sslpassword: Option<Secret>,
    /// An inline client key (PEM).
    pub client_key_pem: Option<Secret>,
    /// The SSH tunnel's password (for its hops that log in by password).
    pub ssh_password: Option<Secret>,
    /// The passphrase of the SSH private key.
    pub ssh_passphrase: Option<Secret>,
    /// A pasted SSH private key.
    pub ssh_key: Option<Secret>,
}

impl Secrets {
    pub fn none() -> Secrets {
        Secrets::default()
    }

    pub fn password(p: impl Into<Secret>) -> Secrets {
        Secrets { password: Some(p.into()), ..Secrets::default() }
    }

    pub fn is_empty(&self) -> bool {
        SecretKind::ALL.into_iter().all(|k| self.get(k).is_none())
    }

    /// What the SSH tunnel uses.
    pub fn ssh(&self) -> crate::ssh::SshSecrets {
        crate::ssh::SshSecrets {
            password: self.ssh_password.clone(),
            passphrase: self.ssh_passphrase.clone(),
            private_key: self.ssh_key.clone(),
        }
    }

    /// Empty values count as absent (an empty password is no password).
    pub(crate) fn normalized(self) -> Secrets {
        let keep = |s: Option<Secret>| s.filter(|s| !s.is_empty());
        Secrets {
            password: keep(self.password),
            sslpassword: keep(self.sslpassword),
            client_key_pem: keep(self.client_key_pem),
            ssh_password: keep(self.ssh_password),
            ssh_passphrase: keep(self.ssh_passphrase),
            ssh_key: keep(self.ssh_key),
        }
    }
}

/// The outcome of the last Test Connection, for the list view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSummary {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub connected: bool,
    /// Whether the role is ready for its job, when that was checked.
    pub ready: Option<bool>,
    /// A stable failure code, when it failed.
    pub code: Option<String>,
    pub message: String,
    pub total_ms: u64,
    /// The database's schemas as the test saw them (in scope or not), so
    /// that the form can offer them before the next test. Absent in files
    /// written before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
}

/// The editable part of a saved connection: what `add` takes and `update` replaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewConnection {
    pub name: String,
    pub provider: Provider,
    /// How the form took it (fields or a URL): an edit reopens it so.
    pub entry: Entry,
    pub job: Job,
    /// What the job does beyond reading or writing rows (`destination_options` in files before it held source options too).
    #[serde(alias = "destination_options")]
    pub job_options: JobOptions,
    /// Every libpq keyword set, never a secret one (`params` in the file).
    pub params: ConnInfo,
    /// Certificates given as PEM text instead of files.
    pub pem: InlinePem,
    /// Schemas the access analysis looks at (empty: all).
    pub scope_schemas: Vec<String>,
    /// The SSH tunnel to the database, if it is behind a bastion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh: Option<crate::ssh::Tunnel>,
    /// Where the password comes from when none is saved: a command (cloud
    /// IAM, a secret manager).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_command: Option<crate::connection::PasswordCommand>,
}

impl NewConnection {
    /// Where this connection's secrets would be sent.
    pub fn route(&self) -> Route<'_> {
        Route::new(&self.params, &self.pem, self.ssh.as_ref())
    }

    /// Split a parsed connection into its stored part and its secrets.
    /// The provider is guessed from the host.
    pub fn from_conninfo(name: impl Into<String>, info: &ConnInfo) -> (NewConnection, Secrets) {
        let new = NewConnection {
            name: name.into(),
            provider: Provider::guess(info.get("host")),
            params: info.without_secrets(),
            ..NewConnection::default()
        };
        let secrets = Secrets {
            password: info.password().cloned(),
            sslpassword: info.secret("sslpassword").cloned(),
            ..Secrets::default()
        };
        (new, secrets.normalized())
    }

    /// URL mode: parse a connection string (URI or `key=value`) and split
    /// out its password. Returns the parser's warnings (unknown parameters...).
    pub fn from_url(name: impl Into<String>, url: &str) -> Result<(NewConnection, Secrets, Vec<String>)> {
        let parsed = conninfo::parse(url).map_err(|e| StoreError::invalid("url", e.to_string()))?;
        let (new, secrets) = NewConnection::from_conninfo(name, &parsed.info);
        Ok((new, secrets, parsed.warnings))
    }

    /// Check everything but name uniqueness. `inline_key` says whether the
    /// connection will have an inline client key.
    pub(crate) fn check(&self, inline_key: bool) -> Result<()> {
        if let Some(issue) = conninfo::validate::validate_name(&self.name, &[] as &[&str]) {
            return Err(StoreError::Invalid { issues: vec![issue] });
        }
        // The validator sees paths only; the certificate/key pairing is
        // checked here, where inline material is known too.
        let pair_issue = conninfo::validate::validate_client_cert_pair(&self.params);
        let mut issues: Vec<FieldIssue> = conninfo::validate(&self.name, &self.params, &[] as &[&str])
            .issues
            .into_iter()
            .filter(|i| i.severity == Severity::Error && Some(i) != pair_issue.as_ref())
            .collect();
        let mut push = |field: &str, message: &str| {
            if !issues.iter().any(|i| i.field == field) {
                issues.push(FieldIssue { field: field.to_owned(), severity: Severity::Error, message: message.to_owned() });
            }
        };
        let file = |k: &str| self.params.get(k).is_some_and(|v| !v.is_empty());
        let has_cert = file("sslcert") || self.pem.sslcert.is_some();
        let has_key_file = file("sslkey");
        if inline_key && has_key_file {
            push("sslkey", "Give the client key either as a file or inline, not both.");
        } else if self.pem.sslcert.is_some() && !(inline_key || has_key_file) {
            // A pasted certificate has no default key file to fall back on (a
            // certificate file does: libpq looks for ~/.postgresql/postgresql.key).
            push("sslkey", "A client certificate needs its private key: set the key too.");
        } else if !has_cert && inline_key {
            push("sslcert", "A private key needs its client certificate: set the certificate too.");
        }
        for (field, pem) in [("sslrootcert", &self.pem.sslrootcert), ("sslcert", &self.pem.sslcert)] {
            if let Some(pem) = pem {
                if !pem.contains("-----BEGIN ") {
                    push(field, "This is not PEM text (it should contain \"-----BEGIN\").");
                } else if file(field) {
                    push(field, "Give this certificate either as a file or as PEM text, not both.");
                }
            }
        }
        for s in &self.scope_schemas {
            if s.is_empty() || s.contains('\0') {
                push("scope_schemas", "Schema names must be non-empty text.");
            }
        }
        if let Some(c) = &self.password_command {
            if c.argv.first().is_none_or(|p| p.trim().is_empty()) {
                push("password_command", "The password command needs a program to run.");
            }
        }
        if let Some(t) = &self.ssh {
            for p in t.problems() {
                push("ssh", &p);
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid { issues })
        }
    }
}

/// A saved connection as stored in the file, shown by the CLI and sent to
/// the UI (the IPC `Connection` is this plus its URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// Stable for the record's life (the keyring entries are keyed by it).
    pub id: Uuid,
    pub name: String,
    pub provider: Provider,
    #[serde(default)]
    pub entry: Entry,
    #[serde(default)]
    pub job: Job,
    #[serde(default, alias = "destination_options")]
    pub job_options: JobOptions,
    #[serde(default)]
    pub params: ConnInfo,
    #[serde(default, skip_serializing_if = "InlinePem::is_empty")]
    pub pem: InlinePem,
    #[serde(default)]
    pub scope_schemas: Vec<String>,
    /// The SSH tunnel to the database, if it is behind a bastion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<crate::ssh::Tunnel>,
    /// The password command (see [`NewConnection::password_command`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_command: Option<crate::connection::PasswordCommand>,
    /// A password is in the keyring.
    #[serde(default)]
    pub has_password: bool,
    /// A client key passphrase is in the keyring.
    #[serde(default)]
    pub has_sslpassword: bool,
    /// An inline client key is in the keyring.
    #[serde(default)]
    pub has_inline_key: bool,
    /// The keyring holds the SSH password, the SSH key passphrase, a pasted SSH key.
    #[serde(default)]
    pub has_ssh_password: bool,
    #[serde(default)]
    pub has_ssh_passphrase: bool,
    #[serde(default)]
    pub has_ssh_key: bool,
    /// False when the connection was saved without its secrets (the keyring
    /// was unavailable): ask for the password when testing.
    #[serde(default = "yes")]
    pub password_saved: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default)]
    pub last_test: Option<TestSummary>,
}

fn yes() -> bool {
    true
}

impl ConnectionRecord {
    /// A fresh record (no secrets flagged yet).
    pub(crate) fn create(new: NewConnection, now: OffsetDateTime) -> ConnectionRecord {
        let mut record = ConnectionRecord {
            id: Uuid::new_v4(),
            name: String::new(),
            provider: Provider::default(),
            entry: Entry::default(),
            job: Job::default(),
            job_options: JobOptions::default(),
            params: ConnInfo::default(),
            pem: InlinePem::default(),
            scope_schemas: Vec::new(),
            ssh: None,
            password_command: None,
            has_password: false,
            has_ssh_password: false,
            has_ssh_passphrase: false,
            has_ssh_key: false,
            has_sslpassword: false,
            has_inline_key: false,
            password_saved: true,
            created_at: now,
            updated_at: now,
            last_test: None,
        };
        record.apply(new);
        record
    }

    /// Replace the editable part.
    pub(crate) fn apply(&mut self, new: NewConnection) {
        self.name = new.name.trim().to_owned();
        self.provider = new.provider;
        self.entry = new.entry;
        self.job = new.job;
        self.job_options = new.job_options;
        self.params = new.params.without_secrets();
        self.pem = new.pem.normalized();
        self.scope_schemas = new.scope_schemas;
        self.ssh = new.ssh.filter(|t| !t.is_empty());
        self.password_command = new.password_command.filter(|c| !c.argv.is_empty());
    }

    /// The editable part, e.g. to start an edit from.
    pub fn to_new(&self) -> NewConnection {
        NewConnection {
            name: self.name.clone(),
            provider: self.provider,
            entry: self.entry,
            job: self.job,
            job_options: self.job_options.clone(),
            params: self.params.clone(),
            pem: self.pem.clone(),
            scope_schemas: self.scope_schemas.clone(),
            ssh: self.ssh.clone(),
            password_command: self.password_command.clone(),
        }
    }

    /// The connection with its secrets put back in. Inline PEM material has
    /// no libpq keyword: get it from [`ConnectionRecord::inline_tls`].
    pub fn to_conninfo(&self, secrets: &Secrets) -> ConnInfo {
        let mut info = self.params.clone();
        info.set_secret("password", secrets.password.clone());
        info.set_secret("sslpassword", secrets.sslpassword.clone());
        info
    }

    /// The certificates and key given inline rather than as files.
    pub fn inline_tls(&self, secrets: &Secrets) -> InlineTls {
        InlineTls { pem: self.pem.clone(), client_key_pem: secrets.client_key_pem.clone() }
    }

    /// The URL to show or copy: never a password.
    pub fn to_uri_without_password(&self) -> String {
        self.params.to_uri_without_password()
    }

    /// Where this record's secrets were saved for.
    pub fn route(&self) -> Route<'_> {
        Route::new(&self.params, &self.pem, self.ssh.as_ref())
    }

    /// The saved secrets that may not go to `to` (see `route.rs`): the
    /// database password when `to` names another server or user, reaches
    /// it by another route, or protects it less; the SSH password when the
    /// tunnel has other hosts or users or trusts host keys differently. Key
    /// passphrases and keys never leave this machine, so they always stay.
    pub fn moved_secrets(&self, to: &Route<'_>) -> Vec<Withheld> {
        let from = self.route();
        let mut out = Vec::new();
        if self.has_password {
            if let Some(reason) = super::route::password_blocked(&from, to) {
                out.push(Withheld { kind: SecretKind::Password, reason });
            }
        }
        if self.has_ssh_password {
            if let Some(reason) = super::route::ssh_password_blocked(&from, to) {
                out.push(Withheld { kind: SecretKind::SshPassword, reason });
            }
        }
        out
    }

    /// The saved secrets that may be used for a connection to `to`: all
    /// but the [moved](Self::moved_secrets) ones, which are listed.
    pub(crate) fn reusable_secrets(&self, mut saved: Secrets, to: &Route<'_>) -> (Secrets, Vec<Withheld>) {
        let moved = self.moved_secrets(to);
        for w in &moved {
            saved.slot(w.kind).take();
        }
        (saved, moved)
    }

    /// Which kinds of secret the keyring holds for this record.
    pub fn secret_kinds(&self) -> Vec<SecretKind> {
        SecretKind::ALL.into_iter().filter(|k| self.has(*k)).collect()
    }

    /// Whether the keyring holds this kind of secret for the record.
    pub fn has(&self, kind: SecretKind) -> bool {
        use SecretKind as K;
        match kind {
            K::Password => self.has_password,
            K::SslPassword => self.has_sslpassword,
            K::SslKey => self.has_inline_key,
            K::SshPassword => self.has_ssh_password,
            K::SshPassphrase => self.has_ssh_passphrase,
            K::SshKey => self.has_ssh_key,
        }
    }

    pub(crate) fn set_has(&mut self, kind: SecretKind, value: bool) {
        use SecretKind as K;
        let flag = match kind {
            K::Password => &mut self.has_password,
            K::SslPassword => &mut self.has_sslpassword,
            K::SslKey => &mut self.has_inline_key,
            K::SshPassword => &mut self.has_ssh_password,
            K::SshPassphrase => &mut self.has_ssh_passphrase,
            K::SshKey => &mut self.has_ssh_key,
        };
        *flag = value;
    }

    pub(crate) fn set_flags(&mut self, secrets: &Secrets) {
        for kind in SecretKind::ALL {
            self.set_has(kind, secrets.get(kind).is_some());
        }
    }
}
