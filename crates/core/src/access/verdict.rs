//! Is the role ready for the job? Rules for a source (reads) and a
//! destination (writes), over an [`Access`] and a few session facts.

use super::fix_sql::fix_sql;
use super::quote::{qualified, quote_ident};
use super::model::{Access, Privilege, Referencing, RelationAccess, RelationKind, RlsPolicies, SchemaAccess, UseVia, UsedObject, WriteFacts};
use crate::job::{Job, JobOptions, OnConflict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Facts about the session the role gets, read by the probe's session
/// stage (one decoder: `probe/session.rs`) next to the analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFacts {
    /// `pg_is_in_recovery()`: a hot standby, which refuses all writes.
    pub in_recovery: bool,
    /// `default_transaction_read_only` is on for this session.
    pub default_transaction_read_only: bool,
    /// `server_version_num` (0 when unknown).
    #[serde(default)]
    pub server_version_num: u32,
    /// The session is relayed (a pooler or proxy is in between).
    #[serde(default)]
    pub relayed: bool,
    /// The provider the connection's host names (for guidance where SQL
    /// cannot fix a setting; the server's own evidence comes first).
    #[serde(default)]
    pub provider: crate::connection::Provider,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// What a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectType {
    /// The server or session (read-only, standby).
    Server,
    /// The database as a whole (e.g. nothing in scope).
    Database,
    Schema,
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    ForeignTable,
    /// A table named by the scope that was not found (kind unknown).
    Relation,
    Sequence,
    Function,
    Procedure,
    /// The login role itself (NOLOGIN, its connection limit, REPLICATION).
    Role,
    /// A publication (change data capture).
    Publication,
    /// A replication slot (change data capture).
    ReplicationSlot,
}

impl From<RelationKind> for ObjectType {
    fn from(kind: RelationKind) -> ObjectType {
        match kind {
            RelationKind::Table => ObjectType::Table,
            RelationKind::PartitionedTable => ObjectType::PartitionedTable,
            RelationKind::View => ObjectType::View,
            RelationKind::MaterializedView => ObjectType::MaterializedView,
            RelationKind::ForeignTable => ObjectType::ForeignTable,
        }
    }
}

impl ObjectType {
    pub fn is_relation(self) -> bool {
        matches!(
            self,
            ObjectType::Table
                | ObjectType::PartitionedTable
                | ObjectType::View
                | ObjectType::MaterializedView
                | ObjectType::ForeignTable
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub severity: Severity,
    pub object_type: ObjectType,
    pub schema: Option<String>,
    pub name: Option<String>,
    /// Functions only: the argument types that identify it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_args: Option<String>,
    /// The privileges that would fix it (empty when no GRANT can).
    pub missing: Vec<Privilege>,
    pub reason: String,
    /// The statement that fixes it when a GRANT cannot (ALTER ROLE ...
    /// REPLICATION, CREATE or ALTER PUBLICATION, ALTER TABLE ... REPLICA
    /// IDENTITY); the fix SQL lists it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
}

/// The `verdict` JSON object. `role` is the database role; `job` what it is checked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub role: String,
    pub job: Job,
    pub ready: bool,
    pub problems: Vec<Problem>,
    pub fix_sql: String,
}

impl Verdict {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Error)
    }
}

/// The verdict of a test the server refused before any analysis could run,
/// when one statement fixes it (no CONNECT on the database, a NOLOGIN
/// role...): not ready, one problem, and that statement as the fix SQL, so
/// the permissions view can show it although the connection failed.
pub fn refused(role: &str, database: &str, job: Job, problem: Problem, statement: &str) -> Verdict {
    let fix_sql = format!(
        "-- Sluice: the server refused role {} at login to database {}; this fixes it.\n\
         -- Run as a superuser or the database's owner.\n{statement}\n",
        super::quote::comment_name(role),
        super::quote::comment_name(database)
    );
    Verdict { role: role.to_owned(), job, ready: false, problems: vec![problem], fix_sql }
}

/// Judges `access` for `role`. `ready` is true when no problem is an error,
/// and for a destination also requires `default_transaction_read_only` off
/// (a warning, since the job's session could turn it off, but as the
/// session stands writes fail).
pub fn verdict(access: &Access, facts: &SessionFacts, role: Job, options: &JobOptions) -> Verdict {
    let mut problems = Vec::new();
    let covered = covered_partitions(access);
    match role {
        Job::Source => {
            source_rules(access, &covered, &mut problems);
            if let (true, Some(r)) = (options.cdc, &access.replication) {
                super::cdc::cdc_rules(r, &access.database, facts, &mut problems);
            }
        }
        Job::Destination => destination_rules(access, facts, options, &covered, &mut problems),
    }
    let has_error = problems.iter().any(|p| p.severity == Severity::Error);
    let read_only_destination = role == Job::Destination && facts.default_transaction_read_only;
    let ready = !has_error && !read_only_destination;
    let mut verdict = Verdict { role: access.role.clone(), job: role, ready, problems, fix_sql: String::new() };
    verdict.fix_sql = fix_sql(access, &verdict);
    verdict
}

