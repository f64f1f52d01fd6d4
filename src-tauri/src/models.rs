//! The IPC types (docs/DESIGN.md has the contract). Wherever core has the
//! type, it goes over IPC as it is: a connection's libpq keywords are a
//! `ConnInfo` (the `params` object), a saved connection is the store's
//! `ConnectionRecord`, a test's outcome is the probe's `Report`, the last
//! test a `TestSummary`. Only what the form sends and a few replies are
//! defined here. Objects are snake_case, the same as the CLI's JSON.

use crate::error::CommandError;
use sluice_core::ssh::Tunnel;
use serde::{Deserialize, Serialize, Serializer};
use sluice_core::conninfo::{keywords, ConnInfo, FieldIssue, InlinePem, ParamsError, Severity, Syntax};
use std::collections::BTreeMap;
use sluice_core::job::{JobOptions, Job};
use sluice_core::connection::{InlineTls, PasswordCommand};
use sluice_core::secret::Secret;
use sluice_core::store::{ConnectionRecord, NewConnection, Provider, Secrets};

/// The one secret that goes to the UI: the password the user just pasted
/// in a URL, so that the form can move it into the masked field. It is
/// written by serde and redacted by `Debug`.
#[derive(Debug)]
pub struct Revealed(pub Secret);

impl Serialize for Revealed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose())
    }
}

/// `parse_url`'s reply: the keywords (never a secret), the password apart.
#[derive(Debug, Serialize)]
pub struct ParsedUrl {
    pub params: ConnInfo,
    pub password: Option<Revealed>,
    pub warnings: Vec<String>,
    pub syntax: Syntax,
    /// Who hosts it, from the host name (`Provider::guess`: the one place providers are detected).
    pub provider: Provider,
    /// Settings the provider requires that the string lacks, added to `params` (the form says so).
    pub added: Vec<(String, String)>,
}

/// The `params` object the UI sends: libpq keywords and their values, read
/// as they are and then checked into a [`ConnInfo`], so that a bad one is a
/// field issue (validate) or an `invalid_input` error naming it, never a
/// failure to read the call.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, Option<String>>);

/// The value of a secret keyword is refused by [`Params::check`], but a
/// caller can still send one: `{:?}` never prints it.
impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in &self.0 {
            match v {
                Some(_) if keywords::is_secret(k) => map.entry(k, &"<redacted>"),
                v => map.entry(k, v),
            };
        }
        map.finish()
    }
}

impl Params {
    /// The keywords as a [`ConnInfo`], and one issue per keyword refused
    /// (unknown, secret, or a value libpq cannot take).
    pub fn check(&self) -> (ConnInfo, Vec<FieldIssue>) {
        let mut info = ConnInfo::default();
        let mut issues = Vec::new();
        for (k, v) in &self.0 {
            let Some(v) = v else { continue };
            let refused = if keywords::is_secret(k) {
                Some(format!("\"{k}\" is a secret: it is never sent as a parameter."))
            } else {
                match info.set(k, v.clone()) {
                    Ok(()) => None,
                    Err(ParamsError::UnknownKeyword(_)) => Some(format!("\"{k}\" is not a libpq parameter.")),
                    Err(e) => Some(e.to_string()),
                }
            };
            if let Some(message) = refused {
                issues.push(FieldIssue { field: k.clone(), severity: Severity::Error, message });
            }
        }
        (info, issues)
    }

    /// The keywords as a [`ConnInfo`], or `invalid_input` naming the bad ones.
    pub fn to_conninfo(&self) -> Result<ConnInfo, CommandError> {
        match self.check() {
            (info, issues) if issues.is_empty() => Ok(info),
            (_, issues) => Err(CommandError { issues, ..CommandError::invalid("Some connection parameters are not valid.") }),
        }
    }
}

