//! `sluice grants`: print only the GRANT statements that make the role
//! ready for its job (a comment when nothing is missing), also when the
//! server refused the login for a reason one statement fixes (GRANT
//! CONNECT, ALTER ROLE ... LOGIN). Exit 0 when the SQL was printed, 2 when
//! the test failed otherwise.

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
    let job = args.target.job.job.unwrap_or(Job::Source);
    let (report, _) = run_probe(&args.target, Some(job))?;
    match (&report.error, &report.verdict) {
        (error, Some(v)) => {
            // A refusal one statement fixes (no CONNECT, NOLOGIN) has a verdict too.
            if let Some(e) = error {
                eprintln!("note: the test failed [{}]: {}", e.code.as_str(), crate::term::one_line(&e.message));
            }
            // Names with control characters are U&"..." escapes already; what is left (comments) is shown, not obeyed.
            println!("{}", crate::term::safe(v.fix_sql.trim_end()));
            Ok(exit::code(exit::OK))
        }
        (Some(e), None) => Err(CliError::new(format!("[{}] {}", e.code.as_str(), e.message)).hint(e.hint.clone())),
        (None, None) => Err(CliError::new("the access analysis did not run")),
    }
}
