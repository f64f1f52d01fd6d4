//! Every command the UI can invoke (the contract is in docs/DESIGN.md).
//! Each is thin: it calls `sluice-core` and maps errors to
//! [`CommandError`]. A new command must also be listed in
//! `src-tauri/build.rs` and granted in `src-tauri/capabilities/main.json`.

use crate::error::CommandError;
use crate::models::{Connection, ConnectionList, Draft, ImportPreview, ImportSource, KeyringStatus, Params, ParsedUrl, Revealed, TestTarget, Vocabulary};
use sluice_core::import::{self, Format};
use crate::state::AppState;
use sluice_core::access::Scope;
use sluice_core::conninfo::{self, Environment, FieldIssue, FormatOptions, PasswordSource};
use sluice_core::job::{DestinationOptions, Job};
use sluice_core::probe::{self, AnalysisRequest, CompactReport, ProbeRequest, SshRequest, StepEvent};
use sluice_core::secret::Secret;
use sluice_core::store::SaveMode;
use tauri::ipc::Channel;
use tauri::State;

/// The app's version, as built (the About box; also the smallest UI → invoke → Rust → UI path, which e2e/version.test.js drives).
///
/// The page asks for it first, as soon as its modules are in: the first call
/// logs how long the start took (`startup: …`, the cold-start benchmark's
/// "UI ready" without WebDriver).
#[tauri::command]
pub fn app_version() -> Result<String, CommandError> {
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| {
        if let Some(ms) = crate::started_ms() {
            tracing::info!(ms = format!("{ms:.1}"), "startup: the page is up");
        }
    });
    Ok(env!("CARGO_PKG_VERSION").to_owned())
}

/// The About box's facts (and its "Copy diagnostics" text).
#[tauri::command]
pub async fn about(state: State<'_, AppState>) -> Result<crate::models::About, CommandError> {
    use sluice_core::build_info;
    let config_dir = match state.config_dir() {
        Some(dir) => Some(dir.display().to_string()),
        None => sluice_core::store::config_dir().ok().map(|d| d.display().to_string()),
    };
    let webview = tauri::webview_version().unwrap_or_else(|e| format!("unknown ({e})"));
    let webview = if cfg!(target_os = "linux") { format!("WebKitGTK {webview}") } else if cfg!(windows) { format!("WebView2 {webview}") } else { format!("WKWebView {webview}") };
    Ok(crate::models::About {
        version: build_info::VERSION,
        commit: build_info::COMMIT,
        webview,
        compositing: crate::compositing::current().map(|c| format!("{} ({})", if c.enabled { "accelerated" } else { "off" }, c.reason)),
        config_dir,
        keyring_backend: build_info::keyring_backend(),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    })
}

/// The vocabulary the form is built from: libpq's keywords, the SSL modes
/// and the jobs, as core defines them.
#[tauri::command]
pub fn vocabulary() -> Vocabulary {
    Vocabulary::new()
}

/// A password command preset filled from the form's keywords (host, port,
/// user, dbname, and the AWS region of an RDS host), as one line to edit.
#[tauri::command]
pub fn fill_password_preset(preset: String, params: Params) -> Result<String, CommandError> {
    use sluice_core::probe::password_command::{fill, PRESETS};
    let p = PRESETS.iter().find(|p| p.id == preset).ok_or_else(|| CommandError::invalid(format!("\"{preset}\" is not a password command preset")))?;
    let (info, _) = params.check();
    Ok(sluice_core::probe::PasswordCommand { argv: fill(p.argv, &info), preset: Some(preset), confirmed: true }.line())
}

/// Parses a pasted URL or key=value string: its keywords, and apart from
/// them the password it carried (the one the user just pasted), which the
/// form moves into its masked field.
#[tauri::command]
pub fn parse_url(url: String) -> Result<ParsedUrl, CommandError> {
    let parsed = conninfo::parse(&url)?;
    Ok(ParsedUrl {
        params: parsed.info.without_secrets(),
        password: parsed.info.password().cloned().map(Revealed),
        warnings: parsed.warnings,
        syntax: parsed.syntax,
    })
}

