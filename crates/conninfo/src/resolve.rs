//! What libpq connects with, from what was given: `conninfo_add_defaults`
//! and the password-file step of `pqConnectOptions2`, in libpq's order:
//! 1. the keywords given (a string, a URL, a saved connection);
//! 2. the service (`service=`, else `PGSERVICE`) fills what is unset;
//! 3. each keyword's `PG*` variable fills what is still unset (an empty
//!    variable counts as set); `PGREQUIRESSL=1` means `sslmode=require`;
//! 4. the user defaults to the operating-system user;
//! 5. with no password, the password file is looked up for the first host.
//!
//! Every value says where it came from, for the report.

use crate::environment::Environment;
use crate::keywords::KEYWORDS;
use crate::model::ConnInfo;
use crate::pgpass;
use crate::secret::Secret;
use crate::service::{self, ServiceError};
use serde::Serialize;
use std::path::PathBuf;

/// Where the password came from (the report's `password_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PasswordSource {
    /// The OS keyring (a saved connection).
    Keyring,
    /// The connection string or URL (or its service).
    Url,
    /// The password file.
    Pgpass,
    /// `PGPASSWORD`.
    Env,
    /// Typed: in the form, or at a prompt.
    Prompt,
    /// The connection's password command.
    Command,
    #[default]
    None,
}

/// A value that came from the environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FromEnv {
    pub keyword: &'static str,
    pub variable: &'static str,
}

#[derive(Debug, Clone)]
pub struct Resolved {
    pub info: ConnInfo,
    /// The service used, and its file.
    pub service: Option<(String, PathBuf)>,
    /// Keywords the service set.
    pub from_service: Vec<String>,
    /// Keywords set from `PG*` variables.
    pub from_env: Vec<FromEnv>,
    /// The user was not given: the operating-system user.
    pub user_from_os: bool,
    /// The password file line used, when the password came from there
    /// (with a host list: the first host's that matched).
    pub passfile: Option<(PathBuf, usize)>,
    /// With a host list and no password given: the password file's answer
    /// for each host in order (with its own port), as libpq looks it up
    /// when it gets to that host. Empty for a single host, whose password
    /// is in `info`.
    pub host_passwords: Vec<Option<(Secret, PathBuf, usize)>>,
    /// libpq's warnings (a password file it would not read…).
    pub warnings: Vec<String>,
    pub password_source: PasswordSource,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A value libpq would refuse (`PGSSLMODE=sometimes`).
    #[error("invalid {keyword} value from {from}: {message}")]
    Value { keyword: String, from: String, message: String },
}

