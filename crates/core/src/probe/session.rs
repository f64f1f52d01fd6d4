//! The session stage: one simple-protocol batch, read-only, that reads the
//! server's and the session's facts and, when asked, runs the access
//! analysis in the same round trip.
//!
//! Simple protocol only: no prepared statements, so it works through
//! PgBouncer and Supavisor in transaction mode.

use super::report::{PoolerInfo, ServerInfo};
use crate::access::PLANNER_SETTINGS;
use crate::pinned;
use tokio_postgres::SimpleQueryRow;

/// The session facts, one row, every column named (and decoded by name in
/// [`parse_row`]). `is_superuser` is a GUC the server reports for the
/// session, so no catalog lookup is needed. Every function is
/// `pg_catalog.`-qualified (see `crate::pinned`).
pub(crate) const SESSION_SQL: &str = "SELECT pg_catalog.current_setting('server_version') AS server_version, \
pg_catalog.current_setting('server_version_num') AS server_version_num, current_user AS current_user, \
session_user AS session_user, pg_catalog.current_database() AS database, \
pg_catalog.pg_is_in_recovery() AS in_recovery, \
pg_catalog.current_setting('default_transaction_read_only') AS default_transaction_read_only, \
pg_catalog.current_setting('is_superuser') AS superuser, \
pg_catalog.inet_server_addr()::pg_catalog.text AS backend_addr, \
pg_catalog.inet_server_port() AS backend_port, pg_catalog.pg_backend_pid() AS backend_pid, \
COALESCE((SELECT s.ssl FROM pg_catalog.pg_stat_ssl s WHERE s.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()), false) AS backend_ssl";

/// The whole batch, in one Query message: the pinned read-only transaction
/// of `crate::pinned`, the session facts and, when asked, the analysis
/// under its planner settings ([`PLANNER_SETTINGS`]).
pub(crate) fn batch(access_sql: Option<&str>) -> String {
    match access_sql {
        Some(sql) => {
            let mut statements = vec![SESSION_SQL];
            statements.extend(PLANNER_SETTINGS);
            statements.push(sql);
            pinned::read_only_batch(&statements)
        }
        None => pinned::read_only_batch(&[SESSION_SQL]),
    }
}

/// Statements completed when the session row is in (the preamble, session).
pub(crate) const SESSION_DONE: usize = pinned::PREAMBLE + 1;
/// Statements completed when the analysis is in (... session, the planner
/// settings, access).
pub(crate) const ACCESS_DONE: usize = pinned::PREAMBLE + 1 + PLANNER_SETTINGS.len() + 1;

/// Where the client connected, to compare with where the backend listens.
pub(crate) struct ClientSide {
    pub login_user: String,
    pub connected_to: String,
    /// None for Unix sockets.
    pub tcp_port: Option<u16>,
}

pub(crate) fn parse_row(row: &SimpleQueryRow, client: &ClientSide) -> Result<ServerInfo, String> {
    let opt = |name: &str| -> Result<Option<String>, String> {
        row.try_get(name).map(|v| v.map(str::to_owned)).map_err(|e| format!("column {name}: {e}"))
    };
    let text = |name: &str| -> Result<String, String> { opt(name)?.ok_or_else(|| format!("column {name} is null")) };
    let boolean = |name: &str| -> Result<bool, String> { Ok(matches!(text(name)?.as_str(), "t" | "on" | "true")) };
    let number = |name: &str| -> Result<i64, String> {
        text(name)?.parse().map_err(|_| format!("column {name} is not a number"))
    };
    let backend_addr = opt("backend_addr")?;
    let backend_port = opt("backend_port")?.and_then(|p| p.parse::<u16>().ok());
    let pooler = detect_pooler(client, backend_addr.as_deref(), backend_port);
    Ok(ServerInfo {
        server_version: text("server_version")?,
        server_version_num: u32::try_from(number("server_version_num")?).map_err(|e| e.to_string())?,
        login_user: client.login_user.clone(),
        current_user: text("current_user")?,
        session_user: text("session_user")?,
        database: text("database")?,
        in_recovery: boolean("in_recovery")?,
        default_transaction_read_only: boolean("default_transaction_read_only")?,
        superuser: boolean("superuser")?,
        connected_to: client.connected_to.clone(),
        backend_addr,
        backend_port,
        backend_pid: i32::try_from(number("backend_pid")?).map_err(|e| e.to_string())?,
        backend_ssl: boolean("backend_ssl")?,
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
            "you connected over TCP, but the backend session is on a Unix socket: a pooler, a proxy or an embedded server (PGlite's socket server, say) on the server host relays it".to_owned(),
        ),
        (Some(ours), Some(_), Some(theirs)) if ours != theirs => Some(format!(
            "you connected to port {ours}, but the backend listens on port {theirs}: a pooler, proxy or port mapping is in between"
        )),
        _ => None,
    };
    PoolerInfo { detected: evidence.is_some(), evidence }
}

/// What the verdict needs of the session (the access module takes no probe type).
impl From<&ServerInfo> for crate::access::SessionFacts {
    fn from(server: &ServerInfo) -> crate::access::SessionFacts {
        crate::access::SessionFacts {
            in_recovery: server.in_recovery,
            default_transaction_read_only: server.default_transaction_read_only,
            server_version_num: server.server_version_num,
            relayed: server.pooler.detected,
            provider: crate::connection::Provider::default(),
        }
    }
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
    fn batch_is_read_only_single_and_pinned_first() {
        let b = batch(Some("SELECT 1"));
        assert!(b.starts_with("BEGIN READ ONLY; SET LOCAL search_path TO pg_catalog, pg_temp; SELECT pg_catalog."));
        assert!(b.ends_with(&format!("{}; SELECT 1; COMMIT", PLANNER_SETTINGS.join("; "))));
        assert_eq!(b.matches("; ").count() + 1, ACCESS_DONE + 1, "statements: preamble, session, settings, access, commit");
    }
}
