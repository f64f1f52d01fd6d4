//! Test Connection: connect and ping, each stage timed, every failure
//! explained, on one deadline, cancellable, and read-only.
//!
//! Stages: resolve (DNS) → connect (TCP or Unix socket) → tls → auth →
//! session (server facts) → access (optional privilege analysis). Through
//! an SSH tunnel, each hop's ssh_connect → ssh_auth → ssh_channel come
//! first, and the last hop's channel to the database replaces resolve and
//! connect (the bastion resolves the name, as `ssh -W` does).
//!
//! We own DNS, the socket and TLS (rustls, with libpq's exact `sslmode`
//! rules: see `tls.rs`), and let tokio-postgres run startup and SCRAM on our
//! stream (`connect_raw`). That gives real per-stage timings on the one
//! connection, and the session stage is one simple-protocol batch, so the
//! whole test costs the same round trips as `psql -c 'select 1'`.
//!
//! - `request.rs`: what to test and the deadline rule.
//! - `report.rs`: the result (the JSON contract) and progress events.
//! - `target.rs`: host/hostaddr/port lists and DNS.
//! - `socket.rs`: TCP or Unix socket.
//! - `wire.rs`: records the server's first byte (tells 'S'/'N'/not Postgres).
//! - `limits.rs`: what a server may send (message size, counts) before the read ends.
//! - `auth_guard.rs`: `require_auth`, judged on the wire before tokio-postgres answers.
//! - `tls.rs`: the sslmode matrix, verifiers, channel binding.
//! - `session.rs`: the one read-only batch and pooler detection.
//! - `classify.rs`: failure → code, message, hint.
//! - `tracker.rs`: stage clock and live progress; `cancel.rs`: the cancel switch.

mod auth_guard;
mod cancel;
mod classify;
mod hosts;
mod limits;
pub mod password_command;
mod client_key;
mod report;
mod request;
mod session;
mod socket;
mod target;
mod tls;
mod tracker;
mod wire;

pub use cancel::Cancel;
pub use hosts::{Attempt, AttemptOutcome};
pub use report::{
    CompactReport, ErrorCode, HostKeyPrompt, PoolerInfo, ProbeError, Report, ServerInfo, Stage, Step, StepEvent, StepStatus, TlsInfo,
};
pub use request::{AnalysisRequest, ProbeRequest, Provenance, SshRequest, DEFAULT_DEADLINE};
pub use tracker::ProgressFn;

use crate::access;
use crate::conninfo::SslMode;
use classify::{classify, Context, Failure};
use futures_util::StreamExt;
use socket::Socket;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use target::{Endpoint, HostSpec};
use tokio_postgres::config::{ChannelBinding, SslMode as PgSsl};
use tokio_postgres::SimpleQueryMessage;
use tracker::Tracker;
use wire::{lock, Recorded, SharedFacts, WireFacts};

/// Runs a test and never fails: every outcome, including a deadline or a
/// cancel, is a [`Report`]. `progress` is called at each stage transition.
pub async fn run(req: &ProbeRequest, cancel: &Cancel, progress: ProgressFn<'_>) -> Report {
    let started = Instant::now();
    let tracker = Tracker::new(progress);
    let deadline = req.deadline();
    let mut out = Outcome::new(req);
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
        Err(Interrupt::Deadline) if out.running_command => Some(classify(
            Failure::PasswordCommand {
                message: format!("the password command did not finish within {} s", deadline.as_secs_f64()),
                stderr: out.command_stderr.text(),
            },
            Stage::Auth,
            &out.context(),
        )),
        Err(other) => {
            let failure = match other {
                Interrupt::Cancelled => Failure::Cancelled,
                _ => Failure::Timeout(deadline),
            };
            Some(classify(failure, tracker.current_stage(), &out.context()))
        }
    };
    let steps = tracker.into_steps(req.analysis.is_some(), req.ssh.is_some());
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
            };
            out.verdict = Some(access::refused(&out.user, &out.dbname, a.job, problem, &fix.statement));
        }
    }
    // libpq says so too: a refused password that came from the password file.
    let mut error = error;
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
        provenance: Provenance {
            password_source,
            passfile,
            ..req.provenance.clone()
        },
    }
}

fn password_source_text(s: crate::conninfo::PasswordSource) -> &'static str {
    use crate::conninfo::PasswordSource as P;
    match s {
        P::Keyring => "the keyring",
        P::Url => "the connection string",
        P::Pgpass => "the password file",
        P::Env => "PGPASSWORD",
        P::Prompt => "the form",
        P::Command => "the password command",
        P::None => "nowhere",
    }
}

enum Interrupt {
    Cancelled,
    Deadline,
    Failed(Box<ProbeError>),
}

