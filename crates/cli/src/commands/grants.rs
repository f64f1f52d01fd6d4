//! `sluice grants`: print only the GRANT statements that make the role
//! ready for its job (a comment when nothing is missing). Exit 0 when the
//! SQL was printed, 2 when the test failed.

use crate::commands::test::{run_probe, TargetArgs};
use crate::{exit, CliError};
use clap::Args;
use sluice_core::job::Job;
use std::process::ExitCode;

#[derive(Args)]
pub struct GrantsArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

pub fn run(args: GrantsArgs) -> Result<ExitCode, CliError> {
    let job = args.target.role.unwrap_or(Job::Source);
    let (report, _) = run_probe(&args.target, Some(job))?;
    match (&report.error, &report.verdict) {
        (None, Some(v)) => {
            println!("{}", v.fix_sql.trim_end());
            Ok(exit::code(exit::OK))
        }
        (Some(e), _) => Err(CliError::new(format!("[{}] {}", e.code.as_str(), e.message)).hint(e.hint.clone())),
        (None, None) => Err(CliError::new("the access analysis did not run")),
    }
}
