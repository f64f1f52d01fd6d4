//! sqlx 0.9, the library a Rust developer would reach for, side by side with
//! libpq (psql) and Sluice on the probe's own scenarios: what each does with
//! the same connection string (connects, and whether over TLS; refuses; or
//! hangs), then the connect time and the round trips through the latency
//! proxy where all three connect. sqlx is a dependency of this benchmark
//! only; the probe does not use it (docs/DESIGN.md says why).

use crate::proxy::LatencyProxy;
use crate::run::Programs;
use crate::stats::{summary_json, Summary};
use serde_json::{json, Value};
use sluice_harness::tls::KeyFormat;
use sluice_harness::{listeners::FakeServer, pgbouncer::PgBouncer, Cluster};
use sqlx::{ConnectOptions, Connection};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

const USER: (&str, &str) = ("app", "app-pw");
/// Longer than every deadline in the scenarios: past it, a contender hangs.
const CAP: Duration = Duration::from_secs(8);
const SSL_QUERY: &str = "select ssl from pg_catalog.pg_stat_ssl where pid = pg_catalog.pg_backend_pid()";

/// What one contender did with one connection string.
#[derive(Debug, Clone)]
enum Outcome {
    /// Connected and ran a query; whether the session is encrypted, as the server says.
    Connect { ms: f64, tls: bool },
    Refuse { ms: f64, why: String },
    Hang,
}

impl Outcome {
    fn to_json(&self) -> Value {
        match self {
            Outcome::Connect { ms, tls } => json!({ "outcome": "connect", "tls": tls, "ms": ms }),
            Outcome::Refuse { ms, why } => json!({ "outcome": "refuse", "ms": ms, "why": why }),
            Outcome::Hang => json!({ "outcome": "hang", "after_ms": CAP.as_secs_f64() * 1000.0 }),
        }
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_owned();
    line.chars().take(160).collect()
}

/// Runs `cmd` with the cap; None if it had to be killed.
fn run_capped(mut cmd: Command) -> Option<(f64, std::process::Output)> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().ok()?;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            let out = child.wait_with_output().ok()?;
            return Some((started.elapsed().as_secs_f64() * 1000.0, out));
        }
        if started.elapsed() > CAP {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn psql(programs: &Programs, url: &str, env: &[(&str, &str)]) -> Outcome {
    let mut c = Command::new(&programs.psql);
    c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", SSL_QUERY]);
    for var in ["PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT", "PGCHANNELBINDING", "PGSERVICE", "PGCONNECT_TIMEOUT"] {
        c.env_remove(var);
    }
    c.envs(env.iter().copied());
    match run_capped(c) {
        None => Outcome::Hang,
        Some((ms, out)) if out.status.success() => Outcome::Connect { ms, tls: String::from_utf8_lossy(&out.stdout).trim() == "t" },
        Some((ms, out)) => {
            // "psql: error: connection to server at "127.0.0.1", port N failed: WHY"
            let text = String::from_utf8_lossy(&out.stderr).into_owned();
            let why = text.split_once(" failed: ").map_or(text.as_str(), |(_, w)| w);
            Outcome::Refuse { ms, why: first_line(why) }
        }
    }
}

fn sluice(programs: &Programs, url: &str) -> Outcome {
    let mut c = Command::new(&programs.sluice);
    c.args(["test", url, "--json"]);
    for var in ["PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT", "PGCHANNELBINDING", "PGSERVICE", "PGCONNECT_TIMEOUT"] {
        c.env_remove(var);
    }
    match run_capped(c) {
        None => Outcome::Hang,
        Some((ms, out)) => match serde_json::from_slice::<Value>(&out.stdout) {
            Ok(r) if r["connected"] == true => Outcome::Connect { ms, tls: r["server"]["backend_ssl"] == true },
            Ok(r) => Outcome::Refuse { ms, why: format!("{}: {}", r["error"]["code"].as_str().unwrap_or("?"), first_line(r["error"]["message"].as_str().unwrap_or(""))) },
            Err(_) => Outcome::Refuse { ms, why: first_line(&String::from_utf8_lossy(&out.stderr)) },
        },
    }
}

/// sqlx's own parser reads the URL; `connect_with` then one query.
/// `second`: a second connection while the first stays open, each running
/// the same query (a pool's normal life), as through PgBouncer.
fn sqlx(rt: &tokio::runtime::Runtime, url: &str, second: bool) -> Outcome {
    let started = Instant::now();
    let ms = |s: Instant| s.elapsed().as_secs_f64() * 1000.0;
    let result = rt.block_on(async {
        tokio::time::timeout(CAP, async {
            let opts = sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| e.to_string())?.disable_statement_logging();
            let mut a = opts.connect().await.map_err(|e| e.to_string())?;
            let (tls,): (bool,) = sqlx::query_as(SSL_QUERY).fetch_one(&mut a).await.map_err(|e| e.to_string())?;
            if second {
                let mut b = opts.connect().await.map_err(|e| e.to_string())?;
                let _: (bool,) = sqlx::query_as(SSL_QUERY).fetch_one(&mut b).await.map_err(|e| format!("second connection: {e}"))?;
                let _: (bool,) = sqlx::query_as(SSL_QUERY).fetch_one(&mut a).await.map_err(|e| format!("first connection again: {e}"))?;
                let _ = b.close().await;
            }
            let _ = a.close().await;
            Ok::<bool, String>(tls)
        })
        .await
    });
    match result {
        Err(_) => Outcome::Hang,
        Ok(Ok(tls)) => Outcome::Connect { ms: ms(started), tls },
        Ok(Err(why)) => Outcome::Refuse { ms: ms(started), why: first_line(why.trim_start_matches("error returned from database: ")) },
    }
}

