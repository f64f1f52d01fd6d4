//! From the saved hops to the servers to dial: `~/.ssh/config` is read the
//! way `ssh` reads it, for the keywords a tunnel needs.
//!
//! - A hop's host may be a `Host` alias: `HostName`, `Port`, `User`,
//!   `IdentityFile`, `UserKnownHostsFile`, `IdentityAgent` and
//!   `ConnectTimeout` apply (what the hop itself says wins over the file).
//! - `ProxyJump` of the first hop puts its jump hosts before it (each
//!   resolved the same way), as `ssh` does; `ProxyJump none` ends the chain.
//! - Tokens `%h %p %r %u %d %%` and `~` in paths are expanded.
//! - Not supported, and said so in the docs: `Match` blocks (skipped) and
//!   `ProxyCommand`.
//!
//! Parsing is ssh2-config's; Sluice only feeds it and reads the answer.

use super::model::{Auth, Hop, Tunnel};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The parts of the environment `ssh` reads, passed in so that a test (or
/// the app) can say them without touching the process environment.
#[derive(Debug, Clone, Default)]
pub struct SshEnv {
    /// The home folder (`~`).
    pub home: Option<PathBuf>,
    /// The ssh_config file (default `~/.ssh/config`); a missing file is empty.
    pub config_file: Option<PathBuf>,
    /// The agent (`SSH_AUTH_SOCK`): a Unix socket, or a Windows pipe name.
    pub agent: Option<String>,
    /// The local user name, the default login.
    pub local_user: String,
    /// The system-wide known_hosts (read only).
    pub global_known_hosts: Vec<PathBuf>,
}

impl SshEnv {
    /// What this process's environment says.
    pub fn from_process() -> SshEnv {
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty());
        // The login OpenSSH would use: the OS user (getpwuid), not $USER,
        // which any parent process can set; as libpq does for the database.
        let local_user = crate::conninfo::environment::os_user()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .unwrap_or_default();
        let global = if cfg!(windows) {
            std::env::var_os("ProgramData")
                .map(|p| vec![PathBuf::from(p).join("ssh").join("ssh_known_hosts")])
                .unwrap_or_default()
        } else {
            vec![
                PathBuf::from("/etc/ssh/ssh_known_hosts"),
                PathBuf::from("/etc/ssh/ssh_known_hosts2"),
            ]
        };
        SshEnv {
            config_file: home.as_ref().map(|h| h.join(".ssh").join("config")),
            home,
            agent: std::env::var("SSH_AUTH_SOCK")
                .ok()
                .filter(|s| !s.is_empty()),
            local_user,
            global_known_hosts: global,
        }
    }
}

/// One server to dial, with everything needed to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// As written in the connection (an alias, a name or an address).
    pub label: String,
    /// The name or address to dial (and to check the host key under).
    pub hostname: String,
    pub port: u16,
    pub user: String,
    pub auth: Auth,
    /// Key files to try, in order (the hop's own first).
    pub identities: Vec<PathBuf>,
    /// The hop's identity file was named explicitly (a missing one is an error, not skipped).
    pub explicit_identity: bool,
    pub host_key: Option<String>,
    /// known_hosts files: the first is where an accepted key is recorded.
    pub known_hosts: Vec<PathBuf>,
    pub agent: Option<String>,
    pub connect_timeout: Option<Duration>,
}

impl Resolved {
    pub fn display(&self) -> String {
        let host = if self.hostname.contains(':') {
            format!("[{}]", self.hostname)
        } else {
            self.hostname.clone()
        };
        format!("{}@{host}:{}", self.user, self.port)
    }
}

const MAX_JUMPS: usize = 16;

