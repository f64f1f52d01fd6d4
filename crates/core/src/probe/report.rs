//! What a probe returns: the JSON contract of `sluice test --json` and of
//! the app's Test Connection (see docs/errors.md for `error.code`).

use serde::Serialize;

/// The stages of a test, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Per SSH hop: TCP (or the previous hop's channel), the handshake and the host key check.
    SshConnect,
    /// Per SSH hop: the login.
    SshAuth,
    /// Per SSH hop: the channel to the next hop, or from the last one to the database.
    SshChannel,
    Resolve,
    Connect,
    Tls,
    Auth,
    Session,
    Access,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::SshConnect,
        Stage::SshAuth,
        Stage::SshChannel,
        Stage::Resolve,
        Stage::Connect,
        Stage::Tls,
        Stage::Auth,
        Stage::Session,
        Stage::Access,
    ];

    pub fn is_ssh(self) -> bool {
        matches!(self, Stage::SshConnect | Stage::SshAuth | Stage::SshChannel)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::SshConnect => "ssh_connect",
            Stage::SshAuth => "ssh_auth",
            Stage::SshChannel => "ssh_channel",
            Stage::Resolve => "resolve",
            Stage::Connect => "connect",
            Stage::Tls => "tls",
            Stage::Auth => "auth",
            Stage::Session => "session",
            Stage::Access => "access",
        }
    }

    /// "while ..." phrasing for timeout messages.
    pub fn doing(self) -> &'static str {
        match self {
            Stage::SshConnect => "connecting to the SSH server",
            Stage::SshAuth => "logging in to the SSH server",
            Stage::SshChannel => "opening the SSH channel",
            Stage::Resolve => "resolving the host name",
            Stage::Connect => "opening the connection",
            Stage::Tls => "negotiating TLS",
            Stage::Auth => "authenticating",
            Stage::Session => "reading the session details",
            Stage::Access => "analysing privileges",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Only in progress events: the stage has started.
    Running,
    Ok,
    Failed,
    Skipped,
}

/// One stage's outcome. `ms` is wall time with 0.01 ms resolution.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub stage: Stage,
    pub status: StepStatus,
    pub ms: f64,
    /// A short human note: "127.0.0.1:5432", "TLS 1.3", "not offered by the server".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// SSH stages: the hop (0-based, in dialling order)…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    /// …and the server it was about (`user@host:port`; for `ssh_channel`, where the channel goes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

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

