//! Property tests: formatting is lossless. For any model, URI (and
//! `key=value`) formatting then parsing gives the same model back; and any
//! string that parses formats to one that parses to the same thing.

use proptest::prelude::*;
use sluice_conninfo::{format_keyvalue, format_uri, keywords::KEYWORDS, parse, ConnInfo, FormatOptions, SslMode};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Any text libpq could carry (no NUL), biased towards URI-hostile characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,16}", "[@:/?#%+&=,;'\"\\\\\\[\\] \t\n.~_-]{0,12}", "[^\\x00]{0,12}", Just(String::new()),]
}

fn dns_name() -> impl Strategy<Value = String> {
    "[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\\.[a-z]([a-z0-9-]{0,6}[a-z0-9])?){0,3}"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        dns_name(),
        any::<[u8; 4]>().prop_map(|o| Ipv4Addr::from(o).to_string()),
        any::<[u16; 8]>().prop_map(|s| Ipv6Addr::from(s).to_string()),
        Just("::1".to_owned()),
        (any::<[u16; 8]>(), "[a-z0-9]{1,6}").prop_map(|(s, zone)| format!("{}%{zone}", Ipv6Addr::from(s))),
        "/[a-z]{1,8}(/[a-z0-9._-]{1,8}){0,3}",
    ]
}

fn port() -> impl Strategy<Value = String> {
    (1u32..=65535).prop_map(|p| p.to_string())
}

/// `(host, port)`: one host or a list, with no port, one port, or one per host.
fn host_and_port() -> impl Strategy<Value = (Option<String>, Option<String>)> {
    let list = prop::collection::vec(host(), 1..4);
    (prop::option::of(list), 0u8..3, prop::collection::vec(prop::option::weighted(0.8, port()), 3)).prop_map(
        |(hosts, shape, ports)| {
            let n = hosts.as_ref().map_or(1, Vec::len);
            let port = match shape {
                0 => None,
                1 => ports[0].clone().or(Some("5432".to_owned())),
                _ => Some(ports.iter().take(n).map(|p| p.clone().unwrap_or_default()).collect::<Vec<_>>().join(",")),
            };
            (hosts.map(|h| h.join(",")), port)
        },
    )
}

fn sslmode() -> impl Strategy<Value = Option<SslMode>> {
    prop::option::of(prop::sample::select(SslMode::ALL.to_vec()))
}

/// Any other keyword (secrets included) with arbitrary text, each at most once.
fn others() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let names: Vec<&'static str> =
        KEYWORDS.iter().map(|k| k.name).filter(|k| !["host", "port", "sslmode", "connect_timeout"].contains(k)).collect();
    prop::collection::vec((prop::sample::select(names), text()), 0..8)
}

fn build(host: Option<String>, port: Option<String>, sslmode: Option<SslMode>, timeout: Option<String>, others: Vec<(&'static str, String)>) -> ConnInfo {
    let mut info = ConnInfo::default();
    for (k, v) in [("host", host), ("port", port), ("sslmode", sslmode.map(|m| m.as_str().to_owned())), ("connect_timeout", timeout)] {
        if let Some(v) = v {
            info.set(k, v).unwrap();
        }
    }
    for (k, v) in others {
        info.set(k, v).unwrap();
    }
    info
}

fn conninfo() -> impl Strategy<Value = ConnInfo> {
    (host_and_port(), sslmode(), prop::option::of((0u32..100).prop_map(|t| t.to_string())), others())
        .prop_map(|((host, port), sslmode, timeout, others)| build(host, port, sslmode, timeout, others))
}

/// The same model with host and port as arbitrary text.
fn wild_conninfo() -> impl Strategy<Value = ConnInfo> {
    (opt_text(), opt_text(), sslmode(), others()).prop_map(|(host, port, sslmode, others)| build(host, port, sslmode, None, others))
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

/// Strings shaped like connection strings, to reach deep into both parsers.
fn connstring() -> impl Strategy<Value = String> {
    prop_oneof!["(postgresql://|postgres://|host=|)[a-z0-9@:/?&=%,\\[\\]' \\\\.éA-F]{0,40}", "[^\\x00]{0,30}",]
}

proptest! {
    // 512 cases by default; PROPTEST_CASES overrides for longer runs.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn uri_round_trip(info in conninfo()) {
        let uri = format_uri(&info, FormatOptions::WITH_PASSWORD);
        let parsed = parse(&uri).map_err(|e| TestCaseError::fail(format!("{uri:?}: {e}")))?;
        prop_assert_eq!(&parsed.info, &info, "via {:?}", uri);
        prop_assert!(parsed.unknown.is_empty());
    }

    #[test]
    fn uri_round_trip_with_arbitrary_hosts_and_ports(info in wild_conninfo()) {
        let uri = format_uri(&info, FormatOptions::WITH_PASSWORD);
        let parsed = parse(&uri).map_err(|e| TestCaseError::fail(format!("{uri:?}: {e}")))?;
        prop_assert_eq!(&parsed.info, &info, "via {:?}", uri);
    }

    #[test]
    fn uri_without_password_round_trips_the_rest(info in conninfo()) {
        let uri = format_uri(&info, FormatOptions::WITHOUT_PASSWORD);
        let parsed = parse(&uri).map_err(|e| TestCaseError::fail(format!("{uri:?}: {e}")))?;
        prop_assert_eq!(&parsed.info, &info.without_secrets(), "via {:?}", uri);
    }

    #[test]
    fn keyvalue_round_trip(info in wild_conninfo()) {
        let kv = format_keyvalue(&info, FormatOptions::WITH_PASSWORD);
        let parsed = parse(&kv).map_err(|e| TestCaseError::fail(format!("{kv:?}: {e}")))?;
        prop_assert_eq!(&parsed.info, &info, "via {:?}", kv);
    }

    #[test]
    fn parse_never_panics_and_reformatting_is_stable(s in connstring()) {
        match parse(&s) {
            Ok(first) => {
                let uri = first.info.to_uri();
                let again = parse(&uri).map_err(|e| TestCaseError::fail(format!("{s:?} -> {uri:?}: {e}")))?;
                prop_assert_eq!(&again.info, &first.info, "{:?} -> {:?}", s, uri);
                prop_assert_eq!(again.info.to_uri(), uri);
            }
            // A refusal points into the input and says why.
            Err(e) => {
                let at = e.position().ok_or_else(|| TestCaseError::fail(format!("{s:?}: no position for {e}")))?;
                prop_assert!(at <= s.chars().count(), "{:?}: position {} past the end", s, at);
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}
