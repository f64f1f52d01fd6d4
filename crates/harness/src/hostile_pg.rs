//! Hostile "Postgres" servers on loopback that try to exhaust the client's
//! memory or its user's terminal (std::net, one thread each, as in
//! [`crate::listeners`]). Each reads the startup packet first (answering
//! 'N' to an SSLRequest or GSSENCRequest), then:
//!
//! - [`HostilePg::parameter_flood`]: AuthenticationOk, then ParameterStatus
//!   messages with unique names, without end;
//! - [`HostilePg::huge_message`]: a header claiming a 2 GiB ErrorResponse (2^31 - 1 bytes),
//!   then bytes, without end;
//! - [`HostilePg::big_error`]: an ErrorResponse with real fields (S, C, M)
//!   whose M is 100 MB of text, sent in full;
//! - [`HostilePg::long_error`]: the same with a message of a chosen length
//!   (under the client's limit, so that it is shown and stored);
//! - [`HostilePg::escape_error`]: an ErrorResponse whose message carries
//!   terminal control sequences ([`ESCAPE_MESSAGE`]).
//!
//! And [`PgProxy`], a proxy in front of a real cluster that records the
//! password messages it sees in plaintext and, in [`PgProxy::endless_rows`]
//! mode, repeats the first row of the access analysis forever instead of
//! forwarding the rest.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The message of [`HostilePg::escape_error`]: it would erase the line
/// above and draw a fake success, write the clipboard (OSC 52) and set the
/// window title (OSC 0) on a terminal that obeys it.
pub const ESCAPE_MESSAGE: &str =
    "boom\x1b[2K\x1b[1A\r\x1b[32m✓ session   ok\x1b[0m\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]0;owned title\x07 end";

/// The length of [`HostilePg::big_error`]'s message: 100 MB.
pub const BIG_ERROR_LEN: usize = 100_000_000;

#[derive(Clone, Copy, Debug)]
enum Behaviour {
    ParameterFlood,
    HugeMessage,
    BigError,
    LongError(usize),
    EscapeError,
}

/// A hostile server; stopped on drop.
pub struct HostilePg {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    connections: Arc<AtomicUsize>,
    sent: Arc<AtomicU64>,
}

impl HostilePg {
    /// AuthenticationOk, then ParameterStatus messages with unique names until the client leaves.
    pub fn parameter_flood() -> HostilePg {
        HostilePg::start(Behaviour::ParameterFlood)
    }

    /// An ErrorResponse header claiming 2 GiB, then bytes until the client leaves.
    pub fn huge_message() -> HostilePg {
        HostilePg::start(Behaviour::HugeMessage)
    }

    /// A real ErrorResponse (FATAL, XX000) whose message is [`BIG_ERROR_LEN`] bytes of text.
    pub fn big_error() -> HostilePg {
        HostilePg::start(Behaviour::BigError)
    }

    /// A real ErrorResponse (FATAL, XX000) whose message is `len` bytes of
    /// text: below the client's message limit, it is shown and stored.
    pub fn long_error(len: usize) -> HostilePg {
        HostilePg::start(Behaviour::LongError(len))
    }

    /// A FATAL ErrorResponse whose message is [`ESCAPE_MESSAGE`].
    pub fn escape_error() -> HostilePg {
        HostilePg::start(Behaviour::EscapeError)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// How many bytes were written to clients after their startup packets.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    fn start(behaviour: Behaviour) -> HostilePg {
        if matches!(behaviour, Behaviour::BigError) {
            big_error_message();
        }
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind hostile server");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let sent = Arc::new(AtomicU64::new(0));
        let (flag, count, total) = (stop.clone(), connections.clone(), sent.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let (flag, total) = (flag.clone(), total.clone());
                workers.push(std::thread::spawn(move || serve(stream, behaviour, &flag, &total)));
            }
            for w in workers {
                let _ = w.join();
            }
        });
        HostilePg { port, stop, thread: Some(thread), connections, sent }
    }
}

impl Drop for HostilePg {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One backend message: type, length, body.
pub fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 5);
    v.push(kind);
    v.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// An ErrorResponse body of `(field, value)` pairs.
