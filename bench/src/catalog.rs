//! Catalog scale: a database with N tables, spread over up to ten schemas,
//! owned by `app_owner`, a view on every 20th table, in one of two shapes:
//! - [`Shape::Mixed`]: every 10th table has a `serial` column (N/10 sequences);
//! - [`Shape::Serial`]: every table has one (N sequences, N `nextval()`
//!   defaults), the shape of a schema migrated from an ORM.
//!
//! Roles: `reader` gets SELECT on all of it only through its group
//! `readers`; `direct` gets the same grants directly; `app_owner` owns it.
//!
//! Each database is measured twice: first with never-analysed catalogs
//! (autovacuum is off; the statistics are those of the empty database that
//! `CREATE DATABASE` copied, as right after a bulk migration), then after
//! `VACUUM (ANALYZE)` of the catalogs.
//!
//! Contenders, each a fresh process and connection over TLS
//! (`sslmode=require`) with scram-sha-256:
//! - `sluice test URL --role source --json`: connect, TLS, auth, session
//!   facts and the whole access analysis (every schema, relation, sequence,
//!   function and write dependency);
//! - psql running Neosync's query on `information_schema.table_privileges`;
//! - `psql -c 'select 1'`, the floor.
//!
//! Also measured: the server-side time of each (from the statement log), and
//! the analysis SQL alone under `EXPLAIN (ANALYZE, TIMING OFF)` on a fresh
//! backend.

use crate::run::{neosync_rows, sluice_facts, Programs, Tool};
use crate::serverlog::LogCursor;
use crate::stats::summary_json;
use serde_json::{json, Map, Value};
use sluice_harness::Cluster;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

pub const DB: &str = "bench";
pub const OWNER: (&str, &str) = ("app_owner", "owner-pw");
pub const READER: (&str, &str) = ("reader", "reader-pw");
pub const DIRECT: (&str, &str) = ("direct", "direct-pw");
/// The roles measured, by their key in the results.
pub const ROLES: [(&str, (&str, &str)); 3] = [("owner", OWNER), ("reader", READER), ("direct", DIRECT)];
pub const GROUP: &str = "readers";
/// Tables are committed in chunks: one transaction for all of them would run
/// out of lock slots.
const CHUNK: u32 = 500;

/// A cluster as the benchmarks want it: TLS, scram only over TCP, every
/// statement's duration logged (the statement text is logged with it),
/// Postgres's default shared_buffers, no autovacuum (catalog statistics are
/// gathered explicitly, by [`Fixture::analyse`]).
pub fn bench_cluster() -> Cluster {
    Cluster::builder()
        .tls()
        .hba("hostssl all all 127.0.0.1/32 scram-sha-256")
        .setting("log_statement", "none")
        .setting("log_min_duration_statement", "0")
        .setting("autovacuum", "off")
        .setting("shared_buffers", "128MB")
        .start()
}

/// Which tables get a `serial` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Every 10th table.
    Mixed,
    /// Every table.
    Serial,
}

impl Shape {
    pub fn key(self) -> &'static str {
        match self {
            Shape::Mixed => "mixed",
            Shape::Serial => "serial",
        }
    }

    pub fn parse(s: &str) -> Option<Shape> {
        match s {
            "mixed" => Some(Shape::Mixed),
            "serial" => Some(Shape::Serial),
            _ => None,
        }
    }

    /// The SQL condition (on the loop variable `i`) for a serial column.
    fn serial_when(self) -> &'static str {
        match self {
            Shape::Mixed => "i % 10 = 0",
            Shape::Serial => "true",
        }
    }
}

pub struct Fixture {
    pub pg: Cluster,
    pub n: u32,
    pub shape: Shape,
    /// Whether [`Fixture::analyse`] has run.
    pub analysed: bool,
    pub schemas: u32,
    pub counts: (u64, u64, u64),
    pub setup_ms: Value,
}

fn schema_list(k: u32) -> String {
    (0..k).map(|i| format!("s{i}")).collect::<Vec<_>>().join(", ")
}

