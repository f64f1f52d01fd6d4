//! What changed between PostgreSQL 13 and 18 that the access analysis must
//! get right, run against the server under test (`SLUICE_PG_BINDIR`; `npm
//! test` runs this file on 13, Debian's and 18, `npm run test:matrix` on all
//! six). Each test asserts the behaviour of the version it meets, and the
//! server's own `has_*_privilege` is the oracle for every verdict.

mod probe_support;

use probe_support::*;
use sluice_core::access::{ObjectType, Privilege, Scope};
use sluice_core::job::{JobOptions, Job};
use sluice_core::probe::{AnalysisRequest, ErrorCode, ProbeRequest, Report};
use sluice_harness::Cluster;

fn major() -> u32 {
    sluice_harness::pg_bin::major()
}

async fn analyse(pg: &Cluster, user: &str, job: Job, options: JobOptions) -> Report {
    let conn = format!("host=127.0.0.1 port={} user={user} password=pw dbname=app sslmode=disable", pg.port());
    let mut req = ProbeRequest::new(info(&conn));
    req.analysis = Some(AnalysisRequest { job, options, scope: Scope::all() });
    let r = probe_request(req).await;
    expect_ok(&r);
    assert_eq!(r.server.as_ref().unwrap().server_version_num / 10000, major(), "the server under test");
    r
}

fn cluster(setup: &str) -> Cluster {
    let pg = Cluster::start_default();
    pg.psql("CREATE DATABASE app");
    pg.psql_in("app", "CREATE SCHEMA data; CREATE TABLE data.t (id int PRIMARY KEY, v text); CREATE TABLE public.p (id int)");
    pg.psql_in("app", setup);
    pg
}

/// The server's answer for one privilege of one role on one table.
fn oracle(pg: &Cluster, role: &str, table: &str, privilege: &str) -> bool {
    pg.psql_in("app", &format!("SELECT has_table_privilege('{role}', '{table}', '{privilege}')")).trim() == "t"
}

fn table_problem<'a>(r: &'a Report, schema: &str, name: &str) -> Option<&'a sluice_core::access::Problem> {
    r.verdict.as_ref().unwrap().problems.iter().find(|p| p.object_type == ObjectType::Table && p.schema.as_deref() == Some(schema) && p.name.as_deref() == Some(name))
}

#[tokio::test]
async fn predefined_data_roles_exist_from_14() {
    let grant = "CREATE ROLE reader LOGIN PASSWORD 'pw'; GRANT USAGE ON SCHEMA data TO reader";
    let pg = cluster(grant);
    let granted = pg.try_psql_in("app", "GRANT pg_read_all_data TO reader");
    if major() >= 14 {
        granted.expect("pg_read_all_data exists from 14");
        assert!(oracle(&pg, "reader", "data.t", "SELECT"));
        let r = analyse(&pg, "reader", Job::Source, JobOptions::default()).await;
        assert!(table_problem(&r, "data", "t").is_none(), "pg_read_all_data gives SELECT: {:#?}", r.verdict);
        assert!(r.verdict.as_ref().unwrap().ready, "{:#?}", r.verdict);
    } else {
        let e = granted.expect_err("no pg_read_all_data before 14");
        assert!(e.contains("does not exist"), "{e}");
        assert!(!oracle(&pg, "reader", "data.t", "SELECT"));
        let r = analyse(&pg, "reader", Job::Source, JobOptions::default()).await;
        let p = table_problem(&r, "data", "t").expect("no SELECT on data.t");
        assert_eq!(p.missing, vec![Privilege::Select]);
        assert!(!r.verdict.as_ref().unwrap().fix_sql.contains("pg_read_all_data"), "no fix names a role that does not exist");
    }
}

#[tokio::test]
async fn public_lost_create_on_schema_public_in_15() {
    let pg = cluster("CREATE ROLE fresh LOGIN PASSWORD 'pw'; GRANT USAGE ON SCHEMA data TO fresh; GRANT ALL ON ALL TABLES IN SCHEMA data, public TO fresh");
    let can_create = pg.psql_in("app", "SELECT has_schema_privilege('fresh', 'public', 'CREATE')").trim() == "t";
    assert_eq!(can_create, major() < 15, "PUBLIC has CREATE on public before 15 only");
    let r = analyse(&pg, "fresh", Job::Destination, JobOptions { truncate: false, init_tables: true, ..JobOptions::default() }).await;
    let v = r.verdict.as_ref().unwrap();
    let public = v.problems.iter().find(|p| p.object_type == ObjectType::Schema && p.schema.as_deref() == Some("public"));
    assert_eq!(public.is_some_and(|p| p.missing.contains(&Privilege::Create)), !can_create, "{v:#?}");
    assert_eq!(v.fix_sql.contains("ON SCHEMA public TO"), !can_create, "{}", v.fix_sql);
    // The schema data never had it for PUBLIC: missing on every version.
    assert!(v.problems.iter().any(|p| p.object_type == ObjectType::Schema && p.schema.as_deref() == Some("data") && p.missing.contains(&Privilege::Create)));
}

