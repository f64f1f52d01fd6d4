//! Does the server's certificate name the host? libpq's rules
//! (`fe-secure-common.c`, `fe-secure-openssl.c`), with its messages:
//!
//! - The host is an IP address when `inet_aton` (IPv4, which also takes
//!   `192.000.002.001`, `0xc0.0.2.1` or `3221225985`) or `inet_pton` (IPv6)
//!   reads it.
//! - Every subjectAltName is examined: a dNSName matches the host's text
//!   case-insensitively, or as a wildcard `*.example.com` for exactly one
//!   label; an iPAddress matches the host read as an address of the same
//!   length (so `192.000.002.001` matches 192.0.2.1, and `::1/128` nothing).
//! - The Common Name is examined only when no SAN is of the host's kind
//!   (DNS for a name, IP for an address) and none matched: a certificate
//!   with DNS SANs ignores its CN for a host name, but a certificate with
//!   only IP SANs falls back to its CN, and an IP host meeting DNS-only
//!   SANs too. The CN is matched as text.
//! - Failing, the message names the first name examined and how many
//!   others there were.

use crate::conninfo::inet::inet_aton;
use std::net::{Ipv4Addr, Ipv6Addr};

/// One subjectAltName of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum San {
    Dns(Vec<u8>),
    /// 4 or 16 bytes (anything else is an invalid certificate).
    Ip(Vec<u8>),
}

/// `Ok(())` when the certificate names `host`; else libpq's message.
pub(crate) fn check(host: &str, sans: &[San], common_name: Option<&[u8]>) -> Result<(), String> {
    if host.is_empty() {
        return Err("host name must be specified for a verified SSL connection".into());
    }
    let host_is_ip = is_ip_address(host);
    let mut examined = 0usize;
    let mut first: Option<String> = None;
    let mut check_cn = true;
    for san in sans {
        let (matched, shown) = match san {
            San::Dns(name) => {
                if !host_is_ip {
                    check_cn = false;
                }
                (name_matches(name, host)?, String::from_utf8_lossy(name).into_owned())
            }
            San::Ip(addr) => {
                if host_is_ip {
                    check_cn = false;
                }
                ip_matches(addr, host)?
            }
        };
        examined += 1;
        if matched {
            return Ok(());
        }
        first.get_or_insert(shown);
    }
    if check_cn {
        if let Some(cn) = common_name {
            examined += 1;
            if name_matches(cn, host)? {
                return Ok(());
            }
            first.get_or_insert(String::from_utf8_lossy(cn).into_owned());
        }
    }
    Err(match (examined, first) {
        (0, _) | (_, None) => "could not get server's host name from server certificate".into(),
        (1, Some(name)) => format!("server certificate for \"{name}\" does not match host name \"{host}\""),
        (n, Some(name)) => {
            let others = n - 1;
            let word = if others == 1 { "name" } else { "names" };
            format!("server certificate for \"{name}\" (and {others} other {word}) does not match host name \"{host}\"")
        }
    })
}

/// `pq_verify_peer_name_matches_certificate_name`: the whole name as text,
/// or a leading-label wildcard.
fn name_matches(name: &[u8], host: &str) -> Result<bool, String> {
    if name.contains(&0) {
        return Err("SSL certificate's name contains embedded null".into());
    }
    let name = String::from_utf8_lossy(name);
    Ok(name.eq_ignore_ascii_case(host) || wildcard_matches(&name, host))
}

/// `wildcard_certificate_match`: `*.b.c` matches `a.b.c`, not `b.c` nor `x.a.b.c`.
fn wildcard_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.as_bytes(), host.as_bytes());
    if p.len() < 3 || p[0] != b'*' || p[1] != b'.' || p.len() > h.len() {
        return false;
    }
    let tail = &h[h.len() - (p.len() - 1)..];
    if !tail.eq_ignore_ascii_case(&p[1..]) {
        return false;
    }
    // No dot left of where the pattern started to match.
    !h[..h.len() - (p.len() - 1)].contains(&b'.')
}

/// `pq_verify_peer_name_matches_certificate_ip`: (matched, the address as shown).
fn ip_matches(addr: &[u8], host: &str) -> Result<(bool, String), String> {
    match addr.len() {
        4 => {
            let cert = Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]);
            Ok((inet_aton(host) == Some(cert), cert.to_string()))
        }
        16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(addr);
            let cert = Ipv6Addr::from(b);
            Ok((host.parse::<Ipv6Addr>().ok() == Some(cert), cert.to_string()))
        }
        n => Err(format!("certificate contains IP address with invalid length {n}")),
    }
}

/// libpq's `is_ip_address`: `inet_aton` or `inet_pton(AF_INET6)` reads it.
pub(crate) fn is_ip_address(host: &str) -> bool {
    inet_aton(host).is_some() || host.parse::<Ipv6Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(s: &str) -> San {
        San::Dns(s.as_bytes().to_vec())
    }

    #[test]
    fn libpqs_name_rules() {
        // SANs of the host's kind exclude the CN.
        let sans = [dns("dns1.alt-name.pg-ssltest.test"), dns("dns2.alt-name.pg-ssltest.test")];
        assert!(check("DNS2.alt-name.pg-ssltest.test", &sans, Some(b"common-name.pg-ssltest.test")).is_ok());
        assert_eq!(
            check("common-name.pg-ssltest.test", &sans, Some(b"common-name.pg-ssltest.test")).unwrap_err(),
            "server certificate for \"dns1.alt-name.pg-ssltest.test\" (and 1 other name) does not match host name \"common-name.pg-ssltest.test\""
        );
        // Only IP SANs: a host name falls back to the CN.
        let ips = [San::Ip(vec![192, 0, 2, 1]), San::Ip(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets().to_vec())];
        assert!(check("common-name.pg-ssltest.test", &ips, Some(b"common-name.pg-ssltest.test")).is_ok());
        assert!(check("192.000.002.001", &ips, None).is_ok());
        assert!(check("2001:db8::0.0.0.1", &ips, None).is_ok());
        assert_eq!(check("::1", &ips, None).unwrap_err(), "server certificate for \"192.0.2.1\" (and 1 other name) does not match host name \"::1\"");
        assert!(check("2001:DB8::1/128", &ips, None).is_err());
        // An IP in the CN matches as text only.
        assert!(check("192.0.2.1", &[], Some(b"192.0.2.1")).is_ok());
        assert_eq!(check("192.000.002.001", &[], Some(b"192.0.2.1")).unwrap_err(), "server certificate for \"192.0.2.1\" does not match host name \"192.000.002.001\"");
        // An IP host with DNS-only SANs falls back to the CN; an IP in a dNSName matches as text.
        assert!(check("192.0.2.1", &[dns("dns1.example")], Some(b"192.0.2.1")).is_ok());
        assert!(check("192.0.2.1", &[dns("192.0.2.1")], None).is_ok());
        // Wildcards: one label only.
        let w = [dns("*.wildcard.pg-ssltest.test")];
        assert!(check("foo.wildcard.pg-ssltest.test", &w, None).is_ok());
        assert!(check("deep.subdomain.wildcard.pg-ssltest.test", &w, None).is_err());
        assert!(check("wildcard.pg-ssltest.test", &w, None).is_err());
        assert_eq!(check("x", &[], None).unwrap_err(), "could not get server's host name from server certificate");
        assert_eq!(check("", &[], None).unwrap_err(), "host name must be specified for a verified SSL connection");
        assert!(check("a", &[San::Dns(b"a\0b".to_vec())], None).unwrap_err().contains("embedded null"));
    }
}
