//! What the role can reach, a source/destination verdict, and the GRANTs
//! that fix the gaps.
//!
//! Postgres answers every privilege question itself (`has_*_privilege` for
//! `current_user`), so membership through nested groups, NOINHERIT,
//! ownership, superuser, predefined roles (`pg_read_all_data`,
//! `pg_write_all_data`) and PUBLIC all count exactly as the server counts
//! them. A catalog query on `information_schema.table_privileges` filtered on
//! `grantee = current_user` sees none of that.
//!
//! - `query.rs`: [`analysis_sql`], the one SELECT (simple protocol, one round trip).
//! - `collect.rs`: [`Collector`], rows to [`Access`].
//! - `model.rs`: the `access` JSON model.
//! - `compact.rs`: [`CompactAccess`], the same facts column by column, as the app's window receives them.
//! - `replication.rs`: what a source read by change data capture needs (the `cdc_*` rows).
//! - `verdict.rs`: [`verdict`], the rules for a source and a destination;
//!   `cdc.rs`, the rules for change data capture.
//! - `fix_sql.rs`: [`fix_sql`], minimal GRANTs, grouped per schema.
//! - `quote.rs`: identifier and literal quoting.
//!
//! The probe runs [`analysis_sql`] inside its own batch and feeds the rows to
//! a [`Collector`]; [`analyze`] runs it alone.

mod cdc;
mod collect;
mod compact;
mod fix_sql;
mod model;
mod order;
mod query;
mod quote;
mod replication;
mod verdict;

pub use cdc::PLUGIN;
pub use collect::Collector;
pub use compact::{CompactAccess, CompactError, CompactRelations, CompactSequences, CompactUse, RelationExtra};
pub use fix_sql::fix_sql;
pub use model::{
    Fix, Referencing, RlsPolicies, WriteFacts,
    Access, ColumnGrant, FunctionAccess, FunctionKind, NotFound, ObjectName, Privilege, RelationAccess,
    RelationKind, SchemaAccess, SequenceAccess, UseVia, UsedObject, WriteDependency,
};
pub use query::{analysis_sql, CdcNames, Reads, Scope, KIND_COLUMN, PLANNER_SETTINGS};
pub use replication::{CdcTable, Publication, ReplicaIdentity, Replication, ReplicationConnection, ReplicationRole, ReplicationServer, Slot};
pub use quote::{is_quoted_keyword, quote_ident, quote_literal};
pub use verdict::{refused, verdict, ObjectType, Problem, SessionFacts, Severity, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// A scope name contains NUL, which Postgres text cannot carry.
    #[error("scope names cannot contain a NUL character: {0:?}")]
    NulInScope(String),
    #[error("access analysis failed: {0}")]
    Query(#[from] tokio_postgres::Error),
    /// A row the collector cannot read (not from this version's query).
    #[error("unexpected access analysis row: {0}")]
    Row(String),
}

/// Runs the analysis alone on `client` (one pinned read-only batch, simple
/// protocol, see `crate::pinned`) and decodes rows as they stream in.
pub async fn analyze(client: &tokio_postgres::Client, scope: &Scope, reads: Reads) -> Result<Access, AccessError> {
    use futures_util::TryStreamExt;
    use tokio_postgres::SimpleQueryMessage;

    let analysis = analysis_sql(scope, &reads)?;
    let mut statements: Vec<&str> = PLANNER_SETTINGS.to_vec();
    statements.push(&analysis);
    let sql = crate::pinned::read_only_batch(&statements);
    let stream = client.simple_query_raw(&sql).await?;
    let mut stream = std::pin::pin!(stream);
    let mut collector = Collector::new();
    while let Some(message) = stream.try_next().await? {
        if let SimpleQueryMessage::Row(row) = message {
            collector.push(&row)?;
        }
    }
    if !collector.saw_role() {
        return Err(AccessError::Row("the analysis returned no role row".into()));
    }
    Ok(collector.finish())
}
