//! Connections in and out: libpq's password and service files, the `PG*`
//! variables, `.env` files, pgAdmin 4's `servers.json`, DBeaver's
//! `data-sources.json`, and Sluice's own JSON; out as URLs, a service file,
//! a pgAdmin file or Sluice's JSON, never with a secret.
//!
//! Reading makes a [`Plan`]: the connections found (each with where it came
//! from, `FILE:LINE` or the JSON key) and the entries skipped with why.
//! [`apply`] saves a plan's chosen entries; nothing existing is overwritten
//! (a taken name gets ` (2)`, or the entry is skipped).
//!
//! - `formats.rs`: one reader per format.
//! - `dotenv.rs`: `.env` files, read literally (nothing expanded).
//! - `export.rs`: the writers.
//! - `local.rs`: servers on this machine, for the first run.

mod dotenv;
mod export;
mod formats;
pub mod local;

pub use export::{export, ExportFormat};
pub use formats::read;

use crate::conninfo::Environment;
use crate::store::{NewConnection, SaveMode, Secrets, Store, StoreError};
use serde::Serialize;
use std::path::PathBuf;

/// Where connections come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Pgpass,
    Service,
    Env,
    Dotenv,
    Pgadmin,
    Dbeaver,
    Json,
}

impl Format {
    pub const ALL: [Format; 7] = [Format::Pgpass, Format::Service, Format::Env, Format::Dotenv, Format::Pgadmin, Format::Dbeaver, Format::Json];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pgpass => "pgpass",
            Format::Service => "service",
            Format::Env => "env",
            Format::Dotenv => "dotenv",
            Format::Pgadmin => "pgadmin",
            Format::Dbeaver => "dbeaver",
            Format::Json => "json",
        }
    }

    /// The file read when none is named (None: there is no file, or no default).
    pub fn default_file(self, env: &Environment) -> Option<PathBuf> {
        match self {
            Format::Pgpass => env.var("PGPASSFILE").map(PathBuf::from).or_else(|| env.default_passfile()),
            Format::Service => env.var("PGSERVICEFILE").map(PathBuf::from).or_else(|| env.user_service_file()),
            Format::Dotenv => Some(PathBuf::from(".env")),
            Format::Pgadmin => pgadmin_default_file(),
            Format::Dbeaver => dbeaver_default_file(),
            Format::Env | Format::Json => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown import format \"{s}\" (pgpass, service, env, dotenv, pgadmin, dbeaver or json)"))
    }
}

/// pgAdmin 4 keeps no servers.json of its own; the file its Docker image
/// loads at first start is the usual place one is found.
fn pgadmin_default_file() -> Option<PathBuf> {
    let home = directories::BaseDirs::new()?.home_dir().to_owned();
    [home.join("servers.json"), PathBuf::from("/pgadmin4/servers.json")].into_iter().find(|p| p.is_file())
}

fn dbeaver_default_file() -> Option<PathBuf> {
    let base = directories::BaseDirs::new()?;
    let dir = if cfg!(target_os = "macos") {
        base.home_dir().join("Library/DBeaverData")
    } else {
        base.data_dir().join("DBeaverData")
    };
    Some(dir.join("workspace6/General/.dbeaver/data-sources.json"))
}

/// One connection found in a file.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub new: NewConnection,
    pub secrets: Secrets,
    /// `FILE:LINE`, or the JSON key (`Servers.3`).
    pub source: String,
    /// What the user should know (a password to enter, a field not taken…).
    pub notes: Vec<String>,
    /// A saved connection to the same server, database and user, by name.
    pub duplicate_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub source: String,
    pub reason: String,
}

/// What a file holds.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
}

/// A planned or imported connection, as `--dry-run --json` and the app show it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub name: String,
    /// Never with a password.
    pub url: String,
    pub has_password: bool,
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set after an import: the name it was saved under (a clash adds " (2)").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_as: Option<String>,
    /// A saved connection reaches the same server, database and user: this
    /// entry is skipped unless asked for (re-importing the same file adds nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

impl Plan {
    pub fn listed(&self) -> Vec<Listed> {
        self.candidates.iter().map(Candidate::listed).collect()
    }

    /// Marks the candidates that a saved connection already reaches: the
    /// same server (host, hostaddr, port, user, service) and database.
    pub fn mark_duplicates(&mut self, saved: &[crate::store::ConnectionRecord]) {
        for c in &mut self.candidates {
            c.duplicate_of = saved.iter().find(|r| same_place(&r.params, &c.new.params)).map(|r| r.name.clone());
        }
    }
}

/// Same server, user and database (the database defaults to the user, as in libpq).
fn same_place(a: &crate::conninfo::ConnInfo, b: &crate::conninfo::ConnInfo) -> bool {
    let db = |i: &crate::conninfo::ConnInfo| i.get("dbname").filter(|d| !d.is_empty()).or(i.get("user")).unwrap_or("").to_owned();
    a.same_server(b) && db(a) == db(b)
}

impl Candidate {
    pub fn listed(&self) -> Listed {
        Listed {
            name: self.new.name.clone(),
            url: self.new.params.to_uri_without_password(),
            has_password: self.secrets.password.is_some(),
            source: self.source.clone(),
            notes: self.notes.clone(),
            saved_as: None,
            duplicate_of: self.duplicate_of.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path} is not valid JSON: {error}")]
    Json { path: String, error: String },
    #[error("{0}")]
    Format(String),
}

/// What to do when a connection's name is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Save it as "Name (2)" (the first free number).
    #[default]
    Rename,
    Skip,
}

