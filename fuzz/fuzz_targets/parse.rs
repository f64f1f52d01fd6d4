//! The parser's property (../property.rs) on whatever libFuzzer makes up.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../property.rs");

fuzz_target!(|input: &str| check_parse_property(input));
