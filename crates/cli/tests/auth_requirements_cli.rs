//! libpq 16's login requirements, `require_auth` and `sslcertmode`, with
//! libpq 18 as the ground truth: the system's psql run against PostgreSQL
//! 18's libpq (`sluice_harness::pg_bin::psql_with_libpq`), both with a
//! fresh HOME.
//! - `require_auth`: for trust, password, md5, scram-sha-256 and
//!   client-certificate logins, plain and over TLS, and every kind of list,
//!   `sluice test` connects where psql connects; where psql refuses, Sluice
//!   refuses with libpq's own words in `detail`. A refused request is never
//!   answered: a wrong password is not sent.
//! - `sslcertmode` (disable, allow, require) against every sslmode, with and
//!   without a certificate, and libpq's default `~/.postgresql/postgresql.crt`.

use serde_json::Value;
use sluice_harness::{pg_bin, Cluster};
use std::process::Command;
use std::time::{Duration, Instant};

const LIBPQ: u32 = 18;
const USERS: [&str; 5] = ["u_trust", "u_pw", "u_md5", "u_scram", "u_cert"];

fn cluster() -> Cluster {
    let c = Cluster::builder()
        .tls()
        .hba("host all u_trust 127.0.0.1/32 trust")
        .hba("host all u_pw 127.0.0.1/32 password")
        .hba("host all u_md5 127.0.0.1/32 md5")
        .hba("host all u_scram 127.0.0.1/32 scram-sha-256")
        .hba("hostssl all u_cert 127.0.0.1/32 cert")
        .start();
    c.psql(
        "CREATE ROLE u_trust LOGIN; CREATE ROLE u_pw LOGIN PASSWORD 'pw'; CREATE ROLE u_scram LOGIN PASSWORD 'pw'; \
         CREATE ROLE u_cert LOGIN; SET password_encryption = md5; CREATE ROLE u_md5 LOGIN PASSWORD 'pw'",
    );
    c
}

fn conninfo(c: &Cluster, user: &str, password: &str, sslmode: &str, require_auth: &str) -> String {
    let mut s = format!(
        "host=127.0.0.1 port={} dbname=postgres user={user} password={password} sslmode={sslmode} connect_timeout=5 require_auth='{require_auth}'",
        c.port()
    );
    if user == "u_cert" {
        let (cert, key) = c.pki().client_cert(user);
        s.push_str(&format!(" sslcert='{}' sslkey='{}'", cert.display(), key.display()));
    }
    s
}

const CLEAN_ENV: [&str; 5] = ["PGPASSWORD", "PGSSLMODE", "PGREQUIREAUTH", "PGCHANNELBINDING", "PGSERVICE"];

/// An empty HOME, so that nobody's ~/.postgresql or ~/.pgpass takes part.
fn empty_home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Ok, or libpq's message (what psql prints after "failed: ", or alone).
fn psql(conn: &str) -> Result<(), String> {
    let home = empty_home();
    psql_in(conn, home.path())
}

fn psql_in(conn: &str, home: &std::path::Path) -> Result<(), String> {
    let mut cmd = pg_bin::psql_with_libpq(LIBPQ);
    cmd.args(["-X", "-w", "-A", "-t", "-d", conn, "-c", "select 1"]).env("HOME", home);
    for v in CLEAN_ENV {
        cmd.env_remove(v);
    }
    let out = cmd.output().expect("psql");
    if out.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().next().unwrap_or_default().trim_start_matches("psql: error: ");
    Err(line.split_once(" failed: ").map_or(line, |(_, m)| m).to_owned())
}

fn sluice_output(conn: &str) -> std::process::Output {
    let home = empty_home();
    sluice_output_in(conn, home.path())
}

fn sluice_output_in(conn: &str, home: &std::path::Path) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sluice"));
    cmd.args(["test", conn, "--json"]).env("HOME", home);
    for v in CLEAN_ENV {
        cmd.env_remove(v);
    }
    cmd.output().unwrap()
}

fn sluice(conn: &str) -> Value {
    let home = empty_home();
    sluice_in(conn, home.path())
}

