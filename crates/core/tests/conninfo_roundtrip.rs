//! Property tests: formatting is lossless. For any model, URI (and
//! `key=value`) formatting then parsing gives the same model back; and any
//! string that parses formats to one that parses to the same thing.

use proptest::prelude::*;
use sluice_core::conninfo::{format_keyvalue, format_uri, keywords::KEYWORDS, parse, ConnInfo, FormatOptions, SslMode};
use sluice_core::secret::Secret;
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

/// Untyped keywords with arbitrary values, each at most once.
fn extra() -> impl Strategy<Value = Vec<(String, String)>> {
    let untyped: Vec<&'static str> = KEYWORDS.iter().filter(|k| !k.typed).map(|k| k.name).collect();
    prop::collection::vec((prop::sample::select(untyped), text()), 0..4).prop_map(|pairs| {
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, v) in pairs {
            if !out.iter().any(|(o, _)| o == k) {
                out.push((k.to_owned(), v));
            }
        }
        out
    })
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn conninfo() -> impl Strategy<Value = ConnInfo> {
    (
        host_and_port(),
        (opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
        (sslmode(), opt_text(), opt_text(), opt_text(), opt_text()),
        (opt_text(), prop::option::of((0u32..100).prop_map(|t| t.to_string())), opt_text(), opt_text()),
        extra(),
    )
        .prop_map(
            |(
                (host, port),
                (user, password, dbname, application_name, options),
                (sslmode, sslrootcert, sslcert, sslkey, sslpassword),
                (hostaddr, connect_timeout, target_session_attrs, channel_binding),
                extra,
            )| ConnInfo {
                host,
                hostaddr,
                port,
                dbname,
                user,
                password: password.map(Secret::new),
                sslmode,
                sslrootcert,
                sslcert,
                sslkey,
                sslpassword: sslpassword.map(Secret::new),
                application_name,
                connect_timeout,
                options,
                target_session_attrs,
                channel_binding,
                extra,
            },
        )
}

/// The same model with every field, host and port included, arbitrary text.
fn wild_conninfo() -> impl Strategy<Value = ConnInfo> {
    (conninfo(), opt_text(), opt_text()).prop_map(|(mut info, host, port)| {
        info.host = host;
        info.port = port;
        info
    })
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
        let want = ConnInfo { password: None, sslpassword: None, ..info };
        prop_assert_eq!(&parsed.info, &want, "via {:?}", uri);
    }

    #[test]
    fn keyvalue_round_trip(info in wild_conninfo()) {
        let kv = format_keyvalue(&info, FormatOptions::WITH_PASSWORD);
        let parsed = parse(&kv).map_err(|e| TestCaseError::fail(format!("{kv:?}: {e}")))?;
        prop_assert_eq!(&parsed.info, &info, "via {:?}", kv);
    }

    #[test]
    fn parse_never_panics_and_reformatting_is_stable(s in connstring()) {
        if let Ok(first) = parse(&s) {
            let uri = first.info.to_uri();
            let again = parse(&uri).map_err(|e| TestCaseError::fail(format!("{s:?} -> {uri:?}: {e}")))?;
            prop_assert_eq!(&again.info, &first.info, "{:?} -> {:?}", s, uri);
            prop_assert_eq!(again.info.to_uri(), uri);
        }
    }
}
