//! What a connection says about its tunnel: the hops and how to log in to
//! each. Saved with the connection (no secret in here: the SSH password, the
//! key passphrase and a pasted private key live in the keyring, see
//! `store::Secrets`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// An SSH tunnel to the database: `hops` in order, like `ssh -J a,b c`. The
/// first hop is dialled over TCP, each next one through a `direct-tcpip`
/// channel of the one before, and the last one opens the channel to the
/// database (and resolves its host name, as `ssh -W` does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tunnel {
    pub hops: Vec<Hop>,
    /// The known_hosts file to check host keys against and to record
    /// accepted keys in. Default: `UserKnownHostsFile` from `~/.ssh/config`,
    /// else `~/.ssh/known_hosts` (and `known_hosts2`, and the system's
    /// `ssh_known_hosts`, which are only read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<PathBuf>,
    /// The pinned host keys or the known_hosts file came from an imported
    /// file and the user has not confirmed them yet: until then a test
    /// refuses to trust them (a crafted export could pin an impostor's key,
    /// or name `~/.bashrc` as the file accepted keys go to). Saving the
    /// connection in the form, or `connections edit --confirm-ssh-trust`,
    /// confirms them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// One SSH server on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hop {
    /// A host name, an IP address, or a `Host` alias of `~/.ssh/config`
    /// (whose `HostName`, `Port`, `User`, `IdentityFile`, `ProxyJump`,
    /// `UserKnownHostsFile` and `IdentityAgent` then apply).
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default)]
    pub auth: Auth,
    /// A private key file (`IdentityFile`); without one, `Key` uses the
    /// connection's pasted key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<PathBuf>,
    /// A host key pinned for this hop, as a known_hosts key
    /// (`ssh-ed25519 AAAA…`): checked instead of the known_hosts files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_key: Option<String>,
}

/// How to log in to a hop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// Like `ssh`: the agent's keys, then the key (file or pasted), then the
    /// password, each when there is one.
    #[default]
    Auto,
    /// Only the keys of the SSH agent (`SSH_AUTH_SOCK`, or `IdentityAgent`).
    Agent,
    /// Only the private key (the hop's `identity` file, else the pasted one).
    Key,
    /// Only the password.
    Password,
}

impl Auth {
    pub const ALL: [Auth; 4] = [Auth::Auto, Auth::Agent, Auth::Key, Auth::Password];

    pub fn as_str(self) -> &'static str {
        match self {
            Auth::Auto => "auto",
            Auth::Agent => "agent",
            Auth::Key => "key",
            Auth::Password => "password",
        }
    }
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Auth {
    type Err = String;
    fn from_str(s: &str) -> Result<Auth, String> {
        Auth::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                format!("unknown SSH auth method \"{s}\" (auto, agent, key or password)")
            })
    }
}

