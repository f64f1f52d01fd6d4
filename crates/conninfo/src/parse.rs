//! The one entry point: detect URI or `key=value`, parse, collect warnings.
//!
//! Both syntaxes store through [`Builder`], which applies libpq's
//! `conninfo_storeval` rules (later values win, `requiressl` means `sslmode`)
//! and sets unknown keywords aside instead of failing.

use super::{keyvalue, uri, ConnInfo, ParamsError, ParseError};

/// Which syntax the string was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Syntax {
    Uri,
    KeyValue,
}

/// A successfully parsed connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub info: ConnInfo,
    pub syntax: Syntax,
    /// Keywords libpq does not know (Prisma's `pgbouncer`, JDBC's `ssl=false`...),
    /// in order of first appearance, last value kept. Not in `info`, so
    /// formatting drops them.
    pub unknown: Vec<(String, String)>,
    /// One line each, for the user: unknown keywords and likely mistakes.
    pub warnings: Vec<String>,
}

/// Parse a libpq connection string, URI or `key=value`, as libpq would.
///
/// Like libpq, a string is a URI when it starts with `postgresql://` or
/// `postgres://`. Unlike libpq, surrounding whitespace around a URI is
/// ignored (pasted strings often carry a newline), and anything else shaped
/// like `scheme://` is reported as a wrong scheme rather than as a
/// `key=value` syntax error.
pub fn parse(input: &str) -> Result<Parsed, ParseError> {
    reject_nul(input)?;
    let lead = input.len() - input.trim_start_matches(is_c_space_char).len();
    let rest = &input[lead..];
    if let Some(idx) = rest.find("://") {
        let scheme = &rest[..idx];
        if !scheme.is_empty() && !scheme.contains(|c: char| c == '=' || is_c_space_char(c)) {
            let end = input.trim_end_matches(is_c_space_char).len();
            return parse_uri_range(input, lead, end);
        }
    }
    parse_keyvalue(input)
}

/// Parse a `postgresql://` / `postgres://` URI (surrounding whitespace ignored).
pub fn parse_uri(input: &str) -> Result<Parsed, ParseError> {
    reject_nul(input)?;
    let lead = input.len() - input.trim_start_matches(is_c_space_char).len();
    let end = input.trim_end_matches(is_c_space_char).len().max(lead);
    parse_uri_range(input, lead, end)
}

/// Parse a `key=value` conninfo string.
pub fn parse_keyvalue(input: &str) -> Result<Parsed, ParseError> {
    reject_nul(input)?;
    let mut b = Builder::new(input);
    keyvalue::parse_into(&mut b)?;
    Ok(b.finish(Syntax::KeyValue))
}

fn parse_uri_range(input: &str, start: usize, end: usize) -> Result<Parsed, ParseError> {
    let mut b = Builder::new(input);
    uri::parse_into(&mut b, start, end)?;
    Ok(b.finish(Syntax::Uri))
}

fn reject_nul(input: &str) -> Result<(), ParseError> {
    match input.find('\0') {
        Some(i) => Err(ParseError::NulCharacter { position: char_pos(input, i) }),
        None => Ok(()),
    }
}

/// C's `isspace` in the C locale, which is what libpq's parser uses.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn is_c_space_char(c: char) -> bool {
    c.is_ascii() && is_c_space(c as u8)
}

/// Character offset of a byte offset (rounded down to a character boundary).
pub(crate) fn char_pos(input: &str, byte: usize) -> usize {
    input.char_indices().take_while(|(i, _)| *i < byte).count()
}

/// Accumulates what a parser stores, with libpq's storing rules.
pub(crate) struct Builder<'a> {
    pub(crate) input: &'a str,
    info: ConnInfo,
    unknown: Vec<(String, String)>,
    /// Unknown keywords that may be pieces of a password: warned about without their name.
    unnamed: Vec<String>,
    warnings: Vec<String>,
}

impl<'a> Builder<'a> {
    fn new(input: &'a str) -> Self {
        Builder { input, info: ConnInfo::default(), unknown: Vec::new(), unnamed: Vec::new(), warnings: Vec::new() }
    }

