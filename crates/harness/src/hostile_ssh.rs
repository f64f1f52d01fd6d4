//! A hostile SSH bastion on loopback, built on russh's server side: it has
//! a host key of its own (ed25519 by default, or RSA only), takes **any**
//! password (and keeps every user and password it is sent, keyboard-
//! interactive answers included), records every public key it is offered
//! (and refuses them all, so a client goes on to its password), and on every
//! `direct-tcpip` channel records the host and port asked for and connects
//! the channel to a TCP target of the test's choosing instead (a fake
//! database), whatever was asked for. It is what a bastion that was taken
//! over, or an impostor on its address, would do.
//!
//! It runs on a thread of its own with its own tokio runtime and stops on
//! drop.
//!
//! ```no_run
//! use sluice_harness::hostile_ssh::HostileSsh;
//! use sluice_harness::listeners::FakeServer;
//! let catcher = FakeServer::cleartext_catcher();
//! let bastion = HostileSsh::builder().target(catcher.port()).start();
//! println!("{} {}", bastion.spec(), bastion.known_hosts_line());
//! ```

use russh::server::{Auth, Msg, PublicKeyOffer, Response, Server as _, Session};
use russh::Channel;
use std::borrow::Cow;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The type of the bastion's only host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostKeyType {
    #[default]
    Ed25519,
    /// RSA only (`ssh-rsa` key, signed as rsa-sha2-256/512).
    Rsa,
}

impl HostKeyType {
    fn keygen_name(self) -> &'static str {
        match self {
            HostKeyType::Ed25519 => "ed25519",
            HostKeyType::Rsa => "rsa",
        }
    }
}

/// What the bastion saw. Shared by the sessions and the test.
#[derive(Default)]
struct Seen {
    connections: usize,
    passwords: Vec<(String, String)>,
    publickeys: Vec<(String, String)>,
    channel_targets: Vec<(String, u32)>,
    forwarded: usize,
}

#[derive(Default)]
pub struct HostileSshBuilder {
    key_type: HostKeyType,
    target: Option<u16>,
    port: Option<u16>,
}

impl HostileSshBuilder {
    /// The host key's type (ed25519 by default).
    pub fn host_key_type(mut self, kind: HostKeyType) -> Self {
        self.key_type = kind;
        self
    }

    /// Where every `direct-tcpip` channel goes: `127.0.0.1:port`, whatever
    /// the client asked for. Without one, channels are refused (after being
    /// recorded).
    pub fn target(mut self, port: u16) -> Self {
        self.target = Some(port);
        self
    }

    /// Listen on this port (e.g. the port of a real sshd just stopped: an
    /// impostor on the bastion's address) instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    pub fn start(self) -> HostileSsh {
        let dir = tempfile::Builder::new().prefix("sluice-hostile-ssh-").tempdir().expect("tempdir");
        let kind = self.key_type.keygen_name();
        let key_file = dir.path().join(format!("host_{kind}"));
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", "", "-C", "hostile-bastion", "-f"])
            .arg(&key_file)
            .output()
            .expect("ssh-keygen is missing (openssh-client)");
        assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
        let private = russh::keys::load_secret_key(&key_file, None).expect("load the host key");
        let public = std::fs::read_to_string(key_file.with_extension("pub")).expect("public key");
        let host_key = public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let fingerprint = fingerprint(&key_file.with_extension("pub"));

        let seen = Arc::new(Mutex::new(Seen::default()));
        let target = Arc::new(Mutex::new(self.target));
        let (port_tx, port_rx) = std::sync::mpsc::channel::<Result<u16, String>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (state, to) = (seen.clone(), target.clone());
        let wanted = self.port.unwrap_or(0);
        let thread = std::thread::Builder::new()
            .name("hostile-ssh".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = port_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                rt.block_on(async move {
                    // The port may have just been let go by a real sshd: retry a little.
                    let mut listener = None;
                    let mut last = String::new();
                    for _ in 0..100 {
                        match tokio::net::TcpListener::bind(("127.0.0.1", wanted)).await {
                            Ok(l) => {
                                listener = Some(l);
                                break;
                            }
                            Err(e) => {
                                last = e.to_string();
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                    }
                    let Some(listener) = listener else {
                        let _ = port_tx.send(Err(format!("bind 127.0.0.1:{wanted}: {last}")));
                        return;
                    };
                    let _ = port_tx.send(listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string()));
                    let config = Arc::new(russh::server::Config {
                        keys: vec![private],
                        auth_rejection_time: Duration::from_millis(10),
                        auth_rejection_time_initial: Some(Duration::from_millis(0)),
                        inactivity_timeout: Some(Duration::from_secs(120)),
                        ..Default::default()
                    });
                    let mut server = Bastion { seen: state, target: to };
                    let running = server.run_on_socket(config, &listener);
                    let handle = running.handle();
                    tokio::select! {
                        _ = running => {}
                        _ = stop_rx => handle.shutdown("stopping".into()),
                    }
                });
                // Dropping the runtime ends every session's task.
            })
            .expect("spawn the hostile bastion");
        let port = match port_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => panic!("the hostile bastion did not start: {e}"),
            Err(e) => panic!("the hostile bastion did not start: {e}"),
        };
        HostileSsh { _dir: dir, port, host_key, fingerprint, seen, target, stop: Some(stop_tx), thread: Some(thread) }
    }
}

