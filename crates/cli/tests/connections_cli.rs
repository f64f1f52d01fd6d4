//! `sluice connections` end to end: runs the built binary, each test on its
//! own store (`SLUICE_CONFIG_DIR`) and the real Secret Service (run through
//! `scripts/with-keyring.sh cargo test -p sluice-cli --test connections_cli`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use sluice_harness::keyring_env::require_secret_service;

const SERVICE: &str = "dev.sluice.app";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        require_secret_service();
        Env { dir: tempfile::tempdir().unwrap() }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sluice"));
        c.arg("connections")
            .args(args)
            .env("SLUICE_CONFIG_DIR", self.dir.path())
            .env_remove("PGPASSWORD")
            .env_remove("SLUICE_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run sluice")
    }

    fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut c = self.cmd(args);
        c.envs(env.iter().copied());
        if stdin.is_some() {
            c.stdin(Stdio::piped());
        }
        let mut child = c.spawn().expect("run sluice");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        o
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let o = self.ok(args);
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o.stdout)))
    }

    fn file(&self) -> std::path::PathBuf {
        self.dir.path().join("connections.json")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn password_in_keyring(id: &str) -> Option<String> {
    match keyring::Entry::new(SERVICE, &format!("{id}/password")).unwrap().get_password() {
        Ok(v) => Some(v),
        Err(keyring::Error::NoEntry) => None,
        Err(e) => panic!("keyring: {e}"),
    }
}

fn unique(tag: &str) -> String {
    format!("{tag}-{}-{}-Qx7", std::process::id(), time_nanos())
}

fn time_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn dir_hits(dir: &Path, needle: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && text(&std::fs::read(p).unwrap()).contains(needle))
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn a_url_password_goes_to_the_keyring_and_a_new_process_reads_it_back() {
    let env = Env::new();
    let pw = unique("url-pw");
    let url = format!("postgresql://alex:{}@db.example.com:6543/app?sslmode=require", pw.replace('-', "%2D"));
    let saved = env.json(&["add", "--name", "Prod", "--url", &url, "--role", "destination", "--truncate", "--json"]);
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(saved["has_password"], true);
    assert_eq!(saved["job"], "destination");
    assert_eq!(saved["job_options"]["truncate"], true);
    assert_eq!(saved["job_options"]["init_tables"], false);
    assert_eq!(saved["job_options"]["on_conflict"], "fail", "the default: a plain INSERT");
    assert_eq!(saved["params"]["port"], "6543");
    assert!(saved.get("password").is_none());
    assert_eq!(password_in_keyring(&id).as_deref(), Some(pw.as_str()));
    assert!(dir_hits(env.dir.path(), &pw).is_empty());

    // A new process, by name in another case.
    let shown = env.json(&["show", "prod", "--json", "--reveal"]);
    assert_eq!(shown["password"], pw.as_str());
    assert_eq!(shown["id"], id.as_str());
    let hidden = env.json(&["show", "PROD", "--json"]);
    assert!(hidden.get("password").is_none());
    let human = text(&env.ok(&["show", "Prod"]).stdout);
    assert!(!human.contains(&pw), "{human}");
    assert!(human.contains("postgresql://alex@db.example.com:6543/app?sslmode=require"), "{human}");
    assert!(text(&env.ok(&["show", "Prod", "--reveal"]).stdout).contains(&pw));

    env.ok(&["remove", "prod"]);
    assert_eq!(password_in_keyring(&id), None);
}

#[test]
fn password_sources_in_order_and_never_a_flag() {
    let env = Env::new();
    let (stdin_pw, env_pw, url_pw) = (unique("stdin"), unique("env"), unique("url"));
    let url = format!("postgresql://u:{url_pw}@h/db");
    let pg = [("PGPASSWORD", env_pw.as_str())];
    /// Name, stdin, environment, the password expected in the keyring.
    type Case<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: [Case; 5] = [
        ("a", Some(&stdin_pw), &pg, Some(&stdin_pw)),
        ("b", None, &pg, Some(&env_pw)),
        ("c", None, &[], Some(&url_pw)),
        ("d", Some("ignored\n"), &pg, None),
        ("e", None, &[], None),
    ];
    for (name, stdin, vars, expected) in cases {
        let mut args = vec!["add", "--name", name, "--url", &url, "--json"];
        match (name, stdin) {
            ("d", _) => args.push("--no-password"),
            (_, Some(_)) => args.push("--password-stdin"),
            _ => {}
        }
        if name == "e" {
            // Fields only, stdin not a terminal: no prompt, no password.
            args = vec!["add", "--name", name, "--host", "h", "--json"];
        }
        let o = env.run_with(&args, stdin.map(|s| format!("{s}\n")).as_deref(), vars);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let id = v["id"].as_str().unwrap();
        assert_eq!(password_in_keyring(id).as_deref(), expected, "case {name}");
        assert_eq!(v["has_password"], expected.is_some(), "case {name}");
        if name != "e" {
            let shown = env.json(&["show", name, "--json"]);
            assert_eq!(shown["params"]["user"], "u");
        }
    }
    let o = env.run(&["add", "--name", "f", "--host", "h", "--password", "x"]);
    assert_eq!(o.status.code(), Some(2), "a --password flag must not exist");
    for name in ["a", "b", "c", "d", "e"] {
        env.ok(&["remove", name]);
    }
}

#[test]
fn edit_changes_only_what_is_given_and_rename_keeps_the_secret() {
    let env = Env::new();
    let pw = unique("edit");
    let o = env.run_with(
        &[
            "add",
            "--name",
            "one",
            "--host",
            "db1",
            "--port",
            "5433",
            "--dbname",
            "app",
            "--user",
            "u",
            "--password-stdin",
            "--json",
        ],
        Some(&format!("{pw}\n")),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let id = serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["id"].as_str().unwrap().to_owned();

    let e = env.json(&[
        "edit",
        "one",
        "--rename",
        "two",
        "--dbname",
        "app2",
        "--role",
        "destination",
        "--init-tables",
        "--schema",
        "public",
        "--schema",
        "sales",
        "--json",
    ]);
    assert_eq!(e["id"], id.as_str());
    assert_eq!(e["name"], "two");
    assert_eq!(e["params"]["port"], "5433");
    assert_eq!(e["params"]["dbname"], "app2");
    assert_eq!(e["job_options"]["init_tables"], true);
    assert_eq!(e["scope_schemas"], serde_json::json!(["public", "sales"]));
    assert_eq!(password_in_keyring(&id).as_deref(), Some(pw.as_str()));
    assert_eq!(env.json(&["show", "two", "--json", "--reveal"])["password"], pw.as_str());

    // Another host: the saved password belongs to the old one, so it goes, and the CLI says so.
    let o = env.run_with(&["edit", "two", "--host", "db2", "--json"], None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e["params"]["host"], "db2");
    assert_eq!(e["has_password"], false);
    assert!(text(&o.stderr).contains("password was removed"), "{}", text(&o.stderr));
    assert_eq!(password_in_keyring(&id), None);

    // Clearing a field, turning a flag off, changing the password, removing it.
    let e = env.json(&["edit", "two", "--port", "", "--init-tables=false", "--json"]);
    assert!(e["params"]["port"].is_null());
    assert_eq!(e["job_options"]["init_tables"], false);
    let o = env.run_with(&["edit", "two", "--password-stdin"], Some("new-pw\n"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(password_in_keyring(&id).as_deref(), Some("new-pw"));
    env.ok(&["edit", "two", "--no-password"]);
    assert_eq!(password_in_keyring(&id), None);
    assert_eq!(env.json(&["show", "two", "--json"])["has_password"], false);
    env.ok(&["remove", &id]);
    assert_eq!(env.json(&["list", "--json"]), serde_json::json!([]));
}

#[test]
fn no_password_in_the_config_dir_or_the_trace_logs() {
    let env = Env::new();
    let pw = unique("trace");
    let trace = [("SLUICE_LOG", "trace")];
    let mut logs = String::new();
    let mut run = |args: &[&str], stdin: Option<&str>| {
        let o = env.run_with(args, stdin, &trace);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        logs.push_str(&text(&o.stderr));
        logs.push_str(&text(&o.stdout));
    };
    run(&["add", "--name", "t", "--url", &format!("postgresql://u:{pw}@h/db?sslpassword={pw}")], None);
    run(&["list"], None);
    run(&["list", "--json"], None);
    run(&["show", "t"], None);
    run(&["show", "t", "--json"], None);
    run(&["edit", "t", "--password-stdin", "--rename", "t2"], Some(&format!("{pw}-2\n")));
    run(&["remove", "t2"], None);
    assert!(logs.contains("TRACE") && logs.contains("keyring set"), "logs were captured: {logs}");
    assert!(!logs.contains(&pw), "{logs}");
    assert!(dir_hits(env.dir.path(), &pw).is_empty());
}

#[test]
fn with_the_secret_service_unreachable_the_error_is_clear_and_nothing_changes() {
    let env = Env::new();
    env.ok(&["add", "--name", "existing", "--host", "h", "--no-password"]);
    let before = std::fs::read(env.file()).unwrap();
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")];
    let o =
        env.run_with(&["add", "--name", "new", "--host", "h2", "--password-stdin"], Some("pw-never-stored\n"), &no_bus);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.starts_with("error: the system keyring is not available"), "{err}");
    assert!(
        err.contains("hint: Sluice keeps passwords in the Secret Service: install and unlock gnome-keyring"),
        "{err}"
    );
    assert!(err.contains("--without-secrets"), "{err}");
    assert_eq!(std::fs::read(env.file()).unwrap(), before, "the store is unchanged");

    let o = env.run_with(
        &["add", "--name", "new", "--host", "h2", "--password-stdin", "--without-secrets", "--json"],
        Some("pw-never-stored\n"),
        &no_bus,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["password_saved"], false);
    assert_eq!(v["has_password"], false);
    assert_eq!(v["params"]["host"], "h2");
    assert_eq!(password_in_keyring(v["id"].as_str().unwrap()), None);
    assert!(dir_hits(env.dir.path(), "pw-never-stored").is_empty());
    let list = text(&env.ok(&["list"]).stdout);
    assert!(list.lines().any(|l| l.starts_with("new ") && l.contains(" ask ")), "{list}");
}

#[test]
fn a_corrupt_file_is_moved_aside_reported_once_and_not_overwritten() {
    let env = Env::new();
    let garbage = b"{\"version\": 1, \"connections\": [ oops";
    std::fs::write(env.file(), garbage).unwrap();
    let o = env.ok(&["list", "--json"]);
    let err = text(&o.stderr);
    assert!(err.starts_with("warning: "), "{err}");
    assert!(err.contains(&env.file().display().to_string()) && err.contains("connections.json.corrupt-"), "{err}");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(), serde_json::json!([]));
    let aside: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("connections.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), garbage);
    // Reported once; the store works; the moved file stays as it was.
    let o = env.ok(&["add", "--name", "after", "--host", "h", "--no-password"]);
    assert!(!text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
    assert_eq!(env.json(&["list", "--json"]).as_array().unwrap().len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), garbage);

    // A file from a newer Sluice is refused and left alone.
    let newer = b"{\"version\": 9, \"connections\": []}";
    std::fs::write(env.file(), newer).unwrap();
    let o = env.run(&["add", "--name", "x", "--host", "h", "--no-password"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("newer Sluice"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read(env.file()).unwrap(), newer);
}

#[test]
fn two_processes_adding_at_once_lose_nothing() {
    let env = Env::new();
    let run_batch = |tag: &'static str| {
        let env = &env;
        move || {
            for i in 0..50 {
                let name = format!("{tag}-{i}");
                let o = env.run_with(&["add", "--name", &name, "--host", "h", "--password-stdin"], Some("p\n"), &[]);
                assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o.stderr));
            }
        }
    };
    std::thread::scope(|s| {
        s.spawn(run_batch("a"));
        s.spawn(run_batch("b"));
    });
    let list = env.json(&["list", "--json"]);
    let records = list.as_array().unwrap();
    assert_eq!(records.len(), 100);
    for r in records {
        assert_eq!(password_in_keyring(r["id"].as_str().unwrap()).as_deref(), Some("p"), "{}", r["name"]);
    }
    for r in records {
        let _ = keyring::Entry::new(SERVICE, &format!("{}/password", r["id"].as_str().unwrap()))
            .unwrap()
            .delete_credential();
    }
}

#[cfg(unix)]
#[test]
fn the_file_is_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.ok(&["add", "--name", "m", "--host", "h", "--no-password"]);
    let mode = std::fs::metadata(env.file()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn errors_exit_2_with_a_message_and_a_hint() {
    let env = Env::new();
    env.ok(&["add", "--name", "Same", "--host", "h", "--no-password"]);
    let o = env.run(&["add", "--name", "same", "--host", "h", "--no-password"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr), "error: a connection named \"same\" already exists\nhint: Choose another name.\n");
    let o = env.run(&["show", "missing"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr), "error: no saved connection \"missing\"\n");
    let o =
        env.run(&["add", "--name", "bad", "--host", "h", "--port", "0", "--sslmode", "verify-full", "--no-password"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("error: port: \"0\" is not a port number"), "{}", text(&o.stderr));
    let o = env.run(&["add", "--name", "bad", "--sslmode", "strict", "--no-password"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("invalid sslmode value"), "{}", text(&o.stderr));
    let o = env.run(&["remove", "missing"]);
    assert_eq!(o.status.code(), Some(2));
    let list = text(&env.ok(&["list"]).stdout);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.starts_with("NAME  JOB     PROVIDER  HOST"), "{list}");
}
