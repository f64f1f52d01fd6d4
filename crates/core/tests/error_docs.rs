//! docs/errors.md lists every failure class `ErrorCode` has, and no other.

use sluice_core::outcome::ErrorCode;
use std::collections::BTreeSet;

#[test]
fn docs_errors_md_lists_exactly_the_error_codes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md");
    let text = std::fs::read_to_string(path).expect("docs/errors.md");
    let documented: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(code, _)| code.to_owned()))
        .collect();
    let codes: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    assert!(codes.len() > 30, "the codes were read: {codes:?}");
    let missing: Vec<_> = codes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&codes).collect();
    assert!(missing.is_empty() && extra.is_empty(), "docs/errors.md lacks {missing:?} and names unknown {extra:?}");
}
