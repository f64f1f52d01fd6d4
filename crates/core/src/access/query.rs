//! The analysis: one SELECT that asks Postgres, for `current_user`, about
//! every schema, relation, sequence and function in scope.
//!
//! Design:
//! - Privileges come from `has_*_privilege` called with the object's OID and
//!   no role argument (so for `current_user`): the server applies membership
//!   (INHERIT), ownership, superuser, predefined roles and PUBLIC itself.
//! - One statement, a `UNION ALL` of one branch per row kind with the kind in
//!   the leading `sluice_access` column; all columns are text, sent through
//!   the simple query protocol (no prepared statement: PgBouncer in
//!   transaction mode accepts it), so scope values are embedded as `E''`
//!   literals.
//! - Big catalogs are read in single passes, and joined by hash: `pg_class`
//!   once (a materialized CTE shared by every branch); for a destination
//!   `pg_attribute` once for the few columns that matter (with a column
//!   ACL, a default or an identity), `pg_attrdef`, `pg_depend` and
//!   `pg_constraint` by range. A source reads `pg_attribute` only on its
//!   index, for the relations it cannot SELECT as a whole. The
//!   plan must not depend on catalog statistics, which are stale right after
//!   a bulk migration: [`PLANNER_SETTINGS`] rules nested loops out, and the
//!   rare per-row lookups (a sequence owned by a column without a default,
//!   the columns of a table with column ACLs, a partition's parent) are
//!   scalar subqueries on an index, linear whatever the estimates.
//! - Table and sequence privileges depend only on the owner, the ACL and
//!   whether the relation is a sequence (outside the system catalogs, which
//!   are never analysed), so the `has_*_privilege` calls run once per
//!   distinct (owner, ACL) on one member of the group, not once per table:
//!   20,000 tables granted alike cost one set of calls.
//!   `has_any_column_privilege` only runs when a column ACL exists (without
//!   one, a column privilege cannot exist).
//! - No JIT (see [`PLANNER_SETTINGS`]).
//! - Row level security: `row_security_active(oid)`, the server's own test
//!   (enabled or forced, owner, BYPASSRLS, superuser), only for tables that
//!   have RLS enabled.
//! - No ORDER BY: the collector sorts.

use super::quote::quote_literal;
use super::AccessError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What to analyse. Both lists empty: every non-system schema. Otherwise the
/// union of the whole schemas in `schemas` and the single relations in
/// `tables` (`(schema, name)`). System schemas (`pg_catalog`,
/// `information_schema`, `pg_toast*`, `pg_temp_*`) are never analysed.
///
/// Sequences and functions are reported for the whole schemas, plus those
/// the in-scope relations use (owned sequences, defaults, CHECK constraints).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(default)]
    pub tables: Vec<(String, String)>,
}

impl Scope {
    /// Every non-system schema.
    pub fn all() -> Scope {
        Scope::default()
    }

    pub fn is_all(&self) -> bool {
        self.schemas.is_empty() && self.tables.is_empty()
    }
}

/// The name of the leading column that tells the row kind; lets a caller
/// that runs the analysis inside a larger batch recognise its rows.
pub const KIND_COLUMN: &str = "sluice_access";

/// Row kinds (values of [`KIND_COLUMN`]).
pub(crate) mod kind {
    pub const ROLE: &str = "role";
    pub const SCHEMA: &str = "schema";
    pub const RELATION: &str = "relation";
    pub const RELATIONS: &str = "relations";
    pub const SEQUENCE: &str = "sequence";
    pub const FUNCTION: &str = "function";
    pub const USE: &str = "use";
    pub const WRITE: &str = "write";
    pub const MISSING: &str = "missing";
    pub const OTHER_SCHEMA: &str = "other_schema";
    pub const CDC_SERVER: &str = "cdc_server";
    pub const CDC_ROLE: &str = "cdc_role";
    pub const CDC_PUBLICATION: &str = "cdc_publication";
    pub const CDC_SLOT: &str = "cdc_slot";
    pub const CDC_TABLE: &str = "cdc_table";
    /// The prefix of every CDC row kind (`replication.rs`).
    pub const CDC_PREFIX: &str = "cdc_";
}

/// Number of columns of every analysis row.
pub(crate) const COLUMNS: usize = 11;

/// Planner settings the analysis runs under, each a `SET LOCAL` that dies
/// with the read-only transaction (so a pooler hands on a clean session).
/// They make its speed independent of catalog statistics:
/// - `enable_nestloop off`: on catalogs that were never analysed (right
///   after a bulk migration, or with autovacuum off) the planner estimates
///   one row for a join of CTEs and picks nested loops over CTE scans, which
///   are quadratic (8,000 tables with a serial each: 13 s). Every join here
///   is an equality, so hash joins are always possible and stay linear; the
///   lookups that want an index are scalar subqueries, which this setting
///   does not touch.
/// - `enable_mergejoin off`: with the same one-row estimates the planner
///   sorts 20,000 relations by their ACL arrays to merge-join them with the
///   few distinct ACLs; a hash join reads each side once (about 10 ms less
///   at 20,000 relations, measured in docs/PERFORMANCE.md).
/// - `work_mem 64MB`: those hash joins and sorts stay in memory at 100,000
///   tables (the default 4 MB spills to disk). Only this transaction's
///   queries get it, and they are this one.
/// - `jit off`: on large catalogs the estimate can cross `jit_above_cost`,
///   and compiling costs more than the query (seen: +1.5 s).
pub const PLANNER_SETTINGS: [&str; 4] = [
    "SET LOCAL enable_nestloop TO off",
    "SET LOCAL enable_mergejoin TO off",
    "SET LOCAL work_mem TO '64MB'",
    "SET LOCAL jit TO off",
];

