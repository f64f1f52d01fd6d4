//! Every failure class, produced for real against harness servers.

mod probe_support;

use probe_support::*;
use sluice_core::probe::{ErrorCode, Stage, StepStatus};
use sluice_harness::listeners::FakeServer;
use sluice_harness::Cluster;
use std::time::{Duration, Instant};

#[tokio::test]
async fn wrong_password_is_auth_failed_with_sqlstate() {
    let pg = Cluster::start_default();
    pg.create_role("app", "right");
    let r = probe(&pg.url("app", "wrong", "postgres")).await;
    let e = expect_error(&r, ErrorCode::AuthFailed);
    assert_eq!(e.stage, Stage::Auth);
    assert_eq!(e.sqlstate.as_deref(), Some("28P01"));
    assert!(e.message.contains("\"app\""), "{}", e.message);
    assert!(!format!("{r:?}").contains("wrong"), "the password must not leak into the report");
    assert_eq!(step_status(&r, Stage::Connect), StepStatus::Ok);
    assert_eq!(step_status(&r, Stage::Auth), StepStatus::Failed);
    assert_eq!(step_status(&r, Stage::Session), StepStatus::Skipped);
    assert!(!r.connected);
}

#[tokio::test]
async fn missing_password_is_explained() {
    let pg = Cluster::start_default();
    pg.create_role("app", "right");
    let r = probe(&format!("host=127.0.0.1 port={} user=app dbname=postgres", pg.port())).await;
    let e = expect_error(&r, ErrorCode::AuthFailed);
    assert!(e.message.contains("none was given"), "{}", e.message);
}

#[tokio::test]
async fn missing_role_under_trust_is_role_missing() {
    // With password auth Postgres hides whether a role exists; with trust it says so.
    let pg = Cluster::builder().hba("host all all 127.0.0.1/32 trust").start();
    let r = probe(&format!("host=127.0.0.1 port={} user=ghost dbname=postgres", pg.port())).await;
    let e = expect_error(&r, ErrorCode::RoleMissing);
    assert_eq!(e.sqlstate.as_deref(), Some("28000"));
}

#[tokio::test]
async fn missing_database() {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let r = probe(&pg.url("app", "pw", "nosuchdb")).await;
    let e = expect_error(&r, ErrorCode::DatabaseMissing);
    assert_eq!(e.sqlstate.as_deref(), Some("3D000"));
    assert!(e.message.contains("nosuchdb"));
}

#[tokio::test]
async fn pg_hba_reject_is_no_hba_entry() {
    let pg = Cluster::builder().hba("host all alice 127.0.0.1/32 scram-sha-256").start();
    pg.create_role("bob", "pw");
    let r = probe(&pg.url("bob", "pw", "postgres")).await;
    let e = expect_error(&r, ErrorCode::NoHbaEntry);
    assert!(e.hint.contains("pg_hba.conf"), "{}", e.hint);
}

#[tokio::test]
async fn hostssl_only_with_disable_is_tls_required() {
    let pg = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 scram-sha-256").start();
    pg.create_role("app", "pw");
    let r = probe(&tls_conn(&pg, "127.0.0.1", "app", "pw", "disable", None)).await;
    let e = expect_error(&r, ErrorCode::TlsRequired);
    assert!(e.hint.contains("require"), "{}", e.hint);
    assert_eq!(step_status(&r, Stage::Tls), StepStatus::Skipped);
}

#[tokio::test]
async fn plain_server_with_require_is_tls_unsupported() {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let r = probe(&tls_conn(&pg, "127.0.0.1", "app", "pw", "require", None)).await;
    let e = expect_error(&r, ErrorCode::TlsUnsupported);
    assert_eq!(e.stage, Stage::Tls);
}

#[tokio::test]
async fn unknown_ca_is_certificate_untrusted() {
    let pg = Cluster::builder().tls().start();
    pg.create_role("app", "pw");
    let other = pg.pki().other_ca_cert();
    let r = probe(&tls_conn(&pg, "localhost", "app", "pw", "verify-full", Some(&other))).await;
    let e = expect_error(&r, ErrorCode::CertificateUntrusted);
    assert_eq!(e.stage, Stage::Tls);
    // require + a root cert behaves as verify-ca (libpq), so it must fail too.
    let r = probe(&tls_conn(&pg, "localhost", "app", "pw", "require", Some(&other))).await;
    expect_error(&r, ErrorCode::CertificateUntrusted);
}

#[tokio::test]
async fn hostname_mismatch() {
    let pg = Cluster::builder().tls().start();
    pg.create_role("app", "pw");
    let ca = pg.pki().ca_cert();
    // 127.0.0.2 reaches the server, but its certificate names only localhost and 127.0.0.1.
    let r = probe(&tls_conn(&pg, "127.0.0.2", "app", "pw", "verify-full", Some(&ca))).await;
    let e = expect_error(&r, ErrorCode::CertificateHostnameMismatch);
    assert!(e.message.contains("127.0.0.2"));
}

