//! libpq's own files and variables, with libpq itself as the ground truth:
//! the same service name, password-file entries and `PG*` variables given
//! to psql and to `sluice test` must reach the same server, database and
//! user (`current_user`, `current_database()`, `inet_server_port()`).
//! Each test has its own HOME (its `~/.pgpass` and `~/.pg_service.conf`).

use serde_json::Value;
use sluice_harness::Cluster;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap() }
    }

    fn write(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        p
    }

    /// A command with this HOME and only the given PG* variables.
    fn command(&self, program: &Path, env: &[(&str, &str)]) -> Command {
        self.setup(Command::new(program), env)
    }

    fn setup(&self, mut c: Command, env: &[(&str, &str)]) -> Command {
        for (k, _) in std::env::vars() {
            if k.starts_with("PG") {
                c.env_remove(k);
            }
        }
        c.env("HOME", self.dir.path()).env("SLUICE_CONFIG_DIR", self.dir.path().join("config")).envs(env.iter().copied());
        c
    }

    /// (current_user, current_database, server port) as psql sees it, or psql's error.
    fn psql(&self, conninfo: &str, env: &[(&str, &str)]) -> Result<(String, String, String), String> {
        let out = self
            .setup(sluice_harness::pg_bin::psql(), env)
            .args(["-X", "-A", "-t", "-w", "-F", "|", "-d", conninfo, "-c", "select current_user, current_database(), inet_server_port()"])
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let parts: Vec<&str> = text.trim().split('|').collect();
        Ok((parts[0].to_owned(), parts[1].to_owned(), parts[2].to_owned()))
    }

    fn sluice(&self, args: &[&str], env: &[(&str, &str)]) -> (Output, Value) {
        let out = self.command(Path::new(env!("CARGO_BIN_EXE_sluice")), env).args(args).arg("--json").output().unwrap();
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        (out, v)
    }
}

fn where_sluice_went(v: &Value) -> Result<(String, String, String), String> {
    if v["connected"] != true {
        return Err(v["error"].to_string());
    }
    let s = &v["server"];
    Ok((s["current_user"].as_str().unwrap().to_owned(), s["database"].as_str().unwrap().to_owned(), s["backend_port"].to_string()))
}

fn cluster() -> Cluster {
    let pg = Cluster::start_default();
    pg.psql("CREATE ROLE alice LOGIN PASSWORD 'a-pw'; CREATE ROLE bob LOGIN PASSWORD 'b:pw\\x'; CREATE DATABASE shopdb;");
    pg
}

#[test]
fn a_service_and_the_password_file_reach_what_psql_reaches() {
    let pg = cluster();
    let home = Home::new();
    let port = pg.port().to_string();
    home.write(".pg_service.conf", &format!("[shop]\nhost=127.0.0.1\nport={port}\ndbname=shopdb\nuser=alice\n[other]\nhost=nowhere\n"), 0o644);
    // The first matching line wins: bob's line is more specific but later.
    home.write(".pgpass", &format!("# comment\n127.0.0.1:{port}:shopdb:alice:a-pw\n127.0.0.1:{port}:*:bob:b\\:pw\\\\x\n*:*:*:*:wrong\n"), 0o600);

    let psql = home.psql("service=shop", &[]);
    let (_, v) = home.sluice(&["test", "service=shop"], &[]);
    assert_eq!(where_sluice_went(&v), psql);
    assert_eq!(psql.as_ref().unwrap().0, "alice");
    assert_eq!(v["password_source"], "pgpass");
    assert!(v["passfile"].as_str().unwrap().ends_with(".pgpass:2"), "{}", v["passfile"]);
    assert!(v["service"].as_str().unwrap().starts_with("shop ("));

    // PGSERVICE, and an explicit keyword beating the service.
    let psql = home.psql("user=bob", &[("PGSERVICE", "shop")]);
    let (_, v) = home.sluice(&["test", "user=bob"], &[("PGSERVICE", "shop")]);
    assert_eq!(where_sluice_went(&v), psql);
    assert_eq!(psql.as_ref().unwrap().0, "bob", "escaped ':' and '\\' in the password file");

    // An unknown service: both refuse.
    assert!(home.psql("service=nope", &[]).is_err());
    let (out, _) = (home.command(Path::new(env!("CARGO_BIN_EXE_sluice")), &[]).args(["test", "service=nope"]).output().unwrap(), ());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("definition of service \"nope\" not found"));
}

#[test]
fn pg_variables_fill_what_the_string_leaves_unset() {
    let pg = cluster();
    let home = Home::new();
    let port = pg.port().to_string();
    let env = [("PGHOST", "127.0.0.1"), ("PGPORT", port.as_str()), ("PGUSER", "alice"), ("PGPASSWORD", "a-pw"), ("PGDATABASE", "shopdb"), ("PGAPPNAME", "from-env")];
    let psql = home.psql("", &env);
    let (_, v) = home.sluice(&["test", ""], &env);
    assert_eq!(where_sluice_went(&v), psql);
    assert_eq!(v["password_source"], "env");
    let vars: Vec<&str> = v["environment"].as_array().unwrap().iter().map(|e| e["variable"].as_str().unwrap()).collect();
    for var in ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGAPPNAME"] {
        assert!(vars.contains(&var), "{var} listed: {vars:?}");
    }
    // The string wins over the variable.
    let psql = home.psql("dbname=postgres", &env);
    let (_, v) = home.sluice(&["test", "dbname=postgres"], &env);
    assert_eq!(where_sluice_went(&v), psql);
    assert_eq!(psql.unwrap().1, "postgres");
}

