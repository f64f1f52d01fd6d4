//! `sluice connections import` and `export`, run as a user would, each test
//! on its own store and HOME, with the real Secret Service (run through
//! `scripts/with-keyring.sh`): sample files of every format, malformed ones
//! included; name clashes; export -> import round trips; an exported service
//! file that psql itself connects through.

mod support;

use serde_json::Value;
use sluice_harness::Cluster;
use std::path::PathBuf;
use std::process::Output;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        sluice_harness::keyring_env::require_secret_service();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Env { dir }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        support::sluice(&self.dir.path().join("config"), &self.dir.path().join("home"))
            .arg("connections")
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    fn list(&self) -> Vec<Value> {
        self.json(&["list", "--json"]).as_array().unwrap().clone()
    }

    fn password_of(&self, name: &str) -> Option<String> {
        let v = self.json(&["show", name, "--json", "--reveal"]);
        v["password"].as_str().map(str::to_owned)
    }

    fn cleanup(&self) {
        for c in self.list() {
            self.run(&["remove", c["id"].as_str().unwrap()]);
        }
    }
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().unwrap().iter().map(|c| c["name"].as_str().or(c["source"].as_str()).unwrap().to_owned()).collect()
}

#[test]
fn pgpass_lines_become_connections_and_wildcards_are_skipped_with_why() {
    let env = Env::new();
    let f = env.file("pgpass", "# mine\ndb.example.com:5432:shop:alice:s3cr\\:et\n*:*:*:bob:x\nh:notaport:d:u:p\nshort:line\n");
    let f = f.to_str().unwrap();
    let dry = env.json(&["import", "--from", "pgpass", f, "--dry-run", "--json"]);
    assert_eq!(dry["connections"].as_array().unwrap().len(), 1, "{dry}");
    let c = &dry["connections"][0];
    assert_eq!(c["url"], "postgresql://alice@db.example.com:5432/shop");
    assert_eq!(c["has_password"], true);
    assert_eq!(c["source"], format!("{f}:2"));
    let skipped: Vec<(String, String)> = dry["skipped"].as_array().unwrap().iter().map(|s| (s["source"].as_str().unwrap().to_owned(), s["reason"].as_str().unwrap().to_owned())).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped[0].0.ends_with(":3") && skipped[0].1.contains("wildcard"), "{skipped:?}");
    assert!(skipped[1].0.ends_with(":4") && skipped[1].1.contains("not a number"), "{skipped:?}");
    assert!(!dry.to_string().contains("s3cr"), "a dry run never shows a password");
    assert!(env.list().is_empty(), "a dry run changes nothing");

    let done = env.json(&["import", "--from", "pgpass", f, "--json"]);
    let saved = done["connections"][0]["saved_as"].as_str().unwrap().to_owned();
    assert_eq!(env.password_of(&saved).as_deref(), Some("s3cr:et"), "the password went to the keyring");
    // Importing the same file again adds nothing: each entry reaches the
    // same server, database and user as a saved connection, and says which.
    let again = env.json(&["import", "--from", "pgpass", f, "--json"]);
    assert!(again["connections"].as_array().unwrap().is_empty(), "{again}");
    assert!(again["skipped"].as_array().unwrap().iter().any(|s| s["reason"].as_str().unwrap().contains(&format!("already saved as \"{saved}\""))), "{again}");
    assert_eq!(env.list().len(), 1, "no copy was saved");
    // Asked for, a duplicate is planned under a free name; a clash can also be skipped.
    let dry = env.json(&["import", "--from", "pgpass", f, "--dry-run", "--include-duplicates", "--json"]);
    assert_eq!(dry["connections"][0]["saved_as"], format!("{saved} (2)"), "{dry}");
    let dry = env.json(&["import", "--from", "pgpass", f, "--dry-run", "--include-duplicates", "--on-conflict", "skip", "--json"]);
    assert!(dry["connections"].as_array().unwrap().is_empty(), "{dry}");
    assert!(dry["skipped"].as_array().unwrap().iter().any(|s| s["reason"].as_str().unwrap().contains("exists")), "{dry}");
    assert_eq!(env.list().len(), 1, "a dry run changes nothing");
    // Again: the name is taken, so " (2)"; with skip, nothing.
    let again = env.json(&["import", "--from", "pgpass", f, "--include-duplicates", "--json"]);
    assert_eq!(again["connections"][0]["saved_as"], format!("{saved} (2)"), "{again}");
    let skip = env.json(&["import", "--from", "pgpass", f, "--include-duplicates", "--on-conflict", "skip", "--json"]);
    assert!(skip["connections"].as_array().unwrap().is_empty());
    assert!(skip["skipped"].as_array().unwrap().iter().any(|s| s["reason"].as_str().unwrap().contains("exists")));
    assert_eq!(env.list().len(), 2);
    env.cleanup();
}

