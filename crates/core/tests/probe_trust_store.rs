//! `sslrootcert=system` (and verify-ca with no root at all) against a CA the
//! machine trusts. Its own test binary: the "system store" here is the test
//! CA, through `SSL_CERT_FILE`, which OpenSSL's default paths honour, so that a
//! publicly trusted certificate can be played locally.

mod probe_support;

use probe_support::*;
use sluice_core::probe::{ErrorCode, Stage};
use sluice_harness::Cluster;

#[tokio::test]
async fn the_system_store_only_ever_goes_with_verify_full() {
    let pg = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 scram-sha-256").start();
    pg.create_role("app", "pw");
    // The machine trusts the cluster's CA, as it would trust a public one.
    std::env::set_var("SSL_CERT_FILE", pg.pki().ca_cert());
    std::env::remove_var("SSL_CERT_DIR");

    // The certificate does not name 127.0.0.2: with the system store, only
    // verify-full notices, so every weaker mode must refuse that store.
    for mode in ["verify-ca", "require", "prefer", "allow"] {
        let conn = format!("{} sslrootcert=system", tls_conn(&pg, "127.0.0.2", "app", "pw", mode, None));
        let r = probe(&conn).await;
        let e = expect_error(&r, ErrorCode::InvalidSettings);
        assert_eq!(e.stage, Stage::Tls, "{mode}");
        assert!(e.message.contains("verify-full"), "{mode}: {}", e.message);
        assert!(!r.connected, "{mode}");
    }
    // verify-ca and verify-full with no root given at all fail, as libpq's
    // do (with its message in detail): the system store is never taken
    // without sslrootcert=system.
    for mode in ["verify-ca", "verify-full"] {
        let r = probe(&tls_conn(&pg, "localhost", "app", "pw", mode, None)).await;
        let e = expect_error(&r, ErrorCode::InvalidSettings);
        assert!(e.message.contains("root certificate"), "{mode}: {}", e.message);
        assert!(e.detail.as_deref().unwrap_or("").contains("sslrootcert=system"), "{mode}: {:?}", e.detail);
    }

    // verify-full with the system store checks the name, and passes where it matches.
    let conn = format!("{} sslrootcert=system", tls_conn(&pg, "127.0.0.2", "app", "pw", "verify-full", None));
    expect_error(&probe(&conn).await, ErrorCode::CertificateHostnameMismatch);
    let conn = format!("{} sslrootcert=system", tls_conn(&pg, "localhost", "app", "pw", "verify-full", None));
    let tls = expect_ok(&probe(&conn).await).tls.clone().expect("TLS");
    assert!(tls.chain_verified && tls.hostname_verified);
    assert_eq!(tls.root.as_deref(), Some("system store"));
    // sslrootcert=system with no sslmode means verify-full, as in libpq 16.
    let conn = format!("host=localhost port={} user=app password=pw dbname=postgres sslrootcert=system", pg.port());
    assert!(expect_ok(&probe(&conn).await).tls.as_ref().unwrap().hostname_verified);
}
