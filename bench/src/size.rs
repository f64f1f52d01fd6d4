//! Sizes of what ships: the app binary, the .deb (and what it installs), the CLI.

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

fn bytes(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

pub fn measure(app: &Path, deb: &Path, cli: Option<&Path>) -> Value {
    let installed_kib = Command::new("dpkg-deb")
        .args(["-f"])
        .arg(deb)
        .arg("Installed-Size")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u64>().ok());
    json!({
        "app_binary": { "path": app.display().to_string(), "bytes": bytes(app) },
        "deb": { "path": deb.file_name().map(|n| n.to_string_lossy().into_owned()), "bytes": bytes(deb), "installed_kib": installed_kib },
        "cli_binary": cli.map(|c| json!({ "path": c.display().to_string(), "bytes": bytes(c) })),
    })
}