#[test]
fn service_sections_dotenv_urls_and_the_environment() {
    let env = Env::new();
    let svc = env.file("pg_service.conf", "[prod]\nhost=db.example.com\nport=6432\ndbname=app\nuser=app\nsslmode=verify-full\n[broken]\nhost = spaced\n[staging]\nhost=staging.internal\n");
    let v = env.json(&["import", "--from", "service", svc.to_str().unwrap(), "--dry-run", "--json"]);
    assert_eq!(names(&v, "connections"), ["prod", "staging"]);
    assert_eq!(v["connections"][0]["url"], "postgresql://app@db.example.com:6432/app?sslmode=verify-full");
    assert!(v["skipped"][0]["reason"].as_str().unwrap().contains("syntax error"), "{v}");
    assert!(v["skipped"][0]["source"].as_str().unwrap().ends_with(":7"));

    let dotenv = env.file(
        ".env",
        "\u{feff}# app settings\nDATABASE_URL=postgres://web:pw@db:5432/web\nexport ANALYTICS_DATABASE_URL=\"postgresql://an@warehouse/dw?sslmode=require\"\nREDIS_URL=redis://cache\nBROKEN_DATABASE_URL=postgresql://[::1/x\nSECRET_KEY=abc\n",
    );
    let v = env.json(&["import", "--from", "dotenv", dotenv.to_str().unwrap(), "--dry-run", "--json"]);
    assert_eq!(names(&v, "connections"), ["DATABASE_URL", "ANALYTICS_DATABASE_URL"]);
    assert_eq!(v["connections"][0]["has_password"], true);
    assert!(v["connections"][0]["source"].as_str().unwrap().ends_with(":2"));
    assert!(v["skipped"][0]["reason"].as_str().unwrap().contains("BROKEN_DATABASE_URL"), "{v}");
    assert!(!v.to_string().contains("\"pw\""));

    let out = env.run_env(&["import", "--from", "env", "--dry-run", "--json"], &[("PGHOST", "envhost"), ("PGUSER", "envuser"), ("PGDATABASE", "envdb"), ("PGPASSWORD", "envpw")]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["connections"][0]["url"], "postgresql://envuser@envhost/envdb");
    assert_eq!(v["connections"][0]["has_password"], true);
    let out = env.run(&["import", "--from", "env", "--dry-run", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["connections"].as_array().unwrap().is_empty() && v["skipped"][0]["reason"].as_str().unwrap().contains("no PG*"));
}

#[test]
fn pgadmin_both_generations_and_dbeaver_postgres_only() {
    let env = Env::new();
    let ca = env.file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    let pgadmin = env.file(
        "servers.json",
        &r##"{"Servers": {
          "1": {"Name": "New style", "Group": "Prod", "Host": "db.example.com", "Port": 5432, "MaintenanceDB": "postgres", "Username": "admin",
                "ConnectionParameters": {"sslmode": "verify-full", "connect_timeout": 10, "sslrootcert": "CA", "password": "never"},
                "UseSSHTunnel": 1, "TunnelHost": "bastion.example.com", "TunnelPort": 2222, "TunnelUsername": "ops", "TunnelAuthentication": 1, "TunnelIdentityFile": "/home/me/.ssh/id_ed25519"},
          "2": {"Name": "Old style", "Group": "Servers", "Host": "old.example.com", "Port": 5433, "MaintenanceDB": "postgres", "Username": "u", "SSLMode": "require", "Timeout": 5},
          "3": {"Name": "No host", "Group": "Servers", "Port": 5432, "MaintenanceDB": "postgres", "Username": "u"},
          "4": {"Name": "Bad port", "Group": "Servers", "Host": "h", "Port": "5432", "MaintenanceDB": "postgres", "Username": "u"},
          "5": {"Name": "Missing root", "Group": "Servers", "Host": "h", "Port": 5432, "MaintenanceDB": "postgres", "Username": "u", "ConnectionParameters": {"sslrootcert": "/nonexistent/ca.pem"}},
          "6": {"Name": "Bad address", "Group": "Servers", "Host": "h", "Port": 5432, "MaintenanceDB": "postgres", "Username": "u", "ConnectionParameters": {"hostaddr": "not-an-ip"}}}}"##
            .replace("CA", ca.to_str().unwrap()),
    );
    let v = env.json(&["import", "--from", "pgadmin", pgadmin.to_str().unwrap(), "--dry-run", "--json"]);
    // A root certificate file that is not there is what libpq ignores
    // short of verify-ca: imported, with the form's warning as a note.
    assert_eq!(names(&v, "connections"), ["Prod / New style", "Old style", "Missing root"]);
    let notes = v["connections"][2]["notes"].to_string();
    assert!(notes.contains("/nonexistent/ca.pem") && notes.contains("not found"), "{notes}");
    assert_eq!(v["connections"][0]["url"], format!("postgresql://admin@db.example.com:5432/postgres?sslmode=verify-full&sslrootcert={}&connect_timeout=10", ca.display()));
    assert_eq!(v["connections"][1]["url"], "postgresql://u@old.example.com:5433/postgres?sslmode=require&connect_timeout=5");
    let skipped: Vec<&str> = v["skipped"].as_array().unwrap().iter().map(|s| s["reason"].as_str().unwrap()).collect();
    assert!(skipped.iter().any(|s| s.contains("'Host' or 'Service'")) && skipped.iter().any(|s| s.contains("Port must be integer")), "{skipped:?}");
    assert!(skipped.iter().any(|s| s.contains("not-an-ip") && s.contains("not a numeric")), "the store's own check, in the dry run: {skipped:?}");
    // Saved: the tunnel comes along.
    let done = env.json(&["import", "--from", "pgadmin", pgadmin.to_str().unwrap(), "--json"]);
    assert_eq!(done["connections"].as_array().unwrap().len(), 3);
    let shown = env.json(&["show", "Prod / New style", "--json"]);
    assert_eq!(shown["ssh"]["hops"][0], serde_json::json!({"host": "bastion.example.com", "port": 2222, "user": "ops", "auth": "key", "identity": "/home/me/.ssh/id_ed25519"}));
    assert!(!shown.to_string().contains("never"), "a secret in ConnectionParameters is not taken");
    env.cleanup();

    let dbeaver = env.file(
        "data-sources.json",
        &r##"{"folders": {"Prod": {}}, "connections": {
          "postgres-jdbc-1": {"provider": "postgresql", "driver": "postgres-jdbc", "name": "warehouse", "folder": "Prod",
             "configuration": {"host": "dw.example.com", "port": "5432", "database": "dw", "user": "loader", "configurationType": "MANUAL",
               "handlers": {"postgre_ssl": {"type": "CONFIG", "enabled": true, "properties": {"sslMode": "verify-ca", "rootCert": "CA"}},
                            "ssh_tunnel": {"type": "TUNNEL", "enabled": true, "properties": {"host": "jump.example.com", "port": 22, "authType": "AGENT"}}}}},
          "postgres-jdbc-2": {"provider": "postgresql", "driver": "postgres-jdbc", "name": "by url",
             "configuration": {"configurationType": "URL", "url": "jdbc:postgresql://u.example.com:6543/app?ssl=true"}},
          "mysql8-1": {"provider": "mysql", "driver": "mysql8", "name": "shop", "configuration": {"host": "m", "port": "3306"}}}}"##
            .replace("CA", ca.to_str().unwrap()),
    );
    let v = env.json(&["import", "--from", "dbeaver", dbeaver.to_str().unwrap(), "--dry-run", "--json"]);
    assert_eq!(names(&v, "connections"), ["Prod / warehouse", "by url"]);
    assert_eq!(v["connections"][0]["url"], format!("postgresql://loader@dw.example.com:5432/dw?sslmode=verify-ca&sslrootcert={}", ca.display()));
    assert_eq!(v["connections"][1]["url"], "postgresql://u.example.com:6543/app");
    assert!(v["connections"][0]["notes"][0].as_str().unwrap().contains("enter the password"));
    assert_eq!(v["skipped"][0]["reason"], "not PostgreSQL (mysql)");
}

