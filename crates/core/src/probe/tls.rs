//! TLS as libpq does it (`fe-secure-openssl.c`), on OpenSSL, as libpq is:
//! the chain, the CRLs, the key formats and the protocol bounds are
//! OpenSSL's, and the host name is checked after the handshake by libpq's
//! own rules (`tls_names.rs`).
//!
//! | mode        | TLS               | chain checked                           | host name checked |
//! |-------------|-------------------|-----------------------------------------|-------------------|
//! | disable     | never             | –                                       | –                 |
//! | allow       | if server insists | when a root certificate file exists     | no                |
//! | prefer      | if offered        | when a root certificate file exists     | no                |
//! | require     | always            | when a root certificate file exists     | no                |
//! | verify-ca   | always            | yes (the connection fails without root) | no                |
//! | verify-full | always            | yes (the connection fails without root) | yes               |
//!
//! As libpq: the root certificate is `sslrootcert`, else
//! `~/.postgresql/root.crt`, or the system's store with `sslrootcert=system`;
//! a file that does not exist is none (and verify-ca or verify-full fail
//! with libpq's message). CRLs (`sslcrl`, `sslcrldir`) are checked for
//! every certificate of the chain once one is given. The client certificate
//! is `sslcert`, else `~/.postgresql/postgresql.crt`, with its chain; a
//! missing one sends none; its key (`sslkey`, else `postgresql.key`) must
//! exist, be private to its owner, and match. SNI goes with a host name
//! (not an address) unless `sslsni=0`; ALPN `postgresql` always.

use super::report::{Stage, TlsInfo};
use super::request::InlineTls;
use super::tracker::Tracker;
use super::wire::{lock, SharedFacts};
use crate::conninfo::{ConnInfo, SslMode};
use openssl::ssl::{Ssl, SslContext, SslContextBuilder, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::X509;
use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};

/// Why TLS could not even be set up: the user's to fix.
#[derive(Debug)]
pub(crate) enum SetupError {
    /// The sslmode and the trust anchors do not go together (libpq refuses them too).
    WeakTrust(String),
    RootCert(String),
    /// verify-ca or verify-full, and no root certificate file (libpq's message).
    MissingRoot(String),
    ClientCert(String),
    /// The client key is encrypted, and its passphrase is missing or wrong.
    KeyPassphrase(String),
    Internal(String),
}

/// How a handshake (or what follows it) failed, kept typed for the classifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TlsFailure {
    /// The chain did not verify: OpenSSL's verify result.
    Verify { code: i32, reason: String },
    /// The certificate does not name the host (libpq's sentence).
    Name(String),
    /// The server ended the handshake with an alert ("tlsv1 alert unknown ca").
    Alert(String),
    /// Anything else OpenSSL said (no shared protocol version or cipher…).
    Other(String),
}

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsFailure::Verify { reason, .. } => write!(f, "SSL error: certificate verify failed: {reason}"),
            TlsFailure::Name(m) => f.write_str(m),
            TlsFailure::Alert(m) | TlsFailure::Other(m) => write!(f, "SSL error: {m}"),
        }
    }
}

pub(crate) struct TlsPlan {
    ctx: SslContext,
    /// verify-full: the name the certificate must carry (`host`, also with `hostaddr`).
    check_name: Option<String>,
    /// The name sent as SNI.
    sni: Option<String>,
    /// What will be checked, filled in further once the handshake is done.
    pub info: TlsInfo,
    /// Whether the server asked for a client certificate, and whether one
    /// went (for `sslcertmode=require`); reset before each connection.
    pub cert_flags: Arc<CertFlags>,
}

/// What happened to the client certificate in the last handshake.
#[derive(Debug, Default)]
pub(crate) struct CertFlags {
    pub requested: std::sync::atomic::AtomicBool,
    pub sent: std::sync::atomic::AtomicBool,
}

