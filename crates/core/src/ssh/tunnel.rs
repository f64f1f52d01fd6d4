//! Opening the chain: TCP to the first hop, then for each hop the SSH
//! handshake (with the host key check), the login, and a `direct-tcpip`
//! channel to the next hop or, from the last, to the database. The probe
//! runs TLS and the Postgres startup straight over that channel: no local
//! port, no `ssh` process, and `verify-full` checks the database's real name.
//!
//! Each hop reports three stages (`ssh_connect`, `ssh_auth`, `ssh_channel`)
//! with its index and address; the probe's deadline and cancel drop the
//! sessions, which closes them.

use super::config::Resolved;
use super::failure::{At, SshFailure};
use super::keys::{self, KeyError};
use super::known_hosts::{self, Presented, Verdict};
use crate::outcome::{Stage, StepStatus};
use crate::secret::Secret;
use russh::client::{self, Handle, Msg};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelOpenFailure, ChannelStream, MethodKind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The tunnel's secrets, from the keyring or typed in: one set for every
/// hop (the password for password logins, the passphrase for encrypted keys,
/// a pasted private key for `Key` logins without a key file).
#[derive(Debug, Clone, Default)]
pub struct SshSecrets {
    pub password: Option<Secret>,
    pub passphrase: Option<Secret>,
    pub private_key: Option<Secret>,
}

/// Where the probe reports stage transitions (implemented by its tracker).
pub(crate) trait StageSink {
    fn start(&self, stage: Stage, hop: usize, host: String);
    fn finish(&self, status: StepStatus, detail: Option<String>);
}

/// An open chain of SSH sessions; `channel` opens streams from the last.
pub(crate) struct Chain {
    sessions: Vec<Handle<HopHandler>>,
    states: Vec<Arc<Mutex<HopState>>>,
    hops: Vec<Resolved>,
}

#[derive(Default)]
struct HopState {
    presented: Option<Presented>,
    verdict: Option<Verdict>,
    learn_error: Option<std::io::Error>,
    open_failure: Option<String>,
}

struct HopHandler {
    host: String,
    port: u16,
    pinned: Option<String>,
    files: Vec<PathBuf>,
    accept_new: bool,
    state: Arc<Mutex<HopState>>,
}

fn lock(m: &Mutex<HopState>) -> std::sync::MutexGuard<'_, HopState> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl client::Handler for HopHandler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = key.public_key();
        let presented = known_hosts::present(&key);
        let mut verdict = known_hosts::check(
            &self.host,
            self.port,
            &key,
            self.pinned.as_deref(),
            &self.files,
        );
        let mut state = lock(&self.state);
        if verdict == Verdict::Unknown && self.accept_new {
            match known_hosts::learn(&self.host, self.port, &presented.openssh, &self.files[0]) {
                Ok(()) => verdict = Verdict::Known,
                Err(e) => state.learn_error = Some(e),
            }
        }
        state.presented = Some(presented);
        let ok = verdict == Verdict::Known;
        state.verdict = Some(verdict);
        Ok(ok)
    }

    async fn channel_open_failure(
        &mut self,
        _channel: russh::ChannelId,
        reason: ChannelOpenFailure,
        description: &str,
        _language: &str,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        lock(&self.state).open_failure = Some(format!("{}: {description}", reason_text(&reason)));
        Ok(())
    }
}

fn reason_text(r: &ChannelOpenFailure) -> String {
    match r {
        ChannelOpenFailure::AdministrativelyProhibited => "administratively prohibited".into(),
        ChannelOpenFailure::ConnectFailed => "connect failed".into(),
        ChannelOpenFailure::UnknownChannelType => "unknown channel type".into(),
        ChannelOpenFailure::ResourceShortage => "resource shortage".into(),
        ChannelOpenFailure::Other { code, reason } => format!("{reason} (code {code})"),
    }
}

fn config(keepalive: Duration) -> Arc<client::Config> {
    Arc::new(client::Config {
        // A tester's session is short; these only bound a session that was
        // left behind (a cancel during the key exchange).
        inactivity_timeout: Some(Duration::from_secs(60)),
        keepalive_interval: Some(keepalive),
        keepalive_max: 3,
        nodelay: true,
        ..client::Config::default()
    })
}