#[tokio::test]
async fn client_certificate_accepted_and_rejected() {
    let pg = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 cert").start();
    pg.psql("CREATE ROLE carol LOGIN; CREATE ROLE dave LOGIN");
    let (cert, key) = pg.pki().client_cert("carol");
    let ca = pg.pki().ca_cert();
    let base = |user: &str| {
        format!(
            "host=localhost port={} user={user} dbname=postgres sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
            pg.port(),
            ca.display(),
            cert.display(),
            key.display()
        )
    };
    let ok = probe(&base("carol")).await;
    let server = expect_ok(&ok);
    assert_eq!(server.current_user, "carol");
    assert!(server.tls.as_ref().unwrap().client_certificate);
    // The same certificate for another user: the server rejects it (CN mismatch).
    let r = probe(&base("dave")).await;
    let e = expect_error(&r, ErrorCode::ClientCertificate);
    assert_eq!(e.sqlstate.as_deref(), Some("28000"));
    // No certificate at all.
    let r = probe(&tls_conn(&pg, "localhost", "carol", "x", "verify-full", Some(&ca))).await;
    expect_error(&r, ErrorCode::ClientCertificate);
    // A key that is not the certificate's.
    let (_, other_key) = pg.pki().client_cert("dave");
    let mismatched = base("carol").replace(&key.display().to_string(), &other_key.display().to_string());
    let r = probe(&mismatched).await;
    let e = expect_error(&r, ErrorCode::ClientCertificate);
    assert!(e.message.contains("does not belong"), "{}", e.message);
    // A missing file.
    let r = probe(&base("carol").replace(&cert.display().to_string(), "/nonexistent/client.crt")).await;
    expect_error(&r, ErrorCode::ClientCertificate);
}

#[tokio::test]
async fn unresolvable_name_is_dns() {
    let r = probe("host=no-such-host.invalid port=5432 user=x dbname=y").await;
    let e = expect_error(&r, ErrorCode::Dns);
    assert_eq!(e.stage, Stage::Resolve);
    assert_eq!(step_status(&r, Stage::Resolve), StepStatus::Failed);
}

#[tokio::test]
async fn closed_port_is_refused() {
    let port = sluice_harness::free_port();
    let r = probe(&format!("host=127.0.0.1 port={port} user=x dbname=y")).await;
    let e = expect_error(&r, ErrorCode::Refused);
    assert_eq!(e.stage, Stage::Connect);
    assert_eq!(step_status(&r, Stage::Resolve), StepStatus::Skipped);
}

#[tokio::test]
async fn silent_listener_times_out_on_deadline_and_names_the_stage() {
    let silent = FakeServer::silent();
    let deadline = Duration::from_secs(2);
    let started = Instant::now();
    let r = probe_with_timeout(&format!("host=127.0.0.1 port={} user=x dbname=y sslmode=prefer", silent.port()), deadline).await;
    let elapsed = started.elapsed();
    let e = expect_error(&r, ErrorCode::Timeout);
    assert_eq!(e.stage, Stage::Tls, "prefer sends SSLRequest first, and the listener never answers it");
    assert!(elapsed >= deadline, "returned before the deadline: {elapsed:?}");
    assert!(elapsed <= deadline + deadline / 10, "must return by deadline + 10%: {elapsed:?}");
    // connect_timeout from the connection is the deadline when no override is given.
    let started = Instant::now();
    let r = probe(&format!("host=127.0.0.1 port={} user=x dbname=y sslmode=disable connect_timeout=2", silent.port())).await;
    let e = expect_error(&r, ErrorCode::Timeout);
    assert_eq!(e.stage, Stage::Auth);
    assert!(started.elapsed() <= Duration::from_millis(2200), "{:?}", started.elapsed());
}

#[tokio::test]
async fn garbage_listener_is_not_postgres() {
    let garbage = FakeServer::garbage();
    for mode in ["disable", "prefer", "require"] {
        let r = probe(&format!("host=127.0.0.1 port={} user=x dbname=y sslmode={mode}", garbage.port())).await;
        let e = expect_error(&r, ErrorCode::NotPostgres);
        assert!(e.detail.as_deref().unwrap_or("").contains("0x48"), "HTTP's 'H' should be named: {e:?}");
    }
}

