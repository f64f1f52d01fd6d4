//! The SSH tunnel's cost: a real sshd (the harness's) behind the latency
//! proxy, the TLS + scram cluster next to it (the bastion reaches it
//! directly), and two ways through:
//! - `ssh -N -L` (OpenSSH's client, no config, the key given, known_hosts
//!   pinned) and then `psql -c 'select 1'` through the forwarded port,
//!   timed from spawning ssh to psql's exit;
//! - `sluice test URL --ssh … --json`: the whole test over the channel.
//!
//! The proxy counts the round trips each waited for on the SSH connection
//! (client flights after the first), which carries the SSH handshake, the
//! login, the channel and the Postgres conversation inside it; timing is
//! context.

use crate::catalog::bench_cluster;
use crate::proxy::LatencyProxy;
use crate::run::sluice_facts;
use crate::stats::{round2, summary_json, Summary};
use serde_json::{json, Map, Value};
use sluice_harness::sshd::{Sshd, UserKey, USER};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DB_USER: (&str, &str) = ("app", "app-pw");

pub fn measure(sluice: &Path, delays_ms: &[u64], runs: usize) -> Result<Value, String> {
    let pg = bench_cluster();
    pg.create_role(DB_USER.0, DB_USER.1);
    let key = UserKey::generate("ed25519", None);
    let sshd = Sshd::builder().authorize(&key).start();
    let upstream = format!("127.0.0.1:{}", sshd.port()).parse().map_err(|e| format!("{e}"))?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for &delay in delays_ms.iter().filter(|d| **d > 0) {
        let proxy = LatencyProxy::start(upstream, Duration::from_millis(delay));
        let known_hosts = dir.path().join(format!("known_hosts_{delay}"));
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{} {}\n", proxy.port(), sshd.host_key())).map_err(|e| e.to_string())?;
        let mut wall: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut trips: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut steps: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for run in 0..=runs {
            for tool in ["ssh_psql", "sluice"] {
                let before = proxy.connections();
                let ms = match tool {
                    "ssh_psql" => ssh_then_psql(&pg, &key.path, &known_hosts, proxy.port())?,
                    _ => {
                        let (ms, report) = sluice_through(sluice, &pg, &key.path, &known_hosts, proxy.port())?;
                        if run > 0 {
                            for (stage, v) in sluice_facts(&report).steps {
                                steps.entry(stage).or_default().push(v);
                            }
                        }
                        ms
                    }
                };
                std::thread::sleep(Duration::from_millis(2 * delay + 50));
                if run == 0 {
                    continue; // warm-up
                }
                wall.entry(tool).or_default().push(ms);
                let counted: u64 = proxy.conn_stats_since(before).iter().map(|c| c.round_trips()).sum();
                trips.entry(tool).or_default().push(counted as f64);
            }
        }
        let rtt = 2.0 * delay as f64;
        let mut tools = Map::new();
        for (tool, w) in &wall {
            let s = Summary::of(w).ok_or("no runs")?;
            let mut v = json!({ "wall": s.to_json(), "time_over_rtt": round2(s.median / rtt), "round_trips_counted": summary_json(&trips[tool]) });
            if *tool == "sluice" {
                v["steps"] = steps.iter().map(|(k, vals)| (k.clone(), summary_json(vals))).collect::<Map<_, _>>().into();
            }
            tools.insert((*tool).to_owned(), v);
        }
        eprintln!(
            "  tunnel one-way {delay} ms: ssh -L + psql {:.0} ms ({} round trips), sluice {:.0} ms ({} round trips)",
            Summary::of(&wall["ssh_psql"]).map_or(0.0, |s| s.median),
            Summary::of(&trips["ssh_psql"]).map_or(0.0, |s| s.median),
            Summary::of(&wall["sluice"]).map_or(0.0, |s| s.median),
            Summary::of(&trips["sluice"]).map_or(0.0, |s| s.median),
        );
        results.push(json!({ "one_way_ms": delay, "rtt_ms": rtt, "tools": tools }));
    }
    Ok(json!({ "runs": runs, "delays": results }))
}

fn db_url(port: u16) -> String {
    format!("postgresql://{}:{}@127.0.0.1:{port}/postgres?sslmode=require", DB_USER.0, DB_USER.1)
}

/// `ssh -N -L`, wait for the forwarded port, `psql -c 'select 1'` through
/// it, stop ssh; milliseconds from spawning ssh to psql's exit.
fn ssh_then_psql(pg: &sluice_harness::Cluster, key: &Path, known_hosts: &Path, ssh_port: u16) -> Result<f64, String> {
    let local = sluice_harness::free_port();
    let started = Instant::now();
    let mut ssh = Command::new("ssh")
        .args(["-F", "/dev/null", "-N", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "StrictHostKeyChecking=yes", "-o", "ExitOnForwardFailure=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .arg("-i")
        .arg(key)
        .args(["-p", &ssh_port.to_string(), "-L", &format!("{local}:127.0.0.1:{}", pg.port()), &format!("{USER}@127.0.0.1")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("ssh did not start: {e}"))?;
    // The forward listens once ssh has logged in.
    while std::net::TcpStream::connect(("127.0.0.1", local)).is_err() {
        if let Ok(Some(status)) = ssh.try_wait() {
            return Err(format!("ssh exited ({status}) before forwarding"));
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = ssh.kill();
            return Err("ssh did not forward within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let out = Command::new(sluice_harness::pg_bin::bin("psql"))
        .args(["-X", "-q", "-A", "-t", "-d", &db_url(local), "-c", "select 1"])
        .env_remove("PGPASSWORD")
        .output()
        .map_err(|e| format!("psql did not start: {e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let _ = ssh.kill();
    let _ = ssh.wait();
    if !out.status.success() {
        return Err(format!("psql through ssh -L failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(ms)
}

fn sluice_through(sluice: &Path, pg: &sluice_harness::Cluster, key: &Path, known_hosts: &Path, ssh_port: u16) -> Result<(f64, Value), String> {
    let started = Instant::now();
    let out = Command::new(sluice)
        .args(["test", &db_url(pg.port()), "--json", "--ssh", &format!("{USER}@127.0.0.1:{ssh_port}"), "--ssh-auth", "key", "--ssh-identity"])
        .arg(key)
        .arg("--ssh-known-hosts")
        .arg(known_hosts)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("PGPASSWORD")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("sluice did not start: {e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("sluice JSON: {e}"))?;
    if report["connected"] != true {
        return Err(format!("sluice did not connect through the tunnel: {}", report["error"]));
    }
    Ok((ms, report))
}