/// The analysis SELECT for `scope`: one statement, no trailing semicolon,
/// read-only. Every function, operator and type in it is qualified with
/// `pg_catalog` (`OPERATOR(pg_catalog.=)`, `= ANY` instead of `IN`, no `IS
/// DISTINCT FROM`), so no object of the database's can be picked whatever
/// the `search_path`; Sluice also runs it with the path pinned (`crate::pinned`).
///
/// Row layouts (columns `c1`..`c10` after the kind; booleans are `true`/`false`):
/// - `role`: role, database, superuser, bypasses RLS
/// - `schema`: name, USAGE, CREATE, complete
/// - `relation`: schema, name, relkind, privileges (comma-separated),
///   column privileges (`PRIV:all` / `PRIV:some`; a source's only
///   `SELECT`, and only without the table-level SELECT), rls, parent schema, parent name
/// - `relations` (sources): schema, names (a JSON array), relkind,
///   privileges: relations that share all of it and have no RLS, no parent
///   and no column privileges of their own (a `relation` row for one of
///   them takes its place)
/// - `sequence`: schema, name, privileges, owner schema, owner table, owner column, identity
/// - `function`: schema, name, identity arguments, prokind, EXECUTE
/// - `use`: table schema, table name, via (default/generated/check), column,
///   constraint, object type (sequence/function), schema, name, identity arguments, granted
/// - `write` (destinations): schema, name, conflict key columns (a JSON
///   array, null without a primary key or usable unique index), INSERT on
///   every written column, UPDATE on every written non-key column, SELECT
///   on every written column, the referencing tables (JSON `[[schema, name,
///   TRUNCATE]]`, with a truncate), RLS (null when not active for the role,
///   else `active` and which permissive policies admit `insert`, `update`,
///   `select`, and `restrictive`), user triggers (a JSON array), whether a
///   unique or exclusion constraint is DEFERRABLE
/// - `missing`: schema, name (null for a schema)
/// - `other_schema`: name of a schema outside the scope (for choosing a scope)
///
/// Run it after [`PLANNER_SETTINGS`], in the same transaction.
pub fn analysis_sql(scope: &Scope, reads: &Reads) -> Result<String, AccessError> {
    // Deduplicated, so the joins below cannot multiply rows.
    let schemas: BTreeSet<&str> = scope.schemas.iter().map(String::as_str).collect();
    let tables: BTreeSet<(&str, &str)> = scope.tables.iter().map(|(s, t)| (s.as_str(), t.as_str())).collect();

    let scope_schemas = if schemas.is_empty() {
        "SELECT NULL::pg_catalog.text WHERE false".to_owned()
    } else {
        let rows: Result<Vec<String>, AccessError> =
            schemas.iter().map(|s| Ok(format!("({}::pg_catalog.text)", quote_literal(s)?))).collect();
        format!("VALUES {}", rows?.join(", "))
    };
    let scope_tables = if tables.is_empty() {
        "SELECT NULL::pg_catalog.text, NULL::pg_catalog.text WHERE false".to_owned()
    } else {
        let rows: Result<Vec<String>, AccessError> = tables
            .iter()
            .map(|(s, t)| Ok(format!("({}::pg_catalog.text, {}::pg_catalog.text)", quote_literal(s)?, quote_literal(t)?)))
            .collect();
        format!("VALUES {}", rows?.join(", "))
    };
    let all = if scope.is_all() { "true" } else { "false" };

    let mut sql = String::from(COMMON_CTES);
    sql.push_str(",\n");
    sql.push_str(if reads.writes { DESTINATION_REL_CTES } else { SOURCE_REL_CTES });
    let mut branches: Vec<&str> = COMMON_BRANCHES.to_vec();
    if reads.writes {
        sql.push_str(",\n");
        sql.push_str(DESTINATION_CTES);
        sql.push_str(",\n");
        sql.push_str(WRITE_CTES);
        branches.extend(DESTINATION_BRANCHES);
    } else {
        branches.extend(SOURCE_BRANCHES);
    }
    let (mut publication, mut slot) = ("NULL::pg_catalog.text".to_owned(), "NULL::pg_catalog.text".to_owned());
    if let Some(cdc) = &reads.cdc {
        let literal = |name: &Option<String>| -> Result<Option<String>, AccessError> {
            name.as_deref().map(|n| Ok(format!("{}::pg_catalog.text", quote_literal(n)?))).transpose()
        };
        if let Some(p) = literal(&cdc.publication)? {
            publication = p;
        }
        if let Some(s) = literal(&cdc.slot)? {
            slot = s;
        }
        sql.push_str(",\n");
        sql.push_str(super::replication::CDC_CTES);
        branches.extend(super::replication::CDC_BRANCHES);
    }
    sql.push('\n');
    sql.push_str(&branches.join("\nUNION ALL\n"));
    let relkinds = if reads.writes { "'r', 'p', 'v', 'm', 'f', 'S'" } else { "'r', 'p', 'v', 'm', 'f'" };
    let truncate = if reads.truncate { "true" } else { "false" };
    // Listed tables (beside complete schemas) are looked up by name once,
    // in `scope_rel`; without them, no relation is tested against a list.
    let listed = "c.oid OPERATOR(pg_catalog.=) ANY (SELECT t.oid FROM scope_rel t WHERE t.oid IS NOT NULL)";
    let (table_scope, row_scope) = if tables.is_empty() {
        ("false".to_owned(), "true".to_owned())
    } else {
        (
            listed.to_owned(),
            format!("(c.relnamespace OPERATOR(pg_catalog.=) ANY (SELECT ns.oid FROM ns WHERE ns.complete) OR {listed})"),
        )
    };
    Ok(fill(
        &sql,
        &[
            ("scope_schemas", &scope_schemas),
            ("scope_tables", &scope_tables),
            ("all", all),
            ("relkinds", relkinds),
            ("truncate", truncate),
            ("table_scope", &table_scope),
            ("row_scope", &row_scope),
            ("publication", &publication),
            ("slot", &slot),
        ],
    ))
}

/// What the analysis reads, as the job decides: a source reads schemas and
/// relations (with RLS where it is enabled, and column grants of SELECT
/// where the table-level SELECT is missing: the only column grants that
/// change what a source can read); a destination
/// also the sequences, functions and dependencies its writes evaluate, and
/// per written table its key, per-column answers, policies and triggers;
/// with a truncate, the tables that reference each. A source read by CDC
/// also reads the replication facts (`replication.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reads {
    pub writes: bool,
    pub truncate: bool,
    pub cdc: Option<CdcNames>,
}

/// The publication and slot a CDC job names (either may be none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CdcNames {
    pub publication: Option<String>,
    pub slot: Option<String>,
}