/// What the form holds, for validate, save and test. Every secret is a
/// [`Secret`], so a stray `{:?}` prints `<redacted>`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Draft {
    /// Set when editing a saved connection.
    pub id: Option<String>,
    pub name: String,
    /// Guessed from the host when absent.
    pub provider: Option<Provider>,
    /// How the form took it: fields or a URL.
    pub entry: sluice_core::connection::Entry,
    pub job: Job,
    pub job_options: JobOptions,
    /// Every libpq keyword the form sets (never a secret one).
    pub params: Params,
    /// Certificates pasted as PEM.
    pub pem: InlinePem,
    /// The password typed; on an existing connection, absent keeps the saved one.
    pub password: Option<Secret>,
    pub client_key_pem: Option<Secret>,
    pub client_key_passphrase: Option<Secret>,
    pub scope_schemas: Vec<String>,
    /// The SSH tunnel (no hops: none).
    pub ssh: Option<Tunnel>,
    /// The tunnel's secrets; on an existing connection, absent keeps the saved ones.
    pub ssh_password: Option<Secret>,
    pub ssh_passphrase: Option<Secret>,
    pub ssh_key: Option<Secret>,
    /// The password command as typed (one line, split by shell-word rules,
    /// never run by a shell); empty or absent: none. Saving it from the
    /// form confirms it.
    pub password_command: Option<String>,
    /// The preset it was filled from (`password_presets` in the vocabulary).
    pub password_command_preset: Option<String>,
}

impl Draft {
    /// The password command of the form, if one is typed.
    pub fn password_command(&self) -> Result<Option<PasswordCommand>, CommandError> {
        match self.password_command.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            None => Ok(None),
            Some(line) => PasswordCommand::from_line(line, self.password_command_preset.clone()).map(Some).map_err(|message| CommandError {
                issues: vec![FieldIssue { field: "password_command".into(), severity: Severity::Error, message: message.clone() }],
                ..CommandError::invalid(message)
            }),
        }
    }

    pub fn uuid(&self) -> Result<Option<uuid::Uuid>, CommandError> {
        match self.id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => id.parse().map(Some).map_err(|_| CommandError::invalid(format!("\"{id}\" is not a connection id"))),
            None => Ok(None),
        }
    }

    /// The stored part (no secrets) and the secrets, split.
    pub fn split(&self) -> Result<(NewConnection, Secrets), CommandError> {
        let params = self.params.to_conninfo()?;
        let new = NewConnection {
            name: self.name.trim().to_owned(),
            provider: self.provider.unwrap_or_else(|| Provider::guess(params.get("host"))),
            entry: self.entry,
            job: self.job,
            job_options: self.job_options.clone(),
            params,
            pem: self.pem.clone().normalized(),
            scope_schemas: self.scope_schemas.clone(),
            ssh: self.ssh.clone().filter(|t| !t.is_empty()),
            password_command: self.password_command()?,
        };
        let keep = |s: &Option<Secret>| s.clone().filter(|s| !s.is_empty());
        let secrets = Secrets {
            password: keep(&self.password),
            sslpassword: keep(&self.client_key_passphrase),
            client_key_pem: keep(&self.client_key_pem),
            ssh_password: keep(&self.ssh_password),
            ssh_passphrase: keep(&self.ssh_passphrase),
            ssh_key: keep(&self.ssh_key),
        };
        Ok((new, secrets))
    }

    /// The inline TLS material of the form, with the given client key.
    pub fn inline_tls(&self, client_key_pem: Option<Secret>) -> InlineTls {
        InlineTls { pem: self.pem.clone().normalized(), client_key_pem }
    }
}

/// A saved connection as the UI sees it: the stored record (no secret, only
/// `has_*` flags) and its URL (never with a password).
#[derive(Debug, Serialize)]
pub struct Connection {
    #[serde(flatten)]
    pub record: ConnectionRecord,
    pub url: String,
    /// The password command as the form shows it (one line).
    pub password_command_line: Option<String>,
    /// Secrets the record lists that the keyring no longer has (`password`,
    /// `ssh-password`…): a reset keyring, another machine or user.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_secrets: Vec<&'static str>,
}

