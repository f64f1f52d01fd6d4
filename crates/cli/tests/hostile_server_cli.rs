//! A hostile server cannot exhaust Sluice's memory, bloat its store or
//! drive its user's terminal (issue 22, parts 3 and 4). Each hostile
//! "Postgres" of the harness (`hostile_pg.rs`) is tested with the real CLI,
//! as a subprocess, and the child's peak memory (VmHWM, see the harness'
//! rusage.rs) is held
//! against a baseline run of the same CLI against a real cluster.
//!
//! Before the limits (commit 7be9fb8) each of these grew without bound:
//! the flood and the 2 GiB header until the 10 s deadline (3.4 GB and
//! 2.1 GB in the issue's measurements), the endless rows until memory ran
//! out, and the 100 MB error went whole into connections.json; the error
//! code was `timeout` or a protocol error, never `server_misbehaved`.
//! Before 178f44a the escapes reached the terminal raw.

#![cfg(target_os = "linux")]

mod support;

use serde_json::Value;
use sluice_harness::hostile_pg::{HostilePg, PgProxy, ESCAPE_MESSAGE};
use sluice_harness::rusage::{self, Measured};
use sluice_harness::Cluster;
use std::path::PathBuf;
use std::process::Command;

/// How much more than a real test's peak a hostile server may make the CLI
/// use: the issue's own suggestion (64 MiB over idle).
const GROWTH_BOUND_MIB: f64 = 64.0;
/// Rows are the one thing a real server sends a lot of: a catalog of
/// 200,000 tables with a serial each is 600,000 rows, and Sluice keeps what
/// each says. The limit is 1,000,000 rows (`probe/limits.rs`), and what a
/// hostile server can make Sluice hold is what a real catalog that size
/// holds: about 270 MiB measured (docs/errors.md), bounded here at 320.
const ROWS_GROWTH_BOUND_MIB: f64 = 320.0;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Env { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = support::sluice(&self.config(), &self.dir.path().join("home"));
        c.args(args).env_remove("SLUICE_LOG");
        c
    }

    fn measured(&self, args: &[&str]) -> Measured {
        rusage::run(&mut self.cmd(args))
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn json(m: &Measured) -> Value {
    serde_json::from_slice(&m.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&m.stdout), String::from_utf8_lossy(&m.stderr))
    })
}

fn url(port: u16) -> String {
    format!("postgresql://app:pw@127.0.0.1:{port}/appdb?sslmode=disable")
}

/// The CLI's peak memory on a real test of a real cluster (the median of
/// three runs), with the analysis when `role` is given.
fn baseline(env: &Env, pg: &Cluster, role: bool) -> f64 {
    let u = format!("postgresql://reader:pw@127.0.0.1:{}/postgres?sslmode=disable", pg.port());
    let mut args = vec!["test", u.as_str(), "--json"];
    if role {
        args.extend(["--role", "source"]);
    }
    let mut runs: Vec<f64> = (0..3)
        .map(|_| {
            let m = env.measured(&args);
            let v = json(&m);
            assert_eq!(v["connected"], true, "the baseline connects: {v}");
            m.max_rss_mib()
        })
        .collect();
    runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    runs[1]
}

fn real_cluster() -> Cluster {
    let pg = Cluster::start_default();
    pg.create_role("reader", "pw");
    pg
}

/// Runs `args`, expects `server_misbehaved` naming the limit (`names`, any
/// of), and the peak memory within the bound over `base`. Prints the figures.
fn misbehaved(env: &Env, label: &str, args: &[&str], names: &[&str], base: f64) -> Measured {
    misbehaved_within(env, label, args, names, base, GROWTH_BOUND_MIB)
}

fn misbehaved_within(env: &Env, label: &str, args: &[&str], names: &[&str], base: f64, bound: f64) -> Measured {
    let m = env.measured(args);
    let v = json(&m);
    let message = v["error"]["message"].as_str().unwrap_or_default();
    let growth = m.max_rss_mib() - base;
    eprintln!(
        "RSS {label}: peak {:.1} MiB, baseline {base:.1} MiB, growth {growth:.1} MiB, {:.2} s; {}: {}",
        m.max_rss_mib(),
        m.elapsed.as_secs_f64(),
        v["error"]["code"],
        message.chars().take(200).collect::<String>()
    );
    assert_eq!(m.code, Some(2), "{label}: {v}");
    assert_eq!(v["error"]["code"], "server_misbehaved", "{label}: {v}");
    assert!(names.iter().any(|n| message.contains(n)), "{label}: the message names the limit ({names:?}): {message}");
    assert!(growth < bound, "{label}: peak {:.1} MiB is {growth:.1} MiB over the baseline {base:.1} MiB", m.max_rss_mib());
    m
}