impl Reads {
    /// Every destination fact (tests, the benchmark's worst case).
    pub const ALL: Reads = Reads { writes: true, truncate: true, cdc: None };

    pub fn for_job(job: crate::job::Job, options: &crate::job::JobOptions) -> Reads {
        match job {
            crate::job::Job::Source if options.cdc => Reads {
                cdc: Some(CdcNames { publication: options.publication.clone(), slot: options.slot.clone() }),
                ..Reads::default()
            },
            crate::job::Job::Source => Reads::default(),
            crate::job::Job::Destination => Reads { writes: true, truncate: options.truncate, ..Reads::default() },
        }
    }
}

/// Replaces each `{name}` of `template` with its value, in one pass: a
/// value is never scanned again, so a schema named `x{all}` stays itself.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| values.iter().find(|(k, _)| *k == &after[..close]).map(|(_, v)| (close, v))) {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

const COMMON_CTES: &str = r#"WITH
scope_schemas(nspname) AS ({scope_schemas}),
scope_tables(nspname, relname) AS ({scope_tables}),
scope_rel AS MATERIALIZED (
  SELECT t.nspname, t.relname, (SELECT c.oid FROM pg_catalog.pg_class c
    WHERE c.relname OPERATOR(pg_catalog.=) t.relname::pg_catalog.name AND c.relname::pg_catalog.text OPERATOR(pg_catalog.=) t.relname
      AND c.relnamespace OPERATOR(pg_catalog.=) (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) t.nspname::pg_catalog.name
        AND n.nspname::pg_catalog.text OPERATOR(pg_catalog.=) t.nspname)
      AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm', 'f']::pg_catalog."char"[])) AS oid
  FROM scope_tables t
),
me AS (
  SELECT r.rolname::pg_catalog.text AS rolname, r.rolsuper, r.rolsuper OR r.rolbypassrls AS bypassrls
  FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER
),
ns AS MATERIALIZED (
  SELECT n.oid, n.nspname::pg_catalog.text AS nspname,
    {all} OR n.nspname::pg_catalog.text OPERATOR(pg_catalog.=) ANY (SELECT s.nspname FROM scope_schemas s) AS complete,
    {all} OR n.nspname::pg_catalog.text OPERATOR(pg_catalog.=) ANY (SELECT s.nspname FROM scope_schemas s UNION ALL SELECT t.nspname FROM scope_tables t) AS listed
  FROM pg_catalog.pg_namespace n
  WHERE n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema']::pg_catalog.name[])
    AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast|temp_)'::pg_catalog.text
),
cls AS MATERIALIZED (
  SELECT c.oid, ns.nspname, c.relname::pg_catalog.text AS relname, c.relkind, c.relrowsecurity, c.relispartition,
    c.relowner, c.relacl IS NULL AS default_acl, COALESCE(c.relacl, ARRAY[]::pg_catalog.aclitem[]) AS acl,
    c.relkind OPERATOR(pg_catalog.=) 'S' AS is_seq,
    ns.complete OR {table_scope} AS in_scope
  FROM pg_catalog.pg_class c
  JOIN ns ON ns.oid OPERATOR(pg_catalog.=) c.relnamespace
  WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY[{relkinds}]::pg_catalog."char"[])
)"#;

/// A source's relations, grouped straight from one pass over `pg_class`
/// (no `cls`, no join per relation: the schema is joined to the groups):
/// one group per (owner, ACL, schema, kind, and a bucket of 4,000 OIDs, so
/// that one group's row stays far below the probe's 1 MiB message limit
/// however many tables share a schema) holds the names of its members (a
/// JSON array). Its privileges are asked of `has_table_privilege` once per
/// distinct (owner, ACL), on one member, in `gacl` (privileges depend only
/// on the owner, the ACL and whether it is a sequence), and joined to the
/// few groups. Only the members that need more get a row of their own in
/// `rel`, looked up by OID on pg_class's index: RLS enabled, a partition,
/// or no table-level SELECT but column grants (those are also in their
/// group's names: the collector lets the own row win). Column grants count
/// only for SELECT and only without the table-level SELECT (the only case
/// in which they change what a source reads), looked up on pg_attribute's
/// index; with SELECT granted on every table, pg_attribute is not read at
/// all. A row per group instead of one per relation: the server formats and
/// sends, and the client decodes, a few rows for 100,000 tables.
const SOURCE_REL_CTES: &str = r#"grp0 AS MATERIALIZED (
  SELECT c.relowner, c.relacl IS NULL AS default_acl, COALESCE(c.relacl, ARRAY[]::pg_catalog.aclitem[]) AS acl, c.relnamespace, c.relkind,
    c.oid::pg_catalog.int8 OPERATOR(pg_catalog./) 4000 AS bucket, pg_catalog.min(c.oid) AS oid,
    pg_catalog.json_agg(c.relname::pg_catalog.text) FILTER (WHERE NOT c.relrowsecurity AND NOT c.relispartition) AS names,
    pg_catalog.array_agg(c.oid) FILTER (WHERE NOT c.relrowsecurity AND NOT c.relispartition) AS oids,
    pg_catalog.array_agg(c.oid) FILTER (WHERE c.relrowsecurity OR c.relispartition) AS own
  FROM pg_catalog.pg_class c
  WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm', 'f']::pg_catalog."char"[]) AND {row_scope}
  GROUP BY 1, 2, 3, 4, 5, 6
),
gacl AS MATERIALIZED (
  SELECT a.relowner, a.default_acl, a.acl,
    pg_catalog.has_table_privilege(a.oid, 'SELECT') AS p_select,
    pg_catalog.has_table_privilege(a.oid, 'INSERT') AS p_insert,
    pg_catalog.has_table_privilege(a.oid, 'UPDATE') AS p_update,
    pg_catalog.has_table_privilege(a.oid, 'DELETE') AS p_delete,
    pg_catalog.has_table_privilege(a.oid, 'TRUNCATE') AS p_truncate,
    pg_catalog.has_table_privilege(a.oid, 'REFERENCES') AS p_references,
    pg_catalog.has_table_privilege(a.oid, 'TRIGGER') AS p_trigger
  FROM (SELECT g.relowner, g.default_acl, g.acl, pg_catalog.min(g.oid) AS oid FROM grp0 g GROUP BY 1, 2, 3) a
),
grp AS MATERIALIZED (
  SELECT ns.nspname, g.relkind, g.names, g.oids, g.own,
    a.p_select, a.p_insert, a.p_update, a.p_delete, a.p_truncate, a.p_references, a.p_trigger
  FROM grp0 g
  JOIN ns ON ns.oid OPERATOR(pg_catalog.=) g.relnamespace
  JOIN gacl a ON a.relowner OPERATOR(pg_catalog.=) g.relowner AND a.default_acl OPERATOR(pg_catalog.=) g.default_acl
    AND a.acl OPERATOR(pg_catalog.=) g.acl
  WHERE ns.listed
),
rel AS MATERIALIZED (
  SELECT x.*,
    x.colacl AND pg_catalog.has_any_column_privilege(x.oid, 'SELECT') AS c_select,
    false AS c_insert, false AS c_update, false AS c_references,
    CASE WHEN x.colacl THEN (SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT')) FROM pg_catalog.pg_attribute a
      WHERE a.attrelid OPERATOR(pg_catalog.=) x.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) END AS all_select,
    NULL::pg_catalog.bool AS all_insert, NULL::pg_catalog.bool AS all_update, NULL::pg_catalog.bool AS all_references
  FROM (
    SELECT o.oid, o.nspname, (o.pc).relname::pg_catalog.text AS relname, o.relkind, (o.pc).relrowsecurity, (o.pc).relispartition,
      o.p_select, o.p_insert, o.p_update, o.p_delete, o.p_truncate, o.p_references, o.p_trigger,
      NOT o.p_select AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) o.oid
        AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL) AS colacl
    FROM (
      SELECT m.*, (SELECT pc FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) m.oid) AS pc
      FROM (
        SELECT g.nspname, g.relkind, g.p_select, g.p_insert, g.p_update, g.p_delete, g.p_truncate, g.p_references, g.p_trigger,
          pg_catalog.unnest(g.own) AS oid
        FROM grp g WHERE g.own IS NOT NULL
      ) m
      OFFSET 0
    ) o
    UNION ALL
    SELECT m.oid, m.nspname, (SELECT pc.relname::pg_catalog.text FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) m.oid),
      m.relkind, false, false, false, m.p_insert, m.p_update, m.p_delete, m.p_truncate, m.p_references, m.p_trigger, true
    FROM (
      SELECT g.nspname, g.relkind, g.p_insert, g.p_update, g.p_delete, g.p_truncate, g.p_references, g.p_trigger,
        pg_catalog.unnest(g.oids) AS oid
      FROM grp g WHERE NOT g.p_select
    ) m
    WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) m.oid
      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL)
    OFFSET 0
  ) x
)"#;

