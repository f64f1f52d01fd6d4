//! The session stage: one simple-protocol batch, read-only, that reads the
//! server's and the session's facts and, when asked, runs the access
//! analysis in the same round trip.
//!
//! Simple protocol only: no prepared statements, so it works through
//! PgBouncer and Supavisor in transaction mode.

use super::report::{PoolerInfo, ServerInfo};
use tokio_postgres::SimpleQueryRow;

/// The session facts, one row. `is_superuser` is a GUC the server reports
/// for the session, so no catalog lookup is needed.
pub(crate) const SESSION_SQL: &str = "SELECT current_setting('server_version'), \
current_setting('server_version_num'), current_user, session_user, current_database(), \
pg_catalog.pg_is_in_recovery(), current_setting('default_transaction_read_only'), \
current_setting('is_superuser'), pg_catalog.inet_server_addr()::text, \
pg_catalog.inet_server_port(), pg_catalog.pg_backend_pid()";

/// The whole batch. `BEGIN READ ONLY` makes sure nothing can be written,
/// whatever the access SQL does; `COMMIT` ends it in the same message.
/// JIT is turned off for the analysis only: on very large catalogs the
/// planner's estimate can cross `jit_above_cost`, and compiling would cost
/// more than the query (seen: +1.5 s). `SET LOCAL` dies with the transaction,
/// so poolers hand on a clean session.
pub(crate) fn batch(access_sql: Option<&str>) -> String {
    match access_sql {
        Some(sql) => format!("BEGIN READ ONLY; {SESSION_SQL}; SET LOCAL jit = off; {sql}; COMMIT"),
        None => format!("BEGIN READ ONLY; {SESSION_SQL}; COMMIT"),
    }
}

/// Statements completed when the session row is in (BEGIN, session).
pub(crate) const SESSION_DONE: usize = 2;
/// Statements completed when the analysis is in (BEGIN, session, SET, access).
pub(crate) const ACCESS_DONE: usize = 4;

/// Where the client connected, to compare with where the backend listens.
pub(crate) struct ClientSide {
    pub login_user: String,
    pub connected_to: String,
    /// None for Unix sockets.
    pub tcp_port: Option<u16>,
}

pub(crate) fn parse_row(row: &SimpleQueryRow, client: &ClientSide) -> Result<ServerInfo, String> {
    let text = |i: usize| -> Result<String, String> {
        row.try_get(i).map_err(|e| e.to_string())?.map(str::to_owned).ok_or_else(|| format!("column {i} is null"))
    };
    let opt = |i: usize| -> Option<String> { row.try_get(i).ok().flatten().map(str::to_owned) };
    let boolean = |i: usize| -> Result<bool, String> { Ok(matches!(text(i)?.as_str(), "t" | "on" | "true")) };
    let backend_addr = opt(8);
    let backend_port = opt(9).and_then(|p| p.parse::<u16>().ok());
    let pooler = detect_pooler(client, backend_addr.as_deref(), backend_port);
    Ok(ServerInfo {
        server_version: text(0)?,
        server_version_num: text(1)?.parse().map_err(|_| "server_version_num is not a number".to_owned())?,
        login_user: client.login_user.clone(),
        current_user: text(2)?,
        session_user: text(3)?,
        database: text(4)?,
        in_recovery: boolean(5)?,
        default_transaction_read_only: boolean(6)?,
        superuser: boolean(7)?,
        connected_to: client.connected_to.clone(),
        backend_addr,
        backend_port,
        backend_pid: text(10)?.parse().map_err(|_| "pg_backend_pid is not a number".to_owned())?,
        pooler,
        tls: None,
    })
}

/// A backend that listens somewhere other than where we connected means a
/// pooler or proxy (PgBouncer on 6432, Supavisor on 6543, RDS Proxy) or a
/// port mapping is in between.
fn detect_pooler(client: &ClientSide, backend_addr: Option<&str>, backend_port: Option<u16>) -> PoolerInfo {
    let evidence = match (client.tcp_port, backend_addr, backend_port) {
        (Some(_), None, _) => Some(
            "you connected over TCP, but the backend session is on a Unix socket: a pooler or proxy on the server host relays it".to_owned(),
        ),
        (Some(ours), Some(_), Some(theirs)) if ours != theirs => Some(format!(
            "you connected to port {ours}, but the backend listens on port {theirs}: a pooler, proxy or port mapping is in between"
        )),
        _ => None,
    };
    PoolerInfo { detected: evidence.is_some(), evidence }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(port: Option<u16>) -> ClientSide {
        ClientSide { login_user: "u".into(), connected_to: "x".into(), tcp_port: port }
    }

    #[test]
    fn pooler_evidence() {
        assert!(!detect_pooler(&client(Some(5432)), Some("10.0.0.1"), Some(5432)).detected);
        assert!(detect_pooler(&client(Some(6432)), Some("10.0.0.1"), Some(5432)).detected);
        assert!(detect_pooler(&client(Some(6432)), None, None).detected);
        // Over a socket we cannot tell, so we claim nothing.
        assert!(!detect_pooler(&client(None), None, None).detected);
    }

    #[test]
    fn batch_is_read_only_and_single() {
        let b = batch(Some("SELECT 1"));
        assert!(b.starts_with("BEGIN READ ONLY;"));
        assert!(b.ends_with("COMMIT"));
    }
}
