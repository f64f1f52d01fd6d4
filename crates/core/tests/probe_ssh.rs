//! Test Connection through SSH tunnels, against real OpenSSH servers
//! (`sshd -D` as the non-root account `sluice-ssh`, see the harness) and a
//! real `ssh-agent`. In every success the database is reached only through
//! the tunnel: the sshd log shows the `direct-tcpip` channel to it, and the
//! report has no resolve or connect stage of its own.

mod probe_support;

use probe_support::*;
use sluice_core::probe::{
    self, Cancel, ErrorCode, ProbeRequest, Report, SshRequest, Stage, StepStatus,
};
use sluice_core::secret::Secret;
use sluice_core::ssh::{Auth, Hop, SshEnv, SshSecrets, Tunnel};
use sluice_harness::sshd::{self, Sshd, UserKey};
use sluice_harness::Cluster;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An environment with its own home: no ~/.ssh/config, no agent, an empty known_hosts.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::Builder::new()
            .prefix("sluice-sshhome-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join(".ssh")).unwrap();
        Home { dir }
    }

    fn known_hosts(&self) -> PathBuf {
        self.dir.path().join(".ssh/known_hosts")
    }

    fn trust(&self, sshd: &Sshd) -> &Home {
        let mut text = std::fs::read_to_string(self.known_hosts()).unwrap_or_default();
        text.push_str(&sshd.known_hosts_line());
        text.push('\n');
        std::fs::write(self.known_hosts(), text).unwrap();
        self
    }

    fn env(&self) -> SshEnv {
        SshEnv {
            home: Some(self.dir.path().to_owned()),
            config_file: Some(self.dir.path().join(".ssh/config")),
            agent: None,
            local_user: "nobody-in-particular".into(),
            global_known_hosts: vec![],
        }
    }
}

fn hop(sshd: &Sshd, auth: Auth, identity: Option<&Path>) -> Hop {
    Hop {
        auth,
        identity: identity.map(Path::to_owned),
        ..Hop::parse(&sshd.spec()).unwrap()
    }
}

/// A test of the database on 127.0.0.1 through `sshd`, logging in with a key.
async fn key_login(pg: &Cluster, sshd: &Sshd, identity: Option<&Path>, secrets: SshSecrets, home: &Home) -> sluice_core::probe::Report {
    probe_request(request(pg, "127.0.0.1", vec![hop(sshd, Auth::Key, identity)], secrets, home.env())).await
}

fn request(
    pg: &Cluster,
    db_host: &str,
    hops: Vec<Hop>,
    secrets: SshSecrets,
    env: SshEnv,
) -> ProbeRequest {
    let mut req = ProbeRequest::new(info(&format!(
        "host={db_host} port={} user=app password=pw dbname=postgres sslmode=disable",
        pg.port()
    )));
    req.ssh = Some(SshRequest {
        tunnel: Tunnel {
            hops,
            known_hosts: None,
            ..Default::default()
        },
        secrets,
        env,
        accept_new: false,
    });
    req
}

fn database() -> Cluster {
    let pg = Cluster::start_default();
    pg.create_role("app", "pw");
    pg
}

/// The stages, with their hop, as the report lists them.
fn stages(r: &Report) -> Vec<(Stage, Option<usize>)> {
    r.steps
        .iter()
        .filter(|s| s.status != StepStatus::Skipped || s.stage.is_ssh())
        .map(|s| (s.stage, s.hop))
        .collect()
}

fn ssh_error(r: &Report, code: ErrorCode) -> &probe::ProbeError {
    let e = expect_error(r, code);
    assert!(
        e.stage.is_ssh(),
        "an SSH failure is reported at an SSH stage: {e:?}"
    );
    e
}

