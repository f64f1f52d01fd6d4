//! Turns every way a test can fail into one [`ProbeError`]: a code from the
//! contract, one plain sentence, and a concrete hint. The raw driver text is
//! kept in `detail` for experts; it never holds a secret (the driver's
//! errors don't carry the password, and we add none).

use super::report::{ErrorCode, ProbeError, Stage};
use crate::access::Fix;
use super::tls::SetupError;
use crate::conninfo::SslMode;
use std::time::Duration;

/// What the classifier knows about the attempt.
pub(crate) struct Context<'a> {
    /// The connection's `options` keyword, to tell where a refused setting came from.
    pub options: Option<&'a str>,
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
    /// sslnegotiation=direct: TLS was sent first, without an SSLRequest.
    pub direct_tls: bool,
}

/// A failure on its way up: what failed, in which stage, and what was seen
/// of the server by then. It is classified once, at the boundary
/// (`Learnt::classify`), where the rest of the context is known.
pub(crate) struct Staged {
    pub failure: Failure,
    pub stage: Stage,
    pub seen: Seen,
}

/// What the conversation saw of the server before it failed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    /// The host being tried, when it is not the one the attempt is about.
    pub host: Option<(String, u16)>,
    pub used_tls: bool,
    pub first_byte: Option<u8>,
    pub sent_ssl_request: bool,
    pub tls_offered: Option<bool>,
}

impl Staged {
    pub fn new(failure: Failure, stage: Stage) -> Staged {
        Staged { failure, stage, seen: Seen::default() }
    }

    pub fn seen(mut self, seen: Seen) -> Staged {
        self.seen = seen;
        self
    }

    /// The SQLSTATE of a server error: the one thing a retry decision needs
    /// before classification (57P03: libpq tries the next host).
    pub fn sqlstate(&self) -> Option<&str> {
        match &self.failure {
            Failure::Postgres(e) => e.as_db_error().map(|d| d.code().code()),
            _ => None,
        }
    }
}

/// A failure before classification.
pub(crate) enum Failure {
    Settings(String),
    Dns(std::io::Error),
    Connect { addr: String, error: std::io::Error },
    TlsSetup(SetupError),
    /// The TLS handshake itself failed.
    Handshake { tls: Option<super::tls::TlsFailure>, other: Option<String> },
    Postgres(tokio_postgres::Error),
    /// Our own SSLRequest saw the server answer 'N' in a mode that needs TLS.
    TlsNotOffered,
    Timeout(Duration),
    Cancelled,
    /// The server ended the connection after the handshake, with no error.
    Closed,
    Internal(String),
    /// The SSH tunnel failed (it explains itself).
    Ssh(crate::ssh::SshFailure),
    /// The password command failed or timed out.
    PasswordCommand { message: String, stderr: String },
    /// `require_auth` ruled out what the server asked for (libpq's message);
    /// nothing was sent in answer.
    AuthRequirement(String),
    /// The server went over a limit of `limits.rs` (which one).
    Misbehaved(String),
}

/// getaddrinfo's EAI_AGAIN ("Temporary failure in name resolution") and
/// its kin: the resolver could not be asked, which says nothing about the
/// name. NXDOMAIN is "Name or service not known" / "No address associated".
pub(crate) fn resolver_unreachable(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("temporary failure") || t.contains("try again") || t.contains("network is unreachable") || t.contains("no route to host") || t.contains("system error")
}

/// pg_hba refused a connection for being unencrypted: "no encryption" from
/// PostgreSQL 14, "SSL off" before.
pub(crate) fn says_no_encryption(msg: &str) -> bool {
    msg.contains("no encryption") || msg.ends_with("SSL off")
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
    let mut e = classify_failure(failure, stage, ctx);
    if ctx.direct_tls && e.stage == Stage::Tls && !ctx.used_tls && matches!(e.code, ErrorCode::ConnectionClosed | ErrorCode::TlsFailed) {
        e.hint = "Direct TLS (sslnegotiation=direct) needs PostgreSQL 17 or later, or a proxy that accepts it (ALPN postgresql): an older server reads the TLS greeting as a broken startup packet and hangs up. Use sslnegotiation=postgres.".into();
    }
    e
}

