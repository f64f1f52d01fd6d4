//! Where to connect: libpq's host/hostaddr/port lists turned into endpoints,
//! and the resolve stage (DNS) for names that need it.

use crate::conninfo::ConnInfo;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub(crate) const DEFAULT_PORT: u16 = 5432;

/// One host of the connection, before DNS.
#[derive(Debug, Clone)]
pub(crate) struct HostSpec {
    /// Name, IP literal or socket directory, as given (None: libpq's default socket).
    pub host: Option<String>,
    /// libpq's hostaddr: connect here, but verify TLS against `host`.
    pub hostaddr: Option<IpAddr>,
    pub port: u16,
    /// Its place in the host list (0-based).
    pub index: usize,
}

/// A resolved place to connect to.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    Tcp {
        addr: SocketAddr,
    },
    Unix {
        path: PathBuf,
    },
}

impl Endpoint {
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Tcp { addr, .. } => addr.to_string(),
            Endpoint::Unix { path } => path.display().to_string(),
        }
    }
}

impl HostSpec {
    pub fn is_socket(&self) -> bool {
        self.hostaddr.is_none() && self.host.as_deref().is_none_or(|h| h.starts_with('/') || h.starts_with('@') || h.is_empty())
    }

    /// The host as users wrote it, for messages.
    pub fn display(&self) -> String {
        match (&self.host, self.hostaddr) {
            (Some(h), _) if !h.is_empty() => h.clone(),
            (_, Some(a)) => a.to_string(),
            _ => default_socket_dir().display().to_string(),
        }
    }

    /// Needs a DNS lookup (a name, not an IP literal, socket or hostaddr).
    pub fn needs_dns(&self) -> bool {
        !self.is_socket() && self.hostaddr.is_none() && self.host.as_deref().and_then(parse_ip).is_none()
    }
}

/// libpq accepts `[::1]`-style brackets only in URIs; by now they are gone,
/// but be lenient.
fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

fn default_socket_dir() -> PathBuf {
    // libpq's compiled-in default differs per platform; Debian's is the first.
    let debian = PathBuf::from("/var/run/postgresql");
    if debian.is_dir() {
        debian
    } else {
        PathBuf::from("/tmp")
    }
}

/// Splits libpq's comma-separated lists into hosts, pairing ports as libpq
/// does (one port for all, or one per host). Errors are plain sentences.
pub(crate) fn host_specs(info: &ConnInfo) -> Result<Vec<HostSpec>, String> {
    let split = |k: &str| -> Vec<String> {
        info.get(k).map(|s| s.split(',').map(|p| p.trim().to_owned()).collect()).unwrap_or_default()
    };
    let hosts = split("host");
    let hostaddrs = split("hostaddr");
    let ports = split("port");
    let count = hosts.len().max(hostaddrs.len()).max(1);
    if hosts.len() > 1 && !hostaddrs.is_empty() && hostaddrs.len() != hosts.len() {
        return Err(format!("{} hosts but {} hostaddr values; give one hostaddr per host", hosts.len(), hostaddrs.len()));
    }
    if ports.len() > 1 && ports.len() != count {
        return Err(format!("{count} hosts but {} ports; give one port, or one per host", ports.len()));
    }
    let mut specs = Vec::with_capacity(count);
    for i in 0..count {
        let host = hosts.get(i).filter(|h| !h.is_empty()).cloned();
        let hostaddr = match hostaddrs.get(i).filter(|a| !a.is_empty()) {
            Some(a) => Some(a.parse::<IpAddr>().map_err(|_| format!("hostaddr \"{a}\" is not a numeric IP address"))?),
            None => None,
        };
        let port_text = ports.get(i).or(ports.first()).filter(|p| !p.is_empty());
        let port = match port_text {
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| format!("invalid port \"{p}\": use a number from 1 to 65535"))?,
            None => DEFAULT_PORT,
        };
        specs.push(HostSpec { host, hostaddr, port, index: i });
    }
    Ok(specs)
}

/// Endpoints for one host; `lookup` is only called for names.
pub(crate) async fn resolve(spec: &HostSpec) -> std::io::Result<Vec<Endpoint>> {
    if spec.is_socket() {
        let dir = spec.host.clone().filter(|h| !h.is_empty()).map(PathBuf::from).unwrap_or_else(default_socket_dir);
        return Ok(vec![Endpoint::Unix { path: dir.join(format!(".s.PGSQL.{}", spec.port)) }]);
    }
    let host = spec.display();
    if let Some(ip) = spec.hostaddr.or_else(|| parse_ip(&host)) {
        return Ok(vec![Endpoint::Tcp { addr: SocketAddr::new(ip, spec.port) }]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), spec.port)).await?.collect();
    if addrs.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "the name has no addresses"));
    }
    Ok(addrs.into_iter().map(|addr| Endpoint::Tcp { addr }).collect())
}