/// Every failure class (the contract; docs/errors.md has an example of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Dns,
    Refused,
    Timeout,
    TlsUnsupported,
    TlsRequired,
    /// The TLS handshake failed for a reason that is not a certificate (versions, ciphers).
    TlsFailed,
    CertificateUntrusted,
    CertificateHostnameMismatch,
    ClientCertificate,
    /// The client key is encrypted and its passphrase (sslpassword) is missing or wrong.
    ClientKeyPassphrase,
    AuthFailed,
    /// The server asks for an authentication method Sluice does not speak (OAuth, GSSAPI...).
    AuthUnsupported,
    RoleMissing,
    /// The role is NOLOGIN (or may not open a replication connection).
    LoginNotPermitted,
    NoHbaEntry,
    DatabaseMissing,
    /// No CONNECT privilege on the database.
    DatabaseAccessDenied,
    /// The database does not accept connections (ALLOW_CONNECTIONS false, or invalid).
    DatabaseNotAccepting,
    /// A server setting asked for at startup was refused (bad value, unknown, not settable).
    InvalidParameter,
    TooManyConnections,
    ServerStarting,
    NotPostgres,
    /// The server closed the connection before answering, or during the handshake.
    ConnectionClosed,
    /// The server failed with an error of its own (its configuration, a login trigger...).
    ServerError,
    /// The server sent more than any Postgres server sends (a message too long, too many of a kind): the read was stopped.
    ServerMisbehaved,
    /// The connection settings cannot work or would not be safe (caught before or at connecting).
    InvalidSettings,
    /// No host in the list had the session target_session_attrs asks for.
    WrongSessionType,
    /// The password command failed, printed nothing, or did not finish in time (its stderr in `detail`).
    PasswordCommandFailed,
    /// SSH: the bastion's host name does not resolve.
    SshDns,
    /// SSH: nothing listens at the bastion's address.
    SshRefused,
    /// SSH: the bastion did not answer in time.
    SshTimeout,
    /// SSH: the host key is not known yet (the fingerprint is in `detail`; the user may accept it).
    SshHostKeyUnknown,
    /// SSH: the host key differs from the recorded or pinned one, or is revoked. Never accepted.
    SshHostKeyMismatch,
    /// SSH: the login was refused (the server's methods are named).
    SshAuthFailed,
    /// SSH: the private key is encrypted and the passphrase is missing or wrong.
    SshKeyPassphrase,
    /// SSH: the private key cannot be read or used.
    SshKeyInvalid,
    /// SSH: the bastion would not open the channel (forwarding off, or the target unreachable from it).
    SshChannelRefused,
    /// SSH: the conversation failed (not an SSH server, no common algorithm, a dropped session).
    SshProtocol,
    Cancelled,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Dns => "dns",
            ErrorCode::Refused => "refused",
            ErrorCode::Timeout => "timeout",
            ErrorCode::TlsUnsupported => "tls_unsupported",
            ErrorCode::TlsRequired => "tls_required",
            ErrorCode::TlsFailed => "tls_failed",
            ErrorCode::CertificateUntrusted => "certificate_untrusted",
            ErrorCode::CertificateHostnameMismatch => "certificate_hostname_mismatch",
            ErrorCode::ClientCertificate => "client_certificate",
            ErrorCode::ClientKeyPassphrase => "client_key_passphrase",
            ErrorCode::AuthFailed => "auth_failed",
            ErrorCode::AuthUnsupported => "auth_unsupported",
            ErrorCode::RoleMissing => "role_missing",
            ErrorCode::LoginNotPermitted => "login_not_permitted",
            ErrorCode::NoHbaEntry => "no_hba_entry",
            ErrorCode::DatabaseMissing => "database_missing",
            ErrorCode::DatabaseAccessDenied => "database_access_denied",
            ErrorCode::DatabaseNotAccepting => "database_not_accepting",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::TooManyConnections => "too_many_connections",
            ErrorCode::ServerStarting => "server_starting",
            ErrorCode::NotPostgres => "not_postgres",
            ErrorCode::ConnectionClosed => "connection_closed",
            ErrorCode::ServerError => "server_error",
            ErrorCode::ServerMisbehaved => "server_misbehaved",
            ErrorCode::InvalidSettings => "invalid_settings",
            ErrorCode::WrongSessionType => "wrong_session_type",
            ErrorCode::PasswordCommandFailed => "password_command_failed",
            ErrorCode::SshDns => "ssh_dns",
            ErrorCode::SshRefused => "ssh_refused",
            ErrorCode::SshTimeout => "ssh_timeout",
            ErrorCode::SshHostKeyUnknown => "ssh_host_key_unknown",
            ErrorCode::SshHostKeyMismatch => "ssh_host_key_mismatch",
            ErrorCode::SshAuthFailed => "ssh_auth_failed",
            ErrorCode::SshKeyPassphrase => "ssh_key_passphrase",
            ErrorCode::SshKeyInvalid => "ssh_key_invalid",
            ErrorCode::SshChannelRefused => "ssh_channel_refused",
            ErrorCode::SshProtocol => "ssh_protocol",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Internal => "internal",
        }
    }
}

/// A classified failure: what went wrong and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeError {
    pub code: ErrorCode,
    pub stage: Stage,
    /// One plain sentence.
    pub message: String,
    /// What to do next, concretely.
    pub hint: String,
    pub sqlstate: Option<String>,
    /// The raw driver or server text, for experts. Never holds a secret.
    pub detail: Option<String>,
    /// When one statement fixes a refusal (GRANT CONNECT, ALTER ROLE ...
    /// LOGIN...): what it is about, and the statement. It reaches the report
    /// as the verdict's problem and fix SQL, not as a field of the error.
    #[serde(skip)]
    pub fix: Option<Fix>,
    /// `ssh_host_key_unknown`: the key the user may accept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_key: Option<HostKeyPrompt>,
}

/// An SSH host key not known yet, as the confirmation shows it. Accepting
/// it appends `host:port key` to `known_hosts`.
#[derive(Debug, Clone, Serialize)]
pub struct HostKeyPrompt {
    pub hop: usize,
    /// The name the key is recorded under (the hop's HostName).
    pub host: String,
    pub port: u16,
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`.
    pub key_type: String,
    /// `SHA256:…`, as `ssh` shows it.
    pub fingerprint: String,
    /// The key, `type base64`.
    pub key: String,
    /// Where accepting records it.
    pub known_hosts: String,
}

/// A refusal one statement fixes.
#[derive(Debug, Clone)]
pub struct Fix {
    pub object_type: crate::access::ObjectType,
    pub name: String,
    pub missing: Vec<crate::access::Privilege>,
    pub statement: String,
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

/// A progress event, streamed while the probe runs (the app's live stepper).
#[derive(Debug, Clone, Serialize)]
pub struct StepEvent {
    pub stage: Stage,
    pub status: StepStatus,
    /// Set when the stage has finished.
    pub ms: Option<f64>,
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

pub(crate) fn round_ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}
