//! `sluice test`: Test Connection from the command line.
//!
//! Exit codes: 0 connected (and ready, when `--role` is given), 1 connected
//! but not ready, 2 failed. `--json` prints the report (the same JSON the
//! app gets): `connected`, `steps`, `server`, `error`, and with `--role`
//! also `access` and `verdict`.

use crate::term::{self, errln, outln};
use crate::{exit, target, CliError};
use clap::Args;
use sluice_core::access::{Scope, Severity};
use sluice_core::job::Job;
use sluice_core::probe::{self, AnalysisRequest, Cancel, Report, StepStatus};
use std::process::ExitCode;
use std::time::Duration;

/// Which connection, and what job to check it for (shared with `grants`).
#[derive(Args)]
pub struct TargetArgs {
    /// A libpq URL or key=value string (password from the URL or PGPASSWORD).
    #[arg(allow_hyphen_values = true)]
    pub url: Option<String>,
    /// A saved connection (password from the OS keyring).
    #[arg(long)]
    pub name: Option<String>,
    /// The job to check the login's privileges for (`--job`, also `--role`), and its options.
    #[command(flatten)]
    pub job: crate::job_args::JobArgs,
    /// Limit the analysis to these schemas (repeatable).
    #[arg(long = "schema")]
    pub schemas: Vec<String>,
    /// Overall deadline in seconds (default: the connection's connect_timeout, else 10).
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Take the password from this command's first line of output when the
    /// connection has none (e.g. "aws rds generate-db-auth-token --hostname
    /// H --port 5432 --username U --region R"); split by shell-word rules,
    /// run without a shell, inside the deadline.
    #[arg(long, value_name = "CMD")]
    pub password_command: Option<String>,
    #[command(flatten)]
    pub ssh: crate::ssh::SshArgs,
    /// Record an unknown SSH host key in known_hosts and go on (as ssh's
    /// StrictHostKeyChecking=accept-new). A changed key is refused anyway.
    #[arg(long)]
    pub ssh_accept_new: bool,
}

#[derive(Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// With --json: `access` in the compact form the app's window receives
    /// (for the UI's module tests and the benchmark; not a stable format).
    #[arg(long, requires = "json", hide = true)]
    pub compact_access: bool,
}

/// Runs the probe for `args`; errors before any connection attempt are CliErrors.
pub fn run_probe(args: &TargetArgs, job: Option<Job>) -> Result<(Report, target::Target), CliError> {
    let password_command = args.password_command.as_deref().map(crate::password_command).transpose()?;
    let overrides = target::Overrides { ssh: &args.ssh, ssh_accept_new: args.ssh_accept_new, password_command };
    let mut target = target::resolve(args.url.as_deref(), args.name.as_deref(), overrides)?;
    if let Some(t) = args.timeout {
        if !(t.is_finite() && t > 0.0 && t <= 3600.0) {
            return Err(CliError::new("--timeout must be a number of seconds between 0 and 3600"));
        }
        target.request.timeout = Some(Duration::from_secs_f64(t));
    }
    if let Some(job) = job {
        // A saved connection's own options apply unless flags say otherwise.
        let mut options = target.saved.as_ref().map(|(_, r, _)| r.job_options.clone()).unwrap_or_default();
        args.job.apply(&mut options).map_err(|e| CliError::new(format!("--{e}")))?;
        let saved_schemas = target.saved.as_ref().map(|(_, r, _)| r.scope_schemas.clone()).unwrap_or_default();
        target.request.analysis = Some(AnalysisRequest {
            job,
            options: options.for_job(job),
            scope: Scope { schemas: if args.schemas.is_empty() { saved_schemas } else { args.schemas.clone() }, tables: Vec::new() },
        });
    }
    for w in &target.warnings {
        errln!("warning: {w}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))?;
    let cancel = Cancel::new();
    let report = runtime.block_on(async {
        // Ctrl-C cancels cleanly: the report still prints, with code "cancelled".
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.cancel();
            }
        });
        probe::run(&target.request, &cancel, &|_| {}).await
    });
    let mut report = report;
    if let Some((store, record, prepared)) = &target.saved {
        prepared.explain(&mut report);
        if let Err(e) = sluice_core::saved::record(store, record.id, &report) {
            errln!("warning: the test result could not be saved: {e}");
        }
    }
    Ok((report, target))
}

pub fn exit_code(report: &Report) -> u8 {
    match (&report.error, &report.verdict) {
        (Some(_), _) => exit::FAILED,
        (None, Some(v)) if !v.ready => exit::NOT_READY,
        _ if !report.connected => exit::FAILED,
        _ => exit::OK,
    }
}

pub fn run(args: TestArgs) -> Result<ExitCode, CliError> {
    let (report, _) = run_probe(&args.target, args.target.job.job)?;
    let code = exit_code(&report);
    let printed = if args.json && args.compact_access {
        print_json(&sluice_core::probe::CompactReport::from(report))
    } else if args.json {
        print_json(&report)
    } else {
        print_human(&report);
        Ok(())
    };
    printed.map_err(|e| CliError::new(format!("cannot print the report: {e}")))?;
    Ok(exit::code(code))
}

/// Pretty for a terminal, compact and streamed for a pipe: at 100,000
/// tables the report is tens of MB and pretty-printing it cost ~170 ms.
fn print_json(report: &impl serde::Serialize) -> std::io::Result<()> {
    use std::io::{IsTerminal, Write};
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if std::io::stdout().is_terminal() {
        serde_json::to_writer_pretty(&mut out, report)?;
    } else {
        serde_json::to_writer(&mut out, report)?;
    }
    writeln!(out)?;
    out.flush()
}

