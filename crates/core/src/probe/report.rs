//! What a probe returns: the JSON contract of `sluice test --json` and of
//! the app's Test Connection (see docs/errors.md for `error.code`).

use serde::Serialize;
pub(crate) use crate::outcome::round_ms;
pub use crate::outcome::{ErrorCode, HostKeyPrompt, ProbeError, Stage, Step, StepEvent, StepStatus};

/// The TLS outcome, said honestly: what was negotiated and what was checked.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TlsInfo {
    pub version: String,
    /// How TLS began: "direct" (sslnegotiation=direct, TLS at once with
    /// ALPN postgresql) or "negotiated" (an SSLRequest first).
    pub negotiation: &'static str,
    pub cipher: String,
    /// The key exchange group, e.g. "secp256r1".
    pub key_exchange: String,
    /// The certificate chain was checked against `root`.
    pub chain_verified: bool,
    /// Which trust anchors were used: a file path, "inline PEM", "system store", or null.
    pub root: Option<String>,
    /// The certificate was checked to name the host.
    pub hostname_verified: bool,
    /// The name sent as SNI and checked, when any.
    pub server_name: Option<String>,
    /// SCRAM with channel binding (tls-server-end-point) was possible.
    pub channel_binding_available: bool,
    /// A client certificate was presented.
    pub client_certificate: bool,
}

/// Evidence that a pooler or proxy sits between the client and Postgres.
#[derive(Debug, Clone, Serialize)]
pub struct PoolerInfo {
    pub detected: bool,
    pub evidence: Option<String>,
}

/// What the session stage learnt about the server and the session.
#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    pub server_version: String,
    pub server_version_num: u32,
    /// The role used to log in (from the connection settings).
    pub login_user: String,
    pub current_user: String,
    pub session_user: String,
    pub database: String,
    pub in_recovery: bool,
    pub default_transaction_read_only: bool,
    pub superuser: bool,
    /// The address the connection went to (host:port or socket path).
    pub connected_to: String,
    /// `inet_server_addr()`/`inet_server_port()`: where the backend itself listens (null over a socket).
    pub backend_addr: Option<String>,
    pub backend_port: Option<u16>,
    pub backend_pid: i32,
    /// The server's own view (`pg_stat_ssl` for this backend): the session
    /// reached Postgres over TLS. False with `tls` set means something in
    /// between (a pooler or proxy) ended the TLS and went on in plain text.
    pub backend_ssl: bool,
    pub pooler: PoolerInfo,
    pub tls: Option<TlsInfo>,
}

/// The whole outcome of a test.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub connected: bool,
    pub steps: Vec<Step>,
    pub server: Option<ServerInfo>,
    pub error: Option<ProbeError>,
    pub total_ms: f64,
    /// Present when an access analysis was asked for and ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<crate::access::Access>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<crate::access::Verdict>,
    /// Every host and address tried, in order (several with a host list).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<super::hosts::Attempt>,
    /// Where the password and any environment values came from:
    /// `password_source`, `environment` (`[{keyword, variable}]`), `service`,
    /// `passfile`.
    #[serde(flatten)]
    pub provenance: super::request::Provenance,
}

/// The report as the app's window receives it: `access` in its compact,
/// columnar form ([`crate::access::CompactAccess`]: 18 MiB of JSON become
/// about 3 at 100,000 tables), everything else as in [`Report`].
/// `sluice test --json` prints the full [`Report`].
#[derive(Debug, Clone, Serialize)]
pub struct CompactReport {
    #[serde(flatten)]
    pub report: Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<crate::access::CompactAccess>,
}

impl From<Report> for CompactReport {
    fn from(mut report: Report) -> CompactReport {
        let access = report.access.take().map(|a| crate::access::CompactAccess::from(&a));
        CompactReport { report, access }
    }
}

