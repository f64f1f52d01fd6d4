//! The Tauri shell: thin commands over `sluice-core`.
//!
//! - `commands.rs`: every `#[tauri::command]` the UI can invoke.
//! - `error.rs`: the one error type commands return, serialized for the UI.
//! - `models.rs`: the IPC types (docs/DESIGN.md has the contract).
//! - `state.rs`: the store handle and the running tests' cancel switches.
//!
//! `run_app` is generic over the runtime so that tests drive the very same
//! commands through `tauri::test`'s mock runtime.

pub mod commands;
pub mod compositing;
pub mod error;
pub mod models;
pub mod state;
mod window_state;

use tauri::{Builder, Manager, Runtime};

/// Registers state and commands on a builder; shared by the real app and tests.
pub fn run_app<R: Runtime>(builder: Builder<R>, state: state::AppState) -> Builder<R> {
    builder.manage(state).invoke_handler(tauri::generate_handler![
        commands::app_version,
        commands::vocabulary,
        commands::about,
        commands::fill_password_preset,
        commands::parse_url,
        commands::format_url,
        commands::validate_draft,
        commands::list_connections,
        commands::save_connection,
        commands::delete_connection,
        commands::duplicate_connection,
        commands::test_connection,
        commands::cancel_test,
        commands::keyring_status,
        commands::trust_host_key,
        commands::import_sources,
        commands::choose_import_file,
        commands::choose_export_file,
        commands::import_preview,
        commands::import_connections,
        commands::export_connections,
        commands::detect_local_servers,
    ])
}

static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Milliseconds since `run` began (the process's own code; the dynamic
/// loader's work before `main` is not in it).
pub(crate) fn started_ms() -> Option<f64> {
    STARTED.get().map(|t| t.elapsed().as_secs_f64() * 1000.0)
}

/// Entry point of the desktop app.
pub fn run() {
    let _ = STARTED.set(std::time::Instant::now());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let compositing = compositing::apply();
    tracing::info!(enabled = compositing.enabled, reason = %compositing.reason, "accelerated compositing");
    // Never the keyring crate's in-memory mock: pick the OS store explicitly.
    sluice_core::store::select_platform_store();
    // Single-instance first, so that a second start hands over before it builds anything.
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .on_window_event(window_state::on_event);
    run_app(builder, state::AppState::default())
        .run(tauri::generate_context!())
        .expect("error while running Sluice");
}
