//! Write a [`ConnInfo`] back as a canonical URI (or `key=value` string).
//!
//! The URI form is `postgresql://user:password@host:port/dbname?k=v&...`.
//! The rule is losslessness: parsing the output (with libpq's rules, see
//! `uri.rs`) gives back exactly the same `ConnInfo`. So a value goes in its
//! URI slot only when the slot can carry it, and otherwise into the query:
//! empty values (libpq does not store an empty user, dbname... from the URI
//! body), socket directories (readable as `?host=/dir`), and host/port lists
//! whose shape the netloc cannot express (`h1,h2` without ports would come
//! back with port `","`).

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use super::{keywords, ConnInfo};

/// How to format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatOptions {
    /// Include the secret keywords (`password`, `sslpassword`...). Off for "Copy as URL without password".
    pub include_password: bool,
}

impl FormatOptions {
    pub const WITH_PASSWORD: FormatOptions = FormatOptions { include_password: true };
    pub const WITHOUT_PASSWORD: FormatOptions = FormatOptions { include_password: false };
}

impl Default for FormatOptions {
    fn default() -> Self {
        Self::WITH_PASSWORD
    }
}

/// The canonical `postgresql://` URI for `info`.
pub fn format_uri(info: &ConnInfo, options: FormatOptions) -> String {
    let mut out = String::from("postgresql://");
    let mut query: Vec<(&str, String)> = Vec::new();

    let password = info.password().filter(|_| options.include_password).map(|p| p.expose());
    let user = info.get("user");
    let user_in_body = user.filter(|u| !u.is_empty());
    let password_in_body = password.filter(|p| !p.is_empty());
    if user_in_body.is_some() || password_in_body.is_some() {
        if let Some(u) = user_in_body {
            out.push_str(&encode(u, is_unreserved));
        }
        if let Some(p) = password_in_body {
            out.push(':');
            out.push_str(&encode(p, is_unreserved));
        }
        out.push('@');
    }

    let netloc = plan_netloc(info.get("host"), info.get("port"));
    out.push_str(&netloc.text);

    match info.get("dbname") {
        Some(db) if !db.is_empty() => {
            out.push('/');
            out.push_str(&encode(db, is_unreserved));
        }
        _ => {}
    }

    // Query order: what could not go in the body, then the rest in
    // `to_params` order.
    for (key, value, in_body) in [
        ("host", info.get("host"), netloc.host_in_body),
        ("port", info.get("port"), netloc.port_in_body),
        ("dbname", info.get("dbname"), info.get("dbname").is_some_and(|d| !d.is_empty())),
        ("user", user, user_in_body.is_some()),
        ("password", password, password_in_body.is_some()),
    ] {
        if let (Some(v), false) = (value, in_body) {
            query.push((key, v.to_owned()));
        }
    }
    let body_keys = ["host", "port", "dbname", "user", "password"];
    for (k, v) in info.entries() {
        if body_keys.contains(&k) || (!options.include_password && keywords::is_secret(k)) {
            continue;
        }
        query.push((k, v.to_owned()));
    }

    for (i, (k, v)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&encode(v, is_query_safe));
    }
    out
}

/// A `key=value` conninfo string for `info`, values quoted where needed.
pub fn format_keyvalue(info: &ConnInfo, options: FormatOptions) -> String {
    let mut out = String::new();
    for (k, v) in info.entries() {
        if !options.include_password && keywords::is_secret(k) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
        out.push('=');
        if !v.is_empty() && v.bytes().all(is_bare_safe) {
            out.push_str(v);
        } else {
            out.push('\'');
            for c in v.chars() {
                if c == '\'' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('\'');
        }
    }
    out
}

impl ConnInfo {
    /// The canonical URI, password included.
    pub fn to_uri(&self) -> String {
        format_uri(self, FormatOptions::WITH_PASSWORD)
    }

    /// The canonical URI without any secret keyword.
    pub fn to_uri_without_password(&self) -> String {
        format_uri(self, FormatOptions::WITHOUT_PASSWORD)
    }
}

struct Netloc {
    text: String,
    host_in_body: bool,
    port_in_body: bool,
}

/// Decide what of host and port the netloc carries, so that libpq's netloc
/// parsing gives back exactly `host` and `port`.
fn plan_netloc(host: Option<&str>, port: Option<&str>) -> Netloc {
    let mut text = String::new();
    let hosts: Option<Vec<String>> = host.and_then(|h| h.split(',').map(netloc_host).collect::<Option<Vec<_>>>());

    let Some(hosts) = hosts else {
        // No host in the body. A single non-empty port can still go there
        // (":5432"); lists and empty ports cannot.
        let port_in_body = host.is_none() && port.is_some_and(|p| !p.is_empty() && !p.contains(','));
        if let (true, Some(p)) = (port_in_body, port) {
            text.push(':');
            text.push_str(&encode(p, is_unreserved));
        }
        return Netloc { text, host_in_body: false, port_in_body };
    };

    let ports: Option<Vec<&str>> = port.map(|p| p.split(',').collect());
    let ports_fit = match (&ports, port) {
        // "h:" would give no port at all, not an empty one.
        (Some(ps), Some(p)) => ps.len() == hosts.len() && !(hosts.len() == 1 && p.is_empty()),
        _ => false,
    };
    // Without ports in the body, a host list would come back with a port
    // list of commas; only a single host may go alone.
    if !ports_fit && hosts.len() > 1 {
        let port_in_body = false;
        return Netloc { text, host_in_body: false, port_in_body };
    }
    for (i, h) in hosts.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(h);
        if let (true, Some(ps)) = (ports_fit, &ports) {
            let p = ps.get(i).copied().unwrap_or("");
            if !p.is_empty() {
                text.push(':');
                text.push_str(&encode(p, is_unreserved));
            }
        }
    }
    Netloc { text, host_in_body: true, port_in_body: ports_fit }
}

