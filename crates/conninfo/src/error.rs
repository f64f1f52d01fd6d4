//! Typed errors for connection strings and parameter lists.
//!
//! Parse errors carry the 0-based position, in characters (not bytes), of
//! the offending spot in the whole input, so the form can point at it. The
//! wording follows libpq's messages where libpq has one.

use super::ssl_mode::InvalidSslMode;

/// A connection string libpq would not accept (or that Sluice cannot hold).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Looks like a URI (`scheme://`) but the scheme is not libpq's.
    #[error("invalid connection string: expected scheme \"postgresql://\" or \"postgres://\", found \"{found}\"")]
    WrongScheme { found: String, position: usize },

    /// After `[ipv6]` only `:`, `/`, `?`, `,` or the end may follow.
    #[error("unexpected character \"{found}\" at position {position} in URI (expecting \":\" or \"/\")")]
    UnexpectedCharacter { found: char, position: usize },

    #[error(
        "end of string reached when looking for matching \"]\" in IPv6 host address in URI (\"[\" at position {position})"
    )]
    UnterminatedIpv6 { position: usize },

    #[error("IPv6 host address may not be empty in URI (at position {position})")]
    EmptyIpv6 { position: usize },

    /// A `%` not followed by two hex digits.
    #[error("invalid percent-encoded token: \"{token}\" (at position {position})")]
    InvalidPercentToken { token: String, position: usize },

    /// libpq refuses `%00`: its strings end at NUL.
    #[error("forbidden value %00 in percent-encoded value (at position {position})")]
    ForbiddenNul { position: usize },

    /// libpq would pass the raw bytes on; Sluice's model holds text, so it refuses.
    #[error("percent-encoded value is not valid UTF-8 (at position {position})")]
    InvalidUtf8 { position: usize },

    #[error("missing key/value separator \"=\" in URI query parameter: \"{parameter}\" (at position {position})")]
    MissingQuerySeparator { parameter: String, position: usize },

    #[error("extra key/value separator \"=\" in URI query parameter: \"{parameter}\" (at position {position})")]
    ExtraQuerySeparator { parameter: String, position: usize },

    #[error("missing \"=\" after \"{keyword}\" in connection info string (at position {position})")]
    MissingEquals { keyword: String, position: usize },

    #[error("unterminated quoted string in connection info string (opened at position {position})")]
    UnterminatedQuote { position: usize },

    #[error(
        "invalid sslmode value: \"{value}\" (at position {position}; expected disable, allow, prefer, require, verify-ca or verify-full)"
    )]
    InvalidSslMode { value: String, position: usize },

    /// A raw NUL: C strings (and so libpq) would silently cut the string there.
    #[error("NUL character at position {position} is not allowed in a connection string")]
    NulCharacter { position: usize },

    /// In `key=value`, an unquoted password ended at a space and what
    /// followed is not a keyword: most likely a password with spaces. The
    /// words are not repeated here, since they may be part of the password.
    #[error(
        "missing \"=\" after the word that follows the password (at position {position}); if the password contains spaces, quote it: password='...'"
    )]
    SpaceInSecret { position: usize },
}

impl ParseError {
    /// 0-based character offset of the problem in the input.
    pub fn position(&self) -> Option<usize> {
        use ParseError::*;
        match self {
            WrongScheme { position, .. }
            | UnexpectedCharacter { position, .. }
            | UnterminatedIpv6 { position }
            | EmptyIpv6 { position }
            | InvalidPercentToken { position, .. }
            | ForbiddenNul { position }
            | InvalidUtf8 { position }
            | MissingQuerySeparator { position, .. }
            | ExtraQuerySeparator { position, .. }
            | MissingEquals { position, .. }
            | UnterminatedQuote { position }
            | InvalidSslMode { position, .. }
            | NulCharacter { position }
            | SpaceInSecret { position } => Some(*position),
        }
    }

    /// The same error without any text of the input: for errors found
    /// inside a secret's value, so that no message can quote a password.
    pub(crate) fn redacted(self) -> ParseError {
        use ParseError::*;
        match self {
            InvalidPercentToken { position, .. } => InvalidPercentToken { token: "%\u{2026}".into(), position },
            other => other,
        }
    }
}

/// A `(keyword, value)` list that does not make a [`ConnInfo`](super::ConnInfo).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("unknown connection parameter \"{0}\" (not a libpq keyword)")]
    UnknownKeyword(String),
    #[error(transparent)]
    InvalidSslMode(#[from] InvalidSslMode),
    #[error("value of \"{0}\" contains a NUL character, which libpq cannot pass")]
    NulCharacter(String),
}
