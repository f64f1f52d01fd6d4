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
    /// What the user does in the native open or save dialog (`choose_import_file`, `choose_export_file`).
    fn choose(&self, dialog: sluice_app::state::Dialog, path: &std::path::Path) {
        use tauri::Manager;
        self._app.state::<AppState>().chose(dialog, path.to_owned());
    }

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
    assert_eq!(
        parsed["params"],
        json!({"host": "db.example.com", "port": "6543", "dbname": "app", "user": "alice", "sslmode": "require", "channel_binding": "require"}),
        "the keywords, in table order, and never the password"
    );
    assert_eq!(parsed["password"], "p@ss", "the pasted password comes back apart, for the masked field");
    assert!(parsed["warnings"][0].as_str().unwrap().contains("pgbouncer"));
    let url = h.ok("format_url", json!({"params": parsed["params"]}));
    assert_eq!(url, "postgresql://alice@db.example.com:6543/app?sslmode=require&channel_binding=require");
    let with = h.ok("format_url", json!({"params": parsed["params"], "password": "p@ss"}));
    assert!(with.as_str().unwrap().contains("alice:p%40ss@"));
    // Secrets never travel inside params.
    let e = h.invoke("format_url", json!({"params": {"host": "h", "password": "x"}})).unwrap_err();
    assert_eq!(e["issues"][0]["field"], "password", "{e}");
}

