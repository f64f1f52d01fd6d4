//! TLS exactly as libpq documents each `sslmode`, on rustls:
//!
//! | mode        | TLS            | chain checked                      | host name checked |
//! |-------------|----------------|------------------------------------|-------------------|
//! | disable     | never          | –                                  | –                 |
//! | allow       | if server insists | no                              | no                |
//! | prefer      | if offered     | no                                 | no                |
//! | require     | always         | only if a root cert is given (= verify-ca) | no        |
//! | verify-ca   | always         | yes (root cert, else system store) | no                |
//! | verify-full | always         | yes (root cert, else system store) | yes               |
//!
//! Whatever is checked, the handshake signature is always verified, so the
//! server at least holds the key of the certificate it shows.

use super::report::{Stage, TlsInfo};
use super::request::InlineTls;
use super::tracker::Tracker;
use super::wire::{lock, SharedFacts};
use crate::conninfo::{ConnInfo, SslMode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::Digest;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};

/// Why TLS could not even be set up (bad files, bad PEM): the user's to fix.
#[derive(Debug)]
pub(crate) enum SetupError {
    /// The sslmode and the trust anchors do not go together (libpq refuses them too).
    WeakTrust(String),
    RootCert(String),
    ClientCert(String),
    /// The client key is encrypted, and its passphrase is missing or wrong.
    KeyPassphrase(String),
    Internal(String),
}

pub(crate) struct TlsPlan {
    pub config: Arc<ClientConfig>,
    pub server_name: ServerName<'static>,
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

/// Sends the client certificate (if any) when the server asks, and notes
/// that it asked.
#[derive(Debug)]
struct RecordingResolver {
    key: Option<Arc<rustls::sign::CertifiedKey>>,
    flags: Arc<CertFlags>,
}

impl rustls::client::ResolvesClientCert for RecordingResolver {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[rustls::SignatureScheme]) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.flags.requested.store(true, std::sync::atomic::Ordering::SeqCst);
        self.flags.sent.store(self.key.is_some(), std::sync::atomic::Ordering::SeqCst);
        self.key.clone()
    }
    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

enum Check {
    Nothing,
    ChainOnly,
    ChainAndName,
}

/// ring, with P-256 offered first: Postgres up to 17 accepts only its
/// `ssl_ecdh_curve` (prime256v1 by default) for the TLS 1.3 key share, so
/// offering X25519 first costs a HelloRetryRequest, one extra round trip
/// (bench/notes.md). X25519 stays on offer for servers that prefer it.
fn provider() -> Arc<CryptoProvider> {
    use rustls::crypto::ring::kx_group::{SECP256R1, SECP384R1, X25519};
    let mut provider = rustls::crypto::ring::default_provider();
    provider.kx_groups = vec![SECP256R1, X25519, SECP384R1];
    Arc::new(provider)
}

