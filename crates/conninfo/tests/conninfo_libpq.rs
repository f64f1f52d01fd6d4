//! Differential test: Sluice's parser against libpq's own `PQconninfoParse`,
//! on the table's inputs (fuzz/seeds), strings made up by proptest, and the
//! URIs Sluice formats. For every input both must accept or both refuse,
//! and every value must be the same.
//!
//! libpq is reached through a small C program (tests/libpq/parse.c),
//! compiled here against the machine's libpq (`cc ... -lpq`; npm test
//! installs libpq-dev). Where Sluice differs from libpq on purpose, the
//! difference is named in `expected_difference` and nowhere else:
//! - a keyword libpq does not know is refused by libpq, kept aside with a
//!   warning by Sluice (this includes keywords newer than the libpq here);
//! - an `sslmode` libpq would refuse when connecting is refused by Sluice's
//!   parser already (libpq's parser stores any text);
//! - a percent-encoded value that is not UTF-8 is refused by Sluice (its
//!   model holds text), stored as bytes by libpq;
//! - whitespace around a URI is ignored by Sluice (pasted URLs carry
//!   newlines), which makes libpq read the string as key=value.

use proptest::prelude::*;
use sluice_conninfo::keywords::{self, KEYWORDS};
use sluice_conninfo::{parse, ParseError};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// libpq's answer for one input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Libpq {
    Ok(BTreeMap<String, String>),
    Err(String),
}

/// The helper binary, compiled once per test process.
fn helper() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/libpq/parse.c");
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sluice-libpq-parse");
        let include = Command::new("pg_config").arg("--includedir").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        let libdir = Command::new("pg_config").arg("--libdir").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        let mut cc = Command::new("cc");
        cc.arg(&src).arg("-o").arg(&out);
        for (flag, dir) in [("-I", include.as_deref().unwrap_or("/usr/include/postgresql")), ("-L", libdir.as_deref().unwrap_or("/usr/lib/x86_64-linux-gnu"))] {
            cc.arg(format!("{flag}{dir}"));
        }
        let built = cc.arg("-lpq").output().expect("cc runs (npm test installs build-essential and libpq-dev)");
        assert!(built.status.success(), "compiling the libpq helper failed:\n{}", String::from_utf8_lossy(&built.stderr));
        out
    })
}

