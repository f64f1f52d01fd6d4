//! A TLS server that records the server name (SNI) each client sends, then
//! hangs up: enough to compare what Sluice and psql send for the same
//! connection string. It answers an SSLRequest with 'S' first, and takes
//! a direct TLS ClientHello too.

use openssl::ssl::{NameType, SslAcceptor, SslMethod, SslRef};
use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

pub struct SniServer {
    port: u16,
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl SniServer {
    /// Serves `cert`/`key` (PEM files) on a free port of 127.0.0.1.
    pub fn start(cert: &std::path::Path, key: &std::path::Path) -> SniServer {
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).expect("acceptor");
        b.set_certificate_chain_file(cert).expect("server certificate");
        b.set_private_key_file(key, openssl::ssl::SslFiletype::PEM).expect("server key");
        b.set_alpn_select_callback(|_, _| Ok(b"postgresql"));
        let acceptor = Arc::new(b.build());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (acceptor, record) = (acceptor.clone(), record.clone());
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                    let mut first = [0u8; 8];
                    // An SSLRequest is 8 bytes; a ClientHello starts with 0x16.
                    let Ok(()) = stream.peek(&mut first[..1]).map(|_| ()) else { return };
                    if first[0] != 0x16 {
                        if stream.read_exact(&mut first).is_err() {
                            return;
                        }
                        let _ = std::io::Write::write_all(&mut stream, b"S");
                    }
                    let name = |s: &SslRef| s.servername(NameType::HOST_NAME).map(str::to_owned);
                    match acceptor.accept(stream) {
                        Ok(tls) => record.lock().unwrap().push(name(tls.ssl())),
                        Err(openssl::ssl::HandshakeError::Failure(mid)) => record.lock().unwrap().push(name(mid.ssl())),
                        Err(_) => record.lock().unwrap().push(None),
                    }
                });
            }
        });
        SniServer { port, seen }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server names received, one per handshake, in order.
    pub fn names(&self) -> Vec<Option<String>> {
        self.seen.lock().unwrap().clone()
    }
}
