//! Fake servers for failure scenarios: one that accepts and never answers,
//! one that answers garbage (as an HTTP server on the wrong port would), one
//! that accepts and closes at once (as MQTT or Erlang's port mapper do to a
//! stranger), and a hostile "Postgres" that asks for a cleartext password and
//! keeps whatever it is sent.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct FakeServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    connections: Arc<AtomicUsize>,
    passwords: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone, Copy)]
enum Behaviour {
    Silent,
    Garbage,
    CloseAtOnce,
    CleartextCatcher,
}

impl FakeServer {
    /// Accepts connections and never sends a byte.
    pub fn silent() -> FakeServer {
        FakeServer::start(Behaviour::Silent)
    }

    /// Answers every connection with an HTTP error page, then closes.
    pub fn garbage() -> FakeServer {
        FakeServer::start(Behaviour::Garbage)
    }

    /// Accepts every connection and closes it without a byte.
    pub fn close_at_once() -> FakeServer {
        FakeServer::start(Behaviour::CloseAtOnce)
    }

    /// A hostile "Postgres": refuses TLS ('N'), reads the startup packet,
    /// asks for the password in cleartext and records every password
    /// message it gets ([`FakeServer::passwords`]), then fails the login.
    pub fn cleartext_catcher() -> FakeServer {
        FakeServer::start(Behaviour::CleartextCatcher)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The passwords a cleartext catcher received, in order.
    pub fn passwords(&self) -> Vec<String> {
        self.passwords.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn start(behaviour: Behaviour) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake server");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let connections = Arc::new(AtomicUsize::new(0));
        let passwords = Arc::new(Mutex::new(Vec::new()));
        let (count, caught) = (connections.clone(), passwords.clone());
        let thread = std::thread::spawn(move || {
            // Silent connections are kept open until the server stops.
            let mut held: Vec<TcpStream> = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                count.fetch_add(1, Ordering::SeqCst);
                match behaviour {
                    Behaviour::Silent => held.push(stream),
                    Behaviour::CloseAtOnce => drop(stream),
                    Behaviour::CleartextCatcher => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        if let Some(pw) = catch_cleartext(&mut stream) {
                            if let Ok(mut list) = caught.lock() {
                                list.push(pw);
                            }
                        }
                    }
                    Behaviour::Garbage => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                        let mut buf = [0u8; 512];
                        let _ = stream.read(&mut buf);
                        let _ = stream.write_all(
                            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request",
                        );
                    }
                }
            }
        });
        FakeServer { port, stop, thread: Some(thread), connections, passwords }
    }
}

/// Reads one length-prefixed frontend message body (after the type byte, if any).
fn read_body(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let len = u32::from_be_bytes(len) as usize;
    if !(4..=1 << 20).contains(&len) {
        return None;
    }
    let mut body = vec![0u8; len - 4];
    stream.read_exact(&mut body).ok()?;
    Some(body)
}

/// The server side of a login that asks for a cleartext password; returns
/// what the client sent as its password, if it sent one.
fn catch_cleartext(stream: &mut TcpStream) -> Option<String> {
    let mut body = read_body(stream)?;
    // SSLRequest (80877103) or GSSENCRequest (80877104): say no, then read the startup packet.
    while body.len() == 4 && matches!(u32::from_be_bytes([body[0], body[1], body[2], body[3]]), 80877103 | 80877104) {
        stream.write_all(b"N").ok()?;
        body = read_body(stream)?;
    }
    // AuthenticationCleartextPassword.
    stream.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).ok()?;
    let mut kind = [0u8; 1];
    stream.read_exact(&mut kind).ok()?;
    if kind[0] != b'p' {
        return None;
    }
    let body = read_body(stream)?;
    let password = String::from_utf8_lossy(body.strip_suffix(&[0]).unwrap_or(&body)).into_owned();
    // Fail the login so the client stops here.
    let mut err = Vec::new();
    for (field, value) in [(b'S', "FATAL"), (b'C', "28P01"), (b'M', "password authentication failed")] {
        err.push(field);
        err.extend_from_slice(value.as_bytes());
        err.push(0);
    }
    err.push(0);
    let mut msg = vec![b'E'];
    msg.extend_from_slice(&((err.len() + 4) as u32).to_be_bytes());
    msg.extend_from_slice(&err);
    let _ = stream.write_all(&msg);
    Some(password)
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
