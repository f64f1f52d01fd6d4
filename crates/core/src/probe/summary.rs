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
    }
}
