//! Every way a tunnel can fail, and what the report says about it: an
//! error code, one sentence naming the hop, and a hint that names the fix.

use super::known_hosts::Presented;
use crate::outcome::{ErrorCode, HostKeyPrompt, ProbeError, Stage};
use std::path::PathBuf;

/// The hop a failure happened at.
#[derive(Debug, Clone)]
pub struct At {
    /// 0-based, in dialling order.
    pub hop: usize,
    /// `user@host:port`.
    pub server: String,
}

#[derive(Debug)]
pub enum SshFailure {
    /// The tunnel's settings cannot work (no host, a bad known_hosts…).
    Settings(String),
    Dns {
        at: At,
        host: String,
        error: std::io::Error,
    },
    Connect {
        at: At,
        addr: String,
        error: std::io::Error,
    },
    HostKeyUnknown {
        at: At,
        host: String,
        port: u16,
        key: Presented,
        record_in: PathBuf,
    },
    HostKeyChanged {
        at: At,
        key: Presented,
        file: PathBuf,
        line: usize,
    },
    HostKeyPinnedMismatch {
        at: At,
        key: Presented,
    },
    HostKeyRevoked {
        at: At,
        key: Presented,
        file: PathBuf,
        line: usize,
    },
    /// Only keys of other types are recorded for the host.
    HostKeyOtherType {
        at: At,
        key: Presented,
        recorded: Presented,
        file: PathBuf,
        line: usize,
    },
    /// Recording an accepted key failed.
    KnownHostsWrite {
        at: At,
        file: PathBuf,
        error: std::io::Error,
    },
    AuthFailed {
        at: At,
        user: String,
        tried: Vec<String>,
        offered: Vec<String>,
    },
    KeyPassphrase {
        at: At,
        key: String,
        missing: bool,
    },
    KeyInvalid {
        at: At,
        key: String,
        why: String,
    },
    /// The agent was asked for but cannot be reached.
    Agent {
        at: At,
        why: String,
    },
    ChannelRefused {
        at: At,
        target: String,
        reason: String,
        description: String,
    },
    Protocol {
        at: At,
        stage: Stage,
        detail: String,
    },
}

