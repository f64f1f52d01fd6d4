//! Files and commands Sluice reads cannot pull in more than they say
//! (issue 22, parts 2 and 6), run with the real CLI on a store, a HOME and
//! a keyring of the test's own (`scripts/with-keyring.sh`):
//!
//! - a `.env` is read literally: `${PGPASSWORD}` and `${AWS_SECRET_ACCESS_KEY}`
//!   from Sluice's own environment reach neither connections.json, `show`,
//!   nor the keyring (before 3c03a59 dotenvy expanded both);
//! - the service-file export writes no value that libpq would read as a new
//!   section (before 3c03a59 `dbname=x\n[payroll]\nhost=evil` added one, and
//!   psql found the service);
//! - pgAdmin's PasswordExecCommand is shown as it will be split (before
//!   2163de1, `argv.join(" ")`: `sh -c echo a b`);
//! - a password command that prints its line and keeps running does not hold
//!   the test to its deadline (before 2163de1 it waited for the exit: 60 s
//!   against a 30 s deadline), and is ended.

mod support;

use serde_json::Value;
use sluice_harness::Cluster;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        sluice_harness::keyring_env::require_secret_service();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Env { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        support::sluice(&self.config(), &self.dir.path().join("home")).args(args).envs(env.iter().copied()).output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        let text = self.ok(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
    }

    fn cleanup(&self) {
        for c in self.json(&["connections", "list", "--json"]).as_array().cloned().unwrap_or_default() {
            self.run(&["connections", "remove", c["id"].as_str().unwrap()]);
        }
    }
}

fn everything_under(dir: &Path) -> String {
    sluice_harness::files_under(dir).iter().map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned()).collect()
}

#[test]
fn a_dotenv_file_is_read_literally_never_from_sluices_environment() {
    let env = Env::new();
    const PG_SECRET: &str = "pg-secret-from-the-environment-71";
    // Nothing a URL would percent-encode: found as written wherever it went.
    const AWS_SECRET: &str = "AKIAFAKEawsSecretFromTheEnvironment72";
    let dotenv = env.file(".env", "# shared by the team\nDATABASE_URL=postgresql://app:${PGPASSWORD}@127.0.0.1/${AWS_SECRET_ACCESS_KEY}\n");
    let vars = [("PGPASSWORD", PG_SECRET), ("AWS_SECRET_ACCESS_KEY", AWS_SECRET)];
    let file = dotenv.to_str().unwrap();

    let dry = env.run_env(&["connections", "import", "--from", "dotenv", file, "--dry-run", "--json"], &vars);
    let dry_text = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert_eq!(dry.status.code(), Some(0), "{dry_text}{}", String::from_utf8_lossy(&dry.stderr));
    assert!(!dry_text.contains(PG_SECRET) && !dry_text.contains(AWS_SECRET), "{dry_text}");
    let human = env.run_env(&["connections", "import", "--from", "dotenv", file, "--dry-run"], &vars);
    let human = String::from_utf8_lossy(&human.stdout).into_owned() + &String::from_utf8_lossy(&human.stderr);
    assert!(human.contains("read as written"), "the preview says how the file is read: {human}");

    let out = env.run_env(&["connections", "import", "--from", "dotenv", file, "--json"], &vars);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let list = env.json(&["connections", "list", "--json"]);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "control: the import saved the connection: {list}");
    let name = list[0]["name"].as_str().unwrap().to_owned();
    let show = env.ok(&["connections", "show", &name, "--json"]);
    let reveal = env.ok(&["connections", "show", &name, "--json", "--reveal"]);
    let on_disk = everything_under(&env.config());
    assert!(on_disk.contains("127.0.0.1"), "control: connections.json holds the connection");
    for (what, text) in [("connections.json", &on_disk), ("show --json", &show), ("show --reveal (the keyring)", &reveal)] {
        assert!(!text.contains(PG_SECRET), "{what} holds $PGPASSWORD: {text}");
        assert!(!text.contains(AWS_SECRET), "{what} holds $AWS_SECRET_ACCESS_KEY: {text}");
    }
    // What the file says is what was saved.
    let v: Value = serde_json::from_str(&reveal).unwrap();
    assert_eq!(v["params"]["dbname"], "${AWS_SECRET_ACCESS_KEY}", "{v}");
    assert_eq!(v["password"], "${PGPASSWORD}", "{v}");
    env.cleanup();
}