impl From<ConnectionRecord> for Connection {
    fn from(record: ConnectionRecord) -> Self {
        let url = record.to_uri_without_password();
        let password_command_line = record.password_command.as_ref().map(PasswordCommand::line);
        Connection { record, url, password_command_line, missing_secrets: Vec::new() }
    }
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

#[derive(Debug, Serialize)]
pub struct KeyringStatus {
    pub available: bool,
    pub message: Option<String>,
    pub hint: Option<String>,
}

/// What the UI needs to know of Sluice's vocabulary, from its one
/// definition in core: every libpq keyword (doc, choices, secret flag), the
/// SSL modes with what each guarantees, and the jobs.
#[derive(Debug, Serialize)]
pub struct Vocabulary {
    pub keywords: &'static [sluice_core::conninfo::keywords::Keyword],
    pub sslmodes: Vec<SslModeInfo>,
    /// The jobs, with what the form calls them.
    pub jobs: Vec<JobInfo>,
    /// Every job option (`sluice_core::job::OPTIONS`): the form builds its
    /// controls from these, the CLI its flags.
    pub job_options: &'static [sluice_core::job::OptionDef],
    /// Every provider, with what it requires and where verify-full finds its CA.
    pub providers: Vec<ProviderInfo>,
    /// How an SSH hop logs in.
    pub ssh_auth: [sluice_core::ssh::Auth; 4],
    /// Password command presets (cloud IAM, secret managers).
    pub password_presets: &'static [sluice_core::connection::Preset],
    /// The stages of a test, in order, with what the panel calls them.
    pub stages: Vec<StageInfo>,
}

#[derive(Debug, Serialize)]
pub struct StageInfo {
    pub id: sluice_core::probe::Stage,
    pub label: &'static str,
    pub ssh: bool,
}

#[derive(Debug, Serialize)]
pub struct ProviderInfo {
    pub value: Provider,
    pub label: &'static str,
    pub required: &'static [(&'static str, &'static str)],
    pub ca_bundle: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct JobInfo {
    pub value: Job,
    pub label: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SslModeInfo {
    pub value: &'static str,
    pub explanation: &'static str,
}

impl Vocabulary {
    pub fn new() -> Vocabulary {
        use sluice_core::conninfo::SslMode;
        Vocabulary {
            keywords: sluice_core::conninfo::keywords::KEYWORDS,
            sslmodes: SslMode::ALL.iter().map(|m| SslModeInfo { value: m.as_str(), explanation: m.explanation() }).collect(),
            jobs: Job::ALL.iter().map(|j| JobInfo { value: *j, label: j.label() }).collect(),
            job_options: sluice_core::job::OPTIONS,
            providers: Provider::ALL.iter().map(|p| ProviderInfo { value: *p, label: p.label(), required: p.required(), ca_bundle: p.ca_bundle() }).collect(),
            ssh_auth: sluice_core::ssh::Auth::ALL,
            password_presets: sluice_core::connection::PRESETS,
            stages: sluice_core::probe::Stage::ALL.iter().map(|s| StageInfo { id: *s, label: s.label(), ssh: s.is_ssh() }).collect(),
        }
    }
}

/// A file the import dialog offers without a file picker.
#[derive(Debug, Serialize)]
pub struct ImportSource {
    pub format: sluice_core::import::Format,
    /// None for the environment.
    pub path: Option<String>,
    pub label: String,
}

/// What a file holds, before importing: never a secret.
#[derive(Debug, Serialize)]
pub struct ImportPreview {
    pub connections: Vec<sluice_core::import::Listed>,
    pub skipped: Vec<sluice_core::import::Skipped>,
}

/// The About box: what this build is and where it keeps things; never a secret.
#[derive(Debug, Serialize)]
pub struct About {
    pub version: &'static str,
    pub commit: &'static str,
    /// WebKitGTK on Linux, WebView2 on Windows, WKWebView on macOS.
    pub webview: String,
    pub compositing: Option<String>,
    pub config_dir: Option<String>,
    pub keyring_backend: &'static str,
    pub os: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_draft_prints_no_secret() {
        let draft: Draft = serde_json::from_value(serde_json::json!({
            "name": "n",
            "params": { "host": "db.example.com", "password": "in-params-pw", "sslpassword": "in-params-phrase" },
            "password": "typed-pw",
            "client_key_pem": "-----BEGIN PRIVATE KEY-----\nKEYMATERIAL\n-----END PRIVATE KEY-----",
            "client_key_passphrase": "key-phrase",
            "ssh_password": "ssh-pw",
            "ssh_passphrase": "ssh-phrase",
            "ssh_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----"
        }))
        .unwrap();
        let printed = format!("{draft:?} {draft:#?}");
        for secret in ["in-params-pw", "in-params-phrase", "typed-pw", "KEYMATERIAL", "key-phrase", "ssh-pw", "ssh-phrase"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        // What is not secret is still there to debug with.
        assert!(printed.contains("db.example.com"), "{printed}");
        // And the secret sent as a parameter is still refused.
        assert!(draft.params.check().1.iter().any(|i| i.field == "password"));
    }
}
