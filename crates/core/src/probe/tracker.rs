//! Keeps the stage timings and streams each transition to the caller, so a
//! UI can show a live stepper, and so a deadline or cancel knows which stage
//! it interrupted.

use super::report::{round_ms, Stage, Step, StepEvent, StepStatus};
use std::sync::Mutex;
use std::time::Instant;

pub type ProgressFn<'a> = &'a (dyn Fn(&StepEvent) + Send + Sync);

pub(crate) struct Tracker<'a> {
    progress: ProgressFn<'a>,
    state: Mutex<State>,
}

struct State {
    steps: Vec<Step>,
    current: Option<(Stage, Instant)>,
    /// The SSH hop and server of the stage in progress.
    place: Option<(usize, String)>,
    /// The last stage the test started (for timeouts between stages).
    last: Stage,
}

impl<'a> Tracker<'a> {
    pub fn new(progress: ProgressFn<'a>) -> Self {
        Tracker { progress, state: Mutex::new(State { steps: Vec::new(), current: None, place: None, last: Stage::Resolve }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot corrupt a list of finished steps; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn start(&self, stage: Stage) {
        self.start_at(stage, Instant::now());
    }

    /// Starts a stage whose clock began earlier (e.g. auth begins when the
    /// TLS handshake ended, which we learn after the fact).
    pub fn start_at(&self, stage: Stage, at: Instant) {
        self.begin(stage, at, None);
    }

    /// Starts an SSH stage of hop `hop` (0-based) about `host`.
    pub fn start_hop(&self, stage: Stage, hop: usize, host: String) {
        self.begin(stage, Instant::now(), Some((hop, host)));
    }

    fn begin(&self, stage: Stage, at: Instant, place: Option<(usize, String)>) {
        {
            let mut s = self.lock();
            s.current = Some((stage, at));
            s.place = place.clone();
            s.last = stage;
        }
        let (hop, host) = place.map_or((None, None), |(h, n)| (Some(h), Some(n)));
        (self.progress)(&StepEvent { stage, status: StepStatus::Running, ms: None, detail: None, hop, host });
    }

    /// Ends the current stage now with `status`.
    pub fn finish(&self, status: StepStatus, detail: Option<String>) {
        self.finish_at(status, detail, Instant::now());
    }

    pub fn finish_at(&self, status: StepStatus, detail: Option<String>, at: Instant) {
        let step = {
            let mut s = self.lock();
            let Some((stage, started)) = s.current.take() else { return };
            let (hop, host) = s.place.take().map_or((None, None), |(h, n)| (Some(h), Some(n)));
            let step = Step { stage, status, ms: round_ms(at.saturating_duration_since(started)), detail, hop, host };
            s.steps.push(step.clone());
            step
        };
        self.emit(&step);
    }

    /// Records a stage that did not run.
    pub fn skip(&self, stage: Stage, detail: Option<String>) {
        let step = Step { stage, status: StepStatus::Skipped, ms: 0.0, detail, hop: None, host: None };
        self.lock().steps.push(step.clone());
        self.emit(&step);
    }

    /// Forgets the connect, TLS and auth steps of an attempt that moved on
    /// to another address or host (the report keeps it in `attempts`).
    pub fn discard_attempt(&self) {
        let mut s = self.lock();
        s.steps.retain(|st| !matches!(st.stage, Stage::Connect | Stage::Tls | Stage::Auth));
        if s.current.is_some_and(|(stage, _)| matches!(stage, Stage::Connect | Stage::Tls | Stage::Auth)) {
            s.current = None;
        }
    }

    /// The stage in progress, or the last one started.
    pub fn current_stage(&self) -> Stage {
        let s = self.lock();
        s.current.map(|(stage, _)| stage).unwrap_or(s.last)
    }

    pub fn is_running(&self) -> bool {
        self.lock().current.is_some()
    }

    fn emit(&self, step: &Step) {
        (self.progress)(&StepEvent {
            stage: step.stage,
            status: step.status,
            ms: Some(step.ms),
            detail: step.detail.clone(),
            hop: step.hop,
            host: step.host.clone(),
        });
    }

    /// Closes the report: a stage still running failed; stages never reached
    /// are listed as skipped, so every report has every stage in order. Over
    /// a tunnel, the SSH stages come first, one set per hop in the order they
    /// ran (only those that ran), and the last hop's channel stands for
    /// resolve and connect.
    pub fn into_steps(self, include_access: bool, include_replication: bool, tunneled: bool) -> Vec<Step> {
        if self.is_running() {
            self.finish(StepStatus::Failed, None);
        }
        let mut steps = self.state.into_inner().unwrap_or_else(|p| p.into_inner()).steps;
        for stage in Stage::ALL {
            // SSH steps are listed per hop as they ran: a hop never reached has none.
            let wanted = match stage {
                Stage::Access => include_access,
                Stage::Replication => include_replication,
                s if s.is_ssh() => false,
                Stage::Resolve | Stage::Connect => !tunneled,
                _ => true,
            };
            if wanted && !steps.iter().any(|s| s.stage == stage) {
                steps.push(Step { stage, status: StepStatus::Skipped, ms: 0.0, detail: None, hop: None, host: None });
            }
        }
        // Stable: the SSH steps keep the order they ran in.
        steps.sort_by_key(|s| if s.stage.is_ssh() { 0 } else { 1 + Stage::ALL.iter().position(|x| *x == s.stage).unwrap_or(0) });
        steps
    }
}

impl crate::ssh::StageSink for Tracker<'_> {
    fn start(&self, stage: Stage, hop: usize, host: String) {
        self.start_hop(stage, hop, host);
    }
    fn finish(&self, status: StepStatus, detail: Option<String>) {
        Tracker::finish(self, status, detail);
    }
}