/// Like OpenSSH: when known_hosts already records keys of some types for
/// this host, ask the server for those types first, so that a host known
/// under ecdsa is not met as "unknown" under ed25519.
fn preferred_for(host: &str, port: u16, files: &[PathBuf]) -> russh::Preferred {
    let mut preferred = russh::Preferred::default();
    let recorded = known_hosts::recorded_algorithms(host, port, files);
    if !recorded.is_empty() {
        let mut keys: Vec<_> = preferred
            .key
            .iter()
            .filter(|a| recorded.iter().any(|r| same_family(r, a)))
            .cloned()
            .collect();
        keys.extend(
            preferred
                .key
                .iter()
                .filter(|a| !recorded.iter().any(|r| same_family(r, a)))
                .cloned(),
        );
        preferred.key = keys.into();
    }
    preferred
}

/// RSA host keys are negotiated as rsa-sha2-256/512 but recorded as ssh-rsa.
fn same_family(recorded: &russh::keys::Algorithm, offered: &russh::keys::Algorithm) -> bool {
    use russh::keys::Algorithm as A;
    matches!((recorded, offered), (A::Rsa { .. }, A::Rsa { .. })) || recorded == offered
}

/// Dials the first hop and walks the chain; returns the open sessions.
pub(crate) async fn open(
    hops: &[Resolved],
    secrets: &SshSecrets,
    accept_new: bool,
    sink: &(dyn StageSink + Sync),
) -> Result<Chain, SshFailure> {
    let mut chain = Chain {
        sessions: Vec::new(),
        states: Vec::new(),
        hops: hops.to_vec(),
    };
    for (i, hop) in hops.iter().enumerate() {
        let at = At {
            hop: i,
            server: hop.display(),
        };
        // From the second hop on, the way in is a channel of the hop before.
        let through = if i == 0 {
            None
        } else {
            sink.start(Stage::SshChannel, i - 1, hop.display());
            match chain.channel(&hop.hostname, hop.port).await {
                Ok(stream) => {
                    sink.finish(
                        StepStatus::Ok,
                        Some(format!("to {}:{}", hop.hostname, hop.port)),
                    );
                    Some(stream)
                }
                Err(e) => {
                    sink.finish(StepStatus::Failed, None);
                    return Err(e);
                }
            }
        };
        sink.start(Stage::SshConnect, i, hop.display());
        let state = Arc::new(Mutex::new(HopState::default()));
        let handler = HopHandler {
            host: hop.hostname.clone(),
            port: hop.port,
            pinned: hop.host_key.clone(),
            files: hop.known_hosts.clone(),
            accept_new,
            state: state.clone(),
        };
        let mut cfg = config(Duration::from_secs(15));
        if let Some(c) = Arc::get_mut(&mut cfg) {
            c.preferred = preferred_for(&hop.hostname, hop.port, &hop.known_hosts);
        }
        let connected = match through {
            None => {
                let tcp = dial(hop, &at)
                    .await
                    .inspect_err(|_| sink.finish(StepStatus::Failed, None))?;
                client::connect_stream(cfg, tcp, handler).await
            }
            Some(stream) => client::connect_stream(cfg, stream, handler).await,
        };
        let mut session = match connected {
            Ok(s) => s,
            Err(e) => {
                sink.finish(StepStatus::Failed, None);
                return Err(host_key_failure(&state, hop, &at)
                    .unwrap_or_else(|| protocol(at, Stage::SshConnect, &e)));
            }
        };
        let presented = lock(&state).presented.clone();
        sink.finish(
            StepStatus::Ok,
            presented.map(|p| format!("{} {}", p.key_type, p.fingerprint)),
        );

        sink.start(Stage::SshAuth, i, hop.display());
        match login(&mut session, hop, secrets, &at).await {
            Ok(how) => sink.finish(StepStatus::Ok, Some(format!("{} by {how}", hop.user))),
            Err(e) => {
                sink.finish(StepStatus::Failed, None);
                return Err(e);
            }
        }
        chain.sessions.push(session);
        chain.states.push(state);
    }
    Ok(chain)
}

async fn dial(hop: &Resolved, at: &At) -> Result<tokio::net::TcpStream, SshFailure> {
    let addrs: Vec<std::net::SocketAddr> =
        match tokio::net::lookup_host((hop.hostname.as_str(), hop.port)).await {
            Ok(a) => a.collect(),
            Err(error) => {
                return Err(SshFailure::Dns {
                    at: at.clone(),
                    host: hop.hostname.clone(),
                    error,
                })
            }
        };
    let mut last = None;
    for addr in addrs {
        let attempt = match hop.connect_timeout {
            Some(t) => tokio::time::timeout(t, tokio::net::TcpStream::connect(addr))
                .await
                .unwrap_or_else(|_| {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "ConnectTimeout from ~/.ssh/config",
                    ))
                }),
            None => tokio::net::TcpStream::connect(addr).await,
        };
        match attempt {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some((addr.to_string(), e)),
        }
    }
    let (addr, error) = last.unwrap_or_else(|| {
        (
            hop.hostname.clone(),
            std::io::Error::other("the name has no address"),
        )
    });
    Err(SshFailure::Connect {
        at: at.clone(),
        addr,
        error,
    })
}

