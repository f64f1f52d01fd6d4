//! Change data capture (logical replication) readiness of a source: what
//! the analysis reads about the server, the login role, the publication,
//! the slot and each table in scope, when the job reads by CDC.
//!
//! The rows come in the same analysis statement (kinds `cdc_*`, columns
//! `c1`..`c10` as every analysis row), read-only and `pg_catalog`-qualified
//! like the rest. Settings that only some versions or platforms have are
//! read with `current_setting(name, true)` (null when absent) and columns
//! that only newer catalogs have through `to_jsonb(row) ->> 'column'`, so
//! one statement serves PostgreSQL 13 to 19.
//!
//! The rules over these facts are in `cdc.rs`.

use super::query::kind;
use super::AccessError;
use crate::connection::Provider;
use serde::{Deserialize, Serialize};

/// What the analysis read for CDC (the `replication` object of `access`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replication {
    pub server: ReplicationServer,
    pub role: ReplicationRole,
    /// The named publication (none named: none read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<Publication>,
    /// The named slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<Slot>,
    /// Each table in scope (plain and partitioned), sorted.
    pub tables: Vec<CdcTable>,
    /// The replication connection of the test's last stage, when it opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<ReplicationConnection>,
}

/// What `IDENTIFY_SYSTEM` answered on the replication connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicationConnection {
    pub system_id: String,
    pub timeline: u32,
    /// The current WAL write position (`xlogpos`), as `0/16B3748`.
    pub wal_position: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The connection and the command, in milliseconds.
    pub ms: f64,
}

impl Eq for ReplicationConnection {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationServer {
    pub wal_level: String,
    /// PostgreSQL 19+: `effective_wal_level` (logical decoding may be on
    /// with `wal_level = replica` once a logical slot exists); null before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_wal_level: Option<String>,
    pub hot_standby_feedback: bool,
    pub max_replication_slots: u32,
    /// Slots that exist (each holds one of `max_replication_slots`).
    pub slots_used: u32,
    pub max_wal_senders: u32,
    /// WAL senders running now (`pg_stat_replication`, whose rows every
    /// role sees; `pg_stat_activity` hides other roles' backend types).
    pub wal_senders: u32,
    /// The platform, from settings only it has (`rds.logical_replication`,
    /// `cloudsql.logical_decoding`, `azure.extensions`); null when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Provider>,
    /// That platform's logical replication switch, as it reads now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_setting: Option<String>,
}

/// The login role (`session_user`): a replication connection
/// authenticates as it, and the REPLICATION attribute is not inherited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationRole {
    pub name: String,
    /// `rolreplication`.
    pub replication: bool,
    pub superuser: bool,
    /// Member of `rds_replication` (RDS and Aurora); null where that role does not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rds_replication: Option<bool>,
    /// Roles it is a member of that have REPLICATION (which it does not get from them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replication_groups: Vec<String>,
    /// CREATE on the database (what CREATE PUBLICATION needs).
    pub create_on_database: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub name: String,
    pub exists: bool,
    pub all_tables: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    /// `publish_via_partition_root`.
    pub via_root: bool,
    /// The role owns it (or is a member of its owner): it may ALTER it.
    pub owned: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub name: String,
    pub exists: bool,
    /// `logical` or `physical`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_pid: Option<i32>,
    /// `reserved`, `extended`, `unreserved` or `lost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wal_status: Option<String>,
    /// Why it was invalidated (PostgreSQL 17's `invalidation_reason`, or
    /// `conflicting` on 16); null while usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidation: Option<String>,
    /// Bytes of WAL that can still be written before the slot is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_wal_size: Option<i64>,
}

/// `pg_class.relreplident`, with an `index` identity whose index is gone read as `nothing`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaIdentity {
    /// The primary key's columns (none without a primary key).
    #[default]
    Default,
    Nothing,
    Full,
    Index,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdcTable {
    pub schema: String,
    pub name: String,
    pub partitioned: bool,
    pub partition: bool,
    pub replica_identity: ReplicaIdentity,
    pub has_primary_key: bool,
    /// A unique, non-deferrable, non-partial index on NOT NULL columns only:
    /// what `REPLICA IDENTITY USING INDEX` may name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_index: Option<String>,
    /// In the named publication (itself, an ancestor, or every partition);
    /// null without a publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// The publication's row filter for it (PostgreSQL 15+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_filter: Option<String>,
    /// The publication's column list, when it publishes only some columns (15+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// The role owns it (ALTER TABLE ... REPLICA IDENTITY needs that).
    pub owned: bool,
}

