//! The rules for a source read by change data capture (logical
//! replication), over the facts of `replication.rs`. Each rule is held to
//! what Postgres does in `tests/cdc_oracle.rs`: a replication connection,
//! `pg_recvlogical` creating and reading slots, and UPDATEs as the owner.
//!
//! What SQL cannot fix (a server setting, a provider's switch) is said in
//! the reason, with the provider's way to change it.

use super::quote::{qualified, quote_ident};
use super::replication::{CdcTable, Publication, ReplicaIdentity, Replication, Slot};
use super::verdict::{ObjectType, Problem, SessionFacts, Severity};
use crate::connection::Provider;

/// The output plugin the job decodes with.
pub const PLUGIN: &str = "pgoutput";

pub(super) fn cdc_rules(r: &Replication, database: &str, facts: &SessionFacts, problems: &mut Vec<Problem>) {
    let provider = r.server.platform.unwrap_or(facts.provider);
    wal_level_rules(r, provider, problems);
    role_rules(r, provider, problems);
    capacity_rules(r, problems);
    standby_rules(r, facts, problems);
    if facts.relayed {
        problems.push(server(
            Severity::Warning,
            "this session is relayed (a pooler or proxy is in between): a replication connection cannot pass through a pooler in transaction mode (PgBouncer refuses it), so point the CDC job at the server itself; the replication stage shows what this route does".into(),
            None,
        ));
    }
    match &r.publication {
        Some(p) => publication_rules(r, p, problems),
        None => problems.push(Problem {
            severity: Severity::Warning,
            object_type: ObjectType::Publication,
            schema: None,
            name: None,
            identity_args: None,
            missing: vec![],
            reason: format!(
                "no publication named: pgoutput sends only what a publication publishes, so the job needs one ({}); name it to have it checked",
                if r.role.superuser || r.role.create_on_database {
                    "this role may create it: CREATE PUBLICATION needs CREATE on the database and ownership of each table"
                } else {
                    "this role cannot create one: CREATE PUBLICATION needs CREATE on the database, and ownership of each table it adds"
                }
            ),
            statement: None,
        }),
    }
    replica_identity_rules(r, problems);
    if let Some(s) = &r.slot {
        slot_rules(s, database, problems);
    }
}

/// A name as Postgres's messages quote it.
fn dq(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn server(severity: Severity, reason: String, statement: Option<String>) -> Problem {
    Problem { severity, object_type: ObjectType::Server, schema: None, name: None, identity_args: None, missing: vec![], reason, statement }
}

/// How to turn logical decoding on, where SQL cannot.
fn enable_logical(provider: Provider) -> &'static str {
    match provider {
        Provider::Rds => "on RDS and Aurora, set rds.logical_replication = 1 in the DB parameter group and reboot the instance",
        Provider::CloudSql => "on Cloud SQL, set the cloudsql.logical_decoding flag to on (the instance restarts)",
        Provider::Azure => "on Azure Database for PostgreSQL flexible server, set the server parameter wal_level to logical and restart the server",
        Provider::Neon => "on Neon, enable logical replication in the project settings (it cannot be turned off again, and restarts the project's computes)",
        Provider::Supabase => "Supabase projects run with wal_level = logical; if this one does not, ask Supabase support",
        Provider::Postgres | Provider::Other => "run ALTER SYSTEM SET wal_level = logical as a superuser and restart the server (a reload is not enough)",
    }
}

fn wal_level_rules(r: &Replication, provider: Provider, problems: &mut Vec<Problem>) {
    let s = &r.server;
    match (s.wal_level.as_str(), s.effective_wal_level.as_deref()) {
        ("logical", _) | (_, Some("logical")) => {}
        ("replica", Some(_)) => problems.push(server(
            Severity::Info,
            "wal_level is replica: this server (PostgreSQL 19 or later) turns logical decoding on by itself when the first logical slot is created (effective_wal_level becomes logical)".into(),
            None,
        )),
        (level, _) => problems.push(server(
            Severity::Error,
            format!(
                "wal_level is {level}: logical decoding needs logical, so no logical slot can be created (\"logical decoding requires \"wal_level\" >= \"logical\"\"); {}{}",
                enable_logical(provider),
                s.platform_setting.as_deref().map(|v| format!(" (the platform's setting reads {v} now)")).unwrap_or_default()
            ),
            (matches!(provider, Provider::Postgres | Provider::Other)).then(|| "ALTER SYSTEM SET wal_level = logical; -- then restart the server".to_owned()),
        )),
    }
}

