//! Every command the UI can invoke (the contract is in docs/DESIGN.md).
//! Each is thin: it calls `sluice-core` and maps errors to
//! [`CommandError`]. A new command must also be listed in
//! `src-tauri/build.rs` and granted in `src-tauri/capabilities/main.json`.

use crate::error::CommandError;
use crate::models::{Connection, ConnectionList, Draft, ImportPreview, ImportSource, KeyringStatus, Params, ParsedUrl, Revealed, TestTarget, Vocabulary};
use sluice_core::import::{self, Format};
use crate::state::{AppState, Dialog};
use sluice_core::access::Scope;
use sluice_core::conninfo::{self, Environment, FieldIssue, FormatOptions};
use sluice_core::job::{JobOptions, Job};
use sluice_core::probe::{self, AnalysisRequest, CompactReport, StepEvent};
use sluice_core::saved::{self, Prepared};
use sluice_core::secret::Secret;
use sluice_core::store::{NewConnection, SaveMode, SecretChanges, Secrets};
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
    use sluice_core::connection::{fill, PRESETS};
    let p = PRESETS.iter().find(|p| p.id == preset).ok_or_else(|| CommandError::invalid(format!("\"{preset}\" is not a password command preset")))?;
    let (info, _) = params.check();
    Ok(sluice_core::connection::PasswordCommand { argv: fill(p.argv, &info), preset: Some(preset), confirmed: true }.line())
}