/// What the attempt learnt so far; it survives a deadline or cancel.
struct Outcome {
    connected: bool,
    /// The password the password command printed.
    command_password: Option<crate::secret::Secret>,
    /// The password command is running (a deadline then is its failure).
    running_command: bool,
    /// What the password command wrote to stderr, kept past a deadline.
    command_stderr: password_command::StderrSink,
    attempts: Vec<Attempt>,
    server: Option<ServerInfo>,
    access: Option<access::Access>,
    verdict: Option<access::Verdict>,
    host: String,
    port: u16,
    /// The place in the host list of the host being tried.
    host_index: usize,
    user: String,
    dbname: String,
    sslmode: SslMode,
    options: Option<String>,
}

impl Outcome {
    /// The password to send: the password command's, else the one given,
    /// else the password file's for the host being tried.
    fn password<'r>(&'r self, req: &'r ProbeRequest) -> Option<&'r crate::secret::Secret> {
        self.command_password.as_ref().or(req.info.password()).or_else(|| self.host_password(req).map(|(p, _)| p))
    }

    /// The password file's line for the host being tried, in a host list.
    fn host_password<'r>(&self, req: &'r ProbeRequest) -> Option<&'r (crate::secret::Secret, String)> {
        req.host_passwords.get(self.host_index).and_then(Option::as_ref)
    }

    /// Where the password sent came from: the password command's, else the request's.
    fn password_source(&self, req: &ProbeRequest) -> crate::conninfo::PasswordSource {
        use crate::conninfo::PasswordSource as P;
        if self.command_password.is_some() {
            P::Command
        } else if req.info.password().is_none() && !req.host_passwords.is_empty() {
            if self.host_password(req).is_some() { P::Pgpass } else { P::None }
        } else {
            req.provenance.password_source
        }
    }

    /// The password file line of the password sent (`FILE:LINE`).
    fn passfile(&self, req: &ProbeRequest) -> Option<String> {
        if req.info.password().is_none() && !req.host_passwords.is_empty() {
            self.host_password(req).map(|(_, line)| line.clone())
        } else {
            req.provenance.passfile.clone()
        }
    }

    fn new(req: &ProbeRequest) -> Self {
        let user = req.info.get("user").filter(|u| !u.is_empty()).map_or_else(default_user, str::to_owned);
        let dbname = req.info.get("dbname").filter(|d| !d.is_empty()).map_or_else(|| user.clone(), str::to_owned);
        let host = req.info.get("host").unwrap_or_default().to_owned();
        Outcome {
            connected: false,
            command_password: None,
            running_command: false,
            command_stderr: password_command::StderrSink::default(),
            attempts: Vec::new(),
            server: None,
            access: None,
            verdict: None,
            host,
            port: target::DEFAULT_PORT,
            host_index: 0,
            user,
            dbname,
            sslmode: req.info.effective_sslmode(),
            options: req.info.get("options").map(str::to_owned),
        }
    }

    fn context(&self) -> Context<'_> {
        Context {
            options: self.options.as_deref(),
            host: &self.host,
            port: self.port,
            user: &self.user,
            dbname: &self.dbname,
            sslmode: self.sslmode,
            used_tls: false,
            first_byte: None,
            sent_ssl_request: false,
            tls_offered: None,
        }
    }
}

/// libpq's default user: the operating-system user (the effective uid's
/// name), never `$USER`. Callers usually resolved it already.
fn default_user() -> String {
    crate::conninfo::environment::os_user().unwrap_or_default()
}

