//! libpq's connection service file (`pg_service.conf`), as
//! `parseServiceFile` reads it:
//! - `[name]` headers (case-sensitive, nothing trimmed inside the brackets);
//!   the first section of that name is the one read, up to the next header;
//! - each line trimmed; `#` comment lines and empty lines skipped; no inline
//!   comments, quotes or escapes; `key=value` split at the first `=`, the key
//!   not trimmed;
//! - inside the section, an unknown keyword, `service` itself, a line
//!   without `=`, or a line of 1,023 bytes or more is an error; the first
//!   value of a key wins;
//! - files: `PGSERVICEFILE` (which must exist), else `~/.pg_service.conf`;
//!   the system `PGSYSCONFDIR/pg_service.conf` only when the section was not
//!   in the user's file.

use crate::environment::Environment;
use crate::keywords;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("service file \"{0}\" not found")]
    FileNotFound(String),
    #[error("definition of service \"{0}\" not found")]
    NotFound(String),
    #[error("line {line} too long in service file \"{file}\"")]
    LineTooLong { file: String, line: usize },
    #[error("syntax error in service file \"{file}\", line {line}")]
    Syntax { file: String, line: usize },
    #[error("nested service specifications not supported in service file \"{file}\", line {line}")]
    Nested { file: String, line: usize },
}

/// A section found: its values in file order, and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub file: PathBuf,
    /// (keyword, value), first occurrence of each keyword only.
    pub values: Vec<(String, String)>,
}

/// Reads `name` from `text`: Ok(None) when the file has no such section.
pub fn read_section(text: &str, name: &str, file: &Path) -> Result<Option<Section>, ServiceError> {
    let file_s = file.display().to_string();
    let mut inside = false;
    let mut values: Vec<(String, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let number = i + 1;
        if raw.len() + 1 >= 1023 {
            return Err(ServiceError::LineTooLong { file: file_s, line: number });
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            if inside {
                break;
            }
            inside = header.starts_with(name) && header[name.len()..].starts_with(']');
            continue;
        }
        if !inside {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { return Err(ServiceError::Syntax { file: file_s, line: number }) };
        if key == "service" {
            return Err(ServiceError::Nested { file: file_s, line: number });
        }
        // libpq rewrites requiressl only for strings, not here: unknown.
        if keywords::lookup(key).is_none() {
            return Err(ServiceError::Syntax { file: file_s, line: number });
        }
        if !values.iter().any(|(k, _)| k == key) {
            values.push((key.to_owned(), value.to_owned()));
        }
    }
    Ok(inside.then(|| Section { name: name.to_owned(), file: file.to_owned(), values }))
}

/// Finds service `name` through the files, in libpq's order.
pub fn find(name: &str, env: &Environment) -> Result<Section, ServiceError> {
    let user_file = match env.var("PGSERVICEFILE") {
        Some(f) => {
            let path = PathBuf::from(f);
            let text = std::fs::read(&path).map_err(|_| ServiceError::FileNotFound(f.to_owned()))?;
            Some((path, text))
        }
        None => env.user_service_file().and_then(|p| std::fs::read(&p).ok().map(|t| (p, t))),
    };
    if let Some((path, text)) = user_file {
        if let Some(section) = read_section(&String::from_utf8_lossy(&text), name, &path)? {
            return Ok(section);
        }
    }
    let system = env.system_service_file();
    if let Ok(text) = std::fs::read(&system) {
        if let Some(section) = read_section(&String::from_utf8_lossy(&text), name, &system)? {
            return Ok(section);
        }
    }
    Err(ServiceError::NotFound(name.to_owned()))
}

/// Every section of a service file, for import: name, first line, and its
/// values or the error that stops libpq reading it.
pub fn sections(text: &str, file: &Path) -> Vec<(String, usize, Result<Section, ServiceError>)> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if let Some(header) = line.strip_prefix('[') {
            if let Some(end) = header.find(']') {
                let name = header[..end].to_owned();
                if !seen.contains(&name) {
                    seen.push(name.clone());
                    let result = read_section(text, &name, file).and_then(|s| s.ok_or_else(|| ServiceError::NotFound(name.clone())));
                    out.push((name, i + 1, result));
                }
            }
        }
    }
    out
}

