//! A real PgBouncer (Debian's package) in transaction mode in front of a
//! harness cluster, talking to it over the cluster's Unix socket.

use crate::os_user::{hand_over, is_root};
use crate::Cluster;
#[cfg(unix)]
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

pub struct PgBouncer {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl PgBouncer {
    /// Starts PgBouncer for database `postgres`, with one user allowed
    /// (plain auth file: the password is the one the cluster knows).
    pub fn start(cluster: &Cluster, user: &str, password: &str) -> PgBouncer {
        PgBouncer::start_with(cluster, user, password, "")
    }

    /// The same, with `extra` lines appended to the `[pgbouncer]` section.
    pub fn start_with(cluster: &Cluster, user: &str, password: &str, extra: &str) -> PgBouncer {
        let dir = tempfile::Builder::new().prefix("sluice-pgbouncer-").tempdir().expect("tempdir");
        let port = crate::free_port();
        let ini = format!(
            "[databases]\npostgres = host={sock} port={pgport} dbname=postgres\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = plain\nauth_file = {d}/users.txt\npool_mode = transaction\n\
             max_client_conn = 200\ndefault_pool_size = 5\nlogfile = {d}/pgbouncer.log\n{extra}\n",
            sock = cluster.socket_dir().display(),
            pgport = cluster.port(),
            d = dir.path().display()
        );
        std::fs::write(dir.path().join("pgbouncer.ini"), ini).expect("write ini");
        std::fs::write(dir.path().join("users.txt"), format!("\"{user}\" \"{password}\"\n")).expect("write users");
        // PgBouncer, like Postgres, refuses to run as root.
        hand_over(dir.path());
        let ini_path = dir.path().join("pgbouncer.ini");
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "pgbouncer"]);
            c
        } else {
            Command::new("pgbouncer")
        };
        // Its own process group: when we are root, `runuser` is the child and
        // pgbouncer its child, so only killing the group stops pgbouncer.
        cmd.arg(&ini_path);
        #[cfg(unix)]
        cmd.process_group(0);
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pgbouncer did not start (npm test installs the pgbouncer package)");
        let bouncer = PgBouncer { child, port, dir };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return bouncer;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("pgbouncer did not listen on {port}: {}", bouncer.log());
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl PgBouncer {
    /// Whether any process of the group is still running. Read from /proc,
    /// because `kill -0` also succeeds for zombies nobody has reaped yet.
    pub fn group_alive(&self) -> bool {
        let group = self.child.id().to_string();
        std::fs::read_dir("/proc").into_iter().flatten().flatten().any(|entry| {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { return false };
            // After "pid (comm) ": state, ppid, pgrp.
            let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else { return false };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields.len() > 2 && fields[0] != "Z" && fields[2] == group
        })
    }

    /// Stops pgbouncer and everything it started.
    pub fn stop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).stderr(Stdio::null()).status();
        for _ in 0..100 {
            if !self.group_alive() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.wait();
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        self.stop();
    }
}