/// The CTE the `cdc_table` rows read: the named publication's tables by OID,
/// with their row filter and column list where the catalog has them.
pub(super) const CDC_CTES: &str = r#"pubrel AS MATERIALIZED (
  SELECT c.oid, pg_catalog.to_jsonb(pt) OPERATOR(pg_catalog.->>) 'rowfilter' AS rowfilter,
    pg_catalog.to_jsonb(pt) OPERATOR(pg_catalog.->) 'attnames' AS attnames
  FROM pg_catalog.pg_publication_tables pt
  JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) pt.schemaname
  JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) n.oid AND c.relname OPERATOR(pg_catalog.=) pt.tablename
  WHERE pt.pubname::pg_catalog.text OPERATOR(pg_catalog.=) {publication}
)"#;

/// The CDC rows; `{publication}` and `{slot}` are text literals or NULL.
pub(super) const CDC_BRANCHES: &[&str] = &[
    r#"SELECT 'cdc_server', pg_catalog.current_setting('wal_level'), pg_catalog.current_setting('effective_wal_level', true),
  pg_catalog.current_setting('hot_standby_feedback'), pg_catalog.current_setting('max_replication_slots'),
  (SELECT pg_catalog.count(*) FROM pg_catalog.pg_replication_slots)::pg_catalog.text,
  pg_catalog.current_setting('max_wal_senders'),
  (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_replication)::pg_catalog.text,
  CASE WHEN pg_catalog.current_setting('rds.logical_replication', true) IS NOT NULL THEN 'rds'
    WHEN pg_catalog.current_setting('cloudsql.logical_decoding', true) IS NOT NULL THEN 'cloud_sql'
    WHEN pg_catalog.current_setting('azure.extensions', true) IS NOT NULL THEN 'azure' END,
  COALESCE(pg_catalog.current_setting('rds.logical_replication', true), pg_catalog.current_setting('cloudsql.logical_decoding', true)),
  NULL"#,
    r#"SELECT 'cdc_role', r.rolname::pg_catalog.text, r.rolreplication::pg_catalog.text, r.rolsuper::pg_catalog.text,
  (SELECT pg_catalog.bool_or(pg_catalog.pg_has_role(r.oid, g.oid, 'MEMBER')) FROM pg_catalog.pg_roles g
    WHERE g.rolname OPERATOR(pg_catalog.=) 'rds_replication')::pg_catalog.text,
  (SELECT pg_catalog.array_to_json(pg_catalog.array_agg(g.rolname::pg_catalog.text ORDER BY g.rolname))::pg_catalog.text
    FROM pg_catalog.pg_roles g WHERE g.rolreplication AND g.oid OPERATOR(pg_catalog.<>) r.oid AND pg_catalog.pg_has_role(r.oid, g.oid, 'MEMBER')),
  pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE')::pg_catalog.text,
  NULL, NULL, NULL, NULL
FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) SESSION_USER"#,
    r#"SELECT 'cdc_publication', n.name, (p.oid IS NOT NULL)::pg_catalog.text, p.puballtables::pg_catalog.text,
  p.pubinsert::pg_catalog.text, p.pubupdate::pg_catalog.text, p.pubdelete::pg_catalog.text, p.pubtruncate::pg_catalog.text,
  p.pubviaroot::pg_catalog.text, pg_catalog.pg_has_role(p.pubowner, 'USAGE')::pg_catalog.text, NULL
FROM (SELECT {publication} AS name) n
LEFT JOIN pg_catalog.pg_publication p ON p.pubname::pg_catalog.text OPERATOR(pg_catalog.=) n.name
WHERE n.name IS NOT NULL"#,
    r#"SELECT 'cdc_slot', n.name, (s.slot_name IS NOT NULL)::pg_catalog.text, s.slot_type::pg_catalog.text, s.database::pg_catalog.text,
  s.plugin::pg_catalog.text, s.active::pg_catalog.text, s.active_pid::pg_catalog.text, s.wal_status::pg_catalog.text,
  COALESCE(pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.->>) 'invalidation_reason',
    CASE WHEN pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.->>) 'conflicting' OPERATOR(pg_catalog.=) 'true' THEN 'conflicting' END),
  s.safe_wal_size::pg_catalog.text