#[test]
fn malformed_files_are_errors_and_change_nothing() {
    let env = Env::new();
    let bad = env.file("bad.json", "{\"Servers\": {\"1\": ");
    let out = env.run(&["import", "--from", "pgadmin", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid JSON"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = env.run(&["import", "--from", "pgadmin", env.file("x.json", "{}").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("'Servers' attribute not found"));
    let out = env.run(&["import", "--from", "pgpass", "/nonexistent/pgpass"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(env.list().is_empty());
}

#[test]
fn export_and_import_round_trip_and_psql_reads_the_service_file() {
    let env = Env::new();
    let pg = Cluster::start_default();
    pg.create_role("reader", "r-pw");
    let url = format!("postgresql://reader:r-pw@127.0.0.1:{}/postgres?application_name=exported&connect_timeout=7", pg.port());
    let out = env.run(&["add", "--name", "Local [test]", "--url", &url, "--role", "destination", "--truncate", "--schema", "app"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = env.run(&["add", "--name", "Tunnelled", "--url", "postgresql://u@db.internal/d?sslmode=require", "--ssh", "ops@bastion:2222", "--ssh-identity", "/k", "--no-password"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let before: Vec<Value> = env.list();

    // No secret in any export.
    for to in ["urls", "service", "pgadmin", "json"] {
        let out = env.run(&["export", "--to", to]);
        assert_eq!(out.status.code(), Some(0));
        assert!(!String::from_utf8_lossy(&out.stdout).contains("r-pw"), "{to}");
    }
    let urls = String::from_utf8_lossy(&env.run(&["export", "--to", "urls"]).stdout).into_owned();
    assert_eq!(urls.lines().count(), 2);

    // json: everything comes back.
    let json = env.file("export.json", &String::from_utf8_lossy(&env.run(&["export", "--to", "json"]).stdout));
    env.cleanup();
    let done = env.json(&["import", "--from", "json", json.to_str().unwrap(), "--json"]);
    assert_eq!(done["connections"].as_array().unwrap().len(), 2);
    let after = env.list();
    for (a, b) in before.iter().zip(after.iter()) {
        for key in ["name", "job", "job_options", "params", "scope_schemas", "ssh"] {
            assert_eq!(a[key], b[key], "{key}");
        }
    }

    // pgadmin: what pgAdmin's importer requires, and it reads back.
    let pga: Value = serde_json::from_slice(&env.run(&["export", "--to", "pgadmin", "Tunnelled"]).stdout).unwrap();
    let s = &pga["Servers"]["1"];
    for key in ["Name", "Group", "Host", "MaintenanceDB", "Username"] {
        assert!(s[key].is_string(), "{key}: {s}");
    }
    assert!(s["Port"].is_u64() && s["TunnelPort"] == 2222 && s["TunnelAuthentication"] == 1);
    let pga_file = env.file("servers.json", &pga.to_string());
    let v = env.json(&["import", "--from", "pgadmin", pga_file.to_str().unwrap(), "--dry-run", "--include-duplicates", "--json"]);
    assert_eq!(v["connections"][0]["url"], "postgresql://u@db.internal:5432/d?sslmode=require", "pgAdmin needs a port");

    // service: psql connects through it (the password from a password file).
    let service = env.file("pg_service.conf", &String::from_utf8_lossy(&env.run(&["export", "--to", "service", "Local [test]"]).stdout));
    let pgpass = env.file("pgpass", &format!("127.0.0.1:{}:postgres:reader:r-pw\n", pg.port()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = sluice_harness::pg_bin::psql()
        .args(["-X", "-A", "-t", "-w", "-d", "service=Local__test_", "-c", "select current_user || ' ' || current_setting('application_name')"])
        .env("PGSERVICEFILE", &service)
        .env("PGPASSFILE", &pgpass)
        .env_remove("PGPASSWORD")
        .output()
        .unwrap();
    assert!(out.status.success(), "psql: {}\n{}", String::from_utf8_lossy(&out.stderr), std::fs::read_to_string(&service).unwrap());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "reader exported");
    env.cleanup();
}