impl std::str::FromStr for OnConflict {
    type Err = String;
    fn from_str(s: &str) -> Result<OnConflict, String> {
        match s {
            "rename" => Ok(OnConflict::Rename),
            "skip" => Ok(OnConflict::Skip),
            _ => Err(format!("unknown --on-conflict \"{s}\" (rename or skip)")),
        }
    }
}

/// What an import does with entries a saved connection already reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Duplicates {
    /// Leave them out (they are listed as skipped, with the saved name).
    #[default]
    Skip,
    /// Import them too (the user chose them).
    Include,
}

/// The outcome of an import.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub connections: Vec<Listed>,
    pub skipped: Vec<Skipped>,
}

/// What an import would do with the names already `taken` (any case):
/// each candidate chosen (its `source` in `only`, when given) with the name
/// it gets (`saved_as`: " (2)" on a clash) or skipped with the reason
/// (`--on-conflict skip`). `--dry-run` prints this; [`apply`] saves it.
pub fn preview(plan: Plan, saved: &[crate::store::ConnectionRecord], only: Option<&[String]>, on_conflict: OnConflict, duplicates: Duplicates) -> Outcome {
    let (planned, skipped) = plan_names(plan, saved, only, on_conflict, duplicates);
    Outcome { connections: planned.into_iter().map(|(_, listed)| listed).collect(), skipped }
}

fn plan_names(
    mut plan: Plan,
    saved: &[crate::store::ConnectionRecord],
    only: Option<&[String]>,
    on_conflict: OnConflict,
    duplicates: Duplicates,
) -> (Vec<(Candidate, Listed)>, Vec<Skipped>) {
    plan.mark_duplicates(saved);
    let mut taken: Vec<String> = saved.iter().map(|r| r.name.to_lowercase()).collect();
    let mut skipped = plan.skipped;
    let mut planned = Vec::new();
    for mut c in plan.candidates {
        if only.is_some_and(|o| !o.iter().any(|s| *s == c.source)) {
            continue;
        }
        if let (Some(name), Duplicates::Skip) = (&c.duplicate_of, duplicates) {
            skipped.push(Skipped { source: c.source, reason: format!("already saved as \"{name}\" (the same server, database and user)") });
            continue;
        }
        let base = c.new.name.trim().to_owned();
        if taken.contains(&base.to_lowercase()) {
            match on_conflict {
                OnConflict::Skip => {
                    skipped.push(Skipped { source: c.source, reason: format!("a connection named \"{base}\" exists (--on-conflict skip)") });
                    continue;
                }
                OnConflict::Rename => c.new.name = free_name(&base, &taken),
            }
        }
        taken.push(c.new.name.to_lowercase());
        let mut listed = c.listed();
        listed.name = base;
        listed.saved_as = Some(c.new.name.clone());
        planned.push((c, listed));
    }
    (planned, skipped)
}

/// Saves the plan's candidates (those whose `source` is in `only`, when
/// given), named as [`preview`] says. Each is added on its own: one that
/// fails is reported as skipped and the others are still saved.
pub fn apply(store: &Store, plan: Plan, only: Option<&[String]>, on_conflict: OnConflict, duplicates: Duplicates, mode: SaveMode) -> Result<Outcome, StoreError> {
    let saved = store.list()?;
    let (planned, skipped) = plan_names(plan, &saved, only, on_conflict, duplicates);
    let mut out = Outcome { connections: Vec::new(), skipped };
    for (c, mut listed) in planned {
        match store.add(c.new, c.secrets, mode) {
            Ok(record) => {
                listed.saved_as = Some(record.name);
                out.connections.push(listed);
            }
            Err(e @ StoreError::KeyringUnavailable { .. }) => return Err(e),
            Err(e) => out.skipped.push(Skipped { source: c.source, reason: e.to_string() }),
        }
    }
    Ok(out)
}

/// "Name (2)", "Name (3)", … : the first that is free (names are unique
/// case-insensitively, at most 64 characters).
fn free_name(base: &str, taken: &[String]) -> String {
    (2..)
        .map(|n| {
            let suffix = format!(" ({n})");
            let room = 64usize.saturating_sub(suffix.chars().count());
            format!("{}{suffix}", fit(base, room))
        })
        .find(|c| !taken.contains(&c.to_lowercase()))
        .unwrap_or_else(|| base.to_owned())
}

/// `name` in at most `room` characters: cut after a separator (`.`, `/`,
/// `@`, `:`, a space) near the end rather than mid-word, with an ellipsis.
pub(crate) fn fit(name: &str, room: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= room {
        return name.to_owned();
    }
    let keep = room.saturating_sub(1);
    let cut = (keep.saturating_sub(16)..keep).rev().find(|&i| matches!(chars[i], '.' | '/' | '@' | ':' | ' ')).map_or(keep, |i| i + 1);
    let head: String = chars[..cut].iter().collect();
    format!("{}…", head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_at_a_separator() {
        let name = "neondb_owner@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb";
        let cut = fit(name, 60);
        assert!(cut.chars().count() <= 60 && cut.ends_with('…') && cut.contains("aws.neon.") && !cut.contains("neon.tech/ne"), "{cut}");
        assert_eq!(fit("short", 60), "short");
    }

    #[test]
    fn free_names() {
        let taken = vec!["prod".to_owned(), "prod (2)".to_owned()];
        assert_eq!(free_name("Prod", &taken), "Prod (3)");
        assert_eq!(free_name(&"x".repeat(64), &[]).chars().count(), 64);
    }
}
