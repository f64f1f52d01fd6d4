//! The SSH tunnel flags of `sluice test` and `sluice connections`, run as a
//! user would: against real sshd servers (see the harness), with HOME set to
//! a folder of the test's own (its ~/.ssh/config and known_hosts), and the
//! real Secret Service for saved connections (run through
//! `scripts/with-keyring.sh`).

use serde_json::Value;
use sluice_harness::sshd::{self, Sshd, UserKey};
use sluice_harness::Cluster;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

struct Env {
    home: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
        Env { home, config: tempfile::tempdir().unwrap() }
    }

    fn known_hosts(&self) -> PathBuf {
        self.home.path().join(".ssh/known_hosts")
    }

    fn trust(&self, s: &Sshd) {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(self.known_hosts()).unwrap();
        writeln!(f, "{}", s.known_hosts_line()).unwrap();
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_env(args, stdin, &[])
    }

    fn run_env(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sluice"));
        c.envs(env.iter().copied());
        c.args(args)
            .env("HOME", self.home.path())
            .env("SLUICE_CONFIG_DIR", self.config.path())
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("PGPASSWORD")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run sluice");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn db() -> Cluster {
    let pg = Cluster::start_default();
    pg.create_role("reader", "pw");
    pg
}

fn db_url(pg: &Cluster) -> String {
    format!("postgresql://reader:pw@localhost:{}/postgres?sslmode=disable", pg.port())
}

