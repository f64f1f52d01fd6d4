//! The connection model shared by the parser, the formatter, the store and the probe.

use super::SslMode;
use crate::secret::Secret;

/// Everything a libpq connection string can say, after parsing.
///
/// Fields Sluice acts on are typed; every other libpq keyword the string set
/// is kept, in order, in `extra` so that formatting loses nothing. Values are
/// the decoded strings exactly as libpq would see them; `host` and `port`
/// may be comma-separated lists (libpq's multi-host syntax).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnInfo {
    /// Host names, IP addresses or absolute Unix-socket directories, comma-separated.
    pub host: Option<String>,
    pub hostaddr: Option<String>,
    /// Port numbers, comma-separated; kept as text so bad input can be reported, not lost.
    pub port: Option<String>,
    pub dbname: Option<String>,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub sslmode: Option<SslMode>,
    pub sslrootcert: Option<String>,
    pub sslcert: Option<String>,
    pub sslkey: Option<String>,
    /// Passphrase of an encrypted client key.
    pub sslpassword: Option<Secret>,
    pub application_name: Option<String>,
    /// Seconds, as libpq reads it.
    pub connect_timeout: Option<String>,
    pub options: Option<String>,
    pub target_session_attrs: Option<String>,
    pub channel_binding: Option<String>,
    /// Other known libpq keywords, in the order they appeared.
    pub extra: Vec<(String, String)>,
}

impl ConnInfo {
    /// The sslmode libpq uses: the one set; else, with `sslrootcert=system`,
    /// verify-full (libpq 16+); else prefer.
    pub fn effective_sslmode(&self) -> SslMode {
        match (self.sslmode, self.sslrootcert.as_deref()) {
            (Some(mode), _) => mode,
            (None, Some("system")) => SslMode::VerifyFull,
            (None, _) => SslMode::Prefer,
        }
    }
}
