//! The floor plan of `crates/core/src`, checked: which top-level module
//! takes from which (every `crate::x` path in its files), with no cycle,
//! and nothing below the probe taking from it. Shared types sit low
//! (`connection`, `job`, `pinned`; `outcome` just above `access`, whose
//! `Fix` its errors carry), the parts in the middle (`access`, `ssh`,
//! `store`, `probe`), the glue on top (`saved`, `import`). `cargo test -p sluice-core --test layers -- --nocapture`
//! prints the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules that must not take from the probe: it is above them.
const BELOW_PROBE: &[&str] = &["outcome", "connection", "job", "pinned", "ssh", "access", "store"];
/// Modules that must not take from the glue above everything.
const BELOW_GLUE: &[&str] = &["outcome", "connection", "job", "pinned", "ssh", "access", "store", "probe"];

fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module → the top-level modules its files name as `crate::x`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    modules.remove("lib");
    let mut g: BTreeMap<String, BTreeSet<String>> = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for f in &files {
        let from = module_of(&src, f);
        if from == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if modules.contains(&name) && name != from {
                g.get_mut(&from).unwrap().insert(name);
            }
        }
    }
    g
}

#[test]
fn the_core_has_no_cycle_and_nothing_reaches_up() {
    let g = graph();
    for (m, deps) in &g {
        println!("{m:>12} -> {}", deps.iter().cloned().collect::<Vec<_>>().join(", "));
    }
    // A topological order exists: peel off modules with no remaining dependency.
    let mut left = g.clone();
    let mut order = Vec::new();
    while !left.is_empty() {
        let ready: Vec<String> = left.iter().filter(|(_, d)| d.iter().all(|x| !left.contains_key(x))).map(|(m, _)| m.clone()).collect();
        assert!(!ready.is_empty(), "a cycle among: {left:?}");
        for m in ready {
            left.remove(&m);
            order.push(m);
        }
    }
    println!("from the floor up: {}", order.join(" < "));
    for m in BELOW_PROBE {
        assert!(!g[*m].contains("probe"), "{m} takes from probe: {:?}", g[*m]);
    }
    for m in BELOW_GLUE {
        for glue in ["saved", "import"] {
            assert!(!g[*m].contains(glue), "{m} takes from {glue}: {:?}", g[*m]);
        }
    }
    // The check sees real edges (it would pass on a graph it failed to read).
    assert!(g["probe"].contains("access") && g["saved"].contains("store") && g["ssh"].contains("outcome"), "{g:?}");
}
