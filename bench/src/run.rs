//! Running the three contenders as separate processes, timed wall-clock from
//! spawn to exit: Sluice's CLI, psql with Neosync's query, psql `select 1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// Neosync's permission check, verbatim (the query its Test Connection runs).
pub const NEOSYNC_SQL: &str = "SELECT tp.table_schema::text, tp.table_name::text, tp.privilege_type::text \
FROM information_schema.table_privileges AS tp \
WHERE tp.table_schema NOT IN ('pg_catalog','information_schema') \
AND (tp.grantee = current_user OR tp.grantee = 'PUBLIC') \
ORDER BY tp.table_schema, tp.table_name;";

pub const FLOOR_SQL: &str = "select 1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// `psql -c 'select 1'`: connect, TLS, scram, one trivial query.
    Floor,
    /// psql running Neosync's query.
    Neosync,
    /// `sluice test URL [--role source] --json`.
    Sluice,
    /// `sluice test URL --json` (no access analysis).
    SluiceNoRole,
    /// `sluice test URL --job destination --json`: the destination's
    /// analysis (sequences, defaults, keys, policies, triggers).
    SluiceDestination,
}

impl Tool {
    pub fn key(self) -> &'static str {
        match self {
            Tool::Floor => "floor",
            Tool::Neosync => "neosync",
            Tool::Sluice => "sluice",
            Tool::SluiceNoRole => "sluice_no_role",
            Tool::SluiceDestination => "sluice_destination",
        }
    }
}

/// Where the programs are.
#[derive(Debug, Clone)]
pub struct Programs {
    pub sluice: PathBuf,
    pub psql: PathBuf,
}

impl Programs {
    pub fn new(sluice: &Path) -> Programs {
        Programs { sluice: sluice.to_owned(), psql: sluice_harness::pg_bin::bin("psql") }
    }

    pub fn command(&self, tool: Tool, url: &str) -> Command {
        let mut c = match tool {
            Tool::Floor | Tool::Neosync => {
                let mut c = Command::new(&self.psql);
                let sql = if tool == Tool::Floor { FLOOR_SQL } else { NEOSYNC_SQL };
                c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]);
                c
            }
            Tool::Sluice | Tool::SluiceNoRole | Tool::SluiceDestination => {
                let mut c = Command::new(&self.sluice);
                c.args(["test", url, "--json"]);
                match tool {
                    Tool::Sluice => c.args(["--job", "source"]),
                    Tool::SluiceDestination => c.args(["--job", "destination"]),
                    _ => &mut c,
                };
                // A deadline long enough for 100,000 tables behind a slow link.
                c.args(["--timeout", "120"]);
                c
            }
        };
        // Nothing from the environment changes what libpq or Sluice does.
        for var in ["PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT", "PGCHANNELBINDING", "PGSERVICE", "PGOPTIONS"] {
            c.env_remove(var);
        }
        c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    }

    /// Runs `tool` once; returns wall milliseconds and the output. Fails on
    /// an exit code that means the tool itself failed.
    pub fn run(&self, tool: Tool, url: &str) -> Result<(f64, Output), String> {
        let mut cmd = self.command(tool, url);
        let started = Instant::now();
        let out = cmd.output().map_err(|e| format!("{} did not start: {e}", tool.key()))?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let ok = match tool {
            // sluice: 0 ready, 1 connected but not ready (still a full test), 2 failed.
            Tool::Sluice | Tool::SluiceNoRole | Tool::SluiceDestination => matches!(out.status.code(), Some(0) | Some(1)),
            _ => out.status.success(),
        };
        if !ok {
            return Err(format!(
                "{} failed ({}): {}{}",
                tool.key(),
                out.status,
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout).chars().take(2000).collect::<String>()
            ));
        }
        Ok((ms, out))
    }
}

/// What Sluice's JSON report says, in the numbers the benchmark reports.
#[derive(Debug, Clone, Default)]
pub struct SluiceFacts {
    pub connected: bool,
    pub total_ms: f64,
    /// stage → ms
    pub steps: Vec<(String, f64)>,
    pub relations: usize,
    pub tables: usize,
    pub views: usize,
    pub with_select: usize,
    pub sequences: usize,
    pub ready: Option<bool>,
    pub tls: Option<String>,
}

pub fn sluice_facts(report: &serde_json::Value) -> SluiceFacts {
    let relations = report["access"]["relations"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let kind = |k: &str| relations.iter().filter(|r| r["kind"] == k).count();
    let with_select = relations
        .iter()
        .filter(|r| r["privileges"].as_array().is_some_and(|p| p.iter().any(|x| x == "SELECT")))
        .count();
    SluiceFacts {
        connected: report["connected"].as_bool().unwrap_or(false),
        total_ms: report["total_ms"].as_f64().unwrap_or(f64::NAN),
        steps: report["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .filter(|s| s["status"] == "ok")
                    .filter_map(|s| Some((s["stage"].as_str()?.to_owned(), s["ms"].as_f64()?)))
                    .collect()
            })
            .unwrap_or_default(),
        relations: relations.len(),
        tables: kind("table"),
        views: kind("view"),
        with_select,
        sequences: report["access"]["sequences"].as_array().map_or(0, Vec::len),
        ready: report["verdict"]["ready"].as_bool(),
        tls: report["server"]["tls"]["version"].as_str().map(str::to_owned),
    }
}

/// Neosync's rows: (rows returned, distinct tables among them).
pub fn neosync_rows(stdout: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(stdout);
    let rows: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let mut tables: Vec<&str> = rows.iter().filter_map(|l| l.rsplit_once('|').map(|(t, _)| t)).collect();
    tables.dedup();
    (rows.len(), tables.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neosync_rows_counts_rows_and_tables() {
        let out = b"s0|t1|INSERT\ns0|t1|SELECT\ns0|t2|SELECT\n";
        assert_eq!(neosync_rows(out), (3, 2));
        assert_eq!(neosync_rows(b""), (0, 0));
    }

    #[test]
    fn sluice_facts_reads_the_report() {
        let report = serde_json::json!({
            "connected": true, "total_ms": 12.5,
            "steps": [{"stage": "tls", "status": "ok", "ms": 1.0}, {"stage": "resolve", "status": "skipped", "ms": 0.0}],
            "server": {"tls": {"version": "TLSv1.3"}},
            "access": {"relations": [
                {"kind": "table", "privileges": ["SELECT"]},
                {"kind": "view", "privileges": []}
            ], "sequences": [{}]},
            "verdict": {"ready": false}
        });
        let f = sluice_facts(&report);
        assert_eq!((f.relations, f.tables, f.views, f.with_select, f.sequences), (2, 1, 1, 1, 1));
        assert_eq!(f.steps, vec![("tls".to_owned(), 1.0)]);
        assert_eq!(f.ready, Some(false));
        assert_eq!(f.tls.as_deref(), Some("TLSv1.3"));
    }
}
