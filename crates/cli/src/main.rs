//! `sluice`: the app's features without a window, for scripts and CI.
//!
//! Every subcommand prints JSON (or plain text where documented) on stdout,
//! messages on stderr, and uses the exit codes documented in the README.

mod commands;
mod exit;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "sluice", version, about = "Configure, save and test Postgres connections")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, format and normalize libpq connection strings.
    #[command(subcommand)]
    Url(commands::url::UrlCommand),
    /// Saved connections (the app's own store): list, show, add, edit, remove.
    #[command(subcommand)]
    Connections(commands::connections::ConnectionsCommand),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Url(cmd) => commands::url::run(cmd),
        Command::Connections(cmd) => commands::connections::run(cmd),
    };
    std::process::exit(code);
}
