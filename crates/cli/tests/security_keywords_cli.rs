//! The security keywords PostgreSQL's SSL suite does not reach, each held
//! to libpq (psql on the same string) or refused by name:
//!
//! - `sslsni`: the server name sent in the TLS handshake, recorded by a
//!   TLS server of the harness, is the same for Sluice and psql (a host
//!   name by default; none for an address, none with sslsni=0);
//! - `requirepeer`: over a Unix socket, a server running as another OS user
//!   is refused before anything is sent, with libpq's message;
//! - `gssencmode=require`: GSSAPI, which Sluice does not speak, is refused
//!   by name before connecting (psql, which may speak it, fails too here);
//! - `sslkeylogfile`: refused by name (Sluice writes no session keys).

use serde_json::Value;
use sluice_harness::Cluster;
use std::process::{Command, Output};

fn sluice(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .env("HOME", home.path())
        .env("SLUICE_CONFIG_DIR", home.path().join("sluice"))
        .env_remove("PGPASSWORD")
        .output()
        .expect("run sluice")
}

fn psql(connstr: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    sluice_harness::pg_bin::psql().args(["-X", "-A", "-t", "-c", "SELECT 1", "-d", connstr]).env("HOME", home.path()).env_remove("PGPASSWORD").output().expect("psql")
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("not JSON: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn sni_is_sent_as_libpq_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let pki = sluice_harness::TestPki::generate(dir.path());
    let server = sluice_harness::sni::SniServer::start(&pki.server_cert(), &pki.server_key());
    let cases = [
        ("a host name", format!("host=localhost hostaddr=127.0.0.1 port={} user=u dbname=d sslmode=require", server.port())),
        ("sslsni=0", format!("host=localhost hostaddr=127.0.0.1 port={} user=u dbname=d sslmode=require sslsni=0", server.port())),
        ("an address", format!("host=127.0.0.1 port={} user=u dbname=d sslmode=require", server.port())),
    ];
    let mut sluice_saw = Vec::new();
    let mut psql_saw = Vec::new();
    for (_, connstr) in &cases {
        let before = server.names().len();
        assert!(!psql(connstr).status.success());
        std::thread::sleep(std::time::Duration::from_millis(100));
        psql_saw.push(server.names().get(before).cloned().expect("psql reached the TLS server"));
        let before = server.names().len();
        let v = report(&sluice(&["test", connstr, "--json", "--timeout", "5"]));
        assert_eq!(v["connected"], false);
        std::thread::sleep(std::time::Duration::from_millis(100));
        sluice_saw.push(server.names().get(before).cloned().expect("sluice reached the TLS server"));
    }
    assert_eq!(psql_saw, [Some("localhost".to_owned()), None, None], "libpq's own SNI rules (the oracle)");
    assert_eq!(sluice_saw, psql_saw, "{:?}", cases.iter().map(|c| c.0).collect::<Vec<_>>());
}

#[cfg(unix)]
#[test]
fn requirepeer_refuses_another_os_user_before_anything_is_sent() {
    let pg = Cluster::start_default();
    let owner = Cluster::server_os_user();
    let sock = pg.socket_dir().display().to_string();
    let conn = |peer: &str| format!("host={sock} port={} user=postgres dbname=postgres requirepeer={peer}", pg.port());
    // The server's own user: both connect.
    assert!(psql(&conn(&owner)).status.success(), "{}", String::from_utf8_lossy(&psql(&conn(&owner)).stderr));
    assert_eq!(report(&sluice(&["test", &conn(&owner), "--json"]))["connected"], true);
    // Anyone else: both refuse, Sluice with libpq's words.
    let other = if owner == "root" { "nobody" } else { "root" };
    let p = psql(&conn(other));
    assert!(!p.status.success());
    let libpq = format!("requirepeer specifies \"{other}\", but actual peer user name is \"{owner}\"");
    assert!(String::from_utf8_lossy(&p.stderr).contains(&libpq), "{}", String::from_utf8_lossy(&p.stderr));
    let v = report(&sluice(&["test", &conn(other), "--json"]));
    assert_eq!(v["error"]["code"], "invalid_settings", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains(&libpq), "{v}");

    // An impostor on a socket of its own, running as us: it gets not one byte.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".s.PGSQL.5432");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let me = sluice_harness::os_user_name();
    let got = std::thread::spawn(move || {
        let mut total = Vec::new();
        for _ in 0..2 {
            let (mut s, _) = listener.accept().unwrap();
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buf = Vec::new();
            let _ = std::io::Read::read_to_end(&mut s, &mut buf);
            total.push(buf.len());
        }
        total
    });
    let want = if me == "postgres" { "nobody" } else { "postgres" };
    let impostor = format!("host={} port=5432 user=app password=secret dbname=app requirepeer={want}", dir.path().display());
    assert!(!psql(&impostor).status.success());
    let v = report(&sluice(&["test", &impostor, "--json"]));
    assert_eq!(v["error"]["code"], "invalid_settings", "{v}");
    assert_eq!(got.join().unwrap(), [0, 0], "neither psql nor Sluice sent the impostor anything");
}

#[test]
fn gssencmode_require_and_sslkeylogfile_are_refused_by_name() {
    let catcher = sluice_harness::listeners::FakeServer::cleartext_catcher();
    let conn = format!("host=127.0.0.1 port={} user=app password=secret dbname=app gssencmode=require", catcher.port());
    assert!(!psql(&conn).status.success(), "libpq cannot do GSSAPI encryption with this server either");
    // The catcher counts psql's connection on its own thread: let it.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = catcher.connections();
    let out = sluice(&["test", &conn, "--json"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gssencmode"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(catcher.connections(), before, "refused before connecting");

    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.log");
    let conn = format!("host=127.0.0.1 port={} user=app dbname=app sslmode=require sslkeylogfile={}", catcher.port(), keys.display());
    let v = report(&sluice(&["test", &conn, "--json"]));
    assert_eq!(v["error"]["code"], "invalid_settings", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("sslkeylogfile"), "{v}");
    assert!(!keys.exists());
    assert!(catcher.passwords().is_empty());
}

/// Revocation lists as libpq reads them (X509_STORE_load_locations): a
/// file's certificates and CRLs, and a file that does not load turns CRL
/// checking off instead of failing. psql on the same string decides.
#[test]
fn revocation_list_files_are_read_as_libpq_reads_them() {
    let pg = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 scram-sha-256").start();
    pg.create_role("app", "pw");
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.crl");
    std::fs::write(&garbage, "this is not a revocation list\n").unwrap();
    let ca = pg.pki().ca_cert().to_path_buf();
    let cases = [
        ("a file that does not parse", garbage.clone()),
        ("a certificate file without CRLs", ca.clone()),
        ("a file that does not exist", dir.path().join("none.crl")),
    ];
    let mut outcomes = Vec::new();
    for (what, crl) in &cases {
        let conn = format!(
            "host=127.0.0.1 port={} user=app password=pw dbname=postgres sslmode=verify-ca sslrootcert={} sslcrl={}",
            pg.port(),
            ca.display(),
            crl.display()
        );
        let libpq = psql(&conn).status.success();
        let ours = sluice(&["test", &conn, "--json"]);
        let v = report(&ours);
        assert_eq!(v["error"].is_null(), libpq, "{what}: psql {libpq}, sluice {v}");
        outcomes.push(libpq);
    }
    // Not all alike: the cases reach both of libpq's paths.
    assert!(outcomes.contains(&true) && outcomes.contains(&false), "{outcomes:?}");
}

/// A host starting with @ is a socket in Linux's abstract namespace, as in
/// libpq 14 and later: psql and Sluice reach the same server through it.
#[cfg(target_os = "linux")]
#[test]
fn a_host_starting_with_at_is_an_abstract_socket() {
    let mut pg = Cluster::start_default();
    pg.create_role("app", "pw");
    let name = format!("@sluice-abstract-{}", std::process::id());
    pg.psql(&format!("ALTER SYSTEM SET unix_socket_directories = '{}', '{name}'", pg.socket_dir().display()));
    pg.restart();
    let conn = format!("host={name} port={} user=app password=pw dbname=postgres", pg.port());
    assert!(psql(&conn).status.success(), "psql reaches the abstract socket: {}", String::from_utf8_lossy(&psql(&conn).stderr));
    let v = report(&sluice(&["test", &conn, "--json"]));
    assert!(v["error"].is_null(), "{v}");
    let connect = v["steps"].as_array().unwrap().iter().find(|s| s["stage"] == "connect").unwrap();
    assert!(connect["detail"].as_str().unwrap().starts_with(&format!("{name}/.s.PGSQL.")), "{connect}");
    // A name nobody listens on fails as a socket, not as DNS.
    let v = report(&sluice(&["test", &format!("host=@nobody-{} user=app dbname=postgres", std::process::id()), "--json"]));
    assert_eq!(v["error"]["stage"], "connect", "{v}");
}
