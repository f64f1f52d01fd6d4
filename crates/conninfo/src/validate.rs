//! Per-field checks for the connection form: at most one message per field,
//! errors block saving, warnings only inform.
//!
//! Fields are named by their libpq keyword, plus `name` for the
//! connection's display name.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use serde::Serialize;

use super::{ConnInfo, SslMode};

pub const NAME_MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One message about one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldIssue {
    pub field: String,
    pub severity: Severity,
    pub message: String,
}

impl FieldIssue {
    fn error(field: &str, message: impl Into<String>) -> Self {
        FieldIssue { field: field.to_owned(), severity: Severity::Error, message: message.into() }
    }
    fn warning(field: &str, message: impl Into<String>) -> Self {
        FieldIssue { field: field.to_owned(), severity: Severity::Warning, message: message.into() }
    }
}

/// The form's issues; serializes as a plain list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Validation {
    pub issues: Vec<FieldIssue>,
}

impl Validation {
    /// Whether any issue is an error (the form must not save).
    pub fn is_blocking(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// The issue for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&FieldIssue> {
        self.issues.iter().find(|i| i.field == field)
    }

    fn push(&mut self, issue: Option<FieldIssue>) {
        if let Some(issue) = issue {
            // One message per field: the first check to complain wins.
            if self.get(&issue.field).is_none() {
                self.issues.push(issue);
            }
        }
    }
}

/// Check the whole form. `existing_names` are the other saved connections'
/// names (leave out the one being edited); the comparison ignores case and
/// surrounding whitespace. File checks look at the local filesystem.
pub fn validate<S: AsRef<str>>(name: &str, info: &ConnInfo, existing_names: &[S]) -> Validation {
    let mut v = Validation::default();
    v.push(validate_name(name, existing_names));
    // With hostaddr, host is only the name TLS checks: libpq takes any text there.
    let host_issue = validate_host(info.get("host"));
    let has_hostaddr = info.get("hostaddr").is_some_and(|a| !a.is_empty());
    v.push(host_issue.map(|i| if has_hostaddr { FieldIssue { severity: Severity::Warning, ..i } } else { i }));
    v.push(validate_hostaddr(info.get("hostaddr"), info.get("host")));
    v.push(validate_port(info.get("port"), host_count(info)));
    v.push(validate_connect_timeout(info.get("connect_timeout")));
    for field in ["sslrootcert", "sslcert", "sslkey", "sslcrl"] {
        v.push(validate_file(field, info.get(field)));
    }
    for issue in validate_choices(info) {
        v.push(Some(issue));
    }
    v.push(validate_client_cert_pair(info));
    v.push(validate_root_cert_for_mode(info));
    v.push(validate_negotiation(info));
    v.push(validate_require_auth(info));
    v.push(validate_protocol_versions(info));
    v.push(validate_tls_versions(info));
    v.push(validate_gss(info));
    v
}

/// GSSAPI, which Sluice does not speak: `gssencmode=require` is refused
/// by name, as libpq built without GSSAPI refuses it, before anything is sent.
pub fn validate_gss(info: &ConnInfo) -> Option<FieldIssue> {
    (info.get("gssencmode") == Some("require")).then(|| {
        FieldIssue::error("gssencmode", "gssencmode value \"require\" invalid when GSSAPI support is not compiled in")
    })
}

/// libpq's TLS versions for `ssl_min_protocol_version` and
/// `ssl_max_protocol_version`, in order (0 = TLSv1 … 3 = TLSv1.3); None for
/// a value libpq refuses.
pub fn tls_version_rank(v: &str) -> Option<usize> {
    ["tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"].iter().position(|t| t.eq_ignore_ascii_case(v.trim()))
}