fn sluice_in(conn: &str, home: &std::path::Path) -> Value {
    let out = sluice_output_in(conn, home);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// psql and `sluice test` given `conn` both connect (None) or both refuse
/// (libpq's message). A refusal that `ours` recognises as the requirement's
/// must be Sluice's `invalid_settings` at auth, with libpq's words in `detail`.
fn agree(label: &str, conn: &str, ours: impl Fn(&str) -> bool) -> Option<String> {
    let expected = psql(conn);
    let report = sluice(conn);
    match expected {
        Ok(()) => {
            assert_eq!(report["connected"], true, "{label}: psql connected; sluice: {report}");
            None
        }
        Err(libpq) => {
            assert_eq!(report["connected"], false, "{label}: psql refused ({libpq}); sluice connected");
            if ours(&libpq) {
                assert_eq!(report["error"]["code"], "invalid_settings", "{label}: {report}");
                assert_eq!(report["error"]["stage"], "auth", "{label}");
                assert_eq!(report["error"]["detail"], libpq.as_str(), "{label}: libpq's words");
            }
            Some(libpq)
        }
    }
}

#[test]
fn every_login_and_list_agrees_with_libpq_18() {
    let c = cluster();
    let values = [
        "password",
        "md5",
        "scram-sha-256",
        "none",
        "!password",
        "!md5",
        "!scram-sha-256",
        "!none",
        "oauth",
        "!oauth",
        "gss,sspi",
        "scram-sha-256,none",
        "password,md5",
        "!password,!md5",
    ];
    let (mut connected, mut refused) = (0, 0);
    for sslmode in ["disable", "prefer", "require"] {
        for user in USERS {
            if user == "u_cert" && sslmode == "disable" {
                continue;
            }
            for value in values {
                let conn = conninfo(&c, user, "pw", sslmode, value);
                let label = format!("{user}, sslmode={sslmode}, require_auth={value}");
                match agree(&label, &conn, |m| m.starts_with("authentication method requirement")) {
                    None => connected += 1,
                    Some(libpq) => {
                        assert!(libpq.starts_with("authentication method requirement"), "{label}: psql failed otherwise: {libpq}");
                        refused += 1;
                    }
                }
            }
        }
    }
    // Both outcomes were exercised, in numbers that only a working check gives.
    assert!(connected >= 60 && refused >= 60, "connected {connected}, refused {refused}");
}

#[test]
fn invalid_lists_are_refused_with_libpqs_message() {
    let c = cluster();
    for value in ["foo", "password,!md5", "!md5,password", "md5,md5", "!none,!none", "password,", " md5", "SCRAM-SHA-256"] {
        let conn = conninfo(&c, "u_scram", "pw", "disable", value);
        let libpq = psql(&conn).expect_err(value);
        // The CLI checks the settings before it connects, as libpq does.
        let out = sluice_output(&conn);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && out.stdout.is_empty(), "{value}: {stderr}");
        assert!(stderr.contains(&format!("require_auth: {libpq}.")), "{value}: libpq says {libpq:?}; sluice says {stderr:?}");
    }
}

