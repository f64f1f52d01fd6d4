//! Server-side statement durations from the cluster's log
//! (`log_min_duration_statement = 0`): the time the backend spent on one
//! Query message, from receipt to the end of sending its results.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub user: String,
    pub database: String,
    pub ms: f64,
    /// The statement's first line.
    pub statement: String,
}

/// Reads the log from where it last stopped.
pub struct LogCursor {
    path: PathBuf,
    offset: u64,
}

impl LogCursor {
    /// A cursor at the current end of the log.
    pub fn at_end(path: PathBuf) -> LogCursor {
        let offset = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        LogCursor { path, offset }
    }

    /// Complete log lines written since the last call, parsed.
    pub fn durations(&mut self) -> Vec<Logged> {
        let Ok(mut f) = std::fs::File::open(&self.path) else { return Vec::new() };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut bytes = Vec::new();
        if f.read_to_end(&mut bytes).is_err() {
            return Vec::new();
        }
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.offset += complete as u64;
        String::from_utf8_lossy(&bytes[..complete]).lines().filter_map(parse_line).collect()
    }

    /// Waits (briefly) for the duration line of a statement by `user` that
    /// satisfies `matches`, and returns its milliseconds.
    pub fn wait_for(&mut self, user: &str, matches: impl Fn(&str) -> bool) -> Option<f64> {
        for _ in 0..50 {
            if let Some(l) = self.durations().into_iter().find(|l| l.user == user && matches(&l.statement)) {
                return Some(l.ms);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        None
    }
}

/// `%m [%p] %u@%d LOG:  duration: 1.234 ms  statement: ...` (the harness's
/// log_line_prefix).
pub fn parse_line(line: &str) -> Option<Logged> {
    let (prefix, rest) = line.split_once(" LOG:  duration: ")?;
    let who = prefix.rsplit(' ').next()?;
    let (user, database) = who.split_once('@')?;
    let (ms, rest) = rest.split_once(" ms")?;
    let statement = rest.split_once("statement: ").map(|(_, s)| s).unwrap_or("");
    Some(Logged { user: user.to_owned(), database: database.to_owned(), ms: ms.trim().parse().ok()?, statement: statement.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_duration_line() {
        let l = parse_line("2025-11-25 19:40:22.123 UTC [1234] reader@bench LOG:  duration: 12.345 ms  statement: BEGIN READ ONLY; SELECT").unwrap();
        assert_eq!(l.user, "reader");
        assert_eq!(l.database, "bench");
        assert_eq!(l.ms, 12.345);
        assert_eq!(l.statement, "BEGIN READ ONLY; SELECT");
        assert!(parse_line("2025-11-25 19:40:22.123 UTC [1234] reader@bench LOG:  connection authorized").is_none());
    }
}