#[tokio::test]
async fn key_login_reaches_the_database_only_through_the_tunnel() {
    let pg = database();
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let home = Home::new();
    home.trust(&sshd);
    let r = probe_request(request(
        &pg,
        "localhost",
        vec![hop(&sshd, Auth::Key, Some(&key.path))],
        SshSecrets::default(),
        home.env(),
    ))
    .await;
    let s = expect_ok(&r);
    assert_eq!(s.current_user, "app");
    assert_eq!(
        stages(&r),
        vec![
            (Stage::SshConnect, Some(0)),
            (Stage::SshAuth, Some(0)),
            (Stage::SshChannel, Some(0)),
            (Stage::Auth, None),
            (Stage::Session, None)
        ],
        "no resolve or connect of the database's own: {:#?}",
        r.steps
    );
    assert!(
        r.steps
            .iter()
            .all(|s| s.stage != Stage::Resolve && s.stage != Stage::Connect),
        "{:#?}",
        r.steps
    );
    let connect = step(&r, Stage::SshConnect);
    assert_eq!(
        connect.host.as_deref(),
        Some(format!("sluice-ssh@127.0.0.1:{}", sshd.port()).as_str())
    );
    assert_eq!(
        connect.detail.as_deref(),
        Some(format!("ssh-ed25519 {}", sshd.fingerprint()).as_str()),
        "the host key, as ssh-keygen -l shows it"
    );
    assert!(
        step(&r, Stage::SshAuth)
            .detail
            .as_deref()
            .unwrap()
            .contains("publickey"),
        "{:?}",
        step(&r, Stage::SshAuth)
    );
    assert_eq!(
        step(&r, Stage::SshChannel).host.as_deref(),
        Some(format!("localhost:{}", pg.port()).as_str())
    );
    // The bastion resolved "localhost" and opened the channel: its log says so.
    assert!(
        sshd.forwarded_to("localhost", pg.port()),
        "sshd log:\n{}",
        sshd.log()
    );
    assert!(s.connected_to.contains("via SSH"), "{}", s.connected_to);
}

#[tokio::test]
async fn password_login() {
    let pg = database();
    let sshd = Sshd::builder().password().start();
    let home = Home::new();
    home.trust(&sshd);
    let secrets = SshSecrets {
        password: Some(Secret::from(sshd::password())),
        ..SshSecrets::default()
    };
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![hop(&sshd, Auth::Password, None)],
        secrets,
        home.env(),
    ))
    .await;
    expect_ok(&r);
    assert_eq!(
        step(&r, Stage::SshAuth).detail.as_deref(),
        Some("sluice-ssh by password")
    );
    assert!(
        sshd.log().contains("Accepted password for sluice-ssh"),
        "{}",
        sshd.log()
    );

    let wrong = SshSecrets {
        password: Some(Secret::from("not-it")),
        ..SshSecrets::default()
    };
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![hop(&sshd, Auth::Password, None)],
        wrong,
        home.env(),
    ))
    .await;
    let e = ssh_error(&r, ErrorCode::SshAuthFailed);
    assert_eq!(e.stage, Stage::SshAuth);
    assert!(
        e.message.contains("the password") && e.message.contains("publickey"),
        "names what was tried and what the server takes: {}",
        e.message
    );
    assert!(
        !format!("{r:?}").contains("not-it"),
        "the password never reaches the report"
    );
}

/// A real ssh-agent on its own socket, holding `key`; killed on drop.
struct Agent {
    child: std::process::Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn with(key: &UserKey) -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent");
        let started = Instant::now();
        while !socket.exists() && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let out = std::process::Command::new("ssh-add")
            .arg(&key.path)
            .env("SSH_AUTH_SOCK", &socket)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Agent {
            child,
            socket,
            _dir: dir,
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn agent_login() {
    let pg = database();
    let key = UserKey::generate("ecdsa", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let agent = Agent::with(&key);
    let home = Home::new();
    home.trust(&sshd);
    let env = SshEnv {
        agent: Some(agent.socket.to_string_lossy().into_owned()),
        ..home.env()
    };
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![hop(&sshd, Auth::Agent, None)],
        SshSecrets::default(),
        env.clone(),
    ))
    .await;
    expect_ok(&r);
    assert!(
        step(&r, Stage::SshAuth)
            .detail
            .as_deref()
            .unwrap()
            .contains("agent: sluice-test-ecdsa"),
        "{:?}",
        step(&r, Stage::SshAuth)
    );

    // Auto tries the agent first, as ssh does.
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![hop(&sshd, Auth::Auto, None)],
        SshSecrets::default(),
        env,
    ))
    .await;
    expect_ok(&r);

    // No agent: said so, not a generic failure.
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![hop(&sshd, Auth::Agent, None)],
        SshSecrets::default(),
        home.env(),
    ))
    .await;
    let e = ssh_error(&r, ErrorCode::SshAuthFailed);
    assert!(e.message.contains("SSH_AUTH_SOCK"), "{}", e.message);
}

