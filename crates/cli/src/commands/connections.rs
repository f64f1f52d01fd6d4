//! `sluice connections`: the app's saved connections, from the shell.
//!
//! - `list [--json]`: a table, or the records as a JSON array.
//! - `show NAME [--json] [--reveal]`: one connection; the password only with `--reveal`.
//! - `add --name N (--url URL | --host ... ) [...]`: save a new connection.
//! - `edit NAME [...] [--rename NEW]`: change only what is given.
//! - `remove NAME`: delete it and its secrets.
//!
//! NAME is a connection's name (case-insensitive) or id. The store is the
//! app's own (`SLUICE_CONFIG_DIR` overrides its directory); secrets go to
//! the OS keyring. A password never comes from a flag: `add` takes it from
//! `--password-stdin`, `PGPASSWORD`, the URL (it is moved to the keyring),
//! or a no-echo prompt when stdin is a terminal. Errors go to stderr as
//! `error: ...` (plus `hint: ...`), exit 2. `SLUICE_LOG=debug` logs to stderr.

use std::io::{BufRead, IsTerminal};

use clap::{Args, Subcommand};
use sluice_core::conninfo::SslMode;
use sluice_core::secret::Secret;
use sluice_core::store::{
    AsyncStore, ConnectionRecord, NewConnection, Provider, Role, SaveMode, Secrets, StoreError, TlsSource,
};

use crate::exit;

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

/// Connection fields. An empty value (`--host ""`) clears the field.
#[derive(Args)]
struct FieldArgs {
    #[arg(long, value_parser = parse_role)]
    role: Option<Role>,
    /// postgres, neon, supabase, rds or other (default for add: guessed from the host).
    #[arg(long, value_parser = parse_provider)]
    provider: Option<Provider>,
    /// Destinations: truncate tables before loading (--truncate=false to turn off).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    truncate: Option<bool>,
    /// Destinations: create missing tables (--init-tables=false to turn off).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    init_tables: Option<bool>,
    /// A connection string (postgresql://... or key=value); a password in it goes to the keyring.
    /// Field options given alongside override it; on edit it replaces all connection fields.
    #[arg(long, allow_hyphen_values = true)]
    url: Option<String>,
    #[arg(long)]
    host: Option<String>,
    #[arg(long)]
    port: Option<String>,
    #[arg(long)]
    dbname: Option<String>,
    #[arg(long)]
    user: Option<String>,
    /// disable, allow, prefer, require, verify-ca or verify-full.
    #[arg(long)]
    sslmode: Option<String>,
    /// Root certificate file (or "system").
    #[arg(long, value_name = "FILE")]
    sslrootcert: Option<String>,
    /// Client certificate file.
    #[arg(long, value_name = "FILE")]
    sslcert: Option<String>,
    /// Client key file.
    #[arg(long, value_name = "FILE")]
    sslkey: Option<String>,
    #[arg(long)]
    application_name: Option<String>,
    /// Seconds.
    #[arg(long)]
    connect_timeout: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    options: Option<String>,
    /// A schema for the access analysis (repeatable; replaces the list on edit).
    #[arg(long = "schema", value_name = "SCHEMA")]
    schemas: Vec<String>,
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

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    s.parse()
}

/// A failure to report: the message, and hints.
struct Failure {
    message: String,
    hints: Vec<String>,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        let mut hints: Vec<String> = e.hint().into_iter().collect();
        if let StoreError::Invalid { issues } = &e {
            // The message names the first issue; list the others.
            hints.extend(issues.iter().skip(1).map(|i| format!("{}: {}", i.field, i.message)));
        }
        Failure { message: e.to_string(), hints }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { message, hints: Vec::new() }
    }
}

type CmdResult = Result<(), Failure>;

pub fn run(cmd: ConnectionsCommand) -> i32 {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return exit::FAILED;
        }
    };
    match runtime.block_on(run_async(cmd)) {
        Ok(()) => exit::OK,
        Err(f) => {
            eprintln!("error: {}", f.message);
            for h in f.hints {
                eprintln!("hint: {h}");
            }
            exit::FAILED
        }
    }
}

/// `SLUICE_LOG=<filter>` sends logs to stderr. Secrets are never logged.
fn init_logging() {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    }
}

