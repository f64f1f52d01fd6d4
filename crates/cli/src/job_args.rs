//! `--job JOB` (also `--role`) and one flag per job option, generated from
//! `sluice_core::job::OPTIONS`: `--on-conflict fail|nothing|update`,
//! `--truncate[=BOOL]`, `--truncate-cascade`, `--init-tables`, `--cdc`,
//! `--publication NAME`, `--slot NAME`. A new option in the table is a new
//! flag here, with its help.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use sluice_core::job::{Job, JobOptions, OptionError, OptionKind, OPTIONS};

#[derive(Debug, Default, Clone)]
pub struct JobArgs {
    pub job: Option<Job>,
    /// The option flags given, in table order.
    pub values: Vec<(&'static str, String)>,
}

impl JobArgs {
    /// Sets each option given on `options`.
    pub fn apply(&self, options: &mut JobOptions) -> Result<(), OptionError> {
        for (name, value) in &self.values {
            options.set(name, value)?;
        }
        Ok(())
    }
}

fn flag_name(name: &str) -> String {
    name.replace('_', "-")
}

impl FromArgMatches for JobArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let job = match m.get_one::<String>("job") {
            Some(j) => Some(j.parse::<Job>().map_err(|e| clap::Error::raw(clap::error::ErrorKind::InvalidValue, e))?),
            None => None,
        };
        let values = OPTIONS.iter().filter_map(|o| m.get_one::<String>(o.name).map(|v| (o.name, v.clone()))).collect();
        Ok(JobArgs { job, values })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = JobArgs::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for JobArgs {
    fn augment_args(cmd: Command) -> Command {
        let jobs: Vec<&'static str> = Job::ALL.iter().map(|j| j.as_str()).collect();
        let help = Job::ALL.iter().map(|j| format!("{}: {}", j.as_str(), j.label())).collect::<Vec<_>>().join("; ");
        let cmd = cmd.arg(
            Arg::new("job")
                .long("job")
                .alias("role")
                .value_name("JOB")
                .value_parser(PossibleValuesParser::new(jobs))
                .help(format!("What the job does with this database ({help}); checks the privileges it needs. --role is the same flag"))
                .help_heading("Job"),
        );
        OPTIONS.iter().fold(cmd, |cmd, o| {
            let mut arg = Arg::new(o.name).long(flag_name(o.name)).help(format!("{} ({}).", o.help, o.job)).help_heading("Job");
            arg = match o.kind {
                OptionKind::Flag => arg
                    .value_name("BOOL")
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("true")
                    .action(ArgAction::Set),
                OptionKind::Choice { values } => arg.value_name("WHAT").value_parser(PossibleValuesParser::new(values.iter().map(|(v, _)| *v))),
                OptionKind::Name => arg.value_name("NAME"),
            };
            if o.name != flag_name(o.name) {
                arg = arg.alias(o.name);
            }
            cmd.arg(arg)
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        JobArgs::augment_args(cmd)
    }
}