/// The canonical URL for the form's keywords, with `password` when one is given.
#[tauri::command]
pub fn format_url(params: Params, password: Option<Secret>) -> Result<String, CommandError> {
    let mut info = params.to_conninfo()?;
    info.set_secret("password", password.filter(|p| !p.is_empty()));
    Ok(conninfo::format_uri(&info, FormatOptions::WITH_PASSWORD))
}

async fn other_names(state: &AppState, except: Option<uuid::Uuid>) -> Vec<String> {
    match state.store().await {
        Ok(store) => store
            .list()
            .await
            .map(|list| list.into_iter().filter(|r| Some(r.id) != except).map(|r| r.name).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// One issue per field, for inline validation.
#[tauri::command]
pub async fn validate_draft(state: State<'_, AppState>, draft: Draft) -> Result<Vec<FieldIssue>, CommandError> {
    let names = other_names(&state, draft.uuid()?).await;
    let (params, refused) = draft.params.check();
    let mut issues = conninfo::validate(&draft.name, &params, &names).issues;
    issues.retain(|i| !refused.iter().any(|r| r.field == i.field));
    issues.extend(refused);
    if let Some(t) = &draft.ssh {
        issues.extend(t.problems().into_iter().map(|message| FieldIssue { field: "ssh".into(), severity: conninfo::Severity::Error, message }));
    }
    match draft.password_command() {
        Ok(Some(cmd)) => issues.extend(cmd.warnings(params.effective_sslmode()).into_iter().map(|message| FieldIssue { field: "password_command".into(), severity: conninfo::Severity::Warning, message })),
        Ok(None) => {}
        Err(e) => issues.extend(e.issues),
    }
    issues.extend(withheld_secret_issues(&state, &draft, &params).await?);
    Ok(issues)
}

/// A warning on the password field (or the SSH password field) when an
/// edited connection now names another server or user, or goes through
/// other SSH hosts
/// than the one its saved password belongs to: the password will be neither
/// sent nor kept unless it is typed again.
async fn withheld_secret_issues(state: &AppState, draft: &Draft, params: &conninfo::ConnInfo) -> Result<Vec<FieldIssue>, CommandError> {
    use sluice_core::store::SecretKind;
    let Some(id) = draft.uuid()? else { return Ok(Vec::new()) };
    let Ok(store) = state.store().await else { return Ok(Vec::new()) };
    let Ok(record) = store.get(id.to_string()).await else { return Ok(Vec::new()) };
    let typed = |s: &Option<sluice_core::secret::Secret>| s.as_ref().is_some_and(|p| !p.is_empty());
    let tunnel = draft.ssh.as_ref().filter(|t| !t.is_empty());
    Ok(record
        .moved_secrets(params, tunnel)
        .into_iter()
        .filter_map(|kind| match kind {
            SecretKind::Password if !typed(&draft.password) => Some(FieldIssue {
                field: "password".into(),
                severity: conninfo::Severity::Warning,
                message: "The host, port, user, service or SSH route changed: the saved password belongs to the old server, so it will not be sent to this one, nor kept. Type the password for this server.".into(),
            }),
            SecretKind::SshPassword if !typed(&draft.ssh_password) => Some(FieldIssue {
                field: "ssh_password".into(),
                severity: conninfo::Severity::Warning,
                message: "The SSH hosts or users changed: the saved SSH password belongs to the old ones, so it will not be sent to these, nor kept. Type the SSH password again.".into(),
            }),
            _ => None,
        })
        .collect())
}

#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> Result<ConnectionList, CommandError> {
    let store = state.store().await?;
    let records = store.list().await?;
    Ok(ConnectionList {
        connections: records.into_iter().map(Connection::from).collect(),
        warnings: store.warnings().iter().map(|w| w.message().to_owned()).collect(),
    })
}

/// Saves a new or edited connection: secrets to the keyring, the rest to
/// the file. On an existing connection, a secret not typed keeps the saved
/// one (`Secrets::or`), the password only while the server is the one it
/// was saved for.
#[tauri::command]
pub async fn save_connection(state: State<'_, AppState>, draft: Draft, without_secrets: bool) -> Result<Connection, CommandError> {
    let id = draft.uuid()?;
    let (new, secrets) = draft.split()?;
    let names = other_names(&state, id).await;
    let validation = conninfo::validate(&draft.name, &new.params, &names);
    if validation.is_blocking() {
        return Err(CommandError { issues: validation.issues, ..CommandError::invalid("Some fields need fixing before the connection can be saved.") });
    }
    let mode = if without_secrets { SaveMode::WithoutSecrets } else { SaveMode::WithSecrets };
    let store = state.store().await?;
    let record = match id {
        None => store.add(new, secrets, mode).await?,
        Some(id) => {
            // None lets the store keep the saved secrets, by the same rule.
            let secrets = if secrets.is_empty() {
                None
            } else {
                let saved = store.get(id.to_string()).await?;
                let (reusable, _) = saved.reusable_secrets(store.secrets(id).await.unwrap_or_default(), &new.params, new.ssh.as_ref());
                Some(secrets.or(reusable))
            };
            store.update(id, new, secrets, mode).await?
        }
    };
    Ok(Connection::from(record))
}

fn parse_id(id: &str) -> Result<uuid::Uuid, CommandError> {
    id.parse().map_err(|_| CommandError::invalid(format!("\"{id}\" is not a connection id")))
}

/// Deletes the connection and its keyring secrets.
#[tauri::command]
pub async fn delete_connection(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    let id = parse_id(&id)?;
    state.store().await?.delete(id).await?;
    Ok(())
}

/// Copies a connection, secrets included, as "Name (copy)", "Name (copy 2)"...
#[tauri::command]
pub async fn duplicate_connection(state: State<'_, AppState>, id: String) -> Result<Connection, CommandError> {
    let id = parse_id(&id)?;
    let store = state.store().await?;
    let original = store.get(id.to_string()).await?;
    let taken: Vec<String> = store.list().await?.into_iter().map(|r| r.name.to_lowercase()).collect();
    let name = copy_name(&original.name, &taken);
    Ok(Connection::from(store.duplicate(id, name).await?))
}

/// The first of "Name (copy)", "Name (copy 2)", ... that no connection has.
fn copy_name(name: &str, taken: &[String]) -> String {
    let mut n = 1;
    loop {
        let candidate = if n == 1 { format!("{name} (copy)") } else { format!("{name} (copy {n})") };
        if !taken.contains(&candidate.to_lowercase()) {
            return candidate;
        }
        n += 1;
    }
}

/// Builds the probe request for a draft. An edited connection uses the
/// saved secrets the user did not retype (`Secrets::or`), but the saved
/// password only while the draft names the server it was saved for; the
/// flag says it was held back.
async fn draft_request(state: &AppState, draft: &Draft) -> Result<(ProbeRequest, bool), CommandError> {
    let (new, mut secrets) = draft.split()?;
    let typed = secrets.password.is_some();
    let mut withheld = false;
    let mut password_command = new.password_command;
    if let Some(id) = draft.uuid()? {
        let store = state.store().await?;
        if let (Ok(record), Ok(saved)) = (store.get(id.to_string()).await, store.secrets(id).await) {
            // An imported command the form still holds unchanged runs only
            // once saving has confirmed it: a test of the draft does not.
            if let (Some(cmd), Some(imported)) = (password_command.as_mut(), record.password_command.as_ref()) {
                if !imported.confirmed && cmd.argv == imported.argv {
                    cmd.confirmed = false;
                }
            }
            let typed_password = secrets.password.is_some();
            let (reusable, held_back) = record.reusable_secrets(saved, &new.params, new.ssh.as_ref());
            withheld = held_back && !typed_password && record.moved_secrets(&new.params, new.ssh.as_ref()).contains(&sluice_core::store::SecretKind::Password);
            secrets = secrets.or(reusable);
        }
    }
    let ssh = new.ssh.clone().map(|t| SshRequest::new(t, secrets.ssh()));
    let mut info = new.params;
    info.set_secret("password", secrets.password);
    info.set_secret("sslpassword", secrets.sslpassword);
    // A draft is resolved like a saved connection: its service and the
    // password file apply, the app's PG* variables do not.
    let source = if typed { PasswordSource::Prompt } else { PasswordSource::Keyring };
    let mut req = ProbeRequest::resolved(&info, source, &Environment::without_vars()).map_err(|e| CommandError::invalid(e.to_string()))?;
    req.inline_tls = draft.inline_tls(secrets.client_key_pem);
    req.ssh = ssh;
    req.password_command = password_command;
    Ok((req, withheld))
}

/// Records an SSH host key the user accepted after a test met it unknown
/// (`ssh_host_key_unknown`): `key` goes into the known_hosts file of that
/// hop, under the hop's host name and port, as `ssh` would record it. The
/// hop is looked up again from the connection (saved or being edited), so
/// the file and the name come from its settings, never from the caller.
#[tauri::command]
pub async fn trust_host_key(state: State<'_, AppState>, target: TestTarget, hop: usize, key: String) -> Result<(), CommandError> {
    let tunnel = match &target {
        TestTarget::Saved { id } => {
            let store = state.store().await?;
            store.get(parse_id(id)?.to_string()).await?.ssh
        }
        TestTarget::Draft { draft } => draft.ssh.clone(),
    }
    .filter(|t| !t.is_empty())
    .ok_or_else(|| CommandError::invalid("This connection has no SSH tunnel."))?;
    let hops = sluice_core::ssh::resolve(&tunnel, &sluice_core::ssh::SshEnv::from_process()).map_err(CommandError::invalid)?;
    let h = hops.get(hop).ok_or_else(|| CommandError::invalid(format!("The tunnel has no hop {}.", hop + 1)))?;
    sluice_core::ssh::known_hosts::parse_key(&key).map_err(|e| CommandError::invalid(format!("Not an SSH public key: {e}")))?;
    let file = h.known_hosts.first().ok_or_else(|| CommandError::invalid("No known_hosts file to record the key in."))?;
    let (host, port, file, key) = (h.hostname.clone(), h.port, file.clone(), key);
    tauri::async_runtime::spawn_blocking(move || sluice_core::ssh::known_hosts::learn(&host, port, &key, &file).map_err(|e| (file, e)))
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?
        .map_err(|(file, e)| CommandError::invalid(format!("Could not record the key in {}: {e}", file.display())))
}

/// Test Connection. Progress streams over `on_progress`; `cancel_test`
/// with the same `test_id` stops it at once. The analysis covers the
/// connection's schema scope (the draft's, or the saved one's). The reply's
/// `access` is in its compact form.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    target: TestTarget,
    job: Job,
    destination_options: DestinationOptions,
    test_id: String,
    on_progress: Channel<StepEvent>,
) -> Result<CompactReport, CommandError> {
    let (mut req, saved_id, schemas, withheld) = match &target {
        TestTarget::Saved { id } => {
            let id = parse_id(id)?;
            let store = state.store().await?;
            let record = store.get(id.to_string()).await?;
            let secrets = store.secrets(id).await?;
            let req = ProbeRequest::for_saved(&record, &secrets).map_err(|e| CommandError::invalid(e.to_string()))?;
            (req, Some(id), record.scope_schemas.clone(), false)
        }
        TestTarget::Draft { draft } => {
            let (req, withheld) = draft_request(&state, draft).await?;
            (req, None, draft.scope_schemas.clone(), withheld)
        }
    };
    req.analysis = Some(AnalysisRequest { job, options: destination_options, scope: Scope { schemas, tables: Vec::new() } });
    let cancel = state.begin_test(&test_id);
    let progress = move |event: &StepEvent| {
        // A closed window just drops the events.
        let _ = on_progress.send(event.clone());
    };
    let mut report = probe::run(&req, &cancel, &progress).await;
    state.end_test(&test_id);
    if withheld {
        probe::explain_withheld_password(&mut report);
    }
    if let Some(id) = saved_id {
        if let Ok(store) = state.store().await {
            if let Err(e) = store.record_test(id, probe::summary(&report)).await {
                tracing::warn!("could not record the test result: {e}");
            }
        }
    }
    // The window gets the analysis column by column (see access/compact.rs).
    Ok(report.into())
}

/// Stops a running test; false if none runs under that id.
#[tauri::command]
pub fn cancel_test(state: State<'_, AppState>, test_id: String) -> bool {
    state.cancel_test(&test_id)
}

/// Whether the OS keyring answers, for the banner.
#[tauri::command]
pub async fn keyring_status() -> Result<KeyringStatus, CommandError> {
    let status = tauri::async_runtime::spawn_blocking(sluice_core::store::keyring_available)
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?;
    Ok(match status {
        Ok(()) => KeyringStatus { available: true, message: None, hint: None },
        Err(e) => KeyringStatus { available: false, message: Some(e.to_string()), hint: e.hint() },
    })
}

#[cfg(test)]
mod tests {
    use super::copy_name;

    #[test]
    fn copy_names_skip_the_taken_ones() {
        let taken = |names: &[&str]| names.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>();
        assert_eq!(copy_name("A", &taken(&["a"])), "A (copy)");
        assert_eq!(copy_name("A", &taken(&["a", "A (COPY)", "a (copy 2)"])), "A (copy 3)");
    }
}

/// The files the import dialog offers at once: libpq's password and service
/// files, pgAdmin's and DBeaver's, when they exist; the PG* variables when
/// any is set.
#[tauri::command]
pub fn import_sources() -> Vec<ImportSource> {
    let env = Environment::from_process();
    let mut out = Vec::new();
    for (format, label) in [
        (Format::Pgpass, "libpq password file"),
        (Format::Service, "libpq service file"),
        (Format::Pgadmin, "pgAdmin servers.json"),
        (Format::Dbeaver, "DBeaver connections"),
    ] {
        if let Some(p) = format.default_file(&env).filter(|p| p.is_file()) {
            out.push(ImportSource { format, path: Some(p.display().to_string()), label: label.into() });
        }
    }
    if env.vars.keys().any(|k| k.starts_with("PG")) {
        out.push(ImportSource { format: Format::Env, path: None, label: "PG* environment variables".into() });
    }
    out
}

/// What `path` (in `format`) holds; nothing is saved.
#[tauri::command]
pub async fn import_preview(format: Format, path: Option<String>) -> Result<ImportPreview, CommandError> {
    let plan = tauri::async_runtime::spawn_blocking(move || import::read(format, path.as_deref().map(std::path::Path::new), &Environment::from_process()))
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    Ok(ImportPreview { connections: plan.listed(), skipped: plan.skipped })
}

/// Imports the entries of `path` whose `source` is listed (all when none
/// is); a taken name gets " (2)" or is skipped. Secrets go to the keyring.
#[tauri::command]
pub async fn import_connections(
    state: State<'_, AppState>,
    format: Format,
    path: Option<String>,
    sources: Option<Vec<String>>,
    on_conflict: import::OnConflict,
) -> Result<import::Outcome, CommandError> {
    let plan = tauri::async_runtime::spawn_blocking(move || import::read(format, path.as_deref().map(std::path::Path::new), &Environment::from_process()))
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    let store = state.store().await?;
    Ok(store.import(plan, sources, on_conflict, sluice_core::store::SaveMode::WithSecrets).await?)
}

/// Writes the connections `ids` (all when empty) to `path` in `format`,
/// never with a secret. `path` is the one the user chose in the save dialog.
#[tauri::command]
pub async fn export_connections(state: State<'_, AppState>, format: import::ExportFormat, ids: Vec<String>, path: String) -> Result<usize, CommandError> {
    let store = state.store().await?;
    let all = store.list().await?;
    let records: Vec<_> = if ids.is_empty() { all } else { all.into_iter().filter(|r| ids.contains(&r.id.to_string())).collect() };
    let text = import::export(format, &records);
    let n = records.len();
    tokio::fs::write(&path, text).await.map_err(|e| CommandError::invalid(format!("Could not write {path}: {e}")))?;
    Ok(n)
}

/// Postgres servers on this machine, for the first run: each place is asked
/// one read-only SSLRequest, within one second.
#[tauri::command]
pub async fn detect_local_servers() -> Vec<import::local::LocalServer> {
    let places = import::local::places(&Environment::from_process(), &import::local::default_socket_dirs());
    import::local::detect(places, std::time::Duration::from_millis(800)).await
}