fn classify_failure(failure: Failure, stage: Stage, ctx: &Context<'_>) -> ProbeError {
    let Context { host, port, user, dbname, .. } = *ctx;
    if let Some(b) = ctx.first_byte {
        if !is_postgres_byte(b, ctx.sent_ssl_request) && !matches!(failure, Failure::Timeout(_) | Failure::Cancelled) {
            return not_postgres(b, stage, host, port);
        }
    }
    match failure {
        Failure::Misbehaved(why) => misbehaved(why, stage, host, port),
        Failure::AuthRequirement(libpq) => auth_requirement(libpq, host, port, user),
        Failure::Settings(msg) => ProbeError::new(
            ErrorCode::InvalidSettings,
            stage,
            format!("The connection settings are invalid: {msg}."),
            "Fix the setting named above and test again.",
        ),
        Failure::Dns(e) => classify_dns(e, host),
        Failure::Connect { addr, error } => classify_connect(&addr, error, host),
        Failure::TlsSetup(e) => classify_tls_setup(e, ctx.sslmode),
        Failure::TlsNotOffered => ProbeError::new(
            ErrorCode::TlsUnsupported,
            Stage::Tls,
            format!("The server at {host}:{port} does not offer TLS, and SSL mode {} requires it.", ctx.sslmode),
            "Turn on ssl in the server's postgresql.conf, or, only on a trusted network, choose SSL mode prefer or disable.",
        ),
        Failure::Handshake { tls, other } => classify_handshake(tls, other, ctx),
        Failure::Postgres(e) => classify_postgres(e, stage, ctx),
        Failure::Ssh(f) => f.into_probe_error(),
        Failure::PasswordCommand { message, stderr } => password_command(message, stderr),
        Failure::Timeout(d) => timeout(d, stage),
        Failure::Cancelled => ProbeError::new(ErrorCode::Cancelled, stage, "The test was cancelled.".into(), "Press Test Connection to try again."),
        Failure::Closed => closed(stage, host, port, false),
        Failure::Internal(msg) => {
            let mut e = ProbeError::new(ErrorCode::Internal, stage, "The test failed unexpectedly.".into(), "Copy the diagnostics and report this problem.");
            e.detail = Some(msg);
            e
        }
    }
    .with_user_db(user, dbname)
}

/// The server's first byte (`b`) is no Postgres answer: another service is on the port.
fn not_postgres(b: u8, stage: Stage, host: &str, port: u16) -> ProbeError {
    let mut e = ProbeError::new(
        ErrorCode::NotPostgres,
        stage,
        format!("Something answers on {host}:{port}, but it is not a Postgres server."),
        "Check the port: Postgres usually listens on 5432, PgBouncer on 6432, Supabase's pooler on 6543. Another service (HTTP, SSH, Redis…) is on this one.",
    );
    e.detail = Some(format!("first byte of the answer: 0x{b:02x} ({:?})", b as char));
    e
}

/// The server went over one of `limits.rs`'s limits (`why` says which).
fn misbehaved(why: String, stage: Stage, host: &str, port: u16) -> ProbeError {
    let mut e = ProbeError::new(
        ErrorCode::ServerMisbehaved,
        stage,
        format!("The server at {host}:{port} sent more than any Postgres server sends, so Sluice stopped reading: {why}."),
        "Check that the host and port are the database's, and that nothing in between (a proxy, a tunnel, a load balancer) tampers with the connection. Sluice's limits are in docs/errors.md.",
    );
    e.detail = Some(why);
    e
}

/// `require_auth` ruled out what the server asked for (`libpq`: libpq's message).
fn auth_requirement(libpq: String, host: &str, port: u16, user: &str) -> ProbeError {
    let asked = libpq.rsplit_once(": ").map_or(libpq.as_str(), |(_, reason)| reason);
    let (message, hint) = if asked == "server did not complete authentication" {
        (
            format!("require_auth rules out a login without authentication, and the server at {host}:{port} let \"{user}\" in without asking for anything (trust, or a client certificate alone)."),
            "If that is how this server is meant to work, add none to require_auth. Otherwise ask the administrator to require a password method for this role in pg_hba.conf.",
        )
    } else {
        (
            format!("require_auth rules out what the server at {host}:{port} asked \"{user}\" for ({}); Sluice stopped without answering, so no password was sent.", asked.trim_start_matches("server requested ")),
            "Ask the administrator for one of the methods require_auth allows in pg_hba.conf for this role, or change require_auth if this server is meant to use that method.",
        )
    };
    let mut e = ProbeError::new(ErrorCode::InvalidSettings, Stage::Auth, message, hint);
    e.detail = Some(libpq);
    e
}

