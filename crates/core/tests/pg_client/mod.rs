//! A plain tokio-postgres client for tests that talk to a harness cluster
//! directly (the oracle queries, EXPLAIN), not through the probe.

use tokio_postgres::{Client, NoTls};

/// Connects to `url` and drives the connection on the runtime; panics with
/// `who` in the message when the server refuses.
pub async fn connect(url: &str, who: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap_or_else(|e| panic!("connect as {who}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}
