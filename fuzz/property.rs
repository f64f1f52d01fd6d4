// The connection-string parser's property, shared by the fuzz target
// (fuzz_targets/parse.rs) and the corpus replay in the test suite
// (crates/conninfo/tests/conninfo_corpus.rs), which `include!` this file.
//
// Any UTF-8 input: `parse` never panics, and whatever parses formats to a
// URI that parses back to the same model (and formats to the same URI), so
// "normalize" is stable; the key=value form round-trips too.

#[allow(dead_code)]
fn check_parse_property(input: &str) {
    use sluice_conninfo::{format_keyvalue, parse, FormatOptions};
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
}