fn role_rules(r: &Replication, provider: Provider, problems: &mut Vec<Problem>) {
    let role = &r.role;
    if role.superuser || role.replication || role.rds_replication == Some(true) {
        return;
    }
    let who = quote_ident(&role.name);
    let on_rds = role.rds_replication.is_some() || provider == Provider::Rds;
    let mut reason = if on_rds {
        format!("login role {who} is not a member of rds_replication: on RDS and Aurora that membership is what lets a role open a replication connection")
    } else {
        format!("login role {who} lacks the REPLICATION attribute: the replication connection is refused (PostgreSQL 16 and later say \"permission denied to start WAL sender\", earlier ones \"must be superuser or replication role to start walsender\")")
    };
    if !role.replication_groups.is_empty() {
        let groups: Vec<String> = role.replication_groups.iter().map(|g| quote_ident(g)).collect();
        reason.push_str(&format!(
            "; it is a member of {}, which {} it, but REPLICATION is an attribute of the role itself and is not inherited through membership",
            groups.join(", "),
            if groups.len() == 1 { "has" } else { "have" }
        ));
    }
    let statement = if on_rds { format!("GRANT rds_replication TO {who};") } else { format!("ALTER ROLE {who} REPLICATION;") };
    problems.push(Problem {
        severity: Severity::Error,
        object_type: ObjectType::Role,
        schema: None,
        name: Some(role.name.clone()),
        identity_args: None,
        missing: vec![],
        reason,
        statement: Some(statement),
    });
}

/// Free slots and WAL senders now, not just the settings.
fn capacity_rules(r: &Replication, problems: &mut Vec<Problem>) {
    let s = &r.server;
    let needs_slot = !r.slot.as_ref().is_some_and(|slot| slot.exists);
    if needs_slot && s.slots_used >= s.max_replication_slots {
        let reason = if s.max_replication_slots == 0 {
            "max_replication_slots is 0: no replication slot can be created; raise it (a restart is needed)".to_owned()
        } else {
            format!(
                "all {} replication slots are in use ({} exist): creating the job's slot fails (\"all replication slots are in use\"); drop a slot nobody reads (pg_drop_replication_slot) or raise max_replication_slots (a restart is needed)",
                s.max_replication_slots, s.slots_used
            )
        };
        problems.push(server(Severity::Error, reason, None));
    }
    if s.wal_senders >= s.max_wal_senders {
        problems.push(server(
            Severity::Error,
            format!(
                "all {} WAL senders are busy ({} running): a replication connection is refused (\"number of requested standby connections exceeds max_wal_senders\"); raise max_wal_senders (a restart is needed)",
                s.max_wal_senders, s.wal_senders
            ),
            None,
        ));
    }
}

fn standby_rules(r: &Replication, facts: &SessionFacts, problems: &mut Vec<Problem>) {
    if !facts.in_recovery {
        return;
    }
    if facts.server_version_num > 0 && facts.server_version_num < 160000 {
        problems.push(server(
            Severity::Error,
            format!(
                "this server is a standby, and logical decoding on a standby needs PostgreSQL 16 or later (this is {}): creating the slot fails (\"logical decoding cannot be used while in recovery\"); point the CDC job at the primary",
                facts.server_version_num / 10000
            ),
            None,
        ));
    } else if !r.server.hot_standby_feedback {
        problems.push(server(
            Severity::Warning,
            "this server is a standby with hot_standby_feedback off: the primary may remove rows the slot still needs, which invalidates the slot (it must then be recreated and the tables copied again); turn hot_standby_feedback on, with a physical slot between primary and standby".into(),
            None,
        ));
    }
}

fn publication_problem(p: &Publication, severity: Severity, reason: String, statement: Option<String>) -> Problem {
    Problem { severity, object_type: ObjectType::Publication, schema: None, name: Some(p.name.clone()), identity_args: None, missing: vec![], reason, statement }
}

/// The tables a publication for this scope lists: partitions whose parent
/// is in scope go through the parent.
fn publishable(r: &Replication) -> Vec<&CdcTable> {
    r.tables.iter().filter(|t| !(t.partition && r.tables.iter().any(|p| p.partitioned))).collect()
}

fn table_list(tables: &[&CdcTable]) -> String {
    tables.iter().map(|t| qualified(&t.schema, &t.name)).collect::<Vec<_>>().join(", ")
}