/// Builds the client config for `mode` (not `disable`). `tls_host` is the
/// name the certificate must carry: `host`, even when `hostaddr` is used.
pub(crate) fn plan(mode: SslMode, tls_host: &str, info: &ConnInfo, inline: &InlineTls) -> Result<TlsPlan, SetupError> {
    let root = RootSource::of(info, inline);
    // libpq refuses the system store for anything but verify-full: it would
    // accept any publicly trusted certificate, issued for any host name.
    if matches!(root, RootSource::System) && mode != SslMode::VerifyFull {
        return Err(SetupError::WeakTrust(format!(
            "sslrootcert=system may only be used with sslmode verify-full (sslmode is {mode}): the system's CAs would vouch for any public server, whatever its name"
        )));
    }
    if matches!(root, RootSource::None) && mode == SslMode::VerifyCa {
        return Err(SetupError::WeakTrust(
            "sslmode verify-ca needs a root certificate (the CA that signed the server's certificate): without one, any publicly trusted certificate for any host name would pass".into(),
        ));
    }
    let root_given = !matches!(root, RootSource::None);
    let check = match mode {
        SslMode::Disable | SslMode::Allow | SslMode::Prefer => Check::Nothing,
        // libpq: require with a root certificate behaves as verify-ca.
        SslMode::Require if root_given => Check::ChainOnly,
        SslMode::Require => Check::Nothing,
        SslMode::VerifyCa => Check::ChainOnly,
        SslMode::VerifyFull => Check::ChainAndName,
    };
    let provider = provider();
    let server_name = ServerName::try_from(tls_host.trim_start_matches('[').trim_end_matches(']').to_owned())
        .map_err(|_| SetupError::Internal(format!("\"{tls_host}\" is not a valid TLS server name")))?;
    let mut tls_info = TlsInfo { server_name: Some(tls_host.to_owned()), ..TlsInfo::default() };

    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::Nothing => Arc::new(AcceptAnyCertificate(provider.clone())),
        Check::ChainOnly | Check::ChainAndName => {
            let (roots, label) = load_roots(info, inline)?;
            tls_info.root = Some(label);
            tls_info.chain_verified = true;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| SetupError::RootCert(format!("the root certificates cannot be used: {e}")))?;
            if matches!(check, Check::ChainAndName) {
                tls_info.hostname_verified = true;
                webpki
            } else {
                Arc::new(ChainOnly(webpki))
            }
        }
    };

    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError::Internal(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    // sslcertmode=disable: no client certificate, not even looked for.
    let identity = if info.get("sslcertmode") == Some("disable") { None } else { load_client_identity(info, inline)? };
    let key = match identity {
        Some((chain, key)) => {
            tls_info.client_certificate = true;
            let certified = rustls::sign::CertifiedKey::from_der(chain, key, &provider).map_err(|e| match e {
                rustls::Error::InconsistentKeys(_) => {
                    SetupError::ClientCert("the client key does not belong to the client certificate".into())
                }
                other => SetupError::ClientCert(format!("the client certificate or key cannot be used: {other}")),
            })?;
            Some(Arc::new(certified))
        }
        None => None,
    };
    let cert_flags = Arc::new(CertFlags::default());
    let config = builder.with_client_cert_resolver(Arc::new(RecordingResolver { key, flags: cert_flags.clone() }));
    // As libpq 17: ALPN "postgresql" on every handshake (direct TLS needs it;
    // older servers ignore it).
    let mut config = config;
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsPlan { config: Arc::new(config), server_name, info: tls_info, cert_flags })
}

fn read_pem_file(path: &str, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("the {what} file \"{path}\" cannot be read: {e}"))
}

/// Where the trust anchors come from, as libpq decides it.
enum RootSource {
    Inline(String),
    File(String),
    /// `sslrootcert=system`.
    System,
    /// Nothing given and no `~/.postgresql/root.crt`: Sluice uses the system
    /// store for verify-full (libpq would fail), and verify-ca is refused.
    None,
}

impl RootSource {
    fn of(info: &ConnInfo, inline: &InlineTls) -> RootSource {
        match (&inline.pem.sslrootcert, info.get("sslrootcert").filter(|s| !s.is_empty())) {
            (Some(pem), _) => RootSource::Inline(pem.clone()),
            (None, Some("system")) => RootSource::System,
            (None, Some(path)) => RootSource::File(path.to_owned()),
            (None, None) => match crate::conninfo::defaults::root_cert() {
                Some(path) => RootSource::File(path),
                None => RootSource::None,
            },
        }
    }
}

