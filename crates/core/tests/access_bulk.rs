//! The analysis at scale: 20,000 tables readable only through a group, found
//! in one statement. (`cargo test -p sluice-core --test access_bulk -- --ignored`
//! runs the same at 100,000 tables.)

mod pg_client;

use sluice_core::access::{analyze, verdict, Privilege, Reads, Scope, SessionFacts};
use sluice_core::job::{JobOptions, Job};
use sluice_harness::Cluster;
use std::time::Instant;
use tokio_postgres::{Client, SimpleQueryMessage};

const PW: &str = "pw";
const DB: &str = "bulk";

async fn connect(pg: &Cluster, user: &str) -> Client {
    pg_client::connect(&pg.url(user, PW, DB), user).await
}

/// `tables` one-column tables in schema `wide`, created in one DO block that
/// commits every 1,000 (one transaction would run out of lock slots).
fn bulk_cluster(tables: u32) -> Cluster {
    let pg = Cluster::start_default();
    pg.psql(
        "CREATE ROLE readers NOLOGIN; CREATE ROLE team NOLOGIN IN ROLE readers; \
         CREATE ROLE bulkreader LOGIN PASSWORD 'pw' IN ROLE team; CREATE DATABASE bulk;",
    );
    let started = Instant::now();
    pg.psql_in(
        DB,
        &format!(
            "CREATE SCHEMA wide;\n\
             DO $$BEGIN FOR i IN 1..{tables} LOOP \
               EXECUTE format('CREATE TABLE wide.t%s (id int)', i); \
               IF i % 1000 = 0 THEN COMMIT; END IF; \
             END LOOP; END$$;\n\
             GRANT USAGE ON SCHEMA wide TO readers;\n\
             GRANT SELECT ON ALL TABLES IN SCHEMA wide TO readers;\n\
             ANALYZE;"
        ),
    );
    eprintln!("created {tables} tables in {:?}", started.elapsed());
    pg
}

/// Server-side execution time of the analysis on a fresh backend (cold
/// caches, as in a real Test Connection).
async fn server_time(pg: &Cluster) -> String {
    let client = connect(pg, "bulkreader").await;
    let sql = sluice_core::access::analysis_sql(&Scope::all(), &Reads::ALL).unwrap();
    let messages = client.simple_query(&format!("EXPLAIN (ANALYZE, TIMING OFF) {sql}")).await.unwrap();
    messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .find(|l| l.starts_with("Execution Time"))
        .unwrap_or_default()
}

async fn run(tables: u32) {
    let pg = bulk_cluster(tables);
    let client = connect(&pg, "bulkreader").await;
    let log_before = pg.log().len();

    let started = Instant::now();
    let access = analyze(&client, &Scope::all(), Reads::ALL).await.unwrap();
    let elapsed = started.elapsed();

    let wide: Vec<_> = access.relations.iter().filter(|r| r.schema == "wide").collect();
    assert_eq!(wide.len(), tables as usize);
    assert!(wide.iter().all(|r| r.privileges == [Privilege::Select]), "SELECT through readers on every table");
    let v = verdict(&access, &SessionFacts::default(), Job::Source, &JobOptions::default());
    assert!(v.ready, "{:?}", v.problems.iter().take(3).collect::<Vec<_>>());

    // One statement in the server log for the whole analysis.
    let log = pg.log();
    let ours: Vec<&str> = log[log_before..]
        .lines()
        .filter(|l| l.contains("bulkreader@bulk") && l.contains("statement:"))
        .collect();
    assert_eq!(ours.len(), 1, "expected one statement, got {ours:#?}");
    assert!(ours[0].contains("LOG:  statement: BEGIN READ ONLY; SET LOCAL search_path TO pg_catalog, pg_temp;"), "{}", ours[0]);
    assert!(log[log_before..].contains("AS sluice_access"));

    eprintln!(
        "access analysis of {tables} tables: {elapsed:?} on the client ({} relations decoded); server: {}",
        access.relations.len(),
        server_time(&pg).await
    );
}

#[tokio::test]
async fn twenty_thousand_tables_through_a_group_in_one_statement() {
    run(20_000).await;
}

#[tokio::test]
#[ignore = "slow: creates 100,000 tables (about a minute); run for the timing"]
async fn one_hundred_thousand_tables() {
    run(100_000).await;
}

