//! The SSH tunnel flags, shared by `test`, `grants` and `connections
//! add/edit`: `--ssh [user@]host[:port]` (or a `Host` alias of
//! `~/.ssh/config`), `--ssh-jump` hops before it, and how to log in.

use crate::CliError;
use clap::Args;
use sluice_core::secret::Secret;
use sluice_core::ssh::{Auth, Hop, Tunnel};
use std::path::PathBuf;

#[derive(Args, Default)]
pub struct SshArgs {
    /// Reach the database through this SSH server: [user@]host[:port], or a
    /// Host alias of ~/.ssh/config. The database's host is then resolved by it.
    #[arg(long, value_name = "[USER@]HOST[:PORT]")]
    pub ssh: Option<String>,
    /// A jump host on the way to --ssh (repeatable, in order; a
    /// comma-separated list works too, as with ssh -J).
    #[arg(long = "ssh-jump", value_name = "[USER@]HOST[:PORT]")]
    pub ssh_jump: Vec<String>,
    /// The SSH private key file (OpenSSH or PEM; encrypted keys need --ssh-passphrase-stdin).
    #[arg(long, value_name = "FILE")]
    pub ssh_identity: Option<PathBuf>,
    /// How to log in to each SSH host: auto (the agent, then the key, then the
    /// password, as ssh does), agent, key or password.
    #[arg(long, value_name = "METHOD")]
    pub ssh_auth: Option<Auth>,
    /// Read the SSH password from the first line of stdin.
    #[arg(long)]
    pub ssh_password_stdin: bool,
    /// Read the passphrase of the SSH key from the first line of stdin.
    #[arg(long, conflicts_with = "ssh_password_stdin")]
    pub ssh_passphrase_stdin: bool,
    /// The known_hosts file to check host keys against (default
    /// ~/.ssh/known_hosts, or UserKnownHostsFile from ~/.ssh/config).
    #[arg(long, value_name = "FILE")]
    pub ssh_known_hosts: Option<PathBuf>,
    /// A host key to accept for the --ssh host instead of known_hosts
    /// (`ssh-ed25519 AAAA…`, as in known_hosts).
    #[arg(long, value_name = "KEY")]
    pub ssh_host_key: Option<String>,
}

/// What the flags say about the tunnel's secrets (read from stdin).
#[derive(Default)]
pub struct SshStdin {
    pub password: Option<Secret>,
    pub passphrase: Option<Secret>,
}

impl SshArgs {
    fn any(&self) -> bool {
        self.ssh.is_some()
            || !self.ssh_jump.is_empty()
            || self.ssh_identity.is_some()
            || self.ssh_auth.is_some()
            || self.ssh_known_hosts.is_some()
            || self.ssh_host_key.is_some()
    }

    /// The tunnel after these flags: a new one when `--ssh` is given, else
    /// `existing` with the login options changed, else none.
    pub fn apply(&self, existing: Option<Tunnel>) -> Result<Option<Tunnel>, CliError> {
        let mut tunnel = match (&self.ssh, existing) {
            (Some(target), _) => {
                let mut hops = Vec::new();
                for spec in self.ssh_jump.iter().flat_map(|j| j.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
                    hops.push(Hop::parse(spec).map_err(|e| CliError::new(format!("--ssh-jump {e}")))?);
                }
                hops.push(Hop::parse(target).map_err(|e| CliError::new(format!("--ssh {e}")))?);
                Tunnel { hops, known_hosts: None, ..Default::default() }
            }
            (None, Some(t)) => {
                if !self.ssh_jump.is_empty() {
                    return Err(CliError::new("--ssh-jump needs --ssh (the host the jumps lead to)"));
                }
                t
            }
            (None, None) if self.any() => {
                return Err(CliError::new("SSH options need --ssh").hint("give the bastion as --ssh [user@]host[:port]"));
            }
            (None, None) => return Ok(None),
        };
        for hop in &mut tunnel.hops {
            if let Some(a) = self.ssh_auth {
                hop.auth = a;
            }
            if let Some(i) = &self.ssh_identity {
                hop.identity = Some(i.clone());
            }
        }
        if let Some(k) = &self.ssh_host_key {
            sluice_core::ssh::known_hosts::parse_key(k).map_err(|e| CliError::new(format!("--ssh-host-key: not a known_hosts key: {e}")))?;
            if let Some(last) = tunnel.hops.last_mut() {
                last.host_key = Some(k.clone());
            }
        }
        if let Some(f) = &self.ssh_known_hosts {
            tunnel.known_hosts = Some(f.clone());
        }
        Ok(Some(tunnel))
    }

    /// The SSH password or passphrase from stdin, when asked for. `db_stdin`
    /// says the database password is read from stdin too (only one can be).
    pub fn read_stdin(&self, db_stdin: bool) -> Result<SshStdin, CliError> {
        if db_stdin && (self.ssh_password_stdin || self.ssh_passphrase_stdin) {
            return Err(CliError::new("only one secret can come from stdin: --password-stdin or an --ssh-*-stdin, not both"));
        }
        let mut out = SshStdin::default();
        if self.ssh_password_stdin {
            out.password = Some(crate::read_stdin_line()?);
        }
        if self.ssh_passphrase_stdin {
            out.passphrase = Some(crate::read_stdin_line()?);
        }
        Ok(out)
    }
}
