// The commit Sluice is built from (`sluice --version`, the About box):
// `git rev-parse --short=12 HEAD` when built from a checkout, else
// SLUICE_COMMIT from the environment, else "unknown".
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=SLUICE_COMMIT");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let git = root.join(".git");
    if git.join("HEAD").is_file() {
        println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
            if let Some(r) = head.trim().strip_prefix("ref: ") {
                println!("cargo:rerun-if-changed={}", git.join(r).display());
            }
        }
        println!("cargo:rerun-if-changed={}", git.join("packed-refs").display());
    }
    let commit = std::env::var("SLUICE_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let out = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(&root).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()).filter(|c| !c.is_empty())
    });
    println!("cargo:rustc-env=SLUICE_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}
