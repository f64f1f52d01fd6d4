//! The session stage (and the access analysis in the same round trip): one
//! read-only, `search_path`-pinned batch (`session.rs`, `pinned.rs`), its
//! rows read as they arrive, then the verdict for the job.

use super::classify::{Failure, Staged};
use super::converse::Conn;
use super::report::{Stage, StepStatus, TlsInfo};
use super::state::Learnt;
use super::tracker::Tracker;
use super::wire::{lock, SharedFacts};
use super::{session, ProbeRequest};
use crate::access;
use futures_util::StreamExt;
use std::pin::Pin;
use tokio_postgres::SimpleQueryMessage;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    client: tokio_postgres::Client,
    mut connection: Pin<&mut Conn>,
    live_facts: &SharedFacts,
    client_side: session::ClientSide,
    req: &ProbeRequest,
    tracker: &Tracker<'_>,
    out: &mut Learnt,
    tls_info: Option<TlsInfo>,
) -> Result<(), Staged> {
    tracker.start(Stage::Session);
    let access_sql = match &req.analysis {
        Some(a) => Some(access::analysis_sql(&a.scope, &access::Reads::for_job(a.job, &a.options)).map_err(|e| Staged::new(Failure::Settings(e.to_string()), Stage::Access))?),
        None => None,
    };
    let batch = session::batch(access_sql.as_deref());
    let result = {
        let work = read(&client, &batch, &client_side, req.analysis.is_some(), tracker, out, tls_info);
        tokio::select! {
            r = work => r,
            r = &mut connection => Err(match r {
                Err(e) => Failure::Postgres(e),
                Ok(()) => Failure::Closed,
            }),
        }
    };
    // Say goodbye properly (Terminate), but never wait long for it.
    drop(client);
    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), &mut connection).await;
    if let Err(failure) = result {
        let stage = tracker.current_stage();
        tracker.finish(StepStatus::Failed, None);
        let failure = match lock(live_facts).misbehaved.clone() {
            Some(why) => Failure::Misbehaved(why),
            None => failure,
        };
        return Err(Staged::new(failure, stage));
    }
    if let (Some(a), Some(access), Some(server)) = (&req.analysis, &out.access, &out.server) {
        let facts = access::SessionFacts { provider: crate::connection::Provider::guess(req.info.get("host")), ..access::SessionFacts::from(server) };
        out.verdict = Some(access::verdict(access, &facts, a.job, &a.options));
    }
    Ok(())
}

/// Reads the batch's rows: the session row, then the analysis rows into
/// the collector, marking the stages as their statements complete.
async fn read(
    client: &tokio_postgres::Client,
    batch: &str,
    client_side: &session::ClientSide,
    with_access: bool,
    tracker: &Tracker<'_>,
    out: &mut Learnt,
    tls_info: Option<TlsInfo>,
) -> Result<(), Failure> {
    let stream = client.simple_query_raw(batch).await.map_err(Failure::Postgres)?;
    let mut stream = std::pin::pin!(stream);
    let mut completed = 0usize;
    let mut collector = with_access.then(access::Collector::new);
    let mut tls_info = tls_info;
    while let Some(message) = stream.next().await {
        match message.map_err(Failure::Postgres)? {
            SimpleQueryMessage::Row(row) if completed + 1 == session::SESSION_DONE => {
                let mut info = session::parse_row(&row, client_side).map_err(Failure::Internal)?;
                info.tls = tls_info.take();
                out.server = Some(info);
            }
            SimpleQueryMessage::Row(row) => {
                if let Some(c) = collector.as_mut().filter(|_| access::Collector::accepts(&row)) {
                    c.push(&row).map_err(|e| Failure::Internal(e.to_string()))?;
                }
            }
            SimpleQueryMessage::CommandComplete(_) => {
                completed += 1;
                if completed == session::SESSION_DONE {
                    let detail = out.server.as_ref().map(|s| format!("PostgreSQL {}", s.server_version));
                    tracker.finish(StepStatus::Ok, detail);
                    if with_access {
                        tracker.start(Stage::Access);
                    }
                } else if completed == session::ACCESS_DONE {
                    if let Some(c) = collector.take() {
                        let access = c.finish();
                        tracker.finish(StepStatus::Ok, Some(format!("{} relations", access.relations.len())));
                        out.access = Some(access);
                    }
                }
            }
            _ => {}
        }
    }
    if out.server.is_none() {
        return Err(Failure::Internal("the session query returned no row".into()));
    }
    Ok(())
}
