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
//! - Big catalogs are read in single passes: `pg_class` once (into a
//!   materialized CTE shared by the relation and sequence branches),
//!   `pg_attribute` once for the few relations that have column ACLs (an
//!   aggregate that also tells whether a column privilege covers every
//!   column), defaults and dependencies through joins; no correlated
//!   subquery. The seven per-table privilege calls only run when the role has
//!   some privilege on the table at all, and `has_any_column_privilege` only
//!   when a column ACL exists (without one, a column privilege cannot exist).
//! - The planner's cost estimate stays low (about 60,000 at 100,000 tables),
//!   under `jit_above_cost`: JIT compiling this query costs more than running
//!   it (1.5 s measured when correlated subqueries inflated the estimate).
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
    pub const SEQUENCE: &str = "sequence";
    pub const FUNCTION: &str = "function";
    pub const USE: &str = "use";
    pub const MISSING: &str = "missing";
    pub const OTHER_SCHEMA: &str = "other_schema";
}

/// Number of columns of every analysis row.
pub(crate) const COLUMNS: usize = 11;

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
///   column privileges (`PRIV:all` / `PRIV:some`), rls, parent schema, parent name
/// - `sequence`: schema, name, privileges, owner schema, owner table, owner column, identity
/// - `function`: schema, name, identity arguments, prokind, EXECUTE
/// - `use`: table schema, table name, via (default/generated/check), column,
///   constraint, object type (sequence/function), schema, name, identity arguments, granted
/// - `missing`: schema, name (null for a schema)
/// - `other_schema`: name of a schema outside the scope (for choosing a scope)
///
/// On catalogs far beyond 100,000 relations the estimate can pass
/// `jit_above_cost`; a caller that wraps this in its own transaction can put
/// `SET LOCAL jit TO off` before it.
pub fn analysis_sql(scope: &Scope) -> Result<String, AccessError> {
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

    Ok(fill(TEMPLATE, &[("scope_schemas", &scope_schemas), ("scope_tables", &scope_tables), ("all", all)]))
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

const TEMPLATE: &str = r#"WITH
scope_schemas(nspname) AS ({scope_schemas}),
scope_tables(nspname, relname) AS ({scope_tables}),
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
    ns.complete OR st.relname IS NOT NULL AS in_scope
  FROM pg_catalog.pg_class c
  JOIN ns ON ns.oid OPERATOR(pg_catalog.=) c.relnamespace
  LEFT JOIN scope_tables st ON st.nspname OPERATOR(pg_catalog.=) ns.nspname AND st.relname OPERATOR(pg_catalog.=) c.relname::pg_catalog.text
  WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm', 'f', 'S']::pg_catalog."char"[])
),
colacl AS MATERIALIZED (
  SELECT a.attrelid,
    pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT')) AS all_select,
    pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'INSERT')) AS all_insert,
    pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'UPDATE')) AS all_update,
    pg_catalog.bool_and(pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'REFERENCES')) AS all_references
  FROM pg_catalog.pg_attribute a
  WHERE a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
    AND a.attrelid OPERATOR(pg_catalog.=) ANY (SELECT b.attrelid FROM pg_catalog.pg_attribute b WHERE b.attacl IS NOT NULL AND b.attnum OPERATOR(pg_catalog.>) 0)
  GROUP BY a.attrelid
),
rel AS MATERIALIZED (
  SELECT y.*,
    CASE WHEN y.colacl AND NOT y.p_select THEN pg_catalog.has_any_column_privilege(y.oid, 'SELECT') ELSE false END AS c_select,
    CASE WHEN y.colacl AND NOT y.p_insert THEN pg_catalog.has_any_column_privilege(y.oid, 'INSERT') ELSE false END AS c_insert,
    CASE WHEN y.colacl AND NOT y.p_update THEN pg_catalog.has_any_column_privilege(y.oid, 'UPDATE') ELSE false END AS c_update,
    CASE WHEN y.colacl AND NOT y.p_references THEN pg_catalog.has_any_column_privilege(y.oid, 'REFERENCES') ELSE false END AS c_references
  FROM (
    SELECT x.*,
      CASE WHEN x.any_tbl THEN pg_catalog.has_table_privilege(x.oid, 'SELECT') ELSE false END AS p_select,
      CASE WHEN x.any_tbl THEN pg_catalog.has_table_privilege(x.oid, 'INSERT') ELSE false END AS p_insert,
      CASE WHEN x.any_tbl THEN pg_catalog.has_table_privilege(x.oid, 'UPDATE') ELSE false END AS p_update,
      CASE WHEN x.any_tbl THEN pg_catalog.has_table_privilege(x.oid, 'DELETE') ELSE false END AS p_delete,
      CASE WHEN x.any_tbl THEN pg_catalog.has_table_privilege(x.oid, 'TRUNCATE') ELSE false END AS p_truncate,
      CASE WHEN x.any_tbl THEN pg_catalog.has_table_privilege(x.oid, 'REFERENCES') ELSE false END AS p_references,
      CASE WHEN x.any_tbl THEN pg_catalog.has_table_privilege(x.oid, 'TRIGGER') ELSE false END AS p_trigger
    FROM (
      SELECT c.*,
        pg_catalog.has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS any_tbl,
        ca.attrelid IS NOT NULL AS colacl,
        ca.all_select, ca.all_insert, ca.all_update, ca.all_references
      FROM cls c
      LEFT JOIN colacl ca ON ca.attrelid OPERATOR(pg_catalog.=) c.oid
      WHERE c.relkind OPERATOR(pg_catalog.<>) 'S' AND c.in_scope
      OFFSET 0
    ) x
    OFFSET 0
  ) y
),
dep AS MATERIALIZED (
  SELECT r.nspname, r.relname, CASE WHEN a.attgenerated OPERATOR(pg_catalog.<>) '' THEN 'generated' ELSE 'default' END AS via,
    a.attname::pg_catalog.text AS col, NULL::pg_catalog.text AS con, d.refclassid, d.refobjid
  FROM rel r
  JOIN pg_catalog.pg_attrdef ad ON ad.adrelid OPERATOR(pg_catalog.=) r.oid
  JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) ad.adrelid AND a.attnum OPERATOR(pg_catalog.=) ad.adnum AND NOT a.attisdropped
  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) ad.oid AND d.deptype OPERATOR(pg_catalog.=) 'n'
  WHERE r.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'f']::pg_catalog."char"[])
  UNION ALL
  SELECT r.nspname, r.relname, 'check', NULL, co.conname::pg_catalog.text, d.refclassid, d.refobjid
  FROM rel r
  JOIN pg_catalog.pg_constraint co ON co.conrelid OPERATOR(pg_catalog.=) r.oid AND co.contype OPERATOR(pg_catalog.=) 'c'
  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) co.oid AND d.deptype OPERATOR(pg_catalog.=) 'n'
  WHERE r.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'f']::pg_catalog."char"[])
)
SELECT 'role'::pg_catalog.text AS sluice_access, me.rolname AS c1, pg_catalog.current_database()::pg_catalog.text AS c2,
  me.rolsuper::pg_catalog.text AS c3, me.bypassrls::pg_catalog.text AS c4, NULL::pg_catalog.text AS c5, NULL::pg_catalog.text AS c6,
  NULL::pg_catalog.text AS c7, NULL::pg_catalog.text AS c8, NULL::pg_catalog.text AS c9, NULL::pg_catalog.text AS c10