async fn attempt(req: &ProbeRequest, tracker: &Tracker<'_>, out: &mut Outcome) -> Result<(), ProbeError> {
    // Settings libpq refuses before connecting, refused before anything runs
    // (the password command included).
    if let Some(issue) = crate::conninfo::validate_negotiation(&req.info) {
        return Err(classify(Failure::Settings(issue.message), Stage::Tls, &out.context()));
    }
    if let Err(m) = crate::conninfo::RequireAuth::parse(req.info.get("require_auth").unwrap_or("")) {
        return Err(classify(Failure::Settings(m), Stage::Auth, &out.context()));
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
        return Err(classify(Failure::Settings(message), Stage::Auth, &out.context()));
    }
    // The password command, when there is no password: inside the deadline.
    let no_password = req.info.password().is_none_or(|p| p.is_empty()) && req.host_passwords.iter().all(Option::is_none);
    if let Some(cmd) = req.password_command.as_ref().filter(|_| no_password) {
        // A command that gives no password fails the Authenticate step, timed.
        let started = Instant::now();
        let auth_failed = |failure: Failure, out: &Outcome| {
            tracker.start_at(Stage::Auth, started);
            tracker.finish(StepStatus::Failed, Some("password command".into()));
            classify(failure, Stage::Auth, &out.context())
        };
        if !cmd.confirmed {
            return Err(auth_failed(Failure::Settings("the password command came from an import and has not been confirmed yet: check it, then confirm it (in the form, or with connections edit --confirm-password-command)".into()), out));
        }
        out.running_command = true;
        let result = password_command::run_into(&cmd.argv, &out.command_stderr).await;
        out.running_command = false;
        match result {
            Ok(p) => out.command_password = Some(p),
            Err(f) => return Err(auth_failed(Failure::PasswordCommand { message: f.message, stderr: f.stderr }, out)),
        }
    }
    let specs = target::host_specs(&req.info).map_err(|m| classify(Failure::Settings(m), Stage::Resolve, &out.context()))?;
    if let Some(first) = specs.first() {
        out.host = first.display();
        out.port = first.port;
        out.host_index = first.index;
    }
    if let Some(ssh) = &req.ssh {
        return attempt_tunneled(req, ssh, &specs, tracker, out).await;
    }

    // Resolve: only names need DNS; IP literals, hostaddr and sockets skip it.
    let needs_dns = specs.iter().any(HostSpec::needs_dns);
    if needs_dns {
        tracker.start(Stage::Resolve);
    } else {
        let why = if specs.iter().all(HostSpec::is_socket) { "Unix socket" } else { "IP address: no DNS needed" };
        tracker.skip(Stage::Resolve, Some(why.into()));
    }
    // Every host keeps its place: one whose name does not resolve is an
    // attempt too (no address), listed where libpq would have tried it.
    let mut targets: Vec<(&HostSpec, Result<Vec<Endpoint>, Attempt>)> = Vec::new();
    let mut dns_error = None;
    for spec in &specs {
        let started = Instant::now();
        match target::resolve(spec).await {
            Ok(endpoints) => targets.push((spec, Ok(endpoints))),
            Err(e) => {
                let host = spec.display();
                let failed = classify(
                    Failure::Dns(std::io::Error::new(e.kind(), e.to_string())),
                    Stage::Resolve,
                    &Context { host: &host, port: spec.port, ..out.context() },
                );
                targets.push((spec, Err(attempt_record(spec, None, hosts::AttemptOutcome::Failed, Some(&failed), started))));
                if dns_error.is_none() {
                    out.host = host;
                    out.port = spec.port;
                }
                dns_error = Some(e);
            }
        }
    }
    if needs_dns {
        if targets.iter().all(|(_, t)| t.is_err()) {
            out.attempts.extend(targets.into_iter().filter_map(|(_, t)| t.err()));
            tracker.finish(StepStatus::Failed, None);
            let e = dns_error.unwrap_or_else(|| std::io::Error::other("no host to resolve"));
            return Err(classify(Failure::Dns(e), Stage::Resolve, &out.context()));
        }
        let detail = targets
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
            .join("; ");
        tracker.finish(StepStatus::Ok, Some(detail));
    }

    // Connect: hosts and their addresses as libpq 17/18 tries them (see
    // hosts.rs): what moves on to the next address or host, and what ends
    // the test, are libpq's.
    let settings = |m: String, out: &Outcome| classify(Failure::Settings(m), Stage::Connect, &out.context());
    let want = hosts::TargetType::parse(req.info.get("target_session_attrs")).map_err(|m| settings(m, out))?;
    let random = hosts::load_balance(req.info.get("load_balance_hosts")).map_err(|m| settings(m, out))?;
    if random {
        hosts::shuffle(&mut targets);
    }
    // libpq's connect_timeout is per address: a silent host does not use up the others' time.
    let per_address = req.info.get("connect_timeout").and_then(|t| t.trim().parse::<u64>().ok()).filter(|t| *t > 0).map(std::time::Duration::from_secs);
    let passes = if want == hosts::TargetType::PreferStandby { 2 } else { 1 };
    let mut last_error: Option<ProbeError> = None;
    let mut passed_over: Vec<String> = Vec::new();
    for pass in 0..passes {
        let want = if pass == 1 { hosts::TargetType::Any } else { want };
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
            for endpoint in &endpoints {
                out.host = spec.display();
                out.port = spec.port;
                out.host_index = spec.index;
                tracker.discard_attempt();
                tracker.start(Stage::Connect);
                let started = Instant::now();
                let opened = match per_address {
                    Some(t) => tokio::time::timeout(t, socket::open(endpoint))
                        .await
                        .unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect_timeout expired"))),
                    None => socket::open(endpoint).await,
                };
                let socket = match opened {
                    Ok(socket) => socket,
                    Err(error) => {
                        tracker.finish(StepStatus::Failed, Some(endpoint.describe()));
                        let e = classify(Failure::Connect { addr: endpoint.describe(), error }, Stage::Connect, &out.context());
                        out.attempts.push(attempt_record(spec, Some(endpoint), hosts::AttemptOutcome::Failed, Some(&e), started));
                        last_error = Some(e);
                        continue; // the next address
                    }
                };
                tracker.finish(StepStatus::Ok, Some(endpoint.describe()));
                match converse(socket, spec, &Route::Direct(endpoint), req, tracker, out, want).await {
                    Ok(()) => {
                        out.attempts.push(attempt_record(spec, Some(endpoint), hosts::AttemptOutcome::Connected, None, started));
                        return Ok(());
                    }
                    Err(Next::WrongType(reason)) => {
                        let hint = hosts::passed_over_hint(want, &reason);
                        let mut a = attempt_record(spec, Some(endpoint), hosts::AttemptOutcome::WrongSessionType, None, started);
                        a.code = Some(ErrorCode::WrongSessionType);
                        a.reason = Some(format!("{reason}: {hint}"));
                        out.attempts.push(a);
                        passed_over.push(format!("{}:{} ({reason})", spec.display(), spec.port));
                        out.connected = false;
                        break; // the next host
                    }
                    Err(Next::Host(e)) => {
                        out.attempts.push(attempt_record(spec, Some(endpoint), hosts::AttemptOutcome::Failed, Some(&e), started));
                        last_error = Some(e);
                        break; // the next host
                    }
                    Err(Next::Abort(e)) => {
                        out.attempts.push(attempt_record(spec, Some(endpoint), hosts::AttemptOutcome::Failed, Some(&e), started));
                        return Err(e);
                    }
                }
            }
        }
    }
    if tracker.is_running() {
        tracker.finish(StepStatus::Failed, None);
    }
    // Nothing fitted: say which servers were passed over and why.
    if !passed_over.is_empty() {
        let mut e = classify(Failure::Settings(String::new()), Stage::Auth, &out.context());
        e.code = ErrorCode::WrongSessionType;
        e.message = format!("No server in the list has a session of the kind target_session_attrs={} asks for: {}.", want.as_str(), passed_over.join(", "));
        e.hint = "Check which host is the primary (or a standby) now, or change target_session_attrs. Each host's reason is under attempts.".into();
        e.detail = last_error.map(|l| format!("other hosts: {}", l.message));
        return Err(e);
    }
    Err(last_error.unwrap_or_else(|| classify(Failure::Settings("no address to connect to".into()), Stage::Connect, &out.context())))
}