struct Case {
    key: String,
    what: String,
    url: String,
    /// libpq-only settings that psql takes from the environment as well.
    psql_env: Vec<(&'static str, String)>,
    second: bool,
}

fn base(port: u16, query: &str) -> String {
    format!("postgresql://{}:{}@127.0.0.1:{port}/postgres?{query}", USER.0, USER.1)
}

pub fn measure(programs: &Programs, delays_ms: &[u64], runs: usize) -> Result<Value, String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    // A TLS cluster that takes both plain and TLS sessions, one that takes
    // TLS only, a plain one, one with client certificates.
    let tls = Cluster::builder().tls().hba("host all all 127.0.0.1/32 scram-sha-256").start();
    let tls_only = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 scram-sha-256").start();
    let plain = Cluster::start_default();
    let certs = Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 cert").start();
    for c in [&tls, &tls_only, &plain, &certs] {
        c.create_role(USER.0, USER.1);
    }
    let ca = tls.pki().ca_cert();
    let ca = ca.display();
    let mut cases = Vec::new();
    for mode in ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] {
        let root = if mode.starts_with("verify") { format!("&sslrootcert={ca}") } else { String::new() };
        cases.push(Case { key: format!("tls-{mode}"), what: format!("`sslmode={mode}`, server offers TLS and takes plain too"), url: base(tls.port(), &format!("sslmode={mode}{root}")), psql_env: vec![], second: false });
    }
    for mode in ["disable", "allow", "prefer", "require"] {
        cases.push(Case { key: format!("plain-{mode}"), what: format!("`sslmode={mode}`, server without TLS"), url: base(plain.port(), &format!("sslmode={mode}")), psql_env: vec![], second: false });
    }
    cases.push(Case { key: "tls-only-allow".into(), what: "`sslmode=allow`, server takes TLS sessions only (`hostssl`)".into(), url: base(tls_only.port(), "sslmode=allow"), psql_env: vec![], second: false });
    let other_ca = tls.pki().other_ca_cert();
    cases.push(Case {
        key: "require-wrong-ca".into(),
        what: "`sslmode=require` with `sslrootcert` from another CA (libpq: verify the chain)".into(),
        url: base(tls.port(), &format!("sslmode=require&sslrootcert={}", other_ca.display())),
        psql_env: vec![],
        second: false,
    });
    cases.push(Case {
        key: "channel-binding-plain".into(),
        what: "`channel_binding=require` on a session without TLS (scram)".into(),
        url: base(plain.port(), "sslmode=disable&channel_binding=require"),
        psql_env: vec![],
        second: false,
    });
    cases.push(Case {
        key: "channel-binding-tls".into(),
        what: "`channel_binding=require` over TLS (scram-sha-256-plus)".into(),
        url: base(tls.port(), "sslmode=require&channel_binding=require"),
        psql_env: vec![],
        second: false,
    });
    let silent = FakeServer::silent();
    cases.push(Case {
        key: "silent-connect-timeout".into(),
        what: "`connect_timeout=2` against a listener that never answers".into(),
        url: base(silent.port(), "sslmode=disable&connect_timeout=2"),
        psql_env: vec![],
        second: false,
    });
    let bouncer = PgBouncer::start(&plain, USER.0, USER.1);
    cases.push(Case {
        key: "pgbouncer-transaction".into(),
        what: "PgBouncer in transaction mode, its defaults; two clients each running a query (sqlx: two connections, the first kept open)".into(),
        url: base(bouncer.port(), "sslmode=disable"),
        psql_env: vec![],
        second: true,
    });
    // sqlx's startup packet sets extra_float_digits, which PgBouncer refuses
    // unless told to ignore it; with that, its named prepared statements meet
    // transaction pooling.
    let lenient = PgBouncer::start_with(&plain, USER.0, USER.1, "ignore_startup_parameters = extra_float_digits");
    cases.push(Case {
        key: "pgbouncer-transaction-prepared".into(),
        what: "the same with `ignore_startup_parameters = extra_float_digits`, so that sqlx gets in: its named prepared statements meet transaction pooling".into(),
        url: base(lenient.port(), "sslmode=disable"),
        psql_env: vec![],
        second: true,
    });
    let (cert, key) = certs.pki().client_cert(USER.0);
    let encrypted = certs.pki().encrypt_key(&key, "key-pass", KeyFormat::Pkcs8Aes256);
    cases.push(Case {
        key: "encrypted-client-key".into(),
        what: "client certificate with an encrypted key (`sslpassword`), `cert` auth".into(),
        url: format!(
            "postgresql://{}@127.0.0.1:{}/postgres?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}&sslpassword=key-pass",
            USER.0,
            certs.port(),
            certs.pki().ca_cert().display(),
            cert.display(),
            encrypted.display()
        ),
        psql_env: vec![],
        second: false,
    });

    let mut rows = Vec::new();
    for case in &cases {
        let env: Vec<(&str, &str)> = case.psql_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let p = psql(programs, &case.url, &env);
        let p2 = if case.second { Some(psql(programs, &case.url, &env)) } else { None };
        let s = sluice(programs, &case.url);
        let s2 = if case.second { Some(sluice(programs, &case.url)) } else { None };
        let q = sqlx(&rt, &case.url, case.second);
        // Two runs of a one-shot client are two clients: report the worse.
        let worse = |a: Outcome, b: Option<Outcome>| match (a, b) {
            (Outcome::Connect { .. }, Some(b @ (Outcome::Refuse { .. } | Outcome::Hang))) => b,
            (a, _) => a,
        };
        let (p, s) = (worse(p, p2), worse(s, s2));
        eprintln!("sqlx: {:<24} psql {:?} | sluice {:?} | sqlx {:?}", case.key, p, s, q);
        rows.push(json!({ "key": case.key, "what": case.what, "psql": p.to_json(), "sluice": s.to_json(), "sqlx": q.to_json() }));
    }

    // Connect time and round trips where all three connect: sslmode=require
    // (TLS, scram) through the latency proxy.
    let upstream = format!("127.0.0.1:{}", tls.port()).parse().map_err(|e| format!("{e}"))?;
    let mut timing = Vec::new();
    for &delay in delays_ms {
        let proxy = LatencyProxy::start(upstream, Duration::from_millis(delay));
        let url = base(proxy.port(), "sslmode=require");
        let mut per = serde_json::Map::new();
        for tool in ["psql", "sluice", "sqlx"] {
            let mut wall = Vec::new();
            let mut flights = Vec::new();
            for run in 0..=runs {
                let before = proxy.connections();
                let outcome = match tool {
                    "psql" => psql(programs, &url, &[]),
                    "sluice" => sluice(programs, &url),
                    _ => sqlx(&rt, &url, false),
                };
                let Outcome::Connect { ms, .. } = outcome else { return Err(format!("{tool} did not connect through the proxy: {outcome:?}")) };
                std::thread::sleep(Duration::from_millis(2 * delay + 20));
                if run > 0 {
                    wall.push(ms);
                    flights.push(proxy.conn_stats_since(before).iter().map(|c| c.round_trips()).sum::<u64>() as f64);
                }
            }
            let s = Summary::of(&wall).ok_or("no runs")?;
            per.insert(tool.into(), json!({ "wall": s.to_json(), "round_trips_counted": summary_json(&flights) }));
        }
        timing.push(json!({ "one_way_ms": delay, "tools": per }));
    }
    let sqlx_version = "0.9";
    Ok(json!({ "sqlx": sqlx_version, "cap_ms": CAP.as_secs_f64() * 1000.0, "scenarios": rows, "timing": timing }))
}
