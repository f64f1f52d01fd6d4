//! The harness's own tests: if these fail, every other suite's results are void.

use sluice_harness::{keyring_env, pg_bin, Cluster};
use std::process::Command;

fn psql_as(cluster: &Cluster, conninfo: &str, sql: &str) -> Result<String, String> {
    let out = Command::new(pg_bin::bin("psql"))
        .args(["-X", "-A", "-t", "-c", sql, conninfo])
        .env_remove("PGPASSWORD")
        .output()
        .expect("psql");
    let _ = cluster;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn cluster_starts_answers_and_stops() {
    let mut pg = Cluster::start_default();
    assert_eq!(pg.psql("SELECT 40 + 2"), "42");
    pg.create_role("alice", "pa ss'word");
    let url = pg.url("alice", "pa ss'word", "postgres");
    assert_eq!(psql_as(&pg, &url, "SELECT current_user").unwrap(), "alice");
    // scram-sha-256 is in force: a wrong password is refused.
    let bad = pg.url("alice", "wrong", "postgres");
    let err = psql_as(&pg, &bad, "SELECT 1").unwrap_err();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(pg.log().contains("SELECT 40 + 2"), "log_statement=all should log statements");
    let port = pg.port();
    pg.stop();
    assert!(!pg.is_running());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "port still open after stop");
}

#[test]
fn tls_verify_full_succeeds_and_mismatch_is_refused() {
    let pg = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 scram-sha-256").start();
    pg.create_role("bob", "secret");
    let ca = pg.pki().ca_cert();
    let ok = format!(
        "host=localhost port={} user=bob password=secret dbname=postgres sslmode=verify-full sslrootcert={}",
        pg.port(),
        ca.display()
    );
    assert_eq!(psql_as(&pg, &ok, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").unwrap(), "t");
    // 127.0.0.2 reaches the same server but is not named by its certificate.
    let mismatch = ok.replace("host=localhost", "host=127.0.0.2");
    let err = psql_as(&pg, &mismatch, "SELECT 1").unwrap_err();
    assert!(err.contains("does not match host name"), "{err}");
    // hostssl-only: a plain connection has no pg_hba entry.
    let plain = ok.replace("sslmode=verify-full", "sslmode=disable");
    let err = psql_as(&pg, &plain, "SELECT 1").unwrap_err();
    assert!(err.contains("no pg_hba.conf entry"), "{err}");
}

#[test]
fn client_certificate_auth_works() {
    let pg = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 cert").start();
    pg.psql("CREATE ROLE carol LOGIN");
    let (cert, key) = pg.pki().client_cert("carol");
    let conninfo = format!(
        "host=localhost port={} user=carol dbname=postgres sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        pg.port(),
        pg.pki().ca_cert().display(),
        cert.display(),
        key.display()
    );
    assert_eq!(psql_as(&pg, &conninfo, "SELECT current_user").unwrap(), "carol");
}

#[test]
fn keyring_round_trip_on_the_real_secret_service() {
    keyring_env::require_secret_service();
    let entry = keyring::Entry::new("dev.sluice.harness-test", &format!("roundtrip-{}", std::process::id())).unwrap();
    entry.set_password("p@ss:w/rd é").unwrap();
    // A second handle reads it back from the daemon, not from a cache.
    let again = keyring::Entry::new("dev.sluice.harness-test", &format!("roundtrip-{}", std::process::id())).unwrap();
    assert_eq!(again.get_password().unwrap(), "p@ss:w/rd é");
    again.delete_credential().unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
}

#[test]
fn pgbouncer_starts_relays_and_stops_with_its_whole_process_group() {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let mut bouncer = sluice_harness::pgbouncer::PgBouncer::start(&pg, "app", "pw");
    let url = format!("postgresql://app:pw@127.0.0.1:{}/postgres?sslmode=disable", bouncer.port());
    assert_eq!(psql_as(&pg, &url, "SELECT current_user").unwrap(), "app");
    assert!(bouncer.group_alive());
    bouncer.stop();
    assert!(!bouncer.group_alive(), "pgbouncer must not outlive its test");
    assert!(std::net::TcpStream::connect(("127.0.0.1", bouncer.port())).is_err());
}
