//! The Windows CLI (`sluice.exe`, x86_64-pc-windows-gnu) run under Wine
//! against real parts: built and started by `scripts/test-windows.sh`
//! (`npm run test:windows`), which sets SLUICE_WINDOWS_EXE and SLUICE_WINE.
//! Only compiled with the `windows-check` feature.

use serde_json::Value;
use sluice_harness::Cluster;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn exe() -> PathBuf {
    PathBuf::from(std::env::var_os("SLUICE_WINDOWS_EXE").expect("SLUICE_WINDOWS_EXE: run scripts/test-windows.sh"))
}

/// One Wine prefix for the run (the first start makes it).
fn prefix() -> &'static tempfile::TempDir {
    static PREFIX: OnceLock<tempfile::TempDir> = OnceLock::new();
    PREFIX.get_or_init(|| tempfile::Builder::new().prefix("sluice-wine-").tempdir().unwrap())
}

fn wine(args: &[&str], stdin: Option<&str>, config: &std::path::Path) -> Output {
    let wine = std::env::var("SLUICE_WINE").unwrap_or_else(|_| "wine64".into());
    let mut c = Command::new(wine);
    c.arg(exe())
        .args(args)
        .env("WINEPREFIX", prefix().path())
        .env("WINEDEBUG", "-all")
        .env("SLUICE_CONFIG_DIR", config)
        .env_remove("PGPASSWORD")
        .env_remove("DISPLAY")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("wine64 starts");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn url_parse_under_wine() {
    let dir = tempfile::tempdir().unwrap();
    let out = wine(&["url", "parse", "postgresql://app@db.example.com:6543/shop?sslmode=verify-full&target_session_attrs=read-write"], None, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["params"]["host"], "db.example.com");
    assert_eq!(v["params"]["port"], "6543");
    assert_eq!(v["params"]["sslmode"], "verify-full");
    assert_eq!(v["params"]["target_session_attrs"], "read-write");
}

#[test]
fn a_tls_test_against_a_real_cluster_under_wine() {
    let pg = Cluster::builder().tls().hba("host all all 127.0.0.1/32 scram-sha-256").start();
    pg.create_role("app", "pw");
    let dir = tempfile::tempdir().unwrap();
    let ca = pg.pki().ca_cert();
    // Wine maps the Unix root to Z:, so the Unix path works as it is.
    let conn = format!("host=localhost port={} user=app password=pw dbname=postgres sslmode=verify-full sslrootcert={}", pg.port(), ca.display());
    let out = wine(&["test", &conn, "--json"], None, dir.path());
    let v = json(&out);
    assert_eq!(v["connected"], true, "{v}");
    assert_eq!(v["server"]["backend_ssl"], true, "the server's pg_stat_ssl: {v}");
    assert_eq!(v["server"]["tls"]["hostname_verified"], true, "{v}");
    // And a wrong password is the server's answer, classified as on Linux.
    let bad = wine(&["test", &conn.replace("password=pw", "password=nope"), "--json"], None, dir.path());
    assert_eq!(json(&bad)["error"]["code"], "auth_failed");
}

#[test]
fn a_saved_password_goes_to_the_windows_credential_manager() {
    let pg = Cluster::start_default();
    pg.create_role("app", "s3cret-on-windows");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgresql://app@127.0.0.1:{}/postgres?sslmode=disable", pg.port());
    let add = wine(&["connections", "add", "--name", "Win", "--url", &url, "--password-stdin", "--json"], Some("s3cret-on-windows\n"), dir.path());
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let saved = json(&add);
    assert_eq!(saved["has_password"], true, "{saved}");
    // Never in the file.
    let file = std::fs::read_to_string(dir.path().join("connections.json")).unwrap();
    assert!(!file.contains("s3cret"), "{file}");
    // Back from the Credential Manager, and used by a test of the saved connection.
    let shown = json(&wine(&["connections", "show", "Win", "--json", "--reveal"], None, dir.path()));
    assert_eq!(shown["password"], "s3cret-on-windows");
    let tested = json(&wine(&["test", "--name", "Win", "--json"], None, dir.path()));
    assert_eq!(tested["connected"], true, "{tested}");
    assert_eq!(tested["password_source"], "keyring");
    let removed = wine(&["connections", "remove", "Win"], None, dir.path());
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let again = wine(&["connections", "show", "Win", "--json", "--reveal"], None, dir.path());
    assert!(!again.status.success(), "removed");
}
