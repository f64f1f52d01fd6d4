//! The first run's look for local servers, against a real cluster (by
//! PGHOST/PGPORT and by its socket), a silent listener and a non-Postgres
//! one: only Postgres answers count, and a silent place cannot hold it up.

use sluice_core::conninfo::Environment;
use sluice_core::import::local::{detect, places};
use sluice_harness::listeners::FakeServer;
use sluice_harness::Cluster;
use std::time::{Duration, Instant};

#[tokio::test]
async fn finds_postgres_by_pghost_and_by_socket_and_nothing_else() {
    let pg = Cluster::builder().tls().start();
    let silent = FakeServer::silent();
    let garbage = FakeServer::garbage();
    let mut env = Environment::default();
    env.vars.insert("PGHOST".into(), "127.0.0.1".into());
    env.vars.insert("PGPORT".into(), pg.port().to_string());
    let mut all = places(&env, &[pg.socket_dir().to_owned()]);
    // Two more places that are not Postgres.
    for port in [silent.port(), garbage.port()] {
        let mut more = places(&Environment { vars: [("PGHOST".to_owned(), "127.0.0.1".to_owned()), ("PGPORT".to_owned(), port.to_string())].into(), ..Environment::default() }, &[]);
        all.push(more.pop().unwrap());
    }
    // The machine's own 5432/6432 may or may not answer: leave them out.
    all.retain(|(_, by, _)| !by.starts_with("localhost:"));
    let started = Instant::now();
    let found = detect(all, Duration::from_millis(700)).await;
    assert!(started.elapsed() < Duration::from_millis(1500), "bounded: {:?}", started.elapsed());
    let by: Vec<&str> = found.iter().map(|f| f.found_by.as_str()).collect();
    assert_eq!(by, [format!("socket in {} (port {})", pg.socket_dir().display(), pg.port()).as_str(), "PGHOST/PGPORT"], "{found:?}");
    assert_eq!(found.iter().map(|f| f.tls).collect::<Vec<_>>(), [false, true], "TLS is offered over TCP, never over a socket: {found:?}");
    assert_eq!(found[1].url, format!("postgresql://127.0.0.1:{}", pg.port()));
    // Nothing logged in: the server saw no authorized connection.
    assert!(!pg.log().contains("connection authorized"), "{}", pg.log());
}
