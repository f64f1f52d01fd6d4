//! What a connection carries besides its libpq keywords, defined once for
//! the store, the probe, the import and the IPC:
//!
//! - [`PasswordCommand`]: a command whose first line of output is the
//!   password (cloud IAM tokens, secret managers), with its presets; the
//!   probe runs it (`probe/password_command.rs`).
//! - [`InlineTls`]: certificates and a client key given as PEM text instead
//!   of files.

use crate::conninfo::InlinePem;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How the connection was entered in the form, so that an edit reopens it
/// the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// Host, port, database… one field each.
    #[default]
    Fields,
    /// A pasted URL or key=value string.
    Url,
}

/// Who hosts the database: the form's presets, its notes, and what the
/// provider requires (Neon and Supabase refuse connections without TLS).
/// Detected here only, from the host name ([`Provider::guess`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    #[default]
    Postgres,
    Neon,
    Supabase,
    Rds,
    Azure,
    CloudSql,
    Other,
}

impl Provider {
    pub const ALL: [Provider; 7] =
        [Provider::Postgres, Provider::Neon, Provider::Supabase, Provider::Rds, Provider::Azure, Provider::CloudSql, Provider::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Postgres => "postgres",
            Provider::Neon => "neon",
            Provider::Supabase => "supabase",
            Provider::Rds => "rds",
            Provider::Azure => "azure",
            Provider::CloudSql => "cloud_sql",
            Provider::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Provider::Postgres => "Postgres",
            Provider::Neon => "Neon",
            Provider::Supabase => "Supabase",
            Provider::Rds => "Amazon RDS / Aurora",
            Provider::Azure => "Azure Database for PostgreSQL",
            Provider::CloudSql => "Google Cloud SQL",
            Provider::Other => "Other",
        }
    }

    /// The provider a host name points to, otherwise plain Postgres:
    /// `*.neon.tech`; `*.supabase.co`, `*.supabase.com`;
    /// `*.rds.amazonaws.com(.cn)`; `*.postgres.database.azure.com` (and
    /// the older `*.postgres.database.windows.net`); `*.sql.goog` (Cloud
    /// SQL's DNS names; its public addresses are plain IPs).
    pub fn guess(host: Option<&str>) -> Provider {
        let host = host.unwrap_or("").to_ascii_lowercase();
        let first = host.split(',').next().unwrap_or("").trim().trim_end_matches('.');
        let under = |suffix: &str| first == suffix || first.ends_with(&format!(".{suffix}"));
        if under("neon.tech") {
            Provider::Neon
        } else if under("supabase.co") || under("supabase.com") {
            Provider::Supabase
        } else if under("rds.amazonaws.com") || under("rds.amazonaws.com.cn") {
            Provider::Rds
        } else if under("postgres.database.azure.com") || under("postgres.database.windows.net") {
            Provider::Azure
        } else if under("sql.goog") {
            Provider::CloudSql
        } else {
            Provider::Postgres
        }
    }

    /// Settings the provider requires, which the form and the import add
    /// when a URL lacks them: Neon and Supabase refuse plain connections.
    pub fn required(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Provider::Neon | Provider::Supabase => &[("sslmode", "require")],
            _ => &[],
        }
    }

    /// Adds what the provider requires and `params` lacks; returns what was added.
    pub fn add_required(self, params: &mut crate::conninfo::ConnInfo) -> Vec<(String, String)> {
        let mut added = Vec::new();
        for (k, v) in self.required() {
            if !params.is_set(k) && params.set(k, *v).is_ok() {
                added.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        added
    }

    /// Where verify-full gets the provider's CA, for the form's note
    /// before a test (None: a public CA in the system store will do).
    pub fn ca_bundle(self) -> Option<&'static str> {
        match self {
            Provider::Rds => Some("RDS certificates are signed by Amazon's RDS CAs, not a public one: download the bundle for your region (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) and give it as the root certificate."),
            Provider::Azure => Some("Azure Database for PostgreSQL uses DigiCert Global Root G2 and Microsoft RSA Root CA 2017 (see Azure's \"SSL/TLS connectivity\" page): give both as the root certificate, or sslrootcert=system where the system store has them."),
            Provider::CloudSql => Some("Cloud SQL signs with a per-instance CA: download server-ca.pem from the instance's Connections > Security page and give it as the root certificate."),
            Provider::Supabase => Some("For verify-full, download the CA certificate from the project's database settings and give it as the root certificate."),
            _ => None,
        }
    }
}

