// The live stepper of a test: resolve -> connect -> TLS -> auth -> session ->
// access, each with its status and, once finished, its time. Fed by the
// Channel's StepEvents while the test runs, then by the Report's steps.
import { h, setText } from '../lib/dom.js';
import { STAGES, formatMs } from '../lib/format.js';

const ICONS = { pending: '\u25CB', running: '\u25D4', ok: '\u2713', failed: '\u2715', skipped: '\u2013', cancelled: '\u2013' };
const WORDS = { pending: 'waiting', running: 'running', ok: 'done', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled' };

export function createStepper({ announce } = {}) {
  const items = new Map();
  const list = h('ol', { class: 'stepper', 'data-testid': 'stepper', 'aria-label': 'Test progress' });
  for (const stage of STAGES) {
    const icon = h('span', { class: 'step-icon', 'aria-hidden': 'true' });
    const label = h('span', { class: 'step-label', text: stage.label });
    const detail = h('span', { class: 'step-detail' });
    const ms = h('span', { class: 'step-ms', 'data-testid': `step-ms-${stage.id}` });
    const status = h('span', { class: 'visually-hidden' });
    const li = h('li', { class: 'step', 'data-testid': `step-${stage.id}`, dataset: { stage: stage.id, status: 'pending' } }, icon, h('span', { class: 'step-text' }, label, status, detail), ms);
    items.set(stage.id, { li, icon, detail, ms, status, label: stage.label });
    list.appendChild(li);
  }

  function set(stage, state, { ms = null, detail = null } = {}) {
    const it = items.get(stage);
    if (!it) return;
    const previous = it.li.dataset.status;
    it.li.dataset.status = state;
    setText(it.icon, ICONS[state] || '');
    setText(it.status, `: ${WORDS[state] || state}`);
    setText(it.ms, ms != null && (state === 'ok' || state === 'failed') ? formatMs(ms) : '');
    if (detail != null) setText(it.detail, detail);
    if (announce && previous !== state && state !== 'pending') {
      const timing = ms != null && (state === 'ok' || state === 'failed') ? ` in ${formatMs(ms)}` : '';
      announce(`${it.label} ${WORDS[state] || state}${timing}${detail ? `: ${detail}` : ''}`);
    }
  }

  function reset() {
    for (const stage of STAGES) {
      set(stage.id, 'pending');
      setText(items.get(stage.id).detail, '');
    }
    list.dataset.state = 'idle';
  }

  /** A StepEvent from the Channel: {stage, status, ms, detail}. */
  function update(ev) {
    if (!ev || !ev.stage) return;
    list.dataset.state = 'running';
    set(ev.stage, ev.status, { ms: ev.ms, detail: ev.detail });
  }

  /** The final word: the Report's steps (stages it never reached stay "skipped"). */
  function applyReport(report) {
    const seen = new Set();
    for (const step of (report && report.steps) || []) {
      seen.add(step.stage);
      set(step.stage, step.status, { ms: step.ms, detail: step.detail || '' });
    }
    for (const stage of STAGES) {
      const st = items.get(stage.id).li.dataset.status;
      if (!seen.has(stage.id) && (st === 'pending' || st === 'running')) set(stage.id, 'skipped');
    }
    list.dataset.state = report && report.error ? 'failed' : 'done';
  }

  /** The user cancelled: whatever was running stops where it is. */
  function cancelled() {
    for (const stage of STAGES) {
      const st = items.get(stage.id).li.dataset.status;
      if (st === 'running' || st === 'pending') set(stage.id, st === 'running' ? 'cancelled' : 'pending');
    }
    list.dataset.state = 'cancelled';
  }

  reset();
  return { el: list, reset, update, applyReport, cancelled };
}
