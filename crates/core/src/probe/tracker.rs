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
    /// The last stage the test started (for timeouts between stages).
    last: Stage,
}

impl<'a> Tracker<'a> {
    pub fn new(progress: ProgressFn<'a>) -> Self {
        Tracker { progress, state: Mutex::new(State { steps: Vec::new(), current: None, last: Stage::Resolve }) }
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
        {
            let mut s = self.lock();
            s.current = Some((stage, at));
            s.last = stage;
        }
        (self.progress)(&StepEvent { stage, status: StepStatus::Running, ms: None, detail: None });
    }

    /// Ends the current stage now with `status`.
    pub fn finish(&self, status: StepStatus, detail: Option<String>) {
        self.finish_at(status, detail, Instant::now());
    }

    pub fn finish_at(&self, status: StepStatus, detail: Option<String>, at: Instant) {
        let step = {
            let mut s = self.lock();
            let Some((stage, started)) = s.current.take() else { return };
            let step = Step { stage, status, ms: round_ms(at.saturating_duration_since(started)), detail };
            s.steps.push(step.clone());
            step
        };
        self.emit(&step);
    }

    /// Records a stage that did not run.
    pub fn skip(&self, stage: Stage, detail: Option<String>) {
        let step = Step { stage, status: StepStatus::Skipped, ms: 0.0, detail };
        self.lock().steps.push(step.clone());
        self.emit(&step);
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
        (self.progress)(&StepEvent { stage: step.stage, status: step.status, ms: Some(step.ms), detail: step.detail.clone() });
    }

    /// Closes the report: a stage still running failed; stages never reached
    /// are listed as skipped, so every report has every stage in order.
    pub fn into_steps(self, include_access: bool) -> Vec<Step> {
        if self.is_running() {
            self.finish(StepStatus::Failed, None);
        }
        let mut steps = self.state.into_inner().unwrap_or_else(|p| p.into_inner()).steps;
        for stage in Stage::ALL {
            if stage == Stage::Access && !include_access {
                continue;
            }
            if !steps.iter().any(|s| s.stage == stage) {
                steps.push(Step { stage, status: StepStatus::Skipped, ms: 0.0, detail: None });
            }
        }
        steps.sort_by_key(|s| Stage::ALL.iter().position(|x| *x == s.stage));
        steps
    }
}