fn publication_rules(r: &Replication, p: &Publication, problems: &mut Vec<Problem>) {
    let name = quote_ident(&p.name);
    let via_root = r.tables.iter().any(|t| t.partitioned);
    if !p.exists {
        let tables = publishable(r);
        let statement = (!tables.is_empty()).then(|| {
            format!("CREATE PUBLICATION {name} FOR TABLE {}{};", table_list(&tables), if via_root { " WITH (publish_via_partition_root = true)" } else { "" })
        });
        problems.push(publication_problem(
            p,
            Severity::Error,
            format!(
                "publication {name} does not exist: nothing reaches the job (before PostgreSQL 18 reading the slot fails, \"publication {} does not exist\"; from 18 the publication is skipped with a warning)",
                dq(&p.name)
            ),
            statement,
        ));
        return;
    }
    let missing: Vec<&str> = [(p.insert, "insert"), (p.update, "update"), (p.delete, "delete")].iter().filter(|(on, _)| !on).map(|(_, w)| *w).collect();
    let publish = format!("ALTER PUBLICATION {name} SET (publish = 'insert, update, delete, truncate');");
    if !missing.is_empty() {
        problems.push(publication_problem(
            p,
            Severity::Error,
            format!("publication {name} does not publish {}: those changes never reach the job, so the copy drifts from the source", missing.join(", ")),
            Some(publish.clone()),
        ));
    } else if !p.truncate {
        problems.push(publication_problem(p, Severity::Warning, format!("publication {name} does not publish truncate: a TRUNCATE on the source is not replayed"), Some(publish)));
    }
    if via_root && !p.via_root {
        problems.push(publication_problem(
            p,
            Severity::Warning,
            format!("publication {name} publishes partitions under their own names (publish_via_partition_root is off): the job sees each partition's changes, not the partitioned table's"),
            Some(format!("ALTER PUBLICATION {name} SET (publish_via_partition_root = true);")),
        ));
    }
    publication_table_rules(r, p, problems);
}

/// Every table in scope published, and what it publishes of each.
fn publication_table_rules(r: &Replication, p: &Publication, problems: &mut Vec<Problem>) {
    let name = quote_ident(&p.name);
    let unpublished: Vec<&CdcTable> = publishable(r).into_iter().filter(|t| t.published == Some(false)).collect();
    for t in &unpublished {
        problems.push(table_problem(t, Severity::Error, format!("not in publication {name}: its changes are not sent to the job"), None));
    }
    if !unpublished.is_empty() {
        let statement = if p.all_tables {
            None
        } else {
            Some(format!("ALTER PUBLICATION {name} ADD TABLE {}; -- as the publication's owner, who must own these tables", table_list(&unpublished)))
        };
        problems.push(publication_problem(
            p,
            Severity::Error,
            format!("publication {name} lacks {} of the tables in scope", unpublished.len()),
            statement,
        ));
    }
    for t in &r.tables {
        if let Some(filter) = &t.row_filter {
            problems.push(table_problem(t, Severity::Warning, format!("publication {name} filters its rows (WHERE {filter}): the job receives only the changes of rows that pass"), None));
        }
        if let Some(columns) = &t.columns {
            let listed: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
            problems.push(table_problem(t, Severity::Warning, format!("publication {name} publishes only some of its columns ({}): the others never reach the job", listed.join(", ")), None));
        }
    }
}

fn table_problem(t: &CdcTable, severity: Severity, reason: String, statement: Option<String>) -> Problem {
    Problem {
        severity,
        object_type: if t.partitioned { ObjectType::PartitionedTable } else { ObjectType::Table },
        schema: Some(t.schema.clone()),
        name: Some(t.name.clone()),
        identity_args: None,
        missing: vec![],
        reason,
        statement,
    }
}