fn print_human(report: &Report) {
    // Server text on one line each: it cannot draw lines of its own.
    let t = |s: &str| term::one_line(s);
    for step in &report.steps {
        let mark = match step.status {
            StepStatus::Ok => "✓",
            StepStatus::Failed => "✗",
            StepStatus::Skipped => "–",
            StepStatus::Running => "…",
        };
        let detail = t(step.detail.as_deref().unwrap_or(""));
        let place = match (step.hop, &step.host) {
            (Some(hop), Some(host)) => format!("[{}] {host}  ", hop + 1),
            _ => String::new(),
        };
        outln!("{mark} {:<11} {:>9.2} ms  {place}{detail}", step.stage.as_str(), step.ms);
    }
    if let Some(s) = &report.server {
        let tls = s.tls.as_ref().map(|t| format!(", {}", t.version)).unwrap_or_else(|| ", no TLS".into());
        outln!(
            "\nConnected to {} on {} as {}: PostgreSQL {}{tls}, {:.0} ms",
            t(&s.database), t(&s.connected_to), t(&s.current_user), t(&s.server_version), report.total_ms
        );
        if s.in_recovery {
            outln!("note: the server is a read-only replica (in recovery)");
        }
        if let Some(ev) = &s.pooler.evidence {
            outln!("note: {}", t(ev));
        }
    }
    if let Some(e) = &report.error {
        outln!("\nerror[{}] at {}: {}", e.code.as_str(), e.stage.as_str(), t(&e.message));
        outln!("hint: {}", t(&e.hint));
        if let Some(d) = &e.detail {
            outln!("detail: {}", t(d));
        }
    }
    if let Some(r) = report.access.as_ref().and_then(|a| a.replication.as_ref()) {
        print_replication(r);
    }
    if let Some(v) = &report.verdict {
        outln!();
        let job = v.job.as_str();
        if v.ready {
            outln!("Ready as {job}.");
        } else {
            let errors = v.problems.iter().filter(|p| p.severity == Severity::Error).count();
            outln!("Not ready as {job}: {errors} problem{}.", if errors == 1 { "" } else { "s" });
        }
        for p in &v.problems {
            let object = match (&p.schema, &p.name) {
                (Some(s), Some(n)) => format!(" {s}.{n}"),
                (Some(s), None) => format!(" {s}"),
                (None, Some(n)) => format!(" {n}"),
                (None, None) => String::new(),
            };
            let missing: Vec<&str> = p.missing.iter().map(|m| m.as_sql()).collect();
            let missing = if missing.is_empty() { String::new() } else { format!(" (missing {})", missing.join(", ")) };
            outln!("  [{}] {}{}{missing}: {}", word(&p.severity), word(&p.object_type), t(&object), t(&p.reason));
        }
        if !v.ready {
            outln!("\nTo fix, run as an owner or superuser:\n{}", v.fix_sql);
        }
    }
}

/// The change data capture facts, one line each (their problems follow in the verdict).
fn print_replication(r: &sluice_core::access::Replication) {
    let t = |s: &str| term::one_line(s);
    let yes = |b: bool| if b { "yes" } else { "no" };
    outln!("\nChange data capture:");
    let effective = r.server.effective_wal_level.as_deref().map(|e| format!(" (effective {})", t(e))).unwrap_or_default();
    outln!("  wal_level {}{effective}", t(&r.server.wal_level));
    outln!(
        "  login role {}: REPLICATION {}, superuser {}{}",
        t(&r.role.name),
        yes(r.role.replication),
        yes(r.role.superuser),
        r.role.rds_replication.map(|m| format!(", rds_replication {}", yes(m))).unwrap_or_default()
    );
    outln!(
        "  replication slots {} of {} in use, WAL senders {} of {} running",
        r.server.slots_used, r.server.max_replication_slots, r.server.wal_senders, r.server.max_wal_senders
    );
    if let Some(p) = &r.publication {
        if p.exists {
            let ops: Vec<&str> = [(p.insert, "insert"), (p.update, "update"), (p.delete, "delete"), (p.truncate, "truncate")].iter().filter(|(on, _)| *on).map(|(_, w)| *w).collect();
            let published = r.tables.iter().filter(|x| x.published == Some(true)).count();
            outln!("  publication {}: publishes {}; {published} of {} tables in scope", t(&p.name), ops.join(", "), r.tables.len());
        } else {
            outln!("  publication {}: does not exist", t(&p.name));
        }
    }
    if let Some(slot) = &r.slot {
        match (slot.exists, slot.plugin.as_deref(), slot.wal_status.as_deref()) {
            (false, _, _) => outln!("  slot {}: does not exist yet", t(&slot.name)),
            (true, plugin, status) => outln!(
                "  slot {}: plugin {}, {}, wal_status {}",
                t(&slot.name),
                t(plugin.unwrap_or("-")),
                if slot.active { "in use" } else { "free" },
                t(status.unwrap_or("-"))
            ),
        }
    }
    if let Some(c) = &r.connection {
        outln!("  replication connection: system {}, timeline {}, WAL at {}", t(&c.system_id), c.timeline, t(&c.wal_position));
    }
}

/// The JSON word of a serde enum (`error`, `table`, ...), for human output.
fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