/// Resolves every hop of `tunnel`.
pub fn resolve(tunnel: &Tunnel, env: &SshEnv) -> Result<Vec<Resolved>, String> {
    if tunnel.hops.is_empty() {
        return Err("the SSH tunnel has no host".into());
    }
    let config = load(env)?;
    // ProxyJump of the first hop, recursively: its jumps go first.
    // `chain` is what comes after `next`, in dialling order.
    let mut chain: Vec<Hop> = Vec::new();
    let mut next = tunnel.hops[0].clone();
    while let Some(list) = config
        .as_ref()
        .and_then(|c| proxy_jump(c, &next.host))
        .filter(|l| !l.is_empty())
    {
        if chain.len() + list.len() > MAX_JUMPS {
            return Err(format!(
                "ProxyJump in {} goes more than {MAX_JUMPS} hops deep (a loop?)",
                config_path(env).display()
            ));
        }
        let mut jumps = list
            .iter()
            .map(|s| Hop::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let first = jumps.remove(0);
        jumps.push(next);
        jumps.append(&mut chain);
        chain = jumps;
        next = first;
    }
    chain.insert(0, next);
    let front = chain;
    // `front` now holds the jumps then the first hop, in dialling order.
    front
        .iter()
        .chain(tunnel.hops.iter().skip(1))
        .map(|hop| resolve_hop(hop, tunnel, config.as_ref(), env))
        .collect()
}

fn config_path(env: &SshEnv) -> PathBuf {
    env.config_file
        .clone()
        .unwrap_or_else(|| PathBuf::from("~/.ssh/config"))
}

fn load(env: &SshEnv) -> Result<Option<ssh2_config::SshConfig>, String> {
    let Some(path) = &env.config_file else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let text = without_match_blocks(&text);
    let mut config = ssh2_config::SshConfig::default();
    if let Some(home) = &env.home {
        config = config.home_dir(home);
    }
    let rules = ssh2_config::ParseRule::ALLOW_UNKNOWN_FIELDS
        | ssh2_config::ParseRule::ALLOW_UNSUPPORTED_FIELDS;
    config
        .parse(&mut std::io::Cursor::new(text.as_bytes()), rules)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `Match` blocks are not supported: drop each, up to the next `Host` line
/// (ssh2-config would otherwise apply them to the `Host` before).
fn without_match_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for line in text.lines() {
        let keyword = line
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == '=')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if keyword == "match" {
            skipping = true;
            continue;
        }
        if keyword == "host" {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn proxy_jump(config: &ssh2_config::SshConfig, host: &str) -> Option<Vec<String>> {
    let params = config.query(host);
    let list = params.proxy_jump?;
    if list.len() == 1 && list[0].eq_ignore_ascii_case("none") {
        return None;
    }
    Some(list)
}

fn resolve_hop(
    hop: &Hop,
    tunnel: &Tunnel,
    config: Option<&ssh2_config::SshConfig>,
    env: &SshEnv,
) -> Result<Resolved, String> {
    let params = config.map(|c| c.query(&hop.host));
    let raw = |key: &str| -> Option<Vec<String>> {
        params
            .as_ref()?
            .unsupported_fields
            .iter()
            .chain(params.as_ref()?.ignored_fields.iter())
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let hostname = params
        .as_ref()
        .and_then(|p| p.host_name.clone())
        .unwrap_or_else(|| hop.host.clone());
    let port = hop
        .port
        .or_else(|| params.as_ref().and_then(|p| p.port))
        .unwrap_or(22);
    let user = hop
        .user
        .clone()
        .or_else(|| params.as_ref().and_then(|p| p.user.clone()))
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| env.local_user.clone());
    if user.is_empty() {
        return Err(format!(
            "no user name for SSH host {}: give one as user@host",
            hop.host
        ));
    }
    let tokens = Tokens {
        host: &hostname,
        port,
        remote_user: &user,
        env,
    };

    let mut identities = Vec::new();
    let explicit_identity = hop.identity.is_some();
    if let Some(p) = &hop.identity {
        identities.push(tokens.path(&p.to_string_lossy()));
    }
    if let Some(files) = params.as_ref().and_then(|p| p.identity_file.clone()) {
        for f in files {
            let f = tokens.path(&f.to_string_lossy());
            if !identities.contains(&f) {
                identities.push(f);
            }
        }
    }
    if identities.is_empty() {
        if let Some(home) = &env.home {
            for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
                identities.push(home.join(".ssh").join(name));
            }
        }
    }

    let mut known_hosts: Vec<PathBuf> = Vec::new();
    if let Some(f) = &tunnel.known_hosts {
        known_hosts.push(tokens.path(&f.to_string_lossy()));
    } else if let Some(files) = raw("UserKnownHostsFile") {
        for f in files.iter().flat_map(|v| v.split_whitespace()) {
            known_hosts.push(tokens.path(f));
        }
    } else if let Some(home) = &env.home {
        known_hosts.push(home.join(".ssh").join("known_hosts"));
        known_hosts.push(home.join(".ssh").join("known_hosts2"));
    }
    if known_hosts.is_empty() {
        return Err(
            "no known_hosts file: set HOME, or choose a known_hosts file for the tunnel".into(),
        );
    }
    known_hosts.extend(env.global_known_hosts.iter().cloned());

    let agent = match raw("IdentityAgent").and_then(|v| v.into_iter().next()) {
        Some(v) if v.eq_ignore_ascii_case("none") => None,
        Some(v) if v == "SSH_AUTH_SOCK" => env.agent.clone(),
        Some(v) => Some(
            tokens
                .path(v.trim_matches('"'))
                .to_string_lossy()
                .into_owned(),
        ),
        None => env.agent.clone(),
    };

    Ok(Resolved {
        label: hop.host.clone(),
        hostname,
        port,
        user,
        auth: hop.auth,
        identities,
        explicit_identity,
        host_key: hop.host_key.clone(),
        known_hosts,
        agent,
        connect_timeout: params.as_ref().and_then(|p| p.connect_timeout),
    })
}

/// `ssh`'s percent tokens and `~`.
struct Tokens<'a> {
    host: &'a str,
    port: u16,
    remote_user: &'a str,
    env: &'a SshEnv,
}

impl Tokens<'_> {
    fn path(&self, raw: &str) -> PathBuf {
        let home = self.env.home.as_deref().unwrap_or(Path::new(""));
        let mut out = String::new();
        let mut chars = raw.chars().peekable();
        if raw == "~" || raw.starts_with("~/") || raw.starts_with("~\\") {
            out.push_str(&home.to_string_lossy());
            chars.next();
        }
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('h') => out.push_str(self.host),
                Some('p') => out.push_str(&self.port.to_string()),
                Some('r') => out.push_str(self.remote_user),
                Some('u') => out.push_str(&self.env.local_user),
                Some('d') => out.push_str(&home.to_string_lossy()),
                Some('%') => out.push('%'),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        PathBuf::from(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &Path, config: &str) -> SshEnv {
        std::fs::create_dir_all(dir.join(".ssh")).unwrap();
        std::fs::write(dir.join(".ssh/config"), config).unwrap();
        SshEnv {
            home: Some(dir.to_owned()),
            config_file: Some(dir.join(".ssh/config")),
            agent: Some("/run/agent.sock".into()),
            local_user: "me".into(),
            global_known_hosts: vec![],
        }
    }

    fn tunnel(hops: &[&str]) -> Tunnel {
        Tunnel {
            hops: hops.iter().map(|h| Hop::parse(h).unwrap()).collect(),
            known_hosts: None,
            ..Default::default()
        }
    }

    #[test]
    fn an_alias_brings_its_settings_and_the_hop_wins() {
        let d = tempfile::tempdir().unwrap();
        let e = env(
            d.path(),
            "Host bastion\n  HostName 10.0.0.5\n  Port=2200\n  User ops\n  IdentityFile ~/.ssh/id_%h_%r\n  UserKnownHostsFile ~/kh/%h %d/second\n  IdentityAgent none\n\nMatch user root\n  User matched\n\nHost *\n  User global\n  ConnectTimeout 7\n",
        );
        let r = resolve(&tunnel(&["bastion"]), &e).unwrap();
        assert_eq!(r.len(), 1);
        let b = &r[0];
        assert_eq!(
            (
                b.label.as_str(),
                b.hostname.as_str(),
                b.port,
                b.user.as_str()
            ),
            ("bastion", "10.0.0.5", 2200, "ops")
        );
        let home = d.path().to_string_lossy().into_owned();
        assert_eq!(
            b.identities,
            vec![PathBuf::from(format!("{home}/.ssh/id_10.0.0.5_ops"))]
        );
        assert_eq!(
            b.known_hosts,
            vec![
                PathBuf::from(format!("{home}/kh/10.0.0.5")),
                PathBuf::from(format!("{home}/second"))
            ]
        );
        assert_eq!(b.agent, None, "IdentityAgent none");
        assert_eq!(b.connect_timeout, Some(Duration::from_secs(7)));

        let r = resolve(&tunnel(&["root@bastion:2222"]), &e).unwrap();
        assert_eq!(
            (r[0].user.as_str(), r[0].port),
            ("root", 2222),
            "what the hop says wins; Match is skipped"
        );

        let r = resolve(&tunnel(&["plain.example.com"]), &e).unwrap();
        assert_eq!(
            (r[0].hostname.as_str(), r[0].port, r[0].user.as_str()),
            ("plain.example.com", 22, "global")
        );
        assert_eq!(r[0].agent.as_deref(), Some("/run/agent.sock"));
        assert_eq!(r[0].known_hosts[0], d.path().join(".ssh/known_hosts"));
        assert_eq!(r[0].identities.len(), 3, "ssh's default key files");
    }

    #[test]
    fn proxy_jump_puts_the_jumps_first() {
        let d = tempfile::tempdir().unwrap();
        let e = env(
            d.path(),
            "Host db-bastion\n  HostName 10.1.0.9\n  ProxyJump edge,ops@middle:2022\nHost edge\n  HostName edge.example.com\n  ProxyJump outer\nHost middle\n  HostName 10.1.0.2\nHost loop\n  ProxyJump loop\n",
        );
        let r = resolve(&tunnel(&["db-bastion", "inner"]), &e).unwrap();
        let names: Vec<String> = r.iter().map(Resolved::display).collect();
        assert_eq!(
            names,
            [
                "me@outer:22",
                "me@edge.example.com:22",
                "ops@10.1.0.2:2022",
                "me@10.1.0.9:22",
                "me@inner:22"
            ]
        );
        assert!(resolve(&tunnel(&["loop"]), &e)
            .unwrap_err()
            .contains("deep"));
    }

    #[test]
    fn no_config_file_is_no_config() {
        let d = tempfile::tempdir().unwrap();
        let e = SshEnv {
            home: Some(d.path().into()),
            config_file: Some(d.path().join("none")),
            local_user: "me".into(),
            ..SshEnv::default()
        };
        let r = resolve(&tunnel(&["h"]), &e).unwrap();
        assert_eq!(r[0].display(), "me@h:22");
        let e = SshEnv {
            local_user: String::new(),
            ..e
        };
        assert!(resolve(&tunnel(&["h"]), &e)
            .unwrap_err()
            .contains("user@host"));
        assert!(resolve(&tunnel(&[]), &e).is_err());
    }
}
