//! SSH trust a hostile bastion or an imported file cannot bend (issue 22,
//! parts 2 and 5), with the harness' russh bastion (`hostile_ssh.rs`):
//!
//! - a host known by an ed25519 key that now offers only RSA is refused as a
//!   possible impostor (`ssh_host_key_mismatch`, both fingerprints), and
//!   `--ssh-accept-new` does not record it. Before ec1d368 it was
//!   `ssh_host_key_unknown`, and accept-new appended the impostor's key.
//! - a Sluice JSON import that pins a host key and names a file as its
//!   known_hosts is shown, stays unconfirmed (a test refuses to use it), and
//!   even confirmed, accept-new writes to no file that is not a known_hosts
//!   file. Before 2163de1 the pin was trusted at once, and before ec1d368 an
//!   accepted key was appended to the fake `.bashrc`.

use serde_json::Value;
use sluice_harness::hostile_ssh::{HostKeyType, HostileSsh};
use sluice_harness::listeners::FakeServer;
use sluice_harness::sshd::UserKey;
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

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sluice"));
        for (k, _) in std::env::vars() {
            if k.starts_with("PG") {
                c.env_remove(k);
            }
        }
        c.args(args)
            .env("HOME", self.home.path())
            .env("SLUICE_CONFIG_DIR", self.config.path())
            .env_remove("SSH_AUTH_SOCK")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run sluice");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args, None);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{args:?}: stdout is not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
        })
    }
}

fn fingerprint_of(public_line: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("k.pub");
    std::fs::write(&f, format!("{public_line}\n")).unwrap();
    let out = Command::new("ssh-keygen").arg("-lf").arg(&f).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).unwrap_or_default().to_owned()
}

const DB: &str = "postgresql://app:pw@127.0.0.1:1/appdb?sslmode=disable";