FROM me
UNION ALL
SELECT 'schema', ns.nspname, NULL,
  pg_catalog.has_schema_privilege(ns.oid, 'USAGE')::pg_catalog.text,
  pg_catalog.has_schema_privilege(ns.oid, 'CREATE')::pg_catalog.text,
  ns.complete::pg_catalog.text, NULL, NULL, NULL, NULL, NULL
FROM ns WHERE ns.listed
UNION ALL
SELECT 'other_schema', ns.nspname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM ns WHERE NOT ns.listed
UNION ALL
SELECT 'relation', r.nspname, r.relname, r.relkind::pg_catalog.text,
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
  pn.nspname::pg_catalog.text, pc.relname::pg_catalog.text, NULL, NULL
FROM rel r
LEFT JOIN pg_catalog.pg_inherits i ON r.relispartition AND i.inhrelid OPERATOR(pg_catalog.=) r.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid OPERATOR(pg_catalog.=) i.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) pc.relnamespace
UNION ALL
SELECT 'sequence', s.nspname, s.relname,
  pg_catalog.concat_ws(',',
    CASE WHEN pg_catalog.has_sequence_privilege(s.oid, 'USAGE') THEN 'USAGE' END,
    CASE WHEN pg_catalog.has_sequence_privilege(s.oid, 'SELECT') THEN 'SELECT' END,
    CASE WHEN pg_catalog.has_sequence_privilege(s.oid, 'UPDATE') THEN 'UPDATE' END),
  tn.nspname::pg_catalog.text, t.relname::pg_catalog.text, ta.attname::pg_catalog.text, COALESCE(d.deptype OPERATOR(pg_catalog.=) 'i', false)::pg_catalog.text,
  NULL, NULL, NULL
FROM cls s
LEFT JOIN pg_catalog.pg_depend d
  ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) s.oid AND d.objsubid OPERATOR(pg_catalog.=) 0
  AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid OPERATOR(pg_catalog.>) 0 AND d.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'i']::pg_catalog."char"[])
