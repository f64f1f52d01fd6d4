//! A direct connection: resolve every host of the list, then try hosts and
//! their addresses as libpq 17/18 does (`hosts.rs`): what moves on to the
//! next address or host, and what ends the test, are libpq's. Each
//! attempt's failure is classified here, once, for its attempt record.

use super::classify::{Failure, Seen, Staged};
use super::converse::{converse, Next, Route};
use super::hosts::{self, AttemptOutcome, TargetType};
use super::report::{round_ms, ErrorCode, ProbeError, Stage, StepStatus};
use super::state::Learnt;
use super::target::{self, Endpoint, HostSpec};
use super::tracker::Tracker;
use super::{socket, Attempt, ProbeRequest};
use std::time::{Duration, Instant};

/// A host with its addresses, or the attempt record of a name that did not resolve.
type Resolved<'a> = (&'a HostSpec, Result<Vec<Endpoint>, Attempt>);

pub(crate) async fn attempt(req: &ProbeRequest, specs: &[HostSpec], tracker: &Tracker<'_>, out: &mut Learnt) -> Result<(), ProbeError> {
    let mut targets = resolve_all(specs, tracker, out).await?;
    let settings = |m: String| Staged::new(Failure::Settings(m), Stage::Connect);
    let want = TargetType::parse(req.info.get("target_session_attrs")).map_err(|m| out.classify(settings(m)))?;
    let random = hosts::load_balance(req.info.get("load_balance_hosts")).map_err(|m| out.classify(settings(m)))?;
    if random {
        hosts::shuffle(&mut targets);
    }
    let mut tried = Tried::default();
    let passes = if want == TargetType::PreferStandby { 2 } else { 1 };
    for pass in 0..passes {
        let want = if pass == 1 { TargetType::Any } else { want };
        for (spec, resolved) in &targets {
            let mut endpoints = match resolved {
                Ok(endpoints) => endpoints.clone(),
                Err(unresolved) => {
                    if pass == 0 {
                        out.attempts.push(unresolved.clone());
                    }
                    continue;
                }
            };
            if random {
                hosts::shuffle(&mut endpoints);
            }
            if try_host(req, spec, &endpoints, want, tracker, out, &mut tried).await? {
                return Ok(());
            }
        }
    }
    if tracker.is_running() {
        tracker.finish(StepStatus::Failed, None);
    }
    Err(tried.into_error(want, out))
}

/// Resolves every host of the list; only names need DNS (IP literals,
/// hostaddr and sockets skip it). A host whose name does not resolve keeps
/// its place as an attempt, where libpq would have tried it.
async fn resolve_all<'a>(specs: &'a [HostSpec], tracker: &Tracker<'_>, out: &mut Learnt) -> Result<Vec<Resolved<'a>>, ProbeError> {
    let needs_dns = specs.iter().any(HostSpec::needs_dns);
    if needs_dns {
        tracker.start(Stage::Resolve);
    } else {
        let why = if specs.iter().all(HostSpec::is_socket) { "Unix socket" } else { "IP address: no DNS needed" };
        tracker.skip(Stage::Resolve, Some(why.into()));
    }
    let mut targets: Vec<Resolved<'a>> = Vec::new();
    let mut dns_error = None;
    for spec in specs {
        let started = Instant::now();
        match target::resolve(spec).await {
            Ok(endpoints) => targets.push((spec, Ok(endpoints))),
            Err(e) => {
                let seen = Seen { host: Some((spec.display(), spec.port)), ..Seen::default() };
                let failed = out.classify(Staged::new(Failure::Dns(std::io::Error::new(e.kind(), e.to_string())), Stage::Resolve).seen(seen));
                targets.push((spec, Err(attempt_record(spec, None, AttemptOutcome::Failed, Some(&failed), started))));
                if dns_error.is_none() {
                    (out.host, out.port) = (spec.display(), spec.port);
                }
                dns_error = Some(e);
            }
        }
    }
    if !needs_dns {
        return Ok(targets);
    }
    if targets.iter().all(|(_, t)| t.is_err()) {
        out.attempts.extend(targets.into_iter().filter_map(|(_, t)| t.err()));
        tracker.finish(StepStatus::Failed, None);
        let e = dns_error.unwrap_or_else(|| std::io::Error::other("no host to resolve"));
        return Err(out.classify(Staged::new(Failure::Dns(e), Stage::Resolve)));
    }
    tracker.finish(StepStatus::Ok, Some(resolved_detail(&targets)));
    Ok(targets)
}