/// `ssl_min_protocol_version` / `ssl_max_protocol_version` as libpq checks
/// them before connecting, with its messages.
pub fn validate_tls_versions(info: &ConnInfo) -> Option<FieldIssue> {
    let get = |k: &str| info.get(k).map(str::trim).filter(|v| !v.is_empty());
    for k in ["ssl_min_protocol_version", "ssl_max_protocol_version"] {
        if let Some(v) = get(k) {
            if tls_version_rank(v).is_none() {
                return Some(FieldIssue::error(k, format!("invalid {k} value: \"{v}\"")));
            }
        }
    }
    match (get("ssl_min_protocol_version").and_then(tls_version_rank), get("ssl_max_protocol_version").and_then(tls_version_rank)) {
        (Some(min), Some(max)) if min > max => Some(FieldIssue::error("ssl_max_protocol_version", "invalid SSL protocol version range")),
        _ => None,
    }
}

/// The wire protocol Sluice speaks (tokio-postgres): 3.0.
pub const PROTOCOL_SPOKEN: &str = "3.0";

/// min/max_protocol_version (libpq 18), past their choices: libpq refuses a
/// minimum above the maximum, and a minimum of 3.2 (or latest) is more than
/// Sluice speaks, so its test would fail: a warning, as the string is fine
/// for libpq 18.
pub fn validate_protocol_versions(info: &ConnInfo) -> Option<FieldIssue> {
    let number = |v: &str| match v {
        "3.0" => Some(0),
        "3.2" | "latest" => Some(2),
        _ => None,
    };
    let min = info.get("min_protocol_version").and_then(number);
    let max = info.get("max_protocol_version").and_then(number);
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Some(FieldIssue::error("min_protocol_version", "\"min_protocol_version\" is greater than \"max_protocol_version\"."));
        }
    }
    (min > Some(0)).then(|| {
        FieldIssue::warning(
            "min_protocol_version",
            format!("Sluice speaks protocol {PROTOCOL_SPOKEN} only, so it cannot test a connection that needs 3.2 (libpq 18 with a PostgreSQL 18 server can)."),
        )
    })
}

/// `require_auth` as libpq reads it (one message: libpq's own).
pub fn validate_require_auth(info: &ConnInfo) -> Option<FieldIssue> {
    let value = info.get("require_auth")?;
    super::RequireAuth::parse(value).err().map(|m| FieldIssue::error("require_auth", format!("{m}.")))
}

/// `sslnegotiation=direct` starts TLS at once, so there is no plain
/// fallback: libpq 17 takes it only with sslmode require or stricter.
pub fn validate_negotiation(info: &ConnInfo) -> Option<FieldIssue> {
    if info.get("sslnegotiation") != Some("direct") {
        return None;
    }
    let mode = info.effective_sslmode();
    matches!(mode, SslMode::Disable | SslMode::Allow | SslMode::Prefer).then(|| {
        FieldIssue::error(
            "sslnegotiation",
            format!("Direct TLS (sslnegotiation=direct) needs SSL mode require, verify-ca or verify-full, not {mode}: it has no plain-text fallback."),
        )
    })
}

/// The name as the store keeps it: trimmed. Checks apply to the trimmed name.
pub fn validate_name<S: AsRef<str>>(name: &str, existing_names: &[S]) -> Option<FieldIssue> {
    let name = name.trim();
    let chars = name.chars().count();
    if name.is_empty() {
        Some(FieldIssue::error("name", "Enter a name for this connection."))
    } else if name.chars().any(char::is_control) {
        Some(FieldIssue::error("name", "The name must not contain control characters (tabs, line breaks...)."))
    } else if chars > NAME_MAX_CHARS {
        Some(FieldIssue::error("name", format!("The name is {chars} characters long; the limit is {NAME_MAX_CHARS}.")))
    } else if existing_names.iter().any(|e| e.as_ref().trim().to_lowercase() == name.to_lowercase()) {
        Some(FieldIssue::error("name", format!("A connection named \"{name}\" already exists.")))
    } else {
        None
    }
}

