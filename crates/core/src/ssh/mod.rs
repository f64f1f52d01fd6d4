//! SSH tunnels: the database behind one bastion or a chain of them.
//!
//! - `model.rs`: what a connection saves ([`Tunnel`], [`Hop`], [`Auth`]).
//! - `config.rs`: hops to servers, through `~/.ssh/config` ([`resolve`]).
//! - `known_hosts.rs`: host keys, checked as OpenSSH checks them, and learnt.
//! - `keys.rs`: private keys, encrypted or not.
//! - `tunnel.rs`: the chain of sessions and the channel the probe runs over.
//! - `failure.rs`: every failure, with its code and hint.
//!
//! russh is the SSH client (no `ssh` process, no local port): the probe's
//! TLS and Postgres startup run over the `direct-tcpip` channel itself.

mod config;
mod failure;
pub mod keys;
pub mod known_hosts;
mod model;
mod tunnel;

pub use config::{resolve, Resolved, SshEnv};
pub use failure::SshFailure;
pub use model::{Auth, Hop, Tunnel};
pub use tunnel::SshSecrets;
pub(crate) use tunnel::{open, Chain, StageSink};
