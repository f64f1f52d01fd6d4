//! `require_auth` enforced on the wire. tokio-postgres answers whatever
//! authentication request the server makes (a cleartext password request
//! gets the password), so the check cannot wait for it: the guard reads the
//! server's messages as they arrive, below tokio-postgres, and ends the read
//! with an error at the first request libpq would refuse. tokio-postgres
//! never sees that request, so nothing is sent in answer to it.
//!
//! `sslcertmode=require` is judged here too, as libpq judges it: at
//! `AuthenticationOk`, the server must have asked for a client certificate
//! and received one.
//!
//! Where the messages are: on the raw stream after the SSLRequest's one-byte
//! answer ('N', or no SSLRequest at all), or inside TLS (`tls.rs` feeds the
//! decrypted bytes and turns the raw side off when the handshake starts).

use super::tls::CertFlags;
use crate::conninfo::require_auth::{request, RequireAuth};
use std::sync::Arc;

/// The longest authentication message read whole (a SASL mechanism list is
/// a few dozen bytes); longer ones are judged by their code alone.
const BODY_MAX: usize = 1024;

#[derive(Debug, Clone)]
pub(crate) struct AuthGuard {
    policy: Option<RequireAuth>,
    /// `sslcertmode=require`: the handshake's record of the certificate.
    cert_required: Option<Arc<CertFlags>>,
    /// The SSLRequest's one-byte answer ('S' or 'N') comes first.
    ssl_answer_pending: bool,
    /// TLS carries the messages: raw bytes are records, not messages.
    raw_is_tls: bool,
    tls: bool,
    channel_binding_disabled: bool,
    /// The message being read: its type, length and (for 'R') body.
    kind: Option<u8>,
    len: Vec<u8>,
    body: Vec<u8>,
    remaining: usize,
    /// The client completed an exchange (answered a password request, or
    /// got the server's SASL final message).
    finished: bool,
    /// AuthenticationOk or an error was seen: nothing more to judge.
    done: bool,
    /// libpq's message, once a request was refused.
    pub refused: Option<String>,
}

impl AuthGuard {
    pub fn new(policy: Option<RequireAuth>, cert_required: Option<Arc<CertFlags>>, ssl_request: bool, channel_binding_disabled: bool) -> AuthGuard {
        AuthGuard {
            policy,
            cert_required,
            ssl_answer_pending: ssl_request,
            raw_is_tls: false,
            tls: false,
            channel_binding_disabled,
            kind: None,
            len: Vec::with_capacity(4),
            body: Vec::new(),
            remaining: 0,
            finished: false,
            done: false,
            refused: None,
        }
    }

    /// The TLS handshake starts: from now on the messages come decrypted.
    pub fn tls_started(&mut self) {
        self.raw_is_tls = true;
        self.tls = true;
        self.ssl_answer_pending = false;
    }

    /// Whether more bytes matter: not after the login, and not raw ones
    /// once TLS carries the messages.
    pub fn wants(&self, raw: bool) -> bool {
        !self.done && !(raw && self.raw_is_tls)
    }

    /// Bytes read from the raw stream.
    pub fn feed_raw(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        if self.raw_is_tls {
            return Ok(());
        }
        if self.ssl_answer_pending {
            let Some((&first, rest)) = bytes.split_first() else { return Ok(()) };
            match first {
                b'S' => {
                    self.raw_is_tls = true;
                    return Ok(());
                }
                b'N' => {
                    self.ssl_answer_pending = false;
                    bytes = rest;
                }
                // An error instead of an answer: read it as a message.
                _ => self.ssl_answer_pending = false,
            }
        }
        self.feed(bytes)
    }

