//! The one-line outcome of a test that the store keeps for the list view.

use super::Report;
use crate::store::TestSummary;

pub fn summary(report: &Report) -> TestSummary {
    TestSummary {
        at: time::OffsetDateTime::now_utc(),
        connected: report.connected,
        ready: report.verdict.as_ref().map(|v| v.ready),
        code: report.error.as_ref().map(|e| e.code.as_str().to_owned()),
        message: match (&report.error, &report.server) {
            (Some(e), _) => e.message.clone(),
            (None, Some(s)) => format!("Connected as {} to {} (PostgreSQL {})", s.current_user, s.database, s.server_version),
            (None, None) => "Connected".into(),
        },
        total_ms: report.total_ms.round() as u64,
        schemas: report.access.as_ref().map(schema_names).unwrap_or_default(),
    }
}

/// The schemas a test saw, in scope and outside it, once each; at most
/// [`MAX_SCHEMAS`] (the picker is for choosing, not for listing a catalog).
fn schema_names(access: &crate::access::Access) -> Vec<String> {
    let mut names: Vec<String> = access.schemas.iter().map(|s| s.name.clone()).chain(access.other_schemas.iter().cloned()).collect();
    names.sort();
    names.dedup();
    names.truncate(MAX_SCHEMAS);
    names
}

/// How many schema names a saved test summary keeps.
pub const MAX_SCHEMAS: usize = 1000;
