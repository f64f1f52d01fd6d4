//! The app's commands, driven through Tauri's mock runtime exactly as the
//! webview would invoke them (IPC serialization included).

use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

fn app() -> tauri::App<tauri::test::MockRuntime> {
    sluice_app::run_app(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("mock app builds")
}

fn invoke(app: &tauri::App<tauri::test::MockRuntime>, cmd: &str, body: serde_json::Value) -> Result<serde_json::Value, serde_json::Value> {
    let window = WebviewWindowBuilder::new(app, "main", Default::default()).build().expect("window");
    let res = get_ipc_response(
        &window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    );
    window.close().ok();
    res.map(|b| b.deserialize::<serde_json::Value>().expect("json reply"))
}

#[test]
fn app_version_is_the_package_version() {
    let app = app();
    let v = invoke(&app, "app_version", serde_json::json!({})).expect("app_version succeeds");
    assert_eq!(v, serde_json::json!(env!("CARGO_PKG_VERSION")));
}