impl SshFailure {
    pub fn into_probe_error(self) -> ProbeError {
        use ErrorCode as C;
        use SshFailure as F;
        let this = match self.host_key_error() {
            Ok(e) => return e,
            Err(other) => other,
        };
        match this {
            F::Settings(msg) => ProbeError::new(C::InvalidSettings, Stage::SshConnect, format!("The SSH tunnel settings are invalid: {msg}."), "Fix the SSH tunnel settings and test again."),
            F::Dns { at, host, error } => {
                let mut e = ProbeError::new(
                    C::SshDns,
                    Stage::SshConnect,
                    format!("The SSH host name \"{host}\" (hop {}) could not be resolved.", at.hop + 1),
                    "Check the bastion's host name for typos, or its HostName in ~/.ssh/config. If it resolves elsewhere, check this machine's DNS or VPN.",
                );
                e.detail = Some(error.to_string());
                e
            }
            F::Connect { at, addr, error } => {
                let refused = error.kind() == std::io::ErrorKind::ConnectionRefused;
                let mut e = ProbeError::new(
                    if refused { C::SshRefused } else { C::SshTimeout },
                    Stage::SshConnect,
                    if refused {
                        format!("Nothing accepts SSH connections at {addr} (hop {}, {}).", at.hop + 1, at.server)
                    } else {
                        format!("The SSH server {addr} (hop {}, {}) could not be reached: {error}.", at.hop + 1, at.server)
                    },
                    if refused {
                        "Check the bastion's address and port (SSH listens on 22 unless configured otherwise), and that sshd runs there."
                    } else {
                        "Check the address and port, and that a firewall or security group lets this machine reach the bastion."
                    },
                );
                e.detail = Some(error.to_string());
                e
            }
            F::AuthFailed { at, user, tried, offered } => {
                let tried_s = if tried.is_empty() { "nothing it accepts".to_owned() } else { tried.join(", ") };
                let offered_s = if offered.is_empty() { "none".to_owned() } else { offered.join(", ") };
                let mut e = ProbeError::new(
                    C::SshAuthFailed,
                    Stage::SshAuth,
                    format!(
                        "The SSH server {} (hop {}) refused {user}: Sluice tried {tried_s}; the server accepts {offered_s}.",
                        at.server,
                        at.hop + 1
                    ),
                    "Check the SSH user, and give a credential the server accepts: a key whose public half is in the user's ~/.ssh/authorized_keys on the bastion, the agent holding it (ssh-add), or the password.",
                );
                e.detail = Some(format!("methods the server offered: {offered_s}"));
                e
            }
            F::KeyPassphrase { at, key, missing } => ProbeError::new(
                C::SshKeyPassphrase,
                Stage::SshAuth,
                if missing {
                    format!("The SSH key {key} (hop {}) is encrypted and no passphrase was given.", at.hop + 1)
                } else {
                    format!("The passphrase does not open the SSH key {key} (hop {}).", at.hop + 1)
                },
                "Enter the key's passphrase (SSH key passphrase in the form, --ssh-passphrase-stdin on the CLI); Sluice keeps it in the keyring. Or load the key into ssh-agent and use the agent.",
            ),
            F::KeyInvalid { at, key, why } => {
                let mut e = ProbeError::new(
                    C::SshKeyInvalid,
                    Stage::SshAuth,
                    format!("The SSH key {key} (hop {}) cannot be used: {why}.", at.hop + 1),
                    "Give an OpenSSH or PEM private key (ed25519, ecdsa or rsa), as ssh-keygen writes it.",
                );
                e.detail = Some(why);
                e
            }
            F::Agent { at, why } => ProbeError::new(
                C::SshAuthFailed,
                Stage::SshAuth,
                format!("The SSH agent cannot be used for {} (hop {}): {why}.", at.server, at.hop + 1),
                "Start ssh-agent and add the key (ssh-add), and make sure SSH_AUTH_SOCK is set where Sluice starts; or use a key file or the password.",
            ),
            F::ChannelRefused { at, target, reason, description } => {
                let why = if description.is_empty() { reason.clone() } else { format!("{reason}: {description}") };
                let mut e = ProbeError::new(
                    C::SshChannelRefused,
                    Stage::SshChannel,
                    format!("The SSH server {} (hop {}) would not open a channel to {target} ({why}).", at.server, at.hop + 1),
                    "Check that the bastion allows TCP forwarding (AllowTcpForwarding, PermitOpen in its sshd_config) and that it can reach the target host and port itself (its DNS, routes and firewall).",
                );
                e.detail = Some(why);
                e
            }
            F::HostKeyUnknown { .. } | F::HostKeyChanged { .. } | F::HostKeyPinnedMismatch { .. } | F::HostKeyRevoked { .. } | F::HostKeyOtherType { .. } | F::KnownHostsWrite { .. } => {
                // Handled by host_key_error above; kept so the match stays exhaustive.
                ProbeError::new(C::SshHostKeyMismatch, Stage::SshConnect, "The SSH host key could not be checked.".into(), "Test again.")
            }
            F::Protocol { at, stage, detail } => {
                let mut e = ProbeError::new(
                    C::SshProtocol,
                    stage,
                    format!("The SSH conversation with {} (hop {}) failed: {detail}.", at.server, at.hop + 1),
                    "Check that the port is an SSH server's (not another service), and that it supports modern algorithms (curve25519 or ECDH, AES-GCM or ChaCha20).",
                );
                e.detail = Some(detail);
                e
            }
        }
    }
}

