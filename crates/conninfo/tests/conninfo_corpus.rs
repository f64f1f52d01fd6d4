//! The fuzz target's property (fuzz/property.rs) replayed on the committed
//! seed corpus (fuzz/seeds) and on whatever a fuzz run left in
//! fuzz/corpus/parse (ignored by git; `npm test` runs a short fuzz first).

include!("../../../fuzz/property.rs");

fn corpus_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut files = Vec::new();
    for dir in ["seeds", "corpus/parse"] {
        for e in std::fs::read_dir(root.join(dir)).into_iter().flatten().flatten() {
            files.push(e.path());
        }
    }
    files
}

#[test]
fn every_corpus_input_keeps_the_property() {
    let files = corpus_files();
    assert!(files.len() >= 100, "the seed corpus is there: {} files", files.len());
    let mut checked = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        // libFuzzer's &str target only sees valid UTF-8, and so does this.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check_parse_property(text);
            checked += 1;
        }
    }
    assert!(checked >= 100, "{checked} inputs checked");
}
