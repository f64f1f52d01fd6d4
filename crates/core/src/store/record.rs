//! One saved connection: what is written to `connections.json` and sent to
//! the UI, and its conversions to and from [`ConnInfo`].
//!
//! A record never holds a secret. Passwords, key passphrases and inline
//! client keys live in the keyring ([`Secrets`]); the record only says
//! whether each one is there (`has_password`, `has_sslpassword`,
//! `has_inline_key`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::{Result, StoreError};
use crate::conninfo::{self, keywords, ConnInfo, FieldIssue, Severity, SslMode};
use crate::secret::Secret;

/// Who hosts the database; the UI uses it for hints and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    #[default]
    Postgres,
    Neon,
    Supabase,
    Rds,
    Other,
}

impl Provider {
    pub const ALL: [Provider; 5] =
        [Provider::Postgres, Provider::Neon, Provider::Supabase, Provider::Rds, Provider::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Postgres => "postgres",
            Provider::Neon => "neon",
            Provider::Supabase => "supabase",
            Provider::Rds => "rds",
            Provider::Other => "other",
        }
    }

    /// The provider a host name points to (`*.neon.tech`, `*.supabase.co`,
    /// `*.supabase.com`, `*.rds.amazonaws.com`), otherwise plain Postgres.
    pub fn guess(host: Option<&str>) -> Provider {
        let host = host.unwrap_or("").to_ascii_lowercase();
        let first = host.split(',').next().unwrap_or("").trim_end_matches('.');
        let under = |suffix: &str| first == suffix || first.ends_with(&format!(".{suffix}"));
        if under("neon.tech") {
            Provider::Neon
        } else if under("supabase.co") || under("supabase.com") {
            Provider::Supabase
        } else if under("rds.amazonaws.com") || under("rds.amazonaws.com.cn") {
            Provider::Rds
        } else {
            Provider::Postgres
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown provider \"{s}\" (expected postgres, neon, supabase, rds or other)"))
    }
}

/// What the connection is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Source,
    Destination,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Destination => "destination",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "source" => Ok(Role::Source),
            "destination" => Ok(Role::Destination),
            _ => Err(format!("unknown role \"{s}\" (expected source or destination)")),
        }
    }
}

/// What a destination may do; ignored for sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DestinationOptions {
    /// Truncate tables before loading.
    pub truncate: bool,
    /// Create missing tables.
    pub init_tables: bool,
}

/// Certificate material: a file path or the PEM text itself.
/// Serialized as `{"path": "..."}` or `{"pem": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsSource {
    Path(String),
    Pem(String),
}

impl TlsSource {
    pub fn path(&self) -> Option<&str> {
        match self {
            TlsSource::Path(p) => Some(p),
            TlsSource::Pem(_) => None,
        }
    }
}

/// The client key: a file path (in the record) or inline PEM (a secret, in the keyring).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientKey {
    Path(String),
    Pem(Secret),
}

/// The TLS material of a record with its secrets, for the probe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsMaterial {
    pub root_cert: Option<TlsSource>,
    pub client_cert: Option<TlsSource>,
    pub client_key: Option<ClientKey>,
}

/// The libpq fields of a connection, minus every secret.
///
/// Certificates may be paths or inline PEM; the client key here is only
/// ever a path (an inline key is a secret: [`Secrets::client_key_pem`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnFields {
    pub host: Option<String>,
    pub hostaddr: Option<String>,
    pub port: Option<String>,
    pub dbname: Option<String>,
    pub user: Option<String>,
    pub sslmode: Option<SslMode>,
    pub sslrootcert: Option<TlsSource>,
    pub sslcert: Option<TlsSource>,
    /// Path of the client key file.
    pub sslkey: Option<String>,
    pub application_name: Option<String>,
    pub connect_timeout: Option<String>,
    pub options: Option<String>,
    pub target_session_attrs: Option<String>,
    pub channel_binding: Option<String>,
    /// Other libpq keywords, in order, as `[keyword, value]` pairs. Never a secret keyword.
    pub extra: Vec<(String, String)>,
}

impl ConnFields {
    /// The non-secret fields of `info` (certificate and key paths as paths).
    pub fn from_conninfo(info: &ConnInfo) -> ConnFields {
        ConnFields {
            host: info.host.clone(),
            hostaddr: info.hostaddr.clone(),
            port: info.port.clone(),
            dbname: info.dbname.clone(),
            user: info.user.clone(),
            sslmode: info.sslmode,
            sslrootcert: info.sslrootcert.clone().map(TlsSource::Path),
            sslcert: info.sslcert.clone().map(TlsSource::Path),
            sslkey: info.sslkey.clone(),
            application_name: info.application_name.clone(),
            connect_timeout: info.connect_timeout.clone(),
            options: info.options.clone(),
            target_session_attrs: info.target_session_attrs.clone(),
            channel_binding: info.channel_binding.clone(),
            extra: info.extra.iter().filter(|(k, _)| !keywords::is_secret(k)).cloned().collect(),
        }
    }

