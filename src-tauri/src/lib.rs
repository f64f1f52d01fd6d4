//! The Tauri shell: thin commands over `sluice-core`.
//!
//! - `commands.rs`: every `#[tauri::command]` the UI can invoke.
//! - `error.rs`: the one error type commands return, serialized for the UI.
//!
//! `run_app` is generic over the runtime so that tests drive the very same
//! commands through `tauri::test`'s mock runtime.

pub mod commands;
pub mod error;

use tauri::{Builder, Runtime};

/// Registers state and commands on a builder; shared by the real app and tests.
pub fn run_app<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![commands::app_version])
}

/// Entry point of the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    run_app(tauri::Builder::default())
        .run(tauri::generate_context!())
        .expect("error while running Sluice");
}