/// The host name did not resolve: the resolver could not be asked, or the name has no address.
fn classify_dns(e: std::io::Error, host: &str) -> ProbeError {
    let text = e.to_string();
    let mut pe = if resolver_unreachable(&text) {
        ProbeError::new(
            ErrorCode::Dns,
            Stage::Resolve,
            format!("The host name \"{host}\" could not be looked up: this machine's resolver could not answer (no network, or no DNS server reachable)."),
            "Check that this machine is online (Wi-Fi, VPN, a proxy) and that its DNS server answers, then test again. The name itself was not found to be wrong.",
        )
    } else {
        ProbeError::new(
            ErrorCode::Dns,
            Stage::Resolve,
            format!("The host name \"{host}\" does not exist (the resolver answered that it has no address)."),
            "Check the host for typos; for a cloud database copy the endpoint from the provider's console. If it resolves on other machines, check this machine's DNS, VPN or /etc/hosts.",
        )
    };
    pe.detail = Some(text);
    pe
}

/// TLS could not be set up: the trust settings, the root or client certificate, the key.
fn classify_tls_setup(error: SetupError, sslmode: SslMode) -> ProbeError {
    match error {
        SetupError::WeakTrust(msg) => ProbeError::new(
            ErrorCode::InvalidSettings,
            Stage::Tls,
            format!("These TLS settings would not protect the connection: {msg}."),
            "Use SSL mode verify-full (the certificate must then name the host), or give the CA that signed the server's certificate as the root certificate.",
        ),
        SetupError::RootCert(msg) => ProbeError::new(
            ErrorCode::CertificateUntrusted,
            Stage::Tls,
            format!("The server cannot be verified: {msg}."),
            "Give the CA certificate that signed the server's certificate as the root certificate (a PEM file), or choose SSL mode require to encrypt without verifying.",
        ),
        SetupError::MissingRoot(libpq) => {
            let mut e = ProbeError::new(
                ErrorCode::InvalidSettings,
                Stage::Tls,
                format!("SSL mode {} verifies the server, and there is no root certificate to verify it with (the file does not exist).", sslmode),
                "Give the file of the CA that signed the server's certificate as the root certificate, use sslrootcert=system for the system's trust store (with verify-full), or choose SSL mode require to encrypt without verifying.",
            );
            e.detail = Some(libpq);
            e
        }
        SetupError::ClientCert(msg) => ProbeError::new(
            ErrorCode::ClientCertificate,
            Stage::Tls,
            format!("The client certificate cannot be used: {msg}."),
            "Give a PEM client certificate and its PEM private key (encrypted keys need their passphrase), both readable by you.",
        ),
        SetupError::KeyPassphrase(msg) => ProbeError::new(
            ErrorCode::ClientKeyPassphrase,
            Stage::Tls,
            format!("The client key cannot be used: {msg}."),
            "Enter the key's passphrase (Key passphrase in the form, sslpassword in a connection string); Sluice keeps it in the keyring.",
        ),
        SetupError::Internal(msg) => ProbeError::new(ErrorCode::Internal, Stage::Tls, format!("TLS could not be set up: {msg}."), "Copy the diagnostics and report this problem."),
    }
}

/// The password command failed or timed out; its stderr goes to the detail.
fn password_command(message: String, stderr: String) -> ProbeError {
    let mut e = ProbeError::new(
        ErrorCode::PasswordCommandFailed,
        Stage::Auth,
        format!("The password command gave no password: {message}."),
        "Run the command in a terminal: it must print the password (or token) on its first line and exit 0. For cloud IAM, check that you are logged in (aws sso login, gcloud auth login, az login).",
    );
    e.detail = Some(stderr).filter(|s| !s.is_empty());
    e
}

/// No answer within the connect timeout (`d`), with a hint for the stage it ran out in.
fn timeout(d: Duration, stage: Stage) -> ProbeError {
    if stage.is_ssh() {
        return ProbeError::new(
            ErrorCode::SshTimeout,
            stage,
            format!("No answer within {} s while {}.", fmt_secs(d), stage.doing()),
            match stage {
                Stage::SshConnect => "The SSH server did not finish the handshake in time: check the address and port (is it sshd?), and that a firewall does not drop the packets.",
                Stage::SshAuth => "The SSH server did not answer the login in time: it may be slow to check keys or passwords (DNS lookups of clients, an LDAP backend). Try again, or raise the connect timeout.",
                _ => "The bastion did not open the channel in time: it cannot reach the next host (a firewall between them, or a wrong address or port). Check from the bastion itself.",
            },
        );
    }
    let hint = match stage {
        Stage::Resolve => "DNS did not answer in time: check this machine's DNS servers or VPN.",
        Stage::Connect => "The host did not answer: it may be down, or a firewall or cloud security group drops the packets (allow inbound TCP on the port from your IP). Check the host, port and VPN.",
        Stage::Tls | Stage::Auth => "The server accepted the connection but did not finish the handshake: it may be overloaded, or the port belongs to something that is not Postgres.",
        Stage::Session | Stage::Access => "The server is slow to answer simple catalog queries: it may be overloaded or waiting on locks. Try again, or raise the connect timeout.",
        Stage::SshConnect | Stage::SshAuth | Stage::SshChannel => "The SSH server did not answer in time.",
        Stage::Replication => "The server did not answer the replication connection in time: something in between (a pooler, a proxy) may hold it, or the server waits for a free WAL sender.",
    };
    ProbeError::new(
        ErrorCode::Timeout,
        stage,
        format!("No answer within {} s while {}.", fmt_secs(d), stage.doing()),
        hint,
    )
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
    let mut e = ProbeError::new(ErrorCode::Refused, Stage::Connect, message, &hint);
    e.detail = Some(error.to_string());
    e
}