/// A destination's relations, sequences included (`dcls`): grouped from one
/// pass over pg_class (`dgrp`), their privileges asked once per distinct
/// (owner, ACL, sequence or not) in `acl` and joined to the groups, which are
/// then unnested (no per-relation join on ACL arrays); every privilege's
/// column grants, from one pass over pg_attribute for the few columns that matter (with a column
/// ACL, a default or an identity), which the dependency CTEs and the write
/// row's key (a `serial` or identity key column is among them; any other is
/// looked up on pg_attribute's index) read as well.
const DESTINATION_REL_CTES: &str = r#"dgrp AS MATERIALIZED (
  SELECT c.relowner, c.relacl IS NULL AS default_acl, COALESCE(c.relacl, ARRAY[]::pg_catalog.aclitem[]) AS acl, c.relnamespace, c.relkind,
    c.relrowsecurity, c.relispartition, pg_catalog.min(c.oid) AS oid,
    pg_catalog.array_agg(c.oid) AS oids, pg_catalog.array_agg(c.relname::pg_catalog.text) AS names
  FROM pg_catalog.pg_class c
  WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY[{relkinds}]::pg_catalog."char"[])
    AND c.relnamespace OPERATOR(pg_catalog.=) ANY (SELECT ns.oid FROM ns)
  GROUP BY 1, 2, 3, 4, 5, 6, 7
),
acl AS MATERIALIZED (
  SELECT g.relowner, g.is_seq, g.default_acl, g.acl,
    CASE WHEN g.is_seq THEN false ELSE pg_catalog.has_table_privilege(g.oid, 'SELECT') END AS p_select,
    CASE WHEN g.is_seq THEN false ELSE pg_catalog.has_table_privilege(g.oid, 'INSERT') END AS p_insert,
    CASE WHEN g.is_seq THEN false ELSE pg_catalog.has_table_privilege(g.oid, 'UPDATE') END AS p_update,
    CASE WHEN g.is_seq THEN false ELSE pg_catalog.has_table_privilege(g.oid, 'DELETE') END AS p_delete,
    CASE WHEN g.is_seq THEN false ELSE pg_catalog.has_table_privilege(g.oid, 'TRUNCATE') END AS p_truncate,
    CASE WHEN g.is_seq THEN false ELSE pg_catalog.has_table_privilege(g.oid, 'REFERENCES') END AS p_references,
    CASE WHEN g.is_seq THEN false ELSE pg_catalog.has_table_privilege(g.oid, 'TRIGGER') END AS p_trigger,
    CASE WHEN g.is_seq THEN pg_catalog.has_sequence_privilege(g.oid, 'USAGE') ELSE false END AS s_usage,
    CASE WHEN g.is_seq THEN pg_catalog.has_sequence_privilege(g.oid, 'SELECT') ELSE false END AS s_select,
    CASE WHEN g.is_seq THEN pg_catalog.has_sequence_privilege(g.oid, 'UPDATE') ELSE false END AS s_update
  FROM (
    SELECT d.relowner, d.relkind OPERATOR(pg_catalog.=) 'S' AS is_seq, d.default_acl, d.acl, pg_catalog.min(d.oid) AS oid
    FROM dgrp d GROUP BY 1, 2, 3, 4
  ) g
),
dcls AS MATERIALIZED (
  SELECT c.oid, c.nspname, c.relname, c.relkind, c.relrowsecurity, c.relispartition, c.is_seq, c.complete OR {table_scope} AS in_scope,
    c.p_select, c.p_insert, c.p_update, c.p_delete, c.p_truncate, c.p_references, c.p_trigger, c.s_usage, c.s_select, c.s_update
  FROM (
    SELECT ns.nspname, ns.complete, g.relkind, g.relrowsecurity, g.relispartition, a.is_seq,
      a.p_select, a.p_insert, a.p_update, a.p_delete, a.p_truncate, a.p_references, a.p_trigger, a.s_usage, a.s_select, a.s_update,
      pg_catalog.unnest(g.oids) AS oid, pg_catalog.unnest(g.names) AS relname
    FROM dgrp g
    JOIN ns ON ns.oid OPERATOR(pg_catalog.=) g.relnamespace
    JOIN acl a ON a.relowner OPERATOR(pg_catalog.=) g.relowner AND a.is_seq OPERATOR(pg_catalog.=) (g.relkind OPERATOR(pg_catalog.=) 'S')
      AND a.default_acl OPERATOR(pg_catalog.=) g.default_acl AND a.acl OPERATOR(pg_catalog.=) g.acl
  ) c
),
att AS MATERIALIZED (
  SELECT a.attrelid, a.attnum, a.attname::pg_catalog.text AS attname, a.attgenerated, a.attacl IS NOT NULL AS has_acl
  FROM pg_catalog.pg_attribute a
  WHERE a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
    AND (a.attacl IS NOT NULL OR a.atthasdef OR a.attidentity OPERATOR(pg_catalog.<>) '')
),
colacl AS MATERIALIZED (
  SELECT b.attrelid,
    (SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT')) FROM pg_catalog.pg_attribute a
      WHERE a.attrelid OPERATOR(pg_catalog.=) b.attrelid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) AS all_select,
    (SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'INSERT')) FROM pg_catalog.pg_attribute a
      WHERE a.attrelid OPERATOR(pg_catalog.=) b.attrelid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) AS all_insert,
    (SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'UPDATE')) FROM pg_catalog.pg_attribute a
      WHERE a.attrelid OPERATOR(pg_catalog.=) b.attrelid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) AS all_update,
    (SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'REFERENCES')) FROM pg_catalog.pg_attribute a
      WHERE a.attrelid OPERATOR(pg_catalog.=) b.attrelid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) AS all_references
  FROM (SELECT DISTINCT att.attrelid FROM att WHERE att.has_acl) b
),
rel AS MATERIALIZED (
  SELECT x.*,
    CASE WHEN x.colacl AND NOT x.p_select THEN pg_catalog.has_any_column_privilege(x.oid, 'SELECT') ELSE false END AS c_select,
    CASE WHEN x.colacl AND NOT x.p_insert THEN pg_catalog.has_any_column_privilege(x.oid, 'INSERT') ELSE false END AS c_insert,
    CASE WHEN x.colacl AND NOT x.p_update THEN pg_catalog.has_any_column_privilege(x.oid, 'UPDATE') ELSE false END AS c_update,
    CASE WHEN x.colacl AND NOT x.p_references THEN pg_catalog.has_any_column_privilege(x.oid, 'REFERENCES') ELSE false END AS c_references
  FROM (
    SELECT c.oid, c.nspname, c.relname, c.relkind, c.relrowsecurity, c.relispartition,
      c.p_select, c.p_insert, c.p_update, c.p_delete, c.p_truncate, c.p_references, c.p_trigger,
      ca.attrelid IS NOT NULL AS colacl, ca.all_select, ca.all_insert, ca.all_update, ca.all_references
    FROM dcls c
    LEFT JOIN colacl ca ON ca.attrelid OPERATOR(pg_catalog.=) c.oid
    WHERE NOT c.is_seq AND c.in_scope
    OFFSET 0
  ) x
)"#;

