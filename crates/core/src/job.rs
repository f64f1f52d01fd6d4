//! What a connection is for in a data-sync job, and the job's options,
//! defined once: the store keeps them, the analysis and the verdict read
//! them, the CLI's flags and the form's choices are generated from
//! [`Job::ALL`] and [`OPTIONS`], and the IPC carries [`JobOptions`] as it is.
//!
//! A new option is a field of [`JobOptions`], a row of [`OPTIONS`], and its
//! rule in the verdict; nothing else is written by hand.
//!
//! # The statements a destination job sends
//!
//! The verdict predicts exactly these (and `tests/destination_oracle.rs`
//! runs them as the role, in `BEGIN … ROLLBACK`, against every verdict):
//! - the tables written are those in scope, but a partition whose parent is
//!   in scope is written through the parent (Postgres checks the parent's
//!   privileges and policies only); views and materialized views are not
//!   written;
//! - with `truncate`: one `TRUNCATE t1, t2, …` of every written table
//!   (`… CASCADE` with `truncate_cascade`) before any insert;
//! - per table, an `INSERT INTO t (every column but the generated ones)
//!   VALUES …` with the source's values (`OVERRIDING SYSTEM VALUE` for an
//!   identity column `GENERATED ALWAYS`), so no default is evaluated:
//!   neither a serial's `nextval()` nor a function in a default needs a
//!   privilege; CHECK constraints and generated columns are evaluated;
//! - `on_conflict`: `fail` is that plain INSERT; `nothing` adds `ON CONFLICT
//!   DO NOTHING` (no conflict target: a duplicate on any unique constraint
//!   is skipped, no SELECT needed, but a DEFERRABLE constraint makes
//!   Postgres refuse it); `update` adds `ON CONFLICT (key) DO UPDATE SET c
//!   = EXCLUDED.c, …` for every written column outside the key, where the
//!   key is the primary key, else the first unique index without predicate
//!   or expression, never a DEFERRABLE one. It needs UPDATE, and SELECT on
//!   the key and on every column read through EXCLUDED (so every written
//!   column); with row level security, INSERT, UPDATE and SELECT policies
//!   that admit the role.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A connection is read from (a source) or written to (a destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    #[default]
    Source,
    Destination,
}

impl Job {
    pub const ALL: [Job; 2] = [Job::Source, Job::Destination];

    pub fn as_str(self) -> &'static str {
        match self {
            Job::Source => "source",
            Job::Destination => "destination",
        }
    }

    /// What the form and the CLI's help call it.
    pub fn label(self) -> &'static str {
        match self {
            Job::Source => "Source (the job reads from it)",
            Job::Destination => "Destination (the job writes to it)",
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Job {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Job::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .ok_or_else(|| format!("unknown job \"{s}\" (expected source or destination)"))
    }
}

/// What a destination job does when a row's key is already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// A plain INSERT: a duplicate key fails the job.
    #[default]
    Fail,
    /// `INSERT … ON CONFLICT DO NOTHING`: the row already there stays.
    Nothing,
    /// `INSERT … ON CONFLICT (key) DO UPDATE SET …`: an upsert.
    Update,
}

/// Everything a job does that changes what it needs, for both jobs (each
/// option says which job it is for; the other job ignores it). Serialized
/// flat, snake_case, every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobOptions {
    /// Destination: the job truncates the tables it writes before loading.
    pub truncate: bool,
    /// Destination: … with CASCADE (tables that reference them by foreign key are truncated too).
    pub truncate_cascade: bool,
    /// Destination: the job creates missing tables.
    pub init_tables: bool,
    /// Destination: what an INSERT does with a key already there.
    pub on_conflict: OnConflict,
    /// Source: the job reads changes by logical replication (change data capture).
    pub cdc: bool,
    /// Source, CDC: the publication the job subscribes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication: Option<String>,
    /// Source, CDC: the replication slot the job reads from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
}

/// How an option is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OptionKind {
    /// On or off.
    Flag,
    /// One of these values (the first is the default), with a label each.
    Choice { values: &'static [(&'static str, &'static str)] },
    /// A Postgres name (a publication, a slot), or none.
    Name,
}

/// One job option, as the form and the CLI show it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct OptionDef {
    /// The field of [`JobOptions`] (and, with dashes, the CLI flag).
    pub name: &'static str,
    pub job: Job,
    #[serde(flatten)]
    pub kind: OptionKind,
    pub label: &'static str,
    pub help: &'static str,
    /// Shown only when this flag option is on (`publication` needs `cdc`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<&'static str>,
}