fn attempt_record(spec: &HostSpec, endpoint: Option<&Endpoint>, outcome: hosts::AttemptOutcome, error: Option<&ProbeError>, started: Instant) -> Attempt {
    Attempt {
        host: spec.display(),
        port: spec.port,
        address: endpoint.map(Endpoint::describe),
        outcome,
        code: error.map(|e| e.code),
        reason: error.map(|e| e.message.clone()),
        ms: report::round_ms(started.elapsed()),
    }
}

/// How a conversation that did not end in success continues.
enum Next {
    /// A server of the wrong session type: the next host.
    WrongType(String),
    /// The next host (a server starting up or in recovery).
    Host(ProbeError),
    /// The end of the test.
    Abort(ProbeError),
}

impl From<ProbeError> for Next {
    fn from(e: ProbeError) -> Next {
        Next::Abort(e)
    }
}

impl Next {
    fn into_error(self, out: &Outcome) -> ProbeError {
        match self {
            Next::Host(e) | Next::Abort(e) => e,
            Next::WrongType(reason) => {
                let mut e = classify(Failure::Settings(String::new()), Stage::Auth, &out.context());
                e.code = ErrorCode::WrongSessionType;
                e.message = format!("The server's session is not of the kind asked for: {reason}.");
                e.hint = "Change target_session_attrs, or connect to another host.".into();
                e
            }
        }
    }
}

