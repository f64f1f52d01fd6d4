//! Test harness (filled in by the foundation work).