fn load_roots(info: &ConnInfo, inline: &InlineTls) -> Result<(RootCertStore, String), SetupError> {
    let mut roots = RootCertStore::empty();
    let (pem, label) = match RootSource::of(info, inline) {
        RootSource::Inline(pem) => (pem.into_bytes(), "inline PEM".to_owned()),
        RootSource::System | RootSource::None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(SetupError::RootCert(
                    "no root certificate was given and the system trust store is empty or unreadable".into(),
                ));
            }
            return Ok((roots, "system store".to_owned()));
        }
        RootSource::File(path) => (read_pem_file(&path, "root certificate").map_err(SetupError::RootCert)?, path),
    };
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| SetupError::RootCert(format!("the root certificate ({label}) is not valid PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| SetupError::RootCert(format!("the root certificate ({label}) cannot be used: {e}")))?;
    }
    if roots.is_empty() {
        return Err(SetupError::RootCert(format!("the root certificate ({label}) holds no certificate")));
    }
    Ok((roots, label))
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn load_client_identity(info: &ConnInfo, inline: &InlineTls) -> Result<Option<Identity>, SetupError> {
    // As libpq: without sslcert, ~/.postgresql/postgresql.crt when it exists;
    // without sslkey, ~/.postgresql/postgresql.key once there is a certificate.
    let default_cert = crate::conninfo::defaults::client_cert();
    let cert_path = info.get("sslcert").filter(|s| !s.is_empty()).or(default_cert.as_deref());
    let cert_pem = match (&inline.pem.sslcert, cert_path) {
        (Some(pem), _) => Some(pem.as_bytes().to_vec()),
        (None, Some(path)) => Some(read_pem_file(path, "client certificate").map_err(SetupError::ClientCert)?),
        (None, None) => None,
    };
    let default_key = crate::conninfo::defaults::client_key().filter(|_| cert_pem.is_some());
    let key_path = info.get("sslkey").filter(|s| !s.is_empty()).or(default_key.as_deref());
    let key_pem = match (&inline.client_key_pem, key_path) {
        (Some(pem), _) => Some(pem.expose().as_bytes().to_vec()),
        (None, Some(path)) => Some(read_pem_file(path, "client key").map_err(SetupError::ClientCert)?),
        (None, None) => None,
    };
    let (cert_pem, key_pem) = match (cert_pem, key_pem) {
        (None, None) => return Ok(None),
        (Some(_), None) => return Err(SetupError::ClientCert("a client certificate was given without its key".into())),
        (None, Some(_)) => return Err(SetupError::ClientCert("a client key was given without its certificate".into())),
        (Some(c), Some(k)) => (c, k),
    };
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SetupError::ClientCert(format!("the client certificate is not valid PEM: {e}")))?;
    if chain.is_empty() {
        return Err(SetupError::ClientCert("the client certificate file holds no certificate".into()));
    }
    let key = super::client_key::load(&key_pem, info.secret("sslpassword").map(|s| s.expose())).map_err(|e| match e {
        super::client_key::KeyError::PassphraseMissing | super::client_key::KeyError::WrongPassphrase => {
            SetupError::KeyPassphrase(e.to_string())
        }
        other => SetupError::ClientCert(other.to_string()),
    })?;
    Ok(Some((chain, key)))
}

/// For modes that encrypt without authenticating the server.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// verify-ca: the full WebPKI check, except that a name mismatch is
/// accepted. webpki checks the chain before the name, so a name error
/// means the chain was good.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
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

/// tokio-postgres calls this after the server answered 'S' to SSLRequest.
pub(crate) struct RustlsConnect<'a> {
    /// None when no TLS is planned (sslmode=disable); tokio-postgres then never calls us.
    pub config: Option<Arc<ClientConfig>>,
    pub server_name: Option<ServerName<'static>>,
    pub facts: SharedFacts,
    pub tracker: &'a Tracker<'a>,
    /// Filled once the handshake is done.
    pub negotiated: Arc<std::sync::Mutex<Option<Negotiated>>>,
    /// TLS at once (sslnegotiation=direct), without an SSLRequest.
    pub direct: bool,
}

impl<'a, S> TlsConnect<S> for RustlsConnect<'a>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'a,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<RustlsStream<S>, io::Error>> + Send + 'a>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let (Some(config), Some(server_name)) = (self.config, self.server_name) else {
                return Err(io::Error::other("TLS was not planned for this connection"));
            };
            if let Some(guard) = lock(&self.facts).auth.as_mut() {
                guard.tls_started();
            }
            let connector = tokio_rustls::TlsConnector::from(config);
            match connector.connect(server_name, stream).await {
                Ok(tls) => {
                    let (_, conn) = tls.get_ref();
                    let version = conn.protocol_version().map(|v| version_name(v).to_owned()).unwrap_or_default();
                    let cipher = conn
                        .negotiated_cipher_suite()
                        .map(|c| format!("{:?}", c.suite()))
                        .unwrap_or_default();
                    let key_exchange = conn
                        .negotiated_key_exchange_group()
                        .map(|g| format!("{:?}", g.name()).to_lowercase())
                        .unwrap_or_default();
                    let binding = conn.peer_certificates().and_then(|c| c.first()).and_then(|c| end_point_hash(c));
                    *self.negotiated.lock().unwrap_or_else(|p| p.into_inner()) = Some(Negotiated {
                        version: version.clone(),
                        direct: self.direct,
                        cipher,
                        key_exchange,
                        channel_binding: binding.is_some(),
                    });
                    let now = Instant::now();
                    lock(&self.facts).tls_done_at = Some(now);
                    let how = if self.direct { "direct" } else { "negotiated" };
                    self.tracker.finish_at(super::report::StepStatus::Ok, Some(format!("{version}, {how}")), now);
                    self.tracker.start_at(Stage::Auth, now);
                    Ok(RustlsStream { inner: tls, binding, facts: self.facts.clone(), guarded: true, limiter: super::limits::Limiter::messages() })
                }
                Err(e) => {
                    let mut facts = lock(&self.facts);
                    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                        Some(tls_error) => facts.tls_error = Some(tls_error.clone()),
                        None => facts.tls_io_error = Some(e.to_string()),
                    }
                    Err(e)
                }
            }
        })
    }
}