/// The peer went away mid-handshake (OpenSSL's "unexpected EOF", a reset).
fn sounds_closed(text: &str) -> bool {
    let t = text.to_lowercase();
    ["end of file", "eof", "reset", "closed", "broken pipe"].iter().any(|w| t.contains(w))
}

fn classify_handshake(tls: Option<super::tls::TlsFailure>, other: Option<String>, ctx: &Context<'_>) -> ProbeError {
    use super::tls::TlsFailure;
    let host = ctx.host;
    let detail = tls.as_ref().map(|e| e.to_string()).or(other.clone());
    let mut e = match &tls {
        Some(TlsFailure::Name(_)) => ProbeError::new(
            ErrorCode::CertificateHostnameMismatch,
            Stage::Tls,
            format!("The server's certificate is not valid for the host name \"{host}\"."),
            "Connect with a host name the certificate names (the detail says which it names), or choose SSL mode verify-ca to check the CA but not the name.",
        ),
        Some(TlsFailure::Verify { code, reason }) => {
            // OpenSSL's X509_V_ERR_* codes.
            let why = match *code {
                2 | 19 | 20 | 21 => "it was not issued by a CA in the root certificate (the root file must hold the whole chain up to the root CA)".to_owned(),
                3 => "a certificate revocation list (sslcrl, sslcrldir) is on, and there is none for a CA of its chain (a CRL is needed for every CA once CRLs are checked)".to_owned(),
                10 => "it has expired".to_owned(),
                9 => "it is not valid yet (check this machine's clock)".to_owned(),
                23 => "it has been revoked (it is in the certificate revocation list)".to_owned(),
                11 | 12 => "the certificate revocation list is out of date".to_owned(),
                7 | 8 => "its signature is invalid".to_owned(),
                _ => reason.clone(),
            };
            ProbeError::new(
                ErrorCode::CertificateUntrusted,
                Stage::Tls,
                format!("The server's certificate is not trusted: {why}."),
                "Give the CA certificate that signed the server's certificate (and any intermediate) as the root certificate (for AWS RDS, the RDS CA bundle; for self-signed servers, the server's CA). Or choose SSL mode require with no root certificate to encrypt without verifying.",
            )
        }
        Some(TlsFailure::Alert(a)) if ["certificate", "unknown ca", "access denied", "handshake failure"].iter().any(|w| a.contains(w)) => ProbeError::new(
            ErrorCode::ClientCertificate,
            Stage::Tls,
            if a.contains("revoked") {
                "The server refused the client certificate: it has been revoked.".into()
            } else if a.contains("unknown ca") {
                "The server does not trust the client certificate's CA (give the intermediate CA with the certificate, in the same file).".into()
            } else {
                "The server rejected the TLS handshake, most likely the client certificate (missing, expired or signed by a CA it does not trust).".to_owned()
            },
            "Give a client certificate signed by the CA in the server's ssl_ca_file, with its key (and its intermediate CAs in the certificate file); its common name must be the user name for cert authentication.",
        ),
        Some(TlsFailure::Other(m)) if sounds_closed(m) => closed(Stage::Tls, host, ctx.port, false),
        None if other.as_deref().is_some_and(sounds_closed) => closed(Stage::Tls, host, ctx.port, false),
        _ => ProbeError::new(
            ErrorCode::TlsFailed,
            Stage::Tls,
            "The TLS handshake with the server failed.".into(),
            "The server and Sluice found no TLS version or cipher in common (ssl_min_protocol_version, ssl_max_protocol_version, the server's own bounds), or the server's TLS setup is broken; the detail has OpenSSL's reason.",
        ),
    };
    e.detail = detail;
    e
}

