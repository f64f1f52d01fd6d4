//! libpq's password file (`~/.pgpass`, `passfile`, `PGPASSFILE`), byte for
//! byte as `passwordFromFile` reads it:
//! - lines `host:port:database:username:password`; a line whose first byte
//!   is `#` is a comment; `\r`/`\n` are stripped; the first match wins;
//! - a key field is a wildcard only when it is exactly `*`; `\` makes the
//!   next character literal (`\:` and `\\`); matching is case-sensitive with
//!   no trimming, and a line with fewer than four separators never matches;
//! - the password runs to the next unescaped `:` (the rest is ignored), `\X`
//!   is `X`, and a trailing lone `\` stays;
//! - the host looked up is the first host (else hostaddr); an empty one, or
//!   the default socket folder, is `localhost`; the port defaults to `5432`
//!   and is compared as text;
//! - on Unix a file that is not a plain file, or that the group or others
//!   may read, is ignored with libpq's warning.

use crate::secret::Secret;
use std::path::{Path, PathBuf};

/// One line of the file, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based.
    pub line: usize,
    pub host: Field,
    pub port: Field,
    pub database: Field,
    pub user: Field,
    pub password: String,
}

/// A key field: `*`, or a value (escapes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Any,
    Value(String),
}

impl Field {
    pub fn value(&self) -> Option<&str> {
        match self {
            Field::Any => None,
            Field::Value(v) => Some(v),
        }
    }
}

/// Every entry of a password file's text (comments and short lines left out).
pub fn entries(text: &str) -> Vec<Entry> {
    text.split('\n')
        .enumerate()
        .filter_map(|(i, raw)| parse_line(raw.trim_end_matches(['\r', '\n']), i + 1))
        .collect()
}

fn parse_line(line: &str, number: usize) -> Option<Entry> {
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut rest = line;
    let mut keys = Vec::with_capacity(4);
    for _ in 0..4 {
        let (field, after) = key_field(rest)?;
        keys.push(field);
        rest = after;
    }
    // The password: to the next unescaped ':' or the end; "\X" -> "X"; a
    // trailing lone backslash is kept.
    let mut password = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ':' => break,
            '\\' => match chars.next() {
                Some(n) => password.push(n),
                None => password.push('\\'),
            },
            c => password.push(c),
        }
    }
    let mut it = keys.into_iter();
    Some(Entry {
        line: number,
        host: it.next()?,
        port: it.next()?,
        database: it.next()?,
        user: it.next()?,
        password,
    })
}

/// One key field and what follows its ':'; None when the line ends first
/// (or with a backslash), which can never match.
fn key_field(s: &str) -> Option<(Field, &str)> {
    if let Some(after) = s.strip_prefix("*:") {
        return Some((Field::Any, after));
    }
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            ':' => return (!value.is_empty()).then(|| (Field::Value(value), &s[i + 1..])),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

fn matches(field: &Field, value: &str) -> bool {
    match field {
        Field::Any => true,
        Field::Value(v) => v == value,
    }
}

/// What the lookup found.
#[derive(Debug, Clone)]
pub enum Outcome {
    Found { password: Secret, file: PathBuf, line: usize },
    /// The file was read and no line matched.
    NoMatch { file: PathBuf },
    /// The file exists but libpq would not use it (libpq's warning).
    Ignored { file: PathBuf, warning: String },
    /// No file (or none could be opened): silently nothing, as libpq.
    NoFile,
}

/// The password for `host`, `port`, `database`, `user` (already defaulted
/// as libpq does before it looks) in `file`.
pub fn lookup(file: &Path, host: &str, port: &str, database: &str, user: &str, default_socket_dir: &Path) -> Outcome {
    if database.is_empty() || user.is_empty() {
        return Outcome::NoFile;
    }
    let host = if host.is_empty() || (is_socket(host) && Path::new(host) == default_socket_dir) { "localhost" } else { host };
    let port = if port.is_empty() { "5432" } else { port };
    let Ok(meta) = std::fs::metadata(file) else { return Outcome::NoFile };
    if !meta.is_file() {
        return Outcome::Ignored { file: file.to_owned(), warning: format!("password file \"{}\" is not a plain file", file.display()) };
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Outcome::Ignored {
                file: file.to_owned(),
                warning: format!("password file \"{}\" has group or world access; permissions should be u=rw (0600) or less", file.display()),
            };
        }
    }
    let Ok(bytes) = std::fs::read(file) else { return Outcome::NoFile };
    let text = String::from_utf8_lossy(&bytes);
    for e in entries(&text) {
        if matches(&e.host, host) && matches(&e.port, port) && matches(&e.database, database) && matches(&e.user, user) {
            return Outcome::Found { password: Secret::new(e.password), file: file.to_owned(), line: e.line };
        }
    }
    Outcome::NoMatch { file: file.to_owned() }
}