/// The plan of the probe's analysis (its planner settings, then the SELECT),
/// one line per node, from `EXPLAIN (COSTS OFF)` in a read-only transaction.
async fn plan(client: &Client, settings: &[&str]) -> String {
    let sql = sluice_core::access::analysis_sql(&Scope::all(), &Reads::ALL).unwrap();
    let batch = format!("BEGIN READ ONLY; {}; EXPLAIN (COSTS OFF) {sql}; ROLLBACK", settings.join("; "));
    let messages = client.simple_query(&batch).await.unwrap();
    let lines: Vec<String> = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .collect();
    lines.join("\n")
}

/// Right after a bulk migration, before autovacuum has analysed the
/// catalogs, the planner's estimates are those of an empty database. The
/// analysis must keep a plan shape that is linear without them: no nested
/// loop anywhere (the quadratic shape is a nested loop over a CTE scan).
/// The speed itself is measured in `bench/` (never-analysed rows).
#[tokio::test]
async fn never_analysed_catalogs_get_a_linear_plan() {
    const TABLES: u32 = 3_000;
    let pg = Cluster::builder().setting("autovacuum", "off").start();
    pg.psql("CREATE ROLE bulkreader LOGIN PASSWORD 'pw'; CREATE DATABASE bulk OWNER bulkreader;");
    pg.psql_in(
        DB,
        &format!(
            "SET ROLE bulkreader; CREATE SCHEMA wide;\n\
             DO $$BEGIN FOR i IN 1..{TABLES} LOOP \
               EXECUTE format('CREATE TABLE wide.t%s (id serial PRIMARY KEY, v text)', i); \
               IF i % 1000 = 0 THEN COMMIT; END IF; \
             END LOOP; END$$;"
        ),
    );
    // The catalogs' statistics are still those of the empty database
    // initdb made (its tuple count for pg_attribute is a few thousand).
    let stale = pg.psql_in(
        DB,
        "SELECT pg_catalog.count(*) FROM pg_catalog.pg_class c \
         WHERE c.oid = ANY ('{pg_class,pg_attribute,pg_depend,pg_attrdef}'::pg_catalog.regclass[]) \
           AND c.reltuples < 5000",
    );
    // (13 and 14 refresh one catalog's estimate as the tables are made; the plan
    // below must be linear all the same.)
    let expect_stale = if sluice_harness::pg_bin::major() >= 15 { "4" } else { "3" };
    assert_eq!(stale.trim(), expect_stale, "the catalogs must not have been analysed since the tables were made");
    let client = connect(&pg, "bulkreader").await;

    // The hazard is real here: with the server's defaults the planner picks
    // nested loops on these estimates (seen from 15; older majors' estimates
    // differ, and the assertion on our plan below holds everywhere).
    let default_plan = plan(&client, &["SET LOCAL jit TO off"]).await;
    if sluice_harness::pg_bin::major() >= 15 {
        assert!(default_plan.contains("Nested Loop"), "the scenario no longer reproduces the hazard:\n{default_plan}");
    }

    let ours = plan(&client, &sluice_core::access::PLANNER_SETTINGS).await;
    let loops: Vec<&str> = ours.lines().filter(|l| l.contains("Nested Loop")).collect();
    assert!(loops.is_empty(), "nested loops in the analysis plan on never-analysed catalogs: {loops:?}\n{ours}");

    // And the analysis is complete: every serial's sequence, its owner and
    // the default that uses it.
    let access = analyze(&client, &Scope::all(), Reads::ALL).await.unwrap();
    let tables: Vec<_> = access.relations.iter().filter(|r| r.schema == "wide").collect();
    assert_eq!(tables.len(), TABLES as usize);
    for t in &tables {
        let uses: Vec<String> = t.uses.iter().map(|u| format!("{}.{} via {:?} {:?}", u.schema, u.name, u.via, u.column)).collect();
        assert_eq!(uses, [format!("wide.{}_id_seq via Default Some(\"id\")", t.name)], "{}", t.name);
    }
    assert_eq!(access.sequences.len(), TABLES as usize);
    assert!(access.sequences.iter().all(|s| s.owned_by.as_deref() == Some(&format!("wide.{}.id", s.name.trim_end_matches("_id_seq"))[..])));
}
