//! CDC readiness of a source, held to what Postgres does. For every rule,
//! the test asks the probe (the analysis, the verdict, and the replication
//! stage's real `replication=database` connection) and then checks reality
//! by other means, as the harness, never through Sluice:
//! - `pg_recvlogical --create-slot` / `--start` (a replication connection
//!   of PostgreSQL's own client) for the role, `wal_level`, capacity,
//!   standby, pooler and slot rules;
//! - pgoutput's own output for the publication rules: the changes of
//!   INSERT/UPDATE/DELETE as the owner, decoded through a scratch slot with
//!   `pg_logical_slot_peek_binary_changes` (the decoder a replication
//!   connection runs), parsed message by message;
//! - an UPDATE as the table's owner for replica identity ("cannot update
//!   table ... because it does not have a replica identity and publishes
//!   updates"), before and after the verdict's own fix statement.
//! Sluice's test itself creates nothing: slots and publications are counted
//! before and after each probe.

mod pg_client;
mod probe_support;

use probe_support::*;
use sluice_core::access::{ObjectType, Problem, Scope, Severity};
use sluice_core::job::{Job, JobOptions};
use sluice_core::probe::{AnalysisRequest, ErrorCode, ProbeRequest, Report, Stage, StepStatus};
use sluice_harness::pg_bin::{bin, major};
use sluice_harness::Cluster;
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PW: &str = "pw";
const DB: &str = "src";

const ROLES_SQL: &str = r#"
CREATE ROLE sup LOGIN SUPERUSER PASSWORD 'pw';
CREATE ROLE owner_role LOGIN PASSWORD 'pw';
CREATE ROLE repl LOGIN REPLICATION PASSWORD 'pw';
CREATE ROLE plain LOGIN PASSWORD 'pw';
CREATE ROLE replgroup NOLOGIN REPLICATION;
CREATE ROLE member LOGIN PASSWORD 'pw' IN ROLE replgroup;
CREATE DATABASE src OWNER owner_role;
"#;