FROM (SELECT {slot} AS name) n
LEFT JOIN pg_catalog.pg_replication_slots s ON s.slot_name::pg_catalog.text OPERATOR(pg_catalog.=) n.name
WHERE n.name IS NOT NULL"#,
    r#"SELECT 'cdc_table', r.nspname, r.relname,
  CASE WHEN c.relreplident OPERATOR(pg_catalog.=) 'i' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
    WHERE i.indrelid OPERATOR(pg_catalog.=) r.oid AND i.indisreplident) THEN 'n' ELSE c.relreplident::pg_catalog.text END,
  EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid OPERATOR(pg_catalog.=) r.oid AND i.indisprimary)::pg_catalog.text,
  (SELECT ic.relname::pg_catalog.text FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
    WHERE i.indrelid OPERATOR(pg_catalog.=) r.oid AND i.indisunique AND i.indimmediate AND i.indisvalid
      AND i.indpred IS NULL AND i.indexprs IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) r.oid
        AND a.attnum OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[]) AND NOT a.attnotnull)
    ORDER BY i.indisprimary DESC, ic.relname LIMIT 1),
  CASE WHEN {publication} IS NULL THEN NULL ELSE (
    EXISTS (SELECT 1 FROM (SELECT r.oid UNION ALL SELECT a.relid FROM pg_catalog.pg_partition_ancestors(r.oid) a) an(relid) JOIN pubrel p ON p.oid OPERATOR(pg_catalog.=) an.relid)
    OR (r.relkind OPERATOR(pg_catalog.=) 'p' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_partition_tree(r.oid) t
      WHERE t.isleaf AND NOT EXISTS (SELECT 1 FROM pubrel p WHERE p.oid OPERATOR(pg_catalog.=) t.relid)))
  )::pg_catalog.text END,
  (SELECT p.rowfilter FROM (SELECT r.oid UNION ALL SELECT a.relid FROM pg_catalog.pg_partition_ancestors(r.oid) a) an(relid) JOIN pubrel p ON p.oid OPERATOR(pg_catalog.=) an.relid
    WHERE p.rowfilter IS NOT NULL LIMIT 1),
  (SELECT p.attnames::pg_catalog.text FROM pubrel p WHERE p.oid OPERATOR(pg_catalog.=) r.oid
    AND pg_catalog.jsonb_array_length(p.attnames) OPERATOR(pg_catalog.<) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute a
      WHERE a.attrelid OPERATOR(pg_catalog.=) r.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped)),
  r.relkind::pg_catalog.text OPERATOR(pg_catalog.||) CASE WHEN r.relispartition THEN ',partition' ELSE '' END,
  pg_catalog.pg_has_role(c.relowner, 'USAGE')::pg_catalog.text
FROM cls r JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.oid
WHERE NOT r.is_seq AND r.in_scope AND r.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])"#,
];

/// Accumulates the `cdc_*` rows.
#[derive(Debug, Default)]
pub(super) struct Rows {
    seen: bool,
    replication: Replication,
}

