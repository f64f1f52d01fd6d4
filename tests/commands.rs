//! The app's commands, driven through Tauri's mock runtime exactly as the
//! webview invokes them (IPC serialization and the capability ACL included),
//! on a temp config dir and the real Secret Service (npm test runs this
//! inside scripts/with-keyring.sh).

use serde_json::{json, Value};
use sluice_app::state::AppState;
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    dir: tempfile::TempDir,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let app = sluice_app::run_app(mock_builder(), AppState::with_config_dir(dir.path().to_owned()))
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
    Harness { _app: app, window, dir }
}

impl Harness {
    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("json reply"))
    }

    fn ok(&self, cmd: &str, body: Value) -> Value {
        self.invoke(cmd, body).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }
}

#[test]
fn app_version_is_the_package_version() {
    let h = harness();
    assert_eq!(h.ok("app_version", json!({})), json!(env!("CARGO_PKG_VERSION")));
}

#[test]
fn parse_and_format_url_round_trip_over_ipc() {
    let h = harness();
    let parsed = h.ok("parse_url", json!({"url": "postgres://alice:p%40ss@db.example.com:6543/app?sslmode=require&pgbouncer=true&channel_binding=require"}));
    assert_eq!(parsed["fields"]["host"], "db.example.com");
    assert_eq!(parsed["fields"]["port"], "6543");
    assert_eq!(parsed["fields"]["password"], "p@ss", "the typed password comes back to the form");
    assert_eq!(parsed["fields"]["channel_binding"], "require");
    assert!(parsed["warnings"][0].as_str().unwrap().contains("pgbouncer"));
    let url = h.ok("format_url", json!({"fields": parsed["fields"], "includePassword": false}));
    assert_eq!(url, "postgresql://alice@db.example.com:6543/app?sslmode=require&channel_binding=require");
    let with = h.ok("format_url", json!({"fields": parsed["fields"], "includePassword": true}));
    assert!(with.as_str().unwrap().contains("alice:p%40ss@"));
}

