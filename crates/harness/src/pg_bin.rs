//! Finds the directory holding `initdb`, `pg_ctl`, `psql` and `pg_basebackup`.
//!
//! Order: `$SLUICE_PG_BINDIR`, the newest `/usr/lib/postgresql/*/bin` (Debian
//! keeps the real binaries there; `/usr/bin` only has wrappers), `pg_config
//! --bindir`, then `$PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn bindir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        find().unwrap_or_else(|| {
            panic!(
                "no PostgreSQL server binaries (initdb, pg_ctl) found; install postgresql \
                 (npm test does this) or set SLUICE_PG_BINDIR"
            )
        })
    })
}

/// Path of one Postgres program, e.g. `bin("pg_ctl")`. A server-only
/// directory (`SLUICE_PG_BINDIR` from `scripts/pg-major.sh`: initdb, pg_ctl,
/// postgres) takes its clients (psql, pg_basebackup) from the system's.
pub fn bin(name: &str) -> PathBuf {
    let own = bindir().join(name);
    if own.is_file() {
        return own;
    }
    static SYSTEM: OnceLock<Option<PathBuf>> = OnceLock::new();
    SYSTEM.get_or_init(|| find_system().filter(|d| d.join("psql").is_file())).as_ref().map_or(own, |d| d.join(name))
}

/// The server's major version (`postgres --version`), e.g. 17.
pub fn major() -> u32 {
    static MAJOR: OnceLock<u32> = OnceLock::new();
    *MAJOR.get_or_init(|| {
        let out = Command::new(bindir().join("postgres")).arg("--version").output().expect("postgres --version");
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text.split_whitespace().last().unwrap_or_default();
        version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or_else(|| panic!("cannot read the major of {text:?}"))
    })
}

fn has_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() && dir.join("postgres").is_file()
}

fn find() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SLUICE_PG_BINDIR").map(PathBuf::from) {
        return has_server(&dir).then_some(dir);
    }
    find_system()
}

fn find_system() -> Option<PathBuf> {
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    debian.sort();
    if let Some((_, dir)) = debian.pop() {
        return Some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Some(dir);
        }
    }
    std::env::var_os("PATH").and_then(|path| std::env::split_paths(&path).find(|d| has_server(d)))
}

/// The lib directory of PostgreSQL `major`'s libpq, from the npm package
/// `scripts/pg-major.sh` fetches (cached; `$SLUICE_LIBPQ_DIR` overrides).
/// The system's psql run against it behaves as that libpq does: the ground
/// truth for keywords the system's libpq is too old to know (`require_auth`
/// and `sslcertmode` came in 16).
pub fn libpq_dir(major: u32) -> PathBuf {
    static DIRS: std::sync::Mutex<Vec<(u32, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let mut dirs = DIRS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, d)) = dirs.iter().find(|(m, _)| *m == major) {
        return d.clone();
    }
    let dir = match std::env::var_os("SLUICE_LIBPQ_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-major.sh");
            let out = Command::new("bash").arg(&script).arg(major.to_string()).output().expect("run scripts/pg-major.sh");
            assert!(out.status.success(), "scripts/pg-major.sh {major}: {}", String::from_utf8_lossy(&out.stderr));
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("../lib")
        }
    };
    assert!(dir.join("libpq.so.5").exists(), "no libpq.so.5 in {}", dir.display());
    if major >= 16 {
        // Proof that psql really runs on it: only libpq 16+ knows require_auth.
        let out = Command::new(bin("psql")).env("LD_LIBRARY_PATH", &dir).args(["-X", "-d", "require_auth=x", "-c", ""]).output().expect("psql");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("invalid require_auth value"), "psql does not run on libpq {major} from {}: {said}", dir.display());
    }
    dirs.push((major, dir.clone()));
    dir
}

/// psql as the ground truth of an agreement test: the system's, on the
/// libpq of the major in `$SLUICE_GROUND_TRUTH_LIBPQ` when that is set
/// (`npm test` runs the agreement suites again with 18), else on the
/// system's own libpq.
pub fn psql() -> Command {
    match std::env::var("SLUICE_GROUND_TRUTH_LIBPQ").ok().and_then(|m| m.parse().ok()) {
        Some(major) => psql_with_libpq(major),
        None => Command::new(bin("psql")),
    }
}

/// The system's psql with PostgreSQL `major`'s libpq (see [`libpq_dir`]).
pub fn psql_with_libpq(major: u32) -> Command {
    let mut c = Command::new(bin("psql"));
    c.env("LD_LIBRARY_PATH", libpq_dir(major));
    c
}