#[test]
fn the_service_export_writes_no_section_a_value_smuggles_in() {
    let env = Env::new();
    let evil = "x\n[payroll]\nhost=evil";
    let closed = sluice_harness::free_port().to_string();
    let doc = serde_json::json!({"sluice_export": 1, "connections": [
        {"entry": "fields", "name": "smuggler", "params": {"host": "127.0.0.1", "port": closed, "user": "app", "dbname": evil}},
        {"entry": "fields", "name": "good", "params": {"host": "127.0.0.1", "port": closed, "user": "app", "dbname": "appdb"}}]});
    let file = env.file("export.json", &doc.to_string());
    env.ok(&["connections", "import", "--from", "json", file.to_str().unwrap()]);
    let shown = env.json(&["connections", "show", "smuggler", "--json"]);
    assert_eq!(shown["params"]["dbname"], evil, "control: the value is saved as it was");

    let service = env.ok(&["connections", "export", "--to", "service"]);
    let lines: Vec<&str> = service.lines().map(str::trim).collect();
    assert!(lines.contains(&"[good]"), "control: the export has sections: {service}");
    assert!(!lines.contains(&"[payroll]"), "a value became a section: {service}");
    assert!(!lines.contains(&"host=evil"), "a value became a keyword: {service}");
    let path = env.file("pg_service.conf", &service);

    let psql = |svc: &str| {
        let out = sluice_harness::pg_bin::psql()
            .args(["-X", "-w", "-d", &format!("service={svc}"), "-c", "select 1"])
            .env("PGSERVICEFILE", &path)
            .env_remove("PGSERVICE")
            .env_remove("PGSYSCONFDIR")
            .env("PGCONNECT_TIMEOUT", "2")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Control: psql finds the real section (and fails only to connect: nothing listens).
    let good = psql("good");
    assert!(!good.contains("not found") && good.contains(&closed), "psql reads the export: {good}");
    let payroll = psql("payroll");
    assert!(payroll.contains("definition of service \"payroll\" not found"), "psql found a payroll service: {payroll}\n{service}");
    env.cleanup();
}

#[test]
fn a_pgadmin_password_exec_command_is_shown_as_it_will_be_split() {
    let env = Env::new();
    let doc = serde_json::json!({"Servers": {"1": {"Name": "Quoted", "Group": "Servers", "Host": "db.example.com", "Port": 5432,
        "MaintenanceDB": "postgres", "Username": "app", "SSLMode": "prefer", "PasswordExecCommand": "sh -c \"echo a b\""}}});
    let file = env.file("servers.json", &doc.to_string());
    let out = env.run(&["connections", "import", "--from", "pgadmin", file.to_str().unwrap(), "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("PasswordExecCommand"), "control: the note is there: {text}");
    assert!(text.contains("sh -c 'echo a b'"), "shown quoted, as it will be split: {text}");
    assert!(!text.contains("sh -c echo a b"), "shown joined with spaces, which reads as another command: {text}");
    // What is saved is those three words.
    env.ok(&["connections", "import", "--from", "pgadmin", file.to_str().unwrap()]);
    let v = env.json(&["connections", "show", "Quoted", "--json"]);
    assert_eq!(v["password_command"]["argv"], serde_json::json!(["sh", "-c", "echo a b"]), "{v}");
    env.cleanup();
}

#[cfg(unix)]
/// Processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if !e.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(marker) {
                out.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
            }
        }
    }
    out
}

#[cfg(unix)]
fn gone_within(marker: &str, d: Duration) -> Vec<String> {
    let until = Instant::now() + d;
    loop {
        let left = processes_with(marker);
        if left.is_empty() || Instant::now() > until {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
/// Runs `cmd` as the password command of a test of a real cluster (30 s
/// deadline): the line must be taken and the test done in far less.
fn run_lingering(env: &Env, pg: &Cluster, label: &str, cmd: &str) {
    let url = format!("postgresql://iam@127.0.0.1:{}/postgres?sslmode=disable", pg.port());
    let started = Instant::now();
    let out = env.run(&["test", &url, "--password-command", cmd, "--timeout", "30", "--json"]);
    let took = started.elapsed();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["connected"], true, "{label}: the command's line is the password: {v}");
    assert_eq!(v["password_source"], "command", "{label}: {v}");
    assert!(took < Duration::from_secs(10), "{label}: the test took {took:?} of its 30 s deadline");
}

#[cfg(unix)]
/// Kills what is left of `marker` (so a failing test leaves nothing), and returns it.
fn left_running(marker: &str) -> Vec<String> {
    let left = gone_within(marker, Duration::from_secs(3));
    for p in &left {
        if let Some(pid) = p.split(':').next() {
            let _ = std::process::Command::new("kill").arg("-9").arg(pid).status();
        }
    }
    left
}

#[cfg(unix)]
#[test]
fn a_password_command_that_keeps_running_after_its_line_does_not_hold_the_test() {
    let env = Env::new();
    let pg = Cluster::start_default();
    pg.create_role("iam", "pw");
    // A program that prints its line and stays (no shell in between): taken, then ended.
    let script = env.file("lingering.sh", "#!/bin/sh\necho pw\nexec sleep 60.0413\n");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    run_lingering(&env, &pg, "a program that stays", script.to_str().unwrap());
    let left = left_running("60.0413");
    assert!(left.is_empty(), "still running after the test: {left:?}");
    // The brief's own example: the line is taken as soon as it is printed.
    run_lingering(&env, &pg, "sh -c 'echo pw; sleep 60'", "sh -c 'echo pw; sleep 60.0417'");
    left_running("60.0417");
}

#[cfg(unix)]
#[test]
fn a_password_command_that_keeps_running_after_its_line_is_ended_with_its_children() {
    let env = Env::new();
    let pg = Cluster::start_default();
    pg.create_role("iam", "pw");
    // `sleep` as the last word of the shell (dash does not exec it) and in the middle.
    for (label, marker, cmd) in [
        ("sleep last", "60.0418", "sh -c 'echo pw; sleep 60.0418'"),
        ("sleep in the middle", "60.0419", "sh -c 'echo pw; sleep 60.0419; echo done'"),
    ] {
        run_lingering(&env, &pg, label, cmd);
        let left = left_running(marker);
        assert!(left.is_empty(), "{label}: still running after the test: {left:?}");
    }
}