fn classify_postgres(error: tokio_postgres::Error, stage: Stage, ctx: &Context<'_>) -> ProbeError {
    let Context { host, port, user, .. } = *ctx;
    let Some(db) = error.as_db_error() else {
        let text = error.to_string();
        let source = std::error::Error::source(&error).map(|s| s.to_string());
        let detail = match &source {
            Some(s) if !text.contains(s.as_str()) => format!("{text}: {s}"),
            _ => text.clone(),
        };
        let mut e = if detail.contains("password missing") {
            ProbeError::new(
                ErrorCode::AuthFailed,
                Stage::Auth,
                format!("The server asks for a password for user \"{user}\", and none was given."),
                "Enter the password (saved connections keep it in the OS keyring).",
            )
        } else if is_closed(&error) {
            closed(stage, host, port, ctx.first_byte.is_none())
        } else if detail.contains("did not use channel binding") {
            // libpq: "channel binding required, but SSL not in use" / "... but server authenticated client without channel binding".
            ProbeError::new(
                ErrorCode::InvalidSettings,
                Stage::Auth,
                if ctx.used_tls {
                    format!("channel_binding=require, but the server at {host}:{port} logged \"{user}\" in without channel binding (its method is not scram-sha-256).")
                } else {
                    format!("channel_binding=require, but the session with {host}:{port} is not encrypted: channel binding needs TLS (SSL mode {}).", ctx.sslmode)
                },
                if ctx.used_tls {
                    "Channel binding needs scram-sha-256 in pg_hba.conf for this role, and a password stored as SCRAM. Only if you trust the network between you and the server, set channel_binding=prefer."
                } else {
                    "Use SSL mode require or stricter, so that the session is encrypted (channel binding ties the login to it)."
                },
            )
        } else if detail.contains("SASL") || detail.contains("authentication method") {
            ProbeError::new(
                ErrorCode::AuthUnsupported,
                Stage::Auth,
                if detail.contains("unsupported SASL mechanism") {
                    // SCRAM is the only SASL mechanism besides PostgreSQL 18's OAUTHBEARER.
                    format!("The server at {host}:{port} asks for a SASL mechanism other than SCRAM: OAuth (OAUTHBEARER, PostgreSQL 18), which Sluice does not support yet.")
                } else {
                    format!("The server at {host}:{port} asks for an authentication method Sluice does not support yet.")
                },
                "Sluice logs in with scram-sha-256, md5, password, trust and client certificates. Ask the administrator for one of these in pg_hba.conf, or test from a tool that supports the method (OAuth needs PostgreSQL 18's libpq).",
            )
        } else {
            ProbeError::new(ErrorCode::Internal, stage, "The connection failed unexpectedly.".into(), "Copy the diagnostics and report this problem.")
        };
        e.detail = Some(detail);
        return e;
    };
    let (kind, message, hint) = startup_error(db, ctx);
    let fix = refusal_fix(kind, db.message(), ctx);
    let failed_stage = match kind {
        ErrorCode::InvalidParameter | ErrorCode::DatabaseMissing | ErrorCode::DatabaseAccessDenied | ErrorCode::DatabaseNotAccepting => Stage::Auth,
        _ if matches!(stage, Stage::Tls) => Stage::Auth,
        _ => stage,
    };
    let mut detail = format!("{}: {}", db.severity(), db.message());
    if let Some(d) = db.detail() {
        detail.push_str(&format!("\nDETAIL: {d}"));
    }
    if let Some(h) = db.hint() {
        detail.push_str(&format!("\nHINT: {h}"));
    }
    ProbeError { code: kind, stage: failed_stage, message, hint, sqlstate: Some(db.code().code().to_owned()), detail: Some(detail), fix, host_key: None }
}

/// `GRANT CONNECT ON DATABASE d TO r;`
fn grant_connect(dbname: &str, user: &str) -> String {
    use crate::access::quote_ident;
    format!("GRANT CONNECT ON DATABASE {} TO {};", quote_ident(dbname), quote_ident(user))
}

/// `ALTER ROLE r LOGIN;`
fn alter_login(user: &str) -> String {
    format!("ALTER ROLE {} LOGIN;", crate::access::quote_ident(user))
}

/// `ALTER DATABASE d ALLOW_CONNECTIONS true;`
fn allow_connections(dbname: &str) -> String {
    format!("ALTER DATABASE {} ALLOW_CONNECTIONS true;", crate::access::quote_ident(dbname))
}