#[test]
fn errors_are_typed_and_positioned() {
    let h = harness();
    let e = h.invoke("parse_url", json!({"url": "postgresql://host/db?a=b=c"})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
    assert!(e["position"].is_number(), "{e}");
    assert!(e["message"].as_str().unwrap().contains("a=b=c"));
    let e = h.invoke("format_url", json!({"fields": {"sslmode": "sometimes"}, "includePassword": false})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
    let e = h.invoke("delete_connection", json!({"id": "not-a-uuid"})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
}

#[test]
fn validate_reports_one_issue_per_field() {
    let h = harness();
    let issues = h.ok("validate_draft", json!({"draft": {"name": "", "fields": {"port": "70000", "sslmode": "verify-full"}}}));
    let fields: Vec<&str> = issues.as_array().unwrap().iter().map(|i| i["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"port"), "{issues}");
    let root = issues.as_array().unwrap().iter().find(|i| i["field"] == "sslrootcert").expect("system-store warning");
    assert_eq!(root["severity"], "warning");
}

#[test]
fn save_list_duplicate_delete_with_secrets_in_the_keyring() {
    sluice_harness::keyring_env::require_secret_service();
    sluice_core::store::select_platform_store();
    let h = harness();
    let draft = json!({"name": "Orders DB", "role": "destination", "truncate": true,
        "fields": {"host": "db.internal", "port": "5432", "dbname": "orders", "user": "loader", "password": "s3cr3t-ipc", "sslmode": "require"}});
    let saved = h.ok("save_connection", json!({"draft": draft, "withoutSecrets": false}));
    assert_eq!(saved["has_password"], true);
    assert!(saved["fields"]["password"].is_null(), "no secret in an IPC reply");
    assert_eq!(saved["role"], "destination");
    assert_eq!(saved["truncate"], true);
    let id = saved["id"].as_str().unwrap().to_owned();

    let list = h.ok("list_connections", json!({}));
    assert_eq!(list["connections"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("s3cr3t-ipc"), "no secret in list replies");
    for entry in walk(h.dir.path()) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(!text.contains("s3cr3t-ipc"), "secret on disk in {}", entry.display());
    }
    let entry = keyring::Entry::new(sluice_core::store::SERVICE, &format!("{id}/password")).unwrap();
    assert_eq!(entry.get_password().unwrap(), "s3cr3t-ipc");

    // Same name again (case aside): refused, with the issue on the name field.
    let e = h.invoke("save_connection", json!({"draft": {"name": "orders db", "fields": {"host": "x"}}, "withoutSecrets": false})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
    let name_issue = e["issues"].as_array().unwrap().iter().find(|i| i["field"] == "name").expect("an issue on name");
    assert_eq!(name_issue["severity"], "error");

    // Editing without retyping the password keeps it.
    let edit = json!({"id": id, "name": "Orders (prod)", "role": "destination", "fields": {"host": "db.internal", "user": "loader", "dbname": "orders"}});
    let edited = h.ok("save_connection", json!({"draft": edit, "withoutSecrets": false}));
    assert_eq!(edited["name"], "Orders (prod)");
    assert_eq!(edited["has_password"], true);
    assert_eq!(entry.get_password().unwrap(), "s3cr3t-ipc");

    let copy = h.ok("duplicate_connection", json!({"id": id}));
    assert_eq!(copy["name"], "Orders (prod) (copy)");
    let copy_id = copy["id"].as_str().unwrap().to_owned();

    h.ok("delete_connection", json!({"id": id}));
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)), "delete removes the secret");
    let list = h.ok("list_connections", json!({}));
    assert_eq!(list["connections"].as_array().unwrap().len(), 1);
    h.ok("delete_connection", json!({"id": copy_id}));
}

#[test]
fn keyring_status_and_cancel_of_nothing() {
    sluice_harness::keyring_env::require_secret_service();
    let h = harness();
    assert_eq!(h.ok("keyring_status", json!({}))["available"], true);
    assert_eq!(h.ok("cancel_test", json!({"testId": "nothing-runs"})), json!(false));
}

/// A test run of `target` (a saved id or a draft) as the form runs it.
fn run_test(h: &Harness, target: Value) -> Value {
    h.ok(
        "test_connection",
        json!({"target": target, "job": "source", "options": {"truncate": false, "init_tables": false},
               "testId": "t-1", "onProgress": "__CHANNEL__:1"}),
    )
}

#[test]
fn a_saved_password_is_never_sent_to_another_server() {
    sluice_harness::keyring_env::require_secret_service();
    sluice_core::store::select_platform_store();
    let pg = sluice_harness::Cluster::start_default();
    pg.create_role("app", "s3cret-saved-pw");
    let catcher = sluice_harness::listeners::FakeServer::cleartext_catcher();
    let h = harness();
    let fields = json!({"host": "127.0.0.1", "port": pg.port().to_string(), "dbname": "postgres", "user": "app", "sslmode": "disable"});
    let mut with_pw = fields.clone();
    with_pw["password"] = json!("s3cret-saved-pw");
    let saved = h.ok("save_connection", json!({"draft": {"name": "Mine", "fields": with_pw}, "withoutSecrets": false}));
    let id = saved["id"].as_str().unwrap().to_owned();

    // The form, unchanged but for the database: the saved password is used.
    let mut same = fields.clone();
    same["dbname"] = json!("template1");
    let report = run_test(&h, json!({"draft": {"id": id, "name": "Mine", "fields": same}}));
    assert_eq!(report["connected"], true, "{report}");

    // A stranger's server pasted into the same connection: the password stays home.
    for (field, value) in [("port", json!(catcher.port().to_string())), ("user", json!("postgres"))] {
        let mut moved = fields.clone();
        moved[field] = value;
        if field == "user" {
            moved["port"] = json!(catcher.port().to_string());
        }
        let report = run_test(&h, json!({"draft": {"id": id, "name": "Mine", "fields": moved}}));
        assert_eq!(report["connected"], false);
        assert_eq!(report["error"]["code"], "auth_failed", "{report}");
        assert!(report["error"]["message"].as_str().unwrap().contains("saved one was not sent"), "{report}");
    }
    assert!(catcher.connections() >= 2, "the hostile server was reached");
    assert!(catcher.passwords().is_empty(), "the hostile server got a password: {:?}", catcher.passwords());

    // Saving it pointed elsewhere without retyping the password drops the password.
    let mut moved = fields.clone();
    moved["port"] = json!(catcher.port().to_string());
    let edited = h.ok("save_connection", json!({"draft": {"id": id, "name": "Mine", "fields": moved}, "withoutSecrets": false}));
    assert_eq!(edited["has_password"], false);
    let entry = keyring::Entry::new(sluice_core::store::SERVICE, &format!("{id}/password")).unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
    h.ok("delete_connection", json!({"id": id}));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