fn host_key_failure(state: &Arc<Mutex<HopState>>, hop: &Resolved, at: &At) -> Option<SshFailure> {
    let s = lock(state);
    let key = s.presented.clone()?;
    if let Some(error) = s.learn_error.as_ref() {
        return Some(SshFailure::KnownHostsWrite {
            at: at.clone(),
            file: hop.known_hosts[0].clone(),
            error: std::io::Error::new(error.kind(), error.to_string()),
        });
    }
    Some(match s.verdict.clone()? {
        Verdict::Known => return None,
        Verdict::Unknown => SshFailure::HostKeyUnknown {
            at: at.clone(),
            host: hop.hostname.clone(),
            port: hop.port,
            key,
            record_in: hop.known_hosts[0].clone(),
        },
        Verdict::Changed { file, line } => SshFailure::HostKeyChanged {
            at: at.clone(),
            key,
            file,
            line,
        },
        Verdict::PinnedMismatch => SshFailure::HostKeyPinnedMismatch {
            at: at.clone(),
            key,
        },
        Verdict::Revoked { file, line } => SshFailure::HostKeyRevoked {
            at: at.clone(),
            key,
            file,
            line,
        },
        Verdict::OtherType { file, line, recorded } => SshFailure::HostKeyOtherType {
            at: at.clone(),
            key,
            recorded,
            file,
            line,
        },
    })
}

fn protocol(at: At, stage: Stage, e: &dyn std::fmt::Display) -> SshFailure {
    SshFailure::Protocol {
        at,
        stage,
        detail: e.to_string(),
    }
}

/// What a failed login attempt left: the methods the server still offers.
fn offered(r: &russh::client::AuthResult) -> Vec<String> {
    match r {
        russh::client::AuthResult::Success => Vec::new(),
        russh::client::AuthResult::Failure {
            remaining_methods, ..
        } => remaining_methods
            .iter()
            .map(|m: &MethodKind| <&str>::from(m).to_owned())
            .collect(),
    }
}

/// Logs in with the hop's method(s), in ssh's order (the agent, the key,
/// the password); returns how ("publickey (agent)", …).
async fn login(
    session: &mut Handle<HopHandler>,
    hop: &Resolved,
    secrets: &SshSecrets,
    at: &At,
) -> Result<String, SshFailure> {
    use super::model::Auth;
    let mut l = Login { hop, at, tried: Vec::new(), offered: Vec::new(), key_problem: None };
    if matches!(hop.auth, Auth::Auto | Auth::Agent) {
        if let Some(how) = l.agent(session).await? {
            return Ok(how);
        }
    }
    if matches!(hop.auth, Auth::Auto | Auth::Key) {
        if let Some(how) = l.keys(session, secrets).await? {
            return Ok(how);
        }
    }
    if matches!(hop.auth, Auth::Auto | Auth::Password) {
        if let Some(how) = l.password(session, secrets).await? {
            return Ok(how);
        }
    }
    l.failed(session).await
}

/// What a login tried so far.
struct Login<'a> {
    hop: &'a Resolved,
    at: &'a At,
    tried: Vec<String>,
    /// The methods the server said it takes.
    offered: Vec<String>,
    /// A key problem met on the way, reported if nothing else works.
    key_problem: Option<SshFailure>,
}

