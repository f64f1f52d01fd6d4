//! PostgreSQL's own client SSL test suite (`src/test/ssl` of PostgreSQL 15),
//! as a server the tests can connect to. Its certificates, keys, CRLs and
//! configs come from the postgresql-15 source package (`scripts/setup.sh
//! test` fetches them into `~/.cache/sluice/pg-ssl-suite/15`); the server
//! is set up as the suite's `SSL::Server` sets it up: the same users and
//! databases, the same pg_hba.conf and pg_ident.conf, and `switch_server_cert`
//! choosing the certificate, CA, CRL and CRL directory of each section.
//!
//! The one change: the suite's `server-rsapss.crt` expired in 2023, so a
//! copy is made again from its key and config, as the suite's `sslfiles.mk`
//! makes it.

use crate::Cluster;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The suite's files: `ssl/` (certificates, keys, CRLs) and `conf/`.
pub fn suite_dir() -> PathBuf {
    let dir = match std::env::var_os("SLUICE_PG_SSL_SUITE") {
        Some(d) => PathBuf::from(d),
        None => dirs_home().join(".cache/sluice/pg-ssl-suite/15"),
    };
    assert!(
        dir.join("ssl/root_ca.crt").is_file(),
        "PostgreSQL 15's SSL test suite is not in {} (scripts/setup.sh test fetches it)",
        dir.display()
    );
    dir
}

fn dirs_home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"))
}

/// A working copy of the suite's files for one test: `ssl/` as the
/// connection strings name it (relative to [`Workdir::path`], which tests
/// run the clients in), the client keys copied with mode 0600 as the
/// suite's `OpenSSL.pm` copies them (plus `client_wrongperms.key`, 0644),
/// and `server-rsapss.crt` made again.
pub struct Workdir {
    dir: tempfile::TempDir,
    keys: PathBuf,
}

impl Workdir {
    pub fn new() -> Workdir {
        let suite = suite_dir();
        let dir = tempfile::Builder::new().prefix("sluice-ssl-suite-").tempdir().expect("tempdir");
        copy_dir(&suite.join("ssl"), &dir.path().join("ssl"));
        copy_dir(&suite.join("conf"), &dir.path().join("conf"));
        let ssl = dir.path().join("ssl");
        let out = Command::new("openssl")
            .args(["req", "-new", "-x509", "-days", "3650", "-config"])
            .arg(dir.path().join("conf/server-rsapss.config"))
            .arg("-key")
            .arg(ssl.join("server-rsapss.key"))
            .arg("-out")
            .arg(ssl.join("server-rsapss.crt"))
            .output()
            .expect("openssl runs");
        assert!(out.status.success(), "openssl req for server-rsapss.crt: {}", String::from_utf8_lossy(&out.stderr));
        let keys = dir.path().join("keys");
        std::fs::create_dir(&keys).unwrap();
        for k in ["client.key", "client-revoked.key", "client-der.key", "client-encrypted-pem.key", "client-encrypted-der.key", "client-dn.key", "client_ext.key"] {
            std::fs::copy(ssl.join(k), keys.join(k)).unwrap();
            set_mode(&keys.join(k), 0o600);
        }
        std::fs::copy(ssl.join("client.key"), keys.join("client_wrongperms.key")).unwrap();
        set_mode(&keys.join("client_wrongperms.key"), 0o644);
        Workdir { dir, keys }
    }