/// What the form says about a provider's settings before a test: that
/// verify-ca or verify-full needs the provider's CA when it is not a public
/// one, and where to get it.
pub fn provider_issues(provider: Provider, params: &crate::conninfo::ConnInfo, pem: &InlinePem) -> Vec<crate::conninfo::FieldIssue> {
    use crate::conninfo::{FieldIssue, Severity, SslMode};
    let verifies = matches!(params.effective_sslmode(), SslMode::VerifyCa | SslMode::VerifyFull);
    let root = params.get("sslrootcert").is_some_and(|v| !v.is_empty()) || pem.sslrootcert.is_some();
    match provider.ca_bundle() {
        Some(note) if verifies && !root => {
            vec![FieldIssue { field: "sslrootcert".into(), severity: Severity::Warning, message: format!("{} needs its CA to verify the server. {note}", provider.label()) }]
        }
        _ => Vec::new(),
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
        Provider::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            let all: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
            format!("unknown provider \"{s}\" (expected {})", all.join(", "))
        })
    }
}

/// TLS material given inline (pasted PEM) instead of as file paths. Inline
/// values win over the corresponding `sslrootcert`/`sslcert`/`sslkey` paths.
#[derive(Debug, Clone, Default)]
pub struct InlineTls {
    /// The root and client certificates.
    pub pem: InlinePem,
    /// The client key (a secret).
    pub client_key_pem: Option<Secret>,
}

/// A connection's password command.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordCommand {
    /// The program and its arguments (no shell).
    pub argv: Vec<String>,
    /// The preset it was filled from, if any (`rds`, `gcp`, `azure`, `1password`, `vault`, `pass`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// False for a command that arrived by import: it does not run until
    /// the user has seen and confirmed it.
    #[serde(default = "yes")]
    pub confirmed: bool,
}

fn yes() -> bool {
    true
}

impl PasswordCommand {
    /// A command line as typed (CLI flag, the form): split by shell-word
    /// rules, never run by a shell. Confirmed: the user wrote it.
    pub fn from_line(line: &str, preset: Option<String>) -> Result<PasswordCommand, String> {
        let argv = shell_words::split(line).map_err(|e| format!("the password command cannot be split into words: {e}"))?;
        if argv.is_empty() {
            return Err("the password command is empty".into());
        }
        Ok(PasswordCommand { argv, preset: preset.filter(|p| !p.is_empty()), confirmed: true })
    }

    /// The command as one line, quoted so that [`Self::from_line`] gives it back.
    pub fn line(&self) -> String {
        shell_words::join(&self.argv)
    }

    /// What the form and `connections add` warn about: a cloud token over
    /// a link that may not be TLS, or an imported command not yet confirmed.
    pub fn warnings(&self, sslmode: crate::conninfo::SslMode) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = self.preset.as_deref().and_then(|id| PRESETS.iter().find(|p| p.id == id)) {
            if let Some(min) = p.min_sslmode.and_then(|m| m.parse::<crate::conninfo::SslMode>().ok()) {
                let rank = |m: crate::conninfo::SslMode| crate::conninfo::SslMode::ALL.iter().position(|x| *x == m);
                if rank(sslmode) < rank(min) {
                    out.push(format!("{} tokens are only accepted over TLS: set sslmode to {} or stricter (it is {}).", p.label, min.as_str(), sslmode.as_str()));
                }
            }
        }
        if !self.confirmed {
            out.push("This command came from an import: it does not run until you have read it and saved it.".into());
        }
        out
    }
}