/// The statement that fixes a refusal, when there is exactly one.
fn refusal_fix(code: ErrorCode, msg: &str, ctx: &Context<'_>) -> Option<Fix> {
    use crate::access::{ObjectType, Privilege};
    let Context { user, dbname, .. } = *ctx;
    match code {
        ErrorCode::DatabaseAccessDenied => Some(Fix {
            object_type: ObjectType::Database,
            name: dbname.to_owned(),
            missing: vec![Privilege::Connect],
            statement: grant_connect(dbname, user),
        }),
        ErrorCode::LoginNotPermitted if msg.contains("log in") => {
            Some(Fix { object_type: ObjectType::Role, name: user.to_owned(), missing: vec![], statement: alter_login(user) })
        }
        ErrorCode::DatabaseNotAccepting if !msg.contains("invalid") && dbname != "template0" => Some(Fix {
            object_type: ObjectType::Database,
            name: dbname.to_owned(),
            missing: vec![],
            statement: allow_connections(dbname),
        }),
        _ => None,
    }
}

/// The connection ended without an answer: at once (a service that accepts
/// and closes, as MQTT or Erlang's port mapper do), or mid-handshake.
fn closed(stage: Stage, host: &str, port: u16, nothing_received: bool) -> ProbeError {
    let (message, hint) = if nothing_received {
        (
            format!("The server at {host}:{port} closed the connection before answering."),
            "Check the port: something accepts connections there but does not speak Postgres, or a proxy or firewall cuts them (Postgres usually listens on 5432, PgBouncer on 6432).",
        )
    } else {
        (
            format!("The server at {host}:{port} closed the connection during the handshake."),
            "A proxy or firewall may cut the connection, or the server restarted or timed out the login (authentication_timeout); check the server log, then test again.",
        )
    };
    ProbeError::new(ErrorCode::ConnectionClosed, stage, message, hint)
}

/// tokio-postgres's "connection closed", or an end of stream / reset under it.
fn is_closed(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            return matches!(io.kind(), UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe);
        }
        source = s.source();
    }
    false
}

/// The quoted name in a server message: `parameter "work_mem"` -> `work_mem`.
fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find('"')? + 1;
    let end = start + msg[start..].find('"')?;
    Some(&msg[start..end])
}

