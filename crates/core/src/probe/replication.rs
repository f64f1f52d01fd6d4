//! The replication stage, last, for a source read by change data capture:
//! a second connection on the same route (the same address or SSH
//! channel, the same TLS and login) whose startup asks for
//! `replication=database`, then `IDENTIFY_SYSTEM`. That is how every CDC
//! reader starts, and it writes nothing: no slot, no publication.
//!
//! A refusal is classified as any login failure is (a role without
//! REPLICATION, no free WAL sender, pg_hba, a pooler that does not pass
//! replication connections), at this stage, and joins the verdict's
//! problems: the analysis predicts, this connection is what the server says.

use super::classify::{Failure, Staged};
use super::converse::{self, Route};
use super::report::{ProbeError, Stage, StepStatus};
use super::startup::StartupParams;
use super::state::Learnt;
use super::tracker::Tracker;
use super::{tls, ProbeRequest};
use crate::access::{self, ObjectType, Problem, ReplicationConnection, Severity};
use std::time::Instant;
use tokio_postgres::config::SslMode as PgSsl;
use tokio_postgres::SimpleQueryMessage;

/// Whether the test ends with the replication stage.
pub(crate) fn wanted(req: &ProbeRequest) -> bool {
    req.analysis.as_ref().is_some_and(|a| a.job == crate::job::Job::Source && a.options.cdc)
}

/// Opens the replication connection and runs IDENTIFY_SYSTEM; `kind` is
/// what the first connection settled on (TLS or not).
pub(crate) async fn run(
    route: &Route<'_>,
    kind: PgSsl,
    plan: Option<&tls::TlsPlan>,
    req: &ProbeRequest,
    tracker: &Tracker<'_>,
    out: &mut Learnt,
) -> Result<(), ProbeError> {
    tracker.start(Stage::Replication);
    let started = Instant::now();
    match identify(route, kind, plan, req, out).await {
        Ok(mut connection) => {
            connection.ms = super::report::round_ms(started.elapsed());
            tracker.finish(
                StepStatus::Ok,
                Some(format!(
                    "IDENTIFY_SYSTEM: system {}, timeline {}, WAL at {}",
                    connection.system_id, connection.timeline, connection.wal_position
                )),
            );
            if let Some(r) = out.access.as_mut().and_then(|a| a.replication.as_mut()) {
                r.connection = Some(connection);
            }
            Ok(())
        }
        Err(failure) => {
            tracker.finish(StepStatus::Failed, None);
            let e = out.classify(Staged::new(failure, Stage::Replication));
            refuse_in_verdict(out, &e);
            Err(e)
        }
    }
}

async fn identify(route: &Route<'_>, kind: PgSsl, plan: Option<&tls::TlsPlan>, req: &ProbeRequest, out: &Learnt) -> Result<ReplicationConnection, Failure> {
    let socket = route
        .reopen()
        .await
        .ok_or_else(|| Failure::Internal(format!("the replication connection could not reach {} again", route.describe())))?;
    let startup = StartupParams::with(&[("replication", "database")]);
    let (client, connection, _, _) = converse::handshake(socket, kind, plan, req, out, None, Default::default(), startup)
        .await
        .map_err(|(failure, _)| failure)?;
    let mut connection = std::pin::pin!(connection);
    let answer = tokio::select! {
        r = client.simple_query("IDENTIFY_SYSTEM") => r.map_err(Failure::Postgres),
        r = &mut connection => Err(match r {
            Err(e) => Failure::Postgres(e),
            Ok(()) => Failure::Closed,
        }),
    };
    drop(client);
    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), &mut connection).await;
    let messages = answer?;
    let row = messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .ok_or_else(|| Failure::Internal("IDENTIFY_SYSTEM returned no row".into()))?;
    let field = |name: &str| row.try_get(name).ok().flatten().map(str::to_owned);
    Ok(ReplicationConnection {
        system_id: field("systemid").ok_or_else(|| Failure::Internal("IDENTIFY_SYSTEM returned no systemid".into()))?,
        timeline: field("timeline").and_then(|t| t.parse().ok()).unwrap_or(0),
        wal_position: field("xlogpos").unwrap_or_default(),
        database: field("dbname"),
        ms: 0.0,
    })
}

/// The refusal joins the verdict: the source is not ready for CDC.
fn refuse_in_verdict(out: &mut Learnt, e: &ProbeError) {
    let (Some(access), Some(verdict)) = (out.access.as_ref(), out.verdict.as_mut()) else { return };
    verdict.problems.push(Problem {
        severity: Severity::Error,
        object_type: ObjectType::Server,
        schema: None,
        name: None,
        identity_args: None,
        missing: vec![],
        reason: format!("the replication connection was refused: {} {}", e.message, e.hint),
        statement: None,
    });
    verdict.ready = false;
    verdict.fix_sql = access::fix_sql(access, verdict);
}
