//! `--<keyword>` flags for every non-secret libpq keyword, generated from
//! the keyword table (`--host`, `--sslmode`, `--target-session-attrs`...,
//! each also spelled with underscores). Adding a keyword to the table adds
//! its flag here.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use sluice_core::conninfo::keywords::KEYWORDS;
use sluice_core::conninfo::{ConnInfo, ParamsError};

/// The keyword flags given, in table order. An empty value (`--host ""`)
/// means "unset it".
#[derive(Debug, Default, Clone)]
pub struct ParamArgs {
    pub values: Vec<(&'static str, String)>,
}

impl ParamArgs {
    /// Apply to `info`: set each given keyword, unset the empty ones.
    pub fn apply(&self, info: &mut ConnInfo) -> Result<(), ParamsError> {
        for (k, v) in &self.values {
            if v.is_empty() {
                info.remove(k);
            } else {
                info.set(k, v.clone())?;
            }
        }
        Ok(())
    }
}

impl FromArgMatches for ParamArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let values = KEYWORDS
            .iter()
            .filter(|k| !k.secret)
            .filter_map(|k| m.get_one::<String>(k.name).map(|v| (k.name, v.clone())))
            .collect();
        Ok(ParamArgs { values })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = ParamArgs::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for ParamArgs {
    fn augment_args(cmd: Command) -> Command {
        KEYWORDS.iter().filter(|k| !k.secret).fold(cmd, |cmd, k| {
            let dashed = k.name.replace('_', "-");
            let mut arg = Arg::new(k.name)
                .long(dashed.clone())
                .value_name("VALUE")
                .help(k.doc)
                .allow_hyphen_values(true)
                .help_heading("Connection parameters (libpq keywords; \"\" unsets)");
            if dashed != k.name {
                arg = arg.alias(k.name);
            }
            cmd.arg(arg)
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        ParamArgs::augment_args(cmd)
    }
}
