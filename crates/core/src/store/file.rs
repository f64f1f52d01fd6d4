//! `connections.json`: format, migration, atomic writes, the lock, and
//! what happens when the file is damaged.
//!
//! - Format: `{"version": 2, "connections": [...], "orphan_secrets": [...],
//!   "recovered_from": {...}}`; unknown top-level fields are kept as they are.
//!   A connection's libpq keywords are one `params` object (version 1 had a
//!   field per keyword and `extra` pairs; [`v1_to_v2`] converts it).
//! - Writes go to a temporary file in the same directory, which is written,
//!   fsynced and renamed over the file; then the directory is fsynced. A
//!   reader (or a process killed mid-write) sees the old file or the new
//!   one, never a mix. Mode 0600 (directory 0700) on Unix.
//! - Every read-modify-write holds an exclusive lock on `connections.lock`
//!   and re-reads the file under it.
//! - A file that cannot be read or parsed is moved to
//!   `connections.json.corrupt-<UTC timestamp>`, never overwritten; a fresh
//!   file records where it went (`recovered_from`) so the next open reports it.
//! - A file from a newer format version is refused and left untouched.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::error::{Result, StoreError};
use super::paths::{StorePaths, TEMP_PREFIX};
use super::record::ConnectionRecord;

/// The format version this build writes (and the newest it reads).
pub const VERSION: u64 = 2;

/// How long to wait for another process's lock before giving up.
const LOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// The whole file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileDoc {
    pub version: u64,
    #[serde(default)]
    pub connections: Vec<ConnectionRecord>,
    /// Keyring accounts that must be deleted: secrets of deleted
    /// connections whose removal failed, and secrets being written by an
    /// add that has not finished. Cleaned at the next open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orphan_secrets: Vec<String>,
    /// Set when a damaged file was moved aside; taken (and reported) by the next open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_from: Option<Recovery>,
    /// Fields a newer Sluice of the same format version added.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl Default for FileDoc {
    fn default() -> Self {
        FileDoc {
            version: VERSION,
            connections: Vec::new(),
            orphan_secrets: Vec::new(),
            recovered_from: None,
            extra: serde_json::Map::new(),
        }
    }
}

/// Where a damaged file went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Recovery {
    pub path: PathBuf,
    pub moved_to: PathBuf,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Recovery {
    pub(crate) fn error(&self) -> StoreError {
        StoreError::Corrupt { path: self.path.clone(), moved_to: self.moved_to.clone(), reason: self.reason.clone() }
    }
}

/// Why a file's content was refused.
#[derive(Debug)]
pub(crate) enum Refused {
    Corrupt(String),
    Newer(u64),
}

/// One migration step: the document of format `N` to format `N + 1`.
type Step = fn(Value) -> std::result::Result<Value, String>;

/// The steps, by the version they start from. Version 1 is the first format.
const MIGRATIONS: &[(u64, Step)] = &[(1, v1_to_v2)];