/// A preset: its name, what it is for, and the argv template. `{host}`,
/// `{port}`, `{user}`, `{dbname}` and `{region}` are filled from the
/// connection; other words are for the user to edit.
#[derive(Debug, Clone, Serialize)]
pub struct Preset {
    pub id: &'static str,
    pub label: &'static str,
    pub argv: &'static [&'static str],
    /// What the form says next to it.
    pub note: &'static str,
    /// The weakest sslmode it works with, if it needs TLS.
    pub min_sslmode: Option<&'static str>,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        id: "rds",
        label: "AWS RDS / Aurora IAM",
        argv: &["aws", "rds", "generate-db-auth-token", "--hostname", "{host}", "--port", "{port}", "--username", "{user}", "--region", "{region}"],
        note: "A 15-minute token from your AWS credentials. RDS takes IAM tokens only over TLS: sslmode require or stricter.",
        min_sslmode: Some("require"),
    },
    Preset {
        id: "gcp",
        label: "Google Cloud SQL IAM",
        argv: &["gcloud", "sql", "generate-login-token"],
        note: "A short-lived token for the gcloud account (the user is the account's email, without .gserviceaccount.com for service accounts).",
        min_sslmode: Some("require"),
    },
    Preset {
        id: "azure",
        label: "Azure Entra ID",
        argv: &["az", "account", "get-access-token", "--resource-type", "oss-rdbms", "--query", "accessToken", "--output", "tsv"],
        note: "An Entra ID access token for Azure Database for PostgreSQL (the user is the Entra user or group name).",
        min_sslmode: Some("require"),
    },
    Preset { id: "1password", label: "1Password", argv: &["op", "read", "op://VAULT/ITEM/password"], note: "Edit the op:// reference.", min_sslmode: None },
    Preset { id: "vault", label: "HashiCorp Vault", argv: &["vault", "kv", "get", "-field=password", "secret/PATH"], note: "Edit the secret path and field.", min_sslmode: None },
    Preset { id: "pass", label: "pass", argv: &["pass", "show", "PATH"], note: "Edit the entry; its first line is the password.", min_sslmode: None },
];

/// The AWS region of an RDS host name (`db.abc.eu-west-1.rds.amazonaws.com`).
pub fn rds_region(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.split('.').collect();
    let i = labels.iter().position(|l| *l == "rds")?;
    (i >= 1 && labels.get(i + 1) == Some(&"amazonaws")).then(|| labels[i - 1].to_owned())
}

/// The argv of a preset filled from the connection's keywords.
pub fn fill(template: &[&str], info: &crate::conninfo::ConnInfo) -> Vec<String> {
    let first = |k: &str| info.get(k).unwrap_or("").split(',').next().unwrap_or("").trim().to_owned();
    let host = first("host");
    let port = Some(first("port")).filter(|p| !p.is_empty()).unwrap_or_else(|| "5432".into());
    let region = rds_region(&host).unwrap_or_else(|| "REGION".into());
    template
        .iter()
        .map(|w| w.replace("{host}", &host).replace("{port}", &port).replace("{user}", info.get("user").unwrap_or("")).replace("{dbname}", info.get("dbname").unwrap_or("")).replace("{region}", &region))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_by_host() {
        for (host, p) in [
            ("ep-x-123.us-east-2.aws.neon.tech", Provider::Neon),
            ("aws-0-us-east-1.pooler.supabase.com", Provider::Supabase),
            ("db.abc.supabase.co", Provider::Supabase),
            ("prod.cluster-abc.eu-west-1.rds.amazonaws.com", Provider::Rds),
            ("mydb.postgres.database.azure.com", Provider::Azure),
            ("abc.us-central1.sql.goog", Provider::CloudSql),
            ("neon.tech.example.com", Provider::Postgres),
            ("db.example.com", Provider::Postgres),
        ] {
            assert_eq!(Provider::guess(Some(host)), p, "{host}");
        }
        for p in Provider::ALL {
            assert_eq!(p.as_str().parse::<Provider>(), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
    }

    #[test]
    fn rds_regions_and_presets() {
        assert_eq!(rds_region("prod.cluster-abc.eu-west-1.rds.amazonaws.com").as_deref(), Some("eu-west-1"));
        assert_eq!(rds_region("db.example.com"), None);
        let info = crate::conninfo::parse("host=prod.abc.us-east-2.rds.amazonaws.com user=iam_user").unwrap().info;
        let argv = fill(PRESETS[0].argv, &info);
        assert_eq!(argv, ["aws", "rds", "generate-db-auth-token", "--hostname", "prod.abc.us-east-2.rds.amazonaws.com", "--port", "5432", "--username", "iam_user", "--region", "us-east-2"]);
    }
}