/// Why libpq's service file parser would not read `value` back as it is
/// (it reads line by line, and trims blank space from the end of a line),
/// if it would not.
pub fn unrepresentable(value: &str) -> Option<&'static str> {
    if value.contains(['\n', '\r']) {
        Some("holds a line break")
    } else if value.contains('\0') {
        Some("holds a NUL character")
    } else if value.ends_with(|c: char| c.is_ascii_whitespace() || c == '\u{b}') {
        Some("ends in blank space")
    } else {
        None
    }
}

/// A service file section for a connection's keywords (each value
/// representable: see [`unrepresentable`]).
pub fn format_section(name: &str, params: &[(&str, &str)]) -> String {
    let mut s = format!("[{name}]\n");
    for (k, v) in params {
        s.push_str(&format!("{k}={v}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, name: &str) -> Result<Option<Vec<(String, String)>>, ServiceError> {
        read_section(text, name, Path::new("f")).map(|o| o.map(|s| s.values))
    }

    #[test]
    fn sections_as_libpq_reads_them() {
        let text = "# top\n[prod]\nhost=db.example.com\n  port=6432  \ndbname=a=b\nhost=second\n[other]\nbroken line\n[prod]\nuser=never\n";
        assert_eq!(
            read(text, "prod").unwrap().unwrap(),
            vec![("host".into(), "db.example.com".into()), ("port".into(), "6432".into()), ("dbname".into(), "a=b".into())],
            "first value wins, value taken literally, a later [prod] never read, bad lines elsewhere harmless"
        );
        assert_eq!(read(text, "Prod").unwrap(), None, "case-sensitive");
        assert_eq!(read(text, "pro").unwrap(), None, "the whole name");
        assert_eq!(read("[x]\nhost=h # not a comment\n", "x").unwrap().unwrap()[0].1, "h # not a comment");
        assert!(matches!(read("[x]\nhost = h\n", "x"), Err(ServiceError::Syntax { line: 2, .. })), "the key is not trimmed");
        assert!(matches!(read("[x]\nrequiressl=1\n", "x"), Err(ServiceError::Syntax { .. })));
        assert!(matches!(read("[x]\nservice=y\n", "x"), Err(ServiceError::Nested { .. })));
        assert!(matches!(read("[x]\nnoequals\n", "x"), Err(ServiceError::Syntax { .. })));
        let long = format!("[x]\nhost={}\n", "h".repeat(1030));
        assert!(matches!(read(&long, "x"), Err(ServiceError::LineTooLong { line: 2, .. })));
    }

    #[test]
    fn files_in_libpqs_order() {
        let d = tempfile::tempdir().unwrap();
        let home = d.path().join("home");
        let sys = d.path().join("sys");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&sys).unwrap();
        std::fs::write(home.join(".pg_service.conf"), "[a]\nhost=user-file\n").unwrap();
        std::fs::write(sys.join("pg_service.conf"), "[a]\nhost=system\nport=1\n[b]\nhost=system-b\n").unwrap();
        let mut env = Environment { libpq_home: Some(home.clone()), sysconfdir: sys.clone(), ..Environment::default() };
        let a = find("a", &env).unwrap();
        assert_eq!(a.values, vec![("host".into(), "user-file".into())], "found in the user's file: the system file is not merged");
        assert_eq!(find("b", &env).unwrap().values[0].1, "system-b");
        assert_eq!(find("c", &env).unwrap_err(), ServiceError::NotFound("c".into()));
        env.vars.insert("PGSERVICEFILE".into(), d.path().join("missing").display().to_string());
        assert!(matches!(find("a", &env), Err(ServiceError::FileNotFound(_))), "PGSERVICEFILE must exist");
    }
}