impl Fixture {
    /// Builds the database with `n` tables; prints progress on stderr. Its
    /// catalogs are not analysed: call [`Fixture::analyse`] for that.
    pub fn build(n: u32, shape: Shape) -> Fixture {
        let pg = bench_cluster();
        pg.psql(&format!(
            "CREATE ROLE {o} LOGIN PASSWORD '{op}';\n\
             CREATE ROLE {GROUP} NOLOGIN;\n\
             CREATE ROLE {r} LOGIN PASSWORD '{rp}' IN ROLE {GROUP};\n\
             CREATE ROLE {d} LOGIN PASSWORD '{dp}';\n\
             CREATE DATABASE {DB} OWNER {o};",
            o = OWNER.0,
            op = OWNER.1,
            r = READER.0,
            rp = READER.1,
            d = DIRECT.0,
            dp = DIRECT.1
        ));
        let k = n.clamp(1, 10);
        let schemas = schema_list(k);
        let create = format!(
            "SET ROLE {o};\n\
             {creates}\n\
             DO $$\n\
             DECLARE s text;\n\
             BEGIN\n\
               FOR i IN 1..{n} LOOP\n\
                 s := 's' || ((i - 1) % {k});\n\
                 EXECUTE format('CREATE TABLE %I.%I (id %s PRIMARY KEY, v text)', s, 't' || i,\n\
                   CASE WHEN {serial} THEN 'serial' ELSE 'integer' END);\n\
                 IF i % 20 = 0 THEN\n\
                   EXECUTE format('CREATE VIEW %I.%I AS SELECT id, v FROM %I.%I', s, 'v' || i, s, 't' || i);\n\
                 END IF;\n\
                 IF i % {CHUNK} = 0 THEN COMMIT; END IF;\n\
               END LOOP;\n\
             END $$;",
            o = OWNER.0,
            serial = shape.serial_when(),
            creates = (0..k).map(|i| format!("CREATE SCHEMA s{i};")).collect::<Vec<_>>().join("\n"),
        );
        let t = Instant::now();
        pg.psql_in(DB, &create);
        let create_ms = t.elapsed().as_secs_f64() * 1000.0;
        eprintln!("  created {n} tables in {:.1} s", create_ms / 1000.0);

        let t = Instant::now();
        pg.psql_in(
            DB,
            &format!(
                "SET ROLE {o};\nGRANT USAGE ON SCHEMA {schemas} TO {GROUP}, {d};\nGRANT SELECT ON ALL TABLES IN SCHEMA {schemas} TO {GROUP}, {d};\nRESET ROLE;\nCHECKPOINT;",
                o = OWNER.0,
                d = DIRECT.0
            ),
        );
        let grant_ms = t.elapsed().as_secs_f64() * 1000.0;

        let counts = pg.psql_in(
            DB,
            "SELECT count(*) FILTER (WHERE c.relkind = 'r'), count(*) FILTER (WHERE c.relkind = 'v'), \
             count(*) FILTER (WHERE c.relkind = 'S') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname ~ '^s[0-9]$'",
        );
        let parts: Vec<u64> = counts.split('|').filter_map(|p| p.trim().parse().ok()).collect();
        assert_eq!(parts.len(), 3, "unexpected counts: {counts}");
        assert_eq!(parts[0], u64::from(n), "tables created");
        Fixture {
            pg,
            n,
            shape,
            analysed: false,
            schemas: k,
            counts: (parts[0], parts[1], parts[2]),
            setup_ms: json!({ "create": create_ms.round(), "grant": grant_ms.round() }),
        }
    }

    /// Fresh statistics on the catalogs both queries read, as autovacuum
    /// would eventually leave them on a real server; then a checkpoint so
    /// no background write lands in a measurement.
    pub fn analyse(&mut self) {
        let t = Instant::now();
        self.pg.psql_in(
            DB,
            "VACUUM (ANALYZE) pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_namespace, \
             pg_catalog.pg_depend, pg_catalog.pg_attrdef, pg_catalog.pg_constraint, pg_catalog.pg_proc, \
             pg_catalog.pg_inherits, pg_catalog.pg_type, pg_catalog.pg_index, pg_catalog.pg_authid, \
             pg_catalog.pg_auth_members;\nCHECKPOINT;",
        );
        self.setup_ms["vacuum_analyze"] = json!((t.elapsed().as_secs_f64() * 1000.0).round());
        self.analysed = true;
    }

    /// `never` or `analysed`: the state of the catalog statistics.
    pub fn stats(&self) -> &'static str {
        if self.analysed {
            "analysed"
        } else {
            "never"
        }
    }

    pub fn url(&self, (user, password): (&str, &str)) -> String {
        format!("postgresql://{user}:{password}@127.0.0.1:{}/{DB}?sslmode=require", self.pg.port())
    }
}

/// The longest an EXPLAIN of the benchmark may run.
const STATEMENT_TIMEOUT_S: u32 = 30;

/// Which logged statement belongs to which contender.
pub fn logged_by(tool: Tool) -> fn(&str) -> bool {
    match tool {
        Tool::Floor => |s| s.trim() == crate::run::FLOOR_SQL,
        Tool::Neosync => |s| s.contains("information_schema.table_privileges"),
        Tool::Sluice | Tool::SluiceNoRole | Tool::SluiceDestination => |s| s.starts_with("BEGIN READ ONLY"),
    }
}