/// Destination only: what writes evaluate (defaults, generated columns, CHECKs) and the sequences.
/// PostgreSQL 14 and later record what a generated column calls as a
/// dependency of its pg_attrdef entry; 12 and 13 as an auto dependency of
/// the column itself (the third branch, read only there).
const DESTINATION_CTES: &str = r#"dep AS MATERIALIZED (
  SELECT r.nspname, r.relname, CASE WHEN a.attgenerated OPERATOR(pg_catalog.<>) '' THEN 'generated' ELSE 'default' END AS via,
    a.attname AS col, NULL::pg_catalog.text AS con, d.refclassid, d.refobjid
  FROM rel r
  JOIN pg_catalog.pg_attrdef ad ON ad.adrelid OPERATOR(pg_catalog.=) r.oid
  JOIN att a ON a.attrelid OPERATOR(pg_catalog.=) ad.adrelid AND a.attnum OPERATOR(pg_catalog.=) ad.adnum
  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) ad.oid AND d.deptype OPERATOR(pg_catalog.=) 'n'
  WHERE r.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'f']::pg_catalog."char"[])
  UNION ALL
  SELECT r.nspname, r.relname, 'generated', a.attname, NULL, d.refclassid, d.refobjid
  FROM rel r
  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) r.oid
    AND d.objsubid OPERATOR(pg_catalog.>) 0 AND d.deptype OPERATOR(pg_catalog.=) 'a' AND d.refobjid OPERATOR(pg_catalog.<>) r.oid
  JOIN att a ON a.attrelid OPERATOR(pg_catalog.=) r.oid AND a.attnum OPERATOR(pg_catalog.=) d.objsubid AND a.attgenerated OPERATOR(pg_catalog.<>) ''
  WHERE r.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'f']::pg_catalog."char"[])
    AND pg_catalog.current_setting('server_version_num')::pg_catalog.int4 OPERATOR(pg_catalog.<) 140000
  UNION ALL
  SELECT r.nspname, r.relname, 'check', NULL, co.conname::pg_catalog.text, d.refclassid, d.refobjid
  FROM rel r
  JOIN pg_catalog.pg_constraint co ON co.conrelid OPERATOR(pg_catalog.=) r.oid AND co.contype OPERATOR(pg_catalog.=) 'c'
  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) co.oid AND d.deptype OPERATOR(pg_catalog.=) 'n'
  WHERE r.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'f']::pg_catalog."char"[])
),
seq AS MATERIALIZED (
  SELECT s.oid, s.nspname, s.relname, s.in_scope, s.s_usage, s.s_select, s.s_update
  FROM dcls s
  WHERE s.is_seq
)"#;

