//! Where a saved secret may go. This is the one place the rule is decided:
//! the store applies it on every update, and every test of a saved
//! connection gets its secrets through [`Store::secrets_for`](super::Store::secrets_for),
//! whoever calls (the app's commands, the CLI, the import).
//!
//! A secret saved for a connection is sent only while three things are as
//! they were when it was saved:
//!
//! 1. **the server**: host, hostaddr, port, user, service
//!    ([`ConnInfo::same_server`]);
//! 2. **the route**: no SSH tunnel added or removed, the same SSH hosts in
//!    order (behind another bastion the same name can be another server);
//! 3. **the transport's protection**, which may only get stronger: the
//!    `sslmode`, the root certificate that verified the server, the CRLs,
//!    `channel_binding`, `require_auth`, `requirepeer`, the lowest TLS
//!    version, and each SSH hop's pinned key and known_hosts file. Editing
//!    `verify-full` to `disable` would send the password in clear: that is
//!    another route.
//!
//! The SSH password follows the same rule for the SSH side: the same hosts
//! and logins, and host keys trusted as before.

use crate::conninfo::{ConnInfo, InlinePem, SslMode};
use crate::ssh::Tunnel;

/// What a connection says about where its secrets would be sent.
#[derive(Debug, Clone, Copy)]
pub struct Route<'a> {
    pub params: &'a ConnInfo,
    pub pem: &'a InlinePem,
    pub ssh: Option<&'a Tunnel>,
}

impl<'a> Route<'a> {
    pub fn new(params: &'a ConnInfo, pem: &'a InlinePem, ssh: Option<&'a Tunnel>) -> Route<'a> {
        Route { params, pem, ssh: ssh.filter(|t| !t.is_empty()) }
    }
}

/// Why the database password may not go to `to`, if it may not: a sentence
/// for the form and the CLI ("the host, port, user, service or SSH route
/// changed", "sslmode is weaker: verify-full → disable").
pub fn password_blocked(from: &Route<'_>, to: &Route<'_>) -> Option<String> {
    if !from.params.same_server(to.params) {
        return Some("the host, port, user or service changed".into());
    }
    match (from.ssh, to.ssh) {
        (None, None) => {}
        (Some(a), Some(b)) if a.same_route(b) => {
            if let Some(why) = ssh_trust_weaker(a, b) {
                return Some(why);
            }
        }
        (Some(_), None) => return Some("the SSH tunnel was removed".into()),
        (None, Some(_)) => return Some("an SSH tunnel was added".into()),
        (Some(_), Some(_)) => return Some("the SSH route changed".into()),
    }
    tls_weaker(from, to)
}

/// Why the SSH password may not go to the hops of `to`, if it may not.
pub fn ssh_password_blocked(from: &Route<'_>, to: &Route<'_>) -> Option<String> {
    match (from.ssh, to.ssh) {
        (Some(a), Some(b)) if a.same_servers(b) => ssh_trust_weaker(a, b),
        (Some(_), Some(_)) => Some("the SSH hosts or users changed".into()),
        (Some(_), None) => Some("the SSH tunnel was removed".into()),
        (None, _) => None,
    }
}

fn value<'a>(info: &'a ConnInfo, k: &str) -> Option<&'a str> {
    info.get(k).map(str::trim).filter(|v| !v.is_empty())
}

fn rank(mode: SslMode) -> u8 {
    SslMode::ALL.iter().position(|m| *m == mode).unwrap_or(0) as u8
}

fn channel_binding_rank(v: Option<&str>) -> u8 {
    match v {
        Some("disable") => 0,
        Some("require") => 2,
        _ => 1,
    }
}

/// TLS versions in order; libpq's default minimum is TLSv1.2.
fn tls_version_rank(v: Option<&str>) -> usize {
    v.map_or(2, |v| crate::conninfo::validate::tls_version_rank(v).unwrap_or(0))
}

/// Whether the old settings verified the server's certificate, so that the
/// root certificate was part of the protection: verify-ca and verify-full,
/// and require with a root certificate given (libpq then verifies the chain).
fn verified(route: &Route<'_>) -> bool {
    let mode = route.params.effective_sslmode();
    let root = value(route.params, "sslrootcert").is_some() || route.pem.sslrootcert.is_some();
    matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) || (mode == SslMode::Require && root)
}

fn tls_weaker(from: &Route<'_>, to: &Route<'_>) -> Option<String> {
    let (a, b) = (from.params, to.params);
    let (ma, mb) = (a.effective_sslmode(), b.effective_sslmode());
    if rank(mb) < rank(ma) {
        return Some(format!("sslmode is weaker ({} → {})", ma.as_str(), mb.as_str()));
    }
    if verified(from) {
        let root = |r: &Route<'_>| (value(r.params, "sslrootcert").map(str::to_owned), r.pem.sslrootcert.clone());
        if root(from) != root(to) {
            return Some("the root certificate that verifies the server changed".into());
        }
    }
    for k in ["sslcrl", "sslcrldir", "require_auth", "requirepeer"] {
        if let Some(old) = value(a, k) {
            if value(b, k) != Some(old) {
                return Some(format!("{k} changed"));
            }
        }
    }
    if channel_binding_rank(value(b, "channel_binding")) < channel_binding_rank(value(a, "channel_binding")) {
        return Some("channel_binding is weaker".into());
    }
    if tls_version_rank(value(b, "ssl_min_protocol_version")) < tls_version_rank(value(a, "ssl_min_protocol_version")) {
        return Some("ssl_min_protocol_version is lower".into());
    }
    None
}

