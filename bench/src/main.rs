//! `sluice-bench SECTION [options]`: one benchmark section; figures go to
//! `bench/out/SECTION.json`, and `report` writes docs/PERFORMANCE.md from them.
//! `bench/run.sh` builds the release binaries and calls this.

use serde_json::{json, Value};
use sluice_bench::{catalog, load, machine, report, rtt, run::Programs, save, size, sqlx_cmp, tunnel};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  sluice-bench catalog --sluice PATH [--sizes 1000,20000,100000] [--serial-sizes 20000] [--runs 5] [--out DIR]
  sluice-bench rtt     --sluice PATH [--delays 25,50] [--runs 5] [--out DIR]
  sluice-bench direct  --sluice PATH [--delays 25] [--runs 5] [--out DIR]   (SLUICE_PG_BINDIR: PostgreSQL 17+)
  sluice-bench tunnel  --sluice PATH [--delays 25] [--runs 5] [--out DIR]
  sluice-bench sqlx    --sluice PATH [--delays 25] [--runs 5] [--out DIR]
  sluice-bench size    --app PATH --deb PATH [--cli PATH] [--out DIR]
  sluice-bench report  [--out DIR] [--doc docs/PERFORMANCE.md] [--notes bench/notes.md]
  sluice-bench compact --in REPORT.json --to IPC.json   (a report as the app's window receives it)";

struct Args {
    section: String,
    opts: Vec<(String, String)>,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut it = std::env::args().skip(1);
        let section = it.next().ok_or(USAGE)?;
        let mut opts = Vec::new();
        while let Some(flag) = it.next() {
            let name = flag.strip_prefix("--").ok_or_else(|| format!("unexpected argument {flag}\n{USAGE}"))?;
            let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            opts.push((name.to_owned(), value));
        }
        Ok(Args { section, opts })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.opts.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn path(&self, name: &str) -> Result<PathBuf, String> {
        self.get(name).map(PathBuf::from).ok_or_else(|| format!("--{name} is required\n{USAGE}"))
    }

    fn list(&self, name: &str, default: &[u64]) -> Result<Vec<u64>, String> {
        match self.get(name) {
            None => Ok(default.to_vec()),
            Some(v) => v.split(',').map(|x| x.trim().replace('_', "").parse::<u64>().map_err(|e| format!("--{name}: {e}"))).collect(),
        }
    }

    fn runs(&self) -> Result<usize, String> {
        let runs = self.get("runs").map_or(Ok(5), |v| v.parse::<usize>().map_err(|e| format!("--runs: {e}")))?;
        if runs == 0 {
            return Err("--runs must be at least 1".into());
        }
        Ok(runs)
    }
}

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sluice-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one section and saves its figures with the machine and its load before.
fn timed_section(out: &std::path::Path, name: &str, measure: impl FnOnce() -> Result<Value, String>) -> Result<(), String> {
    let load_before = machine::load();
    let mut result = measure()?;
    result["machine"] = machine::describe();
    result["machine"]["load_before"] = load_before;
    save(out, name, &result).map_err(|e| e.to_string())
}

fn real_main() -> Result<(), String> {
    let args = Args::parse()?;
    let out = args.get("out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/out"));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    match args.section.as_str() {
        "catalog" => {
            let programs = Programs::new(&args.path("sluice")?);
            let runs = args.runs()?;
            let mut doc = load(&out, "catalog");
            if !doc.is_object() {
                doc = json!({ "sizes": {} });
            }
            // Each database twice: never-analysed catalogs, then analysed.
            // The mixed shape's analysed figures are the main table
            // (`sizes`); the rest are `variants`, keyed `N/shape/stats`.
            let mut plan: Vec<(u32, catalog::Shape)> = Vec::new();
            for n in args.list("sizes", &[1_000, 20_000, 100_000])? {
                plan.push((u32::try_from(n).map_err(|_| "size too large")?, catalog::Shape::Mixed));
            }
            for n in args.list("serial-sizes", &[20_000])? {
                plan.push((u32::try_from(n).map_err(|_| "size too large")?, catalog::Shape::Serial));
            }
            for (n, shape) in plan {
                eprintln!("catalog: {n} tables ({}): building the database…", shape.key());
                let load_before = machine::load();
                let mut fixture = catalog::Fixture::build(n, shape);
                for analysed in [false, true] {
                    if analysed {
                        fixture.analyse();
                    }
                    eprintln!("catalog: {n} tables ({}, {} catalog statistics): measuring ({runs} runs each)…", shape.key(), fixture.stats());
                    let mut result = catalog::measure(&fixture, &programs, runs, Some(&out))?;
                    result["machine"] = machine::describe();
                    result["machine"]["load_before"] = load_before.clone();
                    if analysed && shape == catalog::Shape::Mixed {
                        doc["sizes"][n.to_string()] = result;
                    } else {
                        doc["variants"][format!("{n}/{}/{}", shape.key(), fixture.stats())] = result;
                    }
                    save(&out, "catalog", &doc).map_err(|e| e.to_string())?;
                }
            }
        }
        "rtt" => {
            let programs = Programs::new(&args.path("sluice")?);
            timed_section(&out, "rtt", || rtt::measure(&programs, &args.list("delays", &[25, 50])?, args.runs()?))?;
        }
        "direct" => {
            let programs = Programs::new(&args.path("sluice")?);
            timed_section(&out, "direct", || rtt::measure_direct(&programs, &args.list("delays", &[25])?, args.runs()?))?;
        }
        "tunnel" => {
            timed_section(&out, "tunnel", || tunnel::measure(&args.path("sluice")?, &args.list("delays", &[25])?, args.runs()?))?;
        }
        "sqlx" => {
            let programs = Programs::new(&args.path("sluice")?);
            timed_section(&out, "sqlx", || sqlx_cmp::measure(&programs, &args.list("delays", &[25])?, args.runs()?))?;
        }
        "size" => {
            let cli = args.get("cli").map(PathBuf::from);
            let mut result = size::measure(&args.path("app")?, &args.path("deb")?, cli.as_deref());
            result["machine"] = machine::describe();
            save(&out, "size", &result).map_err(|e| e.to_string())?;
        }
        "report" => {
            let doc = args.get("doc").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("docs/PERFORMANCE.md"));
            let notes = args.get("notes").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/notes.md"));
            let data: Value = json!({
                "catalog": load(&out, "catalog"),
                "rtt": load(&out, "rtt"),
                "direct": load(&out, "direct"),
                "tunnel": load(&out, "tunnel"),
                "sqlx": load(&out, "sqlx"),
                "size": load(&out, "size"),
                "app": load(&out, "app"),
                "machine": machine::describe(),
            });
            let notes = std::fs::read_to_string(&notes).unwrap_or_default();
            let (markdown, table) = report::render(&data, &notes);
            std::fs::write(&doc, markdown).map_err(|e| format!("{}: {e}", doc.display()))?;
            println!("{table}");
            eprintln!("wrote {}", doc.display());
        }
        "sql" => {
            // The analysis statement a job runs (for EXPLAIN by hand):
            // sluice-bench sql --job source|destination [--truncate true]
            let job: sluice_core::job::Job = args.get("job").unwrap_or("source").parse()?;
            let options = sluice_core::job::JobOptions { truncate: args.get("truncate") == Some("true"), ..Default::default() };
            let reads = sluice_core::access::Reads::for_job(job, &options);
            let sql = sluice_core::access::analysis_sql(&sluice_core::access::Scope::all(), &reads).map_err(|e| e.to_string())?;
            println!("{sql}");
        }
        "compact" => {
            // What test_connection sends the window: the same conversion the app makes.
            let (from, to) = (args.path("in")?, args.path("to")?);
            let text = std::fs::read_to_string(&from).map_err(|e| format!("{}: {e}", from.display()))?;
            let mut report: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", from.display()))?;
            let access: sluice_core::access::Access = serde_json::from_value(report["access"].take())
                .map_err(|e| format!("{}: no access analysis: {e}", from.display()))?;
            report["access"] = serde_json::to_value(sluice_core::access::CompactAccess::from(&access)).map_err(|e| e.to_string())?;
            let ipc = serde_json::to_string(&report).map_err(|e| e.to_string())?;
            std::fs::write(&to, &ipc).map_err(|e| format!("{}: {e}", to.display()))?;
            println!("{}", json!({ "full_bytes": text.len(), "ipc_bytes": ipc.len(), "relations": access.relations.len() }));
        }
        other => return Err(format!("unknown section {other}\n{USAGE}")),
    }
    Ok(())
}
