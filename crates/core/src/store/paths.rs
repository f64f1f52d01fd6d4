//! Where the store lives. The app and the CLI must agree, so both come here.
//!
//! Default: `<per-user config dir>/dev.sluice.app` (`~/.config/dev.sluice.app`
//! on Linux, `~/Library/Application Support/dev.sluice.app` on macOS,
//! `%APPDATA%\dev.sluice.app` on Windows), which is what Tauri's
//! `app_config_dir()` gives for the identifier `dev.sluice.app`.
//! `SLUICE_CONFIG_DIR` overrides it (tests use it).

use std::path::PathBuf;

use super::error::{Result, StoreError};

/// The app identifier: the config directory's name and the keyring service.
pub const APP_ID: &str = "dev.sluice.app";
/// Environment variable that replaces the default config directory.
pub const CONFIG_DIR_ENV: &str = "SLUICE_CONFIG_DIR";
pub const FILE_NAME: &str = "connections.json";
pub const LOCK_NAME: &str = "connections.lock";
/// Prefix of the temporary files an atomic write goes through.
pub(crate) const TEMP_PREFIX: &str = "connections.json.tmp-";

/// The directory the store uses: `SLUICE_CONFIG_DIR` if set and non-empty,
/// otherwise the per-user config directory joined with [`APP_ID`].
pub fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().join(APP_ID)).ok_or_else(|| StoreError::Io {
        action: "find",
        path: PathBuf::from(format!("<config dir>/{APP_ID}")),
        message: format!("no home directory for this user; set {CONFIG_DIR_ENV} to a directory for Sluice's settings"),
    })
}

/// The files of one store directory.
#[derive(Debug, Clone)]
pub struct StorePaths {
    pub dir: PathBuf,
    pub file: PathBuf,
    pub lock: PathBuf,
}

impl StorePaths {
    pub fn new(dir: impl Into<PathBuf>) -> StorePaths {
        let dir = dir.into();
        StorePaths { file: dir.join(FILE_NAME), lock: dir.join(LOCK_NAME), dir }
    }

    /// Where a corrupt file is moved: `connections.json.corrupt-<UTC timestamp>`,
    /// with `-2`, `-3`... if that name is taken.
    pub fn corrupt_path(&self, at: time::OffsetDateTime) -> PathBuf {
        let stamp = at
            .to_offset(time::UtcOffset::UTC)
            .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))
            .unwrap_or_else(|_| at.unix_timestamp().to_string());
        let base = format!("{FILE_NAME}.corrupt-{stamp}");
        let mut candidate = self.dir.join(&base);
        let mut n = 2;
        while candidate.symlink_metadata().is_ok() {
            candidate = self.dir.join(format!("{base}-{n}"));
            n += 1;
        }
        candidate
    }
}