/// Destination only: per written table, its conflict key and the per-column answers.
/// The key is the primary key, joined by hash; a table without a usable one
/// (deferrable, or none) looks its unique indexes up on pg_index's index, so
/// no sort over every index of the database picks it.
const WRITE_CTES: &str = r#"wrel AS MATERIALIZED (
  SELECT r.oid, r.nspname, r.relname, r.relrowsecurity, r.colacl, r.p_insert, r.p_update, r.p_select
  FROM rel r WHERE r.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'f']::pg_catalog."char"[])
),
wkey AS MATERIALIZED (
  SELECT w.oid AS indrelid, COALESCE(pk.keys, (SELECT u.indkey::pg_catalog.int2[] FROM pg_catalog.pg_index u
    WHERE u.indrelid OPERATOR(pg_catalog.=) w.oid AND u.indisunique AND u.indimmediate AND u.indisvalid AND u.indpred IS NULL AND u.indexprs IS NULL
    ORDER BY u.indexrelid LIMIT 1)) AS keys
  FROM wrel w
  LEFT JOIN (SELECT i.indrelid, i.indkey::pg_catalog.int2[] AS keys FROM pg_catalog.pg_index i
    WHERE i.indisprimary AND i.indimmediate AND i.indisvalid) pk ON pk.indrelid OPERATOR(pg_catalog.=) w.oid
),
wcol AS MATERIALIZED (
  SELECT a.attrelid, a.attnum, a.attgenerated OPERATOR(pg_catalog.<>) '' AS generated,
    COALESCE(a.attnum OPERATOR(pg_catalog.=) ANY (k.keys), false) AS is_key
  FROM wrel w
  JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) w.oid
  LEFT JOIN wkey k ON k.indrelid OPERATOR(pg_catalog.=) w.oid
  WHERE w.colacl AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
),
/* Each once, joined by hash (a subquery per written table on pg_constraint,
   which has no index on confrelid, took 29 s at 20,000 tables with a truncate). */
wdefer AS MATERIALIZED (
  SELECT DISTINCT d.indrelid FROM pg_catalog.pg_index d
  WHERE (d.indisunique OR d.indisexclusion) AND NOT d.indimmediate
),
wtrig AS MATERIALIZED (
  SELECT t.tgrelid, pg_catalog.array_to_json(pg_catalog.array_agg(t.tgname::pg_catalog.text ORDER BY t.tgname))::pg_catalog.text AS names
  FROM pg_catalog.pg_trigger t WHERE NOT t.tgisinternal AND t.tgenabled OPERATOR(pg_catalog.<>) 'D'
  GROUP BY t.tgrelid
),
wref AS MATERIALIZED (
  SELECT f.confrelid, pg_catalog.array_to_json(pg_catalog.array_agg(pg_catalog.json_build_array(fn.nspname::pg_catalog.text, fc.relname::pg_catalog.text,
      pg_catalog.has_table_privilege(fc.oid, 'TRUNCATE'))))::pg_catalog.text AS tables
  FROM pg_catalog.pg_constraint f
  JOIN pg_catalog.pg_class fc ON fc.oid OPERATOR(pg_catalog.=) f.conrelid
  JOIN pg_catalog.pg_namespace fn ON fn.oid OPERATOR(pg_catalog.=) fc.relnamespace
  WHERE {truncate} AND f.contype OPERATOR(pg_catalog.=) 'f' AND f.conrelid OPERATOR(pg_catalog.<>) f.confrelid
  GROUP BY f.confrelid
)"#;

/// Rows every job reads.
const COMMON_BRANCHES: &[&str] = &[
    r#"SELECT 'role'::pg_catalog.text AS sluice_access, me.rolname AS c1, pg_catalog.current_database()::pg_catalog.text AS c2,
  me.rolsuper::pg_catalog.text AS c3, me.bypassrls::pg_catalog.text AS c4, NULL::pg_catalog.text AS c5, NULL::pg_catalog.text AS c6,
  NULL::pg_catalog.text AS c7, NULL::pg_catalog.text AS c8, NULL::pg_catalog.text AS c9, NULL::pg_catalog.text AS c10
FROM me"#,
    r#"SELECT 'schema', ns.nspname, NULL,
  pg_catalog.has_schema_privilege(ns.oid, 'USAGE')::pg_catalog.text,
  pg_catalog.has_schema_privilege(ns.oid, 'CREATE')::pg_catalog.text,
  ns.complete::pg_catalog.text, NULL, NULL, NULL, NULL, NULL
FROM ns WHERE ns.listed"#,
    r#"SELECT 'other_schema', ns.nspname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM ns WHERE NOT ns.listed"#,
    r#"SELECT 'missing', s.nspname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM scope_schemas s
WHERE NOT EXISTS (SELECT 1 FROM ns WHERE ns.nspname OPERATOR(pg_catalog.=) s.nspname)"#,
    r#"SELECT 'missing', t.nspname, t.relname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM scope_rel t
WHERE t.oid IS NULL OR NOT EXISTS (SELECT 1 FROM ns WHERE ns.oid OPERATOR(pg_catalog.=) (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) t.oid))"#,
];

