//! A throwaway Postgres cluster for one test.
//!
//! ```no_run
//! let pg = sluice_harness::Cluster::builder()
//!     .tls()
//!     .hba("hostssl all all 127.0.0.1/32 scram-sha-256")
//!     .start();
//! pg.create_role("app", "s3cret");
//! let url = pg.url("app", "s3cret", "postgres");
//! ```
//!
//! Every cluster lives in its own temp dir, listens on a free port on
//! 127.0.0.1 and 127.0.0.2 (the server certificate names only the first) and
//! on a Unix socket, logs every statement, and is stopped when dropped, also
//! when the test panics. The harness itself talks to it as the `postgres`
//! superuser over the socket (`local ... trust`); scenarios only choose the
//! rules that come after that line.

use crate::os_user::{hand_over, server_command};
use crate::pg_bin::{bin, bindir};
use crate::tls::TestPki;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use tempfile::TempDir;

/// The rules the harness needs for itself; scenario rules follow them.
const HARNESS_HBA: &str = "local all postgres trust\nlocal replication postgres trust\n";

/// Used when a scenario names no rule: password auth everywhere.
const DEFAULT_HBA: [&str; 3] = [
    "local all all scram-sha-256",
    "host all all 127.0.0.1/32 scram-sha-256",
    "host all all ::1/128 scram-sha-256",
];

#[derive(Default)]
pub struct ClusterBuilder {
    tls: bool,
    tls_names: Option<Vec<String>>,
    hba: Vec<String>,
    settings: Vec<(String, String)>,
}

