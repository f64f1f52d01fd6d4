//! A saved secret goes only to the server, route and transport it was
//! saved for (issue 22, part 1), held against the CLI as a user runs it:
//! a real sshd bastion, a hostile russh bastion that takes any password and
//! sends every channel to a fake database, and fake databases that keep
//! every password they are sent (a cleartext catcher, and a recording
//! proxy in front of a real TLS cluster). The secrets are in the real
//! Secret Service (run through `scripts/with-keyring.sh`).
//!
//! Every negative has its positive control in the same test: the unchanged
//! connection does send its saved passwords (the catcher gets them, the
//! real sshd accepts them), and the hostile bastion does record a password
//! it is given.
//!
//! Before the security commit 2163de1: `test`/`grants --name` with `--ssh`,
//! `--ssh-jump`, `--ssh-host-key` or `--ssh-known-hosts` sent the saved SSH
//! password to the hostile bastion and the saved database password to the
//! catcher behind it; `connections edit` kept the database password on a
//! change of server or route whenever a secret was also given (`--url
//! ...sslpassword=x`, `--no-ssh`, `--ssh other --ssh-password-stdin`) or
//! with `--without-secrets`, and on `--sslmode disable` or another
//! `--sslrootcert` always (same_server ignored the transport). Only
//! `edit --port` with nothing else dropped it then, as it does now.