/// Partitions whose parent is in the analysis: reads and writes go through
/// the parent, and Postgres checks privileges on the parent only.
fn covered_partitions(access: &Access) -> HashSet<(&str, &str)> {
    if !access.relations.iter().any(|r| r.partition_of.is_some()) {
        return HashSet::new();
    }
    let present: HashSet<(&str, &str)> = access.relations.iter().map(|r| (r.schema.as_str(), r.name.as_str())).collect();
    access
        .relations
        .iter()
        .filter(|r| {
            r.partition_of.as_ref().is_some_and(|p| present.contains(&(p.schema.as_str(), p.name.as_str())))
        })
        .map(|r| (r.schema.as_str(), r.name.as_str()))
        .collect()
}

fn relation_problem(r: &RelationAccess, severity: Severity, missing: Vec<Privilege>, reason: String) -> Problem {
    Problem {
        severity,
        object_type: r.kind.into(),
        schema: Some(r.schema.clone()),
        name: Some(r.name.clone()),
        identity_args: None,
        missing,
        reason,
        statement: None,
    }
}

fn schema_problem(schema: &str, severity: Severity, missing: Vec<Privilege>, reason: String) -> Problem {
    Problem {
        severity,
        object_type: ObjectType::Schema,
        schema: Some(schema.to_owned()),
        name: None,
        identity_args: None,
        missing,
        reason,
        statement: None,
    }
}

fn words(privileges: &[Privilege]) -> String {
    privileges.iter().map(|p| p.as_sql()).collect::<Vec<_>>().join(", ")
}

fn not_found_problems(access: &Access, problems: &mut Vec<Problem>) {
    for nf in &access.not_found {
        let (object_type, what) = match &nf.name {
            None => (ObjectType::Schema, "schema"),
            Some(_) => (ObjectType::Relation, "table"),
        };
        problems.push(Problem {
            severity: Severity::Error,
            object_type,
            schema: Some(nf.schema.clone()),
            name: nf.name.clone(),
            identity_args: None,
            missing: vec![],
            reason: format!(
                "the scope names this {what} but the database has none by that name (names are case-sensitive; \
                 system schemas are never analysed)"
            ),
            statement: None,
        });
    }
}

/// Schemas that hold relations the job must reach (not covered partitions).
fn schemas_in_use<'a>(access: &'a Access, covered: &HashSet<(&str, &str)>, kinds: impl Fn(RelationKind) -> bool) -> BTreeSet<&'a str> {
    access
        .relations
        .iter()
        .filter(|r| kinds(r.kind) && !covered.contains(&(r.schema.as_str(), r.name.as_str())))
        .map(|r| r.schema.as_str())
        .collect()
}

fn source_rules(access: &Access, covered: &HashSet<(&str, &str)>, problems: &mut Vec<Problem>) {
    not_found_problems(access, problems);
    if access.relations.is_empty() && access.not_found.is_empty() {
        problems.push(Problem {
            severity: Severity::Warning,
            object_type: ObjectType::Database,
            schema: None,
            name: Some(access.database.clone()),
            identity_args: None,
            missing: vec![],
            reason: "no table or view in scope: the job would read nothing".into(),
            statement: None,
        });
    }
    let schemas: HashMap<&str, &SchemaAccess> = access.schemas.iter().map(|s| (s.name.as_str(), s)).collect();
    for schema in schemas_in_use(access, covered, |_| true) {
        if let Some(s) = schemas.get(schema) {
            if !s.usage {
                problems.push(schema_problem(
                    schema,
                    Severity::Error,
                    vec![Privilege::Usage],
                    "no USAGE on the schema: nothing in it can be read, whatever the table grants say".into(),
                ));
            }
        }
    }
    for r in &access.relations {
        if covered.contains(&(r.schema.as_str(), r.name.as_str())) {
            if !r.has(Privilege::Select) {
                let parent = r.partition_of.as_ref().expect("covered partitions have a parent");
                problems.push(relation_problem(
                    r,
                    Severity::Info,
                    vec![],
                    format!(
                        "partition of {}: its rows are read through the parent, where Postgres checks privileges; \
                         reading the partition directly would need SELECT",
                        qualified(&parent.schema, &parent.name)
                    ),
                ));
            }
            continue;
        }
        if !r.has(Privilege::Select) {
            match r.column_grant(Privilege::Select) {
                Some(c) if c.all_columns => problems.push(relation_problem(
                    r,
                    Severity::Warning,
                    vec![],
                    "SELECT is granted column by column (on every column today) instead of on the table: \
                     whole rows can be read, but a column added later will not be"
                        .into(),
                )),
                Some(_) => problems.push(relation_problem(
                    r,
                    Severity::Error,
                    vec![Privilege::Select],
                    "SELECT is granted on some columns only: the job reads whole rows".into(),
                )),
                None => problems.push(relation_problem(
                    r,
                    Severity::Error,
                    vec![Privilege::Select],
                    format!("no SELECT: the {} cannot be read", r.kind.as_str().replace('_', " ")),
                )),
            }
        }
        if r.rls {
            problems.push(relation_problem(
                r,
                Severity::Warning,
                vec![],
                "row level security is on and the role neither bypasses it nor owns the table (or RLS is forced): \
                 its policies decide which rows the role sees, so a copy may silently miss rows"
                    .into(),
            ));
        }
    }
}