fn is_socket(host: &str) -> bool {
    host.starts_with('/') || host.starts_with('@')
}

/// One password-file line for a connection (escaping `:` and `\`).
pub fn format_line(host: &str, port: &str, database: &str, user: &str, password: &str) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace(':', "\\:");
    format!("{}:{}:{}:{}:{}", esc(host), esc(port), esc(database), esc(user), esc(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(line: &str) -> Option<String> {
        parse_line(line, 1).map(|e| e.password)
    }

    /// The table of the research notes, verified against libpq's own code.
    #[test]
    fn lines_as_libpq_reads_them() {
        assert_eq!(pw("h:5432:d:u:pa\\:ss:extra").as_deref(), Some("pa:ss"));
        assert_eq!(pw("h:5432:d:u:pa\\\\ss").as_deref(), Some("pa\\ss"));
        assert_eq!(pw("h:5432:d:u:pa\\").as_deref(), Some("pa\\"));
        assert_eq!(pw("h:*:*:*:a\\bc").as_deref(), Some("abc"));
        assert_eq!(pw("h:5432:d:u:").as_deref(), Some(""));
        assert_eq!(pw("h:5432:d:u"), None, "four fields never match");
        assert_eq!(pw("#h:5432:d:u:p"), None);
        let e = parse_line("fe80\\:\\:1:*:*:*:pw", 1).unwrap();
        assert_eq!(e.host, Field::Value("fe80::1".into()));
        let e = parse_line("*h:*:*:*:pw", 1).unwrap();
        assert_eq!(e.host, Field::Value("*h".into()), "*h is literal");
        assert!(parse_line("h\\", 1).is_none());
        assert!(parse_line("::::p", 1).is_none(), "empty key fields never match");
    }

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pgpass");
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        (d, p)
    }

    fn found(o: Outcome) -> Option<(String, usize)> {
        match o {
            Outcome::Found { password, line, .. } => Some((password.expose().to_owned(), line)),
            _ => None,
        }
    }

    #[test]
    fn first_match_wins_with_wildcards_and_the_socket_as_localhost() {
        let (_d, p) = file("# comment\r\nlocalhost:5432:shop:app:local\r\n*:*:shop:app:any\ndb.example.com:6432:*:*:pooled\nH:*:*:*:upper\n");
        let sock = Path::new("/var/run/postgresql");
        assert_eq!(found(lookup(&p, "", "", "shop", "app", sock)), Some(("local".into(), 2)));
        assert_eq!(found(lookup(&p, "/var/run/postgresql", "5432", "shop", "app", sock)), Some(("local".into(), 2)));
        assert_eq!(found(lookup(&p, "/tmp", "5432", "shop", "app", sock)), Some(("any".into(), 3)), "another socket folder stays literal");
        assert_eq!(found(lookup(&p, "db.example.com", "6432", "x", "y", sock)), Some(("pooled".into(), 4)));
        assert_eq!(found(lookup(&p, "db.example.com", "06432", "x", "y", sock)), None, "ports compare as text");
        assert_eq!(found(lookup(&p, "h", "1", "x", "y", sock)), None, "case-sensitive");
        assert!(matches!(lookup(&p, "h", "1", "x", "y", sock), Outcome::NoMatch { .. }));
        assert!(matches!(lookup(&p.with_file_name("none"), "h", "1", "x", "y", sock), Outcome::NoFile));
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_file_is_ignored_with_libpqs_warning() {
        use std::os::unix::fs::PermissionsExt;
        let (_d, p) = file("*:*:*:*:pw\n");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        match lookup(&p, "h", "5432", "d", "u", Path::new("/tmp")) {
            Outcome::Ignored { warning, .. } => assert!(warning.contains("group or world access"), "{warning}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_written_read_back() {
        let line = format_line("fe80::1", "5432", "d:b", "u\\ser", "p:w\\d");
        let e = parse_line(&line, 1).unwrap();
        assert_eq!((e.host, e.database, e.user, e.password), (Field::Value("fe80::1".into()), Field::Value("d:b".into()), Field::Value("u\\ser".into()), "p:w\\d".into()));
    }
}