    /// Protocol bytes, in order.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        if let Some(refused) = &self.refused {
            return Err(refused.clone());
        }
        while !self.done && !bytes.is_empty() {
            let Some(kind) = self.kind else {
                self.kind = Some(bytes[0]);
                bytes = &bytes[1..];
                continue;
            };
            if self.len.len() < 4 {
                let take = (4 - self.len.len()).min(bytes.len());
                self.len.extend_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                if self.len.len() == 4 {
                    let len = u32::from_be_bytes([self.len[0], self.len[1], self.len[2], self.len[3]]) as usize;
                    self.remaining = len.saturating_sub(4);
                    if self.remaining == 0 {
                        self.message_done(kind)?;
                    }
                }
                continue;
            }
            let take = self.remaining.min(bytes.len());
            if kind == b'R' && self.body.len() < BODY_MAX {
                let keep = take.min(BODY_MAX - self.body.len());
                self.body.extend_from_slice(&bytes[..keep]);
            }
            bytes = &bytes[take..];
            self.remaining -= take;
            if self.remaining == 0 {
                self.message_done(kind)?;
            }
        }
        Ok(())
    }

    fn message_done(&mut self, kind: u8) -> Result<(), String> {
        let body = std::mem::take(&mut self.body);
        self.kind = None;
        self.len.clear();
        match kind {
            b'R' if body.len() >= 4 => {
                let code = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                let verdict = self.judge(code, &body[4..]);
                if let Err(reason) = &verdict {
                    self.refused = Some(reason.clone());
                }
                verdict
            }
            // An error ends the login; tokio-postgres reports it.
            b'E' => {
                self.done = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn judge(&mut self, code: u32, body: &[u8]) -> Result<(), String> {
        if let (request::OK, Some(flags)) = (code, &self.cert_required) {
            match flags.get() {
                (false, _) => return Err("server did not request an SSL certificate".into()),
                (true, false) => return Err("server accepted connection without a valid SSL certificate".into()),
                (true, true) => {}
            }
        }
        if let Some(policy) = &self.policy {
            policy.check(code, self.finished)?;
        }
        match code {
            request::OK => self.done = true,
            request::CLEARTEXT_PASSWORD | request::MD5_PASSWORD => self.finished = true,
            request::SASL_FINAL => self.finished = true,
            request::SASL => {
                // The mechanism libpq (and tokio-postgres) would pick.
                let offered: Vec<&[u8]> = body.split(|b| *b == 0).filter(|m| !m.is_empty()).collect();
                let plus = offered.contains(&&b"SCRAM-SHA-256-PLUS"[..]) && self.tls && !self.channel_binding_disabled;
                let mechanism = if plus {
                    Some("SCRAM-SHA-256-PLUS")
                } else if offered.contains(&&b"SCRAM-SHA-256"[..]) {
                    Some("SCRAM-SHA-256")
                } else {
                    None
                };
                if let (Some(m), Some(policy)) = (mechanism, &self.policy) {
                    policy.check_mechanism(m)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(value: &str, ssl_request: bool) -> AuthGuard {
        AuthGuard::new(RequireAuth::parse(value).unwrap(), None, ssl_request, false)
    }

    fn auth(code: u32, extra: &[u8]) -> Vec<u8> {
        let mut m = vec![b'R'];
        m.extend_from_slice(&((8 + extra.len()) as u32).to_be_bytes());
        m.extend_from_slice(&code.to_be_bytes());
        m.extend_from_slice(extra);
        m
    }

    #[test]
    fn a_refused_request_is_caught_however_the_bytes_are_split() {
        let mut wire = b"N".to_vec();
        wire.extend(auth(request::CLEARTEXT_PASSWORD, &[]));
        for chunk in 1..wire.len() {
            let mut g = guard("scram-sha-256", true);
            let result: Result<(), String> = wire.chunks(chunk).try_for_each(|c| g.feed_raw(c));
            assert_eq!(
                result.unwrap_err(),
                "authentication method requirement \"scram-sha-256\" failed: server requested a cleartext password",
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn an_allowed_exchange_passes_and_then_nothing_is_judged() {
        let mut g = guard("password", false);
        g.feed_raw(&auth(request::CLEARTEXT_PASSWORD, &[])).unwrap();
        g.feed_raw(&auth(request::OK, &[])).unwrap();
        // After Ok the stream is queries and rows: never judged, and not wanted.
        assert!(!g.wants(true) && !g.wants(false));
        g.feed_raw(&auth(request::CLEARTEXT_PASSWORD, &[])).unwrap();
    }

    #[test]
    fn trust_needs_none() {
        let mut g = guard("scram-sha-256", false);
        let e = g.feed_raw(&auth(request::OK, &[])).unwrap_err();
        assert!(e.ends_with("server did not complete authentication"), "{e}");
        let mut g = guard("scram-sha-256,none", false);
        g.feed_raw(&auth(request::OK, &[])).unwrap();
    }

    #[test]
    fn tls_moves_the_messages_inside() {
        let mut g = guard("md5", true);
        assert!(g.wants(true));
        g.feed_raw(b"S").unwrap();
        // The raw side is TLS records from here; the decrypted side still counts.
        assert!(!g.wants(true) && g.wants(false));
        g.tls_started();
        // Raw bytes are TLS records now.
        g.feed_raw(&auth(request::CLEARTEXT_PASSWORD, &[])).unwrap();
        assert!(g.feed(&auth(request::CLEARTEXT_PASSWORD, &[])).is_err());
    }

    #[test]
    fn sslcertmode_require_is_judged_at_ok() {
        let flags = Arc::new(CertFlags::default());
        let ok = auth(request::OK, &[]);
        let mut g = AuthGuard::new(None, Some(flags.clone()), false, false);
        assert_eq!(g.feed(&ok).unwrap_err(), "server did not request an SSL certificate");
        flags.requested.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut g = AuthGuard::new(None, Some(flags.clone()), false, false);
        assert_eq!(g.feed(&ok).unwrap_err(), "server accepted connection without a valid SSL certificate");
        flags.sent.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut g = AuthGuard::new(None, Some(flags), false, false);
        g.feed(&auth(request::CLEARTEXT_PASSWORD, &[])).unwrap();
        g.feed(&ok).unwrap();
    }

    #[test]
    fn the_sasl_mechanism_is_the_one_that_would_be_picked() {
        let list = b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0";
        let mut g = guard("!scram-sha-256", false);
        let e = g.feed_raw(&auth(request::SASL, list)).unwrap_err();
        assert!(e.ends_with("server requested SCRAM-SHA-256 authentication"), "{e}");
        let mut g = guard("oauth", true);
        g.tls_started();
        let e = g.feed(&auth(request::SASL, list)).unwrap_err();
        assert!(e.ends_with("server requested SCRAM-SHA-256-PLUS authentication"), "{e}");
    }
}