#[tokio::test]
async fn encrypted_keys_in_every_format_need_their_passphrase() {
    let pg = database();
    let keys = [
        UserKey::generate("ed25519", Some("s3cret phrase")),
        UserKey::generate_as("rsa", Some("s3cret phrase"), Some("PEM")),
        UserKey::generate_as("ecdsa", Some("s3cret phrase"), Some("PKCS8")),
    ];
    let mut builder = Sshd::builder();
    for k in &keys {
        builder = builder.authorize(k);
    }
    let sshd = builder.start();
    let home = Home::new();
    home.trust(&sshd);
    for key in &keys {
        let with = |p: Option<&str>| SshSecrets {
            passphrase: p.map(Secret::from),
            ..SshSecrets::default()
        };
        let r = key_login(&pg, &sshd, Some(&key.path), with(Some("s3cret phrase")), &home).await;
        expect_ok(&r);

        let r = key_login(&pg, &sshd, Some(&key.path), with(Some("wrong")), &home).await;
        let e = ssh_error(&r, ErrorCode::SshKeyPassphrase);
        assert!(
            e.message.contains("does not open"),
            "{}: {}",
            key.public,
            e.message
        );

        let r = key_login(&pg, &sshd, Some(&key.path), with(None), &home).await;
        let e = ssh_error(&r, ErrorCode::SshKeyPassphrase);
        assert!(
            e.message.contains("no passphrase"),
            "{}: {}",
            key.public,
            e.message
        );
    }
    // A pasted key works the same as a file.
    let secrets = SshSecrets {
        private_key: Some(Secret::from(keys[0].private_pem())),
        passphrase: Some(Secret::from("s3cret phrase")),
        ..SshSecrets::default()
    };
    expect_ok(
        &key_login(&pg, &sshd, None, secrets, &home).await,
    );
    // Garbage is an invalid key, not a passphrase problem.
    let secrets = SshSecrets {
        private_key: Some(Secret::from(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n-----END OPENSSH PRIVATE KEY-----",
        )),
        ..SshSecrets::default()
    };
    ssh_error(
        &key_login(&pg, &sshd, None, secrets, &home).await,
        ErrorCode::SshKeyInvalid,
    );
}

#[tokio::test]
async fn an_unknown_host_key_is_refused_with_its_fingerprint_then_accepted() {
    let pg = database();
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let home = Home::new();
    let hops = || vec![hop(&sshd, Auth::Key, Some(&key.path))];
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        hops(),
        SshSecrets::default(),
        home.env(),
    ))
    .await;
    let e = ssh_error(&r, ErrorCode::SshHostKeyUnknown);
    assert_eq!(e.stage, Stage::SshConnect);
    let prompt = e.host_key.as_ref().expect("the key to accept");
    assert_eq!(
        prompt.fingerprint,
        sshd.fingerprint(),
        "as ssh-keygen -l shows it"
    );
    assert_eq!(
        (prompt.key_type.as_str(), prompt.key.as_str()),
        ("ssh-ed25519", sshd.host_key())
    );
    assert_eq!(
        (prompt.host.as_str(), prompt.port),
        ("127.0.0.1", sshd.port())
    );
    assert_eq!(Path::new(&prompt.known_hosts), home.known_hosts());
    assert!(e.detail.as_deref().unwrap().contains(&sshd.fingerprint()));
    assert!(
        !home.known_hosts().exists(),
        "nothing is recorded without consent"
    );
    assert!(
        !sshd.log().contains("Accepted publickey"),
        "no login to an unverified server"
    );

    // Accepted (accept-new): recorded, and the test goes through.
    let mut req = request(&pg, "127.0.0.1", hops(), SshSecrets::default(), home.env());
    req.ssh.as_mut().unwrap().accept_new = true;
    expect_ok(&probe_request(req).await);
    let recorded = std::fs::read_to_string(home.known_hosts()).unwrap();
    assert_eq!(recorded, format!("{}\n", sshd.known_hosts_line()));
    // From now on it is known.
    expect_ok(
        &probe_request(request(
            &pg,
            "127.0.0.1",
            hops(),
            SshSecrets::default(),
            home.env(),
        ))
        .await,
    );
    // And ssh itself agrees with what was recorded.
    let out = std::process::Command::new("ssh-keygen")
        .arg("-F")
        .arg(format!("[127.0.0.1]:{}", sshd.port()))
        .arg("-f")
        .arg(home.known_hosts())
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen -F finds the recorded key");
}