#[tokio::test]
async fn exhausted_max_connections_is_too_many_connections() {
    let pg = Cluster::builder().setting("max_connections", "4").setting("superuser_reserved_connections", "1").start();
    pg.create_role("app", "pw");
    let mut held = Vec::new();
    for _ in 0..3 {
        let (client, conn) = tokio_postgres::connect(&pg.url("app", "pw", "postgres"), tokio_postgres::NoTls).await.expect("fill a slot");
        tokio::spawn(conn);
        held.push(client);
    }
    let r = probe(&pg.url("app", "pw", "postgres")).await;
    let e = expect_error(&r, ErrorCode::TooManyConnections);
    assert_eq!(e.sqlstate.as_deref(), Some("53300"));
    drop(held);
}

#[tokio::test]
async fn cancel_returns_at_once() {
    use sluice_core::probe::{Cancel, ProbeRequest};
    let silent = FakeServer::silent();
    let req = ProbeRequest::new(info(&format!("host=127.0.0.1 port={} user=x dbname=y", silent.port())));
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let r = sluice_core::probe::run(&req, &cancel, &|_| {}).await;
    let e = expect_error(&r, ErrorCode::Cancelled);
    assert_eq!(e.stage, Stage::Tls);
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
}

#[tokio::test]
async fn cancel_closes_the_socket() {
    use sluice_core::probe::{Cancel, ProbeRequest};
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let req = ProbeRequest::new(info(&format!("host=127.0.0.1 port={port} user=x dbname=y sslmode=prefer")));
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut request = [0u8; 8];
        conn.read_exact(&mut request).unwrap(); // the SSLRequest; never answered
        trigger.cancel();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut rest = [0u8; 1];
        conn.read(&mut rest) // 0 = the client closed its end
    });
    let r = sluice_core::probe::run(&req, &cancel, &|_| {}).await;
    expect_error(&r, ErrorCode::Cancelled);
    let read = server.join().unwrap();
    assert_eq!(read.expect("closed, not timed out"), 0, "the socket must be closed once the probe returns");
}

#[tokio::test]
async fn a_service_that_closes_at_once_is_connection_closed() {
    // MQTT brokers and Erlang's port mapper accept a stranger and hang up.
    let fake = FakeServer::close_at_once();
    for mode in ["disable", "prefer", "require"] {
        let r = probe(&format!("host=127.0.0.1 port={} user=u password=p dbname=d sslmode={mode}", fake.port())).await;
        let e = expect_error(&r, ErrorCode::ConnectionClosed);
        assert!(e.message.contains("closed the connection before answering"), "{mode}: {}", e.message);
        assert!(e.hint.contains("port"), "{mode}: {}", e.hint);
    }
    assert!(fake.connections() >= 3);
}

/// A source analysis request for `conn`, so refusals get their verdict.
fn with_analysis(conn: &str) -> sluice_core::probe::ProbeRequest {
    use sluice_core::access::Scope;
    use sluice_core::job::{JobOptions, Job};
    let mut req = sluice_core::probe::ProbeRequest::new(info(conn));
    req.analysis = Some(sluice_core::probe::AnalysisRequest { job: Job::Source, options: JobOptions::default(), scope: Scope::all() });
    req
}