impl SshFailure {
    /// The host key failures (what the server showed, against what is
    /// recorded or pinned), or the failure back when it is another kind.
    fn host_key_error(self) -> Result<ProbeError, SshFailure> {
        use ErrorCode as C;
        use SshFailure as F;
        Ok(match self {
            F::HostKeyUnknown { at, host, port, key, record_in } => {
                let mut e = ProbeError::new(
                    C::SshHostKeyUnknown,
                    Stage::SshConnect,
                    format!(
                        "The SSH server {} (hop {}) is not known yet: its {} host key has the fingerprint {}.",
                        at.server,
                        at.hop + 1,
                        key.key_type,
                        key.fingerprint
                    ),
                    "Compare the fingerprint with the one the server's administrator gives you (`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the server). If they match, accept the key: Sluice records it in your known_hosts, as ssh does.",
                );
                e.detail = Some(format!("{} {}", key.key_type, key.fingerprint));
                e.host_key = Some(HostKeyPrompt {
                    hop: at.hop,
                    host,
                    port,
                    key_type: key.key_type,
                    fingerprint: key.fingerprint,
                    key: key.openssh,
                    known_hosts: record_in.to_string_lossy().into_owned(),
                });
                e
            }
            F::HostKeyChanged { at, key, file, line } => {
                let mut e = ProbeError::new(
                    C::SshHostKeyMismatch,
                    Stage::SshConnect,
                    format!(
                        "WARNING: the host key of {} (hop {}) has changed. Its {} key is now {}, but {} line {line} records another one. Someone could be intercepting the connection, or the server was reinstalled.",
                        at.server,
                        at.hop + 1,
                        key.key_type,
                        key.fingerprint,
                        file.display()
                    ),
                    "Do not connect until the server's administrator confirms the new key. If it is legitimate, remove the old line (`ssh-keygen -R HOST`) and test again.",
                );
                e.detail = Some(format!("{} {}; recorded at {}:{line}", key.key_type, key.fingerprint, file.display()));
                e
            }
            F::HostKeyPinnedMismatch { at, key } => {
                let mut e = ProbeError::new(
                    C::SshHostKeyMismatch,
                    Stage::SshConnect,
                    format!(
                        "WARNING: the host key of {} (hop {}) is not the one pinned in this connection: the server presented {} {}.",
                        at.server,
                        at.hop + 1,
                        key.key_type,
                        key.fingerprint
                    ),
                    "Do not connect until the server's administrator confirms the key. If it changed legitimately, update the pinned host key.",
                );
                e.detail = Some(format!("{} {}", key.key_type, key.fingerprint));
                e
            }
            F::HostKeyRevoked { at, key, file, line } => {
                let mut e = ProbeError::new(
                    C::SshHostKeyMismatch,
                    Stage::SshConnect,
                    format!("The host key of {} (hop {}) is revoked ({} line {line}).", at.server, at.hop + 1, file.display()),
                    "The key was revoked on purpose: ask the server's administrator for its current key.",
                );
                e.detail = Some(format!("{} {}", key.key_type, key.fingerprint));
                e
            }
            F::HostKeyOtherType { at, key, recorded, file, line } => {
                let mut e = ProbeError::new(
                    C::SshHostKeyMismatch,
                    Stage::SshConnect,
                    format!(
                        "WARNING: {} (hop {}) offers a {} host key ({}), but {} line {line} records a {} key for it ({}). A server does not usually lose its key of one type: someone could be intercepting the connection.",
                        at.server,
                        at.hop + 1,
                        key.key_type,
                        key.fingerprint,
                        file.display(),
                        recorded.key_type,
                        recorded.fingerprint
                    ),
                    "Do not connect until the server's administrator confirms the new key. If it is legitimate, record it yourself (ssh-keyscan, then compare the fingerprint) or remove the old line (`ssh-keygen -R HOST`) and test again.",
                );
                e.detail = Some(format!(
                    "offered {} {}; recorded {} {} at {}:{line}",
                    key.key_type,
                    key.fingerprint,
                    recorded.key_type,
                    recorded.fingerprint,
                    file.display()
                ));
                e
            }
            F::KnownHostsWrite { at, file, error } => ProbeError::new(
                C::InvalidSettings,
                Stage::SshConnect,
                format!("The host key of {} could not be recorded in {}: {error}.", at.server, file.display()),
                "Check that the known_hosts file and its folder are writable, or choose another known_hosts file.",
            ),
            other => return Err(other),
        })
    }
}

