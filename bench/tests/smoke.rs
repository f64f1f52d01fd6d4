//! The benchmark harness must not rot: the catalog benchmark at 100 tables,
//! one run, through the real `sluice` binary and psql, checking the rows each
//! side finds. (The benchmarks themselves are `npm run bench`, not tests.)
//!
//! Uses the `sluice` binary cargo built next to this test (`cargo test
//! --workspace`, as `npm test` runs it, builds it); `SLUICE_BIN` overrides.

use sluice_bench::catalog::{measure, Fixture, Shape};
use sluice_bench::run::Programs;
use std::path::PathBuf;

fn sluice_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SLUICE_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/smoke-<hash> → target/<profile>/sluice
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target dir");
    let path = profile_dir.join(format!("sluice{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p sluice-cli` first (`cargo test --workspace` builds it), or set SLUICE_BIN",
        path.display()
    );
    path
}

#[test]
fn catalog_benchmark_at_100_tables_finds_the_right_rows() {
    let programs = Programs::new(&sluice_binary());
    let mut fixture = Fixture::build(100, Shape::Mixed);
    fixture.analyse();
    let result = measure(&fixture, &programs, 1, None).expect("the catalog benchmark runs");

    assert_eq!(result["tables"], 100);
    assert_eq!(result["views"], 5);
    assert_eq!(result["sequences"], 10);
    let reader = &result["roles"]["reader"];
    let owner = &result["roles"]["owner"];

    // Sluice finds every table (and view) for the group-granted role, with SELECT.
    assert_eq!(reader["sluice"]["tables"], 100, "{reader}");
    assert_eq!(reader["sluice"]["relations"], 105, "{reader}");
    assert_eq!(reader["sluice"]["with_select"], 105, "{reader}");
    assert_eq!(reader["sluice"]["ready"], true, "{reader}");
    // Neosync's query sees only grants to current_user or PUBLIC by name: none.
    assert_eq!(reader["neosync"]["rows"], 0, "{reader}");

    // The owner: both see everything; Neosync returns one row per privilege.
    assert_eq!(owner["sluice"]["with_select"], 105, "{owner}");
    assert_eq!(owner["neosync"]["tables"], 105, "{owner}");
    assert_eq!(owner["neosync"]["rows"], 105 * 7, "{owner}");

    // Every figure is there: wall and server time for all three contenders,
    // and the analysis under EXPLAIN.
    for role in [owner, reader] {
        for tool in ["floor", "neosync", "sluice"] {
            assert!(role[tool]["wall"]["median"].as_f64().unwrap() > 0.0, "{tool}: {role}");
            assert!(role[tool]["server"]["median"].is_number(), "{tool} server time: {role}");
        }
    }
    assert!(result["explain"]["reader"]["analysis"]["execution"]["median"].as_f64().unwrap() > 0.0, "{result}");

    // Granted directly: both see it (Neosync one row per table, SELECT only).
    let direct = &result["roles"]["direct"];
    assert_eq!(direct["sluice"]["with_select"], 105, "{direct}");
    assert_eq!(direct["neosync"]["rows"], 105, "{direct}");
    assert_eq!(result["stats"], "analysed");
}

#[test]
fn serial_shape_is_measured_before_its_catalogs_are_analysed() {
    let programs = Programs::new(&sluice_binary());
    let fixture = Fixture::build(40, Shape::Serial);
    let result = measure(&fixture, &programs, 1, None).expect("the catalog benchmark runs");
    assert_eq!(result["stats"], "never");
    assert_eq!(result["shape"], "serial");
    assert_eq!(result["sequences"], 40, "a serial in every table");
    let owner = &result["roles"]["owner"];
    // A source reads no sequences; a destination reads each (its writes
    // might evaluate nextval()).
    assert_eq!(owner["sluice"]["sequences"], 0, "{owner}");
    assert_eq!(owner["sluice"]["relations"], 42, "40 tables and 2 views: {owner}");
    assert_eq!(owner["sluice_destination"]["sequences"], 40, "{owner}");
    assert_eq!(owner["sluice_destination"]["relations"], 42, "{owner}");
    assert!(owner["sluice_destination"]["wall"]["median"].as_f64().unwrap() > 0.0, "{owner}");
}
