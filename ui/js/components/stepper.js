// The live stepper of a test: resolve -> connect -> TLS -> auth -> session ->
// access (-> replication), each with its status and, once finished, its
// time. The stages and their labels are the vocabulary's (Rust's
// Stage::ALL). Through an SSH tunnel, each hop's SSH connect, login and
// channel come first (one row per hop and stage), and the last channel
// stands for resolve and connect. Fed by the Channel's StepEvents while the
// test runs, then by the Report's steps.
import { h, setText } from '../lib/dom.js';
import { formatMs } from '../lib/format.js';

const ICONS = { pending: '\u25CB', running: '\u25D4', ok: '\u2713', failed: '\u2715', skipped: '\u2013', cancelled: '\u2013' };
const WORDS = { pending: 'waiting', running: 'running', ok: 'done', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled' };

// What the vocabulary's stages do not say (Rust's Tracker::into_steps):
// behind a tunnel the last SSH channel stands for these two, so they get no
// row; and this one runs only when the job asks for it (a source read by
// change data capture: probe/replication.rs `wanted`), so its row comes when
// the test reaches it, in its place. tests/ui/ipc-lists.test.js allows stage
// ids written here only, and only as these two lists.
export const TUNNEL_STANDS_FOR = ['resolve', 'connect'];
export const ON_REQUEST = ['replication'];

/** The row key of a step: `stage`, or `stage#hop` for SSH stages. */
export function rowKey(stage, hop) {
  return hop == null ? stage : `${stage}#${hop}`;
}

/** The label of an SSH stage's row for hop `hop` (0-based) of `hops`. */
function hopLabel(label, hop, hops) {
  return hops > 1 ? `${label} (hop ${hop + 1})` : label;
}

/**
 * The rows a test with `hops` SSH hops (0: a direct connection) shows
 * before it starts; `stages` are the vocabulary's [{id, label, ssh}].
 */
export function stepRows(stages, hops = 0) {
  const list = stages || [];
  const rows = [];
  for (let i = 0; i < hops; i += 1) {
    for (const s of list.filter((x) => x.ssh)) rows.push({ key: rowKey(s.id, i), stage: s.id, hop: i, label: hopLabel(s.label, i, hops) });
  }
  for (const s of list) {
    if (s.ssh || ON_REQUEST.includes(s.id) || (hops > 0 && TUNNEL_STANDS_FOR.includes(s.id))) continue;
    rows.push({ key: s.id, stage: s.id, hop: null, label: s.label });
  }
  return rows;
}

/** stages: the vocabulary's [{id, label, ssh}]; announce(text) for screen readers. */
export function createStepper({ stages = [], announce } = {}) {
  const items = new Map();
  const order = (id) => {
    const i = stages.findIndex((s) => s.id === id);
    return i < 0 ? stages.length : i;
  };
  const stageOf = (id) => stages.find((s) => s.id === id) || { id, label: id, ssh: false };
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

  /**
   * The row for a step. SSH hops the form did not know (ProxyJump) are added
   * before the database's stages; a stage with no row yet (one that runs on
   * request) is added in its place in the vocabulary's order.
   */
  function rowFor(step) {
    const ssh = stageOf(step.stage).ssh || step.hop != null;
    const key = rowKey(step.stage, ssh ? step.hop || 0 : null);
    if (items.has(key)) return items.get(key);
    const dbRows = [...items.values()].filter((it) => it.row.hop == null);
    if (ssh) {
      const hop = step.hop || 0;
      return addRow({ key, stage: step.stage, hop, label: `${stageOf(step.stage).label} (hop ${hop + 1})` }, dbRows.length ? dbRows[0].li : null);
    }
    const after = dbRows.find((it) => order(it.row.stage) > order(step.stage));
    return addRow({ key, stage: step.stage, hop: null, label: stageOf(step.stage).label }, after ? after.li : null);
  }

  /** Starts over with the rows of a test over `hops` SSH hops. */
  function reset({ hops = 0 } = {}) {
    items.clear();
    list.replaceChildren();
    for (const row of stepRows(stages, hops)) addRow(row);
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