/// Runs every input through libpq in one process; returns the libpq major version and the answers.
fn libpq_parse(inputs: &[String]) -> (u32, Vec<Libpq>) {
    let mut child = Command::new(helper()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("run the libpq helper");
    {
        let mut stdin = child.stdin.take().unwrap();
        for input in inputs {
            stdin.write_all(input.as_bytes()).unwrap();
            stdin.write_all(&[0]).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    // libpq's messages quote the input, which may not be UTF-8 after its decoding.
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let version: u32 = lines.next().and_then(|l| l.strip_prefix("VERSION ")).and_then(|v| v.parse().ok()).expect("a version line");
    let mut answers = Vec::new();
    let mut current: Option<Libpq> = None;
    for line in lines {
        if line == "OK" {
            current = Some(Libpq::Ok(BTreeMap::new()));
        } else if let Some(msg) = line.strip_prefix("ERR ") {
            current = Some(Libpq::Err(msg.trim().to_owned()));
        } else if line == "END" {
            answers.push(current.take().expect("an answer before END"));
        } else if let Some(Libpq::Ok(map)) = current.as_mut() {
            let (k, hex) = line.split_once(' ').unwrap_or((line, ""));
            let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
            map.insert(k.to_owned(), String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    assert_eq!(answers.len(), inputs.len(), "one answer per input");
    (version / 10000, answers)
}

/// Where Sluice differs from libpq on purpose (see the module doc); None when
/// the two must agree exactly.
fn expected_difference(input: &str, sluice: &Result<BTreeMap<String, String>, ParseError>, unknown: &[String], libpq: &Libpq, major: u32) -> Option<&'static str> {
    let trimmed = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if trimmed != input && (trimmed.starts_with("postgresql://") || trimmed.starts_with("postgres://")) {
        return Some("whitespace around a URI");
    }
    match (sluice, libpq) {
        (Err(ParseError::InvalidUtf8 { .. }), Libpq::Ok(_)) => Some("non-UTF-8 value"),
        (Err(ParseError::InvalidSslMode { .. }), Libpq::Ok(_)) => Some("sslmode checked at parse time"),
        (Ok(_), Libpq::Err(msg)) if !unknown.is_empty() && (msg.contains("invalid connection option") || msg.contains("invalid URI query parameter")) => {
            Some("an unknown keyword, kept aside with a warning")
        }
        (Ok(map), Libpq::Err(msg))
            if (msg.contains("invalid connection option") || msg.contains("invalid URI query parameter"))
                && map.keys().any(|k| keywords::lookup(k).is_some_and(|kw| kw.since > major)) =>
        {
            Some("a keyword newer than this libpq")
        }
        _ => None,
    }
}

/// Compares one input; returns a description of the disagreement, if any.
fn compare(input: &str, libpq: &Libpq, major: u32) -> Option<String> {
    let parsed = parse(input);
    let unknown: Vec<String> = parsed.as_ref().map(|p| p.unknown.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    let sluice = parsed.map(|p| p.info.to_params().into_iter().collect::<BTreeMap<_, _>>());
    if expected_difference(input, &sluice, &unknown, libpq, major).is_some() {
        return None;
    }
    match (&sluice, libpq) {
        (Ok(ours), Libpq::Ok(theirs)) if ours == theirs => None,
        (Err(_), Libpq::Err(_)) => None,
        (ours, theirs) => Some(format!("{input:?}\n  sluice: {ours:?}\n  libpq:  {theirs:?}")),
    }
}

/// C strings end at NUL, so libpq never sees one; Sluice refuses it (tested in conninfo_table).
fn check_all(inputs: &[String]) -> (usize, usize, Vec<String>) {
    let inputs: Vec<String> = inputs.iter().filter(|s| !s.contains('\0')).cloned().collect();
    let inputs = inputs.as_slice();
    let (major, answers) = libpq_parse(inputs);
    let mut agree_ok = 0;
    let mut mismatches = Vec::new();
    for (input, libpq) in inputs.iter().zip(&answers) {
        match compare(input, libpq, major) {
            Some(m) => mismatches.push(m),
            None if matches!(libpq, Libpq::Ok(_)) => agree_ok += 1,
            None => {}
        }
    }
    (major as usize, agree_ok, mismatches)
}

fn seeds() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let mut out: Vec<String> = std::fs::read_dir(dir).unwrap().flatten().filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect();
    out.sort();
    out
}

#[test]
fn the_table_and_the_seed_corpus_parse_as_libpq_parses_them() {
    let inputs = seeds();
    assert!(inputs.len() >= 100);
    let (major, agree_ok, mismatches) = check_all(&inputs);
    assert!(major >= 13, "libpq {major}");
    assert!(mismatches.is_empty(), "{} disagreements with libpq {major}:\n{}", mismatches.len(), mismatches.join("\n"));
    assert!(agree_ok >= 60, "most inputs are accepted by both, with the same values: {agree_ok}");
}

#[test]
fn every_keyword_libpq_knows_is_in_the_table() {
    // Each of the table's keywords, as libpq of this machine sees it.
    let inputs: Vec<String> = KEYWORDS.iter().map(|k| format!("{}=x", k.name)).collect();
    let (major, answers) = libpq_parse(&inputs);
    for (k, answer) in KEYWORDS.iter().zip(&answers) {
        let known = matches!(answer, Libpq::Ok(_));
        assert_eq!(known, k.since <= major, "{} (since {}) against libpq {major}: {answer:?}", k.name, k.since);
    }
}

/// Strings shaped like connection strings, to reach deep into both parsers.
fn connstring() -> impl Strategy<Value = String> {
    prop_oneof![
        "(postgresql://|postgres://)[a-z0-9@:/?&=%,\\[\\].é_-]{0,40}",
        "((host|port|dbname|user|password|sslmode|options|application_name|keepalives|bogus) ?= ?('[a-z =\\\\']{0,6}'|[a-z0-9/:,.\\\\]{0,8}) ?){1,4}",
        "[a-z= '\\\\]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// 64 batches of 16 made-up strings each, through both parsers.
    #[test]
    fn made_up_strings_parse_as_libpq_parses_them(batch in prop::collection::vec(connstring(), 16)) {
        let (major, _, mismatches) = check_all(&batch);
        prop_assert!(mismatches.is_empty(), "{} disagreements with libpq {}:\n{}", mismatches.len(), major, mismatches.join("\n"));
    }

    /// What Sluice writes, libpq reads back the same.
    #[test]
    fn formatted_uris_mean_the_same_to_libpq(batch in prop::collection::vec(connstring(), 16)) {
        let uris: Vec<String> = batch.iter().filter_map(|s| parse(s).ok()).filter(|p| p.unknown.is_empty()).map(|p| p.info.to_uri()).collect();
        let (major, _, mismatches) = check_all(&uris);
        prop_assert!(mismatches.is_empty(), "{} disagreements with libpq {}:\n{}", mismatches.len(), major, mismatches.join("\n"));
    }
}