impl CertFlags {
    pub fn reset(&self) {
        self.requested.store(false, std::sync::atomic::Ordering::SeqCst);
        self.sent.store(false, std::sync::atomic::Ordering::SeqCst);
    }
    pub fn get(&self) -> (bool, bool) {
        (self.requested.load(std::sync::atomic::Ordering::SeqCst), self.sent.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// Builds the TLS settings for `mode` (not `disable`). `tls_host` is the
/// name the certificate must carry: `host`, even when `hostaddr` is used.
pub(crate) fn plan(mode: SslMode, tls_host: &str, info: &ConnInfo, inline: &InlineTls) -> Result<TlsPlan, SetupError> {
    let internal = |e: openssl::error::ErrorStack| SetupError::Internal(e.to_string());
    let mut b = SslContext::builder(SslMethod::tls_client()).map_err(internal)?;
    let (min, max) = protocol_bounds(info).map_err(SetupError::WeakTrust)?;
    b.set_min_proto_version(min).map_err(internal)?;
    b.set_max_proto_version(max).map_err(internal)?;
    // P-256 first: Postgres up to 17 takes only its ssl_ecdh_curve
    // (prime256v1) for the TLS 1.3 key share, and X25519 first would cost
    // a HelloRetryRequest, one round trip (bench/notes.md).
    let _ = b.set_groups_list("P-256:X25519:P-384:P-521");
    b.set_alpn_protos(b"\x0apostgresql").map_err(internal)?;
    let mut tls_info = TlsInfo { server_name: Some(tls_host.to_owned()), ..TlsInfo::default() };

    let root = load_roots(&mut b, mode, info, inline)?;
    if let Some(label) = root {
        tls_info.chain_verified = true;
        tls_info.root = Some(label);
        load_crls(&mut b, info)?;
        b.set_verify(SslVerifyMode::PEER);
    } else {
        b.set_verify(SslVerifyMode::NONE);
    }
    let check_name = (mode == SslMode::VerifyFull).then(|| tls_host.to_owned());
    tls_info.hostname_verified = check_name.is_some();

    // sslcertmode=disable: no client certificate, not even looked for.
    if info.get("sslcertmode") != Some("disable") {
        tls_info.client_certificate = load_client_identity(&mut b, info, inline)?;
    }
    let cert_flags = Arc::new(CertFlags::default());
    ffi::record_certificate_requests(&mut b, cert_flags.clone());
    let bare = tls_host.trim_start_matches('[').trim_end_matches(']');
    let sni = (info.get("sslsni") != Some("0") && !bare.is_empty() && !super::tls_names::is_ip_address(bare) && !bare.contains(':'))
        .then(|| bare.to_owned());
    Ok(TlsPlan { ctx: b.build(), check_name, sni, info: tls_info, cert_flags })
}

/// `ssl_min_protocol_version` (default TLSv1.2) and `ssl_max_protocol_version`.
fn protocol_bounds(info: &ConnInfo) -> Result<(Option<SslVersion>, Option<SslVersion>), String> {
    let read = |k: &str| -> Result<Option<SslVersion>, String> {
        match info.get(k).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => crate::conninfo::validate::tls_version_rank(v)
                .map(|r| Some([SslVersion::TLS1, SslVersion::TLS1_1, SslVersion::TLS1_2, SslVersion::TLS1_3][r]))
                .ok_or_else(|| format!("invalid {k} value: \"{v}\"")),
        }
    };
    Ok((read("ssl_min_protocol_version")?.or(Some(SslVersion::TLS1_2)), read("ssl_max_protocol_version")?))
}

/// Loads the trust anchors as libpq decides them; None when nothing verifies.
fn load_roots(b: &mut SslContextBuilder, mode: SslMode, info: &ConnInfo, inline: &InlineTls) -> Result<Option<String>, SetupError> {
    let verifies = matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull);
    if let Some(pem) = &inline.pem.sslrootcert {
        let certs = X509::stack_from_pem(pem.as_bytes()).map_err(|e| SetupError::RootCert(format!("the root certificate (inline PEM) cannot be read: {e}")))?;
        if certs.is_empty() {
            return Err(SetupError::RootCert("the root certificate (inline PEM) holds no certificate".into()));
        }
        for c in certs {
            b.cert_store_mut().add_cert(c).map_err(|e| SetupError::RootCert(e.to_string()))?;
        }
        return Ok(Some("inline PEM".into()));
    }
    let path = match info.get("sslrootcert").filter(|s| !s.is_empty()) {
        Some(p) => p.to_owned(),
        None => crate::conninfo::defaults::root_cert_path().unwrap_or_default(),
    };
    if path == "system" {
        // libpq 16+: only with verify-full (a weaker mode would take any public certificate).
        if mode != SslMode::VerifyFull {
            return Err(SetupError::WeakTrust(format!("weak sslmode \"{mode}\" may not be used with sslrootcert=system (use \"verify-full\")")));
        }
        b.set_default_verify_paths().map_err(|e| SetupError::RootCert(e.to_string()))?;
        native_roots(b);
        return Ok(Some("system store".into()));
    }
    if !path.is_empty() && Path::new(&path).exists() {
        b.set_ca_file(&path).map_err(|e| SetupError::RootCert(format!("could not read root certificate file \"{path}\": {}", reason(&e))))?;
        return Ok(Some(path));
    }
    if verifies {
        let shown = if path.is_empty() { "~/.postgresql/root.crt".to_owned() } else { path };
        return Err(SetupError::MissingRoot(format!(
            "root certificate file \"{shown}\" does not exist\nEither provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification."
        )));
    }
    Ok(None)
}

/// On Windows and macOS OpenSSL's default paths are not the system's
/// store: its certificates are added as well.
fn native_roots(b: &mut SslContextBuilder) {
    #[cfg(any(windows, target_os = "macos"))]
    for c in rustls_native_certs::load_native_certs().certs {
        if let Ok(x) = X509::from_der(c.as_ref()) {
            let _ = b.cert_store_mut().add_cert(x);
        }
    }
    let _ = b;
}

/// `sslcrl` (by default `~/.postgresql/root.crl`) and `sslcrldir`, when
/// they exist, loaded as libpq loads them (`X509_STORE_load_locations`:
/// certificates and CRLs from the file); then every certificate of the
/// chain needs its CA's CRL (`X509_V_FLAG_CRL_CHECK_ALL`). As libpq does,
/// a file or directory that does not load turns CRL checking off rather
/// than failing ("we do not require CRL").
fn load_crls(b: &mut SslContextBuilder, info: &ConnInfo) -> Result<(), SetupError> {
    let file = match info.get("sslcrl").filter(|p| !p.is_empty()) {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => crate::conninfo::defaults::user_dir().map(|d| d.join("root.crl")),
    }
    .filter(|p| p.exists());
    let dir = info.get("sslcrldir").filter(|p| !p.is_empty() && Path::new(p).exists()).map(std::path::PathBuf::from);
    if file.is_none() && dir.is_none() {
        return Ok(());
    }
    if ffi::load_locations(b, file.as_deref(), dir.as_deref()) {
        b.cert_store_mut().set_flags(X509VerifyFlags::CRL_CHECK | X509VerifyFlags::CRL_CHECK_ALL).map_err(|e| SetupError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// The client certificate (with its chain) and key; Ok(false) when there is none.
fn load_client_identity(b: &mut SslContextBuilder, info: &ConnInfo, inline: &InlineTls) -> Result<bool, SetupError> {
    let cert_path = info.get("sslcert").filter(|s| !s.is_empty()).map(str::to_owned).or_else(crate::conninfo::defaults::client_cert_path);
    let from_file = match (&inline.pem.sslcert, &cert_path) {
        (Some(pem), _) => {
            let chain = X509::stack_from_pem(pem.as_bytes()).map_err(|e| SetupError::ClientCert(format!("the client certificate (inline PEM) cannot be read: {}", reason(&e))))?;
            let (leaf, rest) = chain.split_first().ok_or_else(|| SetupError::ClientCert("the client certificate (inline PEM) holds no certificate".into()))?;
            b.set_certificate(leaf).map_err(|e| SetupError::ClientCert(reason(&e)))?;
            for c in rest {
                b.add_extra_chain_cert(c.clone()).map_err(|e| SetupError::ClientCert(reason(&e)))?;
            }
            false
        }
        // libpq: a certificate file that does not exist is no certificate.
        (None, Some(path)) if Path::new(path).exists() => {
            b.set_certificate_chain_file(path).map_err(|e| SetupError::ClientCert(format!("could not read certificate file \"{path}\": {}", reason(&e))))?;
            true
        }
        (None, _) => return Ok(false),
    };
    let key = match (&inline.client_key_pem, from_file) {
        (Some(pem), _) => super::client_key::load(pem.expose().as_bytes(), info.secret("sslpassword").map(|s| s.expose())).map_err(|e| key_error(e, "inline"))?,
        (None, _) => {
            let path = info.get("sslkey").filter(|s| !s.is_empty()).map(str::to_owned).or_else(crate::conninfo::defaults::client_key_path).unwrap_or_default();
            if is_engine_key(&path) {
                return Err(SetupError::ClientCert(format!("sslkey \"{path}\" names an OpenSSL engine; Sluice reads keys from files only")));
            }
            if path.is_empty() || !Path::new(&path).exists() {
                return Err(SetupError::ClientCert(format!("certificate present, but not private key file \"{path}\"")));
            }
            check_key_permissions(&path)?;
            let bytes = std::fs::read(&path).map_err(|e| SetupError::ClientCert(format!("could not load private key file \"{path}\": {e}")))?;
            super::client_key::load(&bytes, info.secret("sslpassword").map(|s| s.expose())).map_err(|e| key_error(e, &path))?
        }
    };
    let mismatch = || SetupError::ClientCert("the client key does not belong to the client certificate (certificate does not match private key file)".into());
    b.set_private_key(&key).map_err(|e| if reason(&e).contains("mismatch") { mismatch() } else { SetupError::ClientCert(reason(&e)) })?;
    b.check_private_key().map_err(|_| mismatch())?;
    Ok(true)
}

fn key_error(e: super::client_key::KeyError, file: &str) -> SetupError {
    use super::client_key::KeyError;
    match e {
        KeyError::PassphraseMissing => SetupError::KeyPassphrase(format!("could not load private key file \"{file}\": {e}")),
        KeyError::WrongPassphrase(_) => SetupError::KeyPassphrase(format!("could not load private key file \"{file}\": {e}")),
        KeyError::Malformed(why) => SetupError::ClientCert(format!("could not load private key file \"{file}\": {why}")),
    }
}

/// libpq's test for an `ENGINE:KEY` sslkey (a colon, but not a drive letter).
fn is_engine_key(path: &str) -> bool {
    let b = path.as_bytes();
    path.contains(':') && !(b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
}

/// libpq refuses a key others can read: u=rw (0600) when the user owns it,
/// u=rw,g=r (0640) when root does.
fn check_key_permissions(path: &str) -> Result<(), SetupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).map_err(|e| SetupError::ClientCert(format!("could not stat private key file \"{path}\": {e}")))?;
        let mode = m.mode();
        let ok = if m.uid() == 0 { mode & 0o137 == 0 } else { mode & 0o077 == 0 };
        if !ok && m.is_file() {
            return Err(SetupError::ClientCert(format!(
                "private key file \"{path}\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root"
            )));
        }
    }
    let _ = path;
    Ok(())
}

/// OpenSSL's last reason ("bad decrypt", "no certificate or crl found").
fn reason(e: &openssl::error::ErrorStack) -> String {
    e.errors().iter().rev().find_map(|x| x.reason()).map_or_else(|| e.to_string(), str::to_owned)
}

/// What the handshake settled on.
#[derive(Debug, Clone)]
pub(crate) struct Negotiated {
    pub version: String,
    /// sslnegotiation=direct: no SSLRequest was sent.
    pub direct: bool,
    pub cipher: String,
    pub key_exchange: String,
    pub channel_binding: bool,
}

/// tokio-postgres calls this after the server answered 'S' to SSLRequest
/// (or at once, with sslnegotiation=direct).
pub(crate) struct OpensslConnect<'a> {
    /// None when no TLS is planned (sslmode=disable); tokio-postgres then never calls us.
    pub plan: Option<&'a TlsPlan>,
    pub facts: SharedFacts,
    pub tracker: &'a Tracker<'a>,
    /// Filled once the handshake is done.
    pub negotiated: Arc<std::sync::Mutex<Option<Negotiated>>>,
    pub direct: bool,
    /// Extra startup parameters (the startup goes out inside TLS).
    pub startup: super::startup::StartupParams,
}

impl<'a, S> TlsConnect<S> for OpensslConnect<'a>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'a,
{
    type Stream = OpensslStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<OpensslStream<S>, io::Error>> + Send + 'a>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let plan = self.plan.ok_or_else(|| io::Error::other("TLS was not planned for this connection"))?;
            if let Some(guard) = lock(&self.facts).auth.as_mut() {
                guard.tls_started();
            }
            let mut ssl = Ssl::new(&plan.ctx).map_err(io::Error::other)?;
            if let Some(name) = &plan.sni {
                ssl.set_hostname(name).map_err(io::Error::other)?;
            }
            let mut tls = tokio_openssl::SslStream::new(ssl, stream).map_err(io::Error::other)?;
            if let Err(e) = Pin::new(&mut tls).connect().await {
                let failure = handshake_failure(&e, tls.ssl().verify_result());
                let text = failure.to_string();
                lock(&self.facts).tls_error = Some(failure);
                return Err(io::Error::other(text));
            }
            let peer = tls.ssl().peer_certificate();
            if let (Some(host), Some(cert)) = (&plan.check_name, &peer) {
                if let Err(message) = super::tls_names::check(host, &sans(cert), common_name(cert).as_deref()) {
                    lock(&self.facts).tls_error = Some(TlsFailure::Name(message.clone()));
                    return Err(io::Error::other(message));
                }
            }
            let binding = peer.as_ref().and_then(|c| ffi::end_point_hash(c));
            let ssl = tls.ssl();
            let version = match ssl.version_str() {
                "TLSv1.3" => "TLS 1.3",
                "TLSv1.2" => "TLS 1.2",
                "TLSv1.1" => "TLS 1.1",
                other => other,
            }
            .to_owned();
            *self.negotiated.lock().unwrap_or_else(|p| p.into_inner()) = Some(Negotiated {
                version: version.clone(),
                direct: self.direct,
                cipher: ssl.current_cipher().map(|c| c.name().to_owned()).unwrap_or_default(),
                key_exchange: group_name(&ffi::negotiated_group(ssl)),
                channel_binding: binding.is_some(),
            });
            let now = Instant::now();
            lock(&self.facts).tls_done_at = Some(now);
            let how = if self.direct { "direct" } else { "negotiated" };
            self.tracker.finish_at(super::report::StepStatus::Ok, Some(format!("{version}, {how}")), now);
            self.tracker.start_at(Stage::Auth, now);
            Ok(OpensslStream { inner: tls, binding, facts: self.facts.clone(), guarded: true, limiter: super::limits::Limiter::messages(), startup: self.startup })
        })
    }
}

