//! The probe's promises beyond single failures: session facts, read-only,
//! poolers, replicas, sockets, concurrency and live progress.

mod probe_support;

use probe_support::*;
use sluice_core::probe::{Stage, StepStatus};
use sluice_harness::Cluster;
use std::sync::Mutex;

#[tokio::test]
async fn session_facts_and_every_stage_timed() {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    pg.psql("CREATE DATABASE appdb OWNER app");
    let r = probe(&pg.url("app", "pw", "appdb")).await;
    let s = expect_ok(&r);
    assert_eq!(s.current_user, "app");
    assert_eq!(s.session_user, "app");
    assert_eq!(s.login_user, "app");
    assert_eq!(s.database, "appdb");
    assert!(s.server_version.starts_with(&(s.server_version_num / 10000).to_string()));
    assert!(!s.in_recovery && !s.superuser && !s.default_transaction_read_only);
    assert!(!s.pooler.detected);
    assert_eq!(s.backend_port, Some(pg.port()));
    let stages: Vec<Stage> = r.steps.iter().map(|s| s.stage).collect();
    assert_eq!(stages, vec![Stage::Resolve, Stage::Connect, Stage::Tls, Stage::Auth, Stage::Session]);
    // A stage skipped without asking costs nothing; `prefer` asked for TLS
    // (a round trip) and was told no. The timed stages are positive and fit,
    // end to end, inside the whole test's time.
    assert_eq!((step_status(&r, Stage::Resolve), step(&r, Stage::Resolve).ms), (StepStatus::Skipped, 0.0), "an IP needs no DNS");
    let tls = step(&r, Stage::Tls);
    assert_eq!((tls.status, tls.detail.as_deref()), (StepStatus::Skipped, Some("not offered by the server")));
    assert!(tls.ms > 0.0, "the SSLRequest round trip is timed");
    assert!(step(&r, Stage::Connect).ms > 0.0 && step(&r, Stage::Auth).ms > 0.0 && step(&r, Stage::Session).ms > 0.0);
    let sum: f64 = r.steps.iter().map(|s| s.ms).sum();
    assert!(sum <= r.total_ms + 0.01, "stages {sum} ms > total {} ms", r.total_ms);
    assert!(r.total_ms < 10_000.0, "the whole test ran inside its deadline: {} ms", r.total_ms);
}

#[tokio::test]
async fn the_server_log_shows_one_read_only_batch_and_no_write() {
    let pg = Cluster::start_default();
    pg.create_role("auditee", "pw");
    expect_ok(&probe(&pg.url("auditee", "pw", "postgres")).await);
    let log = pg.log();
    let statements: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("auditee@") && l.contains("statement: "))
        .map(|l| l.split("statement: ").nth(1).unwrap())
        .collect();
    assert_eq!(statements.len(), 1, "one round trip, one batch: {statements:?}");
    let batch = statements[0];
    assert!(batch.starts_with("BEGIN READ ONLY;") && batch.trim_end().ends_with("COMMIT"), "{batch}");
    let upper = batch.to_uppercase();
    for verb in ["INSERT", "UPDATE ", "DELETE", "CREATE", "ALTER", "DROP", "GRANT", "TRUNCATE"] {
        assert!(!upper.contains(verb), "the probe must not run {verb}: {batch}");
    }
    // Only transaction-scoped settings, which die with the COMMIT (poolers
    // hand the session on clean): the search_path pin, first of all.
    assert!(batch.starts_with("BEGIN READ ONLY; SET LOCAL search_path TO pg_catalog, pg_temp;"), "{batch}");
    assert_eq!(upper.matches("SET ").count(), upper.matches("SET LOCAL ").count(), "no session-level SET: {batch}");
    // Unnamed/simple protocol only: no prepared statement names in the log.
    assert!(!log.contains("execute s0") && !log.contains("execute <unnamed>"), "simple protocol only");
}

#[tokio::test]
async fn unix_socket_connection() {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let r = probe(&format!("host={} port={} user=app password=pw dbname=postgres sslmode=require", pg.socket_dir().display(), pg.port())).await;
    let s = expect_ok(&r);
    assert!(s.tls.is_none(), "libpq ignores sslmode on Unix sockets");
    assert_eq!(s.backend_addr, None);
    assert_eq!(step(&r, Stage::Resolve).detail.as_deref(), Some("Unix socket"));
}

#[tokio::test]
async fn hot_standby_reports_in_recovery() {
    let primary = Cluster::start_default();
    primary.create_role("app", "pw");
    let replica = primary.start_replica();
    let r = probe(&replica.url("app", "pw", "postgres")).await;
    assert!(expect_ok(&r).in_recovery, "a pg_basebackup -R replica is in recovery");
    assert!(!expect_ok(&probe(&primary.url("app", "pw", "postgres")).await).in_recovery);
}