/// Each comma-separated host: a DNS name (RFC 1123), an IPv4 or IPv6
/// address, or an absolute Unix-socket directory (or libpq's `@abstract` socket).
pub fn validate_host(host: Option<&str>) -> Option<FieldIssue> {
    let host = host?;
    if host.is_empty() {
        return None; // libpq's default: the local socket.
    }
    let mut warning = None;
    for h in host.split(',') {
        match check_one_host(h) {
            HostCheck::Ok => {}
            HostCheck::Warn(m) => {
                warning.get_or_insert(m);
            }
            HostCheck::Err(m) => return Some(FieldIssue::error("host", m)),
        }
    }
    warning.map(|m| FieldIssue::warning("host", m))
}

enum HostCheck {
    Ok,
    Warn(String),
    Err(String),
}

fn check_one_host(h: &str) -> HostCheck {
    if h.is_empty() {
        return HostCheck::Warn(
            "The host list has an empty entry: libpq will use the default (the local socket) for it.".into(),
        );
    }
    if h.starts_with('/') || h.starts_with('@') {
        return if h.chars().any(char::is_control) {
            HostCheck::Err(format!("The socket directory \"{}\" contains control characters.", h.escape_debug()))
        } else {
            HostCheck::Ok
        };
    }
    // Numeric forms inet_aton reads are addresses to libpq (192.000.002.001 is 192.0.2.1).
    if h.parse::<Ipv4Addr>().is_ok() || super::inet::inet_aton(h).is_some() {
        return HostCheck::Ok;
    }
    if h.contains(':') {
        let addr = h.split_once('%').map_or(h, |(a, _zone)| a);
        return match addr.parse::<Ipv6Addr>() {
            Ok(_) => HostCheck::Ok,
            Err(_) => HostCheck::Err(format!(
                "\"{h}\" is not a valid IPv6 address (a port goes in the Port field, not after a colon)."
            )),
        };
    }
    check_dns_name(h)
}

/// RFC 1123 host name: labels of 1-63 letters, digits and hyphens, not
/// starting or ending with a hyphen, 253 characters at most (a final dot
/// is allowed). Underscores are not allowed by the RFC, but Docker and
/// some internal DNS use them, so they only warn.
fn check_dns_name(h: &str) -> HostCheck {
    let bad = |why: String| HostCheck::Err(format!("\"{h}\" is not a valid host name: {why}."));
    if let Some(c) = h.chars().find(|c| !c.is_ascii()) {
        return bad(format!("\"{c}\" is not allowed; write an international name in its punycode (xn--) form"));
    }
    let name = h.strip_suffix('.').unwrap_or(h);
    if name.len() > 253 {
        return bad("it is longer than 253 characters".into());
    }
    let mut underscore = false;
    let mut all_numeric = true;
    for label in name.split('.') {
        if label.is_empty() {
            return bad("it has an empty label (two dots in a row, or a leading dot)".into());
        }
        if label.len() > 63 {
            return bad(format!("the label \"{label}\" is longer than 63 characters"));
        }
        if let Some(c) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
            return bad(format!("\"{}\" is not allowed", c.escape_debug()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad(format!("the label \"{label}\" starts or ends with a hyphen"));
        }
        underscore |= label.contains('_');
        all_numeric &= label.chars().all(|c| c.is_ascii_digit());
    }
    if all_numeric {
        return HostCheck::Err(format!("\"{h}\" is not a valid IPv4 address."));
    }
    if underscore {
        return HostCheck::Warn(format!(
            "\"{h}\" contains \"_\", which RFC 1123 host names do not allow; it works only if your DNS accepts it."
        ));
    }
    HostCheck::Ok
}

/// `hostaddr`: numeric addresses only, and as many as hosts when both are lists.
pub fn validate_hostaddr(hostaddr: Option<&str>, host: Option<&str>) -> Option<FieldIssue> {
    let hostaddr = hostaddr.filter(|h| !h.is_empty())?;
    for a in hostaddr.split(',') {
        let addr = a.split_once('%').map_or(a, |(x, _)| x);
        if !a.is_empty() && a.parse::<Ipv4Addr>().is_err() && addr.parse::<Ipv6Addr>().is_err() {
            return Some(FieldIssue::error("hostaddr", format!("\"{a}\" is not a numeric IPv4 or IPv6 address.")));
        }
    }
    let n_addr = hostaddr.split(',').count();
    if let Some(h) = host.filter(|h| !h.is_empty()) {
        let n_host = h.split(',').count();
        if n_host != n_addr {
            return Some(FieldIssue::error(
                "hostaddr",
                format!("{n_addr} addresses for {n_host} hosts: libpq needs one per host."),
            ));
        }
    }
    None
}

/// How many servers the lists name (libpq counts hostaddr when host is absent).
fn host_count(info: &ConnInfo) -> usize {
    info.get("host")
        .filter(|h| !h.is_empty())
        .or(info.get("hostaddr").filter(|h| !h.is_empty()))
        .map_or(1, |h| h.split(',').count())
}

/// Each comma-separated port is 1-65535 (an empty entry means the default);
/// one port for all hosts, or one per host.
pub fn validate_port(port: Option<&str>, hosts: usize) -> Option<FieldIssue> {
    let port = port.filter(|p| !p.is_empty())?;
    let ports: Vec<&str> = port.split(',').collect();
    for p in &ports {
        if p.is_empty() {
            continue;
        }
        let ok = p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            return Some(FieldIssue::error("port", format!("\"{p}\" is not a port number (1 to 65535).")));
        }
    }
    if ports.len() > 1 && ports.len() != hosts {
        return Some(FieldIssue::error(
            "port",
            format!("{} ports for {hosts} hosts: give one port for all, or one per host.", ports.len()),
        ));
    }
    None
}

