//! `sluice connections`: the app's saved connections, from the shell.
//!
//! - `list [--json]`: a table, or the records as a JSON array.
//! - `show NAME [--json] [--reveal]`: one connection; the password only with `--reveal`.
//! - `add --name N (--url URL | --host ... ) [...]`: save a new connection.
//! - `edit NAME [...] [--rename NEW]`: change only what is given.
//! - `remove NAME`: delete it and its secrets.
//! - `import --from FORMAT [FILE] [--dry-run] [--on-conflict rename|skip]`:
//!   from pgpass, service, env, dotenv, pgadmin, dbeaver or json.
//! - `export --to urls|service|pgadmin|json [NAME]...`: to stdout, no secret.
//!
//! NAME is a connection's name (case-insensitive) or id. The store is the
//! app's own (`SLUICE_CONFIG_DIR` overrides its directory); secrets go to
//! the OS keyring. A password never comes from a flag: `add` takes it from
//! `--password-stdin`, `PGPASSWORD`, the URL (it is moved to the keyring),
//! or a no-echo prompt when stdin is a terminal. Errors go to stderr as
//! `error: ...` (plus `hint: ...`), exit 2. `SLUICE_LOG=debug` logs to stderr.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sluice_core::secret::Secret;
use sluice_core::store::{Store, ConnectionRecord, NewConnection, Provider, SaveMode, SecretChange, SecretChanges, Secrets, StoreError};

use crate::params::ParamArgs;
use crate::term::{errln, outln};
use crate::{exit, CliError};

#[derive(Subcommand)]
pub enum ConnectionsCommand {
    /// List saved connections.
    List {
        /// Print the records as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Show one saved connection (never its password, unless --reveal).
    Show {
        /// Name (case-insensitive) or id.
        name: String,
        /// Print the record as JSON.
        #[arg(long)]
        json: bool,
        /// Also print the password (read from the keyring).
        #[arg(long)]
        reveal: bool,
    },
    /// Save a new connection.
    Add(Box<AddArgs>),
    /// Change a saved connection: only the options given change.
    Edit(Box<EditArgs>),
    /// Delete a saved connection and its secrets.
    Remove {
        /// Name (case-insensitive) or id.
        name: String,
    },
    /// Save the connections a file (or the environment) holds.
    Import(ImportArgs),
    /// Print saved connections in another format, never with a secret.
    Export(ExportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// pgpass, service, env, dotenv, pgadmin, dbeaver or json (Sluice's export).
    #[arg(long, value_name = "FORMAT")]
    from: sluice_core::import::Format,
    /// The file (default: libpq's ~/.pgpass or ~/.pg_service.conf, .env, pgAdmin's servers.json, DBeaver's data-sources.json).
    file: Option<std::path::PathBuf>,
    /// Show what would be imported and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// A name that is taken: save as "Name (2)" (rename) or leave it out (skip).
    #[arg(long, value_name = "WHAT", default_value = "rename")]
    on_conflict: sluice_core::import::OnConflict,
    /// Print {"connections": [...], "skipped": [...]} as JSON.
    #[arg(long)]
    json: bool,
    /// Also import entries a saved connection already reaches (the same
    /// server, database and user); by default they are skipped.
    #[arg(long)]
    include_duplicates: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// urls, service (a pg_service.conf), pgadmin (servers.json) or json.
    #[arg(long, value_name = "FORMAT")]
    to: sluice_core::import::ExportFormat,
    /// The connections to export (default: all).
    names: Vec<String>,
}

#[derive(Args)]
pub struct AddArgs {
    /// The connection's display name (unique, case-insensitive, at most 64 characters).
    #[arg(long)]
    name: String,
    #[command(flatten)]
    fields: FieldArgs,
    /// The password, from (in order): --password-stdin, PGPASSWORD, the URL,
    /// or a prompt when stdin is a terminal.
    #[command(flatten)]
    password: PasswordArgs,
    /// Print the saved record as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct EditArgs {
    /// Name (case-insensitive) or id of the connection to change.
    name: String,
    /// New name.
    #[arg(long, value_name = "NEW")]
    rename: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
    /// The password changes only with --password-stdin, a URL that has one,
    /// or --no-password (which removes it).
    #[command(flatten)]
    password: PasswordArgs,
    /// Print the saved record as JSON.
    #[arg(long)]
    json: bool,
}

/// What a connection is: its job, provider, libpq keywords (one flag each,
/// from the keyword table) and analysis scope. An empty value (`--host ""`)
/// clears the keyword.
#[derive(Args)]
struct FieldArgs {
    /// The job and its options (a flag option turns off with =false).
    #[command(flatten)]
    job: crate::job_args::JobArgs,
    /// Where the server runs (default for add: from the host name).
    #[arg(long, value_parser = provider_parser())]
    provider: Option<Provider>,
    /// A connection string (postgresql://... or key=value); a password in it goes to the keyring.
    /// Keyword flags given alongside override it; on edit it replaces every keyword.
    #[arg(long, allow_hyphen_values = true)]
    url: Option<String>,
    #[command(flatten)]
    params: ParamArgs,
    /// A schema for the access analysis (repeatable; replaces the list on edit).
    #[arg(long = "schema", value_name = "SCHEMA")]
    schemas: Vec<String>,
    #[command(flatten)]
    ssh: crate::ssh::SshArgs,
    /// Edit: remove the SSH tunnel (and its secrets).
    #[arg(long, conflicts_with = "ssh")]
    no_ssh: bool,
    /// Take the password from this command when none is saved (cloud IAM,
    /// a secret manager); split by shell-word rules, run without a shell.
    #[arg(long, value_name = "CMD")]
    password_command: Option<String>,
    /// Edit: remove the password command.
    #[arg(long, conflicts_with = "password_command")]
    no_password_command: bool,
    /// Edit: allow an imported password command to run (after reading it with `show`).
    #[arg(long)]
    confirm_password_command: bool,
    /// Edit: trust the SSH host keys and known_hosts file an import pinned (after reading them with `show`).
    #[arg(long)]
    confirm_ssh_trust: bool,
}

#[derive(Args)]
struct PasswordArgs {
    /// Read the password from the first line of stdin.
    #[arg(long)]
    password_stdin: bool,
    /// The connection has no password: do not ask for one (on edit: remove it).
    #[arg(long, conflicts_with = "password_stdin")]
    no_password: bool,
    /// Save without any secret (when the keyring is unavailable): the
    /// password will be asked for when testing.
    #[arg(long)]
    without_secrets: bool,
}

/// The providers as `--help` lists them, from `Provider::ALL`.
fn provider_parser() -> impl clap::builder::TypedValueParser<Value = Provider> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Provider::ALL.map(Provider::as_str)).try_map(|s| s.parse::<Provider>())
}