/// Version 1 named the job `role`, its options `options`, and kept the
/// libpq keywords in a `connection` object with a field per keyword,
/// certificates as `{"path"}`/`{"pem"}` and the rest as `extra` pairs.
/// Version 2 has `job`, `job_options`, `params` (every keyword) and
/// `pem` (certificates given as text).
fn v1_to_v2(mut doc: Value) -> std::result::Result<Value, String> {
    let Some(connections) = doc.get_mut("connections").and_then(Value::as_array_mut) else {
        return Ok(doc);
    };
    for (i, record) in connections.iter_mut().enumerate() {
        let Value::Object(r) = record else { return Err(format!("connection {i} is not an object")) };
        if let Some(role) = r.remove("role") {
            r.insert("job".into(), role);
        }
        if let Some(options) = r.remove("options") {
            r.insert("job_options".into(), options);
        }
        let mut params = serde_json::Map::new();
        let mut pem = serde_json::Map::new();
        if let Some(Value::Object(connection)) = r.remove("connection") {
            for (key, value) in connection {
                match (key.as_str(), value) {
                    (_, Value::Null) => {}
                    ("extra", Value::Array(pairs)) => {
                        for pair in pairs {
                            if let Some([Value::String(k), Value::String(v)]) = pair.as_array().map(Vec::as_slice) {
                                if !crate::conninfo::keywords::is_secret(k) {
                                    params.insert(k.clone(), Value::String(v.clone()));
                                }
                            }
                        }
                    }
                    ("sslrootcert" | "sslcert", Value::Object(mut source)) => {
                        if let Some(path) = source.remove("path") {
                            params.insert(key, path);
                        } else if let Some(text) = source.remove("pem") {
                            pem.insert(key, text);
                        }
                    }
                    (_, value) => {
                        params.insert(key, value);
                    }
                }
            }
        }
        r.insert("params".into(), Value::Object(params));
        if !pem.is_empty() {
            r.insert("pem".into(), Value::Object(pem));
        }
    }
    Ok(doc)
}

/// Bring a document of an older format version up to [`VERSION`], one step at a time.
pub(crate) fn migrate(doc: Value, from: u64) -> std::result::Result<Value, String> {
    migrate_with(doc, from, VERSION, MIGRATIONS)
}

fn migrate_with(mut doc: Value, from: u64, to: u64, steps: &[(u64, Step)]) -> std::result::Result<Value, String> {
    let mut version = from;
    while version < to {
        let step = steps
            .iter()
            .find(|(v, _)| *v == version)
            .ok_or_else(|| format!("format version {version} is not one Sluice ever wrote"))?;
        doc = (step.1)(doc)?;
        version += 1;
        if let Value::Object(map) = &mut doc {
            map.insert("version".into(), Value::from(version));
        }
    }
    Ok(doc)
}

/// Parse the file's bytes.
pub(crate) fn parse(bytes: &[u8]) -> std::result::Result<FileDoc, Refused> {
    let text = std::str::from_utf8(bytes).map_err(|_| Refused::Corrupt("the file is not UTF-8 text".into()))?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| Refused::Corrupt(format!("it is not valid JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(Refused::Corrupt("it is not a JSON object".into()));
    };
    let version = match object.get("version") {
        Some(v) => v.as_u64().ok_or_else(|| Refused::Corrupt("its \"version\" is not a whole number".into()))?,
        None => return Err(Refused::Corrupt("it has no \"version\"".into())),
    };
    if version > VERSION {
        return Err(Refused::Newer(version));
    }
    let value = migrate(value, version).map_err(Refused::Corrupt)?;
    serde_json::from_value(value).map_err(|e| Refused::Corrupt(format!("its content is not what Sluice writes: {e}")))
}

/// Read the file without the lock (for plain reads: writes are atomic, so
/// this sees a complete file). `Ok(None)` when there is no file yet.
pub(crate) fn read(paths: &StorePaths) -> std::result::Result<Option<FileDoc>, ReadFailure> {
    match fs::read(&paths.file) {
        Ok(bytes) => parse(&bytes).map(Some).map_err(ReadFailure::Refused),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReadFailure::Unreadable(e)),
    }
}

#[derive(Debug)]
pub(crate) enum ReadFailure {
    Unreadable(std::io::Error),
    Refused(Refused),
}