#[derive(Default)]
struct Series {
    wall: Vec<f64>,
    server: Vec<f64>,
    total: Vec<f64>,
    steps: BTreeMap<String, Vec<f64>>,
    stdout_bytes: usize,
}

/// Planning and execution time of `sql` run by `user` under
/// `EXPLAIN (ANALYZE, TIMING OFF)`, each run on a fresh backend (cold
/// catalog caches, as in a real test).
/// A run that passes `STATEMENT_TIMEOUT` stops there and is reported as such
/// (the planner's default plan on never-analysed catalogs can take minutes).
fn explain_times(pg: &Cluster, user: &str, sql: &str, runs: usize, settings: &str) -> Value {
    let mut planning = Vec::new();
    let mut execution = Vec::new();
    let mut jit = false;
    for _ in 0..runs {
        let out = match pg.try_psql_in(
            DB,
            &format!("SET ROLE {user};\nSET statement_timeout = '{STATEMENT_TIMEOUT_S}s';\n{settings}\nEXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) {sql}"),
        ) {
            Ok(out) => out,
            Err(e) if e.contains("statement timeout") => {
                return json!({ "timed_out_s": STATEMENT_TIMEOUT_S, "jit": jit });
            }
            Err(e) => panic!("EXPLAIN failed: {e}"),
        };
        jit |= out.lines().any(|l| l.trim() == "JIT:");
        for line in out.lines() {
            let line = line.trim();
            let ms = |prefix: &str| line.strip_prefix(prefix).and_then(|r| r.trim().strip_suffix("ms")).and_then(|v| v.trim().parse::<f64>().ok());
            if let Some(v) = ms("Planning Time:") {
                planning.push(v);
            }
            if let Some(v) = ms("Execution Time:") {
                execution.push(v);
            }
        }
    }
    json!({ "planning": summary_json(&planning), "execution": summary_json(&execution), "jit": jit })
}

/// A Sluice run's JSON report and its facts; an error when it printed none
/// or did not connect (the run measured nothing).
fn connected_report(tool: Tool, stdout: &[u8]) -> Result<(Value, crate::run::SluiceFacts), String> {
    let report: Value = serde_json::from_slice(stdout).map_err(|e| format!("{} printed no JSON report: {e}", tool.key()))?;
    let facts = sluice_facts(&report);
    if !facts.connected {
        return Err(format!("{} did not connect: {}", tool.key(), report["error"]));
    }
    Ok((report, facts))
}

/// The largest catalog whose analysis is also timed under the server's
/// planner defaults.
const PLANNER_DEFAULTS_UP_TO: u32 = 20_000;