/// Every error a server sends during startup and authentication (Postgres
/// 13 to 18: postmaster / backend_startup.c, auth.c, miscinit.c, postinit.c,
/// guc.c), as a code, one sentence and a hint that names the fix. SQLSTATE
/// first; the message text only where one SQLSTATE has several causes (the
/// text is English unless the server's lc_messages says otherwise, so each
/// branch has a generic fallback for its SQLSTATE).
fn startup_error(db: &tokio_postgres::error::DbError, ctx: &Context<'_>) -> (ErrorCode, String, String) {
    use crate::access::quote_ident;
    let Context { host, user, dbname, .. } = *ctx;
    let msg = db.message();
    let code = db.code();
    let name = quoted(msg).unwrap_or("");
    let own = |s: &str| s.to_owned();
    match code.code() {
        "28P01" => (
            ErrorCode::AuthFailed,
            format!("Password authentication failed for user \"{user}\"."),
            own("Check the password (it is case-sensitive). Postgres gives this same answer when the role does not exist, when its password has expired (VALID UNTIL), when it has no password, or when its stored password is md5 and pg_hba.conf asks for scram-sha-256; the server log says which."),
        ),
        "28000" => {
            if msg.contains("no pg_hba.conf entry") {
                no_hba_entry(msg, ctx)
            } else if msg.starts_with("pg_hba.conf rejects") && !ctx.used_tls && says_no_encryption(msg) {
                // A hostnossl ... reject line: the server wants TLS, not another rule.
                (
                    ErrorCode::TlsRequired,
                    format!("The server refuses unencrypted connections from this address (a pg_hba.conf rule rejects \"{user}\" without TLS), and SSL mode is {}.", ctx.sslmode),
                    own("Set SSL mode to require or stronger (verify-full is best): the server accepts this login over TLS."),
                )
            } else if msg.starts_with("pg_hba.conf rejects") {
                (
                    ErrorCode::NoHbaEntry,
                    format!("The server's pg_hba.conf has a rule that rejects \"{user}\" on database \"{dbname}\" from this address."),
                    own("A \"reject\" line in pg_hba.conf matches first: ask the administrator to move a rule that allows this connection above it (then SELECT pg_reload_conf())."),
                )
            } else if msg.contains("is not permitted to log in") {
                (
                    ErrorCode::LoginNotPermitted,
                    format!("The role \"{user}\" may not log in (it is NOLOGIN)."),
                    format!("As a superuser or a role with CREATEROLE: {}", alter_login(user)),
                )
            } else if msg.starts_with("role") && msg.contains("does not exist") {
                (
                    ErrorCode::RoleMissing,
                    format!("The role \"{user}\" does not exist on this server."),
                    own("Check the user name. Supabase's pooler expects postgres.<project-ref>; RDS uses the master user name you chose."),
                )
            } else if msg.contains("valid client certificate") || msg.starts_with("certificate authentication failed") {
                (
                    ErrorCode::ClientCertificate,
                    format!("The server rejected the client certificate for user \"{user}\"."),
                    own("For cert authentication the certificate's common name (CN) must equal the user name (or be mapped in pg_ident.conf), and it must be signed by the CA in the server's ssl_ca_file."),
                )
            } else if msg.contains("channel binding") {
                (
                    ErrorCode::AuthFailed,
                    format!("SCRAM channel binding failed for user \"{user}\"."),
                    own("Something between you and the server terminates TLS (a proxy or load balancer), or a man in the middle: connect to the server itself, or, only if the proxy is yours, set channel_binding=prefer."),
                )
            } else if let Some(method) = msg.strip_suffix(&format!(" authentication failed for user \"{}\"", quoted(msg).unwrap_or(user))).map(|m| m.trim_matches('"')) {
                let hint = match method {
                    "Peer" => "Peer authentication needs the operating-system user to equal the database user: connect as that OS user, map it in pg_ident.conf, or connect over TCP with a password.",
                    "Ident" => "The server's ident check failed: check its identd and pg_ident.conf map, or use password authentication.",
                    "LDAP" | "RADIUS" | "PAM" | "BSD" => "The server's external authentication refused the login: check the password and the account there; the server log has the reason.",
                    "GSSAPI" | "SSPI" => "Kerberos authentication failed: check your ticket (klist) and the server's keytab; Sluice does not do GSSAPI yet, so use a password method.",
                    "OAuth bearer" => "OAuth authentication failed; Sluice does not do OAuth yet: ask for a password or certificate method.",
                    _ => "The server refused the login; the server log says why.",
                };
                (ErrorCode::AuthFailed, format!("{method} authentication failed for user \"{user}\"."), own(hint))
            } else {
                (ErrorCode::AuthFailed, format!("Authentication failed for user \"{user}\"."), own("The server refused the login; see the detail, and the server log for the reason."))
            }
        }
        "3D000" => (
            ErrorCode::DatabaseMissing,
            format!("The database \"{dbname}\" does not exist on this server."),
            own("Check the database name (names are case-sensitive; without one, the user name is used); `\\l` in psql lists them. New servers often have only \"postgres\"."),
        ),
        "42501" if msg.starts_with("permission denied for database") => (
            ErrorCode::DatabaseAccessDenied,
            format!("The role \"{user}\" may not connect to the database \"{dbname}\" (no CONNECT privilege)."),
            format!("As the database's owner or a superuser: {}", grant_connect(dbname, user)),
        ),
        "42501" if msg.contains("set parameter") || msg.contains("set role") => invalid_parameter(name, msg, ctx),
        "42501" if msg.contains("WAL sender") || msg.contains("walsender") => (
            ErrorCode::LoginNotPermitted,
            format!("The role \"{user}\" may not open a replication connection."),
            format!(
                "As a superuser: ALTER ROLE {} REPLICATION; (REPLICATION is not inherited from a group; on RDS, GRANT rds_replication TO {0};)",
                quote_ident(user)
            ),
        ),
        "55000" if msg.contains("invalid database") => (
            ErrorCode::DatabaseNotAccepting,
            format!("The database \"{dbname}\" is invalid: an earlier DROP DATABASE was interrupted."),
            format!("Finish the drop: DROP DATABASE {};", quote_ident(dbname)),
        ),
        "55000" => (
            ErrorCode::DatabaseNotAccepting,
            format!("The database \"{dbname}\" does not accept connections (ALLOW_CONNECTIONS is false)."),
            if dbname == "template0" {
                own("template0 never accepts connections, by design: connect to another database.")
            } else {
                format!("As its owner or a superuser: {}", allow_connections(dbname))
            },
        ),
        "22023" | "42704" | "42601" | "42602" | "55P02" => invalid_parameter(name, msg, ctx),
        "53300" => too_many(msg, ctx),
        "57P03" => {
            let hint = if msg.contains("starting up") {
                "The server is starting: wait a few seconds and test again."
            } else if msg.contains("not yet accepting") {
                "The standby is still replaying WAL to reach a consistent state: wait, then test again."
            } else if db.detail().is_some_and(|d| d.contains("Hot standby mode is disabled")) {
                "This standby runs with hot_standby = off, so it takes no connections: set hot_standby = on (restart), or connect to the primary."
            } else if msg.contains("shutting down") {
                "The server is shutting down: wait until it is back, then test again."
            } else {
                "The server is recovering after a crash: wait, test again, and read its log."
            };
            (ErrorCode::ServerStarting, "The server does not accept connections right now.".into(), own(hint))
        }
        "57P01" | "57P02" | "57P05" => (
            ErrorCode::ConnectionClosed,
            format!("The server at {host} ended the session while it was starting: {msg}"),
            own("An administrator or a shutdown ended it, or another server process crashed: test again, and read the server log."),
        ),
        "08P01" | "0A000" => (
            ErrorCode::Internal,
            format!("The server refused what Sluice sent during startup: {msg}"),
            own("This is a bug in Sluice (or a proxy that rewrites the protocol): copy the diagnostics and report it."),
        ),
        _ => (
            ErrorCode::ServerError,
            format!("The server refused the connection: {msg}"),
            own("The server reported a problem of its own (its configuration, a login event trigger, an extension); see the detail and the server log."),
        ),
    }
}

