//! Connections out, never with a secret: one URL per line, a
//! `pg_service.conf` psql resolves, a `servers.json` pgAdmin 4 imports, or
//! Sluice's own JSON (which `import --from json` reads back).

use crate::conninfo::service;
use crate::store::ConnectionRecord;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Urls,
    Service,
    Pgadmin,
    Json,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<ExportFormat, String> {
        match s {
            "urls" => Ok(ExportFormat::Urls),
            "service" => Ok(ExportFormat::Service),
            "pgadmin" => Ok(ExportFormat::Pgadmin),
            "json" => Ok(ExportFormat::Json),
            _ => Err(format!("unknown export format \"{s}\" (urls, service, pgadmin or json)")),
        }
    }
}

/// The text of the export (a trailing newline included).
pub fn export(format: ExportFormat, records: &[ConnectionRecord]) -> String {
    match format {
        ExportFormat::Urls => records.iter().map(|r| format!("{}\n", r.to_uri_without_password())).collect(),
        ExportFormat::Service => {
            let mut out = String::from("# Exported by Sluice: no passwords (libpq looks them up in ~/.pgpass).\n");
            for r in records {
                let params: Vec<(&str, &str)> = r.params.params().filter(|(k, _)| *k != "service").collect();
                let name = service_name(&r.name);
                out.push('\n');
                match params.iter().find_map(|(k, v)| service::unrepresentable(v).map(|why| (k, why))) {
                    // libpq reads a service file line by line: a value it
                    // would read differently (a line break starts a new
                    // line, maybe a [section]) is not written at all.
                    Some((k, why)) => out.push_str(&format!("# [{name}] is not exported: its {k} {why}, which a service file cannot hold.\n")),
                    None => out.push_str(&service::format_section(&name, &params)),
                }
            }
            out
        }
        ExportFormat::Pgadmin => {
            let mut servers = Map::new();
            for (i, r) in records.iter().enumerate() {
                servers.insert((i + 1).to_string(), pgadmin_server(r));
            }
            serde_json::to_string_pretty(&json!({ "Servers": servers })).unwrap_or_default() + "\n"
        }
        ExportFormat::Json => {
            let list: Vec<Value> = records.iter().map(|r| serde_json::to_value(r.to_new()).unwrap_or(Value::Null)).collect();
            serde_json::to_string_pretty(&json!({ "sluice_export": 1, "connections": list })).unwrap_or_default() + "\n"
        }
    }
}

/// A section name that is easy to type in `service=NAME`: letters, digits,
/// `_`, `-` and `.`; anything else becomes `_`.
fn service_name(name: &str) -> String {
    name.trim().chars().map(|c| if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).collect()
}

/// pgAdmin 4's format (6.20+: `ConnectionParameters`); `Port` is an int,
/// `MaintenanceDB` and `Username` are required by its importer.
fn pgadmin_server(r: &ConnectionRecord) -> Value {
    let p = &r.params;
    let first = |k: &str| p.get(k).map(|v| v.split(',').next().unwrap_or("").trim().to_owned()).filter(|v| !v.is_empty());
    let mut s = Map::new();
    s.insert("Name".into(), json!(r.name));
    s.insert("Group".into(), json!("Sluice"));
    match (first("host"), p.get("service")) {
        (Some(h), _) => {
            s.insert("Host".into(), json!(h));
        }
        (None, Some(svc)) => {
            s.insert("Service".into(), json!(svc));
        }
        (None, None) => {
            s.insert("Host".into(), json!(first("hostaddr").unwrap_or_else(|| "localhost".into())));
        }
    }
    s.insert("Port".into(), json!(first("port").and_then(|p| p.parse::<u16>().ok()).unwrap_or(5432)));
    s.insert("MaintenanceDB".into(), json!(p.get("dbname").or(p.get("user")).unwrap_or("postgres")));
    s.insert("Username".into(), json!(p.get("user").unwrap_or("postgres")));
    let mut params = Map::new();
    for (k, v) in p.params() {
        if !matches!(k, "host" | "port" | "dbname" | "user" | "service") {
            params.insert(k.to_owned(), json!(v));
        }
    }
    if !params.contains_key("sslmode") {
        params.insert("sslmode".into(), json!("prefer"));
    }
    s.insert("ConnectionParameters".into(), Value::Object(params));
    if let Some(hop) = r.ssh.as_ref().and_then(|t| t.hops.last()) {
        s.insert("UseSSHTunnel".into(), json!(1));
        s.insert("TunnelHost".into(), json!(hop.host));
        s.insert("TunnelPort".into(), json!(hop.port.unwrap_or(22)));
        if let Some(u) = &hop.user {
            s.insert("TunnelUsername".into(), json!(u));
        }
        let key = matches!(hop.auth, crate::ssh::Auth::Key) || (hop.auth == crate::ssh::Auth::Auto && hop.identity.is_some());
        s.insert("TunnelAuthentication".into(), json!(if key { 1 } else { 0 }));
        if let Some(i) = &hop.identity {
            s.insert("TunnelIdentityFile".into(), json!(i.display().to_string()));
        }
    }
    Value::Object(s)
}
