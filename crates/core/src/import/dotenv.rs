//! `.env` files, read literally. A `.env` file is often shared (committed,
//! pasted, sent along with a project), so nothing in it may pull in anything
//! else: `${VAR}` and `$VAR` are kept as written, never filled in from
//! Sluice's own environment (which holds `PGPASSWORD`, cloud keys...) nor
//! from other lines. The import's preview says so when a value has one.
//!
//! The syntax is the common one (dotenv, docker compose's `env_file`):
//! `KEY=value` lines, an optional `export ` before the key, `#` comments on
//! their own line or after an unquoted value's whitespace, `'single'`
//! quotes taken as they are, `"double"` quotes with `\"`, `\\` and `\n`
//! escapes; both kinds of quote may span lines.

/// One assignment, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A line that is not an assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub reason: &'static str,
}

/// Every assignment of `text`, in order, and the lines that are not one.
pub fn parse(text: &str) -> (Vec<Entry>, Vec<BadLine>) {
    let lines: Vec<&str> = text.lines().collect();
    let (mut entries, mut bad) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let number = i + 1;
        let line = lines[i].trim_start();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export").filter(|r| r.starts_with([' ', '\t'])).map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            bad.push(BadLine { line: number, reason: "not a KEY=value line" });
            continue;
        };
        let key = key.trim_end();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            bad.push(BadLine { line: number, reason: "not a KEY=value line" });
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                // The value runs to the closing quote, on this line or a later one.
                let mut body = rest[1..].to_owned();
                let closed = loop {
                    if let Some(end) = closing(&body, q) {
                        body.truncate(end);
                        break true;
                    }
                    match lines.get(i) {
                        Some(next) => {
                            body.push('\n');
                            body.push_str(next);
                            i += 1;
                        }
                        None => break false,
                    }
                };
                if !closed {
                    bad.push(BadLine { line: number, reason: "a quote that is never closed" });
                    continue;
                }
                if q == '"' {
                    unescape(&body)
                } else {
                    body
                }
            }
            _ => {
                // An unquoted value ends at a comment that follows whitespace.
                let cut = rest.char_indices().find(|&(at, c)| c == '#' && rest[..at].ends_with([' ', '\t'])).map_or(rest.len(), |(at, _)| at);
                rest[..cut].trim_end().to_owned()
            }
        };
        entries.push(Entry { key: key.to_owned(), value, line: number });
    }
    (entries, bad)
}

/// Where the closing quote is in `body` (a `\"` does not close double quotes).
fn closing(body: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in body.char_indices() {
        match c {
            '\\' if q == '"' && !escaped => escaped = true,
            c if c == q && !escaped => return Some(at),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Whether a value holds what a shell or dotenv would expand (`$VAR`, `${VAR}`).
pub fn has_reference(value: &str) -> bool {
    value.char_indices().any(|(at, c)| {
        c == '$' && value[at + 1..].chars().next().is_some_and(|n| n == '{' || n == '_' || n.is_ascii_alphabetic())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String)> {
        parse(text).0.into_iter().map(|e| (e.key, e.value)).collect()
    }

    #[test]
    fn nothing_is_expanded() {
        std::env::set_var("SLUICE_DOTENV_TEST_SECRET", "leaked");
        let text = "A=postgresql://app:${SLUICE_DOTENV_TEST_SECRET}@h/${A}\nB=\"$SLUICE_DOTENV_TEST_SECRET\"\nC='${HOME}'\n";
        let v = values(text);
        assert_eq!(v[0].1, "postgresql://app:${SLUICE_DOTENV_TEST_SECRET}@h/${A}");
        assert_eq!(v[1].1, "$SLUICE_DOTENV_TEST_SECRET");
        assert_eq!(v[2].1, "${HOME}");
        assert!(v.iter().all(|(_, v)| !v.contains("leaked")));
        assert!(has_reference(&v[0].1) && has_reference(&v[1].1) && !has_reference("costs 5$") && !has_reference("a$1"));
    }

    #[test]
    fn the_common_syntax() {
        let text = "# comment\n\nexport DATABASE_URL=postgres://u@h/db # the main one\nQ=\"a \\\"b\\\" \\n c\"\nS='x # not a comment'\nM=\"line1\nline2\"\nHASH=pa#ss\nexportX=1\nbad line\n=nokey\nOPEN='never\n";
        let (entries, bad) = parse(text);
        let v: Vec<(&str, &str, usize)> = entries.iter().map(|e| (e.key.as_str(), e.value.as_str(), e.line)).collect();
        assert_eq!(
            v,
            [
                ("DATABASE_URL", "postgres://u@h/db", 3),
                ("Q", "a \"b\" \n c", 4),
                ("S", "x # not a comment", 5),
                ("M", "line1\nline2", 6),
                ("HASH", "pa#ss", 8),
                ("exportX", "1", 9),
            ]
        );
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [10, 11, 12]);
    }
}
