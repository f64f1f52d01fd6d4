//! A real OpenSSH server for tunnel tests: `sshd -D -f CONFIG` on a free
//! loopback port, with its own host key, `authorized_keys` and log, run as
//! the non-root account `sluice-ssh` (which `scripts/setup.sh` creates).
//!
//! A non-root sshd can only log in the account it runs as, which is all a
//! tunnel test needs. Password logins go through PAM (`unix_chkpwd` checks
//! the account's own password), so for those the harness gives `sluice-ssh`
//! a random password, once per test process; the account has no shell.
//! Needs root or passwordless sudo (CI runs as root).
//!
//! ```no_run
//! use sluice_harness::sshd::Sshd;
//! let key = sluice_harness::sshd::UserKey::generate("ed25519", None);
//! let sshd = Sshd::builder().authorize(&key).setting("PermitOpen", "127.0.0.1:5432").start();
//! println!("{}", sshd.known_hosts_line());
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The account every test sshd runs as and logs in.
pub const USER: &str = "sluice-ssh";

fn is_root() -> bool {
    crate::os_user::is_root()
}

/// `program args…` as root: directly when we are root, else `sudo -n`.
fn as_root(program: &str) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.arg("-n").arg(program);
        c
    }
}

fn sshd_binary() -> PathBuf {
    for p in ["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("sshd is not installed: run scripts/setup.sh test (Debian's openssh-server)");
}

fn account_exists() -> bool {
    Command::new("id")
        .arg(USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The test account's password for this process: random, set once.
pub fn password() -> &'static str {
    static PASSWORD: OnceLock<String> = OnceLock::new();
    PASSWORD.get_or_init(|| {
        assert!(
            account_exists(),
            "the test account {USER} is missing: run scripts/setup.sh test"
        );
        let pw = format!("Pw-{:016x}-{:08x}", rand_u64(), std::process::id());
        let mut child = as_root("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("chpasswd failed to start");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{USER}:{pw}\n").as_bytes())
            .expect("write to chpasswd");
        let status = child.wait().expect("chpasswd");
        assert!(
            status.success(),
            "setting {USER}'s password needs root or passwordless sudo"
        );
        pw
    })
}

fn rand_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

/// A client key pair made by `ssh-keygen`, in a temporary folder.
pub struct UserKey {
    _dir: tempfile::TempDir,
    /// The private key file.
    pub path: PathBuf,
    /// `type base64 comment`.
    pub public: String,
}

impl UserKey {
    /// `kind`: `ed25519`, `ecdsa`, `rsa`. With a passphrase, the file is
    /// encrypted (OpenSSH format: bcrypt-pbkdf + aes256-ctr).
    pub fn generate(kind: &str, passphrase: Option<&str>) -> UserKey {
        Self::generate_as(kind, passphrase, None)
    }

    /// The same in another file format: `PEM` (PKCS#1 / SEC1) or `PKCS8`.
    pub fn generate_as(kind: &str, passphrase: Option<&str>, format: Option<&str>) -> UserKey {
        let dir = tempfile::Builder::new()
            .prefix("sluice-sshkey-")
            .tempdir()
            .expect("tempdir");
        let path = dir.path().join(format!("id_{kind}"));
        let mut cmd = Command::new("ssh-keygen");
        cmd.args([
            "-q",
            "-t",
            kind,
            "-N",
            passphrase.unwrap_or(""),
            "-C",
            &format!("sluice-test-{kind}"),
            "-f",
        ])
        .arg(&path);
        if let Some(f) = format {
            cmd.args(["-m", f]);
        }
        let out = cmd
            .output()
            .expect("ssh-keygen is missing (openssh-client)");
        assert!(
            out.status.success(),
            "ssh-keygen: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let public = std::fs::read_to_string(path.with_extension("pub"))
            .expect("public key")
            .trim()
            .to_owned();
        UserKey {
            _dir: dir,
            path,
            public,
        }
    }

    pub fn private_pem(&self) -> String {
        std::fs::read_to_string(&self.path).expect("private key")
    }
}

#[derive(Default)]
pub struct SshdBuilder {
    authorized: Vec<String>,
    settings: Vec<(String, String)>,
    password: bool,
    host_key_type: Option<String>,
}

impl SshdBuilder {
    /// Lets `key` log in.
    pub fn authorize(mut self, key: &UserKey) -> Self {
        self.authorized.push(key.public.clone());
        self
    }

    /// Allows password logins (with [`password`]).
    pub fn password(mut self) -> Self {
        self.password = true;
        self
    }

    /// One sshd_config line, e.g. `("AllowTcpForwarding", "no")`.
    pub fn setting(mut self, name: &str, value: &str) -> Self {
        self.settings.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The host key's type (`ed25519` by default).
    pub fn host_key_type(mut self, kind: &str) -> Self {
        self.host_key_type = Some(kind.to_owned());
        self
    }

    pub fn start(self) -> Sshd {
        let mut last = String::new();
        for _ in 0..3 {
            match self.try_start() {
                Ok(s) => return s,
                Err(e) => last = e,
            }
        }
        panic!("sshd did not start: {last}");
    }

    fn try_start(&self) -> Result<Sshd, String> {
        assert!(
            account_exists(),
            "the test account {USER} is missing: run scripts/setup.sh test"
        );
        if self.password {
            password();
        }
        let dir = tempfile::Builder::new()
            .prefix("sluice-sshd-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let root = dir.path();
        let kind = self
            .host_key_type
            .clone()
            .unwrap_or_else(|| "ed25519".into());
        let host_key = root.join(format!("host_{kind}"));
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", &kind, "-N", "", "-C", "sluice-test-host", "-f"])
            .arg(&host_key)
            .output()
            .map_err(|e| format!("ssh-keygen: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let host_public =
            std::fs::read_to_string(host_key.with_extension("pub")).map_err(|e| e.to_string())?;
        let host_public = host_public
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        std::fs::write(
            root.join("authorized_keys"),
            self.authorized.join("\n") + "\n",
        )
        .map_err(|e| e.to_string())?;
        let port = crate::free_port();
        let log = root.join("sshd.log");
        let pid_file = root.join("sshd.pid");
        let mut conf = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
             StrictModes no\nPubkeyAuthentication yes\nPasswordAuthentication {pw}\nKbdInteractiveAuthentication no\n\
             UsePAM {pw}\nPrintMotd no\nLogLevel DEBUG1\nMaxStartups 100\n",
            host_key.display(),
            pid_file.display(),
            root.join("authorized_keys").display(),
            pw = if self.password { "yes" } else { "no" },
        );
        for (k, v) in &self.settings {
            conf.push_str(&format!("{k} {v}\n"));
        }
        let conf_path = root.join("sshd_config");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        // The account reads its files, and its host key must be its own and private.
        let chown = as_root("chown")
            .arg("-R")
            .arg(format!("{USER}:"))
            .arg(root)
            .status()
            .map_err(|e| e.to_string())?;
        if !chown.success() {
            return Err(format!("chown to {USER} needs root or passwordless sudo"));
        }
        let mut cmd = as_root("runuser");
        cmd.args(["-u", USER, "--"])
            .arg(sshd_binary())
            .args(["-D", "-f"])
            .arg(&conf_path)
            .arg("-E")
            .arg(&log);
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut sshd = Sshd {
            dir,
            port,
            child: Some(child),
            host_public,
            log,
            pid_file,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(sshd);
            }
            if let Some(Ok(Some(status))) = sshd.child.as_mut().map(Child::try_wait) {
                return Err(format!("sshd exited ({status}): {}", sshd.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "sshd did not listen on {port} within 10 s: {}",
            sshd.log()
        ))
    }
}

/// A running sshd; stopped on drop.
pub struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    host_public: String,
    log: PathBuf,
    pid_file: PathBuf,
}

impl Sshd {
    pub fn builder() -> SshdBuilder {
        SshdBuilder::default()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `sluice-ssh@127.0.0.1:PORT`, as `--ssh` takes it.
    pub fn spec(&self) -> String {
        format!("{USER}@127.0.0.1:{}", self.port)
    }

    /// The host key, `type base64` (what a connection pins).
    pub fn host_key(&self) -> &str {
        &self.host_public
    }

    /// This server's known_hosts line.
    pub fn known_hosts_line(&self) -> String {
        format!("[127.0.0.1]:{} {}", self.port, self.host_public)
    }

    /// `ssh-keygen -lf` of the host key: `SHA256:…`.
    pub fn fingerprint(&self) -> String {
        let out = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(self.dir.path().join(self.host_key_file()))
            .output()
            .expect("ssh-keygen");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned()
    }

    fn host_key_file(&self) -> String {
        let kind = self.host_public.split_whitespace().next().unwrap_or("");
        let name = match kind {
            "ssh-ed25519" => "ed25519",
            "ssh-rsa" => "rsa",
            _ => "ecdsa",
        };
        format!("host_{name}.pub")
    }

    /// The server's log so far (LogLevel DEBUG1: logins and every
    /// `direct-tcpip` request with its target).
    pub fn log(&self) -> String {
        // The log belongs to the account; we are root (or it is world-readable).
        std::fs::read_to_string(&self.log)
            .or_else(|_| {
                as_root("cat")
                    .arg(&self.log)
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            })
            .unwrap_or_default()
    }

    /// Whether the log shows a `direct-tcpip` channel to `host:port`.
    pub fn forwarded_to(&self, host: &str, port: u16) -> bool {
        let target = format!("target {host} port {port}");
        self.log()
            .lines()
            .any(|l| l.contains("server_request_direct_tcpip") && l.contains(&target))
    }

    /// Stops the server now (a silent-host test, or a restart).
    pub fn stop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.pid_file) {
            let _ = as_root("kill").arg("-TERM").arg(pid.trim()).status();
        }
        if let Some(mut c) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
        // The files belong to the account now: give them back so the
        // temporary folder can be removed.
        if let Ok(me) = Command::new("id").arg("-u").output() {
            let uid = String::from_utf8_lossy(&me.stdout).trim().to_owned();
            let _ = as_root("chown")
                .arg("-R")
                .arg(&uid)
                .arg(self.dir.path())
                .status();
        }
    }
}