/// Seconds, a whole number (libpq reads it as an integer).
pub fn validate_connect_timeout(timeout: Option<&str>) -> Option<FieldIssue> {
    let t = timeout?.trim();
    if t.is_empty() || t.parse::<u32>().is_ok() {
        None
    } else {
        Some(FieldIssue::error("connect_timeout", "The timeout must be a whole number of seconds."))
    }
}

/// A certificate, key or CRL file that was given should exist. A warning,
/// not an error: libpq does not refuse a connection string for it. A
/// missing `sslcert` sends no certificate, a missing `sslcrl` checks no
/// CRL, a missing `sslrootcert` verifies nothing (and fails verify-ca and
/// verify-full when connecting). `sslrootcert=system` names the system
/// trust store, not a file.
pub fn validate_file(field: &str, path: Option<&str>) -> Option<FieldIssue> {
    let path = path.filter(|p| !p.is_empty())?;
    if field == "sslrootcert" && path == "system" {
        return None;
    }
    let p = Path::new(path);
    if p.is_file() {
        return None;
    }
    let message = if path.starts_with("~/") {
        format!("\"{path}\" not found: libpq does not expand \"~\"; write the full path.")
    } else if p.is_dir() {
        format!("\"{path}\" is a directory; a file is expected.")
    } else {
        format!("File \"{path}\" not found.")
    };
    let consequence = match field {
        "sslcert" => " libpq then sends no client certificate.",
        "sslkey" => " With a client certificate, the connection fails.",
        "sslcrl" => " libpq then checks no revocation list.",
        _ => " libpq then verifies nothing, and verify-ca and verify-full fail.",
    };
    Some(FieldIssue::warning(field, format!("{message}{consequence}")))
}

/// A client certificate and its key come together. A warning: libpq looks
/// for the key in ~/.postgresql/postgresql.key, and ignores a key without
/// a certificate.
pub fn validate_client_cert_pair(info: &ConnInfo) -> Option<FieldIssue> {
    let given = |k: &str| info.get(k).is_some_and(|s| !s.is_empty());
    match (given("sslcert"), given("sslkey")) {
        (true, false) => Some(FieldIssue::warning(
            "sslkey",
            "A client certificate needs its private key: without sslkey, libpq looks for ~/.postgresql/postgresql.key.",
        )),
        (false, true) => Some(FieldIssue::warning(
            "sslcert",
            "A private key needs its client certificate: without one, libpq sends none and ignores the key.",
        )),
        _ => None,
    }
}