/// Parses a pasted URL or key=value string: its keywords, and apart from
/// them the password it carried (the one the user just pasted), which the
/// form moves into its masked field.
#[tauri::command]
pub fn parse_url(url: String) -> Result<ParsedUrl, CommandError> {
    let parsed = conninfo::parse(&url)?;
    let provider = sluice_core::connection::Provider::guess(parsed.info.get("host"));
    let mut params = parsed.info.without_secrets();
    let added = provider.add_required(&mut params);
    Ok(ParsedUrl {
        params,
        password: parsed.info.password().cloned().map(Revealed),
        warnings: parsed.warnings,
        syntax: parsed.syntax,
        provider,
        added,
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
            .call(|s| s.list())
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
    let provider = draft.provider.unwrap_or_else(|| sluice_core::connection::Provider::guess(params.get("host")));
    issues.extend(sluice_core::connection::provider_issues(provider, &params, &draft.pem));
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
    let Ok(record) = store.call(move |s| s.get(&id.to_string())).await else { return Ok(Vec::new()) };
    let typed = |s: &Option<sluice_core::secret::Secret>| s.as_ref().is_some_and(|p| !p.is_empty());
    let (new, _) = draft.split()?;
    let new = NewConnection { params: params.clone(), ..new };
    Ok(record
        .moved_secrets(&new.route())
        .into_iter()
        .filter_map(|w| match w.kind {
            SecretKind::Password if !typed(&draft.password) => Some(FieldIssue {
                field: "password".into(),
                severity: conninfo::Severity::Warning,
                message: format!("The saved password belongs to the connection as it was saved, and {}: it will not be sent to this one, nor kept. Type the password for this server.", w.reason),
            }),
            SecretKind::SshPassword if !typed(&draft.ssh_password) => Some(FieldIssue {
                field: "ssh_password".into(),
                severity: conninfo::Severity::Warning,
                message: format!("The saved SSH password belongs to the tunnel as it was saved, and {}: it will not be sent, nor kept. Type the SSH password again.", w.reason),
            }),
            _ => None,
        })
        .collect())
}

#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> Result<ConnectionList, CommandError> {
    let store = state.store().await?;
    let (records, missing) = store
        .call(|s| {
            let records = s.list()?;
            // One keyring read per saved secret: the list says which are gone.
            let missing = records.iter().map(|r| s.missing_secrets(r)).collect::<Vec<_>>();
            Ok((records, missing))
        })
        .await?;
    Ok(ConnectionList {
        connections: records
            .into_iter()
            .zip(missing)
            .map(|(r, m)| Connection { missing_secrets: m.into_iter().map(|k| k.as_str()).collect(), ..Connection::from(r) })
            .collect(),
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
    let tested = state.take_draft_test(&new);
    let record = match id {
        None => store.call(move |s| s.add(new, secrets, mode)).await?,
        // What was typed replaces the saved secret; the rest is kept by the
        // store while it may still go where the connection now points.
        Some(id) => store.call(move |s| s.update(id, new, SecretChanges::set_given(secrets), mode)).await?,
    };
    // A test run in the form before saving is the saved connection's last test.
    let record = match tested {
        Some(summary) => {
            let id = record.id;
            store.call(move |s| s.record_test(id, summary)).await.unwrap_or(record)
        }
        None => record,
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
    state.store().await?.call(move |s| s.delete(id)).await?;
    Ok(())
}

/// Copies a connection, secrets included, as "Name (copy)", "Name (copy 2)"...
#[tauri::command]
pub async fn duplicate_connection(state: State<'_, AppState>, id: String) -> Result<Connection, CommandError> {
    let id = parse_id(&id)?;
    let store = state.store().await?;
    let original = store.call(move |s| s.get(&id.to_string())).await?;
    let taken: Vec<String> = store.call(|s| s.list()).await?.into_iter().map(|r| r.name.to_lowercase()).collect();
    let name = copy_name(&original.name, &taken);
    Ok(Connection::from(store.call(move |s| s.duplicate(id, &name)).await?))
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

/// The probe request for a draft: what the form holds, with the secrets
/// typed in it and, for an edited connection, the saved ones the store lets
/// go where the draft points (`sluice_core::saved`).
async fn draft_request(state: &AppState, draft: &Draft) -> Result<Prepared, CommandError> {
    let (new, typed) = draft.split()?;
    let store = state.store().await?;
    let saved = match draft.uuid()? {
        Some(id) => store.call(move |s| s.get(&id.to_string())).await.ok(),
        None => None,
    };
    Ok(saved::prepare_async(&store, saved, new, typed).await?)
}

/// Records an SSH host key the user accepted after a test met it unknown
/// (`ssh_host_key_unknown`): `key` goes into the known_hosts file of that
/// hop, under the hop's host name and port, as `ssh` would record it. The
/// hop and its file are looked up from settings the user saved or sees:
/// a saved connection's (its imported trust confirmed), or a draft's when
/// the draft keeps the saved known_hosts file or names none (then the
/// default one, `~/.ssh/known_hosts` or `UserKnownHostsFile`). The key is
/// recorded only if the host is unknown (never over a changed key, nor
/// beside keys of another type), and only in a known_hosts file.
#[tauri::command]
pub async fn trust_host_key(state: State<'_, AppState>, target: TestTarget, hop: usize, key: String) -> Result<(), CommandError> {
    let saved = match &target {
        TestTarget::Saved { id } => {
            let id = parse_id(id)?;
            Some(state.store().await?.call(move |s| s.get(&id.to_string())).await?)
        }
        TestTarget::Draft { draft } => match draft.uuid()? {
            Some(id) => state.store().await?.call(move |s| s.get(&id.to_string())).await.ok(),
            None => None,
        },
    };
    let saved_tunnel = saved.as_ref().and_then(|r| r.ssh.clone());
    let tunnel = match &target {
        TestTarget::Saved { .. } => saved_tunnel.clone(),
        TestTarget::Draft { draft } => draft.ssh.clone(),
    }
    .filter(|t| !t.is_empty())
    .ok_or_else(|| CommandError::invalid("This connection has no SSH tunnel."))?;
    if tunnel.known_hosts.is_some() && tunnel.known_hosts != saved_tunnel.as_ref().and_then(|t| t.known_hosts.clone()) {
        return Err(CommandError::invalid("Save the connection first: Sluice records a host key only in a known_hosts file the connection was saved with."));
    }
    if saved_tunnel.as_ref().is_some_and(|t| t.unconfirmed && t.known_hosts.is_some() && t.known_hosts == tunnel.known_hosts) {
        return Err(CommandError::invalid("The known_hosts file came from an import: confirm it first (save the connection in the form)."));
    }
    let hops = sluice_core::ssh::resolve(&tunnel, &sluice_core::ssh::SshEnv::from_process()).map_err(CommandError::invalid)?;
    let h = hops.get(hop).ok_or_else(|| CommandError::invalid(format!("The tunnel has no hop {}.", hop + 1)))?;
    let parsed = sluice_core::ssh::known_hosts::parse_key(&key).map_err(|e| CommandError::invalid(format!("Not an SSH public key: {e}")))?;
    let file = h.known_hosts.first().ok_or_else(|| CommandError::invalid("No known_hosts file to record the key in."))?;
    use sluice_core::ssh::known_hosts::{check, Verdict};
    match check(&h.hostname, h.port, &parsed, None, &h.known_hosts) {
        Verdict::Unknown => {}
        Verdict::Known => return Ok(()),
        _ => return Err(CommandError::invalid(format!("{} already has a recorded host key that this one does not match: Sluice does not record a key over it. Ask the server's administrator.", h.hostname))),
    }
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
    job_options: JobOptions,
    test_id: String,
    on_progress: Channel<StepEvent>,
) -> Result<CompactReport, CommandError> {
    let (prepared, saved_id, schemas) = match &target {
        TestTarget::Saved { id } => {
            let id = parse_id(id)?;
            let store = state.store().await?;
            let record = store.call(move |s| s.get(&id.to_string())).await?;
            let (shape, schemas) = (record.to_new(), record.scope_schemas.clone());
            (saved::prepare_async(&store, Some(record), shape, Secrets::default()).await?, Some(id), schemas)
        }
        TestTarget::Draft { draft } => (draft_request(&state, draft).await?, None, draft.scope_schemas.clone()),
    };
    let mut req = prepared.request.clone();
    req.analysis = Some(AnalysisRequest { job, options: job_options, scope: Scope { schemas, tables: Vec::new() } });
    let cancel = state.begin_test(&test_id);
    let progress = move |event: &StepEvent| {
        // A closed window just drops the events.
        let _ = on_progress.send(event.clone());
    };
    let mut report = probe::run(&req, &cancel, &progress).await;
    state.end_test(&test_id);
    prepared.explain(&mut report);
    if let TestTarget::Draft { draft } = &target {
        if let Ok((new, _)) = draft.split() {
            state.tested_draft(&new, saved::summary(&report));
        }
    }
    if let Some(id) = saved_id {
        if let Ok(store) = state.store().await {
            let summary = saved::summary(&report);
            if let Err(e) = store.call(move |s| s.record_test(id, summary)).await {
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

/// The file an import may read: one the user chose in the open dialog, or
/// the format's default file (what `import_sources` offers). Any other path
/// from the window is refused: the window never names files by itself.
fn import_path(state: &AppState, format: Format, path: Option<String>) -> Result<Option<std::path::PathBuf>, CommandError> {
    let Some(path) = path.map(std::path::PathBuf::from) else { return Ok(None) };
    let default = format.default_file(&Environment::from_process());
    if state.was_chosen(Dialog::Open, &path) || default.as_deref() == Some(path.as_path()) {
        Ok(Some(path))
    } else {
        Err(CommandError::invalid(format!("{} was not chosen in the file dialog: choose the file to import there.", path.display())))
    }
}

/// Opens the native file dialog; the path chosen may then be imported.
#[tauri::command]
pub async fn choose_import_file<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>, title: String) -> Result<Option<String>, CommandError> {
    choose(&app, &state, Dialog::Open, title, None).await
}

/// Opens the native save dialog; the path chosen may then be exported to.
#[tauri::command]
pub async fn choose_export_file<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    title: String,
    default_name: Option<String>,
) -> Result<Option<String>, CommandError> {
    choose(&app, &state, Dialog::Save, title, default_name).await
}

async fn choose<R: tauri::Runtime>(app: &tauri::AppHandle<R>, state: &AppState, which: Dialog, title: String, default_name: Option<String>) -> Result<Option<String>, CommandError> {
    use tauri::Manager;
    let dialog = app.try_state::<tauri_plugin_dialog::Dialog<R>>().ok_or_else(|| CommandError::internal("the file dialog is not available"))?.inner().clone();
    let picked = tauri::async_runtime::spawn_blocking(move || {
        let mut builder = dialog.file().set_title(title);
        if let Some(name) = default_name {
            builder = builder.set_file_name(name);
        }
        match which {
            Dialog::Open => builder.blocking_pick_file(),
            Dialog::Save => builder.blocking_save_file(),
        }
    })
    .await
    .map_err(|e| CommandError::internal(e.to_string()))?;
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else { return Ok(None) };
    state.chose(which, path.clone());
    Ok(Some(path.display().to_string()))
}

/// What `path` (in `format`) holds; nothing is saved.
#[tauri::command]
pub async fn import_preview(state: State<'_, AppState>, format: Format, path: Option<String>) -> Result<ImportPreview, CommandError> {
    let path = import_path(&state, format, path)?;
    let plan = tauri::async_runtime::spawn_blocking(move || import::read(format, path.as_deref(), &Environment::from_process()))
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    let mut plan = plan;
    if let Ok(store) = state.store().await {
        if let Ok(saved) = store.call(|s| s.list()).await {
            plan.mark_duplicates(&saved);
        }
    }
    Ok(ImportPreview { connections: plan.listed(), skipped: plan.skipped })
}

/// Imports the entries of `path` whose `source` is listed (all when none
/// is); a taken name gets " (2)" or is skipped. Entries a saved connection
/// already reaches (`duplicate_of` in the preview) are skipped unless they
/// are listed in `sources` (the user ticked them). Secrets go to the keyring.
#[tauri::command]
pub async fn import_connections(
    state: State<'_, AppState>,
    format: Format,
    path: Option<String>,
    sources: Option<Vec<String>>,
    on_conflict: import::OnConflict,
) -> Result<import::Outcome, CommandError> {
    let duplicates = if sources.is_some() { import::Duplicates::Include } else { import::Duplicates::Skip };
    let path = import_path(&state, format, path)?;
    let plan = tauri::async_runtime::spawn_blocking(move || import::read(format, path.as_deref(), &Environment::from_process()))
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    let store = state.store().await?;
    Ok(store.call(move |s| import::apply(s, plan, sources.as_deref(), on_conflict, duplicates, sluice_core::store::SaveMode::WithSecrets)).await?)
}

/// Writes the connections `ids` (all when empty) to `path` in `format`,
/// never with a secret. `path` must be one the user chose in the save
/// dialog (`choose_export_file`): the window cannot write anywhere else.
#[tauri::command]
pub async fn export_connections(state: State<'_, AppState>, format: import::ExportFormat, ids: Vec<String>, path: String) -> Result<usize, CommandError> {
    if !state.was_chosen(Dialog::Save, std::path::Path::new(&path)) {
        return Err(CommandError::invalid(format!("{path} was not chosen in the save dialog: choose where to export there.")));
    }
    let store = state.store().await?;
    let all = store.call(|s| s.list()).await?;
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
