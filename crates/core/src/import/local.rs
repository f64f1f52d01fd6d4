//! Servers on this machine, for the first run: TCP on localhost 5432 and
//! 6432, the Unix sockets in `/var/run/postgresql` and `/tmp`, `PGHOST`/
//! `PGPORT`, and `DATABASE_URL`. Each place is asked one read-only question,
//! an SSLRequest (8 bytes; a Postgres server answers `S` or `N`), all at
//! once, within a short deadline. Nothing logs in.

use crate::conninfo::{self, ConnInfo, Environment};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A place to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Tcp { host: String, port: u16 },
    Socket { dir: PathBuf, port: u16 },
}

/// A server that answered like Postgres.
#[derive(Debug, Clone, Serialize)]
pub struct LocalServer {
    /// "Postgres on localhost:5432".
    pub label: String,
    /// Where it was found: "localhost:5432", "socket in /var/run/postgresql", "PGHOST/PGPORT", "DATABASE_URL".
    pub found_by: String,
    /// Ready to paste into the form (never a password).
    pub url: String,
    /// The server offers TLS.
    pub tls: bool,
}

/// The places the first run looks at, from `env` (and the socket folders).
pub fn places(env: &Environment, socket_dirs: &[PathBuf]) -> Vec<(Place, String, ConnInfo)> {
    let mut out: Vec<(Place, String, ConnInfo)> = Vec::new();
    // Whether each entry is one Sluice looks at by itself (no user, no database).
    let mut looked: Vec<bool> = Vec::new();
    let mut add = |place: Place, by: String, info: ConnInfo, from_env: bool| match out.iter().position(|(p, _, _)| *p == place) {
        // The environment naming a place Sluice looks at anyway says more
        // (a user, a database): its entry takes that card's place.
        Some(i) if from_env && looked[i] => {
            out[i] = (place, by, info);
            looked[i] = false;
        }
        Some(_) => {}
        None => {
            out.push((place, by, info));
            looked.push(!from_env);
        }
    };
    let tcp = |host: &str, port: u16| {
        let mut i = ConnInfo::default();
        let _ = i.set("host", host);
        let _ = i.set("port", port.to_string());
        i
    };
    for port in [5432, 6432] {
        add(Place::Tcp { host: "localhost".into(), port }, format!("localhost:{port}"), tcp("localhost", port), false);
    }
    for dir in socket_dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut ports: Vec<u16> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_string_lossy().strip_prefix(".s.PGSQL.").and_then(|p| p.parse().ok()))
            .collect();
        ports.sort_unstable();
        for port in ports {
            let mut i = ConnInfo::default();
            let _ = i.set("host", dir.display().to_string());
            let _ = i.set("port", port.to_string());
            add(Place::Socket { dir: dir.clone(), port }, format!("socket in {} (port {port})", dir.display()), i, false);
        }
    }
    let env_host = env.var("PGHOST").filter(|h| !h.is_empty());
    let env_port = env.var("PGPORT").and_then(|p| p.parse::<u16>().ok());
    if env_host.is_some() || env_port.is_some() {
        let host = env_host.unwrap_or("localhost").split(',').next().unwrap_or("localhost").trim().to_owned();
        let port = env_port.unwrap_or(5432);
        let mut i = tcp(&host, port);
        for (kw, var) in [("user", "PGUSER"), ("dbname", "PGDATABASE")] {
            if let Some(v) = env.var(var) {
                let _ = i.set(kw, v);
            }
        }
        let place = if host.starts_with('/') { Place::Socket { dir: PathBuf::from(&host), port } } else { Place::Tcp { host, port } };
        add(place, "PGHOST/PGPORT".into(), i, true);
    }
    if let Some(url) = env.var("DATABASE_URL").filter(|u| u.starts_with("postgres")) {
        if let Ok(parsed) = conninfo::parse(url) {
            let info = parsed.info.without_secrets();
            let host = info.get("host").unwrap_or("localhost").split(',').next().unwrap_or("localhost").trim().to_owned();
            let port = info.get("port").and_then(|p| p.parse().ok()).unwrap_or(5432);
            let place = if host.starts_with('/') { Place::Socket { dir: PathBuf::from(&host), port } } else { Place::Tcp { host, port } };
            add(place, "DATABASE_URL".into(), info, true);
        }
    }
    out
}

/// Asks every place at once; returns those that answered like Postgres,
/// in the order of `places`, within `deadline`.
pub async fn detect(places: Vec<(Place, String, ConnInfo)>, deadline: Duration) -> Vec<LocalServer> {
    let asks = places.into_iter().map(|(place, by, info)| async move {
        let answer = tokio::time::timeout(deadline, offers_tls(&place)).await.ok().flatten();
        answer.map(|tls| {
            let label = match &place {
                Place::Tcp { host, port } => format!("Postgres on {host}:{port}"),
                Place::Socket { dir, port } => format!("Postgres on the socket in {} (port {port})", dir.display()),
            };
            LocalServer { label, found_by: by, url: info.to_uri_without_password(), tls }
        })
    });
    futures_util::future::join_all(asks).await.into_iter().flatten().collect()
}

/// Some(offers TLS) when the place answers an SSLRequest like Postgres.
async fn offers_tls(place: &Place) -> Option<bool> {
    const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    let mut b = [0u8];
    match place {
        Place::Tcp { host, port } => {
            let mut s = tokio::net::TcpStream::connect((host.as_str(), *port)).await.ok()?;
            s.write_all(&SSL_REQUEST).await.ok()?;
            s.read_exact(&mut b).await.ok()?;
        }
        #[cfg(unix)]
        Place::Socket { dir, port } => {
            let mut s = tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).await.ok()?;
            s.write_all(&SSL_REQUEST).await.ok()?;
            s.read_exact(&mut b).await.ok()?;
        }
        #[cfg(not(unix))]
        Place::Socket { .. } => return None,
    }
    match b[0] {
        b'S' => Some(true),
        b'N' => Some(false),
        _ => None,
    }
}

/// The folders the first run looks in for sockets.
pub fn default_socket_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("/var/run/postgresql"), PathBuf::from("/tmp")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_places_looked_at() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".s.PGSQL.5433"), "").unwrap();
        std::fs::write(d.path().join(".s.PGSQL.5433.lock"), "").unwrap();
        let mut env = Environment::default();
        env.vars.insert("PGHOST".into(), "db.internal".into());
        env.vars.insert("PGUSER".into(), "me".into());
        env.vars.insert("DATABASE_URL".into(), "postgresql://app:secret@localhost:5432/app".into());
        let p = places(&env, &[d.path().to_owned(), PathBuf::from("/nonexistent")]);
        let by: Vec<&str> = p.iter().map(|(_, b, _)| b.as_str()).collect();
        // DATABASE_URL names localhost:5432 with a user and a database: its
        // card replaces the bare one, where that one was.
        assert_eq!(by, ["DATABASE_URL", "localhost:6432", &format!("socket in {} (port 5433)", d.path().display()), "PGHOST/PGPORT"]);
        assert_eq!(p[0].2.to_uri_without_password(), "postgresql://app@localhost:5432/app");
        assert_eq!(p[3].2.to_uri_without_password(), "postgresql://me@db.internal:5432");
        assert!(!format!("{p:?}").contains("secret"), "DATABASE_URL's password never leaves");
    }
}