    /// Sets aside an unknown `key=value` that may be the rest of a password
    /// cut by a space; its warning does not name it.
    pub(crate) fn store_unnamed_unknown(&mut self, keyword: &str, value: String) {
        self.unnamed.push(keyword.to_owned());
        match self.unknown.iter_mut().find(|(k, _)| k == keyword) {
            Some(slot) => slot.1 = value,
            None => self.unknown.push((keyword.to_owned(), value)),
        }
    }

    /// Character offset of a byte offset in the input, for error positions.
    pub(crate) fn pos(&self, byte: usize) -> usize {
        char_pos(self.input, byte)
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// Store one keyword as libpq's `conninfo_storeval` does. `value_at` is
    /// the byte offset of the value, for the error if the value is refused.
    pub(crate) fn store(&mut self, keyword: &str, value: String, value_at: usize) -> Result<(), ParseError> {
        // libpq's backwards compatibility: requiressl=1 is sslmode=require,
        // any other value sslmode=prefer.
        let (keyword, value) = if keyword == "requiressl" {
            let mode = if value.starts_with('1') { "require" } else { "prefer" };
            ("sslmode", mode.to_owned())
        } else {
            (keyword, value)
        };
        match self.info.set(keyword, value.clone()) {
            Ok(()) => Ok(()),
            Err(ParamsError::UnknownKeyword(_)) => {
                match self.unknown.iter_mut().find(|(k, _)| k == keyword) {
                    Some(slot) => slot.1 = value,
                    None => self.unknown.push((keyword.to_owned(), value)),
                }
                Ok(())
            }
            Err(ParamsError::InvalidSslMode(_)) => {
                Err(ParseError::InvalidSslMode { value, position: self.pos(value_at) })
            }
            // The input was checked for NUL and %00 is refused, so this is unreachable;
            // report it at the value anyway rather than panic.
            Err(ParamsError::NulCharacter(_)) => Err(ParseError::NulCharacter { position: self.pos(value_at) }),
        }
    }

    fn finish(mut self, syntax: Syntax) -> Parsed {
        let unknown_warnings: Vec<String> = self
            .unknown
            .iter()
            .map(|(k, _)| match self.unnamed.contains(k) {
                true => "a word after the password was read as an unknown parameter and ignored; if the password contains spaces, quote it: password='...'".to_owned(),
                false => unknown_warning(k),
            })
            .collect();
        self.warnings.extend(unknown_warnings);
        Parsed { info: self.info, syntax, unknown: self.unknown, warnings: self.warnings }
    }
}

/// The warning for an unknown keyword, naming who usually adds it.
pub fn unknown_warning(keyword: &str) -> String {
    let origin = match keyword {
        "schema"
        | "pgbouncer"
        | "connection_limit"
        | "pool_timeout"
        | "socket_timeout"
        | "statement_cache_size"
        | "sslaccept"
        | "sslidentity"
        | "max_idle_connection_lifetime" => Some("Prisma adds it"),
        "ssl" => Some("JDBC uses it; libpq understands only ssl=true"),
        "sslfactory" | "currentSchema" | "loginTimeout" | "socketTimeout" | "prepareThreshold" => Some("JDBC uses it"),
        _ => None,
    };
    match origin {
        Some(o) => format!("unknown parameter \"{keyword}\" ignored (libpq would reject it; {o})"),
        None => format!("unknown parameter \"{keyword}\" ignored (libpq would reject it)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_syntax() {
        assert_eq!(parse("postgresql://h").unwrap().syntax, Syntax::Uri);
        assert_eq!(parse("  postgres://h\n").unwrap().syntax, Syntax::Uri);
        assert_eq!(parse("host=h").unwrap().syntax, Syntax::KeyValue);
        assert_eq!(parse("").unwrap().syntax, Syntax::KeyValue);
        // "://" after an "=" is inside a value, not a scheme.
        assert_eq!(parse("options='x://y'").unwrap().syntax, Syntax::KeyValue);
        assert!(matches!(parse("mysql://h"), Err(ParseError::WrongScheme { .. })));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(char_pos("éé%", 4), 2);
        let e = parse("user=é x").unwrap_err();
        assert_eq!(e.position(), Some(7));
    }
}