/// Through the tunnel: the SSH hops, then the last one's channel to the
/// database (the first host of the list; the bastion resolves it), then the
/// same conversation as a direct connection.
async fn attempt_tunneled(
    req: &ProbeRequest,
    ssh: &request::SshRequest,
    specs: &[HostSpec],
    tracker: &Tracker<'_>,
    out: &mut Outcome,
) -> Result<(), ProbeError> {
    let settings = |m: String| classify(Failure::Ssh(crate::ssh::SshFailure::Settings(m)), Stage::SshConnect, &out.context());
    if ssh.tunnel.unconfirmed {
        tracker.start_hop(Stage::SshConnect, 0, ssh.tunnel.hops.first().map(|h| h.display()).unwrap_or_default());
        tracker.finish(StepStatus::Failed, Some("imported trust not confirmed".into()));
        return Err(settings("the SSH tunnel's pinned host keys or known_hosts file came from an import and have not been confirmed yet: check them, then confirm them (save the connection in the form, or connections edit --confirm-ssh-trust)".into()));
    }
    let hops = crate::ssh::resolve(&ssh.tunnel, &ssh.env).map_err(settings)?;
    let spec = specs.first().ok_or_else(|| settings("the database has no host".into()))?;
    if spec.is_socket() {
        return Err(settings("a Unix socket cannot be reached through an SSH tunnel: give the database's host name or address as the bastion sees it".into()));
    }
    // hostaddr, when given, is where to connect; host stays the TLS name.
    let target = spec.hostaddr.map(|a| a.to_string()).unwrap_or_else(|| spec.display());
    let chain = crate::ssh::open(&hops, &ssh.secrets, ssh.accept_new, tracker)
        .await
        .map_err(|f| classify(Failure::Ssh(f), tracker.current_stage(), &out.context()))?;
    let last = hops.len() - 1;
    let target_label = format!("{}:{}", if target.contains(':') { format!("[{target}]") } else { target.clone() }, spec.port);
    tracker.start_hop(Stage::SshChannel, last, target_label.clone());
    let result = match chain.channel(&target, spec.port).await {
        Ok(stream) => {
            tracker.finish(StepStatus::Ok, Some(format!("to {target_label}, resolved by {}", chain.last().hostname)));
            let route = Route::Tunnel { chain: &chain, host: target.clone(), port: spec.port };
            let want = hosts::TargetType::parse(req.info.get("target_session_attrs"))
                .map_err(|m| classify(Failure::Settings(m), Stage::Connect, &out.context()))?;
            converse(Socket::Ssh(Box::new(stream)), spec, &route, req, tracker, out, want).await.map_err(|n| n.into_error(out))
        }
        Err(f) => {
            tracker.finish(StepStatus::Failed, None);
            Err(classify(Failure::Ssh(f), Stage::SshChannel, &out.context()))
        }
    };
    chain.close().await;
    result
}

/// How the conversation's socket was reached, to open another one (libpq's
/// allow/prefer retries) and to describe it.
pub(crate) enum Route<'a> {
    Direct(&'a Endpoint),
    Tunnel { chain: &'a crate::ssh::Chain, host: String, port: u16 },
}

impl Route<'_> {
    fn is_unix(&self) -> bool {
        matches!(self, Route::Direct(Endpoint::Unix { .. }))
    }

    async fn reopen(&self) -> Option<Socket> {
        match self {
            Route::Direct(endpoint) => socket::open(endpoint).await.ok(),
            Route::Tunnel { chain, host, port } => chain.channel(host, *port).await.ok().map(|s| Socket::Ssh(Box::new(s))),
        }
    }

    async fn offers_tls(&self) -> Option<bool> {
        match self {
            Route::Direct(endpoint) => socket::offers_tls(endpoint).await,
            Route::Tunnel { .. } => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Route::Direct(endpoint) => endpoint.describe(),
            Route::Tunnel { chain, host, port } => format!("{host}:{port} via SSH {}", chain.last().display()),
        }
    }
}