#[test]
fn a_group_readable_password_file_is_ignored_by_both() {
    let pg = cluster();
    let home = Home::new();
    let port = pg.port().to_string();
    home.write(".pgpass", &format!("*:*:*:*:a-pw\n"), 0o644);
    let conn = format!("host=127.0.0.1 port={port} user=alice dbname=shopdb");
    let psql = home.psql(&conn, &[]);
    assert!(psql.unwrap_err().contains("no password supplied"));
    let (_, v) = home.sluice(&["test", &conn], &[]);
    assert_eq!(v["connected"], false);
    assert_eq!(v["password_source"], "none");
    assert!(v["warnings"][0].as_str().unwrap().contains("group or world access"), "{v}");
    // Made private, both use it.
    home.write(".pgpass", "*:*:*:*:a-pw\n", 0o600);
    assert_eq!(where_sluice_went(&home.sluice(&["test", &conn], &[]).1), home.psql(&conn, &[]));
}

#[test]
fn the_default_user_is_the_os_user_not_dollar_user() {
    let pg = cluster();
    let me = String::from_utf8_lossy(&Command::new("id").arg("-un").output().unwrap().stdout).trim().to_owned();
    pg.psql(&format!("CREATE ROLE \"{me}\" LOGIN PASSWORD 'me-pw'"));
    let home = Home::new();
    let conn = format!("host=127.0.0.1 port={} dbname=postgres password=me-pw", pg.port());
    let env = [("USER", "somebody-else"), ("LOGNAME", "somebody-else")];
    let psql = home.psql(&conn, &env);
    let (_, v) = home.sluice(&["test", &conn], &env);
    assert_eq!(where_sluice_went(&v), psql);
    assert_eq!(psql.unwrap().0, me);
}

#[test]
fn a_saved_connection_is_the_same_whatever_the_pg_variables_say() {
    sluice_harness::keyring_env::require_secret_service();
    let pg = cluster();
    let home = Home::new();
    let port = pg.port().to_string();
    let url = format!("postgresql://alice:a-pw@127.0.0.1:{port}/shopdb?sslmode=disable");
    let (out, saved) = home.sluice(&["connections", "add", "--name", "Saved", "--url", &url], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Every variable points somewhere else; a command-line string would take them.
    let env = [("PGHOST", "nowhere.invalid"), ("PGPORT", "1"), ("PGUSER", "bob"), ("PGDATABASE", "postgres"), ("PGPASSWORD", "wrong"), ("PGSSLMODE", "require"), ("PGSERVICE", "nope")];
    let (_, v) = home.sluice(&["test", "--name", "Saved"], &env);
    assert_eq!(where_sluice_went(&v), Ok(("alice".to_owned(), "shopdb".to_owned(), port.clone())), "{v}");
    assert_eq!(v["password_source"], "keyring", "{v}");
    assert!(v.get("environment").is_none_or(|e| e.as_array().is_some_and(Vec::is_empty)), "no variable was used: {v}");
    let out = home.command(Path::new(env!("CARGO_BIN_EXE_sluice")), &[]).args(["connections", "remove", saved["id"].as_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn with_a_host_list_each_host_gets_its_own_password_file_line() {
    let pg = cluster();
    let home = Home::new();
    let port = pg.port().to_string();
    let dead = sluice_harness::free_port().to_string();
    // The first host (nothing listening) has a line of its own, with the wrong password.
    home.write(".pgpass", &format!("127.0.0.1:{dead}:*:alice:wrong\n127.0.0.1:{port}:*:alice:a-pw\n"), 0o600);
    let conn = format!("host=127.0.0.1,127.0.0.1 port={dead},{port} user=alice dbname=shopdb sslmode=disable connect_timeout=3");
    let psql = home.psql(&conn, &[]);
    assert_eq!(psql, Ok(("alice".to_owned(), "shopdb".to_owned(), port.clone())), "psql uses the second host's line");
    let (_, v) = home.sluice(&["test", &conn], &[]);
    assert_eq!(where_sluice_went(&v), psql, "{v}");
    assert_eq!(v["password_source"], "pgpass");
    assert!(v["passfile"].as_str().unwrap().ends_with(".pgpass:2"), "the line used is the second host's: {}", v["passfile"]);
    // Only the first host has a line: the second gets no password, and both say so.
    home.write(".pgpass", &format!("127.0.0.1:{dead}:*:alice:a-pw\n"), 0o600);
    assert!(home.psql(&conn, &[]).is_err());
    let (_, v) = home.sluice(&["test", &conn], &[]);
    assert_eq!(v["connected"], false, "{v}");
    assert_eq!(v["password_source"], "none", "{v}");
}
