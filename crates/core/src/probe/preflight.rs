//! Before anything is sent: the settings libpq refuses before it connects
//! (refused here before anything runs, the password command included), then
//! the password command when no password is given.

use super::classify::{Failure, Staged};
use super::report::{Stage, StepStatus};
use super::state::Learnt;
use super::tracker::Tracker;
use super::{password_command, ProbeRequest};
use std::time::Instant;

/// Settings libpq would refuse before connecting.
pub(crate) fn check_settings(req: &ProbeRequest) -> Result<(), Staged> {
    let refuse = |m: String, stage| Err(Staged::new(Failure::Settings(m), stage));
    if let Some(issue) = crate::conninfo::validate_negotiation(&req.info) {
        return refuse(issue.message, Stage::Tls);
    }
    if let Err(m) = crate::conninfo::RequireAuth::parse(req.info.get("require_auth").unwrap_or("")) {
        return refuse(m, Stage::Auth);
    }
    if let Some(issue) = crate::conninfo::validate::validate_tls_versions(&req.info) {
        return refuse(issue.message, Stage::Tls);
    }
    if let Some(issue) = crate::conninfo::validate::validate_gss(&req.info) {
        return refuse(issue.message, Stage::Connect);
    }
    if let Some(v) = req.info.get("channel_binding").filter(|v| !["disable", "prefer", "require"].contains(v)) {
        return refuse(format!("invalid channel_binding value: \"{v}\""), Stage::Auth);
    }
    // What Sluice will not do, refused by name rather than ignored.
    if req.info.get("sslkeylogfile").is_some_and(|f| !f.is_empty()) {
        return refuse("sslkeylogfile: Sluice does not write TLS session keys to a file (they would let anyone who reads it decrypt the session)".into(), Stage::Tls);
    }
    if let Some(issue) = crate::conninfo::validate::validate_protocol_versions(&req.info) {
        let message = match issue.severity {
            crate::conninfo::Severity::Error => issue.message.trim_end_matches('.').to_owned(),
            crate::conninfo::Severity::Warning => format!(
                "min_protocol_version={} needs protocol 3.2, and Sluice speaks {} only (libpq 18 speaks 3.2 with a PostgreSQL 18 server; an older server fails libpq's login too)",
                req.info.get("min_protocol_version").unwrap_or_default(),
                crate::conninfo::validate::PROTOCOL_SPOKEN
            ),
        };
        return refuse(message, Stage::Auth);
    }
    Ok(())
}

/// Runs the password command when the request has no password: inside the
/// deadline; a command that gives none fails the Authenticate step, timed.
pub(crate) async fn password_from_command(req: &ProbeRequest, tracker: &Tracker<'_>, out: &mut Learnt) -> Result<(), Staged> {
    let no_password = req.info.password().is_none_or(|p| p.is_empty()) && req.host_passwords.iter().all(Option::is_none);
    let Some(cmd) = req.password_command.as_ref().filter(|_| no_password) else { return Ok(()) };
    let started = Instant::now();
    let auth_failed = |failure: Failure| {
        tracker.start_at(Stage::Auth, started);
        tracker.finish(StepStatus::Failed, Some("password command".into()));
        Staged::new(failure, Stage::Auth)
    };
    if !cmd.confirmed {
        return Err(auth_failed(Failure::Settings("the password command came from an import and has not been confirmed yet: check it, then confirm it (in the form, or with connections edit --confirm-password-command)".into())));
    }
    out.running_command = true;
    let result = password_command::run_into(&cmd.argv, &out.command_stderr).await;
    out.running_command = false;
    match result {
        Ok(p) => {
            out.command_password = Some(p);
            Ok(())
        }
        Err(f) => Err(auth_failed(Failure::PasswordCommand { message: f.message, stderr: f.stderr })),
    }
}
