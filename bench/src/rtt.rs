//! Round trips: the latency proxy in front of a TLS + scram cluster, and
//! `psql -c 'select 1'` vs `sluice test` (without and with `--role source`)
//! through it. Time ÷ RTT counts the round trips each one waits for; the
//! proxy also counts them directly (client→server flights per connection).

use crate::catalog::bench_cluster;
use crate::proxy::LatencyProxy;
use crate::run::{sluice_facts, Programs, Tool};
use crate::stats::{round2, summary_json, Summary};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

const USER: (&str, &str) = ("app", "app-pw");

/// `delays_ms`: one-way delays; 0 means direct (no proxy), always measured
/// first as the baseline.
pub fn measure(programs: &Programs, delays_ms: &[u64], runs: usize) -> Result<Value, String> {
    let pg = bench_cluster();
    pg.create_role(USER.0, USER.1);
    pg.psql(&format!("GRANT pg_read_all_data TO {}", USER.0));
    let upstream = format!("127.0.0.1:{}", pg.port()).parse().map_err(|e| format!("{e}"))?;
    let tools = [Tool::Floor, Tool::SluiceNoRole, Tool::Sluice];
    let mut all = vec![0u64];
    all.extend(delays_ms.iter().copied().filter(|d| *d > 0));
    let mut baseline: BTreeMap<&str, f64> = BTreeMap::new();
    let mut results = Vec::new();
    for delay in all {
        let proxy = (delay > 0).then(|| LatencyProxy::start(upstream, Duration::from_millis(delay)));
        let port = proxy.as_ref().map_or(pg.port(), LatencyProxy::port);
        let url = format!("postgresql://{}:{}@127.0.0.1:{port}/postgres?sslmode=require", USER.0, USER.1);
        for tool in tools {
            programs.run(tool, &url)?; // warm-up
        }
        let mut wall: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut flights: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut steps: BTreeMap<&str, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        for _ in 0..runs {
            for tool in tools {
                let before = proxy.as_ref().map_or(0, LatencyProxy::connections);
                let (ms, out) = programs.run(tool, &url)?;
                wall.entry(tool.key()).or_default().push(ms);
                if let Some(p) = &proxy {
                    // The connection's last flights may still be in the delay line.
                    std::thread::sleep(Duration::from_millis(2 * delay + 20));
                    let conns = p.conn_stats_since(before);
                    let waited: u64 = conns.iter().map(|c| c.round_trips()).sum();
                    flights.entry(tool.key()).or_default().push(waited as f64);
                }
                if matches!(tool, Tool::Sluice | Tool::SluiceNoRole) {
                    let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("sluice JSON: {e}"))?;
                    let facts = sluice_facts(&report);
                    if !facts.connected {
                        return Err(format!("sluice did not connect: {}", report["error"]));
                    }
                    let per_stage = steps.entry(tool.key()).or_default();
                    for (stage, ms) in facts.steps {
                        per_stage.entry(stage).or_default().push(ms);
                    }
                    per_stage.entry("total".into()).or_default().push(facts.total_ms);
                }
            }
        }
        let rtt = 2.0 * delay as f64;
        let mut per_tool = Map::new();
        for tool in tools {
            let k = tool.key();
            let s = Summary::of(&wall[k]).ok_or("no runs")?;
            if delay == 0 {
                baseline.insert(k, s.median);
            }
            let mut v = json!({ "wall": s.to_json() });
            if delay > 0 {
                v["time_over_rtt"] = json!(round2(s.median / rtt));
                v["added_over_rtt"] = json!(round2((s.median - baseline[k]) / rtt));
                v["round_trips_counted"] = summary_json(&flights[k]);
            }
            if let Some(st) = steps.get(k) {
                v["steps"] = st.iter().map(|(stage, vals)| (stage.clone(), summary_json(vals))).collect::<Map<_, _>>().into();
            }
            per_tool.insert(k.to_owned(), v);
        }
        let mut entry = json!({ "one_way_ms": delay, "rtt_ms": rtt, "tools": per_tool });
        if let Some(p) = &proxy {
            let l = p.lateness();
            entry["proxy_lateness_us"] = json!({ "mean": round2(l.mean_us), "max": l.max_us, "chunks": l.chunks });
        }
        eprintln!(
            "  one-way {delay} ms: psql {:.0} ms, sluice {:.0} ms, sluice --role {:.0} ms",
            Summary::of(&wall["floor"]).map_or(0.0, |s| s.median),
            Summary::of(&wall["sluice_no_role"]).map_or(0.0, |s| s.median),
            Summary::of(&wall["sluice"]).map_or(0.0, |s| s.median),
        );
        results.push(entry);
    }
    Ok(json!({ "runs": runs, "delays": results }))
}

