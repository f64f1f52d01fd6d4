//! Password commands (cloud IAM tokens, secret managers), run as a user
//! would: real programs (sh scripts written by the test), a real cluster
//! whose role's password only the command knows, and the real Secret
//! Service for saved connections (run through `scripts/with-keyring.sh`).
//! Unix only: the commands are sh scripts.
#![cfg(unix)]

mod support;

use serde_json::Value;
use sluice_harness::Cluster;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Env { dir }
    }

    /// An executable sh script in the test's folder.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.dir.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        support::sluice(&self.dir.path().join("config"), &self.dir.path().join("home")).args(args).envs(env.iter().copied()).output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run_env(args, &[]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

fn conn(c: &Cluster, user: &str) -> String {
    format!("host=127.0.0.1 port={} user={user} dbname=postgres sslmode=disable", c.port())
}

/// The words are passed as they are, never through a shell: a password full
/// of shell syntax arrives whole, and logs in.
#[test]
fn the_first_line_of_the_commands_output_is_the_password_and_no_shell_sees_it() {
    let c = Cluster::start_default();
    let password = "t0k$(touch pwned) `id`;|&\"'*";
    c.create_role("iam", password);
    let env = Env::new();
    let echo = env.script("token.sh", "printf '%s\\nsecond line\\n' \"$1\"");
    let cmd = shell_words::join([echo.to_str().unwrap(), password]);
    let v = env.json(&["test", &conn(&c, "iam"), "--password-command", &cmd, "--json"]);
    assert_eq!(v["connected"], true, "{v}");
    assert_eq!(v["password_source"], "command", "{v}");
    let auth = v["steps"].as_array().unwrap().iter().find(|s| s["stage"] == "auth").unwrap();
    assert!(auth["detail"].as_str().unwrap().contains("password from the password command"), "{auth}");
    assert!(!env.path("pwned").exists() && !Path::new("pwned").exists(), "no shell ran the words");
    // The report never holds it.
    assert!(!v.to_string().contains("t0k$"), "{v}");

    // A password given in the string wins: the command does not run.
    let marker = env.path("ran");
    let touch = env.script("touch.sh", &format!("touch '{}'; echo wrong", marker.display()));
    let given = format!("{} password='{}'", conn(&c, "iam"), password.replace('\\', "\\\\").replace('\'', "\\'"));
    let v = env.json(&["test", &given, "--password-command", touch.to_str().unwrap(), "--json"]);
    assert_eq!(v["connected"], true, "{v}");
    assert!(!marker.exists(), "the command did not run when a password was given");
}

#[test]
fn a_failing_command_is_its_own_error_with_its_stderr() {
    let c = Cluster::start_default();
    c.create_role("iam", "pw");
    let env = Env::new();
    let fail = env.script("fail.sh", "echo 'ExpiredToken: the security token included in the request is expired' >&2; exit 3");
    let v = env.json(&["test", &conn(&c, "iam"), "--password-command", fail.to_str().unwrap(), "--json"]);
    assert_eq!(v["connected"], false);
    assert_eq!(v["error"]["code"], "password_command_failed", "{v}");
    let text = v["error"].to_string();
    assert!(text.contains("ExpiredToken"), "stderr is in the error: {text}");
    assert!(text.contains("exit status: 3"), "{text}");
    // The Authenticate step is the one that failed; nothing after it ran.
    let steps = v["steps"].as_array().unwrap();
    let status = |stage: &str| steps.iter().find(|s| s["stage"] == stage).map(|s| s["status"].clone());
    assert_eq!(status("auth"), Some(serde_json::json!("failed")), "{v}");
    assert_eq!(status("connect"), Some(serde_json::json!("skipped")), "{v}");

    for (name, body, expect) in [
        ("empty.sh", "echo", "no password"),
        ("huge.sh", "head -c 200000 /dev/zero | tr '\\0' x", "without a line break"),
    ] {
        let s = env.script(name, body);
        let v = env.json(&["test", &conn(&c, "iam"), "--password-command", s.to_str().unwrap(), "--json"]);
        assert_eq!(v["error"]["code"], "password_command_failed", "{name}: {v}");
        assert!(v["error"].to_string().contains(expect), "{name}: {v}");
    }
    // A program that is not there.
    let v = env.json(&["test", &conn(&c, "iam"), "--password-command", "/nonexistent/aws rds generate-db-auth-token", "--json"]);
    assert_eq!(v["error"]["code"], "password_command_failed", "{v}");
    assert!(v["error"].to_string().contains("could not be started"), "{v}");
    // A command that goes on writing after its first line (killed by the
    // closed pipe) still gave its answer.
    let yes = env.script("yes.sh", "yes pw");
    let v = env.json(&["test", &conn(&c, "iam"), "--password-command", yes.to_str().unwrap(), "--json"]);
    assert_eq!(v["connected"], true, "{v}");
}

