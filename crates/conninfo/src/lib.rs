//! libpq connection info: one model ([`ConnInfo`]) and the ways in and out
//! of it, and the [`secret::Secret`] every secret travels in. A crate of its
//! own, with no network or database dependency, so that the parser's fuzzer
//! and its differential test against libpq build in seconds; `sluice-core`
//! re-exports it as `sluice_core::conninfo` (and `sluice_core::secret`).
//!
//! - `model.rs`: every keyword set, by keyword (secrets as `Secret`).
//! - `ssl_mode.rs`: the six libpq SSL modes.
//! - `keywords.rs`: libpq's keyword table, the one list of parameters.
//! - `parse.rs`: the entry point, which tells URI from `key=value`.
//! - `uri.rs`: parse `postgresql://` URIs exactly as libpq does.
//! - `keyvalue.rs`: parse `key=value` conninfo strings.
//! - `format.rs`: write a model back as a canonical URI.
//! - `validate.rs`: per-field checks for the connection form.
//! - `error.rs`: typed parse errors with positions.
//! - `defaults.rs`: libpq's per-machine defaults (`~/.postgresql/root.crt`...).
//! - `environment.rs`: the `PG*` variables, home, OS user and folders libpq reads.
//! - `pgpass.rs`, `service.rs`: libpq's password and service files.
//! - `resolve.rs`: explicit > service > environment > defaults, and the
//!   password file, as libpq applies them.

pub mod defaults;
pub mod environment;
pub mod pgpass;
pub mod require_auth;
pub mod resolve;
pub mod inet;
pub mod service;
pub mod secret;
mod error;
mod format;
mod keyvalue;
pub mod keywords;
mod model;
mod parse;
mod ssl_mode;
mod uri;
pub mod validate;

pub use error::{ParamsError, ParseError};
pub use format::{format_keyvalue, format_uri, FormatOptions};
pub use model::{ConnInfo, InlinePem};
pub use parse::{parse, parse_keyvalue, parse_uri, unknown_warning, Parsed, Syntax};
pub use require_auth::RequireAuth;
pub use ssl_mode::{InvalidSslMode, SslMode};
pub use environment::Environment;
pub use resolve::{resolve, PasswordSource, Resolved};
pub use validate::{validate, validate_negotiation, FieldIssue, Severity, Validation};