/// Every job option, in the order the form shows them.
pub const OPTIONS: &[OptionDef] = &[
    OptionDef {
        name: "on_conflict",
        job: Job::Destination,
        kind: OptionKind::Choice {
            values: &[
                ("fail", "Plain INSERT (a duplicate key fails)"),
                ("nothing", "ON CONFLICT DO NOTHING (keep the row there)"),
                ("update", "ON CONFLICT DO UPDATE (upsert)"),
            ],
        },
        label: "On a duplicate key",
        help: "What the job's INSERT does with a key already there: fail (a plain INSERT), nothing (ON CONFLICT DO NOTHING; refused on a table with a DEFERRABLE constraint), or update (ON CONFLICT (key) DO UPDATE, which needs a primary key or unique constraint, UPDATE, and SELECT on every column it writes: it reads them through EXCLUDED)",
        requires: None,
    },
    OptionDef {
        name: "truncate",
        job: Job::Destination,
        kind: OptionKind::Flag,
        label: "Truncate tables before loading",
        help: "The job truncates the tables it writes before loading (TRUNCATE required; fails on a table other tables reference, unless with CASCADE)",
        requires: None,
    },
    OptionDef {
        name: "truncate_cascade",
        job: Job::Destination,
        kind: OptionKind::Flag,
        label: "… with CASCADE",
        help: "The truncate cascades to the tables that reference the written ones by foreign key (TRUNCATE on those too)",
        requires: Some("truncate"),
    },
    OptionDef {
        name: "init_tables",
        job: Job::Destination,
        kind: OptionKind::Flag,
        label: "Create missing tables",
        help: "The job creates the tables that are missing (CREATE on the schema required)",
        requires: None,
    },
    OptionDef {
        name: "cdc",
        job: Job::Source,
        kind: OptionKind::Flag,
        label: "Read by change data capture (logical replication)",
        help: "The job reads changes by logical replication: checks wal_level, the REPLICATION attribute, free slots and senders, the publication, replica identities and the slot, then opens a replication connection",
        requires: None,
    },
    OptionDef {
        name: "publication",
        job: Job::Source,
        kind: OptionKind::Name,
        label: "Publication",
        help: "The publication the job subscribes to (checked: it exists and publishes every table in scope)",
        requires: Some("cdc"),
    },
    OptionDef {
        name: "slot",
        job: Job::Source,
        kind: OptionKind::Name,
        label: "Replication slot",
        help: "The logical replication slot the job reads from, if it exists already (checked: in this database, pgoutput, not in use, not invalidated)",
        requires: Some("cdc"),
    },
];

/// What [`JobOptions::set`] refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OptionError(pub String);

impl JobOptions {
    /// Sets option `name` from text (a flag takes true/false/on/off/1/0; a
    /// choice one of its values; a name any text, empty for none).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), OptionError> {
        let def = OPTIONS.iter().find(|o| o.name == name).ok_or_else(|| OptionError(format!("unknown job option \"{name}\"")))?;
        let json = match def.kind {
            OptionKind::Flag => serde_json::Value::Bool(parse_flag(value).ok_or_else(|| OptionError(format!("{name}: \"{value}\" is not true or false")))?),
            OptionKind::Choice { values } => {
                if !values.iter().any(|(v, _)| *v == value) {
                    let all: Vec<&str> = values.iter().map(|(v, _)| *v).collect();
                    return Err(OptionError(format!("{name}: \"{value}\" is not one of {}", all.join(", "))));
                }
                serde_json::Value::String(value.to_owned())
            }
            OptionKind::Name if value.trim().is_empty() => serde_json::Value::Null,
            OptionKind::Name => serde_json::Value::String(value.trim().to_owned()),
        };
        let mut map = match serde_json::to_value(&*self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        map.insert(name.to_owned(), json);
        *self = serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| OptionError(e.to_string()))?;
        Ok(())
    }

    /// The options that apply to `job`: the others at their defaults.
    pub fn for_job(&self, job: Job) -> JobOptions {
        let mut out = JobOptions::default();
        let (mine, defaults) = match (serde_json::to_value(self), serde_json::to_value(&out)) {
            (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) => (a, b),
            _ => return out,
        };
        let mut map = defaults;
        for def in OPTIONS.iter().filter(|o| o.job == job) {
            if let Some(v) = mine.get(def.name) {
                map.insert(def.name.to_owned(), v.clone());
            }
        }
        if let Ok(o) = serde_json::from_value(serde_json::Value::Object(map)) {
            out = o;
        }
        out
    }
}

fn parse_flag(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "1" | "yes" => Some(true),
        "false" | "off" | "0" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        for j in Job::ALL {
            assert_eq!(j.as_str().parse::<Job>(), Ok(j));
            assert_eq!(serde_json::to_value(j).unwrap(), j.as_str());
        }
        assert!("sink".parse::<Job>().is_err());
        assert_eq!(serde_json::from_str::<JobOptions>("{}").unwrap(), JobOptions::default());
    }

    #[test]
    fn every_option_is_a_field_and_every_field_an_option() {
        let fields = match serde_json::to_value(JobOptions { publication: Some("p".into()), slot: Some("s".into()), ..JobOptions::default() }).unwrap() {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        let names: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
        let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        keys.sort();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for o in OPTIONS {
            if let Some(r) = o.requires {
                assert!(names.contains(&r) && OPTIONS.iter().any(|x| x.name == r && x.kind == OptionKind::Flag && x.job == o.job), "{}", o.name);
            }
            if let OptionKind::Choice { values } = o.kind {
                // The first value is the default.
                let default = serde_json::to_value(JobOptions::default()).unwrap()[o.name].clone();
                assert_eq!(default, values[0].0, "{}", o.name);
            }
        }
    }

    #[test]
    fn set_from_text() {
        let mut o = JobOptions::default();
        o.set("truncate", "on").unwrap();
        o.set("on_conflict", "update").unwrap();
        o.set("publication", " pub1 ").unwrap();
        assert!(o.truncate && o.on_conflict == OnConflict::Update && o.publication.as_deref() == Some("pub1"));
        o.set("publication", "").unwrap();
        assert_eq!(o.publication, None);
        assert!(o.set("on_conflict", "merge").unwrap_err().0.contains("fail, nothing, update"));
        assert!(o.set("truncate", "maybe").is_err());
        assert!(o.set("nope", "1").is_err());
        let d = JobOptions { truncate: true, cdc: true, ..JobOptions::default() };
        assert_eq!(d.for_job(Job::Destination), JobOptions { truncate: true, ..JobOptions::default() });
        assert_eq!(d.for_job(Job::Source), JobOptions { cdc: true, ..JobOptions::default() });
    }
}