/// The connection after the socket: TLS, auth, then the session batch.
async fn converse(
    socket: Socket,
    spec: &HostSpec,
    route: &Route<'_>,
    req: &ProbeRequest,
    tracker: &Tracker<'_>,
    out: &mut Outcome,
    want: hosts::TargetType,
) -> Result<(), Next> {
    let is_unix = route.is_unix();
    let mode = out.sslmode;
    // libpq ignores sslmode on Unix sockets: the kernel is the transport.
    let effective = if is_unix { SslMode::Disable } else { mode };
    let tls_host = spec.host.clone().filter(|h| !h.is_empty()).unwrap_or_else(|| spec.display());
    let plan = if effective == SslMode::Disable {
        None
    } else {
        match tls::plan(effective, &tls_host, &req.info, &req.inline_tls) {
            Ok(plan) => Some(plan),
            Err(e) => {
                tracker.start(Stage::Tls);
                tracker.finish(StepStatus::Failed, None);
                return Err(classify(Failure::TlsSetup(e), Stage::Tls, &out.context()).into());
            }
        }
    };

    let first = match effective {
        SslMode::Disable | SslMode::Allow => PgSsl::Disable,
        SslMode::Prefer => PgSsl::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSsl::Require,
    };
    if first == PgSsl::Disable {
        let why = match (is_unix, effective) {
            (true, _) => "not used over Unix sockets",
            (_, SslMode::Allow) => "allow: trying without TLS first",
            _ => "sslmode=disable",
        };
        tracker.skip(Stage::Tls, Some(why.into()));
        tracker.start(Stage::Auth);
    } else {
        tracker.start(Stage::Tls);
    }

    let negotiated = Arc::new(Mutex::new(None));
    let mut attempt = handshake(socket, first, plan.as_ref(), req, out, Some(tracker), negotiated.clone()).await;

    // libpq's fallbacks: allow retries with TLS, prefer retries without,
    // when the server's pg_hba refused the first kind of connection.
    if let Err((Failure::Postgres(e), facts)) = &attempt {
        let refused_by_hba = e.as_db_error().is_some_and(|db| db.message().contains("no pg_hba.conf entry"));
        let retry = match effective {
            SslMode::Allow if refused_by_hba => Some(PgSsl::Require),
            SslMode::Prefer if refused_by_hba && facts.tls_done_at.is_some() => Some(PgSsl::Disable),
            _ => None,
        };
        if let Some(kind) = retry {
            // The report describes the connection that stays, not the refused one.
            *negotiated.lock().unwrap_or_else(|p| p.into_inner()) = None;
            if let Some(socket) = route.reopen().await {
                attempt = handshake(socket, kind, plan.as_ref(), req, out, None, negotiated.clone()).await;
            }
        }
    }

    let (client, connection, facts, live_facts) = match attempt {
        Ok(ok) => ok,
        Err((failure, facts)) => {
            let failure = match failure {
                // tokio-postgres says "server does not support TLS" when our
                // Require met 'N'; the recorded byte says it exactly.
                Failure::Postgres(_) if facts.first_byte == Some(b'N') && first == PgSsl::Require && facts.tls_done_at.is_none() => {
                    Failure::TlsNotOffered
                }
                // The handshake itself failed: classify its typed error, not the wrapper.
                Failure::Postgres(_)
                    if (facts.tls_error.is_some() || facts.tls_io_error.is_some()) && facts.tls_done_at.is_none() =>
                {
                    Failure::Handshake { tls: facts.tls_error.clone(), other: facts.tls_io_error.clone() }
                }
                other => other,
            };
            let stage = match failure {
                Failure::Handshake { .. } | Failure::TlsNotOffered => Stage::Tls,
                _ => tracker.current_stage(),
            };
            tracker.finish(StepStatus::Failed, None);
            let used_tls = facts.tls_done_at.is_some();
            let tls_offered = match &failure {
                Failure::Postgres(e) if !used_tls && e.as_db_error().is_some_and(|d| classify::says_no_encryption(d.message())) => {
                    route.offers_tls().await
                }
                _ => None,
            };
            let ctx = Context {
                used_tls,
                first_byte: facts.first_byte,
                sent_ssl_request: first != PgSsl::Disable && !direct_tls(&req.info),
                tls_offered,
                ..out.context()
            };
            let mut e = classify(failure, stage, &ctx);
            if direct_tls(&req.info) && e.stage == Stage::Tls && !used_tls && matches!(e.code, ErrorCode::ConnectionClosed | ErrorCode::TlsFailed) {
                e.hint = "Direct TLS (sslnegotiation=direct) needs PostgreSQL 17 or later, or a proxy that accepts it (ALPN postgresql): an older server reads the TLS greeting as a broken startup packet and hangs up. Use sslnegotiation=postgres.".into();
            }
            // 57P03 (starting up, shutting down, in recovery): libpq tries the next host.
            return Err(if e.sqlstate.as_deref() == Some("57P03") { Next::Host(e) } else { Next::Abort(e) });
        }
    };
    // target_session_attrs, checked after authentication as libpq does.
    let mut connection = std::pin::pin!(connection);
    if want.needs() != hosts::Needs::Nothing {
        let (read_only, hot_standby) = session_type(&client, connection.as_mut(), want.needs()).await;
        if let Some(reason) = want.reject(read_only, hot_standby) {
            tracker.finish(StepStatus::Failed, Some(format!("passed over: {reason}")));
            drop(client);
            let _ = tokio::time::timeout(std::time::Duration::from_millis(200), &mut connection).await;
            return Err(Next::WrongType(reason.to_owned()));
        }
    }
    out.connected = true;
    let how = match out.password_source(req) {
        crate::conninfo::PasswordSource::None => String::new(),
        s => format!(", password from {}", password_source_text(s)),
    };
    tracker.finish(StepStatus::Ok, Some(format!("as {}{how}", out.user)));
    let tls_info = plan.filter(|_| facts.tls_done_at.is_some()).map(|p| p.info).and_then(|mut info| {
        let n = negotiated.lock().unwrap_or_else(|p| p.into_inner()).clone()?;
        info.version = n.version;
        info.negotiation = if n.direct { "direct" } else { "negotiated" };
        info.cipher = n.cipher;
        info.key_exchange = n.key_exchange;
        info.channel_binding_available = n.channel_binding;
        Some(info)
    });

    // The session batch, with the access analysis in the same round trip.
    tracker.start(Stage::Session);
    let client_side = session::ClientSide {
        login_user: out.user.clone(),
        connected_to: route.describe(),
        tcp_port: (!is_unix).then_some(spec.port),
    };
    let access_sql = match &req.analysis {
        Some(a) => Some(access::analysis_sql(&a.scope).map_err(|e| {
            classify(Failure::Settings(e.to_string()), Stage::Access, &out.context())
        })?),
        None => None,
    };
    let batch = session::batch(access_sql.as_deref());
    let result = {
        let work = run_batch(&client, &batch, &client_side, req.analysis.is_some(), tracker, out, tls_info);
        tokio::select! {
            r = work => r,
            r = &mut connection => Err(match r {
                Err(e) => Failure::Postgres(e),
                Ok(()) => Failure::Closed,
            }),
        }
    };
    // Say goodbye properly (Terminate), but never wait long for it.
    drop(client);
    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), &mut connection).await;
    if let Err(failure) = result {
        let stage = tracker.current_stage();
        tracker.finish(StepStatus::Failed, None);
        let failure = match lock(&live_facts).misbehaved.clone() {
            Some(why) => Failure::Misbehaved(why),
            None => failure,
        };
        return Err(classify(failure, stage, &out.context()).into());
    }
    if let (Some(a), Some(access), Some(server)) = (&req.analysis, &out.access, &out.server) {
        out.verdict = Some(access::verdict(access, &access::SessionFacts::from(server), a.job, &a.options));
    }
    Ok(())
}