fn destination_rules(
    access: &Access,
    facts: &SessionFacts,
    options: &JobOptions,
    covered: &HashSet<(&str, &str)>,
    problems: &mut Vec<Problem>,
) {
    session_rules(access, facts, problems);
    not_found_problems(access, problems);
    destination_schema_rules(access, options, covered, problems);
    // The tables the job writes, in one TRUNCATE when it truncates.
    let written: HashSet<(&str, &str)> = access
        .relations
        .iter()
        .filter(|r| r.kind.is_writable_table() || r.kind == RelationKind::ForeignTable)
        .map(|r| (r.schema.as_str(), r.name.as_str()))
        .collect();
    // Sequences and functions that writes evaluate, deduplicated per object.
    let mut needed: BTreeMap<(UsedObject, String, String, Option<String>), Vec<String>> = BTreeMap::new();
    for r in &access.relations {
        let is_covered = covered.contains(&(r.schema.as_str(), r.name.as_str()));
        match r.kind {
            RelationKind::View | RelationKind::MaterializedView => problems.push(relation_problem(
                r,
                Severity::Info,
                vec![],
                format!("{} are not written by the job: skipped", plural(r.kind)),
            )),
            RelationKind::ForeignTable => foreign_table_rules(r, options, problems),
            RelationKind::Table | RelationKind::PartitionedTable if is_covered => covered_partition_rules(r, options, problems),
            RelationKind::Table | RelationKind::PartitionedTable => {
                table_privilege_rules(r, options, problems);
                if let Some(w) = &r.write {
                    key_rules(r, w, options, problems);
                    truncate_rules(r, w, options, &written, problems);
                    rls_rules(r, w, options, problems);
                    trigger_rules(r, w, problems);
                }
            }
        }
        collect_needed(r, is_covered, &mut needed);
    }
    needed_object_rules(needed, problems);
}

/// A standby or a read-only session refuses every write.
fn session_rules(access: &Access, facts: &SessionFacts, problems: &mut Vec<Problem>) {
    let server = |severity, reason: String| Problem {
        severity,
        object_type: ObjectType::Server,
        schema: None,
        name: None,
        identity_args: None,
        missing: vec![],
        reason,
        statement: None,
    };
    if facts.in_recovery {
        problems.push(server(
            Severity::Error,
            "the server is a hot standby (pg_is_in_recovery() is true): it refuses every write, whatever the grants; point the destination at the primary".into(),
        ));
    }
    if facts.default_transaction_read_only {
        problems.push(server(
            Severity::Warning,
            format!(
                "default_transaction_read_only is on for this role's sessions: every write fails unless the job \
                 turns it off in its own session. It is usually set on purpose (ALTER ROLE/DATABASE ... SET, or the \
                 server configuration) to fence writes, so the destination is not ready until that setting is \
                 removed for role {} or the job overrides it",
                quote_ident(&access.role)
            ),
        ));
    }
}

/// USAGE where tables are written; USAGE and CREATE everywhere with init_tables.
fn destination_schema_rules(access: &Access, options: &JobOptions, covered: &HashSet<(&str, &str)>, problems: &mut Vec<Problem>) {
    let written_schemas = schemas_in_use(access, covered, RelationKind::is_writable_table);
    for s in &access.schemas {
        let mut missing = Vec::new();
        let needs_usage = options.init_tables || written_schemas.contains(s.name.as_str());
        if needs_usage && !s.usage {
            missing.push(Privilege::Usage);
        }
        if options.init_tables && !s.create {
            missing.push(Privilege::Create);
        }
        if !missing.is_empty() {
            let reason = match (missing.contains(&Privilege::Usage), missing.contains(&Privilege::Create)) {
                (true, true) => "the job creates tables here (CREATE) and writes them (USAGE)",
                (false, true) => "the job creates tables here: CREATE on the schema is required",
                _ => "no USAGE on the schema: nothing in it can be written, whatever the table grants say",
            };
            problems.push(schema_problem(&s.name, Severity::Error, missing, reason.into()));
        }
    }
}

/// What the job's statements need on the table (`job.rs`): INSERT on every
/// column it writes; an upsert also UPDATE on the columns it sets; a
/// truncate, TRUNCATE.
fn needed_privileges(options: &JobOptions) -> Vec<Privilege> {
    let mut out = vec![Privilege::Insert];
    if options.on_conflict == OnConflict::Update {
        out.push(Privilege::Update);
    }
    if options.truncate {
        out.push(Privilege::Truncate);
    }
    out
}

fn foreign_table_rules(r: &RelationAccess, options: &JobOptions, problems: &mut Vec<Problem>) {
    let missing: Vec<Privilege> = needed_privileges(options).into_iter().filter(|p| !r.has(*p)).collect();
    let reason = if missing.is_empty() {
        "foreign table: writes go to the remote server, which checks its own privileges (not visible from here)".to_owned()
    } else {
        format!("foreign table without {}: writes through it fail here, and the remote server checks its own privileges too", words(&missing))
    };
    problems.push(relation_problem(r, Severity::Warning, missing, reason));
}

