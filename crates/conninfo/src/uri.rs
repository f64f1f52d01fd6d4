//! `postgresql://` URIs, parsed step for step like libpq's
//! `conninfo_uri_parse_options` and `conninfo_uri_parse_params` (fe-connect.c).
//!
//! libpq's quirks are kept on purpose, because the string will eventually be
//! handed to libpq-compatible clients and must mean the same thing there:
//! the userinfo look-ahead stops only at `@` or `/` (not `?`); hosts and
//! ports are collected as comma lists even when ports are missing (so
//! `h1,h2` gives port `","`); an empty user, password, host list, port list
//! or dbname is not stored at all; query parameters override earlier parts.

use super::parse::Builder;
use super::ParseError;

const PREFIXES: [&str; 2] = ["postgresql://", "postgres://"];

/// Parse `input[start..end]`, which must begin with the scheme. All offsets
/// are bytes into the whole `input`, so errors point into what the user typed.
pub(crate) fn parse_into(b: &mut Builder<'_>, start: usize, end: usize) -> Result<(), ParseError> {
    let input = b.input;
    let s = input.as_bytes();
    let text = input.get(start..end).unwrap_or("");
    let Some(prefix) = PREFIXES.iter().find(|p| text.starts_with(**p)) else {
        let found = match text.find("://") {
            Some(i) => &text[..i + 3],
            None => text,
        };
        return Err(ParseError::WrongScheme { found: found.to_owned(), position: b.pos(start) });
    };
    // Reads past `end` as NUL, like the C code reading up to the terminator.
    let at = |i: usize| if i < end { s[i] } else { 0 };
    let start = start + prefix.len();

    // Look ahead for the userinfo's "@"; only "/" stops the search.
    let mut p = start;
    while !matches!(at(p), 0 | b'@' | b'/') {
        p += 1;
    }
    if at(p) == b'@' {
        let mut q = start;
        while !matches!(at(q), 0 | b':' | b'@') {
            q += 1;
        }
        if q > start {
            let user = decode(b, start, q)?;
            b.store("user", user, start)?;
        }
        if at(q) == b':' {
            let pw_start = q + 1;
            q = pw_start;
            while !matches!(at(q), 0 | b'@') {
                q += 1;
            }
            if q > pw_start {
                let password = decode(b, pw_start, q).map_err(ParseError::redacted)?;
                b.store("password", password, pw_start)?;
            }
        }
        p = q + 1;
    } else {
        p = start;
    }

    // netloc[:port] pairs separated by commas. Decoding waits until the
    // whole list is read, as libpq decodes the joined buffers afterwards.
    let mut hosts: Vec<(usize, usize)> = Vec::new();
    let mut ports: Vec<Option<(usize, usize)>> = Vec::new();
    let mut prevchar;
    loop {
        let (host_start, host_end);
        if at(p) == b'[' {
            let open = p;
            p += 1;
            host_start = p;
            while !matches!(at(p), 0 | b']') {
                p += 1;
            }
            if at(p) == 0 {
                return Err(ParseError::UnterminatedIpv6 { position: b.pos(open) });
            }
            if p == host_start {
                return Err(ParseError::EmptyIpv6 { position: b.pos(open) });
            }
            host_end = p;
            p += 1;
            if !matches!(at(p), 0 | b':' | b'/' | b'?' | b',') {
                let found = input.get(p..end).and_then(|r| r.chars().next()).unwrap_or('?');
                return Err(ParseError::UnexpectedCharacter { found, position: b.pos(p) });
            }
        } else {
            host_start = p;
            while !matches!(at(p), 0 | b':' | b'/' | b'?' | b',') {
                p += 1;
            }
            host_end = p;
        }
        prevchar = at(p);
        hosts.push((host_start, host_end));

        let mut port = None;
        if prevchar == b':' {
            p += 1;
            let port_start = p;
            while !matches!(at(p), 0 | b'/' | b'?' | b',') {
                p += 1;
            }
            port = Some((port_start, p));
            prevchar = at(p);
        }
        ports.push(port);

        if prevchar != b',' {
            break;
        }
        p += 1;
    }

    // Stored only when the joined raw buffer is non-empty (libpq's `data[0]` test).
    let raw_hosts_empty = hosts.len() == 1 && hosts[0].0 == hosts[0].1;
    if !raw_hosts_empty {
        let mut joined = Vec::with_capacity(hosts.len());
        for &(hs, he) in &hosts {
            let h = decode(b, hs, he)?;
            // An unencoded "@" in a password ends the userinfo early and the
            // rest of the password lands here.
            if input.get(hs..he).is_some_and(|raw| raw.contains('@')) {
                // The host is not quoted: what precedes the "@" may be the rest of the password.
                b.warn("a host contains \"@\": if it is part of the password, write it as %40".to_owned());
            }
            joined.push(h);
        }
        b.store("host", joined.join(","), hosts[0].0)?;
    }
    let raw_ports_empty = ports.len() == 1 && ports[0].is_none_or(|(ps, pe)| ps == pe);
    if !raw_ports_empty {
        let mut joined = Vec::with_capacity(ports.len());
        let mut first = None;
        for &port in &ports {
            match port {
                Some((ps, pe)) => {
                    first.get_or_insert(ps);
                    joined.push(decode(b, ps, pe)?);
                }
                None => joined.push(String::new()),
            }
        }
        b.store("port", joined.join(","), first.unwrap_or(hosts[0].0))?;
    }

    // The path is the dbname; an empty one is not stored.
    if prevchar != 0 && prevchar != b'?' {
        p += 1;
        let db_start = p;
        while !matches!(at(p), 0 | b'?') {
            p += 1;
        }
        prevchar = at(p);
        if p > db_start {
            let dbname = decode(b, db_start, p)?;
            b.store("dbname", dbname, db_start)?;
        }
    }

    if prevchar != 0 {
        parse_query(b, p + 1, end)?;
    }
    Ok(())
}