/// "db.example.com → 10.0.0.5, 10.0.0.6; ..." for the names that needed DNS.
fn resolved_detail(targets: &[Resolved<'_>]) -> String {
    targets
        .iter()
        .filter_map(|(spec, t)| t.as_ref().ok().filter(|_| spec.needs_dns()).map(|eps| (spec, eps)))
        .map(|(spec, eps)| {
            let addrs: Vec<String> = eps
                .iter()
                .filter_map(|e| match e {
                    Endpoint::Tcp { addr, .. } => Some(addr.ip().to_string()),
                    Endpoint::Unix { .. } => None,
                })
                .collect();
            format!("{} → {}", spec.display(), addrs.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the hosts tried so far said.
#[derive(Default)]
struct Tried {
    last_error: Option<ProbeError>,
    /// Servers of the wrong session type: `host:port (reason)`.
    passed_over: Vec<String>,
}

impl Tried {
    /// The test's failure when no host fitted.
    fn into_error(self, want: TargetType, out: &Learnt) -> ProbeError {
        if self.passed_over.is_empty() {
            return self.last_error.unwrap_or_else(|| out.classify(Staged::new(Failure::Settings("no address to connect to".into()), Stage::Connect)));
        }
        ProbeError {
            detail: self.last_error.map(|l| format!("other hosts: {}", l.message)),
            ..ProbeError::new(
                ErrorCode::WrongSessionType,
                Stage::Auth,
                format!("No server in the list has a session of the kind target_session_attrs={} asks for: {}.", want.as_str(), self.passed_over.join(", ")),
                "Check which host is the primary (or a standby) now, or change target_session_attrs. Each host's reason is under attempts.",
            )
        }
    }
}

/// Tries one host's addresses in order; Ok(true) when connected, Ok(false)
/// to go on with the next host, Err to end the test.
async fn try_host(
    req: &ProbeRequest,
    spec: &HostSpec,
    endpoints: &[Endpoint],
    want: TargetType,
    tracker: &Tracker<'_>,
    out: &mut Learnt,
    tried: &mut Tried,
) -> Result<bool, ProbeError> {
    // libpq's connect_timeout is per address: a silent host does not use up the others' time.
    // libpq raises a timeout under 2 s to 2.
    let per_address = req.info.get("connect_timeout").and_then(|t| t.trim().parse::<u64>().ok()).filter(|t| *t > 0).map(|t| Duration::from_secs(t.max(2)));
    for endpoint in endpoints {
        (out.host, out.port, out.host_index) = (spec.display(), spec.port, spec.index);
        tracker.discard_attempt();
        tracker.start(Stage::Connect);
        let started = Instant::now();
        let opened = match per_address {
            Some(t) => tokio::time::timeout(t, socket::open(endpoint))
                .await
                .unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect_timeout expired"))),
            None => socket::open(endpoint).await,
        };
        let record = |outcome, error: Option<&ProbeError>| attempt_record(spec, Some(endpoint), outcome, error, started);
        let socket = match opened {
            Ok(socket) => socket,
            Err(error) => {
                tracker.finish(StepStatus::Failed, Some(endpoint.describe()));
                let e = out.classify(Staged::new(Failure::Connect { addr: endpoint.describe(), error }, Stage::Connect));
                out.attempts.push(record(AttemptOutcome::Failed, Some(&e)));
                tried.last_error = Some(e);
                continue; // the next address
            }
        };
        if let Err(m) = socket::check_peer(&socket, req.info.get("requirepeer")) {
            // libpq checks the peer before anything is sent: no password goes to an impostor.
            tracker.finish(StepStatus::Failed, Some(endpoint.describe()));
            let e = out.classify(Staged::new(Failure::Settings(m), Stage::Connect));
            out.attempts.push(record(AttemptOutcome::Failed, Some(&e)));
            return Err(e);
        }
        tracker.finish(StepStatus::Ok, Some(endpoint.describe()));
        match converse(socket, spec, &Route::Direct(endpoint), req, tracker, out, want).await {
            Ok(()) => {
                out.attempts.push(record(AttemptOutcome::Connected, None));
                return Ok(true);
            }
            Err(Next::WrongType(reason)) => {
                let mut a = record(AttemptOutcome::WrongSessionType, None);
                a.code = Some(ErrorCode::WrongSessionType);
                a.reason = Some(format!("{reason}: {}", hosts::passed_over_hint(want, &reason)));
                out.attempts.push(a);
                tried.passed_over.push(format!("{}:{} ({reason})", spec.display(), spec.port));
                out.connected = false;
                return Ok(false); // the next host
            }
            Err(Next::Host(staged)) => {
                let e = out.classify(staged);
                out.attempts.push(record(AttemptOutcome::Failed, Some(&e)));
                tried.last_error = Some(e);
                return Ok(false); // the next host
            }
            Err(Next::Abort(staged)) => {
                let e = out.classify(staged);
                out.attempts.push(record(AttemptOutcome::Failed, Some(&e)));
                return Err(e);
            }
            Err(Next::Failed(e)) => {
                // The host was reached; what failed came after (the replication connection).
                out.attempts.push(record(AttemptOutcome::Connected, None));
                return Err(*e);
            }
        }
    }
    Ok(false)
}

pub(crate) fn attempt_record(spec: &HostSpec, endpoint: Option<&Endpoint>, outcome: AttemptOutcome, error: Option<&ProbeError>, started: Instant) -> Attempt {
    Attempt {
        host: spec.display(),
        port: spec.port,
        address: endpoint.map(Endpoint::describe),
        outcome,
        code: error.map(|e| e.code),
        reason: error.map(|e| e.message.clone()),
        ms: round_ms(started.elapsed()),
    }
}
