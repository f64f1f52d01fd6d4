//! `sluice`: the app's features without a window, for scripts and CI.
//!
//! Every subcommand prints JSON (or plain text where documented) on stdout,
//! messages on stderr, and uses the exit codes documented in the README.
//! There is one error path: each subcommand returns `Result<ExitCode,
//! CliError>`, and `main` prints the error.

mod commands;
mod error;
mod exit;
mod job_args;
mod params;
mod ssh;
mod target;
mod term;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use error::CliError;

/// `--password-command CMD`: split by shell-word rules (never run by a shell).
pub(crate) fn password_command(cmd: &str) -> Result<sluice_core::connection::PasswordCommand, CliError> {
    sluice_core::connection::PasswordCommand::from_line(cmd, None).map_err(|e| CliError::new(format!("--password-command: {e}")))
}

/// The first line of stdin, without its line ending (a secret piped in).
pub(crate) fn read_stdin_line() -> Result<sluice_core::secret::Secret, CliError> {
    use std::io::BufRead;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| CliError::new(format!("cannot read stdin: {e}")))?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(sluice_core::secret::Secret::new(trimmed))
}

#[derive(Parser)]
#[command(name = "sluice", version = sluice_core::build_info::LONG_VERSION, about = "Configure, save and test Postgres connections")]
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
    /// Test a connection: every stage timed, every failure explained.
    Test(commands::test::TestArgs),
    /// Print the GRANT statements that make the role ready for its job.
    Grants(commands::grants::GrantsArgs),
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Url(cmd) => commands::url::run(cmd),
        Command::Connections(cmd) => commands::connections::run(cmd),
        Command::Test(args) => commands::test::run(args),
        Command::Grants(args) => commands::grants::run(args),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            e.print();
            exit::code(exit::FAILED)
        }
    }
}