impl ClusterBuilder {
    /// Turns TLS on, with certificates from a fresh [`TestPki`]. The CA also
    /// verifies client certificates, for `cert` auth.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// TLS with a server certificate for these names only.
    pub fn tls_names(mut self, names: &[&str]) -> Self {
        self.tls = true;
        self.tls_names = Some(names.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Adds one pg_hba.conf rule (after the harness's own).
    pub fn hba(mut self, rule: impl Into<String>) -> Self {
        self.hba.push(rule.into());
        self
    }

    /// Adds one postgresql.conf setting, e.g. `("max_connections", "5")`.
    pub fn setting(mut self, name: &str, value: &str) -> Self {
        self.settings.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Starts the cluster and waits until it accepts connections.
    pub fn start(self) -> Cluster {
        self.start_with(|_| {})
    }

    /// Starts the cluster, calling `prepare` with its data directory first
    /// (to put files the configuration names there).
    pub fn start_with(self, prepare: impl Fn(&Path)) -> Cluster {
        let mut last_error = String::new();
        // A free port can be taken between our probe and the server's bind;
        // a new port fixes that race.
        for _ in 0..3 {
            match self.try_start(&prepare) {
                Ok(cluster) => return cluster,
                Err(e) => last_error = e,
            }
        }
        panic!("Postgres test cluster did not start: {last_error}");
    }

    fn try_start(&self, prepare: &dyn Fn(&Path)) -> Result<Cluster, String> {
        let root = tempfile::Builder::new().prefix("sluice-pg-").tempdir().map_err(|e| e.to_string())?;
        let data = root.path().join("data");
        let socket_dir = root.path().join("sock");
        std::fs::create_dir(&socket_dir).map_err(|e| e.to_string())?;
        copy_template(&data)?;
        let pki = self.tls.then(|| match &self.tls_names {
            Some(names) => TestPki::generate_for(&root.path().join("pki"), &names.iter().map(String::as_str).collect::<Vec<_>>()),
            None => TestPki::generate(&root.path().join("pki")),
        });
        let port = crate::free_port();
        let mut conf = base_settings(port, &socket_dir);
        if let Some(pki) = &pki {
            conf.push_str(&format!(
                "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nssl_ca_file = '{}'\n",
                pki.server_cert().display(),
                pki.server_key().display(),
                pki.ca_cert().display()
            ));
        }
        for (k, v) in &self.settings {
            conf.push_str(&format!("{k} = '{}'\n", v.replace('\'', "''")));
        }
        append(&data.join("postgresql.conf"), &conf)?;
        let rules: Vec<&str> = if self.hba.is_empty() {
            DEFAULT_HBA.to_vec()
        } else {
            self.hba.iter().map(String::as_str).collect()
        };
        write_hba(&data, &rules)?;
        prepare(&data);
        hand_over(root.path());
        let cluster = Cluster { root, data, socket_dir, port, pki, running: false };
        cluster.pg_ctl_start()
    }
}

fn base_settings(port: u16, socket_dir: &Path) -> String {
    format!(
        "\n# sluice harness\nlisten_addresses = '127.0.0.1,127.0.0.2'\nport = {port}\n\
         unix_socket_directories = '{}'\npassword_encryption = 'scram-sha-256'\n\
         log_statement = 'all'\nlog_connections = on\nlog_line_prefix = '%m [%p] %u@%d '\n\
         fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = '32MB'\n\
         max_wal_size = '64MB'\n",
        socket_dir.display()
    )
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).map_err(|e| e.to_string())?;
    f.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

fn write_hba(data: &Path, rules: &[&str]) -> Result<(), String> {
    let mut text = HARNESS_HBA.to_owned();
    for rule in rules {
        text.push_str(rule);
        text.push('\n');
    }
    std::fs::write(data.join("pg_hba.conf"), text).map_err(|e| e.to_string())
}

/// initdb once per machine and Postgres version, then copy: a copy takes a
/// tenth of initdb's time, which matters with dozens of clusters per run.
fn copy_template(dest: &Path) -> Result<(), String> {
    let template = template_dir()?;
    let status = Command::new("cp").arg("-a").arg(template).arg(dest).status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("cp -a {} failed", template.display()));
    }
    Ok(())
}

fn template_dir() -> Result<&'static Path, String> {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            // One template per server build: its major and where it lives.
            let place: String = bindir().to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
            let version = format!("{}-{}", crate::pg_bin::major(), place.trim_matches('_'));
            let final_dir = std::env::temp_dir().join(format!("sluice-pg-template-v1-{version}"));
            if final_dir.join("PG_VERSION").is_file() {
                return Ok(final_dir);
            }
            // Build aside and rename into place, so that concurrent test
            // processes never see a half-written template.
            let building = std::env::temp_dir().join(format!("sluice-pg-template-build-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&building);
            std::fs::create_dir_all(&building).map_err(|e| e.to_string())?;
            hand_over(&building);
            let out = server_command(&bin("initdb"))
                .arg("-D")
                .arg(building.join("data"))
                .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"])
                .output()
                .map_err(|e| format!("initdb did not start: {e}"))?;
            if !out.status.success() {
                return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
            }
            match std::fs::rename(building.join("data"), &final_dir) {
                Ok(()) => {}
                Err(_) if final_dir.join("PG_VERSION").is_file() => {}
                Err(e) => return Err(format!("template rename: {e}")),
            }
            let _ = std::fs::remove_dir_all(&building);
            Ok(final_dir)
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

pub struct Cluster {
    root: TempDir,
    data: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    pki: Option<TestPki>,
    running: bool,
}

impl Cluster {
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    /// A cluster with password auth over TCP and the socket, no TLS.
    pub fn start_default() -> Cluster {
        Cluster::builder().start()
    }

    fn pg_ctl_start(mut self) -> Result<Cluster, String> {
        let out = server_command(&bin("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.log_path())
            .args(["-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("pg_ctl start failed:\n{}", self.log()));
        }
        self.running = true;
        Ok(self)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The cluster's certificates; panics if it was built without `.tls()`.
    pub fn pki(&self) -> &TestPki {
        self.pki.as_ref().expect("cluster was started without .tls()")
    }

    pub fn log_path(&self) -> PathBuf {
        self.root.path().join("server.log")
    }

    /// Everything the server logged so far (every statement, with
    /// `log_statement = all`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A libpq URL to this cluster over TCP on 127.0.0.1, with the password
    /// percent-encoded.
    pub fn url(&self, user: &str, password: &str, dbname: &str) -> String {
        format!(
            "postgresql://{}:{}@127.0.0.1:{}/{}",
            encode(user),
            encode(password),
            self.port,
            encode(dbname)
        )
    }

    /// Runs SQL (one or more statements) as the `postgres` superuser in
    /// database `postgres`; returns unaligned, tuples-only output.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_in("postgres", sql)
    }

    pub fn psql_in(&self, dbname: &str, sql: &str) -> String {
        self.try_psql_in(dbname, sql).unwrap_or_else(|e| panic!("psql failed: {e}\nSQL: {sql}"))
    }

    pub fn try_psql_in(&self, dbname: &str, sql: &str) -> Result<String, String> {
        let mut child = Command::new(bin("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-U", "postgres"])
            .arg("-h")
            .arg(&self.socket_dir)
            .args(["-p", &self.port.to_string(), "-d", dbname, "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        child.stdin.take().expect("stdin").write_all(sql.as_bytes()).map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Creates a login role with a scram-sha-256 password.
    pub fn create_role(&self, name: &str, password: &str) {
        self.psql(&format!(
            "CREATE ROLE {} LOGIN PASSWORD {}",
            quote_ident(name),
            quote_literal(password)
        ));
    }

    /// Replaces the scenario's pg_hba rules and reloads the server.
    pub fn set_hba(&self, rules: &[&str]) {
        write_hba(&self.data, rules).expect("write pg_hba.conf");
        hand_over(&self.data.join("pg_hba.conf"));
        self.psql("SELECT pg_reload_conf()");
    }

    /// A hot standby of this cluster, made with `pg_basebackup -R`.
    pub fn start_replica(&self) -> Cluster {
        let root = tempfile::Builder::new().prefix("sluice-pg-replica-").tempdir().expect("tempdir");
        let data = root.path().join("data");
        let socket_dir = root.path().join("sock");
        std::fs::create_dir(&socket_dir).expect("socket dir");
        hand_over(root.path());
        let out = server_command(&bin("pg_basebackup"))
            .arg("-h")
            .arg(&self.socket_dir)
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-R", "-X", "stream", "-D"])
            .arg(&data)
            .output()
            .expect("pg_basebackup did not start");
        assert!(out.status.success(), "pg_basebackup failed: {}", String::from_utf8_lossy(&out.stderr));
        let port = crate::free_port();
        append(&data.join("postgresql.conf"), &base_settings(port, &socket_dir)).expect("replica conf");
        hand_over(root.path());
        let cluster = Cluster { root, data, socket_dir, port, pki: None, running: false };
        cluster.pg_ctl_start().unwrap_or_else(|e| panic!("replica did not start: {e}"))
    }

    /// Writes a file the server reads (owned by the server's OS user).
    pub fn write_data_file(&self, path: &Path, text: &str) {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        hand_over(path);
    }

    /// Stops and starts the server again (what a changed ssl file needs).
    pub fn restart(&mut self) {
        let out = server_command(&bin("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.log_path())
            .args(["-w", "-t", "60", "-m", "fast", "restart"])
            .stdout(Stdio::null())
            .output()
            .expect("pg_ctl restart");
        assert!(out.status.success(), "pg_ctl restart failed:\n{}", self.log());
    }

    /// Stops the server (fast shutdown). Dropping the cluster does this too.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        self.running = false;
        let _ = server_command(&bin("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "-t", "30", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The OS user the server process runs as (`postgres` when the tests run as root).
    pub fn server_os_user() -> String {
        if crate::os_user::is_root() {
            "postgres".into()
        } else {
            std::env::var("USER").unwrap_or_default()
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Percent-encodes everything outside RFC 3986's unreserved set.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// SQL identifier quoting, as Postgres's quote_ident (always quoted here).
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// SQL string literal quoting.
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