#[tokio::test]
async fn startup_refusals_each_have_their_code_hint_and_fix() {
    let pg = Cluster::start_default();
    pg.psql(
        "CREATE ROLE app LOGIN PASSWORD 'pw'; CREATE ROLE locked NOLOGIN PASSWORD 'pw';
         CREATE ROLE capped LOGIN PASSWORD 'pw' CONNECTION LIMIT 0;
         CREATE DATABASE private; REVOKE CONNECT ON DATABASE private FROM PUBLIC;
         CREATE DATABASE closed; ALTER DATABASE closed ALLOW_CONNECTIONS false;
         CREATE DATABASE full_db CONNECTION LIMIT 0;",
    );
    let url = |user: &str, db: &str| pg.url(user, "pw", db);

    // No CONNECT: the error names the GRANT, and the verdict carries it as fix SQL.
    let r = probe_request(with_analysis(&url("app", "private"))).await;
    let e = expect_error(&r, ErrorCode::DatabaseAccessDenied);
    assert_eq!(e.sqlstate.as_deref(), Some("42501"));
    assert!(e.hint.contains("GRANT CONNECT ON DATABASE private TO app;"), "{}", e.hint);
    let v = r.verdict.as_ref().expect("a verdict with the fix");
    assert!(!v.ready && v.problems.len() == 1);
    assert!(v.fix_sql.contains("GRANT CONNECT ON DATABASE private TO app;"), "{}", v.fix_sql);
    // The fix works.
    pg.psql(v.fix_sql.as_str());
    expect_ok(&probe(&url("app", "private")).await);

    let r = probe(&url("app", "closed")).await;
    let e = expect_error(&r, ErrorCode::DatabaseNotAccepting);
    assert_eq!(e.sqlstate.as_deref(), Some("55000"));
    assert!(e.hint.contains("ALTER DATABASE closed ALLOW_CONNECTIONS true;"), "{}", e.hint);

    let r = probe_request(with_analysis(&url("locked", "postgres"))).await;
    let e = expect_error(&r, ErrorCode::LoginNotPermitted);
    assert!(e.hint.contains("ALTER ROLE locked LOGIN;"), "{}", e.hint);
    let v = r.verdict.as_ref().expect("a verdict with the fix");
    pg.psql(v.fix_sql.as_str());
    expect_ok(&probe(&url("locked", "postgres")).await);

    let r = probe(&url("capped", "postgres")).await;
    let e = expect_error(&r, ErrorCode::TooManyConnections);
    assert!(e.message.contains("\"capped\" is at its connection limit"), "{}", e.message);
    assert!(e.hint.contains("ALTER ROLE capped CONNECTION LIMIT"), "{}", e.hint);

    let r = probe(&url("app", "full_db")).await;
    let e = expect_error(&r, ErrorCode::TooManyConnections);
    assert!(e.hint.contains("ALTER DATABASE full_db CONNECTION LIMIT"), "{}", e.hint);
    assert!(!e.hint.contains("max_connections"), "{}", e.hint);

    // Settings in options: a bad value, an unknown name, one only a superuser may set.
    for (options, name, sqlstate) in [
        ("-c work_mem=banana", "work_mem", "22023"),
        ("-c no_such_setting=1", "no_such_setting", "42704"),
        ("-c log_statement=none", "log_statement", "42501"),
        ("-c shared_buffers=1GB", "shared_buffers", "55P02"),
    ] {
        let conn = format!("{} options='{options}'", tls_conn(&pg, "127.0.0.1", "app", "pw", "disable", None));
        let r = probe(&conn).await;
        let e = expect_error(&r, ErrorCode::InvalidParameter);
        assert_eq!(e.sqlstate.as_deref(), Some(sqlstate), "{options}");
        assert!(e.message.contains(&format!("\"{name}\"")) && e.message.contains("options"), "{options}: {}", e.message);
    }

    // template0 refuses by design: the hint says so instead of suggesting an ALTER.
    let r = probe_request(with_analysis(&url("app", "template0"))).await;
    let e = expect_error(&r, ErrorCode::DatabaseNotAccepting);
    assert!(e.hint.contains("template0 never accepts connections"), "{}", e.hint);
    assert!(r.verdict.is_none(), "no statement fixes that");
}

#[tokio::test]
async fn encrypted_client_keys_open_with_the_right_passphrase_only() {
    use sluice_harness::KeyFormat::*;
    let pg = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 cert").start();
    pg.psql("CREATE ROLE carol LOGIN");
    let pki = pg.pki();
    let ec = pki.client_cert("carol");
    let rsa = pki.client_cert_rsa("carol");
    let conn = |cert: &std::path::Path, key: &std::path::Path, passphrase: Option<&str>| {
        let mut s = format!(
            "host=localhost port={} user=carol dbname=postgres sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
            pg.port(),
            pki.ca_cert().display(),
            cert.display(),
            key.display()
        );
        if let Some(p) = passphrase {
            s.push_str(&format!(" sslpassword='{p}'"));
        }
        s
    };
    for (format, (cert, key)) in [
        (Pkcs8Aes256, &ec),
        (Pkcs8Des3Sha1, &ec),
        (Pkcs8Scrypt, &ec),
        (EcTraditionalAes256, &ec),
        (EcTraditionalDes3, &ec),
        (RsaTraditionalAes128, &rsa),
        (Pkcs8Aes256, &rsa),
    ] {
        let encrypted = pki.encrypt_key(key, "open sesame", format);
        let r = probe(&conn(cert, &encrypted, Some("open sesame"))).await;
        let server = expect_ok(&r);
        assert_eq!(server.current_user, "carol", "{format:?}");
        assert!(server.tls.as_ref().unwrap().client_certificate, "{format:?}");

        let r = probe(&conn(cert, &encrypted, Some("open sesam"))).await;
        let e = expect_error(&r, ErrorCode::ClientKeyPassphrase);
        assert!(e.message.contains("does not decrypt"), "{format:?}: {}", e.message);
        assert!(!format!("{r:?}").contains("open sesam"), "the passphrase never shows");

        let r = probe(&conn(cert, &encrypted, None)).await;
        let e = expect_error(&r, ErrorCode::ClientKeyPassphrase);
        assert!(e.message.contains("no passphrase"), "{format:?}: {}", e.message);
        assert_eq!(e.stage, Stage::Tls);
    }
    // As libpq does, a passphrase given for a plain key is ignored.
    expect_ok(&probe(&conn(&ec.0, &ec.1, Some("unused"))).await);
}