fn covered_partition_rules(r: &RelationAccess, options: &JobOptions, problems: &mut Vec<Problem>) {
    let missing: Vec<Privilege> = needed_privileges(options).into_iter().filter(|p| !r.has(*p)).collect();
    if let (false, Some(parent)) = (missing.is_empty(), r.partition_of.as_ref()) {
        problems.push(relation_problem(
            r,
            Severity::Info,
            vec![],
            format!(
                "partition of {}: rows are written (and truncated) through the parent, where Postgres checks privileges; writing the partition directly would need {}",
                qualified(&parent.schema, &parent.name),
                words(&missing)
            ),
        ));
    }
}

/// INSERT (and an upsert's UPDATE) on the table, or column by column on
/// every column the job writes; TRUNCATE when it truncates.
fn table_privilege_rules(r: &RelationAccess, options: &JobOptions, problems: &mut Vec<Problem>) {
    let write = r.write.as_ref();
    let mut missing = Vec::new();
    let mut by_column = Vec::new();
    for p in needed_privileges(options) {
        if r.has(p) {
            continue;
        }
        let every_column = match p {
            Privilege::Insert => write.map_or_else(|| r.column_grant(p).is_some_and(|c| c.all_columns), |w| w.insert_all),
            Privilege::Update => write.map_or_else(|| r.column_grant(p).is_some_and(|c| c.all_columns), |w| w.update_all),
            _ => false,
        };
        if every_column {
            by_column.push(p);
        } else {
            missing.push(p);
        }
    }
    if !missing.is_empty() {
        let partial: Vec<Privilege> = missing.iter().copied().filter(|p| r.column_grant(*p).is_some()).collect();
        let mut reason = format!("no {} on the {}", words(&missing), r.kind.as_str().replace('_', " "));
        if missing.contains(&Privilege::Truncate) {
            reason.push_str(" (the job truncates it first)");
        }
        if missing.contains(&Privilege::Update) {
            reason.push_str(" (the upsert's DO UPDATE sets every column but the key)");
        }
        if !partial.is_empty() {
            reason.push_str(&format!("; {} is granted on some of the columns the job writes only", words(&partial)));
        }
        problems.push(relation_problem(r, Severity::Error, missing, reason));
    }
    if !by_column.is_empty() {
        problems.push(relation_problem(
            r,
            Severity::Warning,
            vec![],
            format!(
                "{} granted column by column (on every column the job writes today) instead of on the table: rows can be written, but not a column added later",
                words(&by_column)
            ),
        ));
    }
    if !options.truncate && !r.has(Privilege::Truncate) {
        problems.push(relation_problem(r, Severity::Info, vec![], "no TRUNCATE: fine unless the job is set to truncate before writing".into()));
    }
}

/// The conflict key: an upsert names it, and reads it and every column it
/// sets (SELECT on all it writes); `DO NOTHING` names none, but refuses a
/// table with a DEFERRABLE constraint; without a key, a re-run inserts
/// duplicates.
fn key_rules(r: &RelationAccess, w: &WriteFacts, options: &JobOptions, problems: &mut Vec<Problem>) {
    let key = w.key.iter().map(|k| quote_ident(k)).collect::<Vec<_>>().join(", ");
    let deferrable = if w.deferrable { " that is not DEFERRABLE (ON CONFLICT cannot use a deferrable one)" } else { "" };
    let error = |missing, reason: String| relation_problem(r, Severity::Error, missing, reason);
    match (options.on_conflict, w.key.is_empty()) {
        (OnConflict::Update, true) => problems.push(error(
            vec![],
            format!("no primary key or unique constraint{deferrable}: INSERT ... ON CONFLICT (key) DO UPDATE has no key to name (add one, or use --on-conflict nothing or fail)"),
        )),
        (OnConflict::Update, false) if !r.has(Privilege::Select) && !w.select_all => problems.push(error(
            vec![Privilege::Select],
            format!("the upsert reads the key ({key}) to find the row, and through EXCLUDED every column it sets: SELECT on every column the job writes is needed (permission denied otherwise)"),
        )),
        (OnConflict::Nothing, _) if w.deferrable => problems.push(error(
            vec![],
            "a unique or exclusion constraint is DEFERRABLE: INSERT ... ON CONFLICT DO NOTHING fails on this table (\"ON CONFLICT does not support deferrable unique constraints/exclusion constraints as arbiters\"); make it NOT DEFERRABLE, or use --on-conflict update (with a key that is not deferrable) or fail".into(),
        )),
        (OnConflict::Fail | OnConflict::Nothing, true) if !w.deferrable => problems.push(relation_problem(
            r,
            Severity::Warning,
            vec![],
            "no primary key or unique constraint: nothing stops a duplicate, so running the job again inserts every row again".into(),
        )),
        _ => {}
    }
}

