//! Host keys: checked against known_hosts files the way OpenSSH checks
//! them, or against a key pinned in the connection. There is no "ignore".
//!
//! - Lines: `[@marker] patterns key [comment]`, any amount of blank space
//!   between fields, `#` comments; a line that does not parse is skipped.
//! - Names: `host`, or `[host]:port` when the port is not 22. Patterns are
//!   comma-separated globs (`*`, `?`), case-insensitive, where a matching
//!   `!pattern` excludes the line; `|1|salt|hash` lines are HMAC-SHA1 of the
//!   name.
//! - `@revoked` keys are refused whatever the host; `@cert-authority` lines
//!   are not host keys (Sluice does not take host certificates).
//! - Outcome: the key matches a line for the host; or the host has a line of
//!   the same key type with another key (changed: refused, always); or it
//!   has none (unknown: the user may accept it, which appends a line).

use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use russh::keys::ssh_key::{HashAlg, PublicKey};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a host key check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Known,
    /// No line for this host with this key type.
    Unknown,
    /// A line for this host records another key of the same type.
    Changed {
        file: PathBuf,
        line: usize,
    },
    /// The pinned key is another one.
    PinnedMismatch,
    /// The key is listed as `@revoked`.
    Revoked {
        file: PathBuf,
        line: usize,
    },
    /// No line records a key of this type for the host, but lines record
    /// keys of other types: a server that used to show an ed25519 key and
    /// now offers only RSA may be an impostor. Refused, as OpenSSH warns
    /// of it, and never accepted as new.
    OtherType {
        file: PathBuf,
        line: usize,
        /// The recorded key (type and fingerprint).
        recorded: Presented,
    },
}

/// A server's host key as shown to people, the way `ssh` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`.
    pub key_type: String,
    /// `SHA256:…` (base64, no padding), as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The key in known_hosts form (`ssh-ed25519 AAAA…`), to pin or record.
    pub openssh: String,
}

pub fn present(key: &PublicKey) -> Presented {
    Presented {
        key_type: key.algorithm().as_str().to_owned(),
        fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
        openssh: key
            .to_openssh()
            .map(|s| strip_comment(&s))
            .unwrap_or_default(),
    }
}

fn strip_comment(openssh: &str) -> String {
    openssh
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A key as written in known_hosts or pinned in a connection: `type base64`
/// (a comment after them is allowed).
pub fn parse_key(s: &str) -> Result<PublicKey, String> {
    let two = s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    PublicKey::from_openssh(&two).map_err(|e| e.to_string())
}

/// The name a host's lines are written under.
pub fn lookup_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Checks `key` for `host:port` against the pinned key, if any, else the
/// files (missing files count as empty).
pub fn check(
    host: &str,
    port: u16,
    key: &PublicKey,
    pinned: Option<&str>,
    files: &[PathBuf],
) -> Verdict {
    if let Some(p) = pinned {
        return match parse_key(p) {
            Ok(k) if k.key_data() == key.key_data() => Verdict::Known,
            _ => Verdict::PinnedMismatch,
        };
    }
    let name = lookup_name(host, port);
    let mut changed = None;
    let mut other_type = None;
    let mut known = false;
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let Some(entry) = parse_line(line) else {
                continue;
            };
            match entry.marker() {
                Some(Marker::Revoked) => {
                    if entry.public_key().key_data() == key.key_data() {
                        return Verdict::Revoked {
                            file: file.clone(),
                            line: i + 1,
                        };
                    }
                    continue;
                }
                Some(Marker::CertAuthority) => continue,
                None => {}
            }
            if !host_matches(entry.host_patterns(), &name) {
                continue;
            }
            if entry.public_key().key_data() == key.key_data() {
                known = true;
            } else if entry.public_key().algorithm() == key.algorithm() {
                changed.get_or_insert((file.clone(), i + 1));
            } else {
                other_type.get_or_insert((file.clone(), i + 1, present(entry.public_key())));
            }
        }
    }
    match (known, changed, other_type) {
        (true, _, _) => Verdict::Known,
        (false, Some((file, line)), _) => Verdict::Changed { file, line },
        (false, None, Some((file, line, recorded))) => Verdict::OtherType { file, line, recorded },
        (false, None, None) => Verdict::Unknown,
    }
}