#[tokio::test]
async fn membership_without_inherit_from_16() {
    let pg = cluster("CREATE ROLE readers NOLOGIN; GRANT USAGE ON SCHEMA data TO readers; GRANT SELECT ON data.t TO readers; CREATE ROLE member LOGIN PASSWORD 'pw'");
    let granted = pg.try_psql_in("app", "GRANT readers TO member WITH INHERIT FALSE");
    if major() >= 16 {
        granted.expect("WITH INHERIT exists from 16");
    } else {
        assert!(granted.is_err(), "no WITH INHERIT before 16");
        // The way to the same state before 16: a NOINHERIT role.
        pg.psql_in("app", "ALTER ROLE member NOINHERIT; GRANT readers TO member");
    }
    assert!(!oracle(&pg, "member", "data.t", "SELECT"), "the membership does not pass SELECT on");
    let r = analyse(&pg, "member", Job::Source, JobOptions::default()).await;
    let p = table_problem(&r, "data", "t").expect("SELECT through a non-inherited membership is not usable");
    assert!(p.missing.contains(&Privilege::Select), "{p:#?}");
    assert!(!r.verdict.as_ref().unwrap().ready);

    // With inheritance the same grant is enough, as the server says.
    if major() >= 16 {
        pg.psql_in("app", "REVOKE readers FROM member; GRANT readers TO member WITH INHERIT TRUE");
    } else {
        pg.psql_in("app", "ALTER ROLE member INHERIT");
    }
    assert!(oracle(&pg, "member", "data.t", "SELECT"));
    let r = analyse(&pg, "member", Job::Source, JobOptions::default()).await;
    assert!(table_problem(&r, "data", "t").is_none(), "{:#?}", r.verdict);
}

#[tokio::test]
async fn maintain_privilege_from_17_gives_no_data_access() {
    let pg = cluster("CREATE ROLE upkeep LOGIN PASSWORD 'pw'; GRANT USAGE ON SCHEMA data TO upkeep");
    let granted = pg.try_psql_in("app", "GRANT MAINTAIN ON data.t TO upkeep; GRANT pg_maintain TO upkeep");
    if major() >= 17 {
        granted.expect("MAINTAIN and pg_maintain exist from 17");
        assert!(pg.psql_in("app", "SELECT relacl::text FROM pg_class WHERE oid = 'data.t'::regclass").contains("upkeep=m/"), "the ACL carries m");
    } else {
        assert!(granted.is_err(), "no MAINTAIN before 17");
    }
    // Neither is a data privilege: a source still lacks SELECT, exactly as the server says.
    assert!(!oracle(&pg, "upkeep", "data.t", "SELECT"));
    let r = analyse(&pg, "upkeep", Job::Source, JobOptions::default()).await;
    let p = table_problem(&r, "data", "t").expect("MAINTAIN is not SELECT");
    assert_eq!(p.missing, vec![Privilege::Select]);
    // And adding SELECT next to MAINTAIN makes it ready: the extra ACL letter is read, not misread.
    pg.psql_in("app", "GRANT SELECT ON data.t, public.p TO upkeep");
    let r = analyse(&pg, "upkeep", Job::Source, JobOptions::default()).await;
    assert!(r.verdict.as_ref().unwrap().ready, "{:#?}", r.verdict);
}

/// PostgreSQL 18 can ask for OAuth (SASL OAUTHBEARER), which Sluice cannot
/// answer: it says so by name. Earlier servers have no such method, and the
/// hba line is refused by the server itself.
#[tokio::test]
async fn oauth_is_named_as_unsupported() {
    if major() < 18 {
        // The method does not exist before 18: no server can ask for it.
        let pg = Cluster::start_default();
        assert_eq!(pg.psql("SELECT count(*) FROM pg_settings WHERE name = 'oauth_validator_libraries'"), "0");
        return;
    }
    let pg = sluice_harness::oauth::cluster_asking_for_oauth();
    let conn = format!("host=127.0.0.1 port={} user=app password=pw dbname=postgres sslmode=disable", pg.port());
    let r = probe(&conn).await;
    let e = expect_error(&r, ErrorCode::AuthUnsupported);
    assert!(e.message.contains("OAUTHBEARER") && e.message.contains("not support"), "{e:#?}");
    // The server's own view of its rules: OAuth for TCP logins, and it loaded.
    assert_eq!(pg.psql("SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND error IS NULL"), "oauth");
}