#[tokio::test]
async fn fifty_probes_at_once_all_finish() {
    let pg = Cluster::builder().setting("max_connections", "120").start();
    pg.create_role("app", "pw");
    let url = pg.url("app", "pw", "postgres");
    let tasks: Vec<_> = (0..50).map(|_| tokio::spawn({
        let url = url.clone();
        async move { probe(&url).await }
    })).collect();
    let mut ok = 0;
    for t in tasks {
        let r = t.await.expect("probe task");
        expect_ok(&r);
        ok += 1;
    }
    assert_eq!(ok, 50);
}

#[tokio::test]
async fn progress_is_streamed_in_stage_order() {
    use sluice_core::probe::{Cancel, ProbeRequest, StepEvent};
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let events: Mutex<Vec<StepEvent>> = Mutex::new(Vec::new());
    let req = ProbeRequest::new(info(&pg.url("app", "pw", "postgres")));
    let r = sluice_core::probe::run(&req, &Cancel::new(), &|e| events.lock().unwrap().push(e.clone())).await;
    expect_ok(&r);
    let events = events.into_inner().unwrap();
    let finished: Vec<Stage> = events.iter().filter(|e| e.status != StepStatus::Running).map(|e| e.stage).collect();
    assert_eq!(finished, vec![Stage::Resolve, Stage::Connect, Stage::Tls, Stage::Auth, Stage::Session]);
    assert!(events.iter().any(|e| e.stage == Stage::Session && e.status == StepStatus::Running));
}

#[tokio::test]
async fn through_pgbouncer_in_transaction_mode() {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let bouncer = sluice_harness::pgbouncer::PgBouncer::start(&pg, "app", "pw");
    let port = bouncer.port();
    let url = format!("postgresql://app:pw@127.0.0.1:{port}/postgres?sslmode=disable");
    // Twice: a named prepared statement would collide on the reused server connection.
    for _ in 0..2 {
        let r = probe(&url).await;
        let s = expect_ok(&r);
        assert_eq!(s.current_user, "app");
        assert!(s.pooler.detected, "pgbouncer relays over a Unix socket from port {port}: {:?}", s.pooler);
    }
}

#[tokio::test]
async fn analysis_rides_in_the_same_single_batch() {
    use sluice_core::access::Scope;
    use sluice_core::job::{JobOptions, Job};
    use sluice_core::probe::{AnalysisRequest, ProbeRequest};
    let pg = Cluster::start_default();
    pg.create_role("analyst", "pw");
    pg.psql("CREATE TABLE public.facts (id int); GRANT SELECT ON public.facts TO analyst;");
    let mut req = ProbeRequest::new(info(&pg.url("analyst", "pw", "postgres")));
    req.analysis = Some(AnalysisRequest { job: Job::Source, options: JobOptions::default(), scope: Scope::all() });
    let r = probe_request(req).await;
    expect_ok(&r);
    assert_eq!(step_status(&r, Stage::Access), StepStatus::Ok);
    let access = r.access.as_ref().expect("access in the report");
    assert!(access.relations.iter().any(|rel| rel.name == "facts"));
    assert!(r.verdict.as_ref().expect("verdict").ready, "{:#?}", r.verdict);
    let statements = pg.log().lines().filter(|l| l.contains("analyst@") && l.contains("statement: ")).count();
    assert_eq!(statements, 1, "session facts and analysis in one round trip");
}

/// Settings libpq refuses before it connects (here a malformed require_auth)
/// are refused before anything runs: the password command does not start.
#[cfg(unix)]
#[tokio::test]
async fn settings_are_refused_before_the_password_command_runs() {
    use sluice_core::connection::PasswordCommand;
    use sluice_core::probe::{ErrorCode, ProbeRequest};
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let command = PasswordCommand { argv: vec!["touch".into(), marker.display().to_string()], preset: None, confirmed: true };
    // Nothing listens there: a refusal that connected would say so.
    let port = sluice_harness::free_port();
    let mut bad = ProbeRequest::new(info(&format!("host=127.0.0.1 port={port} user=u sslmode=disable require_auth=password,!md5")));
    bad.password_command = Some(command.clone());
    let r = probe_request(bad).await;
    let e = expect_error(&r, ErrorCode::InvalidSettings);
    assert!(e.message.contains("cannot be mixed"), "{e:?}");
    assert!(!marker.exists(), "the password command ran");
    // The control: with valid settings the command does run (and prints no password).
    let mut good = ProbeRequest::new(info(&format!("host=127.0.0.1 port={port} user=u sslmode=disable require_auth=password")));
    good.password_command = Some(command);
    let _ = probe_request(good).await;
    assert!(marker.exists(), "the control's command did not run");
}