/// Host keys trusted differently on the same hops: another known_hosts
/// file, or a pin changed, added or removed (a pin is checked instead of
/// known_hosts, so pinning a key the user never saw trusts whoever holds it).
fn ssh_trust_weaker(a: &Tunnel, b: &Tunnel) -> Option<String> {
    if a.known_hosts != b.known_hosts {
        return Some("the SSH known_hosts file changed".into());
    }
    for (i, (x, y)) in a.hops.iter().zip(&b.hops).enumerate() {
        if x.host_key != y.host_key {
            return Some(format!("the pinned host key of SSH hop {} changed", i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::Hop;

    fn info(pairs: &[(&str, &str)]) -> ConnInfo {
        ConnInfo::from_params(pairs.iter().copied()).unwrap()
    }

    fn blocked(a: &ConnInfo, b: &ConnInfo) -> Option<String> {
        let pem = InlinePem::default();
        password_blocked(&Route::new(a, &pem, None), &Route::new(b, &pem, None))
    }

    #[test]
    fn a_weaker_transport_is_another_route() {
        let base = [("host", "db"), ("user", "app")];
        let strong = info(&[base[0], base[1], ("sslmode", "verify-full"), ("sslrootcert", "/ca.pem")]);
        assert_eq!(blocked(&strong, &strong), None);
        for (k, v) in [("sslmode", "disable"), ("sslmode", "require"), ("sslmode", "verify-ca"), ("sslrootcert", "/other.pem")] {
            let mut weaker = strong.clone();
            weaker.set(k, v).unwrap();
            assert!(blocked(&strong, &weaker).is_some(), "{k}={v}");
        }
        let mut weaker = strong.clone();
        weaker.remove("sslmode");
        assert!(blocked(&strong, &weaker).is_some(), "unset sslmode is prefer");
        // Stronger is fine.
        let plain = info(&[base[0], base[1], ("sslmode", "disable")]);
        assert_eq!(blocked(&plain, &strong), None);
        // require with a root certificate verifies: dropping the root is weaker.
        let req_root = info(&[base[0], base[1], ("sslmode", "require"), ("sslrootcert", "/ca.pem")]);
        let req = info(&[base[0], base[1], ("sslmode", "require")]);
        assert!(blocked(&req_root, &req).is_some());
        for (k, from, to) in [
            ("channel_binding", "require", "prefer"),
            ("channel_binding", "prefer", "disable"),
            ("require_auth", "scram-sha-256", "password"),
            ("sslcrl", "/crl.pem", ""),
            ("requirepeer", "postgres", "other"),
            ("ssl_min_protocol_version", "TLSv1.3", "TLSv1.2"),
        ] {
            let a = info(&[base[0], base[1], (k, from)]);
            let mut b = info(&[base[0], base[1]]);
            if !to.is_empty() {
                b.set(k, to).unwrap();
            }
            assert!(blocked(&a, &b).is_some(), "{k}: {from} → {to}");
            assert_eq!(blocked(&a, &a), None);
        }
    }

    #[test]
    fn inline_root_certificates_count_too() {
        let p = info(&[("host", "db"), ("sslmode", "verify-full")]);
        let a = InlinePem { sslrootcert: Some("-----BEGIN CERTIFICATE-----a".into()), sslcert: None };
        let b = InlinePem { sslrootcert: Some("-----BEGIN CERTIFICATE-----b".into()), sslcert: None };
        assert!(password_blocked(&Route::new(&p, &a, None), &Route::new(&p, &b, None)).is_some());
        assert!(password_blocked(&Route::new(&p, &a, None), &Route::new(&p, &a, None)).is_none());
    }

    #[test]
    fn ssh_pins_and_files() {
        let p = info(&[("host", "db")]);
        let pem = InlinePem::default();
        let mut hop = Hop::parse("ops@bastion").unwrap();
        hop.host_key = Some("ssh-ed25519 AAAA1".into());
        let a = Tunnel { hops: vec![hop.clone()], known_hosts: None, ..Default::default() };
        let mut b = a.clone();
        b.hops[0].host_key = Some("ssh-ed25519 AAAA2".into());
        let mut c = a.clone();
        c.hops[0].host_key = None;
        let mut d = a.clone();
        d.known_hosts = Some("/tmp/kh".into());
        for other in [&b, &c, &d] {
            let (ra, rb) = (Route::new(&p, &pem, Some(&a)), Route::new(&p, &pem, Some(other)));
            assert!(password_blocked(&ra, &rb).is_some());
            assert!(ssh_password_blocked(&ra, &rb).is_some());
        }
        let ra = Route::new(&p, &pem, Some(&a));
        assert!(password_blocked(&ra, &ra).is_none() && ssh_password_blocked(&ra, &ra).is_none());
        // A pin added where there was none trusts that key instead of known_hosts.
        let (rc, ra2) = (Route::new(&p, &pem, Some(&c)), Route::new(&p, &pem, Some(&a)));
        assert!(password_blocked(&rc, &ra2).is_some());
    }
}
