//! Host lists and target_session_attrs, with psql as the ground truth: a
//! real primary and its streaming standby (pg_basebackup -R), plus a dead
//! host. For every target_session_attrs value and host order, psql given
//! the same string connects to the same server (inet_server_port(),
//! pg_is_in_recovery()) as `sluice test`, or both fail.

use serde_json::Value;
use sluice_harness::Cluster;
use std::process::Command;

/// (port, in recovery) where psql landed, or None when it failed.
fn psql_lands(conn: &str) -> Option<(u16, bool)> {
    let out = sluice_harness::pg_bin::psql()
        .args(["-X", "-w", "-A", "-t", "-F", "|", "-d", conn, "-c", "select inet_server_port(), pg_is_in_recovery()"])
        .env_remove("PGPASSWORD")
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (port, rec) = text.trim().split_once('|')?;
    Some((port.parse().ok()?, rec == "t"))
}

fn sluice_lands(conn: &str) -> (Option<(u16, bool)>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_sluice")).args(["test", conn, "--json"]).env_remove("PGPASSWORD").output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let landed = (v["connected"] == true).then(|| (v["server"]["backend_port"].as_u64().unwrap() as u16, v["server"]["in_recovery"] == true));
    (landed, v)
}

#[test]
fn every_target_session_attrs_and_host_order_lands_where_psql_lands() {
    let primary = Cluster::start_default();
    primary.create_role("app", "pw");
    let standby = primary.start_replica();
    // The standby replays the role: wait until it can log in.
    for _ in 0..100 {
        if standby.try_psql_in("postgres", "select 1 from pg_roles where rolname = 'app'").is_ok_and(|o| o.trim() == "1") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let dead = sluice_harness::free_port();
    let (p, s) = (primary.port(), standby.port());
    let orders: [(&str, Vec<u16>); 4] = [("primary,standby", vec![p, s]), ("standby,primary", vec![s, p]), ("dead,standby,primary", vec![dead, s, p]), ("dead,primary", vec![dead, p])];
    let mut checked = 0;
    for tsa in ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"] {
        for (label, ports) in &orders {
            let hosts = vec!["127.0.0.1"; ports.len()].join(",");
            let ports_s = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
            let conn = format!("host={hosts} port={ports_s} user=app password=pw dbname=postgres sslmode=disable connect_timeout=3 target_session_attrs={tsa}");
            let expected = psql_lands(&conn);
            let (got, report) = sluice_lands(&conn);
            assert_eq!(got, expected, "{tsa} over {label}: sluice {report}");
            let attempts = report["attempts"].as_array().unwrap();
            assert!(!attempts.is_empty(), "{tsa} over {label}: attempts listed");
            if ports[0] == dead {
                assert_eq!(attempts[0]["outcome"], "failed");
                assert_eq!(attempts[0]["code"], "refused");
            }
            if expected.is_none() {
                assert_eq!(report["error"]["code"], "wrong_session_type", "{tsa} over {label}: {report}");
            }
            for a in attempts.iter().filter(|a| a["outcome"] == "wrong_session_type") {
                assert!(a["reason"].as_str().unwrap().contains("target_session_attrs="), "{a}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 24);
}

#[test]
fn load_balancing_lands_on_a_fitting_host_and_a_standby_is_passed_over_by_name() {
    let primary = Cluster::start_default();
    primary.create_role("app", "pw");
    let standby = primary.start_replica();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (p, s) = (primary.port(), standby.port());
    // Random order: both hosts show up first over a few runs, and read-write always lands on the primary.
    let mut firsts = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let conn = format!("host=127.0.0.1,127.0.0.1 port={s},{p} user=app password=pw dbname=postgres sslmode=disable load_balance_hosts=random target_session_attrs=read-write");
        let (got, report) = sluice_lands(&conn);
        assert_eq!(got, Some((p, false)), "{report}");
        firsts.insert(report["attempts"][0]["port"].as_u64().unwrap());
        if firsts.len() == 2 {
            break;
        }
    }
    assert_eq!(firsts.len(), 2, "with load_balance_hosts=random either host can be tried first");
    // The standby passed over, with the hint.
    let conn = format!("host=127.0.0.1,127.0.0.1 port={s},{p} user=app password=pw dbname=postgres sslmode=disable target_session_attrs=primary");
    let (_, report) = sluice_lands(&conn);
    assert_eq!(report["attempts"][0]["outcome"], "wrong_session_type");
    assert!(report["attempts"][0]["reason"].as_str().unwrap().contains("this host is a standby; target_session_attrs=primary needs the primary"), "{report}");
    assert_eq!(report["attempts"][1]["outcome"], "connected");
}

#[test]
fn a_host_whose_name_does_not_resolve_is_an_attempt_in_its_place_and_the_next_one_is_tried() {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let port = pg.port();
    // `.invalid` never resolves (RFC 2606). psql moves on to the next host too.
    for (hosts, ports, unresolved_at) in [
        ("nowhere.invalid,127.0.0.1", format!("{port},{port}"), 0),
        ("127.0.0.1,nowhere.invalid,127.0.0.1", format!("{},{port},{port}", sluice_harness::free_port()), 1),
    ] {
        let conn = format!("host={hosts} port={ports} user=app password=pw dbname=postgres sslmode=disable connect_timeout=3");
        let expected = psql_lands(&conn);
        assert_eq!(expected, Some((port, false)), "psql over {hosts}");
        let (got, report) = sluice_lands(&conn);
        assert_eq!(got, expected, "{hosts}: {report}");
        let attempts = report["attempts"].as_array().unwrap();
        let hosts_tried: Vec<&str> = attempts.iter().map(|a| a["host"].as_str().unwrap()).collect();
        assert_eq!(hosts_tried, hosts.split(',').collect::<Vec<_>>(), "{hosts}: in the order given: {report}");
        let a = &attempts[unresolved_at];
        assert_eq!((a["outcome"].as_str(), a["address"].as_str(), a["code"].as_str()), (Some("failed"), None, Some("dns")), "{a}");
        assert_eq!(attempts.last().unwrap()["outcome"], "connected");
    }
    // No host resolves: the test fails at Resolve, and each is listed.
    let (got, report) = sluice_lands("host=a.invalid,b.invalid user=app dbname=postgres sslmode=disable");
    assert_eq!(got, None);
    assert_eq!(report["error"]["stage"], "resolve", "{report}");
    let listed: Vec<&str> = report["attempts"].as_array().unwrap().iter().map(|a| a["host"].as_str().unwrap()).collect();
    assert_eq!(listed, ["a.invalid", "b.invalid"], "{report}");
}