impl Login<'_> {
    async fn agent(&mut self, session: &mut Handle<HopHandler>) -> Result<Option<String>, SshFailure> {
        use super::model::Auth;
        let only = self.hop.auth == Auth::Agent;
        match self.hop.agent.as_deref() {
            Some(path) => match agent_login(session, &self.hop.user, path).await {
                Ok(Some(comment)) => return Ok(Some(format!("publickey (agent: {comment})"))),
                Ok(None) => self.tried.push("the agent's keys".into()),
                Err(why) if only => return Err(SshFailure::Agent { at: self.at.clone(), why }),
                Err(_) => {}
            },
            None if only => return Err(SshFailure::Agent { at: self.at.clone(), why: "no agent: SSH_AUTH_SOCK is not set".into() }),
            None => {}
        }
        Ok(None)
    }

    /// The key files, else (or also, for Key) the pasted key.
    async fn keys(&mut self, session: &mut Handle<HopHandler>, secrets: &SshSecrets) -> Result<Option<String>, SshFailure> {
        let hop = self.hop;
        let mut candidates: Vec<(String, Result<PrivateKey, KeyError>)> = Vec::new();
        for (n, path) in hop.identities.iter().enumerate() {
            let explicit = n == 0 && hop.explicit_identity;
            if explicit || path.exists() {
                candidates.push((path.display().to_string(), keys::load(path, secrets.passphrase.as_ref())));
            }
        }
        if let Some(pasted) = &secrets.private_key {
            candidates.push(("(pasted key)".into(), keys::decode(pasted.expose(), secrets.passphrase.as_ref())));
        }
        if candidates.is_empty() && hop.auth == super::model::Auth::Key {
            return Err(SshFailure::KeyInvalid { at: self.at.clone(), key: "(none)".into(), why: "no key file and no pasted key".into() });
        }
        for (name, key) in candidates {
            let key = match key {
                Ok(key) => key,
                Err(e) => {
                    let at = self.at.clone();
                    self.key_problem.get_or_insert(match e {
                        KeyError::PassphraseMissing => SshFailure::KeyPassphrase { at, key: name, missing: true },
                        KeyError::WrongPassphrase => SshFailure::KeyPassphrase { at, key: name, missing: false },
                        KeyError::Invalid(why) | KeyError::Unreadable(why) => SshFailure::KeyInvalid { at, key: name, why },
                    });
                    continue;
                }
            };
            let hash = session_rsa_hash(session).await;
            let r = session
                .authenticate_publickey(hop.user.clone(), PrivateKeyWithHashAlg::new(Arc::new(key), hash))
                .await
                .map_err(|e| protocol(self.at.clone(), Stage::SshAuth, &e))?;
            if r.success() {
                return Ok(Some(format!("publickey ({name})")));
            }
            self.offered = offered(&r);
            self.tried.push(format!("the key {name}"));
        }
        Ok(None)
    }

    async fn password(&mut self, session: &mut Handle<HopHandler>, secrets: &SshSecrets) -> Result<Option<String>, SshFailure> {
        let user = self.hop.user.clone();
        let Some(password) = &secrets.password else {
            if self.hop.auth == super::model::Auth::Password {
                self.tried.push("no password (none was given)".into());
            }
            return Ok(None);
        };
        let r = session.authenticate_password(user.clone(), password.expose()).await.map_err(|e| protocol(self.at.clone(), Stage::SshAuth, &e))?;
        if r.success() {
            return Ok(Some("password".into()));
        }
        let offers = offered(&r);
        // Bastions that take passwords through PAM's prompt only.
        if offers.iter().any(|m| m == "keyboard-interactive") && keyboard_interactive(session, &user, password).await {
            return Ok(Some("keyboard-interactive".into()));
        }
        self.offered = offers;
        self.tried.push("the password".into());
        Ok(None)
    }

    /// Nothing worked: a key problem met on the way, or what the server takes.
    async fn failed(mut self, session: &mut Handle<HopHandler>) -> Result<String, SshFailure> {
        if let Some(problem) = self.key_problem.take() {
            if self.tried.is_empty() || self.hop.auth == super::model::Auth::Key {
                return Err(problem);
            }
        }
        if self.offered.is_empty() {
            // Ask, so the error can say what the server takes.
            if let Ok(r) = session.authenticate_none(self.hop.user.clone()).await {
                if r.success() {
                    return Ok("none".into());
                }
                self.offered = offered(&r);
            }
        }
        Err(SshFailure::AuthFailed { at: self.at.clone(), user: self.hop.user.clone(), tried: self.tried, offered: self.offered })
    }
}

async fn session_rsa_hash(session: &Handle<HopHandler>) -> Option<HashAlg> {
    session
        .best_supported_rsa_hash()
        .await
        .ok()
        .flatten()
        .flatten()
}

async fn keyboard_interactive(
    session: &mut Handle<HopHandler>,
    user: &str,
    password: &Secret,
) -> bool {
    use russh::client::KeyboardInteractiveAuthResponse as R;
    let Ok(mut r) = session
        .authenticate_keyboard_interactive_start(user.to_owned(), None::<String>)
        .await
    else {
        return false;
    };
    for _ in 0..4 {
        match r {
            R::Success => return true,
            R::Failure { .. } => return false,
            R::InfoRequest { prompts, .. } => {
                let answers = prompts
                    .iter()
                    .map(|_| password.expose().to_owned())
                    .collect();
                match session
                    .authenticate_keyboard_interactive_respond(answers)
                    .await
                {
                    Ok(next) => r = next,
                    Err(_) => return false,
                }
            }
        }
    }
    false
}