/// Read the file under the lock. A damaged file is moved aside (and a
/// fresh one recording that is written); the error says where it went.
pub(crate) fn load_locked(paths: &StorePaths, _lock: &LockGuard) -> Result<FileDoc> {
    let reason = match read(paths) {
        Ok(Some(doc)) => return Ok(doc),
        Ok(None) => return Ok(FileDoc::default()),
        Err(ReadFailure::Refused(Refused::Newer(found))) => {
            return Err(StoreError::NewerVersion { path: paths.file.clone(), found, supported: VERSION })
        }
        Err(ReadFailure::Refused(Refused::Corrupt(reason))) => reason,
        Err(ReadFailure::Unreadable(e)) => format!("it cannot be read: {e}"),
    };
    let at = OffsetDateTime::now_utc();
    let moved_to = paths.corrupt_path(at);
    fs::rename(&paths.file, &moved_to).map_err(|e| StoreError::io("move aside", &paths.file, &e))?;
    sync_dir(&paths.dir);
    let recovery = Recovery { path: paths.file.clone(), moved_to, reason, at };
    tracing::warn!(path = %recovery.path.display(), moved_to = %recovery.moved_to.display(), reason = %recovery.reason, "connections file damaged; moved aside");
    let fresh = FileDoc { recovered_from: Some(recovery.clone()), ..FileDoc::default() };
    if let Err(e) = write(paths, &fresh) {
        tracing::warn!(error = %e, "could not write a fresh connections file after moving the damaged one aside");
    }
    Err(recovery.error())
}

/// Write the whole file atomically (temp file, fsync, rename, fsync dir).
pub(crate) fn write(paths: &StorePaths, doc: &FileDoc) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(doc).map_err(|e| StoreError::Io {
        action: "encode",
        path: paths.file.clone(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    let nonce = OffsetDateTime::now_utc().unix_timestamp_nanos();
    let tmp = paths.dir.join(format!("{TEMP_PREFIX}{}-{nonce}", std::process::id()));
    let result = write_new_file(&tmp, &bytes)
        .map_err(|e| StoreError::io("write", &tmp, &e))
        .and_then(|()| fs::rename(&tmp, &paths.file).map_err(|e| StoreError::io("replace", &paths.file, &e)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(&paths.dir);
    Ok(())
}

fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Make the rename durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Create the store directory (0700 on Unix). An existing directory is
/// tightened only when it is Sluice's own (named `dev.sluice.app`), never a
/// directory someone pointed `SLUICE_CONFIG_DIR` at.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| StoreError::io("create", dir, &e))?;
    }
    #[cfg(unix)]
    if dir.file_name().and_then(|n| n.to_str()) == Some(super::paths::APP_ID) {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(dir) {
            if meta.permissions().mode() & 0o077 != 0 {
                let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
            }
        }
    }
    Ok(())
}

/// The exclusive lock on `connections.lock`; released on drop (and by the
/// OS if the process dies).
pub(crate) struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// Take the lock, waiting for another process to release it. Then clear
/// temporary files left by writers that were killed mid-write.
pub(crate) fn lock(paths: &StorePaths) -> Result<LockGuard> {
    ensure_dir(&paths.dir)?;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&paths.lock).map_err(|e| StoreError::io("open", &paths.lock, &e))?;
    let started = Instant::now();
    let mut logged = false;
    loop {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => break,
            Err(fs4::TryLockError::WouldBlock) => {
                if started.elapsed() > LOCK_TIMEOUT {
                    return Err(StoreError::Io {
                        action: "lock",
                        path: paths.lock.clone(),
                        message: format!(
                            "another Sluice process has been saving for more than {} s",
                            LOCK_TIMEOUT.as_secs()
                        ),
                    });
                }
                if !logged {
                    tracing::debug!(path = %paths.lock.display(), "waiting for the store lock");
                    logged = true;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(StoreError::io("lock", &paths.lock, &e)),
        }
    }
    let guard = LockGuard { file };
    remove_stale_temp_files(&paths.dir);
    Ok(guard)
}

/// Whether a writer killed mid-write left a temporary file in `dir`.
pub(crate) fn has_temp_files(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(TEMP_PREFIX)))
    })
}

fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(TEMP_PREFIX)) {
            tracing::debug!(path = %entry.path().display(), "removing a temporary file left by an interrupted write");
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_runs_each_step_in_order() {
        fn add_a(mut v: Value) -> std::result::Result<Value, String> {
            v["a"] = Value::from(true);
            Ok(v)
        }
        fn rename_a(mut v: Value) -> std::result::Result<Value, String> {
            let a = v.as_object_mut().unwrap().remove("a").ok_or("no a")?;
            v["b"] = a;
            Ok(v)
        }
        let steps: &[(u64, Step)] = &[(1, add_a), (2, rename_a)];
        let out = migrate_with(serde_json::json!({"version": 1}), 1, 3, steps).unwrap();
        assert_eq!(out, serde_json::json!({"version": 3, "b": true}));
        assert!(migrate_with(serde_json::json!({"version": 0}), 0, 3, steps).is_err());
        // The current version needs no step; older than the first format is refused.
        assert_eq!(migrate(serde_json::json!({"version": 2}), 2).unwrap(), serde_json::json!({"version": 2}));
        assert!(migrate(serde_json::json!({"version": 0}), 0).is_err());
    }

    #[test]
    fn a_version_1_file_reads_as_version_2() {
        let v1 = br#"{"version": 1, "connections": [{
            "id": "3b241101-e2bb-4255-8caf-4136c566a962", "name": "Prod", "provider": "rds", "role": "destination",
            "options": {"truncate": true, "init_tables": false},
            "connection": {"host": "db.example.com", "port": "5432", "dbname": "app", "user": "loader",
                "sslmode": "verify-full", "sslrootcert": {"pem": "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"},
                "sslcert": {"path": "/c.crt"}, "sslkey": "/c.key", "application_name": null,
                "extra": [["keepalives", "1"], ["sslpassword", "never"]]},
            "scope_schemas": ["sales"], "has_password": true, "has_sslpassword": false, "has_inline_key": false,
            "password_saved": true, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z",
            "last_test": null}]}"#;
        let doc = parse(v1).unwrap_or_else(|_| panic!("a version 1 file must load"));
        assert_eq!(doc.version, VERSION);
        let r = &doc.connections[0];
        assert_eq!(r.job, crate::job::Job::Destination);
        assert!(r.job_options.truncate && !r.job_options.init_tables);
        let params: Vec<(String, String)> = r.params.to_params();
        let want = [("host", "db.example.com"), ("port", "5432"), ("dbname", "app"), ("user", "loader"), ("sslmode", "verify-full"),
            ("sslcert", "/c.crt"), ("sslkey", "/c.key"), ("keepalives", "1")];
        assert_eq!(params, want.map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert!(r.pem.sslrootcert.as_deref().is_some_and(|p| p.starts_with("-----BEGIN CERTIFICATE-----")));
        assert_eq!(r.pem.sslcert, None);
        assert_eq!(r.scope_schemas, ["sales"]);
        assert!(r.has_password);
    }

    #[test]
    fn parse_tells_corrupt_from_newer() {
        assert!(matches!(parse(b"{\"version\": 3, \"connections\": []}"), Err(Refused::Newer(3))));
        assert!(matches!(parse(b"{\"connections\": []}"), Err(Refused::Corrupt(_))));
        assert!(matches!(parse(b"{\"version\": 2, \"connections\": [{}]}"), Err(Refused::Corrupt(_))));
        assert!(matches!(parse(b"[1]"), Err(Refused::Corrupt(_))));
        assert!(matches!(parse(b"\xff\xfe"), Err(Refused::Corrupt(_))));
        assert!(matches!(parse(b"{\"version\": 2, \"conn"), Err(Refused::Corrupt(_))));
        let doc = parse(b"{\"version\": 2, \"connections\": [], \"future\": {\"x\": 1}}").unwrap();
        assert_eq!(doc.extra.get("future"), Some(&serde_json::json!({"x": 1})));
        let back = serde_json::to_value(&doc).unwrap();
        assert_eq!(back["future"], serde_json::json!({"x": 1}), "unknown fields survive a rewrite");
    }
}
