//! Test support shared by every suite: real services, started and stopped by the test.
//!
//! - [`cluster`]: a throwaway Postgres cluster (`initdb` + `pg_ctl`) on a free port,
//!   scram-sha-256, optional TLS, pg_hba rules chosen per scenario, statements logged.
//! - [`tls`]: a CA, server and client certificates generated in the test with rcgen.
//! - [`listeners`]: fake servers (silent, garbage) for failure scenarios.
//! - [`pgbouncer`]: a real PgBouncer in transaction mode in front of a cluster.
//! - [`pg_bin`]: where the machine's Postgres binaries are.
//! - [`keyring_env`]: a guard that the real Secret Service is reachable.
//! - [`hostile`]: a hostile database owner's traps, and whether any ran.
//! - [`sni`]: a TLS server that records the server name each client sends.
//! - [`ssl_suite`]: PostgreSQL 15's client SSL test suite as a server (its certificates, pg_hba, ident maps).
//! - [`sshd`]: a real OpenSSH server (and client keys) for tunnel tests.
//! - [`hostile_ssh`]: a hostile SSH bastion that takes any password and redirects channels.
//! - [`hostile_pg`]: hostile Postgres servers (floods, huge messages, escapes) and a recording proxy.
//! - [`rusage`]: a child process's peak memory.

pub mod cluster;
pub mod hostile;
pub mod hostile_pg;
pub mod hostile_ssh;
pub mod keyring_env;
pub mod listeners;
pub mod oauth;
pub mod pg_bin;
pub mod pgbouncer;
#[cfg(target_os = "linux")]
pub mod rusage;
pub mod sni;
pub mod ssl_suite;
pub mod sshd;
pub mod tls;
mod os_user;

pub use cluster::{Cluster, ClusterBuilder};
pub use tls::{KeyFormat, TestPki};

/// Binds port 0 on loopback and returns the port the OS picked.
///
/// The port is free when this returns; a cluster that loses a race for it
/// fails to start and is retried on a new port by [`ClusterBuilder::start`].
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free TCP port on 127.0.0.1")
}

/// Every file below `dir`, recursively (for tests that scan what was written).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The name of the OS user the tests run as.
pub fn os_user_name() -> String {
    std::process::Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