use serde_json::Value;
use sluice_harness::hostile_pg::PgProxy;
use sluice_harness::hostile_ssh::HostileSsh;
use sluice_harness::listeners::FakeServer;
use sluice_harness::sshd::{self, Sshd};
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
        sluice_harness::keyring_env::require_secret_service();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
        Env { home, config: tempfile::tempdir().unwrap() }
    }

    fn known_hosts(&self) -> PathBuf {
        self.home.path().join(".ssh/known_hosts")
    }

    fn trust_line(&self, line: &str) {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(self.known_hosts()).unwrap();
        writeln!(f, "{line}").unwrap();
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
            .env_remove("SLUICE_LOG")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run sluice");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed; its JSON (with `--json`) or null.
    fn ok(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let out = self.run(args, stdin);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if args.contains(&"--json") {
            json(&out)
        } else {
            Value::Null
        }
    }

    /// `sluice test ... --json`: the report (whatever the exit code).
    fn test(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let mut all = vec!["test"];
        all.extend_from_slice(args);
        all.push("--json");
        json(&self.run(&all, stdin))
    }

    /// `sluice grants ...`: stdout and stderr.
    fn grants(&self, args: &[&str], stdin: Option<&str>) -> String {
        let mut all = vec!["grants"];
        all.extend_from_slice(args);
        all.extend(["--role", "source"]);
        let out = self.run(&all, stdin);
        format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    }

    fn show(&self, name: &str) -> Value {
        self.ok(&["connections", "show", name, "--json"], None)
    }

    fn cleanup(&self) {
        if let Some(list) = self.ok(&["connections", "list", "--json"], None).as_array() {
            for c in list {
                self.run(&["connections", "remove", c["id"].as_str().unwrap()], None);
            }
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // Leave nothing in the test keyring for the next test.
        if !std::thread::panicking() {
            self.cleanup();
        }
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn step(report: &Value, stage: &str) -> Option<String> {
    report["steps"].as_array()?.iter().find(|s| s["stage"] == stage).and_then(|s| s["status"].as_str()).map(str::to_owned)
}

const DB_PW: &str = "Saved-DB-pw-behind-9d1";
const TYPED_SSH_PW: &str = "typed-now-not-saved-ssh";

/// What the hostile bastion holds that it must not: the saved SSH password.
fn assert_no_saved_ssh(bastion: &HostileSsh, what: &str) {
    let got = bastion.passwords();
    assert!(got.iter().all(|(_, p)| p != sshd::password() && p != DB_PW), "{what}: the hostile bastion got a saved secret: {got:?}");
}

/// Nothing saved among what the catcher got after its first `from` passwords.
fn assert_no_saved_db(catcher: &FakeServer, from: usize, what: &str) {
    let got = catcher.passwords()[from..].to_vec();
    assert!(!got.iter().any(|p| p == DB_PW || p == sshd::password()), "{what}: the fake database got a saved secret: {got:?}");
}

/// `--ssh`, `--ssh-jump`, `--ssh-host-key` and `--ssh-known-hosts` given to
/// `test --name` and `grants --name` are another route: neither the saved
/// SSH password nor the saved database password goes there.
#[test]
fn tunnel_flags_on_a_saved_connection_send_no_saved_secret_to_a_hostile_bastion() {
    let env = Env::new();
    let catcher = FakeServer::cleartext_catcher();
    let mut real = Sshd::builder().password().start();
    env.trust_line(&real.known_hosts_line());
    let db = format!("postgresql://app:{DB_PW}@127.0.0.1:{}/appdb?sslmode=disable", catcher.port());
    let pw_line = format!("{}\n", sshd::password());
    let saved = env.ok(
        &["connections", "add", "--name", "behind", "--url", &db, "--ssh", &real.spec(), "--ssh-auth", "password", "--ssh-password-stdin", "--json"],
        Some(&pw_line),
    );
    assert_eq!((saved["has_password"].as_bool(), saved["has_ssh_password"].as_bool()), (Some(true), Some(true)), "{saved}");

    // Positive control: unchanged, the saved SSH password logs in to the
    // real bastion and the saved database password reaches the catcher.
    let v = env.test(&["--name", "behind"], None);
    assert_eq!(step(&v, "ssh_auth").as_deref(), Some("ok"), "{v}");
    assert_eq!(catcher.passwords(), [DB_PW], "the catcher catches what is sent: {v}");
    assert!(real.forwarded_to("127.0.0.1", catcher.port()));
    let control = catcher.passwords().len();

    let hostile = HostileSsh::start(catcher.port());
    let spec = hostile.spec();
    let real_spec = real.spec();
    type Case<'a> = (&'a str, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        ("--ssh", vec!["--ssh", &spec, "--ssh-accept-new"]),
        ("--ssh-jump", vec!["--ssh-jump", &spec, "--ssh", &real_spec, "--ssh-accept-new"]),
    ];
    for (label, flags) in &cases {
        for grants in [false, true] {
            let what = format!("{} {label}", if grants { "grants" } else { "test" });
            let conns = hostile.connections();
            let mut args = vec!["--name", "behind"];
            args.extend(flags.iter().copied());
            // Nothing typed: the hostile bastion asks for a password and gets none.
            let out = if grants { env.grants(&args, None) } else { env.test(&args, None).to_string() };
            assert!(hostile.connections() > conns, "{what}: the hostile bastion was reached: {out}");
            assert_no_saved_ssh(&hostile, &what);
            assert_no_saved_db(&catcher, control, &what);
            assert!(out.contains("ssh_auth_failed") || out.contains("refused"), "{what}: no password to log in with: {out}");
            // A password typed now does go there (the bastion records what it
            // is sent), and then the channel: the jump's to the real sshd,
            // the bastion's to the catcher, which gets no saved password.
            let forwarded = hostile.forwarded();
            let (targets_before, caught) = (hostile.channel_targets().len(), catcher.connections());
            let jump = *label == "--ssh-jump";
            hostile.set_target(Some(if jump { real.port() } else { catcher.port() }));
            let mut typed = args.clone();
            typed.push("--ssh-password-stdin");
            let line = format!("{TYPED_SSH_PW}\n");
            let out = if grants { env.grants(&typed, Some(&line)) } else { env.test(&typed, Some(&line)).to_string() };
            assert!(hostile.passwords().iter().any(|(_, p)| p == TYPED_SSH_PW), "{what}: the bastion records passwords: {out}");
            assert!(hostile.forwarded() > forwarded, "{what}: a channel was opened: {out}");
            let asked = hostile.channel_targets()[targets_before..].to_vec();
            if jump {
                assert_eq!(asked, [("127.0.0.1".to_owned(), real.port() as u32)], "{what}");
                // The real sshd, behind the hostile jump, refuses the typed password: no saved one was tried.
                assert!(out.contains("ssh_auth_failed") || out.contains("refused"), "{what}: {out}");
            } else {
                assert_eq!(asked, [("127.0.0.1".to_owned(), catcher.port() as u32)], "{what}");
                assert!(catcher.connections() > caught, "{what}: the channel reached the fake database: {out}");
                if !grants {
                    assert!(out.contains("saved one was not sent"), "{what}: the report says why: {out}");
                }
            }
            assert_no_saved_ssh(&hostile, &what);
            assert_no_saved_db(&catcher, control, &what);
            hostile.set_target(Some(catcher.port()));
        }
    }

    // --ssh-host-key and --ssh-known-hosts keep the saved address: they
    // matter when someone else holds it. The real bastion goes, an impostor
    // takes its port.
    let port = real.port();
    real.stop();
    let impostor = HostileSsh::builder().port(port).target(catcher.port()).start();
    assert_eq!(impostor.port(), port);
    // Control: known_hosts protects the saved connection as it is.
    let v = env.test(&["--name", "behind"], None);
    assert_eq!(v["error"]["code"], "ssh_host_key_mismatch", "{v}");
    assert!(impostor.connections() >= 1 && impostor.passwords().is_empty(), "{:?}", impostor.passwords());
    let trusting = env.home.path().join("impostor_known_hosts");
    std::fs::write(&trusting, format!("{}\n", impostor.known_hosts_line())).unwrap();
    let key = impostor.host_key().to_owned();
    let file = trusting.to_str().unwrap().to_owned();
    let cases: Vec<Case> = vec![("--ssh-host-key", vec!["--ssh-host-key", &key]), ("--ssh-known-hosts", vec!["--ssh-known-hosts", &file])];
    for (label, flags) in &cases {
        for grants in [false, true] {
            let what = format!("{} {label} (impostor on the saved address)", if grants { "grants" } else { "test" });
            let mut args = vec!["--name", "behind"];
            args.extend(flags.iter().copied());
            let conns = impostor.connections();
            let out = if grants { env.grants(&args, None) } else { env.test(&args, None).to_string() };
            assert!(impostor.connections() > conns, "{what}: reached: {out}");
            assert_no_saved_ssh(&impostor, &what);
            assert_no_saved_db(&catcher, control, &what);
            assert!(!out.contains("ssh_host_key"), "{what}: the flag made the impostor's key trusted: {out}");
            let (forwarded, caught) = (impostor.forwarded(), catcher.connections());
            let mut typed = args.clone();
            typed.push("--ssh-password-stdin");
            let line = format!("{TYPED_SSH_PW}\n");
            let out = if grants { env.grants(&typed, Some(&line)) } else { env.test(&typed, Some(&line)).to_string() };
            assert!(impostor.passwords().iter().any(|(_, p)| p == TYPED_SSH_PW), "{what}: {out}");
            assert!(impostor.forwarded() > forwarded && catcher.connections() > caught, "{what}: through to the fake database: {out}");
            assert_no_saved_ssh(&impostor, &what);
            assert_no_saved_db(&catcher, control, &what);
        }
    }
    // Everything the catcher got, over the whole test: the control's one password.
    assert_eq!(catcher.passwords(), [DB_PW]);
}

/// Every `connections edit` that moves the server, the route or weakens
/// the transport drops the saved password, whatever else it is given; an
/// edit that keeps them keeps and sends it.
#[test]
fn edits_that_move_a_connection_drop_its_saved_password() {
    let env = Env::new();
    let catcher = FakeServer::cleartext_catcher();
    let pg = Cluster::start_default();
    pg.create_role("app", "prod-pw-1");
    pg.psql("CREATE DATABASE appdb OWNER app");
    let at_pg = |pw: &str| format!("postgresql://app:{pw}@127.0.0.1:{}/appdb?sslmode=disable", pg.port());
    let has_password = |name: &str| env.show(name)["has_password"].as_bool();
    let sent = |what: &str, before: usize| -> Vec<String> {
        let got = catcher.passwords()[before..].to_vec();
        eprintln!("{what}: the catcher got {got:?}");
        got
    };

    // Positive control first: an edit that gives a secret and does not move
    // the server keeps the saved password, and the test sends it.
    let ctl = format!("postgresql://app:ctl-pw-0@127.0.0.1:{}/appdb", catcher.port());
    env.ok(&["connections", "add", "--name", "ctl", "--url", &ctl], None);
    let same = format!("postgresql://app@127.0.0.1:{}/appdb?sslpassword=x", catcher.port());
    let edited = env.ok(&["connections", "edit", "ctl", "--url", &same, "--json"], None);
    assert_eq!(edited["has_password"], true, "{edited}");
    let n = catcher.passwords().len();
    env.test(&["--name", "ctl"], None);
    assert_eq!(sent("ctl", n), ["ctl-pw-0"], "the unchanged server gets its saved password");

    // 1. --url to another port, with a secret (sslpassword) in it.
    env.ok(&["connections", "add", "--name", "prod", "--url", &at_pg("prod-pw-1")], None);
    assert_eq!(env.test(&["--name", "prod"], None)["connected"], true, "control: the saved password logs in");
    let moved = format!("postgresql://app@127.0.0.1:{}/appdb?sslpassword=x", catcher.port());
    let e = env.ok(&["connections", "edit", "prod", "--url", &moved, "--json"], None);
    assert_eq!(e["has_password"], false, "edit prod --url ...sslpassword=x: {e}");
    assert_eq!(has_password("prod"), Some(false));
    let (n, c) = (catcher.passwords().len(), catcher.connections());
    let v = env.test(&["--name", "prod"], None);
    assert!(catcher.connections() > c, "the test reached the catcher: {v}");
    assert!(sent("prod", n).is_empty(), "{v}");
    assert_eq!(v["error"]["code"], "auth_failed", "{v}");

    // 2. --no-ssh: behind the bastion 127.0.0.1 was the bastion's; without it, this machine's.
    let real = Sshd::builder().password().start();
    env.trust_line(&real.known_hosts_line());
    let behind = |pw: &str| format!("postgresql://app:{pw}@127.0.0.1:{}/appdb?sslmode=disable", catcher.port());
    let ssh_pw = format!("{}\n", sshd::password());
    for name in ["tun", "tun3"] {
        let saved = env.ok(
            &["connections", "add", "--name", name, "--url", &behind(&format!("{name}-pw")), "--ssh", &real.spec(), "--ssh-auth", "password", "--ssh-password-stdin", "--json"],
            Some(&ssh_pw),
        );
        assert_eq!(saved["has_ssh_password"], true);
        let n = catcher.passwords().len();
        let v = env.test(&["--name", name], None);
        assert_eq!(step(&v, "ssh_auth").as_deref(), Some("ok"), "{v}");
        assert_eq!(sent(name, n), [format!("{name}-pw")], "control: through the real bastion, the saved password is sent: {v}");
    }
    let e = env.ok(&["connections", "edit", "tun", "--no-ssh", "--json"], None);
    assert_eq!((e["has_password"].as_bool(), e["has_ssh_password"].as_bool()), (Some(false), Some(false)), "edit tun --no-ssh: {e}");
    assert_eq!(has_password("tun"), Some(false));
    let (n, c) = (catcher.passwords().len(), catcher.connections());
    let v = env.test(&["--name", "tun"], None);
    assert!(catcher.connections() > c && sent("tun --no-ssh", n).is_empty(), "{v}");

    // 3. --ssh other --ssh-password-stdin: another bastion (a hostile one,
    // that sends the channel to the catcher), with its own password typed.
    let other = HostileSsh::start(catcher.port());
    env.trust_line(&other.known_hosts_line());
    let other_pw = "other-bastion-pw\n";
    let e = env.ok(&["connections", "edit", "tun3", "--ssh", &other.spec(), "--ssh-password-stdin", "--json"], Some(other_pw));
    assert_eq!((e["has_password"].as_bool(), e["has_ssh_password"].as_bool()), (Some(false), Some(true)), "edit tun3 --ssh other: {e}");
    assert_eq!(has_password("tun3"), Some(false));
    let (n, c) = (catcher.passwords().len(), catcher.connections());
    let v = env.test(&["--name", "tun3"], None);
    assert_eq!(other.passwords(), [(sshd::USER.to_owned(), "other-bastion-pw".to_owned())], "the new SSH password goes to the new bastion: {v}");
    assert!(catcher.connections() > c && sent("tun3 --ssh other", n).is_empty(), "{v}");

    // 4. --port alone (this one was right before too).
    env.ok(&["connections", "add", "--name", "prod2", "--url", &at_pg("prod-pw-1")], None);
    let e = env.ok(&["connections", "edit", "prod2", "--port", &catcher.port().to_string(), "--json"], None);
    assert_eq!(e["has_password"], false, "{e}");
    assert_eq!(has_password("prod2"), Some(false));
    let n = catcher.passwords().len();
    let v = env.test(&["--name", "prod2"], None);
    assert!(sent("prod2 --port", n).is_empty(), "{v}");

    // 5. --without-secrets with a password typed, while moving the port.
    env.ok(&["connections", "add", "--name", "w", "--url", &at_pg("prod-pw-1")], None);
    assert_eq!(env.test(&["--name", "w"], None)["connected"], true);
    let e = env.ok(
        &["connections", "edit", "w", "--port", &catcher.port().to_string(), "--without-secrets", "--password-stdin", "--json"],
        Some("typed-but-not-saved\n"),
    );
    assert_eq!(e["has_password"], false, "edit w --without-secrets --password-stdin --port: {e}");
    assert_eq!(has_password("w"), Some(false));
    let (n, c) = (catcher.passwords().len(), catcher.connections());
    let v = env.test(&["--name", "w"], None);
    assert!(catcher.connections() > c, "{v}");
    assert!(sent("w --without-secrets", n).is_empty(), "neither the old password nor the one not saved: {v}");
}

/// A weaker transport is another route: `verify-full` edited to `disable`,
/// or another root certificate, drops the password. The server is a real
/// TLS cluster behind a proxy that records every password it sees in clear.
#[test]
fn edits_that_weaken_the_transport_drop_the_saved_password() {
    let env = Env::new();
    let pg = Cluster::builder().tls().hba("host all all 127.0.0.1/32 password").start();
    pg.create_role("app", "strong-pw-2");
    let proxy = PgProxy::new(pg.port());
    let ca = pg.pki().ca_cert();
    let url = |mode: &str| format!("postgresql://app:strong-pw-2@127.0.0.1:{}/postgres?sslmode={mode}", proxy.port());

    // Control: over plaintext the proxy sees the password, and it is the one that logs in.
    let saved = env.ok(&["connections", "add", "--name", "plain", "--url", &url("disable"), "--json"], None);
    assert_eq!(saved["has_password"], true, "{saved}");
    assert_eq!(env.test(&["--name", "plain"], None)["connected"], true);
    assert_eq!(proxy.passwords(), ["strong-pw-2"], "the proxy records passwords sent in clear");

    for name in ["strong", "strong2"] {
        env.ok(&["connections", "add", "--name", name, "--url", &url("verify-full"), "--sslrootcert", ca.to_str().unwrap()], None);
        let v = env.test(&["--name", name], None);
        assert_eq!(v["connected"], true, "control: verify-full with the saved password logs in: {v}");
    }
    assert_eq!(proxy.passwords().len(), 1, "inside TLS the proxy sees nothing");
    assert!(proxy.tls_sessions() >= 2);

    // verify-full → disable: the password would travel in clear.
    let e = env.ok(&["connections", "edit", "strong", "--sslmode", "disable", "--json"], None);
    assert_eq!(e["has_password"], false, "edit strong --sslmode disable: {e}");
    assert_eq!(env.show("strong")["has_password"], false);
    let c = proxy.connections();
    let v = env.test(&["--name", "strong"], None);
    assert!(proxy.connections() > c);
    assert_eq!(v["connected"], false, "{v}");
    assert_eq!(v["error"]["code"], "auth_failed", "the edit removed the password, so none was sent: {v}");
    assert_eq!(proxy.passwords().len(), 1, "no password crossed in clear: {:?}", proxy.passwords());

    // Another root certificate (a copy of the same CA, so TLS still
    // succeeds: only the rule can stop the password).
    let copy = env.home.path().join("other-root.crt");
    std::fs::copy(&ca, &copy).unwrap();
    let e = env.ok(&["connections", "edit", "strong2", "--sslrootcert", copy.to_str().unwrap(), "--json"], None);
    assert_eq!(e["has_password"], false, "edit strong2 --sslrootcert other: {e}");
    assert_eq!(env.show("strong2")["has_password"], false);
    let v = env.test(&["--name", "strong2"], None);
    assert_eq!(step(&v, "tls").as_deref(), Some("ok"), "{v}");
    assert_eq!(v["connected"], false, "{v}");
    assert_eq!(v["error"]["code"], "auth_failed", "{v}");
}
