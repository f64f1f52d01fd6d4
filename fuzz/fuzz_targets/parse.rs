//! Any UTF-8 input: `parse` never panics, and whatever parses formats to a
//! URI that parses back to the same model (and formats to the same URI), so
//! "normalize" is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::conninfo::{format_keyvalue, parse, FormatOptions};

fuzz_target!(|input: &str| {
    let first = match parse(input) {
        Ok(p) => p,
        Err(e) => {
            // Positions are character offsets into the input.
            if let Some(p) = e.position() {
                assert!(p <= input.chars().count(), "{input:?}: position {p} out of range");
            }
            return;
        }
    };

    let uri = first.info.to_uri();
    let again = match parse(&uri) {
        Ok(p) => p,
        Err(e) => panic!("{input:?} formatted to {uri:?}, which does not parse: {e}"),
    };
    assert_eq!(again.info, first.info, "{input:?} -> {uri:?}");
    assert!(again.unknown.is_empty(), "{uri:?} has unknown keywords");
    assert_eq!(again.info.to_uri(), uri, "formatting is not stable for {input:?}");

    let kv = format_keyvalue(&first.info, FormatOptions::WITH_PASSWORD);
    match parse(&kv) {
        Ok(p) => assert_eq!(p.info, first.info, "{input:?} -> {kv:?}"),
        Err(e) => panic!("{input:?} formatted to {kv:?}, which does not parse: {e}"),
    }
});