pub fn error_body(fields: &[(u8, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (f, v) in fields {
        body.push(*f);
        body.extend_from_slice(v);
        body.push(0);
    }
    body.push(0);
    body
}

fn read_untyped(stream: &mut TcpStream) -> Option<Vec<u8>> {
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

fn is_negotiation(body: &[u8]) -> bool {
    body.len() == 4 && matches!(u32::from_be_bytes([body[0], body[1], body[2], body[3]]), 80877103 | 80877104)
}

/// Reads the startup packet, saying no to TLS and GSS encryption first.
fn read_startup(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut body = read_untyped(stream)?;
    while is_negotiation(&body) {
        stream.write_all(b"N").ok()?;
        body = read_untyped(stream)?;
    }
    Some(body)
}

/// A FATAL ErrorResponse whose message is `len` bytes of text.
fn long_error_message(len: usize) -> Vec<u8> {
    let unit = b"A hostile server's error message goes on and on. ";
    let mut text = Vec::with_capacity(len + unit.len());
    while text.len() < len {
        text.extend_from_slice(unit);
    }
    text.truncate(len);
    message(b'E', &error_body(&[(b'S', b"FATAL"), (b'V', b"FATAL"), (b'C', b"XX000"), (b'M', &text)]))
}

/// The 100 MB message, made once (it takes seconds unoptimised).
fn big_error_message() -> &'static [u8] {
    static MSG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    MSG.get_or_init(|| long_error_message(BIG_ERROR_LEN))
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, stop: &AtomicBool, sent: &AtomicU64) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    if read_startup(&mut stream).is_none() {
        return;
    }
    let mut write = |bytes: &[u8]| -> bool {
        if stop.load(Ordering::Relaxed) || stream.write_all(bytes).is_err() {
            return false;
        }
        sent.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        true
    };
    match behaviour {
        Behaviour::ParameterFlood => {
            if !write(&message(b'R', &0u32.to_be_bytes())) {
                return;
            }
            let mut n: u64 = 0;
            loop {
                let mut batch = Vec::with_capacity(64 << 10);
                while batch.len() < 60 << 10 {
                    n += 1;
                    let body = format!("flood_parameter_{n}\0value {n}\0");
                    batch.extend(message(b'S', body.as_bytes()));
                }
                if !write(&batch) {
                    return;
                }
            }
        }
        Behaviour::HugeMessage => {
            let mut header = vec![b'E'];
            // 2 GiB less one byte: the longest a length can say (i32::MAX), so
            // a client that trusts it does not refuse it as negative first.
            header.extend_from_slice(&(i32::MAX as u32).to_be_bytes());
            if !write(&header) {
                return;
            }
            let chunk = vec![b'x'; 64 << 10];
            while write(&chunk) {}
        }
        Behaviour::BigError => {
            for chunk in big_error_message().chunks(1 << 20) {
                if !write(chunk) {
                    return;
                }
            }
        }
        Behaviour::LongError(len) => {
            write(&long_error_message(len));
        }
        Behaviour::EscapeError => {
            let body = error_body(&[(b'S', b"FATAL"), (b'V', b"FATAL"), (b'C', b"XX000"), (b'M', ESCAPE_MESSAGE.as_bytes())]);
            write(&message(b'E', &body));
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// A proxy in front of a real server (a harness [`Cluster`](crate::Cluster)).
/// It forwards everything; in the plaintext parts (sslmode=disable, or the
/// messages before the server's 'S') it records every password message the
/// client sends ([`PgProxy::passwords`]). In [`PgProxy::endless_rows`] mode,
/// once the session statement of Sluice's batch has completed (the 3rd
/// CommandComplete after the Query that holds the batch: BEGIN, SET, the
/// session SELECT), it sends the first DataRow that follows again and
/// again, forever, instead of the rest of the server's answer.
pub struct PgProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    state: Arc<ProxyState>,
}

#[derive(Default)]
struct ProxyState {
    connections: AtomicUsize,
    passwords: Mutex<Vec<String>>,
    tls: AtomicUsize,
    rows_repeated: AtomicU64,
}

impl PgProxy {
    /// Forwards to `127.0.0.1:upstream`, recording plaintext passwords.
    pub fn new(upstream: u16) -> PgProxy {
        PgProxy::start(upstream, None)
    }

    /// Forwards to `127.0.0.1:upstream` until the analysis' rows begin, then
    /// repeats the first of them forever (the analysis' first row is the
    /// role's, which a client keeps once).
    pub fn endless_rows(upstream: u16) -> PgProxy {
        PgProxy::start(upstream, Some(Endless::First))
    }

    /// The same, repeating the first analysis row whose first column is
    /// `kind` (`"relation"`, `"schema"`: rows a client collects, one entry each).
    pub fn endless_rows_of_kind(upstream: u16, kind: &str) -> PgProxy {
        PgProxy::start(upstream, Some(Endless::Kind(kind.to_owned())))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Password messages seen in plaintext, in order.
    pub fn passwords(&self) -> Vec<String> {
        self.state.passwords.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Connections that went on in TLS (the proxy saw no messages after the 'S').
    pub fn tls_sessions(&self) -> usize {
        self.state.tls.load(Ordering::SeqCst)
    }

    /// How many copies of the repeated row were sent (endless_rows mode).
    pub fn rows_repeated(&self) -> u64 {
        self.state.rows_repeated.load(Ordering::SeqCst)
    }

    fn start(upstream: u16, endless: Option<Endless>) -> PgProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(ProxyState::default());
        let (flag, st) = (stop.clone(), state.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                st.connections.fetch_add(1, Ordering::SeqCst);
                let (flag, st, endless) = (flag.clone(), st.clone(), endless.clone());
                workers.push(std::thread::spawn(move || proxy(client, upstream, endless, &st, &flag)));
            }
            for w in workers {
                let _ = w.join();
            }
        });
        PgProxy { port, stop, thread: Some(thread), state }
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn untyped_raw(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let n = u32::from_be_bytes(len) as usize;
    if !(4..=1 << 20).contains(&n) {
        return None;
    }
    let mut out = len.to_vec();
    out.resize(n, 0);
    stream.read_exact(&mut out[4..]).ok()?;
    Some(out)
}

/// One typed message, whole (type, length, body).
fn typed_raw(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).ok()?;
    let n = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if n < 4 {
        return None;
    }
    let mut out = head.to_vec();
    out.resize(n + 1, 0);
    stream.read_exact(&mut out[5..]).ok()?;
    Some(out)
}

fn raw_copy(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

/// Which row [`PgProxy`] repeats.
#[derive(Clone, Debug)]
enum Endless {
    First,
    Kind(String),
}

/// The first column of a DataRow, as text.
fn first_field(msg: &[u8]) -> Option<&[u8]> {
    let len = i32::from_be_bytes(msg.get(7..11)?.try_into().ok()?);
    msg.get(11..11 + usize::try_from(len).ok()?)
}

fn proxy(mut client: TcpStream, upstream: u16, endless: Option<Endless>, state: &ProxyState, stop: &AtomicBool) {
    let _ = client.set_nonblocking(false);
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else { return };
    // The untyped start: SSLRequest/GSSENCRequest answered by the server, then the startup packet.
    loop {
        let Some(first) = untyped_raw(&mut client) else { return };
        let negotiation = is_negotiation(&first[4..]);
        if server.write_all(&first).is_err() {
            return;
        }
        if !negotiation {
            break;
        }
        let mut answer = [0u8; 1];
        if server.read_exact(&mut answer).is_err() || client.write_all(&answer).is_err() {
            return;
        }
        if answer[0] == b'S' || answer[0] == b'G' {
            // Encrypted from here on: forward blindly.
            state.tls.fetch_add(1, Ordering::SeqCst);
            let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
            let t = std::thread::spawn(move || raw_copy(s2, c2));
            raw_copy(client, server);
            let _ = t.join();
            return;
        }
    }
    let batch_started = Arc::new(AtomicBool::new(false));
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
    let started = batch_started.clone();
    let down = std::thread::scope(|scope| {
        let down = scope.spawn(move || backend_to_client(s2, c2, endless.as_ref(), &started, state, stop));
        // Frontend messages: record passwords, see the batch go out.
        while let Some(msg) = typed_raw(&mut client) {
            match msg[0] {
                b'p' => {
                    let body = &msg[5..];
                    let pw = String::from_utf8_lossy(body.strip_suffix(&[0]).unwrap_or(body)).into_owned();
                    if let Ok(mut list) = state.passwords.lock() {
                        list.push(pw);
                    }
                }
                b'Q' if String::from_utf8_lossy(&msg[5..]).contains("pg_backend_pid()") => {
                    batch_started.store(true, Ordering::SeqCst);
                }
                _ => {}
            }
            if server.write_all(&msg).is_err() {
                break;
            }
        }
        let _ = server.shutdown(Shutdown::Both);
        let _ = client.shutdown(Shutdown::Both);
        down.join()
    });
    let _ = down;
}

fn backend_to_client(mut server: TcpStream, mut client: TcpStream, endless: Option<&Endless>, started: &AtomicBool, state: &ProxyState, stop: &AtomicBool) {
    let mut completes = 0usize;
    while let Some(msg) = typed_raw(&mut server) {
        if let Some(which) = endless.filter(|_| started.load(Ordering::SeqCst)) {
            let wanted = match which {
                Endless::First => true,
                Endless::Kind(k) => first_field(&msg) == Some(k.as_bytes()),
            };
            if msg[0] == b'D' && completes >= 3 && wanted {
                // The first row of the analysis: again and again.
                let mut batch = Vec::with_capacity(64 << 10);
                while batch.len() < 60 << 10 {
                    batch.extend_from_slice(&msg);
                }
                let per = (batch.len() / msg.len()) as u64;
                while !stop.load(Ordering::Relaxed) && client.write_all(&batch).is_ok() {
                    state.rows_repeated.fetch_add(per, Ordering::SeqCst);
                }
                break;
            }
            if msg[0] == b'C' {
                completes += 1;
            }
        }
        if client.write_all(&msg).is_err() {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
}
