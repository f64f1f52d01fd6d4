//! `sluice connections` (being written).
use clap::Subcommand;

#[derive(Subcommand)]
pub enum ConnectionsCommand {
    List,
}

pub fn run(_cmd: ConnectionsCommand) -> i32 {
    crate::exit::FAILED
}