fn version_name(v: rustls::ProtocolVersion) -> &'static str {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2",
        _ => "TLS (older)",
    }
}

pub(crate) struct RustlsStream<S> {
    inner: tokio_rustls::client::TlsStream<S>,
    binding: Option<Vec<u8>>,
    /// Where `require_auth`'s guard reads the decrypted messages.
    facts: SharedFacts,
    guarded: bool,
    /// Counts the server's messages (`limits.rs`).
    limiter: super::limits::Limiter,
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let this = &mut *self;
            if let Err(e) = this.limiter.feed(&buf.filled()[before..]) {
                return Poll::Ready(Err(super::wire::over_limit(&this.facts, e)));
            }
        }
        if let (Poll::Ready(Ok(())), true) = (&poll, self.guarded) {
            self.guarded = super::wire::feed_guard(&self.facts, &buf.filled()[before..], false)?;
        }
        poll
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        match &self.binding {
            Some(hash) => ChannelBinding::tls_server_end_point(hash.clone()),
            None => ChannelBinding::none(),
        }
    }
}

/// RFC 5929 tls-server-end-point: the server certificate hashed with its
/// signature's hash, where MD5 and SHA-1 become SHA-256 (as Postgres does).
fn end_point_hash(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let der = cert.as_ref();
    let oid = signature_algorithm_oid(der)?;
    const SHA384: [&[u8]; 2] = [
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c], // sha384WithRSAEncryption
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],       // ecdsa-with-SHA384
    ];
    const SHA512: [&[u8]; 2] = [
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d], // sha512WithRSAEncryption
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],       // ecdsa-with-SHA512
    ];
    Some(if SHA384.contains(&oid) {
        sha2::Sha384::digest(der).to_vec()
    } else if SHA512.contains(&oid) {
        sha2::Sha512::digest(der).to_vec()
    } else {
        sha2::Sha256::digest(der).to_vec()
    })
}

/// Reads one DER TLV at the start of `input`: (tag, content, rest).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
fn signature_algorithm_oid(der: &[u8]) -> Option<&[u8]> {
    let (_, cert, _) = der_tlv(der)?;
    let (_, _tbs, rest) = der_tlv(cert)?;
    let (_, alg, _) = der_tlv(rest)?;
    let (tag, oid, _) = der_tlv(alg)?;
    (tag == 0x06).then_some(oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_reader_rejects_truncated_input() {
        assert!(der_tlv(&[0x30]).is_none());
        assert!(der_tlv(&[0x30, 0x82, 0x01]).is_none());
        assert!(der_tlv(&[0x30, 0x05, 0x00]).is_none());
        assert!(signature_algorithm_oid(&[]).is_none());
    }

    #[test]
    fn encrypted_keys_without_a_passphrase_say_so() {
        let info = ConnInfo::from_params([("sslcert", "/nonexistent")]).unwrap();
        let inline = InlineTls {
            pem: crate::conninfo::InlinePem {
                sslcert: Some("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into()),
                sslrootcert: None,
            },
            client_key_pem: Some("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n".into()),
        };
        match load_client_identity(&info, &inline) {
            Err(SetupError::KeyPassphrase(m)) => assert!(m.contains("no passphrase"), "{m}"),
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("an encrypted key without its passphrase cannot load"),
        }
    }
}