/// Direct TLS (`sslnegotiation=direct`, PostgreSQL 17+) against the usual
/// SSLRequest first, both `sluice test` with `sslmode=require` through the
/// latency proxy: the direct handshake should wait for one round trip fewer.
/// The server is the one under test (`SLUICE_PG_BINDIR`, 17 or later).
pub fn measure_direct(programs: &Programs, delays_ms: &[u64], runs: usize) -> Result<Value, String> {
    let major = sluice_harness::pg_bin::major();
    if major < 17 {
        return Err(format!("direct TLS needs PostgreSQL 17 or later; the server is {major} (set SLUICE_PG_BINDIR=$(scripts/pg-major.sh 17))"));
    }
    let pg = bench_cluster();
    pg.create_role(USER.0, USER.1);
    let upstream = format!("127.0.0.1:{}", pg.port()).parse().map_err(|e| format!("{e}"))?;
    let mut results = Vec::new();
    for &delay in delays_ms.iter().filter(|d| **d > 0) {
        let proxy = LatencyProxy::start(upstream, Duration::from_millis(delay));
        let base = format!("postgresql://{}:{}@127.0.0.1:{}/postgres?sslmode=require", USER.0, USER.1, proxy.port());
        let modes = [("negotiated", base.clone()), ("direct", format!("{base}&sslnegotiation=direct"))];
        for (_, url) in &modes {
            programs.run(Tool::SluiceNoRole, url)?; // warm-up
        }
        let mut wall: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut flights: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut tls_ms: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for _ in 0..runs {
            for (mode, url) in &modes {
                let before = proxy.connections();
                let (ms, out) = programs.run(Tool::SluiceNoRole, url)?;
                std::thread::sleep(Duration::from_millis(2 * delay + 20));
                let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("sluice JSON: {e}"))?;
                let facts = sluice_facts(&report);
                if !facts.connected {
                    return Err(format!("sluice ({mode}) did not connect: {}", report["error"]));
                }
                let how = report["server"]["tls"]["negotiation"].as_str().unwrap_or_default();
                if how != *mode {
                    return Err(format!("asked for {mode} TLS, the report says {how:?}"));
                }
                wall.entry(mode).or_default().push(ms);
                flights.entry(mode).or_default().push(proxy.conn_stats_since(before).iter().map(|c| c.round_trips()).sum::<u64>() as f64);
                if let Some((_, t)) = facts.steps.iter().find(|(s, _)| s == "tls") {
                    tls_ms.entry(mode).or_default().push(*t);
                }
            }
        }
        let rtt = 2.0 * delay as f64;
        let mut per_mode = Map::new();
        for (mode, _) in &modes {
            let s = Summary::of(&wall[mode]).ok_or("no runs")?;
            per_mode.insert(
                (*mode).to_owned(),
                json!({
                    "wall": s.to_json(),
                    "time_over_rtt": round2(s.median / rtt),
                    "round_trips_counted": summary_json(&flights[mode]),
                    "tls_step": tls_ms.get(mode).map(|v| summary_json(v)).unwrap_or(Value::Null),
                }),
            );
        }
        eprintln!(
            "  direct TLS, one-way {delay} ms: negotiated {:.0} ms, direct {:.0} ms",
            Summary::of(&wall["negotiated"]).map_or(0.0, |s| s.median),
            Summary::of(&wall["direct"]).map_or(0.0, |s| s.median)
        );
        results.push(json!({ "one_way_ms": delay, "rtt_ms": rtt, "modes": per_mode }));
    }
    Ok(json!({ "runs": runs, "server_major": major, "delays": results }))
}