    /// Where the clients run: connection strings say `ssl/root+server_ca.crt`.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `sslkey=PATH` of the suite's 0600 copy of `name`, as its `sslkey()` gives it.
    pub fn sslkey(&self, name: &str) -> String {
        format!("sslkey={}", self.keys.join(name).display())
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Workdir::new()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// What `switch_server_cert` sets: the server certificate (and its key of
/// the same name), the CA that verifies client certificates, the CRL file
/// and the CRL directory.
#[derive(Debug, Clone)]
pub struct ServerCert {
    pub certfile: &'static str,
    pub cafile: &'static str,
    pub crlfile: &'static str,
    pub crldir: Option<&'static str>,
}

impl ServerCert {
    /// `switch_server_cert($node, certfile => NAME)`: the suite's defaults
    /// for the rest (`root+client_ca`, `root+client.crl`, no CRL directory).
    pub fn named(certfile: &'static str) -> ServerCert {
        ServerCert { certfile, cafile: "root+client_ca", crlfile: "root+client.crl", crldir: None }
    }
}

/// The suite's server: `configure_test_server_for_ssl` then `switch_server_cert`.
pub struct SuiteServer {
    pub cluster: Cluster,
}

/// How `configure_test_server_for_ssl` is called: `trust` (001, 003), or
/// `scram-sha-256` with every user's password `pass` (002; md5testuser's
/// stored as md5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Trust,
    Scram,
}

impl SuiteServer {
    pub fn start(work: &Workdir, auth: Auth, cert: &ServerCert) -> SuiteServer {
        let method = match auth {
            Auth::Trust => "trust",
            Auth::Scram => "scram-sha-256",
        };
        let cidr = "127.0.0.1/32";
        let rules = [
            format!("hostssl trustdb md5testuser {cidr} md5"),
            format!("hostssl trustdb all {cidr} {method}"),
            format!("hostssl verifydb ssltestuser {cidr} {method} clientcert=verify-full"),
            format!("hostssl verifydb anotheruser {cidr} {method} clientcert=verify-full"),
            format!("hostssl verifydb yetanotheruser {cidr} {method} clientcert=verify-ca"),
            format!("hostssl certdb all {cidr} cert"),
            format!("hostssl certdb_dn all {cidr} cert clientname=DN map=dn"),
            format!("hostssl certdb_dn_re all {cidr} cert clientname=DN map=dnre"),
            format!("hostssl certdb_cn all {cidr} cert clientname=CN map=cn"),
        ];
        let mut builder = Cluster::builder().setting("include", "sslconfig.conf");
        for r in &rules {
            builder = builder.hba(r.clone());
        }
        let cluster = builder.start_with(|data| {
            // The server's files, as the suite's OpenSSL.pm copies them.
            let ssl = work.path().join("ssl");
            for e in std::fs::read_dir(&ssl).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let wanted = (name.starts_with("server-") && (name.ends_with(".crt") || name.ends_with(".key")))
                    || ["root+client_ca.crt", "root_ca.crt", "root+client.crl"].contains(&name.as_str());
                if wanted {
                    std::fs::copy(e.path(), data.join(&name)).unwrap();
                    if name.ends_with(".key") {
                        set_mode(&data.join(&name), 0o600);
                    }
                }
            }
            copy_dir(&ssl.join("root+client-crldir"), &data.join("root+client-crldir"));
            std::fs::write(
                data.join("pg_ident.conf"),
                "dn \"CN=ssltestuser-dn,OU=Testing,OU=Engineering,O=PGDG\" ssltestuser\n\
                 dnre \"/^.*OU=Testing,.*$\" ssltestuser\n\
                 cn ssltestuser-dn ssltestuser\n",
            )
            .unwrap();
            std::fs::write(data.join("sslconfig.conf"), ssl_config(cert)).unwrap();
        });
        cluster.psql("CREATE USER ssltestuser; CREATE USER md5testuser; CREATE USER anotheruser; CREATE USER yetanotheruser;");
        for db in ["trustdb", "certdb", "certdb_dn", "certdb_dn_re", "certdb_cn", "verifydb"] {
            cluster.psql(&format!("CREATE DATABASE {db}"));
        }
        if auth == Auth::Scram {
            // One session: md5testuser's password is stored as md5.
            cluster.psql(
                "SET password_encryption='scram-sha-256'; ALTER USER ssltestuser PASSWORD 'pass'; ALTER USER anotheruser PASSWORD 'pass';\
                 SET password_encryption='md5'; ALTER USER md5testuser PASSWORD 'pass';",
            );
        }
        SuiteServer { cluster }
    }

    /// `switch_server_cert`: the new sslconfig.conf, then a restart.
    pub fn switch(&mut self, cert: &ServerCert) {
        let path = self.cluster.data_dir().join("sslconfig.conf");
        self.cluster.write_data_file(&path, &ssl_config(cert));
        self.cluster.restart();
    }

    pub fn port(&self) -> u16 {
        self.cluster.port()
    }
}

fn ssl_config(c: &ServerCert) -> String {
    let mut s = format!(
        "ssl=on\nssl_ca_file='{}.crt'\nssl_cert_file='{}.crt'\nssl_key_file='{}.key'\nssl_crl_file='{}'\n",
        c.cafile, c.certfile, c.certfile, c.crlfile
    );
    if let Some(d) = c.crldir {
        s.push_str(&format!("ssl_crl_dir='{d}'\n"));
    }
    s
}
