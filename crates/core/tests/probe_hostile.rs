//! The trust boundary: testing a database runs none of its code.
//!
//! A hostile database owner plants a logging shadow of every function,
//! aggregate and operator the probe's SQL could resolve by name, in
//! `public` and in a schema `evil` that `ALTER DATABASE`/`ALTER ROLE ... SET
//! search_path` put first. Sluice tests the database as an ordinary role and
//! as a superuser, with and without the access analysis; not one trap may
//! write its marker to the server log. The traps are shown to be live first.

mod probe_support;

use probe_support::*;
use sluice_core::access::Scope;
use sluice_core::job::{JobOptions, Job};
use sluice_core::probe::{AnalysisRequest, ProbeRequest};
use sluice_harness::{hostile, Cluster};

fn hostile_cluster() -> Cluster {
    hostile::cluster()
}

fn request(pg: &Cluster, user: &str, analysis: bool) -> ProbeRequest {
    let mut req = ProbeRequest::new(info(&pg.url(user, &format!("{user}-pw"), "shop")));
    if analysis {
        req.analysis = Some(AnalysisRequest { job: Job::Source, options: JobOptions::default(), scope: Scope::all() });
    }
    req
}

/// The traps fire for anyone who resolves names the way the old SQL did.
fn assert_traps_are_live(pg: &Cluster, search_path: &str) {
    let from = pg.log().len();
    pg.psql_in("shop", &format!("SET search_path = {search_path}; SELECT 'a'::name !~ 'b', current_setting('server_version') IS NOT NULL"));
    let sprung = hostile::sprung(pg, from, "postgres");
    assert!(!sprung.is_empty(), "the traps must be live for search_path {search_path}; nothing was logged");
}

#[tokio::test]
async fn a_hostile_owner_s_functions_and_operators_never_run() {
    let pg = hostile_cluster();
    assert_traps_are_live(&pg, "\"$user\", public");
    assert_traps_are_live(&pg, "evil, pg_catalog");

    let scenarios: [(&str, &str); 3] = [
        ("default search_path (traps in public)", ""),
        ("ALTER DATABASE SET search_path = evil, pg_catalog", "ALTER DATABASE shop SET search_path = evil, pg_catalog"),
        ("ALTER ROLE SET search_path = evil, pg_catalog", "ALTER DATABASE shop RESET search_path; ALTER ROLE tester SET search_path = evil, pg_catalog; ALTER ROLE boss SET search_path = evil, pg_catalog"),
    ];
    let mut failures = Vec::new();
    for (label, setup) in scenarios {
        if !setup.is_empty() {
            pg.psql(setup);
        }
        for user in ["tester", "boss"] {
            for analysis in [false, true] {
                let from = pg.log().len();
                let report = probe_request(request(&pg, user, analysis)).await;
                let server = expect_ok(&report);
                assert_eq!(server.current_user, user);
                if analysis {
                    let access = report.access.as_ref().expect("the analysis ran");
                    assert!(access.relations.iter().any(|r| r.name == "orders"), "the analysis saw the tables: {access:?}");
                    assert!(report.verdict.is_some());
                }
                let sprung = hostile::sprung(&pg, from, user);
                if !sprung.is_empty() {
                    failures.push(format!("{label}, as {user}, analysis {analysis}: {} traps ran, e.g. {}", sprung.len(), sprung[0]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "the probe ran the database's own code:\n{}", failures.join("\n"));
}

/// Every function and operator in what the probe sent is written
/// schema-qualified, and every one of them has a planted twin (so the test
/// above covers it): read from the server's own statement log.
#[tokio::test]
async fn every_name_the_batch_resolves_is_qualified_and_covered_by_a_trap() {
    let pg = hostile_cluster();
    let from = pg.log().len();
    expect_ok(&probe_request(request(&pg, "tester", true)).await);
    // The batch as the server logged it; multi-line SQL continues on lines
    // that do not start with a log prefix's timestamp.
    let log = pg.log();
    let at = log[from..].find("tester@shop LOG:  statement: ").expect("the batch is logged") + from;
    let logged: Vec<&str> = log[at..].lines().enumerate().take_while(|(i, l)| *i == 0 || !l.starts_with("20")).map(|(_, l)| l).collect();
    let sql = strip_literals(logged.join("\n").split_once("statement: ").map_or("", |(_, s)| s));
    assert!(sql.contains("BEGIN READ ONLY"), "{sql}");
    let (functions, operators) = hostile::planted_names(&pg, "shop");

    let mut unqualified = Vec::new();
    let mut uncovered = Vec::new();
    for (i, _) in sql.match_indices('(') {
        let before = sql[..i].trim_end();
        let word: String = before.chars().rev().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>().chars().rev().collect();
        if word.is_empty() || SQL_WORDS.contains(&word.to_lowercase().as_str()) {
            continue;
        }
        let qualifier = &before[..before.len() - word.len()];
        if qualifier.ends_with("pg_catalog.") {
            if !functions.contains(&word) {
                uncovered.push(format!("function {word}"));
            }
        } else {
            unqualified.push(word);
        }
    }
    for op in sql.split("OPERATOR(pg_catalog.").skip(1).map(|rest| rest.split(')').next().unwrap_or("")) {
        if !operators.iter().any(|o| o == op) {
            uncovered.push(format!("operator {op}"));
        }
    }
    let bare: String = sql.replace_operator_calls();
    let stray: Vec<char> = bare.chars().filter(|c| "=<>!~|+-^&#@%".contains(*c)).collect();
    assert!(unqualified.is_empty(), "unqualified function calls in the batch: {unqualified:?}\n{sql}");
    assert!(stray.is_empty(), "bare operators in the batch (write OPERATOR(pg_catalog.x)): {stray:?}\n{bare}");
    assert!(uncovered.is_empty(), "names with no planted trap (add them to plant-hostile.sql): {uncovered:?}");
}

/// SQL keywords that are followed by "(" without being function calls.
const SQL_WORDS: &[&str] = &[
    "in", "as", "values", "exists", "any", "all", "coalesce", "nullif", "cast", "over", "filter", "array", "row",
    "select", "on", "and", "or", "not", "when", "then", "else", "from", "join", "using", "with", "materialized",
    "by", "case", "end", "where", "operator", "union", "distinct", "lateral",
    // The analysis's own CTEs and their column lists.
    "scope_schemas", "scope_tables",
];

/// The SQL with every '...' literal emptied (E'' escapes included).
fn strip_literals(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut in_literal = false;
    let mut escapes = false;
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        if in_literal {
            if escapes && c == '\\' {
                chars.next();
            } else if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    in_literal = false;
                    out.push('\'');
                }
            }
        } else {
            if c == '\'' {
                in_literal = true;
                escapes = prev == 'E';
            }
            out.push(c);
        }
        prev = c;
    }
    out
}

trait ReplaceOperatorCalls {
    fn replace_operator_calls(&self) -> String;
}

impl ReplaceOperatorCalls for String {
    /// The SQL without its `OPERATOR(pg_catalog.x)` calls and `::` casts.
    fn replace_operator_calls(&self) -> String {
        let mut out = String::new();
        let mut rest = self.as_str();
        while let Some(i) = rest.find("OPERATOR(pg_catalog.") {
            out.push_str(&rest[..i]);
            rest = rest[i..].split_once(')').map_or("", |(_, r)| r);
        }
        out.push_str(rest);
        out.replace("::", " ")
    }
}