#[test]
fn a_host_known_by_ed25519_that_offers_only_rsa_is_refused_with_both_fingerprints() {
    let env = Env::new();
    let catcher = FakeServer::cleartext_catcher();
    let impostor = HostileSsh::builder().host_key_type(HostKeyType::Rsa).target(catcher.port()).start();
    assert!(impostor.host_key().starts_with("ssh-rsa "), "{}", impostor.host_key());
    let spec = impostor.spec();

    // Control: with nothing recorded, the RSA key is simply unknown.
    let v = env.json(&["test", DB, "--ssh", &spec, "--json"]);
    assert_eq!(v["error"]["code"], "ssh_host_key_unknown", "{v}");
    assert!(!env.known_hosts().exists());

    // The host's ed25519 key is recorded (the real server's, say).
    let real_key = UserKey::generate("ed25519", None);
    let recorded = real_key.public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let line = format!("[127.0.0.1]:{} {recorded}\n", impostor.port());
    std::fs::write(env.known_hosts(), &line).unwrap();
    let recorded_fp = fingerprint_of(&recorded);
    for accept in [false, true] {
        let mut args = vec!["test", DB, "--ssh", &spec, "--json"];
        if accept {
            args.push("--ssh-accept-new");
        }
        let connections = impostor.connections();
        let v = env.json(&args);
        assert!(impostor.connections() > connections, "the impostor was reached");
        assert_eq!(v["error"]["code"], "ssh_host_key_mismatch", "accept-new {accept}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(impostor.fingerprint()), "the offered RSA key's fingerprint: {message}");
        assert!(message.contains(&recorded_fp), "the recorded ed25519 key's fingerprint: {message}");
        assert_eq!(std::fs::read_to_string(env.known_hosts()).unwrap(), line, "accept-new {accept}: known_hosts unchanged");
        assert!(impostor.passwords().is_empty() && impostor.channel_targets().is_empty(), "nothing went further");
    }

    // Control: accept-new does record a key that is unknown, type and all.
    let fresh = HostileSsh::builder().host_key_type(HostKeyType::Rsa).target(catcher.port()).start();
    let v = env.json(&["test", DB, "--ssh", &fresh.spec(), "--ssh-accept-new", "--json"]);
    assert_ne!(v["error"]["code"], "ssh_host_key_mismatch", "{v}");
    let text = std::fs::read_to_string(env.known_hosts()).unwrap();
    assert!(text.contains(&fresh.known_hosts_line()), "accept-new records an unknown host: {text}");
}

#[test]
fn imported_ssh_pins_and_known_hosts_files_are_shown_confirmed_and_never_a_place_to_write() {
    let env = Env::new();
    let catcher = FakeServer::cleartext_catcher();
    let pinned_bastion = HostileSsh::start(catcher.port());
    let open_bastion = HostileSsh::start(catcher.port());
    let bashrc = env.home.path().join(".bashrc");
    let rc_text = "# ~/.bashrc\nexport PATH=\"$HOME/bin:$PATH\"\nalias ll='ls -l'\n[ -f ~/.bash_aliases ] && . ~/.bash_aliases\n";
    std::fs::write(&bashrc, rc_text).unwrap();
    let hop = |b: &HostileSsh, pin: bool| {
        let mut h = serde_json::json!({"host": "127.0.0.1", "port": b.port(), "user": "sluice-ssh", "auth": "password"});
        if pin {
            h["host_key"] = Value::from(b.host_key());
        }
        h
    };
    let entry = |name: &str, b: &HostileSsh, pin: bool| {
        serde_json::json!({"entry": "fields", "name": name,
            "params": {"host": "127.0.0.1", "port": catcher.port().to_string(), "user": "app", "dbname": "appdb", "sslmode": "disable"},
            "ssh": {"hops": [hop(b, pin)], "known_hosts": bashrc.to_str().unwrap()}})
    };
    let doc = serde_json::json!({"sluice_export": 1, "connections": [entry("pinned", &pinned_bastion, true), entry("open", &open_bastion, false)]});
    let file = env.home.path().join("shared-export.json");
    std::fs::write(&file, doc.to_string()).unwrap();

    // The dry run names what the import would trust.
    let out = env.run(&["connections", "import", "--from", "json", file.to_str().unwrap(), "--dry-run"], None);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("pins the host key of SSH hop 1"), "the pin is named: {text}");
    assert!(text.contains(pinned_bastion.fingerprint()) || text.contains(pinned_bastion.host_key()), "the pinned key is shown: {text}");
    assert!(text.contains(bashrc.to_str().unwrap()) && text.contains("known_hosts"), "the known_hosts path is shown: {text}");
    let out = env.run(&["connections", "import", "--from", "json", file.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // Unconfirmed: a test refuses to trust them.
    for name in ["pinned", "open"] {
        for accept in [false, true] {
            let mut args = vec!["test", "--name", name, "--json"];
            if accept {
                args.push("--ssh-accept-new");
            }
            let v = env.json(&args);
            assert_eq!(v["error"]["code"], "invalid_settings", "{name}: {v}");
            assert!(v["error"]["message"].as_str().unwrap().contains("confirm"), "{name}: {v}");
        }
    }
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), rc_text, "the fake .bashrc is unchanged");
    assert!(pinned_bastion.passwords().is_empty() && open_bastion.passwords().is_empty());

    // Confirmed (after reading `show`): the pin is trusted...
    let show = String::from_utf8_lossy(&env.run(&["connections", "show", "pinned"], None).stdout).into_owned();
    assert!(show.contains(pinned_bastion.host_key()), "{show}");
    for name in ["pinned", "open"] {
        let out = env.run(&["connections", "edit", name, "--confirm-ssh-trust"], None);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let before = pinned_bastion.connections();
    let v = env.json(&["test", "--name", "pinned", "--json"]);
    assert!(pinned_bastion.connections() > before, "confirmed, the pinned bastion is used: {v}");
    assert_ne!(v["error"]["code"], "invalid_settings", "{v}");
    assert!(!v["error"]["code"].as_str().unwrap_or_default().starts_with("ssh_host_key"), "the confirmed pin is trusted: {v}");

    // ... but an unknown key is never appended to a file that is not a known_hosts file.
    let before = open_bastion.connections();
    let v = env.json(&["test", "--name", "open", "--ssh-accept-new", "--json"]);
    assert!(open_bastion.connections() > before, "the bastion was reached: {v}");
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), rc_text, "the fake .bashrc is unchanged: {v}");
    assert!(v["error"].is_object(), "the unknown key could not be recorded: {v}");
    assert!(v.to_string().contains("not a known_hosts file"), "{v}");
    assert!(open_bastion.passwords().is_empty() && open_bastion.channel_targets().is_empty(), "nothing went past the unrecorded key");
}