/// The key exchange group by its TLS name (OpenSSL calls P-256 "prime256v1").
fn group_name(openssl: &str) -> String {
    match openssl {
        "prime256v1" => "secp256r1".into(),
        "X25519" => "x25519".into(),
        "X448" => "x448".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// What a failed handshake says: a chain that did not verify, an alert from
/// the server, or OpenSSL's reason.
fn handshake_failure(e: &openssl::ssl::Error, verify: openssl::x509::X509VerifyResult) -> TlsFailure {
    if verify.as_raw() != 0 {
        return TlsFailure::Verify { code: verify.as_raw(), reason: verify.error_string().to_owned() };
    }
    let reason = e.ssl_error().map(reason).or_else(|| e.io_error().map(|io| io.to_string())).unwrap_or_else(|| e.to_string());
    if reason.contains("alert") {
        TlsFailure::Alert(reason)
    } else {
        TlsFailure::Other(reason)
    }
}

/// The certificate's subjectAltNames of the kinds libpq examines.
fn sans(cert: &X509) -> Vec<super::tls_names::San> {
    use super::tls_names::San;
    let Some(names) = cert.subject_alt_names() else { return Vec::new() };
    names
        .iter()
        .filter_map(|n| match (n.dnsname(), n.ipaddress()) {
            (Some(d), _) => Some(San::Dns(d.as_bytes().to_vec())),
            (None, Some(ip)) => Some(San::Ip(ip.to_vec())),
            _ => None,
        })
        .collect()
}

/// The first Common Name of the subject.
fn common_name(cert: &X509) -> Option<Vec<u8>> {
    cert.subject_name().entries_by_nid(openssl::nid::Nid::COMMONNAME).next().map(|e| e.data().as_slice().to_vec())
}

pub(crate) struct OpensslStream<S> {
    inner: tokio_openssl::SslStream<S>,
    binding: Option<Vec<u8>>,
    /// Where `require_auth`'s guard reads the decrypted messages.
    facts: SharedFacts,
    guarded: bool,
    /// Counts the server's messages (`limits.rs`).
    limiter: super::limits::Limiter,
    startup: super::startup::StartupParams,
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for OpensslStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &poll {
            Poll::Ready(Ok(())) => {
                let this = &mut *self;
                if let Err(e) = this.limiter.feed(&buf.filled()[before..]) {
                    return Poll::Ready(Err(super::wire::over_limit(&this.facts, e)));
                }
            }
            // TLS 1.3 sends a refused client certificate's alert after the
            // handshake: it arrives with the first read.
            Poll::Ready(Err(e)) if e.to_string().contains("alert") => {
                lock(&self.facts).tls_error.get_or_insert_with(|| TlsFailure::Alert(e.to_string()));
            }
            _ => {}
        }
        if let (Poll::Ready(Ok(())), true) = (&poll, self.guarded) {
            self.guarded = super::wire::feed_guard(&self.facts, &buf.filled()[before..], false)?;
        }
        poll
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for OpensslStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.startup.poll_write(Pin::new(&mut this.inner), cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for OpensslStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        match &self.binding {
            Some(hash) => ChannelBinding::tls_server_end_point(hash.clone()),
            None => ChannelBinding::none(),
        }
    }
}

/// The few OpenSSL calls the `openssl` crate does not wrap (all in
/// OpenSSL 1.1.1 and later, which libpq needs too).
mod ffi {
    use super::CertFlags;
    use foreign_types::ForeignTypeRef;
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::ssl::{SslContextBuilder, SslRef};
    use openssl::x509::X509Ref;
    use std::os::raw::{c_int, c_long, c_void};
    use std::sync::Arc;

    extern "C" {
        fn X509_get_signature_info(x: *mut openssl_sys::X509, mdnid: *mut c_int, pknid: *mut c_int, secbits: *mut c_int, flags: *mut u32) -> c_int;
        fn SSL_CTX_set_cert_cb(ctx: *mut openssl_sys::SSL_CTX, cb: Option<unsafe extern "C" fn(*mut openssl_sys::SSL, *mut c_void) -> c_int>, arg: *mut c_void);
        fn SSL_get_certificate(ssl: *const openssl_sys::SSL) -> *mut openssl_sys::X509;
        fn SSL_ctrl(ssl: *mut openssl_sys::SSL, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long;
        fn OBJ_nid2sn(n: c_int) -> *const std::os::raw::c_char;
        fn X509_STORE_load_locations(store: *mut openssl_sys::X509_STORE, file: *const std::os::raw::c_char, dir: *const std::os::raw::c_char) -> c_int;
    }

    /// libpq's call for its CRLs: the file's certificates and CRLs, the
    /// directory as a hashed lookup. False when either does not load (the
    /// error queue is cleared, as libpq clears it).
    pub(super) fn load_locations(b: &mut SslContextBuilder, file: Option<&std::path::Path>, dir: Option<&std::path::Path>) -> bool {
        let c = |p: Option<&std::path::Path>| p.and_then(|p| std::ffi::CString::new(p.to_string_lossy().into_owned()).ok());
        let (file, dir) = (c(file), c(dir));
        let ptr = |s: &Option<std::ffi::CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        // SAFETY: the store belongs to the live builder; the strings outlive the call.
        let ok = unsafe { X509_STORE_load_locations(b.cert_store_mut().as_ptr(), ptr(&file), ptr(&dir)) } == 1;
        if !ok {
            let _ = openssl::error::ErrorStack::get();
        }
        ok
    }

    /// RFC 5929 tls-server-end-point, as libpq computes it: the certificate
    /// hashed with its signature's digest (for RSA-PSS, the one in its
    /// parameters), MD5 and SHA-1 becoming SHA-256.
    pub(super) fn end_point_hash(cert: &X509Ref) -> Option<Vec<u8>> {
        let (mut md, mut pk, mut bits, mut flags) = (0 as c_int, 0 as c_int, 0 as c_int, 0u32);
        // SAFETY: `cert` is a live X509; the out-parameters are ours.
        let ok = unsafe { X509_get_signature_info(cert.as_ptr(), &mut md, &mut pk, &mut bits, &mut flags) };
        if ok != 1 {
            return None;
        }
        let nid = match Nid::from_raw(md) {
            n if n == Nid::MD5 || n == Nid::SHA1 => Nid::SHA256,
            n => n,
        };
        let digest = MessageDigest::from_nid(nid)?;
        cert.digest(digest).ok().map(|d| d.to_vec())
    }

    unsafe extern "C" fn on_cert_request(ssl: *mut openssl_sys::SSL, arg: *mut c_void) -> c_int {
        // SAFETY: `arg` is the CertFlags the context keeps alive (see below).
        let flags = unsafe { &*(arg as *const CertFlags) };
        flags.requested.store(true, std::sync::atomic::Ordering::SeqCst);
        // SAFETY: `ssl` is the connection OpenSSL is calling us for.
        let has = unsafe { !SSL_get_certificate(ssl).is_null() };
        flags.sent.store(has, std::sync::atomic::Ordering::SeqCst);
        1
    }

    /// Notes, as libpq 16's cert callback does, that the server asked for a
    /// client certificate and whether one is sent (for `sslcertmode=require`).
    pub(super) fn record_certificate_requests(b: &mut SslContextBuilder, flags: Arc<CertFlags>) {
        // The flags live as long as the context: a reference is kept in its
        // ex-data slot (one slot for the process), dropped with it.
        static INDEX: std::sync::OnceLock<Option<openssl::ex_data::Index<openssl::ssl::SslContext, Arc<CertFlags>>>> = std::sync::OnceLock::new();
        let index = *INDEX.get_or_init(|| openssl::ssl::SslContext::new_ex_index::<Arc<CertFlags>>().ok());
        let ptr = Arc::as_ptr(&flags) as *mut c_void;
        if let Some(i) = index {
            b.set_ex_data(i, flags);
            // SAFETY: the context owns `flags` (ex-data) for as long as the callback may run.
            unsafe { SSL_CTX_set_cert_cb(b.as_ptr(), Some(on_cert_request), ptr) };
        }
    }

    /// The key exchange group the handshake used ("prime256v1", "X25519").
    pub(super) fn negotiated_group(ssl: &SslRef) -> String {
        const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;
        // SAFETY: a read-only query of a live connection.
        let nid = unsafe { SSL_ctrl(ssl.as_ptr(), SSL_CTRL_GET_NEGOTIATED_GROUP, 0, std::ptr::null_mut()) };
        if nid <= 0 {
            return String::new();
        }
        // SAFETY: OBJ_nid2sn returns a static string or null.
        let name = unsafe { OBJ_nid2sn(nid as c_int) };
        if name.is_null() {
            return String::new();
        }
        // SAFETY: a NUL-terminated static string.
        unsafe { std::ffi::CStr::from_ptr(name) }.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_bounds_as_libpq_reads_them() {
        let b = |pairs: &[(&str, &str)]| protocol_bounds(&ConnInfo::from_params(pairs.iter().copied()).unwrap());
        assert_eq!(b(&[]).unwrap(), (Some(SslVersion::TLS1_2), None));
        assert_eq!(b(&[("ssl_min_protocol_version", "tlsv1.3")]).unwrap().0, Some(SslVersion::TLS1_3));
        assert_eq!(b(&[("ssl_max_protocol_version", "incorrect_tls")]).unwrap_err(), "invalid ssl_max_protocol_version value: \"incorrect_tls\"");
    }

    #[test]
    fn engine_keys() {
        assert!(is_engine_key("pkcs11:token=x"));
        assert!(!is_engine_key("C:\\keys\\client.key") && !is_engine_key("/home/u/client.key"));
    }
}
