//! What a server may send before Sluice stops listening. Every server is
//! untrusted, and tokio-postgres buffers what it is sent: a message as long
//! as its header says (up to 4 GiB), every ParameterStatus in a map, every
//! row of a query. A hostile server could exhaust the machine's memory with
//! any of them, so the probe counts the server's messages below
//! tokio-postgres, as they are read, and ends the read at the first one
//! over a limit with a `server_misbehaved` failure that names it.
//!
//! The limits are far above what a real server sends (docs/errors.md,
//! `server_misbehaved`):
//!
//! | what | limit | a real server |
//! |---|---|---|
//! | one message | [`MAX_MESSAGE`] (1 MiB) | an error is a few hundred bytes; the longest analysis row a few KiB |
//! | ParameterStatus messages | [`MAX_PARAMETERS`] (256) | about 15 at startup |
//! | NoticeResponse messages | [`MAX_NOTICES`] (1,000) | none |
//! | rows of the whole test | [`MAX_ROWS`] (1,000,000) | one per schema, relation, sequence, function and use: 200,000 tables with a serial each take 600,000 |
//! | bytes of the whole test | [`MAX_BYTES`] (256 MiB) | about 120 bytes per row |

use std::fmt;

pub const MAX_MESSAGE: usize = 1 << 20;
pub const MAX_PARAMETERS: usize = 256;
pub const MAX_NOTICES: usize = 1000;
pub const MAX_ROWS: usize = 1_000_000;
pub const MAX_BYTES: usize = 256 << 20;

/// The limit a server went over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded(pub String);

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Exceeded {}

/// Reads the framing of the server's messages (a type byte, a 4-byte
/// length, the body) and counts them. It keeps no message: only where the
/// current one ends.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    /// The raw stream carries TLS records, not messages: nothing to count.
    off: bool,
    /// The SSLRequest's one-byte answer comes first ('S' turns this off).
    ssl_answer_pending: bool,
    kind: Option<u8>,
    len: [u8; 4],
    len_read: usize,
    remaining: usize,
    parameters: usize,
    notices: usize,
    rows: usize,
    bytes: usize,
}

impl Limiter {
    /// Messages from the first byte (no SSLRequest was sent, or this is the
    /// decrypted side of TLS).
    pub fn messages() -> Limiter {
        Limiter {
            off: false,
            ssl_answer_pending: false,
            kind: None,
            len: [0; 4],
            len_read: 0,
            remaining: 0,
            parameters: 0,
            notices: 0,
            rows: 0,
            bytes: 0,
        }
    }

    /// The raw side after an SSLRequest: one answer byte, then messages
    /// ('N') or TLS records ('S').
    pub fn after_ssl_request() -> Limiter {
        Limiter { ssl_answer_pending: true, ..Limiter::messages() }
    }

    /// The raw side of direct TLS: records only.
    pub fn off() -> Limiter {
        Limiter { off: true, ..Limiter::messages() }
    }

    /// Whether this side carries messages still (false once TLS took over).
    pub fn is_on(&self) -> bool {
        !self.off
    }

    /// Bytes just read from the server, in order.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Exceeded> {
        if self.off {
            return Ok(());
        }
        if self.ssl_answer_pending {
            let Some((&first, rest)) = bytes.split_first() else { return Ok(()) };
            self.ssl_answer_pending = false;
            match first {
                b'S' => {
                    self.off = true;
                    return Ok(());
                }
                b'N' => bytes = rest,
                // An error instead of an answer (an old server): a message.
                _ => {}
            }
        }
        self.bytes = self.bytes.saturating_add(bytes.len());
        if self.bytes > MAX_BYTES {
            return Err(Exceeded(format!("the server sent more than {} MiB in one test", MAX_BYTES >> 20)));
        }
        while !bytes.is_empty() {
            if self.remaining > 0 {
                let take = self.remaining.min(bytes.len());
                self.remaining -= take;
                bytes = &bytes[take..];
                continue;
            }
            let Some(kind) = self.kind else {
                self.kind = Some(bytes[0]);
                bytes = &bytes[1..];
                continue;
            };
            let take = (4 - self.len_read).min(bytes.len());
            self.len[self.len_read..self.len_read + take].copy_from_slice(&bytes[..take]);
            self.len_read += take;
            bytes = &bytes[take..];
            if self.len_read < 4 {
                continue;
            }
            let len = u32::from_be_bytes(self.len) as usize;
            self.count(kind, len)?;
            self.remaining = len.saturating_sub(4);
            self.kind = None;
            self.len_read = 0;
        }
        Ok(())
    }

    fn count(&mut self, kind: u8, len: usize) -> Result<(), Exceeded> {
        if len > MAX_MESSAGE {
            return Err(Exceeded(format!(
                "the server sent a {} of {} bytes (Sluice reads at most {} KiB in one message)",
                name(kind),
                len,
                MAX_MESSAGE >> 10
            )));
        }
        let (counter, max, what) = match kind {
            b'S' => (&mut self.parameters, MAX_PARAMETERS, "ParameterStatus messages"),
            b'N' => (&mut self.notices, MAX_NOTICES, "notices"),
            b'D' => (&mut self.rows, MAX_ROWS, "rows"),
            _ => return Ok(()),
        };
        *counter += 1;
        if *counter > max {
            return Err(Exceeded(format!("the server sent more than {max} {what} in one test")));
        }
        Ok(())
    }
}

fn name(kind: u8) -> String {
    match kind {
        b'E' => "error message".into(),
        b'N' => "notice".into(),
        b'S' => "ParameterStatus message".into(),
        b'D' => "row".into(),
        b'R' => "authentication request".into(),
        k if k.is_ascii_graphic() => format!("message '{}'", k as char),
        k => format!("message of type {k}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![kind];
        v.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn counts_across_any_split() {
        let mut stream = Vec::new();
        for _ in 0..MAX_PARAMETERS {
            stream.extend(msg(b'S', b"a\0b\0"));
        }
        for chunk in [1, 2, 3, 7, 4096] {
            let mut l = Limiter::messages();
            for part in stream.chunks(chunk) {
                l.feed(part).unwrap();
            }
            assert_eq!(l.parameters, MAX_PARAMETERS);
            assert!(l.feed(&msg(b'S', b"x\0y\0")).is_err(), "one more is refused");
        }
    }

    #[test]
    fn a_long_message_is_refused_at_its_header() {
        let mut l = Limiter::messages();
        let mut header = vec![b'E'];
        header.extend_from_slice(&(2u32 << 30).to_be_bytes());
        let e = l.feed(&header).unwrap_err();
        assert!(e.0.contains("error message") && e.0.contains("2147483648"), "{e}");
        let mut ok = Limiter::messages();
        ok.feed(&msg(b'E', &vec![b'x'; 1000])).unwrap();
    }

    #[test]
    fn the_ssl_answer_decides() {
        let mut l = Limiter::after_ssl_request();
        l.feed(b"S\x16\x03\x01\xff\xff").unwrap();
        assert!(!l.is_on());
        let mut l = Limiter::after_ssl_request();
        let mut bytes = vec![b'N'];
        bytes.extend(msg(b'R', &[0, 0, 0, 3]));
        l.feed(&bytes).unwrap();
        assert!(l.is_on() && l.kind.is_none() && l.remaining == 0);
    }
}