const TABLES_SQL: &str = r#"
CREATE SCHEMA app AUTHORIZATION owner_role;
SET ROLE owner_role;
CREATE TABLE app.with_pk (id int PRIMARY KEY, v text);
CREATE TABLE app.no_pk (id int, v text);
CREATE TABLE app.idx_only (id int NOT NULL, v text);
CREATE UNIQUE INDEX idx_only_id ON app.idx_only (id);
CREATE TABLE app.nothing_ident (id int PRIMARY KEY, v text);
ALTER TABLE app.nothing_ident REPLICA IDENTITY NOTHING;
CREATE TABLE app.full_ident (id int, v text);
ALTER TABLE app.full_ident REPLICA IDENTITY FULL;
CREATE TABLE app.parted (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.parted_a PARTITION OF app.parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO app.with_pk VALUES (1, 'a');
INSERT INTO app.no_pk VALUES (1, 'a');
INSERT INTO app.idx_only VALUES (1, 'a');
INSERT INTO app.nothing_ident VALUES (1, 'a');
INSERT INTO app.full_ident VALUES (1, 'a');
INSERT INTO app.parted VALUES (1, '2024-06-01', 'a');
RESET ROLE;
GRANT USAGE ON SCHEMA app TO repl, plain, member;
GRANT SELECT ON ALL TABLES IN SCHEMA app TO repl, plain, member;
"#;

/// The tables a DML pass writes, with the columns of an UPDATE.
const TABLES: &[&str] = &["with_pk", "no_pk", "idx_only", "nothing_ident", "full_ident", "parted"];

fn cluster_with(settings: &[(&str, &str)]) -> Cluster {
    let mut b = Cluster::builder().setting("log_replication_commands", "on");
    for (k, v) in settings {
        b = b.setting(k, v);
    }
    let pg = b.start();
    pg.psql(ROLES_SQL);
    pg.psql_in(DB, TABLES_SQL);
    pg
}

fn logical() -> Cluster {
    cluster_with(&[("wal_level", "logical"), ("max_replication_slots", "10"), ("max_wal_senders", "10")])
}

fn options(publication: Option<&str>, slot: Option<&str>) -> JobOptions {
    JobOptions { cdc: true, publication: publication.map(str::to_owned), slot: slot.map(str::to_owned), ..JobOptions::default() }
}

/// What the catalog holds of replication objects: the probe must leave it as it was.
fn replication_objects(pg: &Cluster) -> String {
    pg.psql_in(DB, "SELECT (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots), (SELECT string_agg(pubname, ',' ORDER BY pubname) FROM pg_publication)")
}

async fn cdc_test_on(port: u16, user: &str, options: JobOptions) -> Report {
    let conn = format!("host=127.0.0.1 port={port} user={user} password={PW} dbname={DB} sslmode=disable");
    let mut req = ProbeRequest::new(info(&conn));
    req.analysis = Some(AnalysisRequest { job: Job::Source, options, scope: Scope { schemas: vec!["app".into()], tables: vec![] } });
    probe_request(req).await
}

async fn cdc_test(pg: &Cluster, user: &str, options: JobOptions) -> Report {
    let before = replication_objects(pg);
    let r = cdc_test_on(pg.port(), user, options).await;
    assert_eq!(replication_objects(pg), before, "the test created or dropped a slot or publication");
    assert!(r.access.as_ref().and_then(|a| a.replication.as_ref()).is_some(), "no replication facts: {:#?}", r.error);
    r
}

fn problems(r: &Report) -> &[Problem] {
    &r.verdict.as_ref().expect("a verdict").problems
}

fn has_error(r: &Report, object_type: ObjectType, words: &str) -> bool {
    problems(r).iter().any(|p| p.severity == Severity::Error && p.object_type == object_type && p.reason.contains(words))
}

fn has_problem(r: &Report, severity: Severity, name: Option<&str>, words: &str) -> bool {
    problems(r).iter().any(|p| p.severity == severity && (name.is_none() || p.name.as_deref() == name) && p.reason.contains(words))
}

/// pg_recvlogical as `user` against `port`: `Ok` when it did what it was
/// asked (a `--start` that is still reading after a moment counts).
fn recvlogical(port: u16, user: &str, dbname: &str, args: &[&str]) -> Result<(), String> {
    let mut child = spawn_recvlogical(port, user, dbname, args);
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("pg_recvlogical") {
            let out = child.wait_with_output().expect("pg_recvlogical output");
            return if status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) };
        }
        if started.elapsed() > Duration::from_secs(2) {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn spawn_recvlogical(port: u16, user: &str, dbname: &str, args: &[&str]) -> Child {
    Command::new(bin("pg_recvlogical"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", user, "-d", dbname, "--no-loop", "-f", "-"])
        .args(args)
        .env("PGPASSWORD", PW)
        .env("PGSSLMODE", "disable")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pg_recvlogical runs")
}

/// Creates a pgoutput slot by pg_recvlogical and drops it again.
fn can_create_slot(port: u16, user: &str) -> Result<(), String> {
    let slot = format!("probe_{}", std::process::id());
    recvlogical(port, user, DB, &["--slot", &slot, "--create-slot", "-P", "pgoutput"])?;
    recvlogical(port, user, DB, &["--slot", &slot, "--drop-slot"]).expect("drop the slot again");
    Ok(())
}

/// Reads `slot` with pgoutput and `publication`, as the job would.
fn can_read(port: u16, slot: &str, publication: &str) -> Result<(), String> {
    let names = format!("publication_names={publication}");
    recvlogical(port, "sup", DB, &["--slot", slot, "--start", "-o", "proto_version=1", "-o", &names])
}

/// Holds `slot` open with a reader until dropped.
struct Reader(Child);

impl Reader {
    fn start(pg: &Cluster, slot: &str) -> Reader {
        let child = spawn_recvlogical(pg.port(), "sup", DB, &["--slot", slot, "--start", "-o", "proto_version=1", "-o", "publication_names=every"]);
        let started = Instant::now();
        while pg.psql_in(DB, &format!("SELECT active FROM pg_replication_slots WHERE slot_name = '{slot}'")) != "t" {
            assert!(started.elapsed() < Duration::from_secs(10), "the reader of {slot} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Reader(child)
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_replication_attribute_is_what_a_replication_connection_needs() {
    let pg = logical();
    pg.psql_in(DB, "CREATE PUBLICATION every FOR ALL TABLES");
    for (role, may) in [("repl", true), ("plain", false), ("member", false), ("sup", true)] {
        let r = cdc_test(&pg, role, options(Some("every"), None)).await;
        let verdict_says = !has_error(&r, ObjectType::Role, "REPLICATION");
        let reality = can_create_slot(pg.port(), role);
        assert_eq!(verdict_says, reality.is_ok(), "{role}: verdict {verdict_says}, pg_recvlogical {reality:?}");
        assert_eq!(verdict_says, may, "{role}");
        // The replication stage is the same question, asked of the server.
        let stage = step_status(&r, Stage::Replication);
        assert_eq!(stage == StepStatus::Ok, may, "{role}: {:#?}", r.error);
        if may {
            let connection = r.access.as_ref().unwrap().replication.as_ref().unwrap().connection.as_ref().expect("IDENTIFY_SYSTEM's answer");
            assert!(!connection.system_id.is_empty() && connection.timeline >= 1 && connection.wal_position.contains('/'), "{connection:?}");
        } else {
            let e = expect_error(&r, ErrorCode::LoginNotPermitted);
            assert_eq!(e.stage, Stage::Replication);
            assert!(!r.verdict.as_ref().unwrap().ready);
        }
        if role == "member" {
            assert!(has_error(&r, ObjectType::Role, "not inherited"), "{:#?}", problems(&r));
        }
        if !may {
            let fix = &r.verdict.as_ref().unwrap().fix_sql;
            assert!(fix.contains(&format!("ALTER ROLE {role} REPLICATION;")), "{fix}");
            pg.psql(&format!("ALTER ROLE {role} REPLICATION"));
            assert!(can_create_slot(pg.port(), role).is_ok(), "{role}: the fix statement fixes it");
            pg.psql(&format!("ALTER ROLE {role} NOREPLICATION"));
        }
    }
    let log = pg.log();
    assert!(log.contains("IDENTIFY_SYSTEM"), "the server logged the replication command");
}

#[tokio::test]
async fn wal_level_logical_is_what_slots_need() {
    for (level, ok) in [("replica", false), ("logical", true)] {
        let pg = cluster_with(&[("wal_level", level)]);
        let r = cdc_test(&pg, "sup", options(None, None)).await;
        let verdict_says = !has_error(&r, ObjectType::Server, "wal_level");
        let reality = can_create_slot(pg.port(), "sup");
        assert_eq!(verdict_says, reality.is_ok(), "wal_level={level}: verdict {verdict_says}, pg_recvlogical {reality:?}");
        assert_eq!(verdict_says, ok);
        if !ok {
            assert!(r.verdict.as_ref().unwrap().fix_sql.contains("ALTER SYSTEM SET wal_level = logical"));
        }
    }
}

#[tokio::test]
async fn free_slots_and_wal_senders_now_not_just_settings() {
    // Slots: two of two taken.
    let pg = cluster_with(&[("wal_level", "logical"), ("max_replication_slots", "2"), ("max_wal_senders", "10")]);
    pg.psql_in(DB, "SELECT pg_create_logical_replication_slot('a', 'pgoutput'); SELECT pg_create_logical_replication_slot('b', 'pgoutput')");
    for (full, drop) in [(true, "SELECT pg_drop_replication_slot('b')"), (false, "SELECT 1")] {
        let r = cdc_test(&pg, "repl", options(None, None)).await;
        let verdict_says = !has_error(&r, ObjectType::Server, "replication slots are in use");
        let reality = can_create_slot(pg.port(), "repl");
        assert_eq!(verdict_says, reality.is_ok(), "slots full={full}: verdict {verdict_says}, pg_recvlogical {reality:?}");
        assert_eq!(verdict_says, !full);
        // A slot the job names and that exists needs no free one.
        if full {
            let r = cdc_test(&pg, "repl", options(None, Some("a"))).await;
            assert!(!has_error(&r, ObjectType::Server, "replication slots are in use"), "{:#?}", problems(&r));
        }
        pg.psql_in(DB, drop);
    }

    // WAL senders: two of two busy with readers.
    let pg = cluster_with(&[("wal_level", "logical"), ("max_replication_slots", "10"), ("max_wal_senders", "2")]);
    pg.psql_in(DB, "CREATE PUBLICATION every FOR ALL TABLES; SELECT pg_create_logical_replication_slot('a', 'pgoutput'); SELECT pg_create_logical_replication_slot('b', 'pgoutput')");
    let first = Reader::start(&pg, "a");
    let second = Reader::start(&pg, "b");
    let r = cdc_test(&pg, "repl", options(None, None)).await;
    let verdict_says = !has_error(&r, ObjectType::Server, "WAL senders are busy");
    let reality = can_create_slot(pg.port(), "repl");
    assert!(!verdict_says && reality.is_err(), "senders busy: verdict {verdict_says}, pg_recvlogical {reality:?}");
    assert!(reality.unwrap_err().contains("max_wal_senders"));
    // The replication stage meets it too.
    assert_eq!(step_status(&r, Stage::Replication), StepStatus::Failed);
    drop(second);
    let started = Instant::now();
    while pg.psql_in(DB, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'") != "1" {
        assert!(started.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = cdc_test(&pg, "repl", options(None, None)).await;
    let verdict_says = !has_error(&r, ObjectType::Server, "WAL senders are busy");
    let reality = can_create_slot(pg.port(), "repl");
    assert!(verdict_says && reality.is_ok(), "a sender free: verdict {verdict_says}, pg_recvlogical {reality:?}");
    drop(first);
}

/// One decoded pgoutput stream: per relation name, the change kinds seen
/// and the number of columns its Relation message announced.
#[derive(Debug, Default)]
struct Decoded {
    changes: BTreeMap<String, BTreeSet<char>>,
    columns: BTreeMap<String, usize>,
}

fn cstring(data: &[u8], at: &mut usize) -> String {
    let end = data[*at..].iter().position(|b| *b == 0).map_or(data.len(), |p| *at + p);
    let s = String::from_utf8_lossy(&data[*at..end]).into_owned();
    *at = end + 1;
    s
}

fn be32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// Parses pgoutput protocol 1 messages (Relation, Insert, Update, Delete).
fn decode(messages: &[Vec<u8>]) -> Decoded {
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let mut out = Decoded::default();
    for m in messages {
        match m.first() {
            Some(b'R') => {
                let relid = be32(m, 1);
                let mut at = 5;
                let _namespace = cstring(m, &mut at);
                let name = cstring(m, &mut at);
                at += 1; // replica identity
                let columns = u16::from_be_bytes([m[at], m[at + 1]]) as usize;
                out.columns.insert(name.clone(), columns);
                names.insert(relid, name);
            }
            Some(kind @ (b'I' | b'U' | b'D')) => {
                let name = names.get(&be32(m, 1)).cloned().unwrap_or_else(|| format!("oid {}", be32(m, 1)));
                out.changes.entry(name).or_default().insert(*kind as char);
            }
            _ => {}
        }
    }
    out
}

/// INSERT, UPDATE and DELETE one row of each table as its owner, and what
/// `publication` sends of them (through a scratch slot created first).
async fn what_is_published(pg: &Cluster, publication: &str) -> Result<Decoded, String> {
    let sup = pg_client::connect(&pg.url("sup", PW, DB), "sup").await;
    let slot = format!("oracle_{publication}");
    sup.batch_execute(&format!("SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')")).await.unwrap();
    let owner = pg_client::connect(&pg.url("owner_role", PW, DB), "owner_role").await;
    owner
        .batch_execute(
            // The harness runs with synchronous_commit off; decoding reads flushed WAL only.
            "SET synchronous_commit = on;
             INSERT INTO app.with_pk VALUES (5, 'x'), (500, 'x'); UPDATE app.with_pk SET v = 'y' WHERE id IN (5, 500); DELETE FROM app.with_pk WHERE id IN (5, 500);
             INSERT INTO app.full_ident VALUES (5, 'x'); UPDATE app.full_ident SET v = 'y' WHERE id = 5; DELETE FROM app.full_ident WHERE id = 5;
             INSERT INTO app.parted VALUES (5, '2024-07-01', 'x'); UPDATE app.parted SET v = 'y' WHERE id = 5; DELETE FROM app.parted WHERE id = 5;
             INSERT INTO app.no_pk VALUES (5, 'x')",
        )
        .await
        .map_err(|e| format!("DML: {e}"))?;
    let rows = sup
        .query(
            "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
            &[&slot, &publication],
        )
        .await;
    sup.batch_execute(&format!("SELECT pg_drop_replication_slot('{slot}')")).await.unwrap();
    let rows = rows.map_err(|e| e.as_db_error().map(|d| d.message().to_owned()).unwrap_or_else(|| e.to_string()))?;
    Ok(decode(&rows.iter().map(|r| r.get::<_, Vec<u8>>(0)).collect::<Vec<_>>()))
}

#[tokio::test]
async fn publication_rules_agree_with_what_pgoutput_sends() {
    let pg = logical();
    let mut publications = vec![
        ("some_tables", "CREATE PUBLICATION some_tables FOR TABLE app.with_pk"),
        ("inserts", "CREATE PUBLICATION inserts FOR TABLE app.with_pk, app.full_ident WITH (publish = 'insert')"),
        ("parts", "CREATE PUBLICATION parts FOR TABLE app.parted, app.with_pk, app.full_ident"),
        ("root", "CREATE PUBLICATION root FOR TABLE app.parted, app.with_pk, app.full_ident WITH (publish_via_partition_root = true)"),
    ];
    if major() >= 15 {
        publications.push(("filtered", "CREATE PUBLICATION filtered FOR TABLE app.with_pk WHERE (id > 100)"));
        publications.push(("columns", "CREATE PUBLICATION columns FOR TABLE app.with_pk (id)"));
    }
    for (_, sql) in &publications {
        pg.psql_in(DB, sql);
    }
    let mut checked = 0;
    for (name, _) in &publications {
        let r = cdc_test(&pg, "repl", options(Some(name), None)).await;
        let seen = what_is_published(&pg, name).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        // Each table: "not in publication" exactly when none of its changes arrive.
        for t in ["with_pk", "full_ident", "no_pk", "parted"] {
            let arrived = seen.changes.contains_key(t) || (t == "parted" && seen.changes.contains_key("parted_a"));
            let says_missing = has_problem(&r, Severity::Error, Some(t), "not in publication");
            assert_eq!(!says_missing, arrived, "{name}: {t}: verdict missing={says_missing}, decoded {seen:?}");
            checked += 1;
        }
        // The operations it publishes.
        let updates = seen.changes.values().any(|k| k.contains(&'U') || k.contains(&'D'));
        assert_eq!(has_problem(&r, Severity::Error, Some(name), "does not publish update, delete"), !updates, "{name}: {seen:?}");
        // Partitions under their own name or the root's.
        if seen.changes.contains_key("parted_a") || seen.changes.contains_key("parted") {
            let warned = has_problem(&r, Severity::Warning, Some(name), "publish_via_partition_root is off");
            assert_eq!(warned, seen.changes.contains_key("parted_a"), "{name}: {seen:?}");
        }
        // Row filters and column lists.
        assert_eq!(has_problem(&r, Severity::Warning, Some("with_pk"), "filters its rows"), *name == "filtered", "{name}");
        let listed = seen.columns.get("with_pk").copied();
        assert_eq!(has_problem(&r, Severity::Warning, Some("with_pk"), "only some of its columns"), listed == Some(1), "{name}: {listed:?}");
    }
    if major() >= 15 {
        // The filter's reality: id 5 stays out, id 500 comes through.
        let sup = pg_client::connect(&pg.url("sup", PW, DB), "sup").await;
        sup.batch_execute("SELECT pg_create_logical_replication_slot('count_rows', 'pgoutput')").await.unwrap();
        let owner = pg_client::connect(&pg.url("owner_role", PW, DB), "owner_role").await;
        owner.batch_execute("SET synchronous_commit = on; INSERT INTO app.with_pk VALUES (7, 'x'), (700, 'x')").await.unwrap();
        let rows = sup
            .query("SELECT data FROM pg_logical_slot_peek_binary_changes('count_rows', NULL, NULL, 'proto_version', '1', 'publication_names', 'filtered')", &[])
            .await
            .unwrap();
        let inserts = rows.iter().filter(|r| r.get::<_, Vec<u8>>(0).first() == Some(&b'I')).count();
        assert_eq!(inserts, 1, "the row filter lets one of the two rows through");
    }
    // A publication that does not exist: the verdict says so, and decoding fails.
    let r = cdc_test(&pg, "repl", options(Some("nope"), None)).await;
    assert!(has_error(&r, ObjectType::Publication, "does not exist"));
    let fix = &r.verdict.as_ref().unwrap().fix_sql;
    assert!(fix.contains("CREATE PUBLICATION nope FOR TABLE"), "{fix}");
    // Before 18 decoding fails; from 18 a missing publication is skipped.
    match what_is_published(&pg, "nope").await {
        Err(e) => assert!(major() < 18 && e.contains("does not exist"), "{e}"),
        Ok(seen) => assert!(major() >= 18 && seen.changes.is_empty(), "{seen:?}"),
    }
    assert!(checked >= 16);
}

#[tokio::test]
async fn replica_identity_rules_agree_with_updates_on_the_source() {
    let pg = logical();
    pg.psql_in(DB, "CREATE PUBLICATION every FOR ALL TABLES");
    let r = cdc_test(&pg, "repl", options(Some("every"), None)).await;
    let mut fixes = Vec::new();
    for t in TABLES {
        let says_fails = problems(&r).iter().find(|p| p.severity == Severity::Error && p.name.as_deref() == Some(t) && p.reason.contains("replica identity"));
        let update = pg.try_psql_in(DB, &format!("SET ROLE owner_role; UPDATE app.{t} SET v = 'b'"));
        assert_eq!(says_fails.is_some(), update.is_err(), "{t}: verdict {says_fails:?}, UPDATE {update:?}");
        if let Err(e) = &update {
            assert!(e.contains("does not have a replica identity"), "{e}");
            fixes.push((*t, says_fails.unwrap().statement.clone().expect("a fix statement")));
        }
    }
    assert_eq!(fixes.iter().map(|(t, _)| *t).collect::<Vec<_>>(), ["no_pk", "idx_only", "nothing_ident"]);
    assert!(fixes[1].1.contains("USING INDEX idx_only_id"), "{}", fixes[1].1);
    // The verdict's own statements fix them: UPDATE works, the verdict is clear.
    for (t, statement) in &fixes {
        pg.psql_in(DB, &format!("SET ROLE owner_role; {statement}"));
        pg.try_psql_in(DB, &format!("SET ROLE owner_role; UPDATE app.{t} SET v = 'c'")).unwrap_or_else(|e| panic!("{t} after {statement}: {e}"));
    }
    let r = cdc_test(&pg, "repl", options(Some("every"), None)).await;
    assert!(!problems(&r).iter().any(|p| p.reason.contains("replica identity")), "{:#?}", problems(&r));
    assert!(r.verdict.as_ref().unwrap().ready, "{:#?}", problems(&r));
}

#[tokio::test]
async fn slot_rules_agree_with_reading_the_slot() {
    let pg = cluster_with(&[("wal_level", "logical"), ("max_replication_slots", "10"), ("max_wal_senders", "10")]);
    pg.psql_in(DB, "CREATE PUBLICATION every FOR ALL TABLES");
    // 'lost' first, alone: WAL beyond max_slot_wal_keep_size, a checkpoint,
    // and it is invalidated; the limit is lifted again before the others exist.
    pg.psql_in(DB, "SELECT pg_create_logical_replication_slot('lost', 'pgoutput')");
    pg.psql("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'; SELECT pg_reload_conf()");
    for i in 0..4 {
        pg.psql_in(DB, &format!("CREATE TABLE wal_{i} (); SELECT pg_switch_wal();"));
    }
    pg.psql_in(DB, "CHECKPOINT");
    pg.psql("ALTER SYSTEM RESET max_slot_wal_keep_size; SELECT pg_reload_conf()");
    pg.psql_in(
        DB,
        "SELECT pg_create_logical_replication_slot('good', 'pgoutput');
         SELECT pg_create_logical_replication_slot('busy', 'pgoutput');
         SELECT pg_create_logical_replication_slot('decoder', 'test_decoding');
         SELECT pg_create_physical_replication_slot('physical', true);",
    );
    pg.psql("SELECT pg_create_logical_replication_slot('elsewhere', 'pgoutput')");
    let _busy = Reader::start(&pg, "busy");
    let lost = pg.psql_in(DB, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'lost'");
    assert_eq!(lost, "lost", "fixture: the slot should have lost its WAL");
    for slot in ["good", "busy", "decoder", "physical", "lost", "elsewhere", "fresh"] {
        let r = cdc_test(&pg, "repl", options(Some("every"), Some(slot))).await;
        let errors: Vec<&Problem> = problems(&r).iter().filter(|p| p.severity == Severity::Error && p.object_type == ObjectType::ReplicationSlot).collect();
        let reality = if slot == "fresh" { can_create_slot(pg.port(), "repl") } else { can_read(pg.port(), slot, "every") };
        assert_eq!(errors.is_empty(), reality.is_ok(), "slot {slot}: verdict {errors:#?}, pg_recvlogical {reality:?}");
    }
    // What each refusal says.
    let r = cdc_test(&pg, "repl", options(Some("every"), Some("busy"))).await;
    assert!(has_problem(&r, Severity::Error, Some("busy"), "is in use by PID"), "{:#?}", problems(&r));
    let r = cdc_test(&pg, "repl", options(Some("every"), Some("elsewhere"))).await;
    assert!(has_problem(&r, Severity::Error, Some("elsewhere"), "belongs to database postgres"), "{:#?}", problems(&r));
    let r = cdc_test(&pg, "repl", options(Some("every"), Some("decoder"))).await;
    assert!(has_problem(&r, Severity::Error, Some("decoder"), "plugin test_decoding"), "{:#?}", problems(&r));
    let r = cdc_test(&pg, "repl", options(Some("every"), Some("lost"))).await;
    assert!(has_problem(&r, Severity::Error, Some("lost"), "can never be read again"), "{:#?}", problems(&r));
}

#[tokio::test]
async fn cdc_on_a_standby_needs_postgresql_16() {
    let pg = cluster_with(&[("wal_level", "logical"), ("max_replication_slots", "10"), ("max_wal_senders", "10"), ("hot_standby_feedback", "on")]);
    pg.psql("CHECKPOINT");
    let replica = pg.start_replica();
    let started = Instant::now();
    while replica.try_psql_in(DB, "SELECT 1 FROM app.with_pk LIMIT 1").is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the standby did not replay the fixture");
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = replica.psql_in(DB, "SELECT count(*) FROM pg_replication_slots");
    let r = cdc_test_on(replica.port(), "repl", options(None, None)).await;
    assert_eq!(replica.psql_in(DB, "SELECT count(*) FROM pg_replication_slots"), before);
    let verdict_says = !has_error(&r, ObjectType::Server, "standby");
    let reality = can_create_slot(replica.port(), "repl");
    assert_eq!(verdict_says, reality.is_ok(), "standby on {}: verdict {verdict_says}, pg_recvlogical {reality:?}", major());
    assert_eq!(verdict_says, major() >= 16);
}

#[tokio::test]
async fn cdc_through_pgbouncer_in_transaction_mode() {
    let pg = logical();
    let bouncer = sluice_harness::pgbouncer::PgBouncer::start(&pg, "repl", PW);
    let conn = format!("host=127.0.0.1 port={} user=repl password={PW} dbname=postgres sslmode=disable", bouncer.port());
    let mut req = ProbeRequest::new(info(&conn));
    req.analysis = Some(AnalysisRequest { job: Job::Source, options: options(None, None), scope: Scope::all() });
    let r = probe_request(req).await;
    assert!(has_problem(&r, Severity::Warning, None, "relayed"), "{:#?}", r.verdict);
    assert_eq!(step_status(&r, Stage::Replication), StepStatus::Failed, "{:#?}", r.steps);
    assert_eq!(r.error.as_ref().map(|e| e.stage), Some(Stage::Replication));
    let reality = recvlogical(bouncer.port(), "repl", "postgres", &["--slot", "through", "--create-slot", "-P", "pgoutput"]);
    assert!(reality.is_err(), "a replication connection through PgBouncer: {reality:?}");
}

/// The replication connection takes the same route as the first, TLS and
/// channel binding included (the startup's extra parameter goes out inside TLS).
#[tokio::test]
async fn the_replication_connection_over_tls_with_channel_binding() {
    let pg = Cluster::builder()
        .tls()
        .setting("wal_level", "logical")
        .setting("log_replication_commands", "on")
        .hba("hostssl all all 127.0.0.1/32 scram-sha-256")
        .start();
    pg.psql(ROLES_SQL);
    pg.psql_in(DB, TABLES_SQL);
    let conn = format!(
        "host=127.0.0.1 port={} user=repl password={PW} dbname={DB} sslmode=verify-full sslrootcert={} channel_binding=require",
        pg.port(),
        pg.pki().ca_cert().display()
    );
    let conn = conn.replace("host=127.0.0.1", "host=localhost hostaddr=127.0.0.1");
    let mut req = ProbeRequest::new(info(&conn));
    req.analysis = Some(AnalysisRequest { job: Job::Source, options: options(None, None), scope: Scope::all() });
    let r = probe_request(req).await;
    assert!(r.error.is_none(), "{:#?}", r.error);
    assert_eq!(step_status(&r, Stage::Replication), StepStatus::Ok, "{:#?}", r.steps);
    let log = pg.log();
    assert!(log.contains("IDENTIFY_SYSTEM"));
    // Both sessions were encrypted: the server logged two SSL connections for repl.
    let authorized = log.lines().filter(|l| l.contains("connection authorized: user=repl") && l.contains("SSL enabled")).count();
    assert!(authorized >= 2, "{log}");
    assert!(log.lines().any(|l| l.contains("replication connection authorized: user=repl") && l.contains("SSL enabled")), "{log}");
}