/// TRUNCATE of a table other tables reference: refused unless those are
/// truncated in the same statement (they are written too) or CASCADE,
/// which truncates them as well and needs TRUNCATE on them.
fn truncate_rules(r: &RelationAccess, w: &WriteFacts, options: &JobOptions, written: &HashSet<(&str, &str)>, problems: &mut Vec<Problem>) {
    if !options.truncate {
        return;
    }
    let outside: Vec<&Referencing> =
        w.referenced_by.iter().flatten().filter(|f| !written.contains(&(f.schema.as_str(), f.name.as_str()))).collect();
    if outside.is_empty() {
        return;
    }
    let names = outside.iter().map(|f| qualified(&f.schema, &f.name)).collect::<Vec<_>>();
    if !options.truncate_cascade {
        problems.push(relation_problem(
            r,
            Severity::Error,
            vec![],
            format!(
                "TRUNCATE fails: {} {} it by foreign key and {} not written by the job (\"cannot truncate a table referenced in a foreign key constraint\"); add {} to the job, or truncate with CASCADE (--truncate-cascade), which empties {} too",
                list_some(&names),
                if names.len() == 1 { "references" } else { "reference" },
                if names.len() == 1 { "is" } else { "are" },
                if names.len() == 1 { "it" } else { "them" },
                if names.len() == 1 { "it" } else { "them" }
            ),
        ));
        return;
    }
    for f in &outside {
        if !f.truncate {
            problems.push(Problem {
                severity: Severity::Error,
                object_type: ObjectType::Table,
                schema: Some(f.schema.clone()),
                name: Some(f.name.clone()),
                identity_args: None,
                missing: vec![Privilege::Truncate],
                reason: format!("TRUNCATE ... CASCADE of {} truncates this table too (it references it by foreign key): TRUNCATE on it is needed", qualified(&r.schema, &r.name)),
                statement: None,
            });
        }
    }
    problems.push(relation_problem(
        r,
        Severity::Warning,
        vec![],
        format!("TRUNCATE ... CASCADE also empties {}, outside the job's tables", list_some(&names)),
    ));
}

/// Row level security that applies to the role: every row it writes must
/// pass a permissive policy for the command, whatever the grants.
fn rls_rules(r: &RelationAccess, w: &WriteFacts, options: &JobOptions, problems: &mut Vec<Problem>) {
    let Some(p) = &w.rls else { return };
    let table = qualified(&r.schema, &r.name);
    let fix = "add a policy that admits the role (CREATE POLICY ... FOR ALL TO <role> USING (true) WITH CHECK (true)), or let it bypass RLS (ALTER ROLE ... BYPASSRLS)";
    if !p.insert || p.restrictive_rejects_insert {
        problems.push(relation_problem(
            r,
            Severity::Error,
            vec![],
            format!("row level security is on for {table} and no INSERT policy admits the role: every insert fails (\"new row violates row-level security policy\"), whatever the grants; {fix}"),
        ));
    }
    if options.on_conflict == OnConflict::Update && !(p.update && p.select) {
        problems.push(relation_problem(
            r,
            Severity::Error,
            vec![],
            format!("row level security is on for {table}: the upsert's DO UPDATE needs a SELECT and an UPDATE policy that admit the role as well (it has {}); {fix}", present_policies(p)),
        ));
    }
    let reason = if p.restrictive {
        "restrictive policies apply too: each row must pass them, and their expressions decide row by row"
    } else {
        "its policies' expressions decide, row by row, which rows may be written"
    };
    problems.push(relation_problem(r, Severity::Warning, vec![], format!("row level security applies to the role on {table}: {reason}")));
}

fn present_policies(p: &RlsPolicies) -> String {
    let have: Vec<&str> = [(p.insert, "INSERT"), (p.update, "UPDATE"), (p.select, "SELECT")].iter().filter(|(on, _)| *on).map(|(_, w)| *w).collect();
    if have.is_empty() {
        "none".into()
    } else {
        have.join(", ")
    }
}

fn trigger_rules(r: &RelationAccess, w: &WriteFacts, problems: &mut Vec<Problem>) {
    if w.triggers.is_empty() {
        return;
    }
    let names: Vec<String> = w.triggers.iter().map(|t| quote_ident(t)).collect();
    problems.push(relation_problem(
        r,
        Severity::Warning,
        vec![],
        format!("user triggers fire on its writes ({}): they run with the role's privileges, so what they touch must be reachable too, and they may change or reject rows", list_some(&names)),
    ));
}

/// Functions that writes evaluate: in generated columns and CHECK
/// constraints. Defaults are not evaluated: the job writes every column,
/// so `nextval()` and functions in defaults need nothing (an Info says so).
fn collect_needed(r: &RelationAccess, is_covered: bool, needed: &mut BTreeMap<(UsedObject, String, String, Option<String>), Vec<String>>) {
    for dep in &r.uses {
        // A covered partition's own generated columns are not used when rows
        // are routed through the parent, but its CHECK constraints are.
        if dep.granted || (is_covered && dep.via != UseVia::Check) || !r.kind.is_writable_table() || dep.via == UseVia::Default {
            continue;
        }
        let how = match (dep.via, &dep.column, &dep.constraint) {
            (UseVia::Generated, Some(c), _) => format!("generated column {}.{}", qualified(&r.schema, &r.name), quote_ident(c)),
            (UseVia::Check, _, Some(c)) => format!("CHECK constraint {} on {}", quote_ident(c), qualified(&r.schema, &r.name)),
            _ => qualified(&r.schema, &r.name),
        };
        needed.entry((dep.object_type, dep.schema.clone(), dep.name.clone(), dep.identity_args.clone())).or_default().push(how);
    }
}

