//! An instrumented socket: it notes when the server's first byte arrived and
//! what it was. That byte tells us, exactly and without parsing error
//! strings, whether the server answered our SSLRequest with 'S' or 'N', or
//! whether something other than Postgres is listening.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Debug, Default, Clone)]
pub(crate) struct WireFacts {
    pub first_byte: Option<u8>,
    pub first_byte_at: Option<Instant>,
    /// When the TLS handshake completed, if it did.
    pub tls_done_at: Option<Instant>,
    /// The handshake's own failure, kept typed for classification.
    pub tls_error: Option<super::tls::TlsFailure>,
    /// `require_auth`, when set: judges the server's authentication requests.
    pub auth: Option<super::auth_guard::AuthGuard>,
    /// The server went over one of the limits of `limits.rs` (which one).
    pub misbehaved: Option<String>,
}

/// The read error that ends a conversation with a server over a limit (the
/// reason is kept in the facts, for the classifier).
pub(crate) fn over_limit(facts: &SharedFacts, e: super::limits::Exceeded) -> io::Error {
    lock(facts).misbehaved.get_or_insert_with(|| e.0.clone());
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// The read error that stops tokio-postgres before it answers a request
/// `require_auth` rules out (the message stays in the guard).
fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, message)
}

pub(crate) type SharedFacts = Arc<Mutex<WireFacts>>;

pub(crate) fn lock(facts: &SharedFacts) -> std::sync::MutexGuard<'_, WireFacts> {
    facts.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) struct Recorded<S> {
    inner: S,
    facts: SharedFacts,
    seen_first: bool,
    /// The require_auth guard still reads this stream (see [`feed_guard`]).
    guarded: bool,
    /// Counts the server's messages while this side carries them.
    limiter: super::limits::Limiter,
    /// Extra startup parameters, when the startup goes out on this side.
    startup: super::startup::StartupParams,
}

impl<S> Recorded<S> {
    pub fn new(inner: S, facts: SharedFacts, limiter: super::limits::Limiter) -> Self {
        Recorded { inner, facts, seen_first: false, guarded: true, limiter, startup: super::startup::StartupParams::off() }
    }

    /// Adds `startup`'s parameters to the StartupMessage, if it is sent in plain.
    pub fn with_startup(self, startup: super::startup::StartupParams) -> Self {
        Recorded { startup, ..self }
    }
}

/// Feeds bytes just read to the `require_auth` guard, if there is one, and
/// says whether it still wants this stream's bytes: not once the login is
/// over, nor raw bytes once TLS carries the messages. The streams stop
/// calling then, so the rows of a large analysis take no lock.
pub(crate) fn feed_guard(facts: &SharedFacts, bytes: &[u8], raw: bool) -> io::Result<bool> {
    let mut f = lock(facts);
    let Some(guard) = f.auth.as_mut() else { return Ok(false) };
    if raw { guard.feed_raw(bytes) } else { guard.feed(bytes) }.map_err(refused)?;
    Ok(guard.wants(raw))
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorded<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        // The first byte is noted before anything can end the read: it
        // tells a server that is not Postgres from one that misbehaves.
        if !self.seen_first {
            if let Poll::Ready(Ok(())) = &poll {
                if let Some(&b) = buf.filled().get(before) {
                    self.seen_first = true;
                    let mut f = lock(&self.facts);
                    f.first_byte = Some(b);
                    f.first_byte_at = Some(Instant::now());
                }
            }
        }
        if let (Poll::Ready(Ok(())), true) = (&poll, self.limiter.is_on()) {
            let this = &mut *self;
            if let Err(e) = this.limiter.feed(&buf.filled()[before..]) {
                return Poll::Ready(Err(over_limit(&this.facts, e)));
            }
        }
        if let (Poll::Ready(Ok(())), true) = (&poll, self.guarded) {
            self.guarded = feed_guard(&self.facts, &buf.filled()[before..], true)?;
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorded<S> {
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
    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        if self.startup.is_on() {
            // The startup may still come: one buffer at a time, through poll_write.
            let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
            return self.poll_write(cx, first);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