LEFT JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) d.refobjid
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) t.relnamespace
LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid OPERATOR(pg_catalog.=) d.refobjid AND ta.attnum OPERATOR(pg_catalog.=) d.refobjsubid
LEFT JOIN rel owner ON owner.oid OPERATOR(pg_catalog.=) d.refobjid
LEFT JOIN (SELECT DISTINCT dep.refobjid FROM dep WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass) used ON used.refobjid OPERATOR(pg_catalog.=) s.oid
WHERE s.relkind OPERATOR(pg_catalog.=) 'S' AND (s.in_scope OR owner.oid IS NOT NULL OR used.refobjid IS NOT NULL)
UNION ALL
SELECT 'function', n.nspname::pg_catalog.text, p.proname::pg_catalog.text, pg_catalog.pg_get_function_identity_arguments(p.oid),
  p.prokind::pg_catalog.text, pg_catalog.has_function_privilege(p.oid, 'EXECUTE')::pg_catalog.text, NULL, NULL, NULL, NULL, NULL
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
LEFT JOIN ns ON ns.oid OPERATOR(pg_catalog.=) p.pronamespace
LEFT JOIN pg_catalog.pg_depend e
  ON e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass AND e.objid OPERATOR(pg_catalog.=) p.oid AND e.deptype OPERATOR(pg_catalog.=) 'e'
LEFT JOIN (SELECT DISTINCT dep.refobjid FROM dep WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass) used ON used.refobjid OPERATOR(pg_catalog.=) p.oid
WHERE p.prokind OPERATOR(pg_catalog.=) ANY (ARRAY['f', 'p']::pg_catalog."char"[]) AND ((ns.complete AND e.objid IS NULL) OR used.refobjid IS NOT NULL)
UNION ALL
SELECT 'use', dep.nspname, dep.relname, dep.via, dep.col, dep.con, 'sequence', sn.nspname::pg_catalog.text, s.relname::pg_catalog.text, NULL,
  pg_catalog.has_sequence_privilege(s.oid, 'USAGE, UPDATE')::pg_catalog.text
FROM dep
JOIN pg_catalog.pg_class s ON s.oid OPERATOR(pg_catalog.=) dep.refobjid AND s.relkind OPERATOR(pg_catalog.=) 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid OPERATOR(pg_catalog.=) s.relnamespace
WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
UNION ALL
SELECT 'use', dep.nspname, dep.relname, dep.via, dep.col, dep.con, 'function', pn.nspname::pg_catalog.text, p.proname::pg_catalog.text,
  pg_catalog.pg_get_function_identity_arguments(p.oid), pg_catalog.has_function_privilege(p.oid, 'EXECUTE')::pg_catalog.text
FROM dep
JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) dep.refobjid
JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.pronamespace
WHERE dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
UNION ALL
SELECT 'missing', s.nspname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM scope_schemas s
WHERE NOT EXISTS (SELECT 1 FROM ns WHERE ns.nspname OPERATOR(pg_catalog.=) s.nspname)
UNION ALL
SELECT 'missing', t.nspname, t.relname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM scope_tables t
WHERE NOT EXISTS (SELECT 1 FROM rel WHERE rel.nspname OPERATOR(pg_catalog.=) t.nspname AND rel.relname OPERATOR(pg_catalog.=) t.relname)"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_scope_has_no_literals() {
        let sql = analysis_sql(&Scope::all()).unwrap();
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
        let sql = analysis_sql(&scope).unwrap();
        assert!(sql.contains("VALUES (E'a''b'::pg_catalog.text), (E'c\\\\d'::pg_catalog.text)"), "{sql}");
        assert!(sql.contains("VALUES (E's'::pg_catalog.text, E't'::pg_catalog.text))"), "{sql}");
        assert!(sql.contains("false OR n.nspname"));
    }

    #[test]
    fn placeholders_in_scope_names_are_not_filled_again() {
        let scope = Scope { schemas: vec!["x{all}".into(), "{scope_tables}".into()], tables: vec![] };
        let sql = analysis_sql(&scope).unwrap();
        assert!(sql.contains("(E'x{all}'::pg_catalog.text)"), "{sql}");
        assert!(sql.contains("(E'{scope_tables}'::pg_catalog.text)"), "{sql}");
        assert_eq!(fill("a{x}b{y}c{z}", &[("x", "{y}"), ("y", "1")]), "a{y}b1c{z}");
    }

    #[test]
    fn nul_is_rejected() {
        let scope = Scope { schemas: vec!["a\0".into()], tables: vec![] };
        assert!(matches!(analysis_sql(&scope), Err(AccessError::NulInScope(_))));
        let scope = Scope { schemas: vec![], tables: vec![("s".into(), "\0".into())] };
        assert!(analysis_sql(&scope).is_err());
    }
}
