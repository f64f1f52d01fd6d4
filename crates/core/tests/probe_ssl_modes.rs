//! The six sslmodes behave exactly as libpq documents them, proven against
//! a TLS cluster and a plain one, with the server's own pg_stat_ssl as the
//! witness where it matters.

mod probe_support;

use probe_support::*;
use sluice_core::probe::{ErrorCode, Stage, StepStatus};
use sluice_harness::Cluster;

fn tls_cluster(hba: &str) -> Cluster {
    let pg = Cluster::builder().tls().hba(hba).start();
    pg.create_role("app", "pw");
    pg
}

#[tokio::test]
async fn disable_never_uses_tls() {
    let pg = tls_cluster("host all all 127.0.0.1/32 scram-sha-256");
    let r = probe(&tls_conn(&pg, "127.0.0.1", "app", "pw", "disable", None)).await;
    let s = expect_ok(&r);
    assert!(s.tls.is_none());
    assert_eq!(step_status(&r, Stage::Tls), StepStatus::Skipped);
    // Witnesses: the server's pg_stat_ssl for the backend, and its log line
    // for that backend's pid, which says "SSL enabled" for TLS sessions.
    assert!(!s.backend_ssl, "pg_stat_ssl says the backend uses TLS");
    assert_eq!(server_logged_tls(&pg, s.backend_pid), Some(false));
}

/// What the server logged when it authorized backend `pid`: whether the
/// session was encrypted (None: no such line).
fn server_logged_tls(pg: &Cluster, pid: i32) -> Option<bool> {
    let tag = format!("[{pid}] ");
    pg.log()
        .lines()
        .find(|l| l.contains(&tag) && l.contains("connection authorized:"))
        .map(|l| l.contains("SSL enabled"))
}

#[tokio::test]
async fn require_reaches_the_server_encrypted() {
    let pg = tls_cluster("host all all 127.0.0.1/32 scram-sha-256");
    let r = probe(&tls_conn(&pg, "127.0.0.1", "app", "pw", "require", None)).await;
    let s = expect_ok(&r);
    assert!(s.tls.is_some());
    assert!(s.backend_ssl, "pg_stat_ssl must show this backend encrypted");
    assert_eq!(server_logged_tls(&pg, s.backend_pid), Some(true));
}

#[tokio::test]
async fn allow_tries_plain_first_then_tls_when_the_server_insists() {
    let plain_ok = tls_cluster("host all all 127.0.0.1/32 scram-sha-256");
    let r = probe(&tls_conn(&plain_ok, "127.0.0.1", "app", "pw", "allow", None)).await;
    assert!(expect_ok(&r).tls.is_none(), "allow must not use TLS when plain is accepted");

    let ssl_only = tls_cluster("hostssl all all 127.0.0.1/32 scram-sha-256");
    let r = probe(&tls_conn(&ssl_only, "127.0.0.1", "app", "pw", "allow", None)).await;
    let tls = expect_ok(&r).tls.clone().expect("allow must fall back to TLS when the server insists");
    assert!(!tls.chain_verified && !tls.hostname_verified, "allow verifies nothing");
}

#[tokio::test]
async fn prefer_uses_tls_when_offered_and_plain_otherwise() {
    let pg = tls_cluster("host all all 127.0.0.1/32 scram-sha-256");
    let r = probe(&tls_conn(&pg, "127.0.0.1", "app", "pw", "prefer", None)).await;
    let tls = expect_ok(&r).tls.clone().expect("prefer uses TLS when offered");
    assert!(tls.version.starts_with("TLS 1."));
    // Postgres <= 17 only takes prime256v1 by default: offered first, no HelloRetryRequest.
    assert_eq!(tls.key_exchange, "secp256r1");
    assert!(!tls.chain_verified);
    assert_eq!(step_status(&r, Stage::Tls), StepStatus::Ok);

    let plain = Cluster::start_default();
    plain.create_role("app", "pw");
    let r = probe(&tls_conn(&plain, "127.0.0.1", "app", "pw", "prefer", None)).await;
    assert!(expect_ok(&r).tls.is_none());
    let tls_step = step(&r, Stage::Tls);
    assert_eq!(tls_step.status, StepStatus::Skipped);
    assert_eq!(tls_step.detail.as_deref(), Some("not offered by the server"), "the report says which");
}

#[tokio::test]
async fn prefer_falls_back_to_plain_when_hba_refuses_tls() {
    let pg = tls_cluster("hostnossl all all 127.0.0.1/32 scram-sha-256");
    let r = probe(&tls_conn(&pg, "127.0.0.1", "app", "pw", "prefer", None)).await;
    assert!(expect_ok(&r).tls.is_none());
}

#[tokio::test]
async fn require_encrypts_without_verifying_unless_a_root_is_given() {
    let pg = tls_cluster("hostssl all all 127.0.0.1/32 scram-sha-256");
    // A name the certificate does not carry, and no root: require still connects.
    let r = probe(&tls_conn(&pg, "127.0.0.2", "app", "pw", "require", None)).await;
    let tls = expect_ok(&r).tls.clone().expect("require is always TLS");
    assert!(!tls.chain_verified && !tls.hostname_verified);
    assert_eq!(tls.root, None);
    // With the right root it behaves as verify-ca: chain checked, name not.
    let ca = pg.pki().ca_cert();
    let r = probe(&tls_conn(&pg, "127.0.0.2", "app", "pw", "require", Some(&ca))).await;
    let tls = expect_ok(&r).tls.clone().unwrap();
    assert!(tls.chain_verified && !tls.hostname_verified);
    assert_eq!(tls.root.as_deref(), Some(ca.to_str().unwrap()));
}