/// (read_only, in_hot_standby) of the session, as libpq learns them: from
/// the startup ParameterStatus (servers 14+), else with libpq's own
/// queries. `read_only` is `default_transaction_read_only or in_hot_standby`.
async fn session_type(client: &tokio_postgres::Client, mut connection: std::pin::Pin<&mut Conn>, needs: hosts::Needs) -> (Option<bool>, Option<bool>) {
    let flag = |c: &Conn, name: &str| c.parameter(name).map(|v| v == "on");
    let mut default_ro = flag(&connection, "default_transaction_read_only");
    let mut hot = flag(&connection, "in_hot_standby");
    let ask = |sql: &'static str| async move {
        let batch = crate::pinned::read_only_batch(&[sql]);
        let rows = client.simple_query(&batch).await.ok()?;
        rows.iter().find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
    };
    match needs {
        hosts::Needs::ReadOnly if default_ro.is_none() || hot.is_none() => {
            let answer = tokio::select! { a = ask("SHOW transaction_read_only") => a, _ = &mut connection => None };
            let on = answer.map(|v| v.starts_with("on"));
            (default_ro, hot) = (on, on);
        }
        hosts::Needs::HotStandby if hot.is_none() => {
            let answer = tokio::select! { a = ask("SELECT pg_catalog.pg_is_in_recovery()") => a, _ = &mut connection => None };
            hot = answer.map(|v| v.starts_with('t'));
        }
        _ => {}
    }
    let read_only = match (default_ro, hot) {
        (Some(a), Some(b)) => Some(a || b),
        (Some(true), _) | (_, Some(true)) => Some(true),
        _ => None,
    };
    (read_only, hot)
}

/// sslnegotiation=direct (validated to come with sslmode require or stricter).
fn direct_tls(info: &crate::conninfo::ConnInfo) -> bool {
    info.get("sslnegotiation") == Some("direct")
}

type Conn = tokio_postgres::Connection<Recorded<Socket>, tls::RustlsStream<Recorded<Socket>>>;
type HandshakeResult = Result<(tokio_postgres::Client, Conn, WireFacts, SharedFacts), (Failure, WireFacts)>;

