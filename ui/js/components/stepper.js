// The live stepper of a test: resolve -> connect -> TLS -> auth -> session ->
// access, each with its status and, once finished, its time. Through an SSH
// tunnel, each hop's SSH connect, login and channel come first (one row per
// hop and stage), and the last channel stands for resolve and connect. Fed
// by the Channel's StepEvents while the test runs, then by the Report's steps.
import { h, setText } from '../lib/dom.js';
import { STAGES, formatMs } from '../lib/format.js';

const ICONS = { pending: '\u25CB', running: '\u25D4', ok: '\u2713', failed: '\u2715', skipped: '\u2013', cancelled: '\u2013' };
const WORDS = { pending: 'waiting', running: 'running', ok: 'done', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled' };
const SSH = STAGES.filter((s) => s.ssh);

/** The row key of a step: `stage`, or `stage#hop` for SSH stages. */
export function rowKey(stage, hop) {
  return hop == null ? stage : `${stage}#${hop}`;
}

/** The rows of a test with `hops` SSH hops (0: a direct connection). */
export function stepRows(hops = 0) {
  const rows = [];
  for (let i = 0; i < hops; i += 1) {
    for (const s of SSH) rows.push({ key: rowKey(s.id, i), stage: s.id, hop: i, label: hops > 1 ? `${s.label} (hop ${i + 1})` : s.label });
  }
  for (const s of STAGES) {
    if (s.ssh || (hops > 0 && (s.id === 'resolve' || s.id === 'connect'))) continue;
    rows.push({ key: s.id, stage: s.id, hop: null, label: s.label });
  }
  return rows;
}

export function createStepper({ announce } = {}) {
  const items = new Map();
  const list = h('ol', { class: 'stepper', 'data-testid': 'stepper', 'aria-label': 'Test progress' });

  function addRow(row, before = null) {
    const icon = h('span', { class: 'step-icon', 'aria-hidden': 'true' });
    const label = h('span', { class: 'step-label', text: row.label });
    const detail = h('span', { class: 'step-detail' });
    const testid = row.hop == null ? row.stage : `${row.stage}-${row.hop}`;
    const ms = h('span', { class: 'step-ms', 'data-testid': `step-ms-${testid}` });
    const status = h('span', { class: 'visually-hidden' });
    const li = h('li', { class: ['step', row.hop == null ? '' : 'step-ssh'], 'data-testid': `step-${testid}`, dataset: { stage: row.stage, status: 'pending' } }, icon, h('span', { class: 'step-text' }, label, status, detail), ms);
    const it = { li, icon, detail, ms, status, label: row.label, labelEl: label, row };
    items.set(row.key, it);
    list.insertBefore(li, before);
    set(row.key, 'pending');
    return it;
  }

  function set(key, state, { ms = null, detail = null } = {}) {
    const it = items.get(key);
    if (!it) return;
    const previous = it.li.dataset.status;
    it.li.dataset.status = state;
    setText(it.icon, ICONS[state] || '');
    setText(it.status, `: ${WORDS[state] || state}`);
    setText(it.ms, ms != null && (state === 'ok' || state === 'failed') ? formatMs(ms) : '');
    if (detail != null) setText(it.detail, detail);
    if (announce && previous !== state && state !== 'pending' && previous) {
      const timing = ms != null && (state === 'ok' || state === 'failed') ? ` in ${formatMs(ms)}` : '';
      announce(`${it.label} ${WORDS[state] || state}${timing}${detail ? `: ${detail}` : ''}`);
    }
  }

  /** The row for a step; SSH hops the form did not know (ProxyJump) are added in place. */
  function rowFor(step) {
    const ssh = step.stage.startsWith('ssh_');
    const key = rowKey(step.stage, ssh ? step.hop || 0 : null);
    if (items.has(key)) return items.get(key);
    if (!ssh) return null;
    const firstDb = [...items.values()].find((it) => it.row.hop == null);
    const s = SSH.find((x) => x.id === step.stage);
    return addRow({ key, stage: step.stage, hop: step.hop, label: `${s ? s.label : step.stage} (hop ${(step.hop || 0) + 1})` }, firstDb ? firstDb.li : null);
  }

  /** Starts over with the rows of a test over `hops` SSH hops. */
  function reset({ hops = 0 } = {}) {
    items.clear();
    list.replaceChildren();
    for (const row of stepRows(hops)) addRow(row);
    list.dataset.state = 'idle';
  }

  /** A StepEvent from the Channel: {stage, status, ms, detail, hop?, host?}. */
  function update(ev) {
    if (!ev || !ev.stage) return;
    list.dataset.state = 'running';
    const it = rowFor(ev);
    if (!it) return;
    if (ev.host) setText(it.labelEl, `${it.label} \u00B7 ${ev.host}`);
    set(it.row.key, ev.status, { ms: ev.ms, detail: ev.detail });
  }

  /** The final word: the Report's steps (stages it never reached stay "skipped"). */
  function applyReport(report) {
    const seen = new Set();
    for (const step of (report && report.steps) || []) {
      const it = rowFor(step);
      if (!it) continue;
      seen.add(it.row.key);
      if (step.host) setText(it.labelEl, `${it.label} \u00B7 ${step.host}`);
      set(it.row.key, step.status, { ms: step.ms, detail: step.detail || '' });
    }
    for (const [key, it] of items) {
      const st = it.li.dataset.status;
      if (!seen.has(key) && (st === 'pending' || st === 'running')) set(key, 'skipped');
    }
    list.dataset.state = report && report.error ? 'failed' : 'done';
  }

  /** The user cancelled: whatever was running stops where it is. */
  function cancelled() {
    for (const [key, it] of items) {
      const st = it.li.dataset.status;
      if (st === 'running' || st === 'pending') set(key, st === 'running' ? 'cancelled' : 'pending');
    }
    list.dataset.state = 'cancelled';
  }

  reset();
  return { el: list, reset, update, applyReport, cancelled };
}