#[test]
fn a_parameter_status_flood_ends_in_server_misbehaved_within_the_memory_bound() {
    let env = Env::new();
    let pg = real_cluster();
    let base = baseline(&env, &pg, false);
    let flood = HostilePg::parameter_flood();
    let u = url(flood.port());
    misbehaved(&env, "ParameterStatus flood", &["test", &u, "--json", "--timeout", "30"], &["ParameterStatus"], base);
    // The server did flood: far more than the limit was on offer.
    assert!(flood.bytes_sent() > 256 * 30, "the flood was sent: {} bytes", flood.bytes_sent());
}

#[test]
fn a_2_gib_message_header_ends_in_server_misbehaved_within_the_memory_bound() {
    let env = Env::new();
    let pg = real_cluster();
    let base = baseline(&env, &pg, false);
    let huge = HostilePg::huge_message();
    let u = url(huge.port());
    misbehaved(&env, "2 GiB header", &["test", &u, "--json", "--timeout", "30"], &["2147483647"], base);
    assert_eq!(huge.connections(), 1);
}

#[test]
fn a_100_mb_error_ends_in_server_misbehaved_and_the_store_stays_small() {
    sluice_harness::keyring_env::require_secret_service();
    let env = Env::new();
    let pg = real_cluster();
    let base = baseline(&env, &pg, false);
    let big = HostilePg::big_error();
    let u = url(big.port());
    misbehaved(&env, "100 MB ErrorResponse", &["test", &u, "--json", "--timeout", "30"], &["error message of 100000", "KiB in one message"], base);

    // Saved and tested by name: the stored outcome is a short line.
    let saved_url = format!("postgresql://app@127.0.0.1:{}/appdb?sslmode=disable", big.port());
    let out = env.cmd(&["connections", "add", "--name", "saved", "--url", &saved_url, "--no-password"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let store = env.config().join("connections.json");
    let before = std::fs::metadata(&store).unwrap().len();
    let m = env.measured(&["test", "--name", "saved", "--json", "--timeout", "30"]);
    assert_eq!(json(&m)["error"]["code"], "server_misbehaved");
    let after = std::fs::metadata(&store).unwrap().len();
    let shown: Value = serde_json::from_slice(&env.cmd(&["connections", "show", "saved", "--json"]).output().unwrap().stdout).unwrap();
    // Positive control: the test's outcome was recorded (the file did change).
    assert_eq!(shown["last_test"]["code"], "server_misbehaved", "{shown}");
    eprintln!("connections.json: {before} B before the test, {after} B after");
    assert!(after < 20_000, "connections.json grew to {after} bytes");
    assert!(big.connections() >= 2, "both runs reached the hostile server");
}

#[test]
fn a_long_error_under_the_message_limit_is_stored_clipped() {
    // 900 KB: under the 1 MiB a message may take, so the error is the
    // server's own and reaches the report; the store keeps a short line.
    sluice_harness::keyring_env::require_secret_service();
    let env = Env::new();
    let long = HostilePg::long_error(900_000);
    let saved_url = format!("postgresql://app@127.0.0.1:{}/appdb?sslmode=disable", long.port());
    let out = env.cmd(&["connections", "add", "--name", "long", "--url", &saved_url, "--no-password"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let m = env.measured(&["test", "--name", "long", "--json"]);
    let v = json(&m);
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.len() > 800_000, "control: the server's whole message is in the report ({} bytes)", message.len());
    let store = env.config().join("connections.json");
    let size = std::fs::metadata(&store).unwrap().len();
    let shown: Value = serde_json::from_slice(&env.cmd(&["connections", "show", "long", "--json"]).output().unwrap().stdout).unwrap();
    let kept = shown["last_test"]["message"].as_str().unwrap_or_default();
    eprintln!("connections.json after a 900 KB error: {size} B; the stored message is {} characters", kept.chars().count());
    assert!(kept.starts_with("The server refused the connection: A hostile server"), "the outcome was recorded: {shown}");
    assert!(kept.chars().count() <= 501, "the stored message is clipped: {} characters", kept.chars().count());
    assert!(size < 20_000, "connections.json grew to {size} bytes");
    env.cmd(&["connections", "remove", "long"]).output().unwrap();
}

#[test]
fn endless_analysis_rows_end_in_server_misbehaved_within_the_memory_bound() {
    let env = Env::new();
    let pg = real_cluster();
    let base = baseline(&env, &pg, true);
    let proxy = PgProxy::endless_rows(pg.port());
    let u = format!("postgresql://reader:pw@127.0.0.1:{}/postgres?sslmode=disable", proxy.port());
    let m = misbehaved(
        &env,
        "endless analysis rows",
        &["test", &u, "--role", "source", "--json", "--timeout", "120"],
        &["rows in one test", "MiB in one test"],
        base,
    );
    let v = json(&m);
    // The session row came through the proxy: it is the analysis that was cut.
    assert_eq!(v["error"]["stage"], "access", "{v}");
    let session = v["steps"].as_array().unwrap().iter().find(|s| s["stage"] == "session").cloned();
    assert_eq!(session.map(|s| s["status"].clone()), Some(Value::from("ok")), "{v}");
    assert!(proxy.rows_repeated() > 100_000, "the proxy repeated rows: {}", proxy.rows_repeated());
}

#[test]
fn endless_relation_rows_end_in_server_misbehaved_within_the_memory_bound() {
    // The first analysis row is the role's, which the client keeps once; a
    // source's group row (`relations`) is collected, its members added per
    // row, so this is the case that would grow with what the server sends.
    let env = Env::new();
    let pg = real_cluster();
    pg.psql("CREATE TABLE public.orders (id int); GRANT SELECT ON public.orders TO reader;");
    let base = baseline(&env, &pg, true);
    let proxy = PgProxy::endless_rows_of_kind(pg.port(), "relations");
    let u = format!("postgresql://reader:pw@127.0.0.1:{}/postgres?sslmode=disable", proxy.port());
    let m = misbehaved_within(
        &env,
        "endless relation rows",
        &["test", &u, "--role", "source", "--json", "--timeout", "120"],
        &["rows in one test", "MiB in one test"],
        base,
        ROWS_GROWTH_BOUND_MIB,
    );
    assert_eq!(json(&m)["error"]["stage"], "access");
    assert!(proxy.rows_repeated() > 100_000, "the proxy repeated rows: {}", proxy.rows_repeated());
}

fn has_raw_controls(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| *b == 0x1b || *b == 0x07)
}

#[test]
fn server_text_and_imported_names_reach_the_terminal_escaped() {
    sluice_harness::keyring_env::require_secret_service();
    let env = Env::new();
    let evil = HostilePg::escape_error();
    let u = url(evil.port());

    // JSON stays JSON: the message comes back exactly as the server sent it.
    let m = env.measured(&["test", &u, "--json"]);
    let v = json(&m);
    assert!(v["error"]["message"].as_str().unwrap_or_default().contains(ESCAPE_MESSAGE), "the server's message, unchanged in JSON: {v}");
    // Human output: shown, not obeyed.
    let m = env.measured(&["test", &u]);
    let text = String::from_utf8_lossy(&m.stdout).into_owned();
    assert_eq!(m.code, Some(2), "{text}");
    assert!(text.contains("boom") && text.contains("owned title"), "the server's message is shown: {text}");
    assert!(!has_raw_controls(&m.stdout), "raw ESC or BEL in stdout: {:?}", text);
    assert!(!has_raw_controls(&m.stderr), "raw ESC or BEL in stderr: {:?}", String::from_utf8_lossy(&m.stderr));
    assert!(text.contains(r"\x1b[2K\x1b[1A") && text.contains(r"\x1b]52;c;") && text.contains(r"\x07"), "{text}");
    assert_eq!(evil.connections(), 2);

    // An imported database name with ESC in it (names themselves refuse
    // control characters): listed escaped.
    let doc = serde_json::json!({"sluice_export": 1, "connections": [{"entry": "fields", "name": "imported",
        "params": {"host": "db.example.com", "user": "u", "dbname": "shop\u{1b}[2K\u{1b}[1Adone"}}]});
    let file = env.file("export.json", &doc.to_string());
    let out = env.cmd(&["connections", "import", "--from", "json", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!has_raw_controls(&out.stdout) && !has_raw_controls(&out.stderr), "the import's own report is escaped");
    let list = env.cmd(&["connections", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(text.contains("shop") && text.contains("imported"), "the imported connection is listed: {text}");
    assert!(!has_raw_controls(&list.stdout), "raw ESC or BEL in the list: {text:?}");
    assert!(text.contains(r"shop\x1b[2K\x1b[1Adone"), "{text}");
    // `show` too.
    let json_list: Value = serde_json::from_slice(&env.cmd(&["connections", "list", "--json"]).output().unwrap().stdout).unwrap();
    assert_eq!(json_list[0]["params"]["dbname"], "shop\u{1b}[2K\u{1b}[1Adone", "JSON keeps the value");
    let show = env.cmd(&["connections", "show", "imported"]).output().unwrap();
    let text = String::from_utf8_lossy(&show.stdout).into_owned();
    assert!(show.status.success() && text.contains(r"shop\x1b[2K"), "{text}");
    assert!(!has_raw_controls(&show.stdout), "{text:?}");
    env.cmd(&["connections", "remove", "imported"]).output().unwrap();
}