async fn run_async(cmd: ConnectionsCommand) -> CmdResult {
    let store = AsyncStore::open().await?;
    for w in store.warnings() {
        eprintln!("warning: {}", w.message());
    }
    match cmd {
        ConnectionsCommand::List { json } => list(&store, json).await,
        ConnectionsCommand::Show { name, json, reveal } => show(&store, &name, json, reveal).await,
        ConnectionsCommand::Add(args) => add(&store, *args).await,
        ConnectionsCommand::Edit(args) => edit(&store, *args).await,
        ConnectionsCommand::Remove { name } => remove(&store, &name).await,
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| Failure::from(format!("cannot encode JSON: {e}")))
}

async fn list(store: &AsyncStore, json: bool) -> CmdResult {
    let records = store.list().await?;
    if json {
        println!("{}", to_json(&records)?);
        return Ok(());
    }
    if records.is_empty() {
        println!("No saved connections.");
        return Ok(());
    }
    let header = ["NAME", "ROLE", "PROVIDER", "HOST", "DATABASE", "USER", "PASSWORD", "LAST TEST"];
    let rows: Vec<[String; 8]> = records
        .iter()
        .map(|r| {
            let c = &r.connection;
            [
                r.name.clone(),
                r.role.to_string(),
                r.provider.to_string(),
                c.host.clone().or_else(|| c.hostaddr.clone()).unwrap_or_default(),
                c.dbname.clone().unwrap_or_default(),
                c.user.clone().unwrap_or_default(),
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
        println!("{}", out.trim_end());
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

async fn show(store: &AsyncStore, name: &str, json: bool, reveal: bool) -> CmdResult {
    let record = store.get(name).await?;
    let secrets = if reveal { store.secrets(record.id).await? } else { Secrets::default() };
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
    let c = &record.connection;
    let mut lines: Vec<(&str, String)> = vec![
        ("name", record.name.clone()),
        ("id", record.id.to_string()),
        ("role", record.role.to_string()),
        ("provider", record.provider.to_string()),
        ("url", record.to_uri_without_password()),
    ];
    let mut opt = |label: &'static str, v: &Option<String>| {
        if let Some(v) = v {
            lines.push((label, v.clone()));
        }
    };
    opt("host", &c.host);
    opt("hostaddr", &c.hostaddr);
    opt("port", &c.port);
    opt("dbname", &c.dbname);
    opt("user", &c.user);
    opt("sslmode", &c.sslmode.map(|m| m.to_string()));
    let tls = |s: &Option<TlsSource>| match s {
        Some(TlsSource::Path(p)) => Some(p.clone()),
        Some(TlsSource::Pem(_)) => Some("(inline PEM)".to_owned()),
        None => None,
    };
    opt("sslrootcert", &tls(&c.sslrootcert));
    opt("sslcert", &tls(&c.sslcert));
    opt("sslkey", &if record.has_inline_key { Some("(inline, in the keyring)".to_owned()) } else { c.sslkey.clone() });
    opt("application_name", &c.application_name);
    opt("connect_timeout", &c.connect_timeout);
    opt("options", &c.options);
    opt("target_session_attrs", &c.target_session_attrs);
    opt("channel_binding", &c.channel_binding);
    for (k, v) in &c.extra {
        lines.push((k.as_str(), v.clone()));
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
    if record.role == Role::Destination {
        lines.push(("truncate", record.options.truncate.to_string()));
        lines.push(("init_tables", record.options.init_tables.to_string()));
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
        println!("{:<width$} {v}", format!("{k}:"));
    }
    Ok(())
}

/// Read the first line of stdin, without its line ending.
fn read_password_line() -> Result<Secret, Failure> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Failure::from(format!("cannot read stdin: {e}")))?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(Secret::new(trimmed))
}

/// Apply the field options to `new`; returns the secrets found in `--url`, if one was given.
fn apply_fields(new: &mut NewConnection, f: FieldArgs) -> Result<Option<Secrets>, Failure> {
    let mut url_secrets = None;
    if let Some(url) = &f.url {
        let (parsed, secrets, warnings) = NewConnection::from_url(&new.name, url)?;
        for w in warnings {
            eprintln!("warning: {w}");
        }
        new.connection = parsed.connection;
        url_secrets = Some(secrets);
    }
    let c = &mut new.connection;
    let set = |slot: &mut Option<String>, v: Option<String>| {
        if let Some(v) = v {
            *slot = Some(v).filter(|v| !v.is_empty());
        }
    };
    set(&mut c.host, f.host);
    set(&mut c.port, f.port);
    set(&mut c.dbname, f.dbname);
    set(&mut c.user, f.user);
    set(&mut c.sslkey, f.sslkey);
    set(&mut c.application_name, f.application_name);
    set(&mut c.connect_timeout, f.connect_timeout);
    set(&mut c.options, f.options);
    if let Some(mode) = f.sslmode {
        c.sslmode = if mode.is_empty() {
            None
        } else {
            Some(mode.parse::<SslMode>().map_err(|e| Failure::from(e.to_string()))?)
        };
    }
    for (slot, v) in [(&mut c.sslrootcert, f.sslrootcert), (&mut c.sslcert, f.sslcert)] {
        if let Some(v) = v {
            *slot = Some(v).filter(|v| !v.is_empty()).map(TlsSource::Path);
        }
    }
    if let Some(role) = f.role {
        new.role = role;
    }
    if let Some(provider) = f.provider {
        new.provider = provider;
    }
    if let Some(t) = f.truncate {
        new.options.truncate = t;
    }
    if let Some(i) = f.init_tables {
        new.options.init_tables = i;
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

async fn add(store: &AsyncStore, args: AddArgs) -> CmdResult {
    let mut new = NewConnection { name: args.name.clone(), ..NewConnection::default() };
    let provider_given = args.fields.provider.is_some();
    let url_secrets = apply_fields(&mut new, args.fields)?.unwrap_or_default();
    if !provider_given {
        new.provider = Provider::guess(new.connection.host.as_deref());
    }
    let p = &args.password;
    let mut secrets = Secrets { sslpassword: url_secrets.sslpassword.clone(), ..Secrets::default() };
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
            rpassword::prompt_password(prompt).map_err(|e| Failure::from(format!("cannot read the password: {e}")))?;
        Some(Secret::new(typed))
    } else {
        None
    };
    let record = store.add(new, secrets, mode(p)).await.map_err(with_save_hint)?;
    report_saved(&record, args.json, "saved")
}

async fn edit(store: &AsyncStore, args: EditArgs) -> CmdResult {
    let record = store.get(&args.name).await?;
    let mut new = record.to_new();
    if let Some(name) = args.rename {
        new.name = name;
    }
    let url_secrets = apply_fields(&mut new, args.fields)?;
    let p = &args.password;
    let password: Option<Option<Secret>> = if p.no_password {
        Some(None)
    } else if p.password_stdin {
        Some(Some(read_password_line()?))
    } else {
        url_secrets.as_ref().and_then(|s| s.password.clone()).map(Some)
    };
    let sslpassword = url_secrets.and_then(|s| s.sslpassword).map(Some);
    let secrets = if password.is_some() || sslpassword.is_some() {
        let mut s = if p.without_secrets || !(record.has_password || record.has_sslpassword || record.has_inline_key) {
            Secrets::default()
        } else {
            store.secrets(record.id).await.map_err(with_save_hint)?
        };
        if let Some(v) = password {
            s.password = v;
        }
        if let Some(v) = sslpassword {
            s.sslpassword = v;
        }
        Some(s)
    } else {
        None
    };
    let updated = store.update(record.id, new, secrets, mode(p)).await.map_err(with_save_hint)?;
    if record.has_password && !updated.has_password && !p.no_password {
        eprintln!(
            "note: the saved password was removed: it belongs to the server the connection named before (the host, port or user changed). Set it again with --password-stdin."
        );
    }
    report_saved(&updated, args.json, "updated")
}

fn with_save_hint(e: StoreError) -> Failure {
    let keyring = matches!(e, StoreError::KeyringUnavailable { .. });
    let mut f = Failure::from(e);
    if keyring {
        f.hints.push(
            "or pass --without-secrets to save the other fields now; the password will be asked for when testing"
                .into(),
        );
    }
    f
}

fn report_saved(record: &ConnectionRecord, json: bool, verb: &str) -> CmdResult {
    if json {
        println!("{}", to_json(record)?);
    } else {
        println!("{verb} \"{}\" ({})", record.name, record.id);
        if !record.password_saved {
            eprintln!("note: saved without its password; it will be asked for when testing");
        }
    }
    Ok(())
}

async fn remove(store: &AsyncStore, name: &str) -> CmdResult {
    let record = store.get(name).await?;
    store.delete(record.id).await?;
    for w in store.warnings() {
        if matches!(w, sluice_core::store::StoreWarning::LeftoverSecrets { .. }) {
            eprintln!("warning: {}", w.message());
        }
    }
    println!("removed \"{}\"", record.name);
    Ok(())
}
