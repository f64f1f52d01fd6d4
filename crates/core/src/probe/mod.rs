//! Test Connection: connect and ping, each stage timed, every failure
//! explained, on one deadline, cancellable, and read-only.
//!
//! Stages: resolve (DNS) → connect (TCP or Unix socket) → tls → auth →
//! session (server facts) → access (optional privilege analysis). Through
//! an SSH tunnel, each hop's ssh_connect → ssh_auth → ssh_channel come
//! first, and the last hop's channel to the database replaces resolve and
//! connect (the bastion resolves the name, as `ssh -W` does).
//!
//! We own DNS, the socket and TLS (OpenSSL, as libpq, with libpq's exact
//! `sslmode` rules: see `tls.rs`), and let tokio-postgres run startup and SCRAM on our
//! stream (`connect_raw`). That gives real per-stage timings on the one
//! connection, and the session stage is one simple-protocol batch, so the
//! whole test costs the same round trips as `psql -c 'select 1'`.
//!
//! The walk through a test, stage by stage, one file each:
//!
//! - `mod.rs`: [`run`], the deadline and the cancel, and the boundary where
//!   a failure is classified (`state.rs` holds what was learnt and builds
//!   the classifier's context);
//! - `preflight.rs`: settings libpq refuses before connecting, the password command;
//! - `direct.rs`: resolve, then hosts and addresses as libpq tries them;
//!   `tunneled.rs`: the SSH hops and the channel instead;
//! - `converse.rs`: TLS, startup and auth, libpq's fallbacks, target_session_attrs;
//! - `batch.rs`: the session batch and the analysis rows, the verdict.
//!
//! Beside them:
//!
//! - `request.rs`: what to test and the deadline rule.
//! - `report.rs`: the result (the JSON contract); its vocabulary is `crate::outcome`.
//! - `target.rs`: host/hostaddr/port lists and DNS.
//! - `socket.rs`: TCP or Unix socket.
//! - `wire.rs`: records the server's first byte (tells 'S'/'N'/not Postgres).
//! - `limits.rs`: what a server may send (message size, counts) before the read ends.
//! - `auth_guard.rs`: `require_auth`, judged on the wire before tokio-postgres answers.
//! - `tls.rs`: TLS as libpq does it, on OpenSSL: the sslmode matrix, files, CRLs, channel binding;
//!   `tls_names.rs`: libpq's host name rules.
//! - `session.rs`: the one read-only batch and pooler detection.
//! - `classify.rs`: failure → code, message, hint.
//! - `tracker.rs`: stage clock and live progress; `cancel.rs`: the cancel switch.

mod auth_guard;
mod batch;
mod cancel;
mod classify;
mod client_key;
mod converse;
mod direct;
mod hosts;
mod limits;
pub mod password_command;
mod preflight;
mod report;
mod request;
mod replication;
mod session;
mod socket;
mod startup;
mod state;
mod target;
mod tls;
mod tls_names;
mod tracker;
mod tunneled;
mod wire;

pub use cancel::Cancel;
pub use hosts::{Attempt, AttemptOutcome};
pub use report::{
    CompactReport, ErrorCode, HostKeyPrompt, PoolerInfo, ProbeError, Report, ServerInfo, Stage, Step, StepEvent, StepStatus, TlsInfo,
};
pub use request::{AnalysisRequest, ProbeRequest, Provenance, SshRequest, DEFAULT_DEADLINE};
pub use tracker::ProgressFn;

use crate::access;
use classify::{Failure, Staged};
use state::Learnt;
use std::time::Instant;
use tracker::Tracker;

/// Runs a test and never fails: every outcome, including a deadline or a
/// cancel, is a [`Report`]. `progress` is called at each stage transition.
/// This is the boundary where what failed is classified.
pub async fn run(req: &ProbeRequest, cancel: &Cancel, progress: ProgressFn<'_>) -> Report {
    let started = Instant::now();
    let tracker = Tracker::new(progress);
    let deadline = req.deadline();
    let mut out = Learnt::new(req);
    let result = {
        let work = attempt(req, &tracker, &mut out);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(Interrupt::Cancelled),
            r = tokio::time::timeout(deadline, work) => match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Interrupt::Failed(Box::new(e))),
                Err(_) => Err(Interrupt::Deadline),
            },
        }
    };
    let error = match result {
        Ok(()) => None,
        Err(Interrupt::Failed(e)) => Some(*e),
        Err(Interrupt::Deadline) if out.running_command => Some(out.classify(Staged::new(
            Failure::PasswordCommand {
                message: format!("the password command did not finish within {} s", deadline.as_secs_f64()),
                stderr: out.command_stderr.text(),
            },
            Stage::Auth,
        ))),
        Err(Interrupt::Cancelled) => Some(out.classify(Staged::new(Failure::Cancelled, tracker.current_stage()))),
        Err(Interrupt::Deadline) => Some(out.classify(Staged::new(Failure::Timeout(deadline), tracker.current_stage()))),
    };
    let steps = tracker.into_steps(req.analysis.is_some(), replication::wanted(req), req.ssh.is_some());
    report(req, out, error, steps, started)
}

enum Interrupt {
    Cancelled,
    Deadline,
    Failed(Box<ProbeError>),
}

/// Settings first, then the password command, then the hosts (directly or
/// through the tunnel).
async fn attempt(req: &ProbeRequest, tracker: &Tracker<'_>, out: &mut Learnt) -> Result<(), ProbeError> {
    preflight::check_settings(req).map_err(|s| out.classify(s))?;
    preflight::password_from_command(req, tracker, out).await.map_err(|s| out.classify(s))?;
    let specs = target::host_specs(&req.info).map_err(|m| out.classify(Staged::new(Failure::Settings(m), Stage::Resolve)))?;
    if let Some(first) = specs.first() {
        (out.host, out.port, out.host_index) = (first.display(), first.port, first.index);
    }
    match &req.ssh {
        Some(ssh) => tunneled::attempt(req, ssh, &specs, tracker, out).await,
        None => direct::attempt(req, &specs, tracker, out).await,
    }
}

/// The report of what was learnt.
fn report(req: &ProbeRequest, mut out: Learnt, mut error: Option<ProbeError>, steps: Vec<Step>, started: Instant) -> Report {
    // A refusal one statement fixes becomes the verdict, for the permissions view.
    if let (Some(e), Some(a), None) = (&error, &req.analysis, &out.verdict) {
        if let Some(fix) = &e.fix {
            let problem = access::Problem {
                severity: access::Severity::Error,
                object_type: fix.object_type,
                schema: None,
                name: Some(fix.name.clone()),
                identity_args: None,
                missing: fix.missing.clone(),
                reason: e.message.clone(),
                statement: None,
            };
            out.verdict = Some(access::refused(&out.user, &out.dbname, a.job, problem, &fix.statement));
        }
    }
    // libpq says so too: a refused password that came from the password file.
    let passfile = out.passfile(req);
    if let (Some(e), Some(line)) = (error.as_mut(), &passfile) {
        if e.code == ErrorCode::AuthFailed {
            e.hint = format!("The password came from the password file ({line}): fix or remove that line. {}", e.hint);
        }
    }
    let password_source = out.password_source(req);
    Report {
        connected: out.connected,
        steps,
        server: out.server,
        error,
        total_ms: report::round_ms(started.elapsed()),
        access: out.access,
        verdict: out.verdict,
        attempts: out.attempts,
        provenance: Provenance { password_source, passfile, ..req.provenance.clone() },
    }
}