/// Resolves `given` as libpq would, with `env`. `given_source` says where
/// a password in `given` came from (the URL, the keyring, a prompt).
pub fn resolve(given: &ConnInfo, given_source: PasswordSource, env: &Environment) -> Result<Resolved, ResolveError> {
    let mut info = given.clone();
    let mut out = Resolved {
        info: ConnInfo::default(),
        service: None,
        from_service: Vec::new(),
        from_env: Vec::new(),
        user_from_os: false,
        passfile: None,
        host_passwords: Vec::new(),
        warnings: Vec::new(),
        password_source: if given.password().is_some() { given_source } else { PasswordSource::None },
    };

    // 2. The service.
    let name = info.get("service").map(str::to_owned).or_else(|| env.var("PGSERVICE").map(str::to_owned));
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        let section = service::find(&name, env)?;
        for (key, value) in &section.values {
            if info.is_set(key) {
                continue;
            }
            info.set(key, value.clone()).map_err(|e| ResolveError::Value {
                keyword: key.clone(),
                from: format!("service \"{name}\" ({})", section.file.display()),
                message: e.to_string(),
            })?;
            out.from_service.push(key.clone());
            if key == "password" {
                out.password_source = PasswordSource::Url;
            }
        }
        out.service = Some((name, section.file));
    }

    // 3. The environment.
    for kw in KEYWORDS {
        let Some(var) = kw.env else { continue };
        if info.is_set(kw.name) || kw.name == "service" {
            continue;
        }
        let Some(value) = env.var(var) else { continue };
        info.set(kw.name, value).map_err(|e| ResolveError::Value { keyword: kw.name.to_owned(), from: var.to_owned(), message: e.to_string() })?;
        out.from_env.push(FromEnv { keyword: kw.name, variable: var });
        if kw.name == "password" {
            out.password_source = PasswordSource::Env;
        }
    }
    if !info.is_set("sslmode") && env.var("PGREQUIRESSL").is_some_and(|v| v.starts_with('1')) && info.set("sslmode", "require").is_ok() {
        out.from_env.push(FromEnv { keyword: "sslmode", variable: "PGREQUIRESSL" });
    }

    // 4. The user.
    if info.get("user").is_none_or(str::is_empty) {
        if let Some(u) = env.os_user.as_deref().filter(|u| !u.is_empty()) {
            let _ = info.set("user", u);
            out.user_from_os = true;
        }
    }

    // 5. The password file: looked up per host (each with its own port),
    // as libpq does when it gets to each host of a list.
    if info.password().is_none_or(|p| p.is_empty()) {
        let file = info.get("passfile").filter(|f| !f.is_empty()).map(PathBuf::from).or_else(|| env.default_passfile());
        if let Some(file) = file {
            let list = |k: &str| -> Vec<String> { info.get(k).unwrap_or("").split(',').map(|p| p.trim().to_owned()).collect() };
            let (hosts, addrs, ports) = (list("host"), list("hostaddr"), list("port"));
            let count = hosts.len().max(addrs.len()).max(1);
            let user = info.get("user").unwrap_or("").to_owned();
            let database = info.get("dbname").filter(|d| !d.is_empty()).map(str::to_owned).unwrap_or_else(|| user.clone());
            let mut found = Vec::with_capacity(count);
            for i in 0..count {
                let host = hosts.get(i).filter(|h| !h.is_empty()).or(addrs.get(i)).cloned().unwrap_or_default();
                let port = if ports.len() == 1 { ports[0].clone() } else { ports.get(i).cloned().unwrap_or_default() };
                found.push(match pgpass::lookup(&file, &host, &port, &database, &user, &env.default_socket_dir) {
                    pgpass::Outcome::Found { password, file, line } => Some((password, file, line)),
                    pgpass::Outcome::Ignored { warning, .. } => {
                        if !out.warnings.contains(&warning) {
                            out.warnings.push(warning);
                        }
                        None
                    }
                    pgpass::Outcome::NoMatch { .. } | pgpass::Outcome::NoFile => None,
                });
            }
            if let Some((_, file, line)) = found.iter().flatten().next() {
                out.passfile = Some((file.clone(), *line));
                out.password_source = PasswordSource::Pgpass;
            }
            if count == 1 {
                if let Some((password, _, _)) = found.pop().flatten() {
                    info.set_secret("password", Some(password));
                }
            } else {
                out.host_passwords = found;
            }
        }
    }
    out.info = info;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use std::collections::BTreeMap;

    fn env(vars: &[(&str, &str)], home: Option<PathBuf>) -> Environment {
        Environment {
            vars: vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
            libpq_home: home,
            os_user: Some("osuser".into()),
            sysconfdir: PathBuf::from("/nonexistent"),
            default_socket_dir: PathBuf::from("/var/run/postgresql"),
        }
    }

    fn given(s: &str) -> ConnInfo {
        crate::parse(s).unwrap().info
    }

    #[test]
    fn explicit_beats_service_beats_environment() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".pg_service.conf"), "[svc]\nhost=from-service\nport=6000\ndbname=svcdb\n").unwrap();
        let e = env(&[("PGHOST", "from-env"), ("PGPORT", "7000"), ("PGUSER", "envuser"), ("PGAPPNAME", "app"), ("PGSSLMODE", "require")], Some(d.path().into()));
        let r = resolve(&given("service=svc port=5999"), PasswordSource::None, &e).unwrap();
        assert_eq!(r.info.get("host"), Some("from-service"));
        assert_eq!(r.info.get("port"), Some("5999"));
        assert_eq!(r.info.get("dbname"), Some("svcdb"));
        assert_eq!(r.info.get("user"), Some("envuser"));
        assert_eq!(r.info.get("application_name"), Some("app"));
        assert_eq!(r.from_service, ["host", "dbname"]);
        let mut vars: Vec<&str> = r.from_env.iter().map(|f| f.variable).collect();
        vars.sort_unstable();
        assert_eq!(vars, ["PGAPPNAME", "PGSSLMODE", "PGUSER"], "PGHOST and PGPORT lose to the service and the string");

        // PGSERVICE names the service when the string does not.
        let e2 = env(&[("PGSERVICE", "svc")], Some(d.path().into()));
        assert_eq!(resolve(&ConnInfo::default(), PasswordSource::None, &e2).unwrap().info.get("host"), Some("from-service"));
        // An unknown service is libpq's error.
        assert!(resolve(&given("service=nope"), PasswordSource::None, &e).is_err());
    }

    #[test]
    fn the_default_user_is_the_os_user_and_an_empty_variable_counts() {
        let r = resolve(&ConnInfo::default(), PasswordSource::None, &env(&[], None)).unwrap();
        assert_eq!(r.info.get("user"), Some("osuser"));
        assert!(r.user_from_os);
        let r = resolve(&ConnInfo::default(), PasswordSource::None, &env(&[("PGHOST", "")], None)).unwrap();
        assert_eq!(r.info.get("host"), Some(""), "set, if empty, as libpq");
        let r = resolve(&ConnInfo::default(), PasswordSource::None, &env(&[("PGREQUIRESSL", "1")], None)).unwrap();
        assert_eq!(r.info.get("sslmode"), Some("require"));
        let e = resolve(&ConnInfo::default(), PasswordSource::None, &env(&[("PGSSLMODE", "sometimes")], None)).unwrap_err();
        assert!(e.to_string().contains("PGSSLMODE"), "{e}");
    }

    #[test]
    fn passwords_from_the_string_the_environment_or_the_file() {
        let d = tempfile::tempdir().unwrap();
        let pgpass = d.path().join(".pgpass");
        std::fs::write(&pgpass, "localhost:5432:osuser:osuser:from-file\n*:*:*:*:fallback\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let home = Some(d.path().to_path_buf());
        let r = resolve(&ConnInfo::default(), PasswordSource::None, &env(&[], home.clone())).unwrap();
        assert_eq!(r.info.password().map(Secret::expose), Some("from-file"), "socket, default port, dbname = user");
        assert_eq!((r.password_source, r.passfile.as_ref().map(|p| p.1)), (PasswordSource::Pgpass, Some(1)));
        let r = resolve(&given("host=h"), PasswordSource::None, &env(&[("PGPASSWORD", "env-pw")], home.clone())).unwrap();
        assert_eq!((r.info.password().map(Secret::expose), r.password_source), (Some("env-pw"), PasswordSource::Env));
        let r = resolve(&given("host=h password=url-pw"), PasswordSource::Url, &env(&[("PGPASSWORD", "env-pw")], home.clone())).unwrap();
        assert_eq!((r.info.password().map(Secret::expose), r.password_source), (Some("url-pw"), PasswordSource::Url));
        let other = d.path().join("other");
        std::fs::write(&other, "").unwrap();
        let r = resolve(&given(&format!("host=h passfile={}", other.display())), PasswordSource::None, &env(&[], home)).unwrap();
        assert_eq!((r.info.password().is_none(), r.password_source), (true, PasswordSource::None), "passfile names the file");
    }
}