#[test]
fn errors_are_typed_and_positioned() {
    let h = harness();
    let url = "postgresql://host/db?a=b=c";
    let e = h.invoke("parse_url", json!({"url": url})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
    // The position of the extra "=", in characters, as libpq reports it.
    assert_eq!(e["position"], url.rfind('=').unwrap(), "{e}");
    let url = "postgresql://hôst/db?a=b=c";
    let e = h.invoke("parse_url", json!({"url": url})).unwrap_err();
    assert_eq!(e["position"], url.chars().count() - 2, "characters, not bytes: {e}");
    assert!(e["message"].as_str().unwrap().contains("a=b=c"));
    let e = h.invoke("format_url", json!({"params": {"sslmode": "sometimes", "pgbouncer": "true"}})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
    let fields: Vec<&str> = e["issues"].as_array().unwrap().iter().map(|i| i["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["pgbouncer", "sslmode"], "{e}");
    // In validate, the same are field issues.
    let issues = h.ok("validate_draft", json!({"draft": {"name": "x", "params": {"sslmode": "sometimes", "password": "p"}}}));
    let fields: Vec<&str> = issues.as_array().unwrap().iter().map(|i| i["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["password", "sslmode"], "{issues}");
    let e = h.invoke("delete_connection", json!({"id": "not-a-uuid"})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
}

#[test]
fn validate_reports_one_issue_per_field() {
    let h = harness();
    let issues = h.ok("validate_draft", json!({"draft": {"name": "", "params": {"port": "70000", "sslmode": "verify-full"}}}));
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
    let draft = json!({"name": "Orders DB", "job": "destination", "job_options": {"truncate": true},
        "params": {"host": "db.internal", "port": "5432", "dbname": "orders", "user": "loader", "sslmode": "require"},
        "password": "s3cr3t-ipc", "scope_schemas": ["sales", "public"]});
    let saved = h.ok("save_connection", json!({"draft": draft, "withoutSecrets": false}));
    assert_eq!(saved["has_password"], true);
    assert!(saved.get("password").is_none() && !saved.to_string().contains("s3cr3t-ipc"), "no secret in an IPC reply");
    assert_eq!(saved["job"], "destination");
    assert_eq!(saved["job_options"]["truncate"], true);
    assert_eq!(saved["scope_schemas"], json!(["sales", "public"]));
    assert_eq!(saved["url"], "postgresql://loader@db.internal:5432/orders?sslmode=require");
    let id = saved["id"].as_str().unwrap().to_owned();

    let list = h.ok("list_connections", json!({}));
    assert_eq!(list["connections"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("s3cr3t-ipc"), "no secret in list replies");
    let mut unreadable = Vec::new();
    for entry in sluice_harness::files_under(h.dir.path()) {
        match std::fs::read(&entry) {
            Ok(bytes) => assert!(!String::from_utf8_lossy(&bytes).contains("s3cr3t-ipc"), "secret on disk in {}", entry.display()),
            Err(e) => unreadable.push(format!("{}: {e}", entry.display())),
        }
    }
    assert!(unreadable.is_empty(), "every file in the config dir is searched: {unreadable:?}");
    let entry = keyring::Entry::new(sluice_core::store::SERVICE, &format!("{id}/password")).unwrap();
    assert_eq!(entry.get_password().unwrap(), "s3cr3t-ipc");

    // Same name again (case aside): refused, with the issue on the name field.
    let e = h.invoke("save_connection", json!({"draft": {"name": "orders db", "params": {"host": "x"}}, "withoutSecrets": false})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
    let name_issue = e["issues"].as_array().unwrap().iter().find(|i| i["field"] == "name").expect("an issue on name");
    assert_eq!(name_issue["severity"], "error");

    // Editing without retyping the password keeps it, and the schema scope the draft carries.
    let edit = json!({"id": id, "name": "Orders (prod)", "job": "destination", "scope_schemas": ["sales", "public"],
        "params": {"host": "db.internal", "user": "loader", "dbname": "orders", "sslmode": "require"}});
    let edited = h.ok("save_connection", json!({"draft": edit, "withoutSecrets": false}));
    assert_eq!(edited["name"], "Orders (prod)");
    assert_eq!(edited["has_password"], true);
    assert_eq!(edited["scope_schemas"], json!(["sales", "public"]));
    assert_eq!(entry.get_password().unwrap(), "s3cr3t-ipc");

    // Duplicate copies the record and its secrets under a free name.
    let copy = h.ok("duplicate_connection", json!({"id": id}));
    assert_eq!(copy["name"], "Orders (prod) (copy)");
    assert_eq!(copy["has_password"], true);
    let copy_id = copy["id"].as_str().unwrap().to_owned();
    let copy_entry = keyring::Entry::new(sluice_core::store::SERVICE, &format!("{copy_id}/password")).unwrap();
    assert_eq!(copy_entry.get_password().unwrap(), "s3cr3t-ipc");
    assert_eq!(h.ok("duplicate_connection", json!({"id": id}))["name"], "Orders (prod) (copy 2)");

    h.ok("delete_connection", json!({"id": id}));
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)), "delete removes the secret");
    let list = h.ok("list_connections", json!({}));
    assert_eq!(list["connections"].as_array().unwrap().len(), 2);
    for c in list["connections"].as_array().unwrap() {
        h.ok("delete_connection", json!({"id": c["id"]}));
    }
}

#[test]
fn without_secrets_saves_the_rest_and_asks_for_the_password_later() {
    sluice_harness::keyring_env::require_secret_service();
    sluice_core::store::select_platform_store();
    let h = harness();
    let draft = json!({"name": "No keyring", "params": {"host": "db.internal"}, "password": "never-stored-pw"});
    let saved = h.ok("save_connection", json!({"draft": draft, "withoutSecrets": true}));
    assert_eq!(saved["has_password"], false);
    assert_eq!(saved["password_saved"], false);
    let id = saved["id"].as_str().unwrap().to_owned();
    let entry = keyring::Entry::new(sluice_core::store::SERVICE, &format!("{id}/password")).unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)), "nothing reached the keyring");
    for file in sluice_harness::files_under(h.dir.path()) {
        assert!(!String::from_utf8_lossy(&std::fs::read(&file).unwrap()).contains("never-stored-pw"));
    }
    h.ok("delete_connection", json!({"id": id}));
}

#[test]
fn a_test_of_a_saved_connection_or_a_draft_analyses_only_its_schema_scope() {
    sluice_harness::keyring_env::require_secret_service();
    sluice_core::store::select_platform_store();
    let pg = sluice_harness::Cluster::start_default();
    pg.create_role("reader", "scope-pw");
    pg.psql("CREATE SCHEMA sales; CREATE SCHEMA hr; CREATE TABLE sales.orders (id int); CREATE TABLE hr.people (id int);
             GRANT USAGE ON SCHEMA sales, hr TO reader; GRANT SELECT ON sales.orders, hr.people TO reader;");
    let h = harness();
    let params = json!({"host": "127.0.0.1", "port": pg.port().to_string(), "dbname": "postgres", "user": "reader", "sslmode": "disable"});
    let saved = h.ok("save_connection", json!({"draft": {"name": "Scoped", "params": params, "password": "scope-pw", "scope_schemas": ["sales"]}, "withoutSecrets": false}));
    let id = saved["id"].as_str().unwrap().to_owned();
    // The reply's access is the compact form: schema numbers into `names`, a column of names.
    let relations = |report: &Value| -> Vec<String> {
        let (access, rel) = (&report["access"], &report["access"]["relations"]);
        let names = rel["name"].as_array().unwrap();
        names
            .iter()
            .zip(rel["schema"].as_array().unwrap())
            .map(|(n, s)| format!("{}.{}", access["names"][s.as_u64().unwrap() as usize].as_str().unwrap(), n.as_str().unwrap()))
            .collect()
    };
    let scoped = run_test(&h, json!({"id": id}));
    assert_eq!(relations(&scoped), ["sales.orders"]);
    // The schemas outside the scope are named, for the form's schema picker.
    assert_eq!(scoped["access"]["other_schemas"], json!(["hr", "public"]));
    // The draft's own scope is used, not "every schema".
    let draft = json!({"id": id, "name": "Scoped", "params": params, "scope_schemas": ["hr"]});
    assert_eq!(relations(&run_test(&h, json!({"draft": draft}))), ["hr.people"]);
    let draft = json!({"id": id, "name": "Scoped", "params": params});
    let all = relations(&run_test(&h, json!({"draft": draft})));
    assert!(all.contains(&"hr.people".to_owned()) && all.contains(&"sales.orders".to_owned()), "{all:?}");
    h.ok("delete_connection", json!({"id": id}));
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
        json!({"target": target, "job": "source", "jobOptions": {"truncate": false, "init_tables": false},
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
    let saved = h.ok("save_connection", json!({"draft": {"name": "Mine", "params": fields, "password": "s3cret-saved-pw"}, "withoutSecrets": false}));
    let id = saved["id"].as_str().unwrap().to_owned();

    // The form, unchanged but for the database: the saved password is used.
    let mut same = fields.clone();
    same["dbname"] = json!("template1");
    let report = run_test(&h, json!({"draft": {"id": id, "name": "Mine", "params": same}}));
    assert_eq!(report["connected"], true, "{report}");

    // A stranger's server pasted into the same connection: the password stays home.
    for (field, value) in [("port", json!(catcher.port().to_string())), ("user", json!("postgres"))] {
        let mut moved = fields.clone();
        moved[field] = value;
        if field == "user" {
            moved["port"] = json!(catcher.port().to_string());
        }
        let report = run_test(&h, json!({"draft": {"id": id, "name": "Mine", "params": moved}}));
        assert_eq!(report["connected"], false);
        assert_eq!(report["error"]["code"], "auth_failed", "{report}");
        assert!(report["error"]["message"].as_str().unwrap().contains("saved one was not sent"), "{report}");
    }
    assert!(catcher.connections() >= 2, "the hostile server was reached");
    assert!(catcher.passwords().is_empty(), "the hostile server got a password: {:?}", catcher.passwords());

    // Saving it pointed elsewhere without retyping the password drops the password.
    let mut moved = fields.clone();
    moved["port"] = json!(catcher.port().to_string());
    let edited = h.ok("save_connection", json!({"draft": {"id": id, "name": "Mine", "params": moved}, "withoutSecrets": false}));
    assert_eq!(edited["has_password"], false);
    let entry = keyring::Entry::new(sluice_core::store::SERVICE, &format!("{id}/password")).unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
    h.ok("delete_connection", json!({"id": id}));
}

#[test]
fn a_test_of_an_edited_connection_keeps_every_saved_secret_it_was_not_given() {
    // Password and client certificate both required; the key is encrypted.
    sluice_harness::keyring_env::require_secret_service();
    sluice_core::store::select_platform_store();
    let pg = sluice_harness::Cluster::builder().tls().hba("hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-full").start();
    pg.create_role("carol", "carol-pw");
    let pki = pg.pki();
    let (cert, key) = pki.client_cert("carol");
    let encrypted = pki.encrypt_key(&key, "key-phrase", sluice_harness::KeyFormat::Pkcs8Aes256);
    let cert_pem = std::fs::read_to_string(cert).unwrap();
    let key_pem = std::fs::read_to_string(encrypted).unwrap();
    let params = json!({"host": "localhost", "port": pg.port().to_string(), "dbname": "postgres", "user": "carol",
        "sslmode": "verify-full", "sslrootcert": pki.ca_cert().to_str().unwrap()});
    let h = harness();
    let saved = h.ok("save_connection", json!({"draft": {"name": "Carol", "params": params, "password": "carol-pw",
        "pem": {"sslcert": cert_pem}, "client_key_pem": key_pem, "client_key_passphrase": "key-phrase"}, "withoutSecrets": false}));
    assert_eq!(saved["has_sslpassword"], true);
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(run_test(&h, json!({"id": id}))["connected"], true);
    // The form retyped the password and pasted the key again, but not the
    // passphrase: the saved passphrase is used (Secrets::or).
    let draft = json!({"id": id, "name": "Carol", "params": params, "password": "carol-pw", "pem": {"sslcert": cert_pem}, "client_key_pem": key_pem});
    let report = run_test(&h, json!({"draft": draft}));
    assert_eq!(report["connected"], true, "{report}");
    // Without any saved passphrase the same draft fails, and says why.
    let draft = json!({"name": "Carol", "params": params, "password": "carol-pw", "pem": {"sslcert": cert_pem}, "client_key_pem": key_pem});
    assert_eq!(run_test(&h, json!({"draft": draft}))["error"]["code"], "client_key_passphrase");
    h.ok("delete_connection", json!({"id": id}));
}

#[test]
fn export_writes_no_secret_and_import_reads_it_back_over_ipc() {
    sluice_harness::keyring_env::require_secret_service();
    let h = harness();
    let draft = json!({"name": "Exported", "params": {"host": "db.example.com", "user": "app", "dbname": "shop"}, "password": "do-not-export"});
    h.ok("save_connection", json!({"draft": draft, "withoutSecrets": false}));
    let path = h.dir.path().join("out.json");
    // A path the user did not choose in a dialog is refused, for writing and for reading.
    let e = h.invoke("export_connections", json!({"format": "json", "ids": [], "path": path.to_str().unwrap()})).unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("not chosen in the save dialog") && !path.exists(), "{e}");
    h.choose(sluice_app::state::Dialog::Save, &path);
    let n = h.ok("export_connections", json!({"format": "json", "ids": [], "path": path.to_str().unwrap()}));
    assert_eq!(n, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("db.example.com") && !text.contains("do-not-export"), "{text}");
    for cmd in ["import_preview", "import_connections"] {
        let e = h.invoke(cmd, json!({"format": "json", "path": path.to_str().unwrap(), "onConflict": "rename"})).unwrap_err();
        assert!(e["message"].as_str().unwrap().contains("not chosen in the file dialog"), "{cmd}: {e}");
    }
    h.choose(sluice_app::state::Dialog::Open, &path);
    let preview = h.ok("import_preview", json!({"format": "json", "path": path.to_str().unwrap()}));
    assert_eq!(preview["connections"][0]["name"], "Exported");
    // Importing it again: the name is taken, so " (2)"; only the chosen source.
    let source = preview["connections"][0]["source"].clone();
    let done = h.ok("import_connections", json!({"format": "json", "path": path.to_str().unwrap(), "sources": [source], "onConflict": "rename"}));
    assert_eq!(done["connections"][0]["saved_as"], "Exported (2)");
    let none = h.ok("import_connections", json!({"format": "json", "path": path.to_str().unwrap(), "sources": ["connections[9]"], "onConflict": "rename"}));
    assert!(none["connections"].as_array().unwrap().is_empty());
    let e = h.invoke("import_preview", json!({"format": "pgadmin", "path": path.to_str().unwrap()})).unwrap_err();
    assert_eq!(e["kind"], "invalid_input");
    for c in h.ok("list_connections", json!({}))["connections"].as_array().unwrap() {
        h.ok("delete_connection", json!({"id": c["id"]}));
    }
}

#[cfg(unix)]
#[test]
fn an_imported_password_command_runs_from_the_form_only_once_saving_confirms_it() {
    use std::os::unix::fs::PermissionsExt;
    sluice_harness::keyring_env::require_secret_service();
    sluice_core::store::select_platform_store();
    let pg = sluice_harness::Cluster::start_default();
    pg.create_role("iam", "token-from-command");
    let h = harness();
    // The command leaves a trace when it runs.
    let ran = h.dir.path().join("ran");
    let script = h.dir.path().join("token.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho run >> '{}'\necho token-from-command\n", ran.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let servers = h.dir.path().join("servers.json");
    let doc = json!({"Servers": {"1": {"Name": "Imported", "Group": "Servers", "Host": "127.0.0.1", "Port": pg.port(),
        "MaintenanceDB": "postgres", "Username": "iam", "SSLMode": "disable", "PasswordExecCommand": script.to_str().unwrap()}}});
    std::fs::write(&servers, doc.to_string()).unwrap();
    h.choose(sluice_app::state::Dialog::Open, &servers);
    h.ok("import_connections", json!({"format": "pgadmin", "path": servers.to_str().unwrap(), "onConflict": "rename"}));
    let list = h.ok("list_connections", json!({}));
    let record = list["connections"].as_array().unwrap().iter().find(|c| c["name"] == "Imported").expect("imported").clone();
    let id = record["id"].as_str().unwrap().to_owned();
    let params = json!({"host": "127.0.0.1", "port": pg.port().to_string(), "dbname": "postgres", "user": "iam", "sslmode": "disable"});
    let line = script.to_str().unwrap().to_owned();

    // The form opened on it, Test pressed before saving: refused, not run.
    let draft = json!({"id": id, "name": "Imported", "params": params, "password_command": line});
    let report = run_test(&h, json!({"draft": draft}));
    assert_eq!(report["connected"], false, "{report}");
    assert!(report["error"]["message"].as_str().unwrap().contains("has not been confirmed"), "{report}");
    assert!(!ran.exists(), "the imported command ran before it was confirmed");
    // Nor from the list.
    assert_eq!(run_test(&h, json!({"id": id}))["connected"], false);
    assert!(!ran.exists());

    // Saved from the form, it is confirmed, and it runs.
    h.ok("save_connection", json!({"draft": draft, "withoutSecrets": false}));
    let report = run_test(&h, json!({"id": id}));
    assert_eq!(report["connected"], true, "{report}");
    assert!(ran.exists(), "the confirmed command ran");
    h.ok("delete_connection", json!({"id": id}));
}

/// Issue 22: a saved password goes to no other server, whatever the save
/// says besides: an edited draft that moves the server and types another
/// secret (the SSH password), or is saved without secrets while a password
/// is typed, then tested by id; and a JSON import over a saved name. Before
/// 2163de1 the first kept the saved password (any typed secret made the
/// store keep them all), the second returned before the rule
/// (`has_password` stayed true), and the catcher got the password.
#[test]
fn saves_and_imports_that_move_a_connection_send_it_no_saved_password() {
    sluice_harness::keyring_env::require_secret_service();
    sluice_core::store::select_platform_store();
    let pg = sluice_harness::Cluster::start_default();
    pg.create_role("app", "ipc-saved-pw-22");
    let catcher = sluice_harness::listeners::FakeServer::cleartext_catcher();
    let h = harness();
    let at = |port: u16| json!({"host": "127.0.0.1", "port": port.to_string(), "dbname": "postgres", "user": "app", "sslmode": "disable"});
    let save = |draft: Value, without: bool| h.ok("save_connection", json!({"draft": draft, "withoutSecrets": without}));
    let since = |n: usize| catcher.passwords()[n..].to_vec();

    // Control: an edit that keeps the server, with a typed SSH password,
    // keeps the saved password, and a test by id sends it to the catcher.
    let ctl = save(json!({"name": "Ctl", "params": at(catcher.port()), "password": "ctl-ipc-pw"}), false);
    let ctl_id = ctl["id"].as_str().unwrap().to_owned();
    let kept = save(json!({"id": ctl_id, "name": "Ctl renamed", "params": at(catcher.port()), "ssh_password": "typed-ssh-pw"}), false);
    assert_eq!(kept["has_password"], true, "{kept}");
    let n = catcher.passwords().len();
    run_test(&h, json!({"id": ctl_id}));
    assert_eq!(since(n), ["ctl-ipc-pw"], "the unchanged server gets its saved password");

    for (label, typed, without) in [
        ("moved, with a typed SSH password", json!({"ssh_password": "typed-ssh-pw"}), false),
        ("moved, saved without secrets while a password is typed", json!({"password": "typed-not-saved"}), true),
    ] {
        let saved = save(json!({"name": label, "params": at(pg.port()), "password": "ipc-saved-pw-22"}), false);
        let id = saved["id"].as_str().unwrap().to_owned();
        assert_eq!(run_test(&h, json!({"id": id}))["connected"], true, "{label}: control, the saved password logs in");
        let mut draft = json!({"id": id, "name": label, "params": at(catcher.port())});
        for (k, v) in typed.as_object().unwrap() {
            draft[k] = v.clone();
        }
        let edited = save(draft, without);
        assert_eq!(edited["has_password"], false, "{label}: {edited}");
        if !without {
            // (Saved without secrets, the keyring is not touched: the old
            // entry is no longer the record's and goes at the next open.)
            let entry = keyring::Entry::new(sluice_core::store::SERVICE, &format!("{id}/password")).unwrap();
            assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)), "{label}: the old password is still in the keyring");
        }
        let (n, c) = (catcher.passwords().len(), catcher.connections());
        let report = run_test(&h, json!({"id": id}));
        assert!(catcher.connections() > c, "{label}: the catcher was reached: {report}");
        assert_eq!(since(n), Vec::<String>::new(), "{label}: {report}");
        assert_eq!(report["connected"], false, "{label}: {report}");
    }

    // A Sluice JSON export whose entry has the name of a saved connection
    // and points at the catcher: the import is another connection, with no secret.
    let prod = save(json!({"name": "Prod", "params": at(pg.port()), "password": "ipc-saved-pw-22"}), false);
    let prod_id = prod["id"].as_str().unwrap().to_owned();
    let file = h.dir.path().join("shared.json");
    // (Another database than the connections above point at: an entry a
    // saved connection already reaches is skipped as a duplicate.)
    let mut params = at(catcher.port());
    params["dbname"] = json!("shop");
    let doc = json!({"sluice_export": 1, "connections": [{"entry": "fields", "name": "Prod", "params": params}]});
    std::fs::write(&file, doc.to_string()).unwrap();
    h.choose(sluice_app::state::Dialog::Open, &file);
    let done = h.ok("import_connections", json!({"format": "json", "path": file.to_str().unwrap(), "onConflict": "rename"}));
    let saved_as = done["connections"][0]["saved_as"].as_str().unwrap_or_default().to_owned();
    assert!(!saved_as.is_empty() && saved_as != "Prod", "the import does not replace the saved one: {done}");
    let list = h.ok("list_connections", json!({}));
    let imported = list["connections"].as_array().unwrap().iter().find(|c| c["name"] == saved_as.as_str()).expect("imported").clone();
    assert_eq!(imported["has_password"], false, "{imported}");
    let (n, c) = (catcher.passwords().len(), catcher.connections());
    let report = run_test(&h, json!({"id": imported["id"]}));
    assert!(catcher.connections() > c, "{report}");
    assert_eq!(since(n), Vec::<String>::new(), "the imported connection got a saved password: {report}");
    // The saved one is as it was.
    assert_eq!(run_test(&h, json!({"id": prod_id}))["connected"], true);
    for c in h.ok("list_connections", json!({}))["connections"].as_array().unwrap() {
        h.ok("delete_connection", json!({"id": c["id"]}));
    }
}