/// `key=value&...`, each part percent-decoded, each pair stored in order.
fn parse_query(b: &mut Builder<'_>, mut p: usize, end: usize) -> Result<(), ParseError> {
    let input = b.input;
    let s = input.as_bytes();
    let at = |i: usize| if i < end { s[i] } else { 0 };
    while at(p) != 0 {
        let param_start = p;
        let mut eq: Option<usize> = None;
        loop {
            match at(p) {
                b'=' => {
                    if let Some(first) = eq {
                        let mut param_end = p;
                        while !matches!(at(param_end), 0 | b'&') {
                            param_end += 1;
                        }
                        let key = input.get(param_start..first).unwrap_or("");
                        // Never echo a secret's value, even a malformed one.
                        let parameter = if is_secret_key(key) {
                            format!("{key}=\u{2026}")
                        } else {
                            input.get(param_start..param_end).unwrap_or("").to_owned()
                        };
                        return Err(ParseError::ExtraQuerySeparator { parameter, position: b.pos(p) });
                    }
                    eq = Some(p);
                    p += 1;
                }
                c @ (b'&' | 0) => {
                    let param_end = p;
                    if c != 0 {
                        p += 1;
                    }
                    let Some(eq) = eq else {
                        return Err(ParseError::MissingQuerySeparator {
                            parameter: input.get(param_start..param_end).unwrap_or("").to_owned(),
                            position: b.pos(param_start),
                        });
                    };
                    let key = decode(b, param_start, eq)?;
                    let value = decode(b, eq + 1, param_end)
                        .map_err(|e| if is_secret_key(&key) { e.redacted() } else { e })?;
                    // libpq's JDBC compatibility: ssl=true means sslmode=require.
                    if key == "ssl" && value == "true" {
                        b.store("sslmode", "require".to_owned(), eq + 1)?;
                    } else {
                        b.store(&key, value, eq + 1)?;
                    }
                    break;
                }
                _ => p += 1,
            }
        }
    }
    Ok(())
}