/// Tries each of the agent's keys; `Ok(Some(comment))` on success,
/// `Ok(None)` when none is accepted, `Err` when the agent cannot be used.
async fn agent_login(
    session: &mut Handle<HopHandler>,
    user: &str,
    path: &str,
) -> Result<Option<String>, String> {
    let mut agent = connect_agent(path).await?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|e| format!("the agent did not list its keys: {e}"))?;
    if identities.is_empty() {
        return Err("the agent holds no keys (ssh-add)".into());
    }
    let hash = session_rsa_hash(session).await;
    for id in identities {
        let comment = match &id {
            russh::keys::agent::AgentIdentity::PublicKey { comment, .. } => comment.clone(),
            russh::keys::agent::AgentIdentity::Certificate { comment, .. } => comment.clone(),
        };
        let key = id.public_key().into_owned();
        match session
            .authenticate_publickey_with(user.to_owned(), key, hash, &mut agent)
            .await
        {
            Ok(r) if r.success() => {
                return Ok(Some(if comment.is_empty() {
                    "key".into()
                } else {
                    comment
                }))
            }
            Ok(_) => {}
            Err(e) => return Err(format!("the agent did not sign: {e}")),
        }
    }
    Ok(None)
}

type DynAgent = russh::keys::agent::client::AgentClient<
    Box<dyn russh::keys::agent::client::AgentStream + Send + Unpin + 'static>,
>;

#[cfg(unix)]
async fn connect_agent(path: &str) -> Result<DynAgent, String> {
    russh::keys::agent::client::AgentClient::connect_uds(path)
        .await
        .map(|a| a.dynamic())
        .map_err(|e| format!("cannot reach the agent at {path}: {e}"))
}

#[cfg(windows)]
async fn connect_agent(path: &str) -> Result<DynAgent, String> {
    use russh::keys::agent::client::AgentClient;
    if path.starts_with(r"\\.\pipe\") {
        return AgentClient::connect_named_pipe(path)
            .await
            .map(|a| a.dynamic())
            .map_err(|e| format!("cannot reach the agent at {path}: {e}"));
    }
    if let Ok(a) = AgentClient::connect_named_pipe(r"\\.\pipe\openssh-ssh-agent").await {
        return Ok(a.dynamic());
    }
    AgentClient::connect_pageant()
        .await
        .map(|a| a.dynamic())
        .map_err(|e| format!("no OpenSSH agent pipe and no Pageant: {e}"))
}

impl Chain {
    /// A `direct-tcpip` channel from the last hop to `host:port` (resolved
    /// by the bastion).
    pub(crate) async fn channel(
        &self,
        host: &str,
        port: u16,
    ) -> Result<ChannelStream<Msg>, SshFailure> {
        let i = self
            .sessions
            .len()
            .checked_sub(1)
            .ok_or_else(|| SshFailure::Settings("no SSH session is open".into()))?;
        let at = At {
            hop: i,
            server: self.hops[i].display(),
        };
        match self.sessions[i]
            .channel_open_direct_tcpip(host, u32::from(port), "127.0.0.1", 0)
            .await
        {
            Ok(channel) => Ok(channel.into_stream()),
            Err(russh::Error::ChannelOpenFailure(reason)) => {
                // The server's words arrive through the handler, maybe a moment later.
                let mut description = None;
                for _ in 0..20 {
                    description = lock(&self.states[i]).open_failure.take();
                    if description.is_some() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let text = description.unwrap_or_else(|| reason_text(&reason));
                let (reason, description) = match text.split_once(": ") {
                    Some((r, d)) => (r.to_owned(), d.to_owned()),
                    None => (text, String::new()),
                };
                Err(SshFailure::ChannelRefused {
                    at,
                    target: format!("{host}:{port}"),
                    reason,
                    description,
                })
            }
            Err(e) => Err(protocol(at, Stage::SshChannel, &e)),
        }
    }

    /// Ends every session, innermost first.
    pub(crate) async fn close(self) {
        for s in self.sessions.iter().rev() {
            let _ = s
                .disconnect(russh::Disconnect::ByApplication, "", "en")
                .await;
        }
    }

    pub(crate) fn last(&self) -> &Resolved {
        &self.hops[self.hops.len() - 1]
    }
}
