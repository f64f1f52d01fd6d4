//! The IPC types, defined once here (docs/DESIGN.md has the contract).
//! Objects are snake_case, the same as the CLI's JSON.

use crate::error::CommandError;
use serde::{Deserialize, Serialize};
use sluice_core::conninfo::{ConnInfo, SslMode};
use sluice_core::secret::Secret;
use sluice_core::store::{self, ConnFields, ConnectionRecord, NewConnection, Provider, Role, Secrets, TlsSource};

/// The form's fields. Every libpq value the form or the URL can hold is
/// here (`extra` keeps the rest), so switching URL ↔ Host loses nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Fields {
    pub host: Option<String>,
    pub hostaddr: Option<String>,
    pub port: Option<String>,
    pub dbname: Option<String>,
    pub user: Option<String>,
    /// Only ever the password the user is typing; never filled from the keyring.
    pub password: Option<String>,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    pub sslcert: Option<String>,
    pub sslkey: Option<String>,
    pub application_name: Option<String>,
    pub connect_timeout: Option<String>,
    pub options: Option<String>,
    pub target_session_attrs: Option<String>,
    pub channel_binding: Option<String>,
    pub extra: Vec<(String, String)>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Fields {
    pub fn from_conninfo(info: &ConnInfo, with_password: bool) -> Fields {
        Fields {
            host: info.host.clone(),
            hostaddr: info.hostaddr.clone(),
            port: info.port.clone(),
            dbname: info.dbname.clone(),
            user: info.user.clone(),
            password: if with_password { info.password.as_ref().map(|p| p.expose().to_owned()) } else { None },
            sslmode: info.sslmode.map(|m| m.as_str().to_owned()),
            sslrootcert: info.sslrootcert.clone(),
            sslcert: info.sslcert.clone(),
            sslkey: info.sslkey.clone(),
            application_name: info.application_name.clone(),
            connect_timeout: info.connect_timeout.clone(),
            options: info.options.clone(),
            target_session_attrs: info.target_session_attrs.clone(),
            channel_binding: info.channel_binding.clone(),
            extra: info.extra.clone(),
        }
    }

    /// Empty inputs mean "not set"; the password is kept as typed (spaces
    /// are legal in passwords).
    pub fn to_conninfo(&self) -> Result<ConnInfo, CommandError> {
        let sslmode = match non_empty(&self.sslmode) {
            Some(m) => Some(m.parse::<SslMode>().map_err(|e| CommandError::invalid(e.to_string()))?),
            None => None,
        };
        Ok(ConnInfo {
            host: non_empty(&self.host),
            hostaddr: non_empty(&self.hostaddr),
            port: non_empty(&self.port),
            dbname: non_empty(&self.dbname),
            user: non_empty(&self.user),
            password: self.password.clone().filter(|p| !p.is_empty()).map(Secret::new),
            sslmode,
            sslrootcert: non_empty(&self.sslrootcert),
            sslcert: non_empty(&self.sslcert),
            sslkey: non_empty(&self.sslkey),
            sslpassword: None,
            application_name: non_empty(&self.application_name),
            connect_timeout: non_empty(&self.connect_timeout),
            options: non_empty(&self.options),
            target_session_attrs: non_empty(&self.target_session_attrs),
            channel_binding: non_empty(&self.channel_binding),
            extra: self.extra.clone(),
        })
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum JobArg {
    #[default]
    Source,
    Destination,
}

/// What the form holds, for validate, save and test.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub id: Option<String>,
    pub name: String,
    pub provider: Option<Provider>,
    pub role: JobArg,
    pub truncate: bool,
    pub init_tables: bool,
    pub fields: Fields,
    pub root_cert_pem: Option<String>,
    pub client_cert_pem: Option<String>,
    pub client_key_pem: Option<String>,
    pub client_key_passphrase: Option<String>,
    pub schemas: Vec<String>,
}

fn pem(v: &Option<String>) -> Option<String> {
    v.as_ref().filter(|s| !s.trim().is_empty()).cloned()
}

impl Draft {
    pub fn uuid(&self) -> Result<Option<uuid::Uuid>, CommandError> {
        match self.id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => id.parse().map(Some).map_err(|_| CommandError::invalid(format!("\"{id}\" is not a connection id"))),
            None => Ok(None),
        }
    }

    /// The stored part (no secrets) and the secrets, split.
    pub fn split(&self) -> Result<(NewConnection, Secrets), CommandError> {
        let info = self.fields.to_conninfo()?;
        let mut connection = ConnFields::from_conninfo(&info);
        if let Some(p) = pem(&self.root_cert_pem) {
            connection.sslrootcert = Some(TlsSource::Pem(p));
        }
        if let Some(p) = pem(&self.client_cert_pem) {
            connection.sslcert = Some(TlsSource::Pem(p));
        }
        let new = NewConnection {
            name: self.name.trim().to_owned(),
            provider: self.provider.unwrap_or_else(|| Provider::guess(info.host.as_deref())),
            role: match self.role {
                JobArg::Source => Role::Source,
                JobArg::Destination => Role::Destination,
            },
            options: store::DestinationOptions { truncate: self.truncate, init_tables: self.init_tables },
            connection,
            scope_schemas: self.schemas.clone(),
        };
        let secrets = Secrets {
            password: info.password,
            sslpassword: self.client_key_passphrase.clone().filter(|s| !s.is_empty()).map(Secret::new),
            client_key_pem: pem(&self.client_key_pem).map(Secret::new),
        };
        Ok((new, secrets))
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LastTest {
    pub at: String,
    pub connected: bool,
    pub ready: Option<bool>,
    pub code: Option<String>,
    pub message: String,
    pub total_ms: u64,
}

/// A saved connection as the UI sees it: never a secret, only flags.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub provider: Provider,
    pub role: JobArg,
    pub truncate: bool,
    pub init_tables: bool,
    pub fields: Fields,
    pub has_password: bool,
    pub password_saved: bool,
    pub has_client_key: bool,
    pub root_cert_pem: Option<String>,
    pub client_cert_pem: Option<String>,
    pub schemas: Vec<String>,
    pub url: String,
    pub created_at: String,
    pub updated_at: String,
    pub last_test: Option<LastTest>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl From<&ConnectionRecord> for Connection {
    fn from(r: &ConnectionRecord) -> Self {
        let info = r.connection.to_conninfo();
        let mut fields = Fields::from_conninfo(&info, false);
        let pem_of = |s: &Option<TlsSource>| match s {
            Some(TlsSource::Pem(p)) => Some(p.clone()),
            _ => None,
        };
        // Inline PEM is shown in its own box, not as a path.
        if pem_of(&r.connection.sslrootcert).is_some() {
            fields.sslrootcert = None;
        }
        if pem_of(&r.connection.sslcert).is_some() {
            fields.sslcert = None;
        }
        Connection {
            id: r.id.to_string(),
            name: r.name.clone(),
            provider: r.provider,
            role: match r.role {
                Role::Source => JobArg::Source,
                Role::Destination => JobArg::Destination,
            },
            truncate: r.options.truncate,
            init_tables: r.options.init_tables,
            fields,
            has_password: r.has_password,
            password_saved: r.password_saved,
            has_client_key: r.has_inline_key || r.connection.sslkey.is_some(),
            root_cert_pem: pem_of(&r.connection.sslrootcert),
            client_cert_pem: pem_of(&r.connection.sslcert),
            schemas: r.scope_schemas.clone(),
            url: r.to_uri_without_password(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            last_test: r.last_test.as_ref().map(|t| LastTest {
                at: rfc3339(t.at),
                connected: t.connected,
                ready: t.ready,
                code: t.code.clone(),
                message: t.message.clone(),
                total_ms: t.total_ms,
            }),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ParsedUrl {
    pub fields: Fields,
    pub warnings: Vec<String>,
    pub syntax: sluice_core::conninfo::Syntax,
}

#[derive(Debug, Serialize)]
pub struct ConnectionList {
    pub connections: Vec<Connection>,
    pub warnings: Vec<String>,
}

/// Which connection a test is for.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum TestTarget {
    Saved { id: String },
    Draft { draft: Box<Draft> },
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct JobOptions {
    pub truncate: bool,
    pub init_tables: bool,
}

#[derive(Debug, Serialize)]
pub struct KeyringStatus {
    pub available: bool,
    pub message: Option<String>,
    pub hint: Option<String>,
}