#[tokio::test]
async fn a_changed_host_key_is_always_refused() {
    let pg = database();
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let impostor = Sshd::builder().authorize(&key).start();
    let home = Home::new();
    // known_hosts records the impostor's key under the real server's name.
    std::fs::write(
        home.known_hosts(),
        format!(
            "# a comment\n[127.0.0.1]:{} {}\n",
            sshd.port(),
            impostor.host_key()
        ),
    )
    .unwrap();
    let hops = || vec![hop(&sshd, Auth::Key, Some(&key.path))];
    for accept_new in [false, true] {
        let mut req = request(&pg, "127.0.0.1", hops(), SshSecrets::default(), home.env());
        req.ssh.as_mut().unwrap().accept_new = accept_new;
        let r = probe_request(req).await;
        let e = ssh_error(&r, ErrorCode::SshHostKeyMismatch);
        assert!(
            e.message.starts_with("WARNING")
                && e.message.contains(&sshd.fingerprint())
                && e.message.contains("line 2"),
            "{}",
            e.message
        );
        assert!(e.host_key.is_none(), "a changed key offers no accept");
    }
    assert!(
        !sshd.log().contains("Accepted publickey"),
        "no login to a server whose key changed"
    );

    // A pinned key that differs is refused the same way; the right one passes.
    let pinned = |k: &str| {
        vec![Hop {
            host_key: Some(k.to_owned()),
            ..hop(&sshd, Auth::Key, Some(&key.path))
        }]
    };
    ssh_error(
        &probe_request(request(
            &pg,
            "127.0.0.1",
            pinned(impostor.host_key()),
            SshSecrets::default(),
            home.env(),
        ))
        .await,
        ErrorCode::SshHostKeyMismatch,
    );
    expect_ok(
        &probe_request(request(
            &pg,
            "127.0.0.1",
            pinned(sshd.host_key()),
            SshSecrets::default(),
            home.env(),
        ))
        .await,
    );
}

#[tokio::test]
async fn a_two_hop_chain() {
    let pg = database();
    let key = UserKey::generate("ed25519", None);
    let inner = Sshd::builder().authorize(&key).start();
    // The outer bastion may only forward to the inner one.
    let outer = Sshd::builder()
        .authorize(&key)
        .setting("PermitOpen", &format!("127.0.0.1:{}", inner.port()))
        .start();
    let home = Home::new();
    home.trust(&outer).trust(&inner);
    let hops = vec![
        hop(&outer, Auth::Key, Some(&key.path)),
        hop(&inner, Auth::Key, Some(&key.path)),
    ];
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        hops,
        SshSecrets::default(),
        home.env(),
    ))
    .await;
    expect_ok(&r);
    let ssh: Vec<(Stage, Option<usize>)> =
        stages(&r).into_iter().filter(|(s, _)| s.is_ssh()).collect();
    assert_eq!(
        ssh,
        vec![
            (Stage::SshConnect, Some(0)),
            (Stage::SshAuth, Some(0)),
            (Stage::SshChannel, Some(0)),
            (Stage::SshConnect, Some(1)),
            (Stage::SshAuth, Some(1)),
            (Stage::SshChannel, Some(1))
        ]
    );
    assert!(
        outer.forwarded_to("127.0.0.1", inner.port()),
        "outer log:\n{}",
        outer.log()
    );
    assert!(
        inner.forwarded_to("127.0.0.1", pg.port()),
        "inner log:\n{}",
        inner.log()
    );
    assert!(
        !outer.forwarded_to("127.0.0.1", pg.port()),
        "the outer bastion never saw the database"
    );
}