/// One host as the netloc writes it, or `None` if it belongs in the query:
/// empty (libpq's default) or a socket directory (clearer as `?host=/dir`).
fn netloc_host(h: &str) -> Option<String> {
    if h.is_empty() || h.starts_with('/') || h.starts_with('@') {
        return None;
    }
    let addr = h.split_once('%').map_or(h, |(a, _zone)| a);
    if h.contains(':') && addr.parse::<Ipv6Addr>().is_ok() {
        Some(format!("[{}]", encode(h, |b| is_unreserved(b) || b == b':')))
    } else {
        Some(encode(h, is_unreserved))
    }
}

/// RFC 3986 unreserved: never needs encoding anywhere.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Left readable in query values: libpq splits only on `&`, `=` and decodes
/// `%`, and RFC 3986 allows `/`, `:` and `,` in a query. `@` is encoded
/// because libpq's userinfo look-ahead would find it even in the query.
fn is_query_safe(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'/' | b':' | b',')
}

/// Safe unquoted in `key=value`: no whitespace, quote or backslash.
fn is_bare_safe(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'/' | b':' | b',' | b'@' | b'+' | b'%')
}

fn encode(s: &str, keep: fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn info(params: &[(&str, &str)]) -> ConnInfo {
        ConnInfo::from_params(params.iter().copied()).unwrap()
    }

    #[test]
    fn canonical_shapes() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "postgresql://"),
            (
                &[("host", "h"), ("port", "5432"), ("dbname", "db"), ("user", "u"), ("password", "p")],
                "postgresql://u:p@h:5432/db",
            ),
            (&[("host", "/var/run/postgresql"), ("dbname", "db")], "postgresql:///db?host=/var/run/postgresql"),
            (&[("host", "::1"), ("port", "5432")], "postgresql://[::1]:5432"),
            (&[("host", "h1,h2"), ("port", "5432,5433")], "postgresql://h1:5432,h2:5433"),
            (&[("host", "h1,h2")], "postgresql://?host=h1,h2"),
            (&[("host", "h1,h2"), ("port", "5432")], "postgresql://?host=h1,h2&port=5432"),
            (&[("port", "5433")], "postgresql://:5433"),
            (&[("host", "h"), ("port", "")], "postgresql://h?port="),
            (&[("user", ""), ("dbname", "")], "postgresql://?dbname=&user="),
            (&[("password", "p")], "postgresql://:p@"),
            (
                &[("host", "h"), ("sslmode", "require"), ("keepalives", "1")],
                "postgresql://h?sslmode=require&keepalives=1",
            ),
            (&[("host", "h"), ("options", "-c search_path=a&b")], "postgresql://h?options=-c%20search_path%3Da%26b"),
        ];
        for (params, want) in cases {
            assert_eq!(format_uri(&info(params), FormatOptions::default()), *want, "{params:?}");
        }
    }

    #[test]
    fn hostile_password_is_encoded_and_survives() {
        let i = info(&[("host", "h"), ("user", "u"), ("password", "p@ss:w/rd?#%+ é")]);
        let uri = i.to_uri();
        assert_eq!(uri, "postgresql://u:p%40ss%3Aw%2Frd%3F%23%25%2B%20%C3%A9@h");
        assert_eq!(parse(&uri).unwrap().info, i);
    }

    #[test]
    fn without_password_drops_both_secrets() {
        let i = info(&[("host", "h"), ("user", "u"), ("password", "p"), ("sslpassword", "k")]);
        assert_eq!(i.to_uri_without_password(), "postgresql://u@h");
        assert_eq!(format_keyvalue(&i, FormatOptions::WITHOUT_PASSWORD), "host=h user=u");
    }

    #[test]
    fn keyvalue_quotes_what_needs_it() {
        let i = info(&[("host", "h"), ("password", "it's a \\ test"), ("dbname", "")]);
        assert_eq!(format_keyvalue(&i, FormatOptions::default()), r"host=h dbname='' password='it\'s a \\ test'");
    }
}
