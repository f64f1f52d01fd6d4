// Shared helpers for the probe tests (included with `mod probe_support;`).
#![allow(dead_code)]

use sluice_core::conninfo::{self, ConnInfo};
use sluice_core::probe::{self, Cancel, ErrorCode, ProbeRequest, Report, Stage, StepStatus};
use std::time::Duration;

pub fn info(conn: &str) -> ConnInfo {
    conninfo::parse(conn).unwrap_or_else(|e| panic!("bad test conninfo {conn}: {e}")).info
}

pub async fn probe(conn: &str) -> Report {
    probe_request(ProbeRequest::new(info(conn))).await
}

pub async fn probe_request(req: ProbeRequest) -> Report {
    probe::run(&req, &Cancel::new(), &|_| {}).await
}

pub async fn probe_with_timeout(conn: &str, timeout: Duration) -> Report {
    let mut req = ProbeRequest::new(info(conn));
    req.timeout = Some(timeout);
    probe_request(req).await
}

/// Asserts a failed report with this code, and returns the error for more checks.
pub fn expect_error(report: &Report, code: ErrorCode) -> &probe::ProbeError {
    let err = report.error.as_ref().unwrap_or_else(|| panic!("expected {code:?}, got success: {report:#?}"));
    assert_eq!(err.code, code, "wrong code; report: {report:#?}");
    assert!(!err.message.is_empty() && !err.hint.is_empty(), "every error has a message and a hint");
    err
}

pub fn expect_ok(report: &Report) -> &probe::ServerInfo {
    assert!(report.error.is_none(), "expected success, got {:#?}", report.error);
    assert!(report.connected);
    report.server.as_ref().expect("server info on success")
}

pub fn step(report: &Report, stage: Stage) -> &probe::Step {
    report.steps.iter().find(|s| s.stage == stage).unwrap_or_else(|| panic!("no {stage:?} step"))
}

pub fn step_status(report: &Report, stage: Stage) -> StepStatus {
    step(report, stage).status
}

/// key=value conninfo for a TLS test against a harness cluster.
pub fn tls_conn(cluster: &sluice_harness::Cluster, host: &str, user: &str, pw: &str, mode: &str, root: Option<&std::path::Path>) -> String {
    let mut s = format!("host={host} port={} user={user} password={pw} dbname=postgres sslmode={mode}", cluster.port());
    if let Some(root) = root {
        s.push_str(&format!(" sslrootcert={}", root.display()));
    }
    s
}
