//! Turns every way a test can fail into one [`ProbeError`]: a code from the
//! contract, one plain sentence, and a concrete hint. The raw driver text is
//! kept in `detail` for experts; it never holds a secret (the driver's
//! errors don't carry the password, and we add none).

use super::report::{ErrorCode, ProbeError, Stage};
use super::tls::SetupError;
use crate::conninfo::SslMode;
use std::time::Duration;
use tokio_postgres::error::SqlState;

/// What the classifier knows about the attempt.
pub(crate) struct Context<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub dbname: &'a str,
    pub sslmode: SslMode,
    /// The connection that failed was encrypted.
    pub used_tls: bool,
    /// The server's first byte, if any arrived.
    pub first_byte: Option<u8>,
    /// Whether an SSLRequest was the first thing sent.
    pub sent_ssl_request: bool,
    /// Asked only after a plain connection met "no pg_hba.conf entry":
    /// does the server answer 'S' to an SSLRequest?
    pub tls_offered: Option<bool>,
}

/// A failure before classification.
pub(crate) enum Failure {
    Settings(String),
    Dns(std::io::Error),
    Connect { addr: String, error: std::io::Error },
    TlsSetup(SetupError),
    /// The TLS handshake itself failed.
    Handshake { tls: Option<rustls::Error>, other: Option<String> },
    Postgres(tokio_postgres::Error),
    /// Our own SSLRequest saw the server answer 'N' in a mode that needs TLS.
    TlsNotOffered,
    Timeout(Duration),
    Cancelled,
    Internal(String),
}

fn err(code: ErrorCode, stage: Stage, message: String, hint: &str) -> ProbeError {
    ProbeError { code, stage, message, hint: hint.to_owned(), sqlstate: None, detail: None }
}

/// The first byte of any Postgres answer: to SSLRequest ('S', 'N'; 'E' from
/// very old servers) or to a startup packet ('R' auth, 'E' error, 'v'
/// protocol negotiation).
fn is_postgres_byte(b: u8, after_ssl_request: bool) -> bool {
    if after_ssl_request {
        matches!(b, b'S' | b'N' | b'E')
    } else {
        matches!(b, b'R' | b'E' | b'v')
    }
}