#[tokio::test]
async fn forwarding_refused_by_the_bastion() {
    let pg = database();
    let key = UserKey::generate("ed25519", None);
    let no_forwarding = Sshd::builder()
        .authorize(&key)
        .setting("AllowTcpForwarding", "no")
        .start();
    let elsewhere = Sshd::builder()
        .authorize(&key)
        .setting("PermitOpen", "127.0.0.1:1")
        .start();
    let home = Home::new();
    home.trust(&no_forwarding).trust(&elsewhere);
    for sshd in [&no_forwarding, &elsewhere] {
        let r = probe_request(request(
            &pg,
            "127.0.0.1",
            vec![hop(sshd, Auth::Key, Some(&key.path))],
            SshSecrets::default(),
            home.env(),
        ))
        .await;
        let e = ssh_error(&r, ErrorCode::SshChannelRefused);
        assert_eq!(e.stage, Stage::SshChannel);
        assert!(
            e.message.contains("administratively prohibited"),
            "the server's reason: {}",
            e.message
        );
        assert!(
            e.message.contains(&format!("127.0.0.1:{}", pg.port())),
            "{}",
            e.message
        );
    }
    // A target the bastion cannot reach: its own words.
    let open = Sshd::builder().authorize(&key).start();
    home.trust(&open);
    let mut req = request(
        &pg,
        "127.0.0.1",
        vec![hop(&open, Auth::Key, Some(&key.path))],
        SshSecrets::default(),
        home.env(),
    );
    req.info
        .set("port", &sluice_harness::free_port().to_string())
        .unwrap();
    let r = probe_request(req).await;
    let e = ssh_error(&r, ErrorCode::SshChannelRefused);
    assert!(
        e.message.contains("connect failed") && e.message.contains("Connection refused"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn a_silent_bastion_returns_by_the_deadline() {
    let pg = database();
    let silent = sluice_harness::listeners::FakeServer::silent();
    let home = Home::new();
    let mut req = request(
        &pg,
        "127.0.0.1",
        vec![Hop::parse(&format!("x@127.0.0.1:{}", silent.port())).unwrap()],
        SshSecrets::default(),
        home.env(),
    );
    req.timeout = Some(Duration::from_secs(2));
    let started = Instant::now();
    let r = probe_request(req).await;
    let took = started.elapsed();
    let e = ssh_error(&r, ErrorCode::SshTimeout);
    assert_eq!(e.stage, Stage::SshConnect);
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_millis(2200),
        "{took:?}"
    );

    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![Hop::parse(&format!("x@127.0.0.1:{}", sluice_harness::free_port())).unwrap()],
        SshSecrets::default(),
        home.env(),
    ))
    .await;
    ssh_error(&r, ErrorCode::SshRefused);
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![Hop::parse("x@no-such-host.invalid").unwrap()],
        SshSecrets::default(),
        home.env(),
    ))
    .await;
    ssh_error(&r, ErrorCode::SshDns);
}