/// A published table without a replica identity makes UPDATE and DELETE
/// fail on the source itself.
fn replica_identity_rules(r: &Replication, problems: &mut Vec<Problem>) {
    let publishes_changes = r.publication.as_ref().is_none_or(|p| !p.exists || p.update || p.delete);
    if !publishes_changes {
        return;
    }
    for t in r.tables.iter().filter(|t| !t.partitioned) {
        let none = match t.replica_identity {
            ReplicaIdentity::Nothing => true,
            ReplicaIdentity::Default => !t.has_primary_key,
            ReplicaIdentity::Full | ReplicaIdentity::Index => false,
        };
        if !none {
            continue;
        }
        let table = qualified(&t.schema, &t.name);
        let (fix, statement) = match &t.identity_index {
            Some(index) => (
                format!("name its unique index {} as the identity", quote_ident(index)),
                format!("ALTER TABLE {table} REPLICA IDENTITY USING INDEX {};", quote_ident(index)),
            ),
            None => ("log whole old rows (REPLICA IDENTITY FULL: more WAL per change), or add a primary key".to_owned(), format!("ALTER TABLE {table} REPLICA IDENTITY FULL;")),
        };
        let what = if t.replica_identity == ReplicaIdentity::Nothing { "REPLICA IDENTITY NOTHING" } else { "no primary key and REPLICA IDENTITY DEFAULT" };
        let when = if t.published == Some(true) { "it is published, so UPDATE and DELETE on it already fail" } else { "once it is published, UPDATE and DELETE on it fail" };
        problems.push(table_problem(
            t,
            Severity::Error,
            format!(
                "{what}: {when} on the source itself (\"cannot update table {} because it does not have a replica identity and publishes updates\"); {fix}{}",
                dq(&t.name),
                if t.owned { "" } else { " (as the table's owner)" }
            ),
            Some(statement),
        ));
    }
}

fn slot_rules(s: &Slot, database: &str, problems: &mut Vec<Problem>) {
    let name = quote_ident(&s.name);
    let problem = |severity, reason: String, statement: Option<String>| Problem {
        severity,
        object_type: ObjectType::ReplicationSlot,
        schema: None,
        name: Some(s.name.clone()),
        identity_args: None,
        missing: vec![],
        reason,
        statement,
    };
    if !s.exists {
        problems.push(problem(Severity::Info, format!("slot {name} does not exist yet: the job creates it (with pgoutput) when it starts"), None));
        return;
    }
    let drop = Some(format!("SELECT pg_catalog.pg_drop_replication_slot({}); -- then let the job create it again", dq(&s.name)));
    if s.slot_type.as_deref() != Some("logical") {
        problems.push(problem(Severity::Error, format!("slot {name} is a physical slot: logical decoding cannot read it (\"cannot use physical replication slot for logical decoding\")"), None));
        return;
    }
    if let Some(db) = s.database.as_deref().filter(|db| *db != database) {
        problems.push(problem(
            Severity::Error,
            format!("slot {name} belongs to database {}: a slot is read only from the database it was created in (\"replication slot {} was not created in this database\")", quote_ident(db), dq(&s.name)),
            None,
        ));
        return;
    }
    if s.plugin.as_deref().is_some_and(|p| p != PLUGIN) {
        problems.push(problem(
            Severity::Error,
            format!("slot {name} decodes with plugin {}, and the job reads {PLUGIN}: a slot's plugin cannot be changed", s.plugin.as_deref().unwrap_or("?")),
            drop.clone(),
        ));
    }
    if s.active {
        problems.push(problem(
            Severity::Error,
            format!(
                "slot {name} is in use{}: a slot has one reader at a time, so the job is refused (\"replication slot {} is active{}\")",
                s.active_pid.map(|p| format!(" by PID {p}")).unwrap_or_default(),
                dq(&s.name),
                s.active_pid.map(|p| format!(" for PID {p}")).unwrap_or_default()
            ),
            None,
        ));
    }
    invalidation_rules(s, &name, drop, problems, problem);
}

fn invalidation_rules(
    s: &Slot,
    name: &str,
    drop: Option<String>,
    problems: &mut Vec<Problem>,
    problem: impl Fn(Severity, String, Option<String>) -> Problem,
) {
    match (s.invalidation.as_deref(), s.wal_status.as_deref()) {
        (Some(why), _) => problems.push(problem(
            Severity::Error,
            format!("slot {name} was invalidated ({why}): it can never be read again; drop it and let the job create it (and copy the tables again)"),
            drop,
        )),
        (None, Some("lost")) => problems.push(problem(
            Severity::Error,
            format!("slot {name} has lost WAL it needed (wal_status lost): it can never be read again; drop it and let the job create it (and copy the tables again)"),
            drop,
        )),
        (None, Some("unreserved")) => problems.push(problem(
            Severity::Warning,
            format!("slot {name} is about to lose WAL it needs (wal_status unreserved, past max_slot_wal_keep_size){}", s.safe_wal_size.map(|b| format!(": {b} bytes of WAL left")).unwrap_or_default()),
            None,
        )),
        (None, _) => {
            if let Some(bytes) = s.safe_wal_size {
                problems.push(problem(Severity::Info, format!("slot {name} is usable; {} MB of WAL can still be written before it is lost", bytes / (1024 * 1024)), None));
            }
        }
    }
}
