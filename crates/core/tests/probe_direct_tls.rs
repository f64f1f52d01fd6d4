//! `sslnegotiation=direct` (libpq 17): TLS at once with ALPN "postgresql",
//! no SSLRequest. Against the server under test (`SLUICE_PG_BINDIR`, see
//! scripts/pg-major.sh): PostgreSQL 17 and later accept it, and the server's
//! own pg_stat_ssl says the session is encrypted; an older server, which
//! only understands an SSLRequest first, refuses it, which shows that no
//! SSLRequest was sent. Either way the weak modes are refused before any
//! connection, as libpq does. libpq 18's psql, given the same string, lands
//! or fails the same way.

mod probe_support;

use probe_support::*;
use sluice_core::probe::{ErrorCode, Stage, StepStatus};
use sluice_harness::Cluster;

fn tls_cluster() -> Cluster {
    let pg = Cluster::builder().tls().hba("host all all 127.0.0.1/32 scram-sha-256").start();
    pg.create_role("app", "pw");
    pg
}

#[tokio::test]
async fn direct_tls_skips_the_ssl_request_and_needs_postgres_17() {
    let pg = tls_cluster();
    let major = sluice_harness::pg_bin::major();
    let negotiated = probe(&tls_conn(&pg, "127.0.0.1", "app", "pw", "require", None)).await;
    let n = expect_ok(&negotiated);
    assert_eq!(n.tls.as_ref().unwrap().negotiation, "negotiated");
    assert!(step(&negotiated, Stage::Tls).detail.as_deref().unwrap().ends_with(", negotiated"));
    assert_eq!(n.server_version_num / 10000, major, "the server under test is PostgreSQL {major}");

    let conn = format!("{} sslnegotiation=direct", tls_conn(&pg, "127.0.0.1", "app", "pw", "require", None));
    let direct = probe(&conn).await;
    if major >= 17 {
        let s = expect_ok(&direct);
        let tls = s.tls.as_ref().expect("TLS info");
        assert_eq!(tls.negotiation, "direct");
        assert!(s.backend_ssl, "the server's pg_stat_ssl says the session is encrypted");
        assert_eq!(step_status(&direct, Stage::Tls), StepStatus::Ok);
        assert!(step(&direct, Stage::Tls).detail.as_deref().unwrap().ends_with(", direct"), "{direct:#?}");
    } else {
        // The server read our ClientHello as a startup packet and hung up.
        let e = expect_error(&direct, ErrorCode::ConnectionClosed);
        assert_eq!(e.stage, Stage::Tls);
        assert!(e.hint.contains("PostgreSQL 17"), "{e:#?}");
        assert!(pg.log().contains("startup packet"), "the server saw no SSLRequest: {}", pg.log());
    }
    // libpq 18 given the same string does the same (the system's psql on its libpq).
    let home = tempfile::tempdir().unwrap();
    let out = sluice_harness::pg_bin::psql_with_libpq(18)
        .args(["-X", "-w", "-A", "-t", "-d", &conn, "-c", "select ssl from pg_stat_ssl where pid = pg_backend_pid()"])
        .env("HOME", home.path())
        .env_remove("PGPASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.success(), major >= 17, "psql (libpq 18) against PostgreSQL {major}: {}", String::from_utf8_lossy(&out.stderr));
    if major >= 17 {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "t");
    }
}

#[tokio::test]
async fn direct_tls_with_a_weak_sslmode_is_refused_before_connecting() {
    for mode in ["disable", "allow", "prefer"] {
        // Nothing listens here: a refusal that connected would say so.
        let conn = format!("host=127.0.0.1 port={} user=u password=p sslmode={mode} sslnegotiation=direct", sluice_harness::free_port());
        let r = probe(&conn).await;
        let e = expect_error(&r, ErrorCode::InvalidSettings);
        assert!(e.message.contains("sslnegotiation=direct") && e.message.contains(mode), "{mode}: {e:#?}");
    }
}