impl Hop {
    /// `[user@]host[:port]` (IPv6 in brackets), as `ssh -J` takes it.
    pub fn parse(spec: &str) -> Result<Hop, String> {
        let spec = spec.trim();
        let (user, rest) = match spec.rsplit_once('@') {
            Some((u, r)) if !u.is_empty() => (Some(u.to_owned()), r),
            Some(_) => return Err(format!("\"{spec}\": empty user name before @")),
            None => (None, spec),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (h, after) = inner
                .split_once(']')
                .ok_or_else(|| format!("\"{spec}\": unterminated [IPv6 address]"))?;
            match after {
                "" => (h.to_owned(), None),
                p if p.starts_with(':') => (h.to_owned(), Some(parse_port(&p[1..], spec)?)),
                _ => return Err(format!("\"{spec}\": unexpected text after ]")),
            }
        } else {
            match rest.rsplit_once(':') {
                // More than one colon without brackets: a bare IPv6 address.
                Some((h, _)) if h.contains(':') => (rest.to_owned(), None),
                Some((h, p)) => (h.to_owned(), Some(parse_port(p, spec)?)),
                None => (rest.to_owned(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("\"{spec}\": no host"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("\"{spec}\": a host name cannot contain spaces"));
        }
        Ok(Hop {
            host,
            port,
            user,
            ..Hop::default()
        })
    }

    /// `user@host:port`, as far as known, for messages and the report.
    pub fn display(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let mut s = match &self.user {
            Some(u) => format!("{u}@{host}"),
            None => host,
        };
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        s
    }
}

fn parse_port(p: &str, spec: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("\"{spec}\": invalid port \"{p}\""))
}

impl Tunnel {
    pub fn is_empty(&self) -> bool {
        self.hops.is_empty()
    }

    /// Whether the tunnel sets trust of its own: a pinned host key or a
    /// known_hosts file (what an import must not set unseen).
    pub fn sets_trust(&self) -> bool {
        self.known_hosts.is_some() || self.hops.iter().any(|h| h.host_key.is_some())
    }

    /// The same trust settings: pinned keys and the known_hosts file.
    pub fn same_trust(&self, other: &Tunnel) -> bool {
        self.known_hosts == other.known_hosts
            && self.hops.len() == other.hops.len()
            && self.hops.iter().zip(&other.hops).all(|(a, b)| a.host_key == b.host_key)
    }

    /// The same SSH servers and logins (host, port, user of every hop):
    /// the SSH password and key were saved for these and go to no other.
    pub fn same_servers(&self, other: &Tunnel) -> bool {
        let key = |t: &Tunnel| -> Vec<(String, Option<u16>, Option<String>)> {
            t.hops
                .iter()
                .map(|h| {
                    (
                        h.host.trim().to_lowercase(),
                        h.port.filter(|p| *p != 22),
                        h.user.clone(),
                    )
                })
                .collect()
        };
        key(self) == key(other)
    }

    /// The same route: the same SSH hosts and ports, in order, whatever the
    /// logins. The database's address is resolved at the last hop, so
    /// another route can reach another server by the same name.
    pub fn same_route(&self, other: &Tunnel) -> bool {
        let key = |t: &Tunnel| -> Vec<(String, Option<u16>)> {
            t.hops.iter().map(|h| (h.host.trim().to_lowercase(), h.port.filter(|p| *p != 22))).collect()
        };
        key(self) == key(other)
    }

    /// Problems that make the tunnel unusable, for the form and the CLI.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, h) in self.hops.iter().enumerate() {
            if h.host.trim().is_empty() {
                out.push(format!("SSH hop {}: the host is empty", i + 1));
            }
            if let Some(k) = &h.host_key {
                if super::known_hosts::parse_key(k).is_err() {
                    out.push(format!("SSH hop {}: the pinned host key is not a known_hosts key (\"ssh-ed25519 AAAA…\")", i + 1));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_specs_parse_like_ssh_j() {
        let h = Hop::parse("ops@bastion.example.com:2222").unwrap();
        assert_eq!(
            (h.user.as_deref(), h.host.as_str(), h.port),
            (Some("ops"), "bastion.example.com", Some(2222))
        );
        let h = Hop::parse("bastion").unwrap();
        assert_eq!((h.user, h.host.as_str(), h.port), (None, "bastion", None));
        let h = Hop::parse("[::1]:22").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("::1", Some(22)));
        let h = Hop::parse("fe80::1").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("fe80::1", None));
        let h = Hop::parse("a@b@host").unwrap();
        assert_eq!((h.user.as_deref(), h.host.as_str()), (Some("a@b"), "host"));
        for bad in [
            "",
            "@host",
            "host:",
            "host:0",
            "host:99999",
            "[::1",
            "[::1]x",
            "ho st",
        ] {
            assert!(Hop::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Hop::parse("ops@[::1]:2200").unwrap().display(),
            "ops@[::1]:2200"
        );
    }

    #[test]
    fn same_servers_ignores_the_default_port_and_case() {
        let a = Tunnel {
            hops: vec![Hop::parse("ops@Bastion:22").unwrap()],
            known_hosts: None,
            ..Default::default()
        };
        let b = Tunnel {
            hops: vec![Hop::parse("ops@bastion").unwrap()],
            known_hosts: None,
            ..Default::default()
        };
        assert!(a.same_servers(&b));
        let c = Tunnel {
            hops: vec![Hop::parse("root@bastion").unwrap()],
            known_hosts: None,
            ..Default::default()
        };
        assert!(!a.same_servers(&c));
        let d = Tunnel {
            hops: vec![
                Hop::parse("jump").unwrap(),
                Hop::parse("ops@bastion").unwrap(),
            ],
            known_hosts: None,
            ..Default::default()
        };
        assert!(!a.same_servers(&d));
    }

    #[test]
    fn auth_round_trips() {
        for a in Auth::ALL {
            assert_eq!(a.as_str().parse::<Auth>().unwrap(), a);
        }
        assert!("kerberos".parse::<Auth>().is_err());
    }
}