fn stages(v: &Value) -> Vec<String> {
    v["steps"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn test_through_a_bastion_and_accept_a_new_host_key() {
    let pg = db();
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let env = Env::new();
    let identity = key.path.to_str().unwrap();
    let args = ["test", &db_url(&pg), "--ssh", &sshd.spec(), "--ssh-identity", identity, "--json"];

    // Unknown host: refused, with the fingerprint; nothing recorded.
    let out = env.run(&args, None);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["error"]["code"], "ssh_host_key_unknown");
    assert_eq!(v["error"]["host_key"]["fingerprint"], sshd.fingerprint());
    assert!(!env.known_hosts().exists());

    // Accepted: recorded in ~/.ssh/known_hosts, and the test passes through the tunnel.
    let mut accept = args.to_vec();
    accept.push("--ssh-accept-new");
    let out = env.run(&accept, None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v = json(&out);
    assert_eq!(stages(&v), ["ssh_connect", "ssh_auth", "ssh_channel", "tls", "auth", "session"]);
    assert_eq!(v["steps"][0]["hop"], 0);
    assert_eq!(std::fs::read_to_string(env.known_hosts()).unwrap(), format!("{}\n", sshd.known_hosts_line()));
    assert!(sshd.forwarded_to("localhost", pg.port()));

    // Human output names each hop.
    let out = env.run(&args[..args.len() - 1], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ssh_connect") && text.contains(&format!("[1] sluice-ssh@127.0.0.1:{}", sshd.port())), "{text}");
}

#[test]
fn password_and_passphrase_from_stdin_and_a_jump_host() {
    let pg = db();
    let key = UserKey::generate("ecdsa", Some("phrase here"));
    let inner = Sshd::builder().password().start();
    let outer = Sshd::builder().authorize(&key).start();
    let env = Env::new();
    env.trust(&inner);
    env.trust(&outer);
    // Jump by key (passphrase on stdin), then the inner bastion by password: one secret per run.
    let out = env.run(
        &["test", &db_url(&pg), "--ssh-jump", &outer.spec(), "--ssh", &inner.spec(), "--ssh-identity", key.path.to_str().unwrap(), "--ssh-auth", "key", "--ssh-passphrase-stdin", "--json"],
        Some("phrase here\n"),
    );
    let v = json(&out);
    // The inner hop takes only passwords: key login is refused there, by name.
    assert_eq!(v["error"]["code"], "ssh_auth_failed", "{v}");
    assert_eq!(v["error"]["stage"], "ssh_auth");
    assert!(v["error"]["message"].as_str().unwrap().contains("hop 2"), "{v}");

    let out = env.run(&["test", &db_url(&pg), "--ssh", &inner.spec(), "--ssh-auth", "password", "--ssh-password-stdin", "--json"], Some(&format!("{}\n", sshd::password())));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));

    let out = env.run(&["test", &db_url(&pg), "--ssh-identity", "/x", "--json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SSH options need --ssh"));
}

#[test]
fn a_saved_connection_with_a_tunnel_keeps_its_secrets_in_the_keyring() {
    sluice_harness::keyring_env::require_secret_service();
    let pg = db();
    let key = UserKey::generate("ed25519", Some("saved phrase 7"));
    let sshd = Sshd::builder().authorize(&key).start();
    let env = Env::new();
    env.trust(&sshd);
    let out = env.run_env(
        &["connections", "add", "--name", "Behind", "--url", &db_url(&pg), "--ssh", &sshd.spec(), "--ssh-identity", key.path.to_str().unwrap(), "--ssh-passphrase-stdin", "--json"],
        Some("saved phrase 7\n"),
        &[("SLUICE_LOG", "trace")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("TRACE") || log.contains("DEBUG") || log.contains("INFO"), "the trace log is on: {log}");
    assert!(!log.contains("saved phrase 7"), "no SSH secret in the logs");
    let saved = json(&out);
    assert_eq!(saved["ssh"]["hops"][0]["host"], "127.0.0.1");
    assert_eq!(saved["has_ssh_passphrase"], true);
    assert_eq!(saved["has_password"], true, "the URL's password went to the keyring");

    // A new process tests it by name, secrets from the keyring.
    let out = env.run_env(&["test", "--name", "Behind", "--json"], None, &[("SLUICE_LOG", "trace")]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("saved phrase 7"), "no SSH secret in the logs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(stages(&json(&out))[..3], ["ssh_connect", "ssh_auth", "ssh_channel"]);

    // Nothing SSH-secret on disk.
    let mut hits = Vec::new();
    for entry in sluice_harness::files_under(env.config.path()) {
        if std::fs::read_to_string(&entry).unwrap_or_default().contains("saved phrase 7") {
            hits.push(entry);
        }
    }
    assert!(hits.is_empty(), "{hits:?}");
    let show = env.run(&["connections", "show", "Behind"], None);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("ssh passphrase") && text.contains("saved in the keyring") && !text.contains("saved phrase 7"), "{text}");

    // Edit away the tunnel: its secrets go too.
    let out = env.run(&["connections", "edit", "Behind", "--no-ssh", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert!(v.get("ssh").is_none() && v["has_ssh_passphrase"] == false, "{v}");
    env.run(&["connections", "remove", "Behind"], None);
}

#[test]
fn an_ssh_config_alias_works_as_the_ssh_value() {
    let pg = db();
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let env = Env::new();
    env.trust(&sshd);
    std::fs::write(
        env.home.path().join(".ssh/config"),
        format!("Host prod-bastion\n    HostName 127.0.0.1\n    Port {}\n    User sluice-ssh\n    IdentityFile {}\n", sshd.port(), key.path.display()),
    )
    .unwrap();
    let out = env.run(&["test", &db_url(&pg), "--ssh", "prod-bastion", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(json(&out)["steps"][0]["host"], format!("sluice-ssh@127.0.0.1:{}", sshd.port()));
}


#[test]
fn the_default_ssh_login_is_the_os_user_not_dollar_user() {
    // $USER names the account the key is authorized for; the OS user (as
    // getpwuid says, what OpenSSH logs in as) is someone else.
    let os_user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap().trim().to_owned();
    assert_ne!(os_user, sluice_harness::sshd::USER, "the test runs as another user than the SSH test account");
    let pg = db();
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let env = Env::new();
    env.trust(&sshd);
    let hop = format!("127.0.0.1:{}", sshd.port());
    let args = ["test", &db_url(&pg), "--ssh", &hop, "--ssh-identity", key.path.to_str().unwrap(), "--json"];
    let v = json(&env.run_env(&args, None, &[("USER", sluice_harness::sshd::USER), ("LOGNAME", sluice_harness::sshd::USER)]));
    assert_eq!(v["error"]["code"], "ssh_auth_failed", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains(&format!("refused {os_user}")), "{v}");
    // Named, the account logs in.
    let named = format!("{}@{hop}", sluice_harness::sshd::USER);
    let args = ["test", &db_url(&pg), "--ssh", &named, "--ssh-identity", key.path.to_str().unwrap(), "--json"];
    assert_eq!(json(&env.run(&args, None))["connected"], true);
}