/// A relation's own row (every relation of a destination's; a source's
/// that need more than their group says, see `SOURCE_REL_CTES`).
const RELATION_BRANCH: &str = r#"SELECT 'relation', r.nspname, r.relname, r.relkind::pg_catalog.text,
  pg_catalog.concat_ws(',',
    CASE WHEN r.p_select THEN 'SELECT' END, CASE WHEN r.p_insert THEN 'INSERT' END,
    CASE WHEN r.p_update THEN 'UPDATE' END, CASE WHEN r.p_delete THEN 'DELETE' END,
    CASE WHEN r.p_truncate THEN 'TRUNCATE' END, CASE WHEN r.p_references THEN 'REFERENCES' END,
    CASE WHEN r.p_trigger THEN 'TRIGGER' END),
  pg_catalog.concat_ws(',',
    CASE WHEN r.c_select THEN 'SELECT:' OPERATOR(pg_catalog.||) CASE WHEN r.all_select THEN 'all' ELSE 'some' END END,
    CASE WHEN r.c_insert THEN 'INSERT:' OPERATOR(pg_catalog.||) CASE WHEN r.all_insert THEN 'all' ELSE 'some' END END,
    CASE WHEN r.c_update THEN 'UPDATE:' OPERATOR(pg_catalog.||) CASE WHEN r.all_update THEN 'all' ELSE 'some' END END,
    CASE WHEN r.c_references THEN 'REFERENCES:' OPERATOR(pg_catalog.||) CASE WHEN r.all_references THEN 'all' ELSE 'some' END END),
  (CASE WHEN r.relrowsecurity THEN pg_catalog.row_security_active(r.oid) ELSE false END)::pg_catalog.text,
  CASE WHEN r.relispartition THEN (SELECT pn.nspname::pg_catalog.text FROM pg_catalog.pg_namespace pn WHERE pn.oid OPERATOR(pg_catalog.=)
    (SELECT pc.relnamespace FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=)
      (SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid OPERATOR(pg_catalog.=) r.oid))) END,
  CASE WHEN r.relispartition THEN (SELECT pc.relname::pg_catalog.text FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=)
    (SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid OPERATOR(pg_catalog.=) r.oid)) END,
  NULL, NULL
FROM rel r"#;

/// A source's groups of relations (`SOURCE_REL_CTES`).
const SOURCE_BRANCHES: &[&str] = &[
    r#"SELECT 'relations', g.nspname, g.names::pg_catalog.text, g.relkind::pg_catalog.text,
  pg_catalog.concat_ws(',',
    CASE WHEN g.p_select THEN 'SELECT' END, CASE WHEN g.p_insert THEN 'INSERT' END,
    CASE WHEN g.p_update THEN 'UPDATE' END, CASE WHEN g.p_delete THEN 'DELETE' END,
    CASE WHEN g.p_truncate THEN 'TRUNCATE' END, CASE WHEN g.p_references THEN 'REFERENCES' END,
    CASE WHEN g.p_trigger THEN 'TRIGGER' END),
  NULL, NULL, NULL, NULL, NULL, NULL
FROM grp g WHERE g.names IS NOT NULL"#,
    RELATION_BRANCH,
];

/// Rows a destination reads beside them.
const DESTINATION_BRANCHES: &[&str] = &[
    RELATION_BRANCH,
    r#"SELECT 'sequence', s.nspname, s.relname,
  pg_catalog.concat_ws(',', CASE WHEN s.s_usage THEN 'USAGE' END, CASE WHEN s.s_select THEN 'SELECT' END, CASE WHEN s.s_update THEN 'UPDATE' END),
  t.nspname, t.relname,
  COALESCE(ta.attname, (SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a
    WHERE a.attrelid OPERATOR(pg_catalog.=) d.refobjid AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid)),
  COALESCE(d.deptype OPERATOR(pg_catalog.=) 'i', false)::pg_catalog.text,
  NULL, NULL, NULL
FROM seq s
LEFT JOIN pg_catalog.pg_depend d
  ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) s.oid AND d.objsubid OPERATOR(pg_catalog.=) 0
  AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid OPERATOR(pg_catalog.>) 0 AND d.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'i']::pg_catalog."char"[])
LEFT JOIN dcls t ON t.oid OPERATOR(pg_catalog.=) d.refobjid
LEFT JOIN att ta ON ta.attrelid OPERATOR(pg_catalog.=) d.refobjid AND ta.attnum OPERATOR(pg_catalog.=) d.refobjsubid
LEFT JOIN rel owner ON owner.oid OPERATOR(pg_catalog.=) d.refobjid
LEFT JOIN (SELECT DISTINCT dep.refobjid FROM dep WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass) used ON used.refobjid OPERATOR(pg_catalog.=) s.oid
WHERE s.in_scope OR owner.oid IS NOT NULL OR used.refobjid IS NOT NULL"#,
    r#"SELECT 'function', n.nspname::pg_catalog.text, p.proname::pg_catalog.text, pg_catalog.pg_get_function_identity_arguments(p.oid),
  p.prokind::pg_catalog.text, pg_catalog.has_function_privilege(p.oid, 'EXECUTE')::pg_catalog.text, NULL, NULL, NULL, NULL, NULL
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
LEFT JOIN ns ON ns.oid OPERATOR(pg_catalog.=) p.pronamespace
LEFT JOIN pg_catalog.pg_depend e
  ON e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass AND e.objid OPERATOR(pg_catalog.=) p.oid AND e.deptype OPERATOR(pg_catalog.=) 'e'
LEFT JOIN (SELECT DISTINCT dep.refobjid FROM dep WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass) used ON used.refobjid OPERATOR(pg_catalog.=) p.oid
WHERE p.prokind OPERATOR(pg_catalog.=) ANY (ARRAY['f', 'p']::pg_catalog."char"[]) AND ((ns.complete AND e.objid IS NULL) OR used.refobjid IS NOT NULL)"#,
    r#"SELECT 'use', dep.nspname, dep.relname, dep.via, dep.col, dep.con, 'sequence', s.nspname, s.relname, NULL,
  (s.s_usage OR s.s_update)::pg_catalog.text
FROM dep
JOIN seq s ON s.oid OPERATOR(pg_catalog.=) dep.refobjid
WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"#,
    r#"SELECT 'use', dep.nspname, dep.relname, dep.via, dep.col, dep.con, 'function', pn.nspname::pg_catalog.text, p.proname::pg_catalog.text,
  pg_catalog.pg_get_function_identity_arguments(p.oid), pg_catalog.has_function_privilege(p.oid, 'EXECUTE')::pg_catalog.text