pub(crate) fn classify(failure: Failure, stage: Stage, ctx: &Context<'_>) -> ProbeError {
    let Context { host, port, user, dbname, .. } = *ctx;
    if let Some(b) = ctx.first_byte {
        if !is_postgres_byte(b, ctx.sent_ssl_request) && !matches!(failure, Failure::Timeout(_) | Failure::Cancelled) {
            let mut e = err(
                ErrorCode::NotPostgres,
                stage,
                format!("Something answers on {host}:{port}, but it is not a Postgres server."),
                "Check the port: Postgres usually listens on 5432, PgBouncer on 6432, Supabase's pooler on 6543. Another service (HTTP, SSH, Redis…) is on this one.",
            );
            e.detail = Some(format!("first byte of the answer: 0x{b:02x} ({:?})", b as char));
            return e;
        }
    }
    match failure {
        Failure::Settings(msg) => err(
            ErrorCode::InvalidSettings,
            stage,
            format!("The connection settings are invalid: {msg}."),
            "Fix the setting named above and test again.",
        ),
        Failure::Dns(e) => {
            let mut pe = err(
                ErrorCode::Dns,
                Stage::Resolve,
                format!("The host name \"{host}\" could not be resolved."),
                "Check the host for typos; for a cloud database copy the endpoint from the provider's console. If it resolves on other machines, check this machine's DNS, VPN or /etc/hosts.",
            );
            pe.detail = Some(e.to_string());
            pe
        }
        Failure::Connect { addr, error } => classify_connect(&addr, error, host),
        Failure::TlsSetup(SetupError::WeakTrust(msg)) => err(
            ErrorCode::InvalidSettings,
            Stage::Tls,
            format!("These TLS settings would not protect the connection: {msg}."),
            "Use SSL mode verify-full (the certificate must then name the host), or give the CA that signed the server's certificate as the root certificate.",
        ),
        Failure::TlsSetup(SetupError::RootCert(msg)) => err(
            ErrorCode::CertificateUntrusted,
            Stage::Tls,
            format!("The server cannot be verified: {msg}."),
            "Give the CA certificate that signed the server's certificate as the root certificate (a PEM file), or choose SSL mode require to encrypt without verifying.",
        ),
        Failure::TlsSetup(SetupError::ClientCert(msg)) => err(
            ErrorCode::ClientCertificate,
            Stage::Tls,
            format!("The client certificate cannot be used: {msg}."),
            "Give a PEM client certificate and the matching unencrypted PEM private key, both readable by you.",
        ),
        Failure::TlsSetup(SetupError::Internal(msg)) => err(ErrorCode::Internal, Stage::Tls, format!("TLS could not be set up: {msg}."), "Copy the diagnostics and report this problem."),
        Failure::TlsNotOffered => err(
            ErrorCode::TlsUnsupported,
            Stage::Tls,
            format!("The server at {host}:{port} does not offer TLS, and SSL mode {} requires it.", ctx.sslmode),
            "Turn on ssl in the server's postgresql.conf, or, only on a trusted network, choose SSL mode prefer or disable.",
        ),
        Failure::Handshake { tls, other } => classify_handshake(tls, other, ctx),
        Failure::Postgres(e) => classify_postgres(e, stage, ctx),
        Failure::Timeout(d) => {
            let hint = match stage {
                Stage::Resolve => "DNS did not answer in time: check this machine's DNS servers or VPN.",
                Stage::Connect => "The host did not answer: it may be down, or a firewall or cloud security group drops the packets (allow inbound TCP on the port from your IP). Check the host, port and VPN.",
                Stage::Tls | Stage::Auth => "The server accepted the connection but did not finish the handshake: it may be overloaded, or the port belongs to something that is not Postgres.",
                Stage::Session | Stage::Access => "The server is slow to answer simple catalog queries: it may be overloaded or waiting on locks. Try again, or raise the connect timeout.",
            };
            err(
                ErrorCode::Timeout,
                stage,
                format!("No answer within {} s while {}.", fmt_secs(d), stage.doing()),
                hint,
            )
        }
        Failure::Cancelled => err(ErrorCode::Cancelled, stage, "The test was cancelled.".into(), "Press Test Connection to try again."),
        Failure::Internal(msg) => {
            let mut e = err(ErrorCode::Internal, stage, "The test failed unexpectedly.".into(), "Copy the diagnostics and report this problem.");
            e.detail = Some(msg);
            e
        }
    }
    .with_user_db(user, dbname)
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

trait WithUserDb {
    fn with_user_db(self, user: &str, db: &str) -> Self;
}
impl WithUserDb for ProbeError {
    // Placeholders in hints are filled here so every message names the real values.
    fn with_user_db(mut self, user: &str, db: &str) -> Self {
        self.hint = self.hint.replace("{user}", user).replace("{db}", db);
        self
    }
}

fn classify_connect(addr: &str, error: std::io::Error, host: &str) -> ProbeError {
    use std::io::ErrorKind;
    let (message, hint) = match error.kind() {
        ErrorKind::ConnectionRefused => (
            format!("Nothing is accepting connections at {addr}."),
            "Check that the server is running and listens on this address and port (postgresql.conf: listen_addresses, port). A firewall can also refuse connections.".to_owned(),
        ),
        ErrorKind::NotFound => (
            format!("There is no Postgres socket at {addr}."),
            "Check that the server runs on this machine and uses this socket directory and port (unix_socket_directories, port).".to_owned(),
        ),
        ErrorKind::PermissionDenied => (
            format!("Permission denied opening {addr}."),
            "Check the socket directory's permissions, or connect over TCP instead.".to_owned(),
        ),
        _ if addr.starts_with('[') => (
            format!("The network cannot reach {addr} ({error})."),
            format!("\"{host}\" resolves to an IPv6 address and this network has no IPv6 route. Supabase's direct host is IPv6-only: use its pooler host (IPv4) instead, or connect from an IPv6 network."),
        ),
        _ => (
            format!("The network cannot reach {addr} ({error})."),
            "Check the address, your VPN, and any firewall between you and the server.".to_owned(),
        ),
    };
    let mut e = err(ErrorCode::Refused, Stage::Connect, message, &hint);
    e.detail = Some(error.to_string());
    e
}

fn classify_handshake(tls: Option<rustls::Error>, other: Option<String>, ctx: &Context<'_>) -> ProbeError {
    use rustls::{AlertDescription, CertificateError};
    let host = ctx.host;
    let detail = tls.as_ref().map(|e| e.to_string()).or(other.clone());
    let mut e = match &tls {
        Some(rustls::Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => err(
            ErrorCode::CertificateHostnameMismatch,
            Stage::Tls,
            format!("The server's certificate is not valid for the host name \"{host}\"."),
            "Connect with a host name the certificate names (see the detail), or choose SSL mode verify-ca to check the CA but not the name.",
        ),
        Some(rustls::Error::InvalidCertificate(cert)) => {
            let why = match cert {
                CertificateError::UnknownIssuer => "it was not issued by a trusted CA".to_owned(),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired".to_owned(),
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "it is not valid yet (check this machine's clock)".to_owned(),
                CertificateError::BadSignature => "its signature is invalid".to_owned(),
                CertificateError::Revoked => "it has been revoked".to_owned(),
                other => format!("{other:?}"),
            };
            err(
                ErrorCode::CertificateUntrusted,
                Stage::Tls,
                format!("The server's certificate is not trusted: {why}."),
                "Give the CA certificate that signed the server's certificate as the root certificate (for AWS RDS, the RDS CA bundle; for self-signed servers, the server's CA). Or choose SSL mode require to encrypt without verifying.",
            )
        }
        Some(rustls::Error::AlertReceived(
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateRequired
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied
            | AlertDescription::HandshakeFailure,
        )) if ctx.sslmode != SslMode::Disable => err(
            ErrorCode::ClientCertificate,
            Stage::Tls,
            "The server rejected the TLS handshake, most likely the client certificate (missing, expired or signed by a CA it does not trust).".into(),
            "Give a client certificate signed by the CA in the server's ssl_ca_file, with its key; its common name must be the user name for cert authentication.",
        ),
        _ => err(
            ErrorCode::Internal,
            Stage::Tls,
            "The TLS handshake failed.".into(),
            "Check that the server's TLS settings are sane (ssl_min_protocol_version, certificates); copy the diagnostics for details.",
        ),
    };
    e.detail = detail;
    e
}

fn classify_postgres(error: tokio_postgres::Error, stage: Stage, ctx: &Context<'_>) -> ProbeError {
    let Context { host, port, user, dbname, .. } = *ctx;
    let Some(db) = error.as_db_error() else {
        let text = error.to_string();
        let source = std::error::Error::source(&error).map(|s| s.to_string());
        let detail = match &source {
            Some(s) if !text.contains(s.as_str()) => format!("{text}: {s}"),
            _ => text.clone(),
        };
        let mut e = if detail.contains("password missing") {
            err(
                ErrorCode::AuthFailed,
                Stage::Auth,
                format!("The server asks for a password for user \"{user}\", and none was given."),
                "Enter the password (saved connections keep it in the OS keyring).",
            )
        } else if matches!(stage, Stage::Tls | Stage::Auth) {
            err(
                ErrorCode::Internal,
                stage,
                format!("The server at {host}:{port} closed the connection during the handshake."),
                "The server may have restarted, or a proxy cut the connection; check the server log, then test again.",
            )
        } else {
            err(ErrorCode::Internal, stage, "The connection failed unexpectedly.".into(), "Check the server log, then test again.")
        };
        e.detail = Some(detail);
        return e;
    };
    let code = db.code();
    let msg = db.message();
    let (kind, message, hint): (ErrorCode, String, String) = if *code == SqlState::INVALID_PASSWORD {
        (
            ErrorCode::AuthFailed,
            format!("Password authentication failed for user \"{user}\"."),
            "Check the password (it is case-sensitive). With password authentication Postgres gives the same answer when the role does not exist, so check the user name too.".into(),
        )
    } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION && msg.contains("does not exist") && msg.starts_with("role") {
        (
            ErrorCode::RoleMissing,
            format!("The role \"{user}\" does not exist on this server."),
            "Check the user name. Supabase's pooler expects postgres.<project-ref>; RDS uses the master user name you chose.".into(),
        )
    } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION && msg.contains("no pg_hba.conf entry") {
        if !ctx.used_tls && msg.contains("no encryption") && ctx.sslmode != SslMode::Disable {
            // We tried plain after TLS (allow/prefer fallbacks): say both.
            (
                ErrorCode::NoHbaEntry,
                format!("The server's pg_hba.conf has no rule that lets \"{user}\" connect to database \"{dbname}\" from this address."),
                format!("Ask the administrator to add a pg_hba.conf rule for this client address, user \"{user}\" and database \"{dbname}\"."),
            )
        } else if !ctx.used_tls && msg.contains("no encryption") && ctx.tls_offered == Some(true) {
            (
                ErrorCode::TlsRequired,
                "The server only accepts TLS connections from this address, but SSL mode is disable.".into(),
                "The server only accepts TLS connections; set SSL mode to require or stronger (verify-full is best).".into(),
            )
        } else {
            (
                ErrorCode::NoHbaEntry,
                format!("The server's pg_hba.conf has no rule that lets \"{user}\" connect to database \"{dbname}\" from this address."),
                format!("Ask the administrator to add a pg_hba.conf rule for this client address, user \"{user}\" and database \"{dbname}\" (then SELECT pg_reload_conf()), or connect from an allowed network."),
            )
        }
    } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION && (msg.contains("certificate") ) {
        (
            ErrorCode::ClientCertificate,
            format!("The server rejected the client certificate for user \"{user}\"."),
            "For cert authentication the certificate's common name (CN) must equal the user name, and it must be signed by the CA in the server's ssl_ca_file.".into(),
        )
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        (
            ErrorCode::DatabaseMissing,
            format!("The database \"{dbname}\" does not exist on this server."),
            "Check the database name (names are case-sensitive); `\\l` in psql lists them. New servers often have only \"postgres\".".into(),
        )
    } else if *code == SqlState::TOO_MANY_CONNECTIONS {
        (
            ErrorCode::TooManyConnections,
            "The server has no free connection slots.".into(),
            "Close idle connections, raise max_connections, or connect through a pooler such as PgBouncer.".into(),
        )
    } else if *code == SqlState::CANNOT_CONNECT_NOW {
        (
            ErrorCode::ServerStarting,
            "The server is starting up, shutting down or recovering, and does not accept connections yet.".into(),
            "Wait a few seconds and test again.".into(),
        )
    } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
        (
            ErrorCode::AuthFailed,
            format!("Authentication failed for user \"{user}\"."),
            "The server refused the login; see the detail for its reason.".into(),
        )
    } else {
        (
            ErrorCode::Internal,
            format!("The server reported an error: {msg}"),
            "See the detail; if the error persists, copy the diagnostics and report it.".into(),
        )
    };
    let failed_stage = if matches!(stage, Stage::Tls) { Stage::Auth } else { stage };
    let mut detail = format!("{}: {}", db.severity(), db.message());
    if let Some(d) = db.detail() {
        detail.push_str(&format!("\nDETAIL: {d}"));
    }
    if let Some(h) = db.hint() {
        detail.push_str(&format!("\nHINT: {h}"));
    }
    ProbeError { code: kind, stage: failed_stage, message, hint, sqlstate: Some(code.code().to_owned()), detail: Some(detail) }
}

/// Rewrites an authentication failure of a test whose saved password was
/// held back (the connection now names another server or user than the one
/// it was saved for), so that the user knows why and what to do.
pub fn explain_withheld_password(report: &mut super::Report) {
    if let Some(e) = report.error.as_mut().filter(|e| e.code == ErrorCode::AuthFailed) {
        e.message = "The server asks for a password, and the saved one was not sent: the host, port or user differ from the ones it was saved for.".into();
        e.hint = "Type the password for this server. Sluice only ever sends a saved password to the server it was saved for.".into();
    }
}