#[test]
fn a_refused_request_gets_no_password() {
    let c = cluster();
    // A wrong password: had it been sent, the server would log its failure.
    for (user, sslmode) in [("u_pw", "disable"), ("u_pw", "require"), ("u_md5", "disable"), ("u_md5", "require")] {
        let report = sluice(&conninfo(&c, user, "wrong", sslmode, "scram-sha-256"));
        assert_eq!(report["error"]["code"], "invalid_settings", "{user} {sslmode}: {report}");
        let detail = report["error"]["detail"].as_str().unwrap();
        assert!(detail.contains("server requested a"), "{detail}");
    }
    // The control: an allowed request with the wrong password is answered,
    // and the server logs the failure (so the log is being written).
    let report = sluice(&conninfo(&c, "u_scram", "wrong", "disable", "scram-sha-256"));
    assert_eq!(report["error"]["code"], "auth_failed", "{report}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !c.log().contains("password authentication failed for user \"u_scram\"") {
        assert!(Instant::now() < deadline, "the control's failure never reached the log");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = c.log();
    for user in ["u_pw", "u_md5"] {
        assert!(!log.contains(&format!("authentication failed for user \"{user}\"")), "a password was sent for {user}");
    }
}

#[test]
fn sslcertmode_agrees_with_libpq_18() {
    let c = cluster();
    let (cert, key) = c.pki().client_cert("u_cert");
    let (mut connected, mut refused) = (0, 0);
    for user in ["u_trust", "u_pw", "u_cert"] {
        for sslmode in ["disable", "allow", "prefer", "require"] {
            for certmode in ["disable", "allow", "require"] {
                for with_cert in [false, true] {
                    let mut conn = format!(
                        "host=127.0.0.1 port={} dbname=postgres user={user} password=pw sslmode={sslmode} sslcertmode={certmode} connect_timeout=5",
                        c.port()
                    );
                    if with_cert {
                        conn.push_str(&format!(" sslcert='{}' sslkey='{}'", cert.display(), key.display()));
                    }
                    let label = format!("{user}, sslmode={sslmode}, sslcertmode={certmode}, certificate: {with_cert}");
                    match agree(&label, &conn, |m| m.contains("SSL certificate")) {
                        None => connected += 1,
                        Some(libpq) if libpq.contains("SSL certificate") => refused += 1,
                        Some(_) => {}
                    }
                }
            }
        }
    }
    assert!(connected >= 20 && refused >= 12, "connected {connected}, refused by sslcertmode {refused}");
}

#[test]
fn the_default_client_certificate_is_libpqs() {
    let c = cluster();
    let (cert, key) = c.pki().client_cert("u_cert");
    let home = empty_home();
    let dir = home.path().join(".postgresql");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&cert, dir.join("postgresql.crt")).unwrap();
    std::fs::copy(&key, dir.join("postgresql.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("postgresql.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    for (certmode, connects) in [("allow", true), ("require", true), ("disable", false)] {
        let conn = format!("host=127.0.0.1 port={} dbname=postgres user=u_cert sslmode=require sslcertmode={certmode}", c.port());
        assert_eq!(psql_in(&conn, home.path()).is_ok(), connects, "psql, sslcertmode={certmode}");
        let report = sluice_in(&conn, home.path());
        assert_eq!(report["connected"], connects, "sluice, sslcertmode={certmode}: {report}");
        if connects {
            assert_eq!(report["server"]["tls"]["client_certificate"], true, "{report}");
        }
    }
    // Without the files, the same string fails in both.
    let conn = format!("host=127.0.0.1 port={} dbname=postgres user=u_cert sslmode=require", c.port());
    assert!(psql(&conn).is_err());
    assert_eq!(sluice(&conn)["connected"], false);
}

#[test]
fn protocol_versions_are_checked_as_libpq_18_checks_them() {
    // The harness's server speaks 3.0 below PostgreSQL 18.
    let c = cluster();
    let base = format!("host=127.0.0.1 port={} dbname=postgres user=u_trust sslmode=disable", c.port());
    for (extra, connects) in [
        ("max_protocol_version=3.2", true),
        ("max_protocol_version=latest min_protocol_version=3.0", true),
        ("min_protocol_version=3.1", false),
        ("max_protocol_version=2.0", false),
        ("max_protocol_version=3.0 min_protocol_version=latest", false),
    ] {
        let conn = format!("{base} {extra}");
        assert_eq!(psql(&conn).is_ok(), connects, "psql: {extra}");
        let out = sluice_output(&conn);
        assert_eq!(out.status.success(), connects, "sluice: {extra}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // A minimum of 3.2: libpq 18 fails against this server; Sluice, which
    // speaks 3.0 only, fails whatever the server, and says why.
    let conn = format!("{base} min_protocol_version=3.2");
    assert!(psql(&conn).unwrap_err().contains("server only supports protocol version 3.0"));
    let report = sluice(&conn);
    assert_eq!(report["error"]["code"], "invalid_settings", "{report}");
    assert!(report["error"]["message"].as_str().unwrap().contains("Sluice speaks 3.0 only"), "{report}");
}
