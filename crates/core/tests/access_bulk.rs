//! The analysis at scale: 20,000 tables readable only through a group, found
//! in one statement. (`cargo test -p sluice-core --test access_bulk -- --ignored`
//! runs the same at 100,000 tables.)

use sluice_core::access::{analyze, verdict, Privilege, Scope, SessionFacts};
use sluice_core::job::{DestinationOptions, Job};
use sluice_harness::Cluster;
use std::time::Instant;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

const PW: &str = "pw";
const DB: &str = "bulk";

async fn connect(pg: &Cluster, user: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(&pg.url(user, PW, DB), NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect as {user}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
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
    let sql = sluice_core::access::analysis_sql(&Scope::all()).unwrap();
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
    let access = analyze(&client, &Scope::all()).await.unwrap();
    let elapsed = started.elapsed();

    let wide: Vec<_> = access.relations.iter().filter(|r| r.schema == "wide").collect();
    assert_eq!(wide.len(), tables as usize);
    assert!(wide.iter().all(|r| r.privileges == [Privilege::Select]), "SELECT through readers on every table");
    let v = verdict(&access, &SessionFacts::default(), Job::Source, &DestinationOptions::default());
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