/// One startup + auth on `socket`. Stage transitions are reported only on
/// the first attempt (`tracker` is None on libpq-style retries, whose time
/// counts toward the auth stage).
async fn handshake(
    socket: Socket,
    kind: PgSsl,
    plan: Option<&tls::TlsPlan>,
    req: &ProbeRequest,
    out: &Outcome,
    tracker: Option<&Tracker<'_>>,
    negotiated: Arc<Mutex<Option<tls::Negotiated>>>,
) -> HandshakeResult {
    let facts: SharedFacts = Arc::default();
    // require_auth and sslcertmode=require, judged on the wire (auth_guard.rs).
    if let Some(p) = plan {
        p.cert_flags.reset();
    }
    let policy = crate::conninfo::RequireAuth::parse(req.info.get("require_auth").unwrap_or("")).ok().flatten();
    let cert_required = (req.info.get("sslcertmode") == Some("require"))
        .then(|| plan.map(|p| p.cert_flags.clone()).filter(|_| kind != PgSsl::Disable).unwrap_or_default());
    if policy.is_some() || cert_required.is_some() {
        let ssl_request = kind != PgSsl::Disable && !direct_tls(&req.info);
        let no_binding = req.info.get("channel_binding") == Some("disable");
        lock(&facts).auth = Some(auth_guard::AuthGuard::new(policy, cert_required, ssl_request, no_binding));
    }
    let limiter = match (kind, direct_tls(&req.info)) {
        (_, true) => limits::Limiter::off(),
        (PgSsl::Disable, false) => limits::Limiter::messages(),
        _ => limits::Limiter::after_ssl_request(),
    };
    let stream = Recorded::new(socket, facts.clone(), limiter);
    let mut config = tokio_postgres::Config::new();
    config.user(&out.user).dbname(&out.dbname).ssl_mode(kind);
    config.application_name(req.info.get("application_name").unwrap_or("Sluice"));
    if let Some(p) = out.password(req) {
        config.password(p.expose());
    }
    if let Some(o) = req.info.get("options").filter(|o| !o.is_empty()) {
        config.options(o);
    }
    config.channel_binding(match req.info.get("channel_binding") {
        Some("require") => ChannelBinding::Require,
        Some("disable") => ChannelBinding::Disable,
        _ => ChannelBinding::Prefer,
    });
    let fallback_tracker = Tracker::new(&|_| {});
    let connect = tls::RustlsConnect {
        config: plan.map(|p| p.config.clone()),
        server_name: plan.map(|p| p.server_name.clone()),
        facts: facts.clone(),
        tracker: tracker.unwrap_or(&fallback_tracker),
        negotiated,
        direct: direct_tls(&req.info),
    };
    if connect.direct {
        config.ssl_negotiation(tokio_postgres::config::SslNegotiation::Direct);
    }
    let result = config.connect_raw(stream, connect).await;
    let snapshot = lock(&facts).clone();
    // The server answered 'N' to our SSLRequest: TLS was not offered.
    if let (Some(t), Some(b'N'), Some(at), true) = (tracker, snapshot.first_byte, snapshot.first_byte_at, kind != PgSsl::Disable) {
        if snapshot.tls_done_at.is_none() && t.current_stage() == Stage::Tls {
            t.finish_at(StepStatus::Skipped, Some("not offered by the server".into()), at);
            t.start_at(Stage::Auth, at);
        }
    }
    match result {
        Ok((client, connection)) => Ok((client, connection, snapshot, facts)),
        Err(_) if snapshot.misbehaved.is_some() => {
            let why = snapshot.misbehaved.clone().unwrap_or_default();
            Err((Failure::Misbehaved(why), snapshot))
        }
        Err(_) if snapshot.auth.as_ref().is_some_and(|g| g.refused.is_some()) => {
            let libpq = snapshot.auth.as_ref().and_then(|g| g.refused.clone()).unwrap_or_default();
            Err((Failure::AuthRequirement(libpq), snapshot))
        }
        Err(e) => Err((Failure::Postgres(e), snapshot)),
    }
}

async fn run_batch(
    client: &tokio_postgres::Client,
    batch: &str,
    client_side: &session::ClientSide,
    with_access: bool,
    tracker: &Tracker<'_>,
    out: &mut Outcome,
    tls_info: Option<TlsInfo>,
) -> Result<(), Failure> {
    let stream = client.simple_query_raw(batch).await.map_err(Failure::Postgres)?;
    let mut stream = std::pin::pin!(stream);
    let mut completed = 0usize;
    let mut collector = with_access.then(access::Collector::new);
    let mut tls_info = tls_info;
    while let Some(message) = stream.next().await {
        match message.map_err(Failure::Postgres)? {
            SimpleQueryMessage::Row(row) if completed + 1 == session::SESSION_DONE => {
                let mut info = session::parse_row(&row, client_side).map_err(Failure::Internal)?;
                info.tls = tls_info.take();
                out.server = Some(info);
            }
            SimpleQueryMessage::Row(row) => {
                if let Some(c) = collector.as_mut().filter(|_| access::Collector::accepts(&row)) {
                    c.push(&row).map_err(|e| Failure::Internal(e.to_string()))?;
                }
            }
            SimpleQueryMessage::CommandComplete(_) => {
                completed += 1;
                if completed == session::SESSION_DONE {
                    let detail = out.server.as_ref().map(|s| format!("PostgreSQL {}", s.server_version));
                    tracker.finish(StepStatus::Ok, detail);
                    if with_access {
                        tracker.start(Stage::Access);
                    }
                } else if completed == session::ACCESS_DONE {
                    if let Some(c) = collector.take() {
                        let access = c.finish();
                        tracker.finish(StepStatus::Ok, Some(format!("{} relations", access.relations.len())));
                        out.access = Some(access);
                    }
                }
            }
            _ => {}
        }
    }
    if out.server.is_none() {
        return Err(Failure::Internal("the session query returned no row".into()));
    }
    Ok(())
}
