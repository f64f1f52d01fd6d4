//! IPv4 addresses as libpq reads them: with `inet_aton`, which takes more
//! than dotted quads (`192.000.002.001`, `0xc0.0.2.1`, `3221225985`).

use std::net::Ipv4Addr;

/// `inet_aton` as glibc has it: one to four parts separated by dots, each
/// decimal, octal (a leading 0) or hexadecimal (0x); the last part fills
/// the bytes left; what follows a blank is ignored.
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let s = s.split([' ', '\t', '\n']).next()?;
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for p in &parts {
        values.push(parse_part(p)?);
    }
    let (last, head) = values.split_last()?;
    if head.iter().any(|v| *v > 0xff) {
        return None;
    }
    let room = 8 * (4 - head.len());
    if room < 32 && *last >= 1u64 << room {
        return None;
    }
    let mut n: u64 = *last;
    for (i, v) in head.iter().enumerate() {
        n |= v << (24 - 8 * i);
    }
    u32::try_from(n).ok().map(Ipv4Addr::from)
}

fn parse_part(p: &str) -> Option<u64> {
    if p.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        // "0x" alone is 0 to glibc.
        return (radix == 16).then_some(0);
    }
    u64::from_str_radix(digits, radix).ok().filter(|v| *v <= u32::MAX as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_reads_what_glibc_reads() {
        for (s, want) in [
            ("192.0.2.1", Some("192.0.2.1")),
            ("192.000.002.001", Some("192.0.2.1")),
            ("0xc0.0.2.1", Some("192.0.2.1")),
            ("3221225985", Some("192.0.2.1")),
            ("192.0.513", Some("192.0.2.1")),
            ("127.1", Some("127.0.0.1")),
            ("010.0.0.1", Some("8.0.0.1")),
            ("1.2.3.4 trailing", Some("1.2.3.4")),
            ("256.0.0.1", None),
            ("1.2.3.4.5", None),
            ("09.0.0.1", None),
            ("", None),
            ("host.example", None),
            ("1..2", None),
        ] {
            assert_eq!(inet_aton(s).map(|a| a.to_string()).as_deref(), want, "{s:?}");
        }
    }

}