    /// Whether `other` names the same server and login as `self`: host,
    /// hostaddr, port and user, compared as libpq would use them (unset and
    /// empty are the same; an unset port is 5432). A saved password is only
    /// ever sent while this holds.
    pub fn same_server(&self, other: &ConnFields) -> bool {
        fn norm(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let port = |f: &ConnFields| norm(&f.port).unwrap_or("5432").to_owned();
        norm(&self.host) == norm(&other.host)
            && norm(&self.hostaddr) == norm(&other.hostaddr)
            && port(self) == port(other)
            && norm(&self.user) == norm(&other.user)
    }

    /// A [`ConnInfo`] without secrets. Inline PEM certificates have no libpq
    /// keyword and are left out (see [`ConnectionRecord::tls_material`]).
    pub fn to_conninfo(&self) -> ConnInfo {
        ConnInfo {
            host: self.host.clone(),
            hostaddr: self.hostaddr.clone(),
            port: self.port.clone(),
            dbname: self.dbname.clone(),
            user: self.user.clone(),
            password: None,
            sslmode: self.sslmode,
            sslrootcert: self.sslrootcert.as_ref().and_then(|s| s.path()).map(str::to_owned),
            sslcert: self.sslcert.as_ref().and_then(|s| s.path()).map(str::to_owned),
            sslkey: self.sslkey.clone(),
            sslpassword: None,
            application_name: self.application_name.clone(),
            connect_timeout: self.connect_timeout.clone(),
            options: self.options.clone(),
            target_session_attrs: self.target_session_attrs.clone(),
            channel_binding: self.channel_binding.clone(),
            extra: self.extra.clone(),
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
}

impl Secrets {
    pub fn none() -> Secrets {
        Secrets::default()
    }

    pub fn password(p: impl Into<Secret>) -> Secrets {
        Secrets { password: Some(p.into()), ..Secrets::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.password.is_none() && self.sslpassword.is_none() && self.client_key_pem.is_none()
    }

    /// Each secret given here, else the one from `fallback` (e.g. the saved
    /// ones when an edit did not retype them).
    pub fn or(self, fallback: Secrets) -> Secrets {
        Secrets {
            password: self.password.or(fallback.password),
            sslpassword: self.sslpassword.or(fallback.sslpassword),
            client_key_pem: self.client_key_pem.or(fallback.client_key_pem),
        }
    }

    /// Empty values count as absent (an empty password is no password).
    pub(crate) fn normalized(self) -> Secrets {
        let keep = |s: Option<Secret>| s.filter(|s| !s.is_empty());
        Secrets {
            password: keep(self.password),
            sslpassword: keep(self.sslpassword),
            client_key_pem: keep(self.client_key_pem),
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
}

/// The editable part of a saved connection: what `add` takes and `update` replaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewConnection {
    pub name: String,
    pub provider: Provider,
    pub role: Role,
    pub options: DestinationOptions,
    pub connection: ConnFields,
    /// Schemas the access analysis looks at (empty: all).
    pub scope_schemas: Vec<String>,
}

impl NewConnection {
    /// Split a parsed connection into its stored fields and its secrets.
    /// The provider is guessed from the host.
    pub fn from_conninfo(name: impl Into<String>, info: &ConnInfo) -> (NewConnection, Secrets) {
        let new = NewConnection {
            name: name.into(),
            provider: Provider::guess(info.host.as_deref()),
            role: Role::Source,
            options: DestinationOptions::default(),
            connection: ConnFields::from_conninfo(info),
            scope_schemas: Vec::new(),
        };
        let secrets =
            Secrets { password: info.password.clone(), sslpassword: info.sslpassword.clone(), client_key_pem: None };
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
        let info = self.connection.to_conninfo();
        // The validator only sees paths; the certificate/key pairing is
        // checked here, where inline material is known too.
        let pair_issue = conninfo::validate::validate_client_cert_pair(&info);
        let mut issues: Vec<FieldIssue> = conninfo::validate(&self.name, &info, &[] as &[&str])
            .issues
            .into_iter()
            .filter(|i| i.severity == Severity::Error && Some(i) != pair_issue.as_ref())
            .collect();
        let mut push = |field: &str, message: &str| {
            if !issues.iter().any(|i| i.field == field) {
                issues.push(FieldIssue {
                    field: field.to_owned(),
                    severity: Severity::Error,
                    message: message.to_owned(),
                });
            }
        };
        let has_cert = self.connection.sslcert.is_some();
        let has_key_file = self.connection.sslkey.as_deref().is_some_and(|k| !k.is_empty());
        if inline_key && has_key_file {
            push("sslkey", "Give the client key either as a file or inline, not both.");
        } else if has_cert && !(inline_key || has_key_file) {
            push("sslkey", "A client certificate needs its private key: set the key too.");
        } else if !has_cert && (inline_key || has_key_file) {
            push("sslcert", "A private key needs its client certificate: set the certificate too.");
        }
        for (field, source) in [("sslrootcert", &self.connection.sslrootcert), ("sslcert", &self.connection.sslcert)] {
            if let Some(TlsSource::Pem(pem)) = source {
                if !pem.contains("-----BEGIN ") {
                    push(field, "This is not PEM text (it should contain \"-----BEGIN\").");
                }
            }
        }
        for (k, _) in &self.connection.extra {
            match keywords::lookup(k) {
                None => push("extra", &format!("\"{k}\" is not a libpq parameter.")),
                Some(kw) if kw.secret => {
                    push("extra", &format!("\"{k}\" is a secret and cannot be stored as a plain parameter."))
                }
                Some(kw) if kw.typed => push("extra", &format!("\"{k}\" has its own field; set it there.")),
                Some(_) => {}
            }
        }
        for s in &self.scope_schemas {
            if s.is_empty() || s.contains('\0') {
                push("scope_schemas", "Schema names must be non-empty text.");
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid { issues })
        }
    }
}

/// A saved connection as stored in the file and shown in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// Stable for the record's life (the keyring entries are keyed by it).
    pub id: Uuid,
    pub name: String,
    pub provider: Provider,
    pub role: Role,
    #[serde(default)]
    pub options: DestinationOptions,
    #[serde(default)]
    pub connection: ConnFields,
    #[serde(default)]
    pub scope_schemas: Vec<String>,
    /// A password is in the keyring.
    #[serde(default)]
    pub has_password: bool,
    /// A client key passphrase is in the keyring.
    #[serde(default)]
    pub has_sslpassword: bool,
    /// An inline client key is in the keyring.
    #[serde(default)]
    pub has_inline_key: bool,
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
            role: Role::default(),
            options: DestinationOptions::default(),
            connection: ConnFields::default(),
            scope_schemas: Vec::new(),
            has_password: false,
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
        self.role = new.role;
        self.options = new.options;
        self.connection = new.connection;
        self.scope_schemas = new.scope_schemas;
    }

    /// The editable part, e.g. to start an edit from.
    pub fn to_new(&self) -> NewConnection {
        NewConnection {
            name: self.name.clone(),
            provider: self.provider,
            role: self.role,
            options: self.options,
            connection: self.connection.clone(),
            scope_schemas: self.scope_schemas.clone(),
        }
    }

    /// The connection with its secrets put back in. Inline PEM material has
    /// no libpq keyword: get it from [`ConnectionRecord::tls_material`].
    pub fn to_conninfo(&self, secrets: &Secrets) -> ConnInfo {
        let mut info = self.connection.to_conninfo();
        info.password = secrets.password.clone();
        info.sslpassword = secrets.sslpassword.clone();
        info
    }

    /// Root certificate, client certificate and client key, inline or as paths.
    pub fn tls_material(&self, secrets: &Secrets) -> TlsMaterial {
        let client_key = match (&self.connection.sslkey, &secrets.client_key_pem) {
            (Some(path), _) => Some(ClientKey::Path(path.clone())),
            (None, Some(pem)) => Some(ClientKey::Pem(pem.clone())),
            (None, None) => None,
        };
        TlsMaterial {
            root_cert: self.connection.sslrootcert.clone(),
            client_cert: self.connection.sslcert.clone(),
            client_key,
        }
    }

    /// The URL to show or copy: never a password.
    pub fn to_uri_without_password(&self) -> String {
        self.connection.to_conninfo().to_uri_without_password()
    }

    /// The saved secrets that may be used for a connection to `target`: all
    /// of them while it names the server they were saved for
    /// ([`ConnFields::same_server`]), else all but the password, which is
    /// the one secret sent to the server. The flag says a password was held back.
    pub fn reusable_secrets(&self, mut saved: Secrets, target: &ConnFields) -> (Secrets, bool) {
        if self.connection.same_server(target) {
            return (saved, false);
        }
        let withheld = saved.password.take().is_some();
        (saved, withheld)
    }

    /// Which kinds of secret the keyring holds for this record.
    pub(crate) fn secret_kinds(&self) -> Vec<super::secrets::SecretKind> {
        use super::secrets::SecretKind;
        let mut kinds = Vec::new();
        if self.has_password {
            kinds.push(SecretKind::Password);
        }
        if self.has_sslpassword {
            kinds.push(SecretKind::SslPassword);
        }
        if self.has_inline_key {
            kinds.push(SecretKind::SslKey);
        }
        kinds
    }

    pub(crate) fn set_flags(&mut self, secrets: &Secrets) {
        self.has_password = secrets.password.is_some();
        self.has_sslpassword = secrets.sslpassword.is_some();
        self.has_inline_key = secrets.client_key_pem.is_some();
    }
}
