//! What a connection is for in a data-sync job, defined once for the store,
//! the analysis, the IPC and the CLI.

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

/// What a destination job does beyond writing rows, each needing more
/// privileges; ignored for sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DestinationOptions {
    /// The job truncates tables before writing (TRUNCATE required).
    pub truncate: bool,
    /// The job creates missing tables (CREATE on the schema required).
    pub init_tables: bool,
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
        assert_eq!(serde_json::from_str::<DestinationOptions>("{}").unwrap(), DestinationOptions::default());
    }
}