/// The key types known_hosts records for `host:port` (to ask the server
/// for those first).
pub fn recorded_algorithms(
    host: &str,
    port: u16,
    files: &[PathBuf],
) -> Vec<russh::keys::Algorithm> {
    let name = lookup_name(host, port);
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for entry in text.lines().filter_map(parse_line) {
            if entry.marker().is_none() && host_matches(entry.host_patterns(), &name) {
                let a = entry.public_key().algorithm();
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// Appends `host:port key` to `file` (creating it and its folder, mode 0600
/// on Unix), like `StrictHostKeyChecking=accept-new`. Only to a known_hosts
/// file: one that exists must hold nothing but comments and host key lines,
/// so that a path from an imported connection (`~/.bashrc`, say) is never
/// written to.
pub fn learn(host: &str, port: u16, openssh_key: &str, file: &Path) -> std::io::Result<()> {
    let key = parse_key(openssh_key).map_err(std::io::Error::other)?;
    is_known_hosts_file(file)?;
    let line = format!(
        "{} {}\n",
        lookup_name(host, port),
        strip_comment(&key.to_openssh().map_err(std::io::Error::other)?)
    );
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(file)?;
    // A file whose last line has no newline must not be glued to ours.
    let needs_newline = std::fs::read(file)
        .map(|b| !b.is_empty() && !b.ends_with(b"\n"))
        .unwrap_or(false);
    if needs_newline {
        f.write_all(b"\n")?;
    }
    f.write_all(line.as_bytes())?;
    f.sync_all()
}

/// Whether `file` may be written as a known_hosts file: it does not exist
/// yet, or every line of it is blank, a comment, or a host key line.
pub fn is_known_hosts_file(file: &Path) -> std::io::Result<()> {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let refuse = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{} is not a known_hosts file ({why}); Sluice records host keys only in one", file.display()));
    let text = std::str::from_utf8(&bytes).map_err(|_| refuse("it is not text".into()))?;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') && parse_line(t).is_none() {
            return Err(refuse(format!("line {} is not a host key line", i + 1)));
        }
    }
    Ok(())
}

fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    // Fields are separated by any blank space; ssh-key wants single spaces.
    let fields: Vec<&str> = line.split_whitespace().collect();
    let take = if fields.first()?.starts_with('@') {
        4
    } else {
        3
    };
    fields
        .iter()
        .take(take)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
        .parse()
        .ok()
}

fn host_matches(patterns: &HostPatterns, name: &str) -> bool {
    match patterns {
        HostPatterns::HashedName { salt, hash } => {
            use hmac::{KeyInit, Mac};
            let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(salt) else {
                return false;
            };
            mac.update(name.as_bytes());
            mac.verify_slice(hash).is_ok()
        }
        HostPatterns::Patterns(list) => {
            let mut matched = false;
            for p in list {
                if let Some(neg) = p.strip_prefix('!') {
                    if glob(&neg.to_lowercase(), &name.to_lowercase()) {
                        return false;
                    }
                } else if glob(&p.to_lowercase(), &name.to_lowercase()) {
                    matched = true;
                }
            }
            matched
        }
    }
}

