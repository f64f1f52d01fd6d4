//! `sluice grants`: print only the GRANT statements that make the role
//! ready for its job (a comment when nothing is missing). Exit 0 when the
//! SQL was printed, 2 when the test failed.

use crate::exit;
use crate::commands::test::{run_probe, RoleArg, TargetArgs};
use clap::Args;
use sluice_core::access::JobRole;

#[derive(Args)]
pub struct GrantsArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

pub fn run(args: GrantsArgs) -> i32 {
    let job = JobRole::from(args.target.role.unwrap_or(RoleArg::Source));
    let report = match run_probe(&args.target, Some(job)) {
        Ok((r, _)) => r,
        Err(e) => {
            e.print();
            return exit::FAILED;
        }
    };
    match (&report.error, &report.verdict) {
        (None, Some(v)) => {
            println!("{}", v.fix_sql.trim_end());
            exit::OK
        }
        (Some(e), _) => {
            eprintln!("error[{}]: {}\nhint: {}", e.code.as_str(), e.message, e.hint);
            exit::FAILED
        }
        (None, None) => {
            eprintln!("error: the access analysis did not run");
            exit::FAILED
        }
    }
}