/// A query key naming a secret keyword (raw or percent-encoded).
fn is_secret_key(key: &str) -> bool {
    let decoded = key.replace("%5F", "_").replace("%5f", "_").to_ascii_lowercase();
    super::keywords::is_secret(key) || super::keywords::is_secret(&decoded)
}

/// libpq's `conninfo_uri_decode` on `input[start..end]`: `%XX` (either case)
/// becomes the byte, `%00` and malformed tokens are refused; `+` stays `+`.
/// The bytes must then form UTF-8, since the model holds text.
fn decode(b: &Builder<'_>, start: usize, end: usize) -> Result<String, ParseError> {
    let s = b.input.as_bytes();
    let mut out = Vec::with_capacity(end.saturating_sub(start));
    // Source offset of each output byte, to place a UTF-8 error.
    let mut src = Vec::with_capacity(end.saturating_sub(start));
    let mut i = start;
    while i < end {
        if s[i] != b'%' {
            out.push(s[i]);
            src.push(i);
            i += 1;
            continue;
        }
        let hi = if i + 1 < end { hex(s[i + 1]) } else { None };
        let lo = if i + 2 < end { hex(s[i + 2]) } else { None };
        match (hi, lo) {
            (Some(hi), Some(lo)) => {
                let c = (hi << 4) | lo;
                if c == 0 {
                    return Err(ParseError::ForbiddenNul { position: b.pos(i) });
                }
                out.push(c);
                src.push(i);
                i += 3;
            }
            _ => {
                let rest = b.input.get(i + 1..end).unwrap_or("");
                let token: String = std::iter::once('%').chain(rest.chars().take(2)).collect();
                return Err(ParseError::InvalidPercentToken { token, position: b.pos(i) });
            }
        }
    }
    String::from_utf8(out).map_err(|e| {
        let at = src.get(e.utf8_error().valid_up_to()).copied().unwrap_or(start);
        ParseError::InvalidUtf8 { position: b.pos(at) }
    })
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_uri;

    #[test]
    fn errors_and_warnings_never_quote_a_password() {
        for uri in [
            "postgresql://h?password=top=secret",
            "postgresql://h?password=top%zzsecret",
            "postgresql://h?sslpassword=top%zzsecret",
            "postgresql://h?password%5Fx=1&password=a=secret",
            "postgresql://u:top%zzsecret@h",
        ] {
            let e = parse_uri(uri).unwrap_err();
            let text = e.to_string();
            assert!(!text.contains("secret") && !text.contains("zz"), "{uri}: {text}");
            assert!(e.position().is_some());
        }
        let p = parse_uri("postgresql://u:top@secret@h").unwrap();
        assert!(p.warnings.iter().all(|w| !w.contains("secret")), "{:?}", p.warnings);
        // Other parameters are still quoted, to point at the mistake.
        assert!(parse_uri("postgresql://h?dbname=a=b").unwrap_err().to_string().contains("dbname=a=b"));
    }

    #[test]
    fn userinfo_lookahead_ignores_question_mark_like_libpq() {
        // libpq reads "h?user=a" as the user: only "/" stops the search for "@".
        let p = parse_uri("postgresql://h?user=a@b").unwrap();
        assert_eq!(p.info.get("user"), Some("h?user=a"));
        assert_eq!(p.info.get("host"), Some("b"));
    }

    #[test]
    fn missing_ports_still_make_a_port_list() {
        let p = parse_uri("postgresql://a,b,c").unwrap();
        assert_eq!(p.info.get("host"), Some("a,b,c"));
        assert_eq!(p.info.get("port"), Some(",,"));
    }

    #[test]
    fn truncated_percent_tokens() {
        for (uri, token) in [("postgresql://h/%", "%"), ("postgresql://h/%4", "%4"), ("postgresql://h/%4g", "%4g")] {
            let e = parse_uri(uri).unwrap_err();
            assert_eq!(e, super::ParseError::InvalidPercentToken { token: token.into(), position: 15 }, "{uri}");
        }
    }
}
