//! `sluice url`: parse, format and normalize libpq connection strings.
//!
//! - `parse`: one JSON object `{"params": {...}, "warnings": [...]}` on stdout.
//! - `format`: the canonical URL from flags and/or a JSON params object.
//! - `normalize`: parse, then format.
//!
//! Syntax errors and bad input go to stderr as `error: ...`, exit 2.

use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::ser::{Serialize, SerializeMap, Serializer};
use sluice_core::conninfo::{self, ConnInfo, FormatOptions};

use crate::params::ParamArgs;
use crate::{exit, CliError};

#[derive(Subcommand)]
pub enum UrlCommand {
    /// Parse a URI or key=value string; print its parameters as JSON.
    ///
    /// Parameters libpq does not know are left out, each with a warning.
    Parse {
        /// The connection string (postgresql://... or host=... port=...).
        #[arg(allow_hyphen_values = true)]
        string: String,
    },
    /// Print the canonical postgresql:// URL for the given parameters.
    Format(Box<FormatArgs>),
    /// Parse a connection string and print it back as the canonical URL.
    Normalize {
        #[arg(allow_hyphen_values = true)]
        string: String,
        /// Leave out password and sslpassword.
        #[arg(long)]
        without_password: bool,
    },
}

#[derive(Args)]
pub struct FormatArgs {
    /// Read parameters from a JSON file ("-" for stdin): {"params": {...}} or a bare object.
    /// Flags given alongside override it.
    #[arg(long, value_name = "FILE|-")]
    json: Option<String>,
    #[command(flatten)]
    params: ParamArgs,
    /// The password (only here: `connections add` never takes one as a flag).
    #[arg(long, allow_hyphen_values = true)]
    password: Option<String>,
    /// Any libpq keyword, as key=value; repeatable, applied last.
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = parse_param, allow_hyphen_values = true)]
    extra: Vec<(String, String)>,
    /// Leave out password and sslpassword.
    #[arg(long)]
    without_password: bool,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got \"{s}\"")),
    }
}

pub fn run(cmd: UrlCommand) -> Result<ExitCode, CliError> {
    match cmd {
        UrlCommand::Parse { string } => run_parse(&string)?,
        UrlCommand::Format(args) => run_format(*args)?,
        UrlCommand::Normalize { string, without_password } => run_normalize(&string, without_password)?,
    }
    Ok(exit::code(exit::OK))
}

fn run_parse(input: &str) -> Result<(), CliError> {
    let parsed = conninfo::parse(input)?;
    let out = ParseOutput { params: OrderedParams(parsed.info.to_params()), warnings: parsed.warnings };
    println!("{}", serde_json::to_string(&out).map_err(|e| e.to_string())?);
    Ok(())
}

fn run_format(args: FormatArgs) -> Result<(), CliError> {
    let pairs = match &args.json {
        Some(source) => read_json_params(source)?,
        None => Vec::new(),
    };
    let mut info = ConnInfo::from_params(pairs)?;
    args.params.apply(&mut info)?;
    if let Some(p) = args.password {
        info.set("password", p)?;
    }
    for (k, v) in args.extra {
        info.set(&k, v)?;
    }
    println!("{}", format(&info, args.without_password));
    Ok(())
}

fn run_normalize(input: &str, without_password: bool) -> Result<(), CliError> {
    let parsed = conninfo::parse(input)?;
    for w in &parsed.warnings {
        eprintln!("warning: {}", crate::term::one_line(w));
    }
    println!("{}", format(&parsed.info, without_password));
    Ok(())
}

fn format(info: &ConnInfo, without_password: bool) -> String {
    let options = if without_password { FormatOptions::WITHOUT_PASSWORD } else { FormatOptions::WITH_PASSWORD };
    conninfo::format_uri(info, options)
}

/// `{"params": {...}}` or a bare `{...}`; values are strings (numbers are
/// accepted and written as they appear, so `"port": 5432` works).
fn read_json_params(source: &str) -> Result<Vec<(String, String)>, String> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| format!("cannot read stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?;
    let object = match value {
        serde_json::Value::Object(mut o) => match o.remove("params") {
            Some(serde_json::Value::Object(inner)) if o.is_empty() => inner,
            Some(_) => {
                return Err(
                    "expected {\"params\": {...}} with nothing beside it, or a bare object of libpq keywords".into()
                )
            }
            None => o,
        },
        _ => return Err("expected a JSON object: {\"params\": {...}} or {...}".into()),
    };
    object
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            serde_json::Value::Number(n) => Ok((k, n.to_string())),
            other => Err(format!("value of \"{k}\" must be a string, not {other}")),
        })
        .collect()
}

#[derive(serde::Serialize)]
struct ParseOutput {
    params: OrderedParams,
    warnings: Vec<String>,
}

/// A JSON object that keeps `to_params` order (serde_json's map would sort it).
struct OrderedParams(Vec<(String, String)>);

impl Serialize for OrderedParams {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
