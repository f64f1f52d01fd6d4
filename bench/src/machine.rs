//! What the figures were measured on: CPU, cores, RAM, kernel, OS, load,
//! versions and the commit.

use serde_json::{json, Value};
use std::process::Command;

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn first_field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_owned())
    })
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The 1, 5 and 15 minute load averages.
pub fn load() -> Value {
    let text = read("/proc/loadavg");
    let parts: Vec<f64> = text.split_whitespace().take(3).filter_map(|p| p.parse().ok()).collect();
    json!(parts)
}

pub fn describe() -> Value {
    let cpuinfo = read("/proc/cpuinfo");
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let meminfo = read("/proc/meminfo");
    let mem_kb: u64 = first_field(&meminfo, "MemTotal")
        .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_owned()))
        .unwrap_or_default();
    let pg = output(&sluice_harness::pg_bin::bin("postgres").to_string_lossy(), &["--version"]);
    let webkit = output("dpkg-query", &["-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"]);
    let mesa = output("dpkg-query", &["-W", "-f", "${Version}", "libgl1-mesa-dri"]);
    let dirty = !output("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    json!({
        "cpu": first_field(&cpuinfo, "model name").unwrap_or_else(|| "unknown".into()),
        "cores": cores,
        "ram_gib": (mem_kb as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "os": os,
        "postgres": pg,
        "rustc": output("rustc", &["--version"]),
        "webkitgtk": webkit,
        "mesa": mesa,
        "commit": format!("{}{}", output("git", &["rev-parse", "--short", "HEAD"]), if dirty { " (with uncommitted changes)" } else { "" }),
        "date_utc": output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        "load": load(),
    })
}