fn no_hba_entry(msg: &str, ctx: &Context<'_>) -> (ErrorCode, String, String) {
    let Context { user, dbname, .. } = *ctx;
    if !ctx.used_tls && says_no_encryption(msg) && ctx.sslmode != SslMode::Disable {
        // We tried plain after TLS (allow/prefer fallbacks): say both.
        (
            ErrorCode::NoHbaEntry,
            format!("The server's pg_hba.conf has no rule that lets \"{user}\" connect to database \"{dbname}\" from this address."),
            format!("Ask the administrator to add a pg_hba.conf rule for this client address, user \"{user}\" and database \"{dbname}\"."),
        )
    } else if !ctx.used_tls && says_no_encryption(msg) && ctx.tls_offered == Some(true) {
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
}

/// A server setting the connection asked for was refused: name it, and say
/// whether it came from `options` (`-c name=value`) or from a keyword.
fn invalid_parameter(name: &str, msg: &str, ctx: &Context<'_>) -> (ErrorCode, String, String) {
    let from_options = !name.is_empty() && ctx.options.is_some_and(|o| o.contains(name));
    let source = if from_options {
        "in the options keyword (-c ...)".to_owned()
    } else if ctx.options.is_some_and(|o| !o.trim().is_empty()) && name.is_empty() {
        "in the options keyword".to_owned()
    } else if !name.is_empty() {
        format!("by the connection keyword that sets {name}")
    } else {
        "by the connection".to_owned()
    };
    let what = if name.is_empty() { "a server setting".to_owned() } else { format!("the server setting \"{name}\"") };
    (
        ErrorCode::InvalidParameter,
        format!("The server refused {what}, set {source}: {msg}."),
        "Fix or remove it in the connection's options (Advanced, or ?options= in the URL). Settings that need a restart or a superuser cannot be set per connection.".into(),
    )
}

/// The four kinds of connection limit, each with its own fix.
fn too_many(msg: &str, ctx: &Context<'_>) -> (ErrorCode, String, String) {
    use crate::access::quote_ident;
    let Context { user, dbname, .. } = *ctx;
    if msg.contains("for role") {
        (
            ErrorCode::TooManyConnections,
            format!("The role \"{user}\" is at its connection limit."),
            format!("Close some of its sessions, or raise its limit: ALTER ROLE {} CONNECTION LIMIT <n>; (-1 is unlimited).", quote_ident(user)),
        )
    } else if msg.contains("for database") {
        (
            ErrorCode::TooManyConnections,
            format!("The database \"{dbname}\" is at its connection limit."),
            format!("Close some of its sessions, or raise its limit: ALTER DATABASE {} CONNECTION LIMIT <n>; (-1 is unlimited).", quote_ident(dbname)),
        )
    } else if msg.contains("reserved") {
        (
            ErrorCode::TooManyConnections,
            "The only free connection slots are reserved (for superusers, or for roles granted pg_use_reserved_connections).".into(),
            "Close idle connections or raise max_connections; or grant this role pg_use_reserved_connections (PostgreSQL 16+) if it should use the reserved slots.".into(),
        )
    } else if msg.contains("max_wal_senders") {
        (
            ErrorCode::TooManyConnections,
            "The server has no free WAL senders for a replication connection (max_wal_senders).".into(),
            "Raise max_wal_senders (restart), or end stale replication connections.".into(),
        )
    } else {
        (
            ErrorCode::TooManyConnections,
            "The server has no free connection slots (max_connections).".into(),
            "Close idle connections, raise max_connections (restart), or connect through a pooler such as PgBouncer.".into(),
        )
    }
}
