//! Extra startup parameters, written into the StartupMessage on its way out.
//!
//! tokio-postgres sends a fixed set of startup parameters (user, database,
//! options, application_name); a replication connection also needs
//! `replication=database`, which it has no setting for. The streams under
//! it (`wire::Recorded` for plain connections, `tls::OpensslStream` inside
//! TLS) pass every write through a [`StartupParams`]: it leaves SSLRequest
//! and GSSENCRequest alone, inserts the extra pairs into the one
//! StartupMessage (protocol 3.0) before its terminating zero with the
//! length fixed, and steps aside for good at the first other bytes (a TLS
//! record, a message after startup). Off, it is a plain pass-through.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;

const PROTOCOL_3_0: u32 = 196_608;
const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;

#[derive(Debug, Clone, Default)]
pub(crate) struct StartupParams {
    /// `key\0value\0` pairs to add; None once done (or never asked).
    extra: Option<Vec<u8>>,
    /// The rewritten message still to be written, and how much of it is out.
    pending: Vec<u8>,
    written: usize,
    /// The caller's bytes the rewritten message stands for.
    stands_for: usize,
}

impl StartupParams {
    /// Nothing added.
    pub fn off() -> StartupParams {
        StartupParams::default()
    }

    /// Adds these parameters to the StartupMessage.
    pub fn with(pairs: &[(&str, &str)]) -> StartupParams {
        let mut extra = Vec::new();
        for (k, v) in pairs {
            extra.extend_from_slice(k.as_bytes());
            extra.push(0);
            extra.extend_from_slice(v.as_bytes());
            extra.push(0);
        }
        StartupParams { extra: Some(extra), ..StartupParams::default() }
    }

    /// Whether it may still rewrite something.
    pub fn is_on(&self) -> bool {
        self.extra.is_some() || !self.pending.is_empty()
    }

    /// Writes `buf` to `inner`, rewriting the StartupMessage if it starts `buf`.
    pub fn poll_write<W: AsyncWrite + Unpin>(&mut self, mut inner: Pin<&mut W>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.pending.is_empty() {
            match self.extra.as_ref().map(|extra| classify(buf, extra)) {
                None | Some(Frame::Other) => {
                    self.extra = None;
                    return inner.poll_write(cx, buf);
                }
                Some(Frame::Request) => return inner.poll_write(cx, buf),
                Some(Frame::Startup { rewritten, stands_for }) => {
                    self.extra = None;
                    (self.pending, self.written, self.stands_for) = (rewritten, 0, stands_for);
                }
            }
        }
        // The caller retries with the same bytes after Pending: the
        // rewritten message goes out whole before they count as written.
        while self.written < self.pending.len() {
            match inner.as_mut().poll_write(cx, &self.pending[self.written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.pending = Vec::new();
        Poll::Ready(Ok(self.stands_for))
    }
}

enum Frame {
    /// SSLRequest or GSSENCRequest: the startup may follow.
    Request,
    Startup { rewritten: Vec<u8>, stands_for: usize },
    /// Anything else: nothing to rewrite on this stream.
    Other,
}

fn classify(buf: &[u8], extra: &[u8]) -> Frame {
    let (Some(len), Some(code)) = (buf.get(0..4), buf.get(4..8)) else { return Frame::Other };
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let code = u32::from_be_bytes([code[0], code[1], code[2], code[3]]);
    match code {
        SSL_REQUEST | GSSENC_REQUEST if len == 8 => Frame::Request,
        // The whole message, ending in its terminating zero.
        PROTOCOL_3_0 if len >= 9 && buf.len() >= len && buf[len - 1] == 0 => {
            let mut rewritten = Vec::with_capacity(len + extra.len());
            rewritten.extend_from_slice(&((len + extra.len()) as u32).to_be_bytes());
            rewritten.extend_from_slice(&buf[4..len - 1]);
            rewritten.extend_from_slice(extra);
            rewritten.push(0);
            Frame::Startup { rewritten, stands_for: len }
        }
        _ => Frame::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn startup(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
        for (k, v) in pairs {
            body.extend_from_slice(k.as_bytes());
            body.push(0);
            body.extend_from_slice(v.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut out = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        out.extend(body);
        out
    }

    #[test]
    fn the_pairs_go_before_the_terminator_with_the_length_fixed() {
        let original = startup(&[("user", "u"), ("database", "d")]);
        let Frame::Startup { rewritten, stands_for } = classify(&original, b"replication\0database\0") else { panic!("not a startup") };
        assert_eq!(stands_for, original.len());
        assert_eq!(rewritten, startup(&[("user", "u"), ("database", "d"), ("replication", "database")]));
    }

    #[test]
    fn requests_pass_and_anything_else_ends_it() {
        let ssl = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
        assert!(matches!(classify(&ssl, b"x\0y\0"), Frame::Request));
        // A TLS ClientHello.
        assert!(matches!(classify(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc], b"x\0y\0"), Frame::Other));
        // A startup cut short is not rewritten.
        let original = startup(&[("user", "u")]);
        assert!(matches!(classify(&original[..original.len() - 2], b"x\0y\0"), Frame::Other));
    }
}
