// The app's package lives at the workspace root, so tauri-build must be told
// where the capabilities are; otherwise it silently grants none.
//
// Every app command is listed here so that tauri-build generates an
// `allow-<command>` permission for it: commands are then reachable only where
// a capability grants them (src-tauri/capabilities), not from any window by
// default.
const COMMANDS: &[&str] = &[
    "app_version",
    "about",
    "vocabulary",
    "fill_password_preset",
    "parse_url",
    "format_url",
    "validate_draft",
    "list_connections",
    "save_connection",
    "delete_connection",
    "duplicate_connection",
    "test_connection",
    "cancel_test",
    "keyring_status",
    "trust_host_key",
    "import_sources",
    "choose_import_file",
    "choose_export_file",
    "import_preview",
    "import_connections",
    "export_connections",
    "detect_local_servers",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