#[tokio::test]
async fn verify_ca_checks_the_chain_but_not_the_name() {
    let pg = tls_cluster("hostssl all all 127.0.0.1/32 scram-sha-256");
    let ca = pg.pki().ca_cert();
    let r = probe(&tls_conn(&pg, "127.0.0.2", "app", "pw", "verify-ca", Some(&ca))).await;
    let tls = expect_ok(&r).tls.clone().unwrap();
    assert!(tls.chain_verified && !tls.hostname_verified);
    let other = pg.pki().other_ca_cert();
    let r = probe(&tls_conn(&pg, "localhost", "app", "pw", "verify-ca", Some(&other))).await;
    expect_error(&r, ErrorCode::CertificateUntrusted);
}

#[tokio::test]
async fn verify_full_checks_chain_and_name() {
    let pg = tls_cluster("hostssl all all 127.0.0.1/32 scram-sha-256");
    let ca = pg.pki().ca_cert();
    for host in ["localhost", "127.0.0.1"] {
        let r = probe(&tls_conn(&pg, host, "app", "pw", "verify-full", Some(&ca))).await;
        let tls = expect_ok(&r).tls.clone().unwrap();
        assert!(tls.chain_verified && tls.hostname_verified, "{host}");
        assert_eq!(tls.server_name.as_deref(), Some(host));
    }
    let r = probe(&tls_conn(&pg, "127.0.0.2", "app", "pw", "verify-full", Some(&ca))).await;
    expect_error(&r, ErrorCode::CertificateHostnameMismatch);
}

#[tokio::test]
async fn hostaddr_connects_there_but_verifies_the_host_name() {
    let pg = tls_cluster("hostssl all all 127.0.0.1/32 scram-sha-256");
    let ca = pg.pki().ca_cert();
    let conn = format!("{} hostaddr=127.0.0.1", tls_conn(&pg, "localhost", "app", "pw", "verify-full", Some(&ca)));
    let r = probe(&conn).await;
    expect_ok(&r);
    assert_eq!(step_status(&r, Stage::Resolve), StepStatus::Skipped, "hostaddr needs no DNS");
    let conn = format!("{} hostaddr=127.0.0.1", tls_conn(&pg, "db.example.test", "app", "pw", "verify-full", Some(&ca)));
    expect_error(&probe(&conn).await, ErrorCode::CertificateHostnameMismatch);
}

#[tokio::test]
async fn channel_binding_require_works_over_tls() {
    let pg = tls_cluster("hostssl all all 127.0.0.1/32 scram-sha-256");
    let ca = pg.pki().ca_cert();
    let conn = format!("{} channel_binding=require", tls_conn(&pg, "localhost", "app", "pw", "verify-full", Some(&ca)));
    let r = probe(&conn).await;
    assert!(expect_ok(&r).tls.as_ref().unwrap().channel_binding_available);
}

/// As libpq: channel_binding=require refuses a session that cannot bind:
/// one without TLS, or a login method without SCRAM. Each says which.
#[tokio::test]
async fn channel_binding_require_refuses_what_cannot_bind_and_says_why() {
    let pg = tls_cluster("host all all 127.0.0.1/32 scram-sha-256");
    let plain = format!("{} channel_binding=require", tls_conn(&pg, "127.0.0.1", "app", "pw", "disable", None));
    let r = probe(&plain).await;
    let e = expect_error(&r, ErrorCode::InvalidSettings);
    assert_eq!(e.stage, Stage::Auth);
    assert!(e.message.contains("not encrypted") && e.hint.contains("require"), "{e:?}");

    let md5 = tls_cluster("hostssl all all 127.0.0.1/32 password");
    let over_tls = format!("{} channel_binding=require", tls_conn(&md5, "127.0.0.1", "app", "pw", "require", None));
    let r = probe(&over_tls).await;
    let e = expect_error(&r, ErrorCode::InvalidSettings);
    assert!(e.message.contains("without channel binding"), "{e:?}");
    // psql refuses both too (the assertion is that libpq does the same).
    for conn in [&plain, &over_tls] {
        let out = sluice_harness::pg_bin::psql()
            .args(["-X", "-c", "select 1", conn])
            .env_remove("PGPASSWORD")
            .output()
            .unwrap();
        assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("channel binding"), "{conn}: {out:?}");
    }
}

#[tokio::test]
async fn inline_root_certificate_is_used() {
    use sluice_core::probe::ProbeRequest;
    let pg = tls_cluster("hostssl all all 127.0.0.1/32 scram-sha-256");
    let mut req = ProbeRequest::new(info(&tls_conn(&pg, "localhost", "app", "pw", "verify-full", None)));
    req.inline_tls.pem.sslrootcert = Some(std::fs::read_to_string(pg.pki().ca_cert()).unwrap());
    let r = probe_request(req).await;
    assert_eq!(expect_ok(&r).tls.as_ref().unwrap().root.as_deref(), Some("inline PEM"));
}