fn fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen").arg("-lf").arg(public).output().expect("ssh-keygen");
    String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).unwrap_or_default().to_owned()
}

/// A running hostile bastion; stopped on drop.
pub struct HostileSsh {
    _dir: tempfile::TempDir,
    port: u16,
    host_key: String,
    fingerprint: String,
    seen: Arc<Mutex<Seen>>,
    target: Arc<Mutex<Option<u16>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl HostileSsh {
    pub fn builder() -> HostileSshBuilder {
        HostileSshBuilder::default()
    }

    /// An ed25519 bastion whose channels all go to `127.0.0.1:target`.
    pub fn start(target: u16) -> HostileSsh {
        HostileSsh::builder().target(target).start()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `sluice-ssh@127.0.0.1:PORT` (the login of the real test sshd, so only
    /// the port tells them apart), as `--ssh` takes it.
    pub fn spec(&self) -> String {
        format!("{}@127.0.0.1:{}", crate::sshd::USER, self.port)
    }

    /// The host key, `type base64` (what a connection pins).
    pub fn host_key(&self) -> &str {
        &self.host_key
    }

    /// `ssh-keygen -lf` of the host key: `SHA256:…`.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// This bastion's known_hosts line.
    pub fn known_hosts_line(&self) -> String {
        format!("[127.0.0.1]:{} {}", self.port, self.host_key)
    }

    /// Sends later channels to `127.0.0.1:port` instead.
    pub fn set_target(&self, port: Option<u16>) {
        *self.target.lock().unwrap() = port;
    }

    /// How many TCP connections it accepted (SSH sessions begun).
    pub fn connections(&self) -> usize {
        self.seen.lock().unwrap().connections
    }

    /// Every `(user, password)` it was sent, in order (keyboard-interactive answers too).
    pub fn passwords(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().passwords.clone()
    }

    /// Every `(user, public key in openssh form)` a client offered.
    pub fn publickeys(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().publickeys.clone()
    }

    /// Every `(host, port)` a `direct-tcpip` channel asked for.
    pub fn channel_targets(&self) -> Vec<(String, u32)> {
        self.seen.lock().unwrap().channel_targets.clone()
    }

    /// How many channels were connected to the target.
    pub fn forwarded(&self) -> usize {
        self.seen.lock().unwrap().forwarded
    }
}

impl Drop for HostileSsh {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Clone)]
struct Bastion {
    seen: Arc<Mutex<Seen>>,
    target: Arc<Mutex<Option<u16>>>,
}

impl russh::server::Server for Bastion {
    type Handler = Bastion;
    fn new_client(&mut self, _peer: Option<std::net::SocketAddr>) -> Bastion {
        self.seen.lock().unwrap().connections += 1;
        self.clone()
    }
}

impl russh::server::Handler for Bastion {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        self.seen.lock().unwrap().passwords.push((user.to_owned(), password.to_owned()));
        Ok(Auth::Accept)
    }

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        let key = offer.public_key.to_openssh().unwrap_or_else(|e| format!("(unprintable key: {e})"));
        self.seen.lock().unwrap().publickeys.push((user.to_owned(), key));
        // Refused: a client goes on to its password, which is what this bastion wants.
        Ok(Auth::reject())
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        match response {
            None => Ok(Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(""),
                prompts: Cow::Owned(vec![(Cow::Borrowed("Password: "), false)]),
            }),
            Some(answers) => {
                let mut seen = self.seen.lock().unwrap();
                for a in answers {
                    seen.passwords.push((user.to_owned(), String::from_utf8_lossy(&a).into_owned()));
                }
                Ok(Auth::Accept)
            }
        }
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.seen.lock().unwrap().channel_targets.push((host_to_connect.to_owned(), port_to_connect));
        let target = *self.target.lock().unwrap();
        let Some(port) = target else {
            reply.reject(russh::ChannelOpenFailure::AdministrativelyProhibited).await;
            return Ok(());
        };
        match tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            Ok(mut tcp) => {
                reply.accept().await;
                self.seen.lock().unwrap().forwarded += 1;
                tokio::spawn(async move {
                    let mut stream = channel.into_stream();
                    let _ = tokio::io::copy_bidirectional(&mut stream, &mut tcp).await;
                });
            }
            Err(_) => reply.reject(russh::ChannelOpenFailure::ConnectFailed).await,
        }
        Ok(())
    }
}
