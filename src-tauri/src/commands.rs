//! Every command the UI can invoke. Each one is thin: it calls `sluice-core`
//! and maps errors to [`CommandError`]. New commands must also be listed in
//! `src-tauri/build.rs` and granted in `src-tauri/capabilities/main.json`.

use crate::error::CommandError;

/// The app's version, as built. The skeleton's end-to-end proof: UI → invoke → Rust → UI.
#[tauri::command]
pub fn app_version() -> Result<String, CommandError> {
    Ok(env!("CARGO_PKG_VERSION").to_owned())
}