/// Keywords whose value must be one of a fixed set (the table's `choices`),
/// one issue per keyword, as libpq would refuse them when connecting.
pub fn validate_choices(info: &ConnInfo) -> Vec<FieldIssue> {
    super::keywords::KEYWORDS
        .iter()
        .filter(|k| !k.choices.is_empty())
        .filter_map(|k| {
            let v = info.get(k.name)?;
            (!k.choices.contains(&v)).then(|| {
                FieldIssue::error(k.name, format!("\"{v}\" is not a valid {}: use {}.", k.name, one_of(k.choices)))
            })
        })
        .collect()
}

/// "a, b or c".
fn one_of(choices: &[&str]) -> String {
    match choices {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The root certificate against the mode, as libpq judges it:
/// `sslrootcert=system` only with verify-full (anything else would accept any
/// public server whatever its name), verify-ca only with a root certificate
/// (given, or libpq's `~/.postgresql/root.crt`), and verify-full without one
/// works against the system trust store, which is worth a word.
pub fn validate_root_cert_for_mode(info: &ConnInfo) -> Option<FieldIssue> {
    let root = info.get("sslrootcert").filter(|s| !s.is_empty());
    let mode = info.effective_sslmode();
    match root {
        Some("system") if mode != SslMode::VerifyFull => Some(FieldIssue::error(
            "sslrootcert",
            format!("The system trust store (sslrootcert=system) can only be used with SSL mode verify-full, not {mode}: with a weaker mode any publicly trusted certificate would be accepted for any host name."),
        )),
        None if super::defaults::root_cert().is_none() => match mode {
            SslMode::VerifyCa | SslMode::VerifyFull => Some(FieldIssue::warning(
                "sslrootcert",
                format!("SSL mode {mode} needs a root certificate (the CA that signed the server's certificate), and there is none (~/.postgresql/root.crt does not exist either): the connection will fail, as libpq's does. Give the CA's file, or sslrootcert=system for the system's trust store (with verify-full)."),
            )),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: &[&str] = &[];

    fn info(params: &[(&str, &str)]) -> ConnInfo {
        ConnInfo::from_params(params.iter().copied()).unwrap()
    }

    #[test]
    fn names() {
        assert!(validate_name("Prod", NONE).is_none());
        assert!(validate_name("  Prod  ", NONE).is_none());
        assert!(validate_name("   ", NONE).is_some());
        assert!(validate_name("a\tb", NONE).is_some());
        assert!(validate_name(&"x".repeat(64), NONE).is_none());
        assert!(validate_name(&"é".repeat(65), NONE).is_some());
        let dup = validate_name("prod ", &["Staging", " PROD"]).unwrap();
        assert_eq!(dup.message, "A connection named \"prod\" already exists.");
        assert_eq!(dup.severity, Severity::Error);
    }

    #[test]
    fn hosts() {
        for ok in [
            "localhost",
            "db.example.com",
            "db.example.com.",
            "10.0.0.1",
            "::1",
            "fe80::1%eth0",
            "/var/run/postgresql",
            "a,b",
            "x-1.y",
            "@abstract",
        ] {
            let r = validate_host(Some(ok));
            assert!(r.as_ref().is_none_or(|i| i.severity == Severity::Warning), "{ok}: {r:?}");
        }
        assert!(validate_host(Some("a,b:")).is_some_and(|i| i.severity == Severity::Error));
        for bad in
            ["-db", "db-", "a..b", "bücher.de", "256.1.1.1", "host:5432", "exa mple", "user@host", &"a".repeat(64)]
        {
            let r = validate_host(Some(bad));
            assert!(r.as_ref().is_some_and(|i| i.severity == Severity::Error), "{bad}: {r:?}");
        }
        assert_eq!(validate_host(Some("my_db")).map(|i| i.severity), Some(Severity::Warning));
        assert_eq!(validate_host(Some("a,,b")).map(|i| i.severity), Some(Severity::Warning));
    }

    #[test]
    fn ports() {
        assert!(validate_port(Some("5432"), 1).is_none());
        assert!(validate_port(Some("1,65535"), 2).is_none());
        assert!(validate_port(Some("5432"), 3).is_none());
        assert!(validate_port(Some("5432,"), 2).is_none());
        for bad in ["0", "65536", "54a", "+5432", " 5432", "-1"] {
            assert!(validate_port(Some(bad), 1).is_some(), "{bad}");
        }
        let n = validate_port(Some("1,2,3"), 2).unwrap();
        assert_eq!(n.message, "3 ports for 2 hosts: give one port for all, or one per host.");
    }

    #[test]
    fn files_and_tls() {
        let dir = std::env::temp_dir().join(format!("sluice-validate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert = dir.join("client.crt");
        std::fs::write(&cert, "x").unwrap();
        let cert = cert.to_str().unwrap();

        let v = validate("n", &info(&[("sslmode", "verify-full"), ("sslrootcert", "system")]), NONE);
        assert!(v.is_empty(), "{v:?}");

        let v = validate("n", &info(&[("sslmode", "verify-full")]), NONE);
        assert_eq!(v.get("sslrootcert").map(|i| i.severity), Some(Severity::Warning));
        assert!(!v.is_blocking());
        // Without a root certificate verify-ca fails to connect, as libpq's: a warning, not a refusal.
        let v = validate("n", &info(&[("sslmode", "verify-ca")]), NONE);
        assert_eq!(v.get("sslrootcert").map(|i| i.severity), Some(Severity::Warning));
        assert!(v.get("sslrootcert").unwrap().message.contains("the connection will fail"));
        for mode in ["verify-ca", "require", "prefer", "disable"] {
            let v = validate("n", &info(&[("sslmode", mode), ("sslrootcert", "system")]), NONE);
            assert_eq!(v.get("sslrootcert").map(|i| i.severity), Some(Severity::Error), "{mode}");
        }
        // sslrootcert=system alone means verify-full, as in libpq 16.
        assert!(validate("n", &info(&[("sslrootcert", "system")]), NONE).is_empty());

        // Missing files and a certificate without its key are warnings:
        // libpq sends no certificate, verifies nothing, or looks for its default key.
        let v = validate("n", &info(&[("sslcert", cert)]), NONE);
        assert_eq!(v.get("sslkey").map(|i| i.severity), Some(Severity::Warning));
        assert!(!v.is_blocking());

        let v = validate("n", &info(&[("sslkey", "/nonexistent/k.key"), ("sslrootcert", "~/root.crt")]), NONE);
        assert!(v.get("sslkey").unwrap().message.starts_with("File \"/nonexistent/k.key\" not found."));
        assert!(!v.is_blocking());
        assert!(v.get("sslcert").is_some());
        assert!(v.get("sslrootcert").unwrap().message.contains("does not expand"));

        let v = validate("n", &info(&[("sslrootcert", dir.to_str().unwrap())]), NONE);
        assert!(v.get("sslrootcert").unwrap().message.contains("is a directory"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fixed_value_keywords() {
        let v = validate("n", &info(&[("channel_binding", "requires"), ("target_session_attrs", "read-write")]), NONE);
        let issue = v.get("channel_binding").unwrap();
        assert_eq!(issue.message, "\"requires\" is not a valid channel_binding: use disable, prefer or require.");
        assert!(v.get("target_session_attrs").is_none());
        assert!(validate("n", &info(&[("load_balance_hosts", "rand")]), NONE).is_blocking());
    }

    #[test]
    fn serializes_as_a_list_in_snake_case() {
        let v = validate("", &info(&[("port", "0")]), NONE);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"field": "name", "severity": "error", "message": "Enter a name for this connection."},
                {"field": "port", "severity": "error", "message": "\"0\" is not a port number (1 to 65535)."}
            ])
        );
    }
}