type CmdResult = Result<(), CliError>;

pub fn run(cmd: ConnectionsCommand) -> Result<ExitCode, CliError> {
    init_logging();
    run_on_store(cmd)?;
    Ok(exit::code(exit::OK))
}

/// `SLUICE_LOG=<filter>` sends logs to stderr. Secrets are never logged.
fn init_logging() {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    }
}

fn run_on_store(cmd: ConnectionsCommand) -> CmdResult {
    let store = Store::open()?;
    for w in store.warnings() {
        errln!("warning: {}", w.message());
    }
    match cmd {
        ConnectionsCommand::List { json } => list(&store, json),
        ConnectionsCommand::Show { name, json, reveal } => show(&store, &name, json, reveal),
        ConnectionsCommand::Add(args) => add(&store, *args),
        ConnectionsCommand::Edit(args) => edit(&store, *args),
        ConnectionsCommand::Remove { name } => remove(&store, &name),
        ConnectionsCommand::Import(args) => import(&store, args),
        ConnectionsCommand::Export(args) => export(&store, args),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CliError> {
    serde_json::to_string(value).map_err(|e| CliError::new(format!("cannot encode JSON: {e}")))
}

fn list(store: &Store, json: bool) -> CmdResult {
    let records = store.list()?;
    if json {
        println!("{}", to_json(&records)?);
        return Ok(());
    }
    if records.is_empty() {
        outln!("No saved connections.");
        return Ok(());
    }
    let header = ["NAME", "JOB", "PROVIDER", "HOST", "DATABASE", "USER", "PASSWORD", "LAST TEST"];
    let rows: Vec<[String; 8]> = records
        .iter()
        .map(|r| {
            let p = &r.params;
            [
                r.name.clone(),
                r.job.to_string(),
                r.provider.to_string(),
                p.get("host").or(p.get("hostaddr")).unwrap_or_default().to_owned(),
                p.get("dbname").unwrap_or_default().to_owned(),
                p.get("user").unwrap_or_default().to_owned(),
                password_state(r).to_owned(),
                last_test(r),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        outln!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    Ok(())
}

fn password_state(r: &ConnectionRecord) -> &'static str {
    match (r.has_password, r.password_saved) {
        (true, _) => "saved",
        (false, false) => "ask",
        (false, true) => "none",
    }
}

/// `2025-01-31 14:05:09 UTC`: for people; `--json` has the exact RFC 3339 time.
fn short_time(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"))
        .unwrap_or_default()
}

fn last_test(r: &ConnectionRecord) -> String {
    match &r.last_test {
        None => "never".into(),
        Some(t) => {
            let at = short_time(t.at);
            let verdict = match (t.connected, t.ready) {
                (false, _) => "failed",
                (true, Some(false)) => "not ready",
                (true, _) => "ok",
            };
            format!("{verdict} {at}")
        }
    }
}

fn show(store: &Store, name: &str, json: bool, reveal: bool) -> CmdResult {
    let record = store.get(name)?;
    let secrets = if reveal { store.secrets(record.id)? } else { Secrets::default() };
    if json {
        #[derive(serde::Serialize)]
        struct Revealed<'a> {
            #[serde(flatten)]
            record: &'a ConnectionRecord,
            password: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sslpassword: Option<&'a str>,
        }
        let out = if reveal {
            to_json(&Revealed {
                record: &record,
                password: secrets.password.as_ref().map(Secret::expose),
                sslpassword: secrets.sslpassword.as_ref().map(Secret::expose),
            })?
        } else {
            to_json(&record)?
        };
        println!("{out}");
        return Ok(());
    }
    let mut lines: Vec<(&str, String)> = vec![
        ("name", record.name.clone()),
        ("id", record.id.to_string()),
        ("job", record.job.to_string()),
        ("provider", record.provider.to_string()),
        ("url", record.to_uri_without_password()),
    ];
    for (k, v) in record.params.params() {
        lines.push((k, v.to_owned()));
    }
    for (k, pem) in [("sslrootcert", &record.pem.sslrootcert), ("sslcert", &record.pem.sslcert)] {
        if pem.is_some() {
            lines.push((k, "(inline PEM)".to_owned()));
        }
    }
    if record.has_inline_key {
        lines.push(("sslkey", "(inline, in the keyring)".to_owned()));
    }
    let password = match (&secrets.password, record.has_password, record.password_saved) {
        (Some(p), _, _) => p.expose().to_owned(),
        (None, true, _) if reveal => "(missing from the keyring)".to_owned(),
        (None, true, _) => "saved in the keyring (--reveal to print it)".to_owned(),
        (None, false, false) => "not saved: asked for when testing".to_owned(),
        (None, false, true) => "none".to_owned(),
    };
    lines.push(("password", password));
    if record.has_sslpassword {
        let v = secrets.sslpassword.as_ref().map_or("saved in the keyring", |s| s.expose());
        lines.push(("sslpassword", v.to_owned()));
    }
    if let Some(c) = &record.password_command {
        let state = if c.confirmed { "" } else { "  (imported: not run until confirmed with edit --confirm-password-command)" };
        lines.push(("password command", format!("{}{state}", c.line())));
    }
    if let Some(t) = &record.ssh {
        let hops: Vec<String> = t
            .hops
            .iter()
            .map(|h| {
                let mut s = format!("{} ({})", h.display(), h.auth);
                if let Some(i) = &h.identity {
                    s.push_str(&format!(", key {}", i.display()));
                }
                if h.host_key.is_some() {
                    s.push_str(", pinned host key");
                }
                s
            })
            .collect();
        lines.push(("ssh", hops.join(" -> ")));
        for (i, h) in t.hops.iter().enumerate() {
            if let Some(k) = &h.host_key {
                lines.push(("ssh pinned key", format!("hop {}: {k}", i + 1)));
            }
        }
        if let Some(k) = &t.known_hosts {
            lines.push(("ssh known_hosts", k.display().to_string()));
        }
        if t.unconfirmed {
            lines.push(("ssh trust", "imported: not used until confirmed with edit --confirm-ssh-trust".to_owned()));
        }
        for (label, has) in [("ssh password", record.has_ssh_password), ("ssh passphrase", record.has_ssh_passphrase), ("ssh key", record.has_ssh_key)] {
            if has {
                lines.push((label, "saved in the keyring".to_owned()));
            }
        }
    }
    let options = serde_json::to_value(record.job_options.for_job(record.job)).unwrap_or_default();
    for o in sluice_core::job::OPTIONS.iter().filter(|o| o.job == record.job) {
        match &options[o.name] {
            serde_json::Value::Null => {}
            serde_json::Value::String(v) => lines.push((o.name, v.clone())),
            v => lines.push((o.name, v.to_string())),
        }
    }
    if !record.scope_schemas.is_empty() {
        lines.push(("schemas", record.scope_schemas.join(", ")));
    }
    let rfc = short_time;
    lines.push(("created", rfc(record.created_at)));
    lines.push(("updated", rfc(record.updated_at)));
    let mut test = last_test(&record);
    if let Some(t) = &record.last_test {
        test.push_str(&format!(" ({} ms): {}", t.total_ms, t.message));
    }
    lines.push(("last test", test));
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (k, v) in lines {
        outln!("{:<width$} {v}", format!("{k}:"));
    }
    Ok(())
}

/// Read the first line of stdin, without its line ending.
fn read_password_line() -> Result<Secret, CliError> {
    crate::read_stdin_line()
}

/// Apply the field options to `new`; returns the secrets found in `--url`, if one was given.
fn apply_fields(new: &mut NewConnection, f: FieldArgs) -> Result<Option<Secrets>, CliError> {
    new.ssh = if f.no_ssh { None } else { f.ssh.apply(new.ssh.take())? };
    if let Some(cmd) = &f.password_command {
        new.password_command = Some(crate::password_command(cmd)?);
    } else if f.no_password_command {
        new.password_command = None;
    } else if f.confirm_password_command {
        match new.password_command.as_mut() {
            Some(c) => c.confirmed = true,
            None => return Err(CliError::new("--confirm-password-command: this connection has no password command")),
        }
    }
    if f.confirm_ssh_trust {
        match new.ssh.as_mut() {
            Some(t) => t.unconfirmed = false,
            None => return Err(CliError::new("--confirm-ssh-trust: this connection has no SSH tunnel")),
        }
    }
    let mut url_secrets = None;
    if let Some(url) = &f.url {
        let (parsed, secrets, warnings) = NewConnection::from_url(&new.name, url)?;
        for w in warnings {
            errln!("warning: {w}");
        }
        new.params = parsed.params;
        url_secrets = Some(secrets);
    }
    f.params.apply(&mut new.params)?;
    if let Some(job) = f.job.job {
        new.job = job;
    }
    f.job.apply(&mut new.job_options).map_err(|e| CliError::new(format!("--{e}")))?;
    if let Some(provider) = f.provider {
        new.provider = provider;
    }
    if !f.schemas.is_empty() {
        new.scope_schemas = f.schemas;
    }
    Ok(url_secrets)
}

fn mode(p: &PasswordArgs) -> SaveMode {
    if p.without_secrets {
        SaveMode::WithoutSecrets
    } else {
        SaveMode::WithSecrets
    }
}

fn add(store: &Store, args: AddArgs) -> CmdResult {
    let mut new = NewConnection { name: args.name.clone(), ..NewConnection::default() };
    let provider_given = args.fields.provider.is_some();
    let ssh_typed = args.fields.ssh.read_stdin(args.password.password_stdin)?;
    let url_secrets = apply_fields(&mut new, args.fields)?.unwrap_or_default();
    if !provider_given {
        new.provider = Provider::guess(new.params.get("host"));
    }
    let p = &args.password;
    let mut secrets = Secrets {
        sslpassword: url_secrets.sslpassword.clone(),
        ssh_password: ssh_typed.password,
        ssh_passphrase: ssh_typed.passphrase,
        ..Secrets::default()
    };
    secrets.password = if p.no_password || p.without_secrets {
        None
    } else if p.password_stdin {
        Some(read_password_line()?)
    } else if let Some(env) = std::env::var("PGPASSWORD").ok().filter(|v| !v.is_empty()) {
        Some(Secret::new(env))
    } else if url_secrets.password.is_some() {
        url_secrets.password.clone()
    } else if std::io::stdin().is_terminal() {
        let prompt = format!("Password for \"{}\" (empty for none): ", new.name.trim());
        let typed =
            rpassword::prompt_password(prompt).map_err(|e| CliError::new(format!("cannot read the password: {e}")))?;
        Some(Secret::new(typed))
    } else {
        None
    };
    let record = store.add(new, secrets, mode(p)).map_err(with_save_hint)?;
    report_saved(&record, args.json, "saved")
}

fn edit(store: &Store, args: EditArgs) -> CmdResult {
    let record = store.get(&args.name)?;
    let mut new = record.to_new();
    if let Some(name) = args.rename {
        new.name = name;
    }
    let ssh_typed = args.fields.ssh.read_stdin(args.password.password_stdin)?;
    let dropped_tunnel = args.fields.no_ssh && record.ssh.is_some();
    let url_secrets = apply_fields(&mut new, args.fields)?;
    let p = &args.password;
    let password: Option<Option<Secret>> = if p.no_password {
        Some(None)
    } else if p.password_stdin {
        Some(Some(read_password_line()?))
    } else {
        url_secrets.as_ref().and_then(|s| s.password.clone()).map(Some)
    };
    let sslpassword = url_secrets.and_then(|s| s.sslpassword);
    // Only what is given now changes; what is kept stays only while the
    // store's rule lets it (the same server, route and protection).
    let mut secrets = SecretChanges::keep();
    match password {
        Some(Some(v)) => secrets.password = SecretChange::Set(v),
        Some(None) => secrets.password = SecretChange::Remove,
        None => {}
    }
    if let Some(v) = sslpassword {
        secrets.sslpassword = SecretChange::Set(v);
    }
    if let Some(v) = ssh_typed.password {
        secrets.ssh_password = SecretChange::Set(v);
    }
    if let Some(v) = ssh_typed.passphrase {
        secrets.ssh_passphrase = SecretChange::Set(v);
    }
    if dropped_tunnel {
        (secrets.ssh_password, secrets.ssh_passphrase, secrets.ssh_key) = (SecretChange::Remove, SecretChange::Remove, SecretChange::Remove);
    }
    let updated = store.update(record.id, new, secrets, mode(p)).map_err(with_save_hint)?;
    for w in record.moved_secrets(&updated.route()) {
        if !updated.has(w.kind) {
            errln!(
                "note: the saved {} was removed: it belongs to the server the connection named before ({}). Set it again{}.",
                if w.kind == sluice_core::store::SecretKind::Password { "password" } else { "SSH password" },
                w.reason,
                if w.kind == sluice_core::store::SecretKind::Password { " with --password-stdin" } else { " with --ssh-password-stdin" },
            );
        }
    }
    report_saved(&updated, args.json, "updated")
}

fn with_save_hint(e: StoreError) -> CliError {
    let keyring = matches!(e, StoreError::KeyringUnavailable { .. });
    let f = CliError::from(e);
    if keyring {
        f.hint("or pass --without-secrets to save the other fields now; the password will be asked for when testing")
    } else {
        f
    }
}

fn report_saved(record: &ConnectionRecord, json: bool, verb: &str) -> CmdResult {
    if json {
        println!("{}", to_json(record)?);
    } else {
        outln!("{verb} \"{}\" ({})", record.name, record.id);
        if !record.password_saved {
            errln!("note: saved without its password; it will be asked for when testing");
        }
    }
    Ok(())
}

fn remove(store: &Store, name: &str) -> CmdResult {
    let record = store.get(name)?;
    store.delete(record.id)?;
    for w in store.warnings() {
        if matches!(w, sluice_core::store::StoreWarning::LeftoverSecrets { .. }) {
            errln!("warning: {}", w.message());
        }
    }
    outln!("removed \"{}\"", record.name);
    Ok(())
}

fn import(store: &Store, args: ImportArgs) -> CmdResult {
    use sluice_core::import;
    let env = sluice_core::conninfo::Environment::from_process();
    let plan = import::read(args.from, args.file.as_deref(), &env).map_err(|e| CliError::new(e.to_string()))?;
    let duplicates = if args.include_duplicates { import::Duplicates::Include } else { import::Duplicates::Skip };
    let outcome = if args.dry_run {
        let saved = store.list().map_err(with_save_hint)?;
        import::preview(plan, &saved, None, args.on_conflict, duplicates)
    } else {
        import::apply(store, plan, None, args.on_conflict, duplicates, SaveMode::WithSecrets).map_err(with_save_hint)?
    };
    if args.json {
        println!("{}", to_json(&outcome)?);
        return Ok(());
    }
    let verb = if args.dry_run { "would import" } else { "imported" };
    for c in &outcome.connections {
        let name = c.saved_as.as_deref().unwrap_or(&c.name);
        let pw = if c.has_password { " (password to the keyring)" } else { "" };
        outln!("{verb} \"{name}\": {}{pw}  [{}]", c.url, c.source);
        for n in &c.notes {
            outln!("    note: {n}");
        }
    }
    for s in &outcome.skipped {
        outln!("skipped {}: {}", s.source, s.reason);
    }
    if outcome.connections.is_empty() {
        errln!("note: nothing to import");
    }
    Ok(())
}

fn export(store: &Store, args: ExportArgs) -> CmdResult {
    let all = store.list()?;
    let records = if args.names.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for n in &args.names {
            chosen.push(store.get(n)?);
        }
        chosen
    };
    print!("{}", sluice_core::import::export(args.to, &records));
    Ok(())
}