/// Runs every contender `runs` times (after one discarded warm-up run), for
/// the owner and the group-granted reader. Writes the evidence files
/// (EXPLAIN output, the reader's report) into `out` when given.
pub fn measure(f: &Fixture, programs: &Programs, runs: usize, out: Option<&Path>) -> Result<Value, String> {
    let analysis_sql = sluice_core::access::analysis_sql(&sluice_core::access::Scope::all(), &sluice_core::access::Reads::for_job(sluice_core::job::Job::Source, &Default::default())).map_err(|e| e.to_string())?;
    // The probe's SET LOCALs, as session SETs (EXPLAIN runs outside its transaction).
    let settings: String =
        sluice_core::access::PLANNER_SETTINGS.iter().map(|s| format!("{};\n", s.replacen("SET LOCAL", "SET", 1))).collect();
    let mut log = LogCursor::at_end(f.pg.log_path());
    let mut roles = Map::new();
    let mut explain = Map::new();
    for (key, who) in ROLES {
        let url = f.url(who);
        let tools = [Tool::Floor, Tool::Neosync, Tool::Sluice, Tool::SluiceDestination];
        for tool in tools {
            programs.run(tool, &url)?; // warm-up
        }
        let mut series: BTreeMap<&str, Series> = BTreeMap::new();
        let mut neosync = (0, 0);
        let mut sluice = None;
        let mut destination = None;
        for run in 0..runs {
            // Interleaved, so a change in machine load hits all three alike.
            for tool in tools {
                log.durations();
                let (ms, output) = programs.run(tool, &url)?;
                let s = series.entry(tool.key()).or_default();
                s.wall.push(ms);
                if let Some(server) = log.wait_for(who.0, logged_by(tool)) {
                    s.server.push(server);
                }
                match tool {
                    Tool::Neosync => neosync = neosync_rows(&output.stdout),
                    Tool::Sluice => {
                        let (report, facts) = connected_report(tool, &output.stdout)?;
                        s.total.push(facts.total_ms);
                        s.stdout_bytes = output.stdout.len();
                        for (stage, ms) in &facts.steps {
                            s.steps.entry(stage.clone()).or_default().push(*ms);
                        }
                        if let (Some(dir), true, "reader") = (out, run + 1 == runs, key) {
                            let path = dir.join(format!("report-{}-{}-{}-reader.json", f.n, f.shape.key(), f.stats()));
                            let _ = std::fs::write(path, serde_json::to_string(&report).unwrap_or_default());
                        }
                        sluice = Some(facts);
                    }
                    Tool::SluiceDestination => {
                        let (_, facts) = connected_report(tool, &output.stdout)?;
                        s.total.push(facts.total_ms);
                        destination = Some(facts);
                    }
                    _ => {}
                }
            }
            eprintln!(
                "  {key} run {}/{runs}: floor {:.0} ms, neosync {:.0} ms, sluice {:.0} ms, as a destination {:.0} ms",
                run + 1,
                series["floor"].wall[run],
                series["neosync"].wall[run],
                series["sluice"].wall[run],
                series["sluice_destination"].wall[run]
            );
        }
        let sluice = sluice.unwrap_or_default();
        let destination = destination.unwrap_or_default();
        let mut role = Map::new();
        for (tool, s) in &series {
            let mut v = json!({ "wall": summary_json(&s.wall), "server": summary_json(&s.server) });
            match *tool {
                "neosync" => {
                    v["rows"] = json!(neosync.0);
                    v["tables"] = json!(neosync.1);
                }
                "sluice" => {
                    v["total_ms"] = summary_json(&s.total);
                    v["steps"] = s.steps.iter().map(|(k, vals)| (k.clone(), summary_json(vals))).collect::<Map<_, _>>().into();
                    v["relations"] = json!(sluice.relations);
                    v["tables"] = json!(sluice.tables);
                    v["views"] = json!(sluice.views);
                    v["with_select"] = json!(sluice.with_select);
                    v["sequences"] = json!(sluice.sequences);
                    v["ready"] = json!(sluice.ready);
                    v["tls"] = json!(sluice.tls);
                    v["stdout_bytes"] = json!(s.stdout_bytes);
                }
                "sluice_destination" => {
                    v["total_ms"] = summary_json(&s.total);
                    v["relations"] = json!(destination.relations);
                    v["sequences"] = json!(destination.sequences);
                    v["ready"] = json!(destination.ready);
                }
                _ => {}
            }
            role.insert((*tool).to_owned(), v);
        }
        roles.insert(key.to_owned(), Value::Object(role));

        explain.insert(
            key.to_owned(),
            json!({
                // As the probe runs it (under its planner settings)…
                "analysis": explain_times(&f.pg, who.0, &analysis_sql, runs, &settings),
                // …and with only JIT off, the server's planner defaults
                // otherwise, to show what the other settings do.
                // Up to 20,000 tables: above, on never-analysed catalogs, it
                // only shows the statement timeout, and costs minutes.
                "analysis_jit_default": if f.n <= PLANNER_DEFAULTS_UP_TO {
                    explain_times(&f.pg, who.0, &analysis_sql, runs, "SET jit = off;")
                } else {
                    json!({ "skipped_above": PLANNER_DEFAULTS_UP_TO })
                },
                "neosync": explain_times(&f.pg, who.0, crate::run::NEOSYNC_SQL.trim_end_matches(';'), runs, ""),
            }),
        );
        if let Some(dir) = out {
            for (name, sql) in [("analysis", analysis_sql.as_str()), ("neosync", crate::run::NEOSYNC_SQL.trim_end_matches(';'))] {
                let set = if name == "analysis" { settings.as_str() } else { "" };
                let plan = f.pg.psql_in(DB, &format!("SET ROLE {};\n{set}\nEXPLAIN (ANALYZE, BUFFERS, SUMMARY ON) {sql}", who.0));
                let _ = std::fs::write(dir.join(format!("explain-{name}-{}-{}-{}-{key}.txt", f.n, f.shape.key(), f.stats())), plan);
            }
        }
    }
    Ok(json!({
        "n": f.n,
        "shape": f.shape.key(),
        "stats": f.stats(),
        "schemas": f.schemas,
        "tables": f.counts.0,
        "views": f.counts.1,
        "sequences": f.counts.2,
        "setup_ms": f.setup_ms,
        "runs": runs,
        "roles": roles,
        "explain": explain,
    }))
}
