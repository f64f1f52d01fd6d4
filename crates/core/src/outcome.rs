//! The vocabulary of a test's outcome, shared by every part that takes
//! part in one (the probe, the SSH tunnel, the classifier) and by the
//! report: the stages, each step's status, the failure codes, and a
//! classified failure. It sits low so that nothing below the probe reaches
//! up for it.

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
    /// A source read by CDC: the replication connection and IDENTIFY_SYSTEM.
    Replication,
}

impl Stage {
    pub const ALL: [Stage; 10] = [
        Stage::SshConnect,
        Stage::SshAuth,
        Stage::SshChannel,
        Stage::Resolve,
        Stage::Connect,
        Stage::Tls,
        Stage::Auth,
        Stage::Session,
        Stage::Access,
        Stage::Replication,
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
            Stage::Replication => "replication",
        }
    }

    /// What the app's test panel calls it.
    pub fn label(self) -> &'static str {
        match self {
            Stage::SshConnect => "SSH connect",
            Stage::SshAuth => "SSH login",
            Stage::SshChannel => "SSH channel",
            Stage::Resolve => "Resolve host",
            Stage::Connect => "Connect",
            Stage::Tls => "TLS",
            Stage::Auth => "Authenticate",
            Stage::Session => "Session",
            Stage::Access => "Privileges",
            Stage::Replication => "Replication",
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
            Stage::Replication => "opening the replication connection",
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

/// Every failure class (the contract; docs/errors.md has an example of each).
/// Each code's word is written once: serde's name, `as_str` and `ALL` come
/// from this one list.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $word:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $word)] $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $word,)*
                }
            }
        }
    };
}

error_codes! {
    Dns => "dns",
    Refused => "refused",
    Timeout => "timeout",
    TlsUnsupported => "tls_unsupported",
    TlsRequired => "tls_required",
    /// The TLS handshake failed for a reason that is not a certificate (versions, ciphers).
    TlsFailed => "tls_failed",
    CertificateUntrusted => "certificate_untrusted",
    CertificateHostnameMismatch => "certificate_hostname_mismatch",
    ClientCertificate => "client_certificate",
    /// The client key is encrypted and its passphrase (sslpassword) is missing or wrong.
    ClientKeyPassphrase => "client_key_passphrase",
    AuthFailed => "auth_failed",
    /// The server asks for an authentication method Sluice does not speak (OAuth, GSSAPI...).
    AuthUnsupported => "auth_unsupported",
    RoleMissing => "role_missing",
    /// The role is NOLOGIN (or may not open a replication connection).
    LoginNotPermitted => "login_not_permitted",
    NoHbaEntry => "no_hba_entry",
    DatabaseMissing => "database_missing",
    /// No CONNECT privilege on the database.
    DatabaseAccessDenied => "database_access_denied",
    /// The database does not accept connections (ALLOW_CONNECTIONS false, or invalid).
    DatabaseNotAccepting => "database_not_accepting",
    /// A server setting asked for at startup was refused (bad value, unknown, not settable).
    InvalidParameter => "invalid_parameter",
    TooManyConnections => "too_many_connections",
    ServerStarting => "server_starting",
    NotPostgres => "not_postgres",
    /// The server closed the connection before answering, or during the handshake.
    ConnectionClosed => "connection_closed",
    /// The server failed with an error of its own (its configuration, a login trigger...).
    ServerError => "server_error",
    /// The server sent more than any Postgres server sends (a message too long, too many of a kind): the read was stopped.
    ServerMisbehaved => "server_misbehaved",
    /// The connection settings cannot work or would not be safe (caught before or at connecting).
    InvalidSettings => "invalid_settings",
    /// No host in the list had the session target_session_attrs asks for.
    WrongSessionType => "wrong_session_type",
    /// The password command failed, printed nothing, or did not finish in time (its stderr in `detail`).
    PasswordCommandFailed => "password_command_failed",
    /// SSH: the bastion's host name does not resolve.
    SshDns => "ssh_dns",
    /// SSH: nothing listens at the bastion's address.
    SshRefused => "ssh_refused",
    /// SSH: the bastion did not answer in time.
    SshTimeout => "ssh_timeout",
    /// SSH: the host key is not known yet (the fingerprint is in `detail`; the user may accept it).
    SshHostKeyUnknown => "ssh_host_key_unknown",
    /// SSH: the host key differs from the recorded or pinned one, or is revoked. Never accepted.
    SshHostKeyMismatch => "ssh_host_key_mismatch",
    /// SSH: the login was refused (the server's methods are named).
    SshAuthFailed => "ssh_auth_failed",
    /// SSH: the private key is encrypted and the passphrase is missing or wrong.
    SshKeyPassphrase => "ssh_key_passphrase",
    /// SSH: the private key cannot be read or used.
    SshKeyInvalid => "ssh_key_invalid",
    /// SSH: the bastion would not open the channel (forwarding off, or the target unreachable from it).
    SshChannelRefused => "ssh_channel_refused",
    /// SSH: the conversation failed (not an SSH server, no common algorithm, a dropped session).
    SshProtocol => "ssh_protocol",
    Cancelled => "cancelled",
    Internal => "internal",
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
    pub fix: Option<crate::access::Fix>,
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


impl ProbeError {
    /// A failure with no SQLSTATE, detail, fix or host key yet.
    pub fn new(code: ErrorCode, stage: Stage, message: String, hint: &str) -> ProbeError {
        ProbeError { code, stage, message, hint: hint.to_owned(), sqlstate: None, detail: None, fix: None, host_key: None }
    }
}

pub(crate) fn round_ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_says_its_word_as_serde_does() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        let mut words: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), ErrorCode::ALL.len(), "every word once");
    }
}