fn needed_object_rules(needed: BTreeMap<(UsedObject, String, String, Option<String>), Vec<String>>, problems: &mut Vec<Problem>) {
    for ((object_type, schema, name, identity_args), users) in needed {
        let listed = list_some(&users);
        let (object_type, missing, reason) = match object_type {
            UsedObject::Sequence => (ObjectType::Sequence, vec![Privilege::Usage], format!("nextval() of this sequence is {listed}: writes evaluate it and need USAGE (or UPDATE)")),
            UsedObject::Function => (ObjectType::Function, vec![Privilege::Execute], format!("called by {listed}: every write evaluates it and needs EXECUTE")),
        };
        problems.push(Problem { severity: Severity::Error, object_type, schema: Some(schema), name: Some(name), identity_args, missing, reason, statement: None });
    }
}

fn plural(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::View => "views",
        RelationKind::MaterializedView => "materialized views",
        _ => "relations",
    }
}

/// `a, b, c and 4 more`.
fn list_some(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut s = items.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::model::build::*;
    use crate::access::model::{ColumnGrant, NotFound, ObjectName};
    use Privilege::*;

    const RW: &[Privilege] = &[Select, Insert, Update];
    fn no_options() -> JobOptions {
        JobOptions::default()
    }

    fn find<'a>(v: &'a Verdict, name: &str) -> Vec<&'a Problem> {
        v.problems.iter().filter(|p| p.name.as_deref() == Some(name)).collect()
    }

    fn schema_errors(v: &Verdict) -> Vec<(&str, &[Privilege])> {
        v.errors()
            .filter(|p| p.object_type == ObjectType::Schema)
            .map(|p| (p.schema.as_deref().unwrap(), p.missing.as_slice()))
            .collect()
    }

    #[test]
    fn source_needs_usage_where_relations_are_and_select_on_each() {
        let mut a = access("r");
        a.schemas = vec![schema("app", false, false), schema("empty", false, false), schema("ok", true, false)];
        a.relations = vec![table("app", "t", &[]), table("ok", "u", &[Select]), relation("ok", "v", RelationKind::View, &[])];
        let v = verdict(&a, &SessionFacts::default(), Job::Source, &no_options());
        assert!(!v.ready);
        assert_eq!(schema_errors(&v), [("app", &[Usage][..])]);
        assert_eq!(find(&v, "t")[0].missing, [Select]);
        assert_eq!(find(&v, "v")[0].missing, [Select]);
        assert_eq!(find(&v, "v")[0].object_type, ObjectType::View);
        assert!(find(&v, "u").is_empty());
        assert_eq!(v.job, Job::Source);
        assert_eq!(v.role, "r");
    }

    #[test]
    fn source_ready_and_fix_sql_says_nothing_to_grant() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = vec![table("app", "t", &[Select])];
        let v = verdict(&a, &SessionFacts::default(), Job::Source, &no_options());
        assert!(v.ready, "{:?}", v.problems);
        assert!(v.problems.is_empty());
        assert_eq!(v.fix_sql, "-- Sluice: role \"r\" is ready as a source; nothing to grant.\n");
    }

    #[test]
    fn source_column_grants_and_rls() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        let mut all = table("app", "all_cols", &[]);
        all.column_privileges = vec![ColumnGrant { privilege: Select, all_columns: true }];
        all.column_only = true;
        let mut some = table("app", "some_cols", &[]);
        some.column_privileges = vec![ColumnGrant { privilege: Select, all_columns: false }];
        some.column_only = true;
        let mut rls = table("app", "rls", &[Select]);
        rls.rls = true;
        a.relations = vec![all, some, rls];
        let v = verdict(&a, &SessionFacts::default(), Job::Source, &no_options());
        let p = find(&v, "all_cols");
        assert_eq!((p.len(), p[0].severity), (1, Severity::Warning));
        let p = find(&v, "some_cols");
        assert_eq!((p[0].severity, p[0].missing.as_slice()), (Severity::Error, &[Select][..]));
        assert!(p[0].reason.contains("some columns"));
        let p = find(&v, "rls");
        assert_eq!((p.len(), p[0].severity), (1, Severity::Warning));
        assert!(!v.ready);
    }

    #[test]
    fn partitions_are_reached_through_their_parent() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        let parent = relation("app", "ev", RelationKind::PartitionedTable, RW);
        let mut covered = table("app", "ev_1", &[]);
        covered.partition_of = Some(ObjectName { schema: "app".into(), name: "ev".into() });
        let mut orphan = table("app", "other_1", &[]);
        orphan.partition_of = Some(ObjectName { schema: "app".into(), name: "not_in_scope".into() });
        a.relations = vec![parent, covered, orphan];
        let v = verdict(&a, &SessionFacts::default(), Job::Source, &no_options());
        assert_eq!(find(&v, "ev_1")[0].severity, Severity::Info);
        assert_eq!(find(&v, "other_1")[0].severity, Severity::Error);
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &JobOptions { truncate: true, init_tables: false, ..JobOptions::default() });
        let p = find(&v, "ev_1");
        assert_eq!((p.len(), p[0].severity), (1, Severity::Info));
        assert!(p[0].reason.contains("INSERT, TRUNCATE"), "{}", p[0].reason);
        assert_eq!(find(&v, "other_1")[0].missing, [Insert, Truncate]);
        assert_eq!(find(&v, "ev")[0].missing, [Truncate]);
    }

    #[test]
    fn destination_writes_tables_only() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false), schema("views_only", false, false)];
        a.relations = vec![
            table("app", "t", &[Select]),
            relation("app", "p", RelationKind::PartitionedTable, &[Insert, Update, Truncate]),
            relation("views_only", "v", RelationKind::View, &[]),
            relation("views_only", "m", RelationKind::MaterializedView, &[]),
            relation("app", "f", RelationKind::ForeignTable, &[]),
        ];
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &no_options());
        // No USAGE needed where nothing is written.
        assert!(schema_errors(&v).is_empty());
        let t = find(&v, "t");
        assert_eq!(t.iter().map(|p| p.severity).collect::<Vec<_>>(), [Severity::Error, Severity::Info]);
        assert_eq!(t[0].missing, [Insert], "a plain INSERT needs INSERT only");
        assert!(t[1].reason.contains("TRUNCATE"));
        assert!(find(&v, "p").is_empty());
        assert_eq!(find(&v, "v")[0].severity, Severity::Info);
        assert_eq!(find(&v, "m")[0].severity, Severity::Info);
        assert_eq!((find(&v, "f")[0].severity, find(&v, "f")[0].missing.as_slice()), (Severity::Warning, &[Insert][..]));
        assert!(!v.ready);

        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &JobOptions { truncate: true, init_tables: false, ..JobOptions::default() });
        assert_eq!(find(&v, "t")[0].missing, [Insert, Truncate]);
        assert!(find(&v, "t").iter().all(|p| p.severity == Severity::Error));
        // An upsert needs UPDATE too, and SELECT on the key (t has it).
        let upsert = JobOptions { on_conflict: crate::job::OnConflict::Update, ..JobOptions::default() };
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &upsert);
        assert_eq!(find(&v, "t")[0].missing, [Insert, Update]);
    }

    #[test]
    fn destination_column_grants_on_every_column_are_a_warning() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        let mut t = table("app", "t", &[Truncate]);
        t.column_privileges = vec![
            ColumnGrant { privilege: Insert, all_columns: true },
            ColumnGrant { privilege: Update, all_columns: false },
        ];
        t.column_only = true;
        // What the analysis says of those grants: INSERT on every written column, UPDATE not.
        t.write.as_mut().unwrap().insert_all = true;
        a.relations = vec![t];
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &no_options());
        let p = find(&v, "t");
        assert_eq!(p[0].severity, Severity::Warning);
        assert!(p[0].reason.starts_with("INSERT granted column by column"));
        assert!(v.ready, "a plain INSERT is written by the column grants");
        let upsert = JobOptions { on_conflict: crate::job::OnConflict::Update, ..JobOptions::default() };
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &upsert);
        let p = find(&v, "t");
        assert_eq!((p[0].severity, p[0].missing.as_slice()), (Severity::Error, &[Update][..]));
        assert!(p[0].reason.contains("UPDATE is granted on some of the columns the job writes only"), "{}", p[0].reason);
    }

    #[test]
    fn init_tables_needs_create_and_usage_on_every_schema() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, true), schema("empty", false, false), schema("half", true, false)];
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &JobOptions { truncate: false, init_tables: true, ..JobOptions::default() });
        assert_eq!(schema_errors(&v), [("empty", &[Usage, Create][..]), ("half", &[Create][..])]);
        assert!(v.fix_sql.contains("GRANT USAGE, CREATE ON SCHEMA empty TO r;"), "{}", v.fix_sql);
        assert!(v.fix_sql.contains("GRANT CREATE ON SCHEMA half TO r;"));
    }

    #[test]
    fn sequences_and_functions_that_writes_evaluate() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        let mut t1 = table("app", "t1", RW);
        t1.uses = vec![
            uses_sequence("id", "app", "shared_seq", false),
            uses_function(UseVia::Default, "util", "mk", "integer", false),
            uses_function(UseVia::Check, "app", "ok_fn", "", true),
        ];
        let mut t2 = table("app", "t2", RW);
        t2.uses = vec![
            uses_sequence("id", "app", "shared_seq", false),
            uses_sequence("n", "app", "granted_seq", true),
            uses_function(UseVia::Generated, "util", "mk", "integer", false),
        ];
        // A view's uses never matter (it is not written).
        let mut view = relation("app", "v", RelationKind::View, &[Select]);
        view.uses = vec![uses_sequence("id", "app", "view_seq", false)];
        a.relations = vec![t1, t2, view];
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &no_options());
        // The job writes every column: defaults are not evaluated, so their
        // sequences and functions need nothing; generated columns and CHECKs are.
        assert!(find(&v, "shared_seq").is_empty());
        let f = find(&v, "mk");
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].object_type, f[0].identity_args.as_deref(), f[0].missing.as_slice()), (ObjectType::Function, Some("integer"), &[Execute][..]));
        assert_eq!(f[0].schema.as_deref(), Some("util"));
        assert!(find(&v, "granted_seq").is_empty() && find(&v, "ok_fn").is_empty() && find(&v, "view_seq").is_empty());
        assert!(v.fix_sql.contains("GRANT EXECUTE ON FUNCTION util.mk(integer) TO r;"), "{}", v.fix_sql);
        assert!(!v.fix_sql.contains("SEQUENCE"), "{}", v.fix_sql);
        // A source does not care.
        assert!(verdict(&a, &SessionFacts::default(), Job::Source, &no_options()).ready);
    }

    #[test]
    fn read_only_sessions() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = vec![table("app", "t", &[Select, Insert, Update, Truncate])];
        let standby = SessionFacts { in_recovery: true, ..SessionFacts::default() };
        let v = verdict(&a, &standby, Job::Destination, &no_options());
        assert!(!v.ready);
        assert_eq!((v.problems[0].severity, v.problems[0].object_type), (Severity::Error, ObjectType::Server));
        assert!(v.fix_sql.contains("no GRANT fixes that"), "{}", v.fix_sql);
        assert!(v.fix_sql.contains("-- the server is a hot standby"), "{}", v.fix_sql);
        assert!(verdict(&a, &standby, Job::Source, &no_options()).ready);

        let fenced = SessionFacts { default_transaction_read_only: true, ..SessionFacts::default() };
        let v = verdict(&a, &fenced, Job::Destination, &no_options());
        assert!(!v.ready, "read-only by default: not ready");
        assert_eq!(v.problems.len(), 1);
        assert_eq!(v.problems[0].severity, Severity::Warning);
        assert!(v.problems[0].reason.contains("default_transaction_read_only"));
        assert!(v.fix_sql.contains("-- default_transaction_read_only is on"), "{}", v.fix_sql);
        assert!(v.fix_sql.lines().all(|l| l.starts_with("-- ")), "{}", v.fix_sql);
        assert!(verdict(&a, &fenced, Job::Source, &no_options()).ready);
    }

    #[test]
    fn not_found_and_empty_scopes() {
        let mut a = access("r");
        a.not_found = vec![NotFound { schema: "nope".into(), name: None }, NotFound { schema: "app".into(), name: Some("gone".into()) }];
        let v = verdict(&a, &SessionFacts::default(), Job::Source, &no_options());
        assert!(!v.ready);
        assert_eq!(v.errors().count(), 2);
        assert_eq!(find(&v, "gone")[0].object_type, ObjectType::Relation);
        assert!(v.fix_sql.contains("-- \"nope\": the scope names this schema"), "{}", v.fix_sql);

        let a = access("r");
        let v = verdict(&a, &SessionFacts::default(), Job::Source, &no_options());
        assert!(v.ready);
        assert_eq!(v.problems[0].severity, Severity::Warning);
        assert_eq!(v.problems[0].object_type, ObjectType::Database);
    }

    #[test]
    fn json_contract() {
        let mut a = access("app user");
        a.schemas = vec![schema("app", false, false)];
        let mut t = table("app", "t", &[Insert]);
        t.uses = vec![uses_function(UseVia::Check, "app", "f", "text", false)];
        a.relations = vec![t];
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &no_options());
        let json = serde_json::to_value(&v).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5);
        for k in ["role", "job", "ready", "problems", "fix_sql"] {
            assert!(keys.contains(&k), "{k}");
        }
        assert_eq!(json["role"], "app user");
        assert_eq!(json["job"], "destination");
        assert_eq!(json["ready"], false);
        let p = &json["problems"][0];
        assert_eq!(p["severity"], "error");
        assert_eq!(p["object_type"], "schema");
        assert_eq!(p["schema"], "app");
        assert_eq!(p["name"], serde_json::Value::Null);
        assert_eq!(p["missing"], serde_json::json!(["USAGE"]));
        assert!(p["reason"].is_string());
        assert!(p.get("identity_args").is_none());
        let f = json["problems"].as_array().unwrap().iter().find(|p| p["object_type"] == "function").unwrap();
        assert_eq!(f["identity_args"], "text");
        assert_eq!(f["missing"], serde_json::json!(["EXECUTE"]));

        let access_json = serde_json::to_value(&a).unwrap();
        assert_eq!(access_json["role"], "app user");
        assert_eq!(access_json["schemas"][0], serde_json::json!({"name": "app", "usage": false, "create": false, "complete": true}));
        let r = &access_json["relations"][0];
        assert_eq!(r["kind"], "table");
        assert_eq!(r["privileges"], serde_json::json!(["INSERT"]));
        assert_eq!(r["rls"], false);
        assert_eq!(r["column_only"], false);
        let round: Access = serde_json::from_value(access_json).unwrap();
        assert_eq!(round, a);
    }
}
