//! `sluice test` and `sluice grants`, run as a user would, against real clusters.

use serde_json::Value;
use sluice_harness::Cluster;
use std::process::{Command, Output};

fn sluice(args: &[&str], config_dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .env("SLUICE_CONFIG_DIR", config_dir)
        .env_remove("PGPASSWORD")
        .output()
        .expect("run sluice")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn fixture() -> Cluster {
    let pg = Cluster::start_default();
    pg.create_role("reader", "pw");
    pg.psql("CREATE SCHEMA sales; CREATE TABLE sales.orders (id serial PRIMARY KEY, total numeric); CREATE TABLE public.t (x int);");
    pg
}

#[test]
fn test_json_contract_on_success() {
    let pg = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = sluice(&["test", &pg.url("reader", "pw", "postgres"), "--json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["connected"], true);
    assert!(v["error"].is_null());
    let stages: Vec<&str> = v["steps"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["resolve", "connect", "tls", "auth", "session"]);
    for s in v["steps"].as_array().unwrap() {
        assert!(s["ms"].is_number() && s["status"].is_string());
    }
    assert_eq!(v["server"]["current_user"], "reader");
    assert!(v.get("access").is_none(), "no analysis without --role");
}

#[test]
fn test_failure_exit_2_with_classified_error() {
    let pg = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = sluice(&["test", &pg.url("reader", "nope", "postgres"), "--json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["connected"], false);
    assert_eq!(v["error"]["code"], "auth_failed");
    assert_eq!(v["error"]["stage"], "auth");
    assert_eq!(v["error"]["sqlstate"], "28P01");
    assert!(v["error"]["hint"].as_str().unwrap().len() > 10);
    assert!(v["server"].is_null());
    // Human output says the same.
    let out = sluice(&["test", &pg.url("reader", "nope", "postgres")], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[auth_failed]") && text.contains("hint:"), "{text}");
}

#[test]
fn password_from_pgpassword_and_bad_input() {
    let pg = fixture();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgresql://reader@127.0.0.1:{}/postgres", pg.port());
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["test", &url, "--json"])
        .env("SLUICE_CONFIG_DIR", dir.path())
        .env("PGPASSWORD", "pw")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let out = sluice(&["test", "postgresql://h:99999999/db"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    let out = sluice(&["test", "mysql://h/db"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn role_check_exit_1_then_grants_fix_it() {
    let pg = fixture();
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url("reader", "pw", "postgres");
    let out = sluice(&["test", &url, "--role", "source", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(1), "connected but not ready: {}", String::from_utf8_lossy(&out.stdout));
    let v = json(&out);
    assert_eq!(v["verdict"]["ready"], false);
    assert_eq!(v["verdict"]["role"], "reader");
    let relations = v["access"]["relations"].as_array().unwrap();
    assert!(relations.iter().any(|r| r["schema"] == "sales" && r["name"] == "orders" && r["kind"] == "table"));

    let out = sluice(&["grants", &url, "--role", "source"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(sql.contains("GRANT USAGE ON SCHEMA sales TO reader"), "{sql}");
    assert!(sql.contains("GRANT SELECT ON"), "{sql}");
    pg.psql(&sql);
    let out = sluice(&["test", &url, "--role", "source", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "ready after the fix: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(json(&out)["verdict"]["ready"], true);
}

#[test]
fn timeout_flag_bounds_the_test() {
    let silent = sluice_harness::listeners::FakeServer::silent();
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = sluice(&["test", &format!("postgresql://x@127.0.0.1:{}/y", silent.port()), "--timeout", "1", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["code"], "timeout");
    assert!(started.elapsed() < std::time::Duration::from_millis(1600), "{:?}", started.elapsed());
}

#[test]
fn testing_a_hostile_database_runs_none_of_its_code() {
    use sluice_harness::hostile;
    let pg = hostile::cluster();
    hostile::evil_first(&pg);
    let dir = tempfile::tempdir().unwrap();
    for user in ["tester", "boss"] {
        for role in [None, Some("source"), Some("destination")] {
            let url = pg.url(user, &format!("{user}-pw"), "shop");
            let mut args = vec!["test", url.as_str(), "--json"];
            if let Some(r) = role {
                args.extend(["--role", r]);
            }
            let from = pg.log().len();
            let out = sluice(&args, dir.path());
            let v = json(&out);
            assert_eq!(v["connected"], true, "{user} {role:?}: {v}");
            assert_eq!(v["server"]["current_user"], user);
            if role.is_some() {
                assert!(v["access"]["relations"].as_array().unwrap().iter().any(|r| r["name"] == "orders"));
            }
            let sprung = hostile::sprung(&pg, from, user);
            assert!(sprung.is_empty(), "{user} {role:?}: the database's own code ran: {sprung:?}");
        }
    }
}

#[test]
fn grants_prints_the_fix_for_a_role_without_connect() {
    let pg = fixture();
    pg.psql("CREATE DATABASE private; REVOKE CONNECT ON DATABASE private FROM PUBLIC;");
    let dir = tempfile::tempdir().unwrap();
    let out = sluice(&["grants", &pg.url("reader", "pw", "private"), "--role", "source"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sql = String::from_utf8_lossy(&out.stdout);
    assert!(sql.contains("GRANT CONNECT ON DATABASE private TO reader;"), "{sql}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_access_denied"));
    let out = sluice(&["test", &pg.url("reader", "pw", "private"), "--role", "source", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["error"]["code"], "database_access_denied");
    assert_eq!(v["verdict"]["ready"], false);
    assert_eq!(v["verdict"]["problems"][0]["missing"], serde_json::json!(["CONNECT"]));
}

/// Offline is not a typo: with no network at all (a network namespace of
/// its own, `unshare -n`), the resolver cannot be asked (EAI_AGAIN) and the
/// message says so; the same name asked of a resolver that answers "no
/// such name" (NXDOMAIN) is a name to check. Both on this machine's real
/// getaddrinfo.
#[cfg(target_os = "linux")]
#[test]
fn an_unreachable_resolver_is_not_a_typo() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgresql://app@ep-nowhere-000000.us-east-2.aws.neon.tech/neondb?sslmode=require";
    let offline = Command::new("unshare")
        .args(["-n", env!("CARGO_BIN_EXE_sluice"), "test", url, "--json", "--timeout", "5"])
        .env("SLUICE_CONFIG_DIR", dir.path())
        .output()
        .expect("unshare (util-linux) runs the CLI without a network");
    let v = json(&offline);
    assert_eq!(v["error"]["code"], "dns", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("resolver could not answer"), "{v}");
    assert!(!v["error"]["hint"].as_str().unwrap().contains("typos"), "{v}");
    assert!(v["error"]["detail"].as_str().unwrap().to_lowercase().contains("temporary failure"), "the resolver said EAI_AGAIN: {v}");
    // A name that does not exist, asked of a resolver that answers.
    let typo = sluice(&["test", "postgresql://app@no-such-host.invalid/db", "--json", "--timeout", "5"], dir.path());
    let v = json(&typo);
    assert_eq!(v["error"]["code"], "dns", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("does not exist"), "{v}");
    assert!(v["error"]["hint"].as_str().unwrap().contains("typos"), "{v}");
}

/// A server whose pg_hba.conf takes this login over TLS only
/// (`hostssl … scram-sha-256` then `hostnossl … reject`): with
/// sslmode=disable the advice is to turn TLS on, not to move a rule. The
/// same login with sslmode=require connects, which is what the advice says.
#[test]
fn a_server_that_rejects_plain_connections_asks_for_tls() {
    let pg = Cluster::builder().tls().start();
    pg.create_role("app", "pw");
    // Local psql keeps its socket line; TCP needs TLS.
    pg.set_hba(&["local all all trust", "hostssl all all 127.0.0.1/32 scram-sha-256", "hostnossl all all 127.0.0.1/32 reject"]);
    let dir = tempfile::tempdir().unwrap();
    let url = |mode: &str| format!("postgresql://app:pw@127.0.0.1:{}/postgres?sslmode={mode}", pg.port());
    let v = json(&sluice(&["test", &url("disable"), "--json"], dir.path()));
    assert_eq!(v["error"]["code"], "tls_required", "{v}");
    let hint = v["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("require or stronger") && !hint.contains("move a rule"), "{v}");
    let ok = json(&sluice(&["test", &url("require"), "--json"], dir.path()));
    assert_eq!(ok["connected"], true, "{ok}");
}