/// A hung command is bounded by the test's one deadline, and killed.
#[test]
fn a_hung_command_is_killed_at_the_deadline() {
    let c = Cluster::start_default();
    c.create_role("iam", "pw");
    let env = Env::new();
    let pidfile = env.path("pid");
    // It says what it waits for before it hangs (an SSO login, say).
    let hang = env.script("hang.sh", &format!("echo $$ > '{}'; echo 'waiting for the browser login' >&2; exec sleep 60", pidfile.display()));
    let start = Instant::now();
    let v = env.json(&["test", &conn(&c, "iam"), "--password-command", hang.to_str().unwrap(), "--timeout", "1.5", "--json"]);
    let took = start.elapsed();
    assert_eq!(v["error"]["code"], "password_command_failed", "{v}");
    assert!(v["error"].to_string().contains("did not finish within 1.5 s"), "{v}");
    assert!(v["error"].to_string().contains("waiting for the browser login"), "what it wrote to stderr before the deadline: {v}");
    assert!(took < Duration::from_secs(10), "bounded by the deadline: {took:?}");
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    // The process is gone (killed, then reaped), not left sleeping.
    let mut gone = false;
    for _ in 0..50 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.is_empty() || stat.split(' ').nth(2) == Some("Z") {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(gone, "the command {pid} was killed");
}

/// Saved with a connection; an imported one (pgAdmin's PasswordExecCommand)
/// does not run until confirmed.
#[test]
fn saved_and_imported_commands() {
    let c = Cluster::start_default();
    c.create_role("iam", "from-the-vault");
    let env = Env::new();
    let marker = env.path("ran");
    let vault = env.script("vault.sh", &format!("touch '{}'; echo from-the-vault", marker.display()));

    let url = format!("postgresql://iam@127.0.0.1:{}/postgres?sslmode=disable", c.port());
    let saved = env.json(&["connections", "add", "--name", "Vaulted", "--url", &url, "--password-command", vault.to_str().unwrap(), "--json"]);
    assert_eq!(saved["password_command"]["argv"][0], vault.to_str().unwrap(), "{saved}");
    assert_eq!(saved["has_password"], false);
    let v = env.json(&["test", "--name", "Vaulted", "--json"]);
    assert_eq!(v["connected"], true, "{v}");
    assert_eq!(v["password_source"], "command");

    // pgAdmin: the command arrives unconfirmed and does not run.
    std::fs::remove_file(&marker).unwrap();
    let servers = env.path("servers.json");
    let exec = vault.to_str().unwrap();
    std::fs::write(
        &servers,
        format!(r#"{{"Servers": {{"1": {{"Name": "From pgAdmin", "Group": "Servers", "Host": "127.0.0.1", "Port": {}, "MaintenanceDB": "postgres", "Username": "iam", "SSLMode": "disable", "PasswordExecCommand": "{exec}"}}}}}}"#, c.port()),
    )
    .unwrap();
    let done = env.json(&["connections", "import", "--from", "pgadmin", servers.to_str().unwrap(), "--include-duplicates", "--json"]);
    assert_eq!(done["connections"].as_array().map(Vec::len), Some(1), "{done}");
    let shown = env.run_env(&["connections", "show", "From pgAdmin"], &[]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains(exec) && shown.contains("not run until confirmed"), "{shown}");
    let v = env.json(&["test", "--name", "From pgAdmin", "--json"]);
    assert_eq!(v["connected"], false);
    assert_eq!(v["error"]["code"], "invalid_settings", "{v}");
    assert!(v["error"].to_string().contains("not been confirmed"), "{v}");
    assert!(!marker.exists(), "an unconfirmed command never runs");

    let out = env.run_env(&["connections", "edit", "From pgAdmin", "--confirm-password-command"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = env.json(&["test", "--name", "From pgAdmin", "--json"]);
    assert_eq!(v["connected"], true, "{v}");
    assert!(marker.exists());

    for name in ["Vaulted", "From pgAdmin"] {
        env.run_env(&["connections", "remove", name], &[]);
    }
}

#[test]
fn ctrl_c_while_the_command_runs_cancels_the_test_and_ends_the_command() {
    let c = Cluster::start_default();
    c.create_role("iam", "pw");
    let env = Env::new();
    let pidfile = env.path("pid");
    let hang = env.script("hang.sh", &format!("echo $$ > '{}'; exec sleep 60", pidfile.display()));
    let child = support::sluice(&env.dir.path().join("config"), &env.dir.path().join("home"))
        .args(["test", &conn(&c, "iam"), "--password-command", hang.to_str().unwrap(), "--timeout", "30", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the command runs, the user presses Ctrl+C.
    let started = Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    let sent = Instant::now();
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert!(sent.elapsed() < Duration::from_secs(5), "cancelled at once, not at the 30 s deadline: {:?}", sent.elapsed());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["error"]["code"], "cancelled", "{v}");
    let mut gone = false;
    for _ in 0..50 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.is_empty() || stat.split(' ').nth(2) == Some("Z") {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(gone, "the command {pid} was killed with the test");
}
