//! libpq connection info: one model ([`ConnInfo`]) and the ways in and out of it.
//!
//! - `model.rs`: the fields, typed where Sluice acts on them.
//! - `ssl_mode.rs`: the six libpq SSL modes.
//! - `keywords.rs`: libpq's keyword table (which names are known, which are secret).
//! - `uri.rs`: parse `postgresql://` URIs exactly as libpq does.
//! - `keyvalue.rs`: parse `key=value` conninfo strings.
//! - `format.rs`: write a model back as a canonical URI.
//! - `validate.rs`: per-field checks for the connection form.
//! - `error.rs`: typed parse errors with positions.

mod model;
mod ssl_mode;

pub use model::ConnInfo;
pub use ssl_mode::SslMode;