#[tokio::test]
async fn cancel_closes_the_ssh_session() {
    // A bastion that lets us in, and a "database" that never answers: the
    // test waits in the tunnel until it is cancelled.
    let silent_db = sluice_harness::listeners::FakeServer::silent();
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let home = Home::new();
    home.trust(&sshd);
    let mut req = ProbeRequest::new(info(&format!(
        "host=127.0.0.1 port={} user=app password=pw sslmode=disable",
        silent_db.port()
    )));
    req.ssh = Some(SshRequest {
        tunnel: Tunnel {
            hops: vec![hop(&sshd, Auth::Key, Some(&key.path))],
            known_hosts: None,
            ..Default::default()
        },
        secrets: SshSecrets::default(),
        env: home.env(),
        accept_new: false,
    });
    let cancel = Cancel::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        c2.cancel();
    });
    let started = Instant::now();
    let r = probe::run(&req, &cancel, &|_| {}).await;
    assert!(
        started.elapsed() < Duration::from_millis(1700),
        "{:?}",
        started.elapsed()
    );
    expect_error(&r, ErrorCode::Cancelled);
    assert_eq!(
        step_status(&r, Stage::SshChannel),
        StepStatus::Ok,
        "the tunnel was open when the cancel came"
    );
    // The bastion sees the session end at once.
    let deadline = Instant::now() + Duration::from_secs(3);
    while !sshd.log().contains("Connection closed by")
        && !sshd.log().contains("Disconnected from")
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = sshd.log();
    assert!(
        log.contains("Connection closed by") || log.contains("Disconnected from"),
        "sshd log:\n{log}"
    );
}

#[tokio::test]
async fn verify_full_checks_the_real_database_name_through_the_tunnel() {
    // A certificate for "localhost" only: no IP address in it.
    let pg = Cluster::builder()
        .tls_names(&["localhost"])
        .hba("hostssl all all 127.0.0.1/32 scram-sha-256")
        .hba("hostssl all all ::1/128 scram-sha-256")
        .start();
    pg.create_role("app", "pw");
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let home = Home::new();
    home.trust(&sshd);
    let conn = |host: &str| {
        format!("host={host} port={} user=app password=pw dbname=postgres sslmode=verify-full sslrootcert={}", pg.port(), pg.pki().ca_cert().display())
    };
    let mut req = ProbeRequest::new(info(&conn("localhost")));
    req.ssh = Some(SshRequest {
        tunnel: Tunnel {
            hops: vec![hop(&sshd, Auth::Key, Some(&key.path))],
            known_hosts: None,
            ..Default::default()
        },
        secrets: SshSecrets::default(),
        env: home.env(),
        accept_new: false,
    });
    let r = probe_request(req).await;
    let s = expect_ok(&r);
    let tls = s.tls.as_ref().expect("TLS through the tunnel");
    assert!(
        tls.hostname_verified && tls.server_name.as_deref() == Some("localhost"),
        "{tls:?}"
    );
    assert!(s.backend_ssl);
    // What a local port forward would have done: verify against 127.0.0.1, which fails.
    let r = probe(&conn("127.0.0.1")).await;
    expect_error(&r, ErrorCode::CertificateHostnameMismatch);
}

#[tokio::test]
async fn ssh_config_aliases_and_proxy_jump() {
    let pg = database();
    let key = UserKey::generate("ed25519", None);
    let inner = Sshd::builder().authorize(&key).start();
    let outer = Sshd::builder().authorize(&key).start();
    let home = Home::new();
    home.trust(&outer).trust(&inner);
    std::fs::write(
        home.dir.path().join(".ssh/config"),
        format!(
            "Host edge\n  HostName 127.0.0.1\n  Port {}\n  User sluice-ssh\n  IdentityFile {}\n\nHost db-bastion\n  HostName 127.0.0.1\n  Port {}\n  User sluice-ssh\n  IdentityFile {}\n  ProxyJump edge\n",
            outer.port(),
            key.path.display(),
            inner.port(),
            key.path.display()
        ),
    )
    .unwrap();
    let r = probe_request(request(
        &pg,
        "127.0.0.1",
        vec![Hop::parse("db-bastion").unwrap()],
        SshSecrets::default(),
        home.env(),
    ))
    .await;
    expect_ok(&r);
    let hosts: Vec<String> = r
        .steps
        .iter()
        .filter(|s| s.stage == Stage::SshConnect)
        .map(|s| s.host.clone().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            format!("sluice-ssh@127.0.0.1:{}", outer.port()),
            format!("sluice-ssh@127.0.0.1:{}", inner.port())
        ]
    );
    assert!(inner.forwarded_to("127.0.0.1", pg.port()));
}
