//! Sluice's benchmarks (`npm run bench`, i.e. `bench/run.sh`). The binary
//! `sluice-bench` runs one section at a time and keeps its figures as JSON in
//! `bench/out/`; `sluice-bench report` turns them into docs/PERFORMANCE.md.
//!
//! - [`catalog`]: 1,000 / 20,000 / 100,000 tables, Sluice's whole test vs
//!   Neosync's permission query vs `psql -c 'select 1'`.
//! - [`rtt`]: the same through [`proxy::LatencyProxy`] at 25 and 50 ms one way.
//! - [`tunnel`]: an SSH tunnel behind the proxy, Sluice vs `ssh -L` + psql.
//! - [`size`]: the release binary and the .deb.
//! - [`sqlx_cmp`]: sqlx 0.9, libpq and Sluice on the probe's scenarios.
//! - The app's cold start, memory and permissions dialog at scale are
//!   measured in the real webview by `bench/app/app-bench.mjs`.

pub mod catalog;
pub mod machine;
pub mod proxy;
pub mod report;
pub mod rtt;
pub mod run;
pub mod serverlog;
pub mod size;
pub mod sqlx_cmp;
pub mod stats;
pub mod tunnel;

use serde_json::Value;
use std::path::Path;

/// Reads `dir/name.json`, or null.
pub fn load(dir: &Path, name: &str) -> Value {
    std::fs::read_to_string(dir.join(format!("{name}.json")))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

pub fn save(dir: &Path, name: &str, value: &Value) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(format!("{name}.json")), serde_json::to_string_pretty(value).unwrap_or_default())
}