FROM dep
JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) dep.refobjid
JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.pronamespace
WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass"#,
    r#"SELECT 'write', w.nspname, w.relname,
  CASE WHEN pg_catalog.array_length(k.keys, 1) OPERATOR(pg_catalog.=) 1 THEN
    pg_catalog.json_build_array(COALESCE(ka.attname, (SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a
      WHERE a.attrelid OPERATOR(pg_catalog.=) w.oid AND a.attnum OPERATOR(pg_catalog.=) k.keys[pg_catalog.array_lower(k.keys, 1)])))::pg_catalog.text
  WHEN k.keys IS NOT NULL THEN
    (SELECT pg_catalog.array_to_json(pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY u.ord))::pg_catalog.text
      FROM pg_catalog.unnest(k.keys) WITH ORDINALITY u(attnum, ord)
      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) w.oid AND a.attnum OPERATOR(pg_catalog.=) u.attnum) END,
  (w.p_insert OR COALESCE((SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(c.attrelid, c.attnum, 'INSERT'))
    FROM wcol c WHERE c.attrelid OPERATOR(pg_catalog.=) w.oid AND NOT c.generated), false))::pg_catalog.text,
  (w.p_update OR COALESCE((SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(c.attrelid, c.attnum, 'UPDATE'))
    FROM wcol c WHERE c.attrelid OPERATOR(pg_catalog.=) w.oid AND NOT c.generated AND NOT c.is_key), false))::pg_catalog.text,
  (w.p_select OR COALESCE((SELECT pg_catalog.bool_and(pg_catalog.has_column_privilege(c.attrelid, c.attnum, 'SELECT'))
    FROM wcol c WHERE c.attrelid OPERATOR(pg_catalog.=) w.oid AND NOT c.generated), false))::pg_catalog.text,
  rf.tables,
  CASE WHEN w.relrowsecurity AND pg_catalog.row_security_active(w.oid) THEN (
    SELECT pg_catalog.concat_ws(',', 'active',
      CASE WHEN pg_catalog.bool_or(p.polpermissive AND p.polcmd OPERATOR(pg_catalog.=) ANY (ARRAY['*', 'a']::pg_catalog."char"[]) AND p.admits) THEN 'insert' END,
      CASE WHEN pg_catalog.bool_or(p.polpermissive AND p.polcmd OPERATOR(pg_catalog.=) ANY (ARRAY['*', 'w']::pg_catalog."char"[]) AND p.admits) THEN 'update' END,
      CASE WHEN pg_catalog.bool_or(p.polpermissive AND p.polcmd OPERATOR(pg_catalog.=) ANY (ARRAY['*', 'r']::pg_catalog."char"[]) AND p.admits) THEN 'select' END,
      CASE WHEN pg_catalog.bool_or(NOT p.polpermissive AND p.polcmd OPERATOR(pg_catalog.<>) 'd') THEN 'restrictive' END,
      CASE WHEN pg_catalog.bool_or(NOT p.polpermissive AND p.polcmd OPERATOR(pg_catalog.=) ANY (ARRAY['*', 'a']::pg_catalog."char"[]) AND NOT p.admits) THEN 'restrictive_rejects_insert' END)
    FROM (
      SELECT y.polpermissive, y.polcmd,
        COALESCE(pg_catalog.pg_get_expr(y.polqual, y.polrelid), '') OPERATOR(pg_catalog.<>) 'false'
          AND COALESCE(pg_catalog.pg_get_expr(y.polwithcheck, y.polrelid), '') OPERATOR(pg_catalog.<>) 'false' AS admits
      FROM pg_catalog.pg_policy y
      WHERE y.polrelid OPERATOR(pg_catalog.=) w.oid
        AND (0::pg_catalog.oid OPERATOR(pg_catalog.=) ANY (y.polroles)
          OR EXISTS (SELECT 1 FROM pg_catalog.unnest(y.polroles) pr(oid) WHERE pg_catalog.pg_has_role(pr.oid, 'USAGE')))
    ) p) END,
  tg.names,
  (wd.indrelid IS NOT NULL)::pg_catalog.text
FROM wrel w
LEFT JOIN wkey k ON k.indrelid OPERATOR(pg_catalog.=) w.oid
LEFT JOIN att ka ON ka.attrelid OPERATOR(pg_catalog.=) w.oid AND ka.attnum OPERATOR(pg_catalog.=) k.keys[pg_catalog.array_lower(k.keys, 1)]
LEFT JOIN wtrig tg ON tg.tgrelid OPERATOR(pg_catalog.=) w.oid
LEFT JOIN wdefer wd ON wd.indrelid OPERATOR(pg_catalog.=) w.oid
LEFT JOIN wref rf ON rf.confrelid OPERATOR(pg_catalog.=) w.oid"#,
];


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_scope_has_no_literals() {
        let sql = analysis_sql(&Scope::all(), &Reads::ALL).unwrap();
        assert!(sql.contains("true OR n.nspname"));
        assert!(!sql.contains("(E'"));
        assert!(!sql.trim_end().ends_with(';'));
        assert!(!sql.contains('{'), "unreplaced placeholder");
    }

    #[test]
    fn scope_literals_are_escaped_and_deduplicated() {
        let scope = Scope {
            schemas: vec!["a'b".into(), "c\\d".into(), "a'b".into()],
            tables: vec![("s".into(), "t".into()), ("s".into(), "t".into())],
        };
        let sql = analysis_sql(&scope, &Reads::ALL).unwrap();
        assert!(sql.contains("VALUES (E'a''b'::pg_catalog.text), (E'c\\\\d'::pg_catalog.text)"), "{sql}");
        assert!(sql.contains("VALUES (E's'::pg_catalog.text, E't'::pg_catalog.text))"), "{sql}");
        assert!(sql.contains("false OR n.nspname"));
    }

    #[test]
    fn placeholders_in_scope_names_are_not_filled_again() {
        let scope = Scope { schemas: vec!["x{all}".into(), "{scope_tables}".into()], tables: vec![] };
        let sql = analysis_sql(&scope, &Reads::ALL).unwrap();
        assert!(sql.contains("(E'x{all}'::pg_catalog.text)"), "{sql}");
        assert!(sql.contains("(E'{scope_tables}'::pg_catalog.text)"), "{sql}");
        assert_eq!(fill("a{x}b{y}c{z}", &[("x", "{y}"), ("y", "1")]), "a{y}b1c{z}");
    }

    #[test]
    fn nul_is_rejected() {
        let scope = Scope { schemas: vec!["a\0".into()], tables: vec![] };
        assert!(matches!(analysis_sql(&scope, &Reads::ALL), Err(AccessError::NulInScope(_))));
        let scope = Scope { schemas: vec![], tables: vec![("s".into(), "\0".into())] };
        assert!(analysis_sql(&scope, &Reads::ALL).is_err());
    }
}