/// OpenSSH's `match_pattern`: `*` any run, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO5A1CLPoGxnTgtjLkd2XiQ7QcK9wCjkutXdPoZmYvYk";
    const ED2: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPEZg3TRf8FE/s9t8e0TC7xXwxkD+BxRhTcgiDf9SBgE";
    const EC: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNHyvkToB5xTj4lZgchmQPejpq1EDYkckvTxtZq6nosuCOHUGWjooPMMRRe9j8DjAnsaIA0yOSTr2byGl8EvcLw=";

    fn key(s: &str) -> PublicKey {
        parse_key(s).unwrap()
    }

    fn file(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let p = dir.path().join("known_hosts");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn globs() {
        assert!(glob("*.example.com", "db.example.com"));
        assert!(glob("10.0.0.?", "10.0.0.7"));
        assert!(!glob("10.0.0.?", "10.0.0.17"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b", "ab c"));
    }

    #[test]
    fn plain_patterns_ports_tabs_and_negation() {
        let d = tempfile::tempdir().unwrap();
        let f = file(&d, &format!("# comment\n\nbastion,10.0.0.5\t{ED} me@x\n[bastion]:2222  {EC}\n*.corp,!evil.corp {ED}\n"));
        let files = [f.clone()];
        assert_eq!(check("bastion", 22, &key(ED), None, &files), Verdict::Known);
        assert_eq!(
            check("BASTION", 22, &key(ED), None, &files),
            Verdict::Known,
            "case-insensitive"
        );
        assert_eq!(
            check("bastion", 2222, &key(EC), None, &files),
            Verdict::Known
        );
        assert!(
            matches!(check("bastion", 2222, &key(ED), None, &files), Verdict::OtherType { line: 4, .. }),
            "only another type is recorded: refused, as a possible impostor"
        );
        assert_eq!(check("db.corp", 22, &key(ED), None, &files), Verdict::Known);
        assert_eq!(
            check("evil.corp", 22, &key(ED), None, &files),
            Verdict::Unknown
        );
        assert_eq!(
            check("bastion", 22, &key(ED2), None, &files),
            Verdict::Changed { file: f, line: 3 }
        );
        assert_eq!(
            check("other", 22, &key(ED), None, &[d.path().join("missing")]),
            Verdict::Unknown
        );
    }

    #[test]
    fn hashed_names_as_ssh_keygen_writes_them() {
        // `ssh-keygen -H` of "bastion": salt and HMAC-SHA1 of the name.
        use base64ct::{Base64, Encoding};
        use hmac::{KeyInit, Mac};
        let salt = [7u8; 20];
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
        mac.update(b"[bastion]:2200");
        let hash = mac.finalize().into_bytes();
        let line = format!(
            "|1|{}|{} {ED}\n",
            Base64::encode_string(&salt),
            Base64::encode_string(&hash)
        );
        let d = tempfile::tempdir().unwrap();
        let f = file(&d, &line);
        assert_eq!(
            check("bastion", 2200, &key(ED), None, &[f.clone()]),
            Verdict::Known
        );
        assert_eq!(check("bastion", 22, &key(ED), None, &[f]), Verdict::Unknown);
    }

    #[test]
    fn revoked_keys_and_pins() {
        let d = tempfile::tempdir().unwrap();
        let f = file(&d, &format!("@revoked * {ED}\nbastion {ED}\n"));
        assert_eq!(
            check("bastion", 22, &key(ED), None, &[f.clone()]),
            Verdict::Revoked { file: f, line: 1 }
        );
        assert_eq!(check("x", 22, &key(ED), Some(ED), &[]), Verdict::Known);
        assert_eq!(
            check("x", 22, &key(ED), Some(&format!("{ED2} comment")), &[]),
            Verdict::PinnedMismatch
        );
        assert_eq!(
            check("x", 22, &key(ED), Some("garbage"), &[]),
            Verdict::PinnedMismatch
        );
    }

    #[test]
    fn keys_are_learnt_only_into_a_known_hosts_file() {
        let d = tempfile::tempdir().unwrap();
        let rc = d.path().join(".bashrc");
        let before = "export PATH=$HOME/bin:$PATH\nalias ll='ls -l'\n";
        std::fs::write(&rc, before).unwrap();
        let e = learn("bastion", 22, ED, &rc).unwrap_err();
        assert!(e.to_string().contains("not a known_hosts file"), "{e}");
        assert_eq!(std::fs::read_to_string(&rc).unwrap(), before, "left as it was");
        // A real one (comments, hashed and plain lines) and a new one are fine.
        let kh = file(&d, &format!("# mine\n|1|c2FsdA==|aGFzaA== {ED}\nother {EC}\n"));
        learn("bastion", 22, ED, &kh).unwrap();
        learn("bastion", 22, ED, &d.path().join("new_known_hosts")).unwrap();
    }

    #[test]
    fn learning_appends_a_line_that_checks() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("sub/known_hosts");
        learn("bastion", 2200, &format!("{ED} a comment"), &f).unwrap();
        assert_eq!(
            check("bastion", 2200, &key(ED), None, &[f.clone()]),
            Verdict::Known
        );
        std::fs::write(&f, format!("other {EC}")).unwrap();
        learn("bastion", 22, ED, &f).unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            format!("other {EC}\nbastion {ED}\n")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let g = d.path().join("fresh");
            learn("h", 22, ED, &g).unwrap();
            assert_eq!(
                std::fs::metadata(&g).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn presentation_matches_ssh_keygen() {
        let p = present(&key(ED));
        assert_eq!(p.key_type, "ssh-ed25519");
        // `ssh-keygen -lf` of this key.
        assert_eq!(
            p.fingerprint,
            "SHA256:CUnSBeT3McCR6+3aj3rRiWD2WD1Ik7sbnzn8QQZsPC8"
        );
        assert_eq!(p.openssh, ED);
    }
}