impl Rows {
    pub(super) fn push(&mut self, f: &[Option<&str>]) -> Result<(), AccessError> {
        self.seen = true;
        let r = &mut self.replication;
        match f[0].unwrap_or_default() {
            kind::CDC_SERVER => r.server = server(f)?,
            kind::CDC_ROLE => r.role = role(f)?,
            kind::CDC_PUBLICATION => r.publication = Some(publication(f)?),
            kind::CDC_SLOT => r.slot = Some(slot(f)?),
            kind::CDC_TABLE => r.tables.push(table(f)?),
            other => return Err(AccessError::Row(format!("unknown row kind {other:?}"))),
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Option<Replication> {
        let mut r = self.replication;
        r.tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.seen.then_some(r)
    }
}

fn text(f: &[Option<&str>], i: usize) -> Option<String> {
    f[i].map(str::to_owned)
}

fn req(f: &[Option<&str>], i: usize) -> Result<String, AccessError> {
    text(f, i).ok_or_else(|| AccessError::Row(format!("column c{i} is null in a {:?} row", f[0])))
}

fn flag(f: &[Option<&str>], i: usize) -> Result<bool, AccessError> {
    match f[i] {
        Some("true" | "t" | "on") => Ok(true),
        Some("false" | "f" | "off") | None => Ok(false),
        Some(other) => Err(AccessError::Row(format!("not a boolean: {other:?}"))),
    }
}

fn number<T: std::str::FromStr>(f: &[Option<&str>], i: usize) -> Result<Option<T>, AccessError> {
    f[i].map(|v| v.trim().parse::<T>().map_err(|_| AccessError::Row(format!("not a number: {v:?}")))).transpose()
}

fn count(f: &[Option<&str>], i: usize) -> Result<u32, AccessError> {
    Ok(number::<u32>(f, i)?.unwrap_or(0))
}

fn server(f: &[Option<&str>]) -> Result<ReplicationServer, AccessError> {
    Ok(ReplicationServer {
        wal_level: req(f, 1)?,
        effective_wal_level: text(f, 2),
        hot_standby_feedback: flag(f, 3)?,
        max_replication_slots: count(f, 4)?,
        slots_used: count(f, 5)?,
        max_wal_senders: count(f, 6)?,
        wal_senders: count(f, 7)?,
        platform: match f[8] {
            Some("rds") => Some(Provider::Rds),
            Some("cloud_sql") => Some(Provider::CloudSql),
            Some("azure") => Some(Provider::Azure),
            _ => None,
        },
        platform_setting: text(f, 9),
    })
}

fn role(f: &[Option<&str>]) -> Result<ReplicationRole, AccessError> {
    let groups: Vec<String> = match f[5] {
        Some(json) => serde_json::from_str(json).map_err(|e| AccessError::Row(format!("replication groups: {e}")))?,
        None => vec![],
    };
    Ok(ReplicationRole {
        name: req(f, 1)?,
        replication: flag(f, 2)?,
        superuser: flag(f, 3)?,
        rds_replication: f[4].map(|_| flag(f, 4)).transpose()?,
        replication_groups: groups,
        create_on_database: flag(f, 6)?,
    })
}

fn publication(f: &[Option<&str>]) -> Result<Publication, AccessError> {
    Ok(Publication {
        name: req(f, 1)?,
        exists: flag(f, 2)?,
        all_tables: flag(f, 3)?,
        insert: flag(f, 4)?,
        update: flag(f, 5)?,
        delete: flag(f, 6)?,
        truncate: flag(f, 7)?,
        via_root: flag(f, 8)?,
        owned: flag(f, 9)?,
    })
}

fn slot(f: &[Option<&str>]) -> Result<Slot, AccessError> {
    Ok(Slot {
        name: req(f, 1)?,
        exists: flag(f, 2)?,
        slot_type: text(f, 3),
        database: text(f, 4),
        plugin: text(f, 5),
        active: flag(f, 6)?,
        active_pid: number(f, 7)?,
        wal_status: text(f, 8),
        invalidation: text(f, 9),
        safe_wal_size: number(f, 10)?,
    })
}

fn table(f: &[Option<&str>]) -> Result<CdcTable, AccessError> {
    let kind = req(f, 9)?;
    let columns: Option<Vec<String>> = match f[8] {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| AccessError::Row(format!("column list: {e}")))?),
        None => None,
    };
    Ok(CdcTable {
        schema: req(f, 1)?,
        name: req(f, 2)?,
        partitioned: kind.starts_with('p'),
        partition: kind.ends_with(",partition"),
        replica_identity: match f[3] {
            Some("n") => ReplicaIdentity::Nothing,
            Some("f") => ReplicaIdentity::Full,
            Some("i") => ReplicaIdentity::Index,
            _ => ReplicaIdentity::Default,
        },
        has_primary_key: flag(f, 4)?,
        identity_index: text(f, 5),
        published: f[6].map(|_| flag(f, 6)).transpose()?,
        row_filter: text(f, 7),
        columns,
        owned: flag(f, 10)?,
    })
}
