//! Sluice's core: everything the app and the CLI share, with no Tauri in it.
//!
//! - [`conninfo`]: libpq connection strings (URI and `key=value`): parse, format, validate
//!   (the `sluice-conninfo` crate, re-exported).
//! - [`secret`]: the redacting wrapper every secret travels in (also from `sluice-conninfo`).
//! - [`outcome`]: the vocabulary of a test's outcome (stages, statuses, failure codes, a classified failure), low so nothing reaches up for it.
//! - [`connection`]: what a connection carries besides libpq keywords: a password command, inline TLS material.
//! - [`job`]: source or destination, and a destination's options.
//! - [`store`]: saved connections: metadata in a per-user JSON file, secrets in the OS keyring.
//! - [`probe`]: Test Connection: staged, timed, deadline-bound, every failure classified.
//! - [`access`]: what the role can reach, a source/destination verdict, and the GRANTs that fix it.
//! - [`saved`]: testing a saved connection (record + the secrets the store lets go → request; report → summary), shared by the app and the CLI.
//! - [`import`]: connections in (libpq files, .env, pgAdmin, DBeaver) and out, never with a secret.
//! - [`ssh`]: SSH tunnels: bastions and jump chains the probe runs over.
//! - `pinned`: the trust boundary: every statement runs read-only with `search_path` pinned to `pg_catalog`.

pub mod access;
pub mod build_info;
pub mod import;
pub use sluice_conninfo as conninfo;
pub use sluice_conninfo::secret;
pub mod job;
pub mod outcome;
pub mod connection;
mod pinned;
pub mod probe;
pub mod saved;
pub mod ssh;
pub mod store;
