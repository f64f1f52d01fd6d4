// Test Connection, as a panel: the Test/Cancel buttons, the time a running
// test has taken, the live stepper and the outcome (success banner, or the
// error's message, hint, raw detail and "Copy diagnostics"). Used by the
// form (beside the fields) and by the list (in a dialog). Cancel calls
// cancel_test and puts the panel back to idle at once; a late reply of a
// cancelled run is ignored.
import * as api from '../api.js';
import { h, replace, setText } from '../lib/dom.js';
import { confirmDialog } from './dialog.js';
import { successBanner, verdictHeadline, formatMs, tlsLabel, stageLabel } from '../lib/format.js';
import { diagnosticsText } from '../lib/diagnostics.js';
import { createStepper } from './stepper.js';
import { announce, toast } from './live.js';

/**
 * prepare(): Promise<{target, job, jobOptions, info: {params, name, provider, secrets, sshHops}} | null>
 * onFinished(report, run), onPermissions(report, run); stages: the
 * vocabulary's [{id, label, ssh}] (the stepper's rows and their names).
 */
export function createTestPanel({ prepare, onFinished, onPermissions, appVersion = () => '', compact = false, stages = [] }) {
  const stepper = createStepper({ stages, announce });
  const testBtn = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'test-button', 'aria-keyshortcuts': 'Control+Enter', title: 'Test connection (Ctrl+Enter)' }, h('span', { 'aria-hidden': 'true', text: '\u25B6 ' }), 'Test connection');
  const cancelBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'cancel-test', hidden: true, text: 'Cancel' });
  const status = h('span', { class: 'test-status', 'data-testid': 'test-status' });
  const result = h('div', { class: 'test-result', 'data-testid': 'test-result' });
  const el = h('section', { class: ['test-panel', compact ? 'compact' : ''], 'aria-label': 'Test connection', 'data-testid': 'test-panel', dataset: { state: 'idle' } },
    h('div', { class: 'test-actions' }, testBtn, cancelBtn, status), stepper.el, result);
  testBtn.addEventListener('click', () => start());
  cancelBtn.addEventListener('click', () => cancel());

  let run = null; // {id, testId, job, info, target}
  let seq = 0;
  let lastReport = null;
  const clock = elapsedClock(status);
  const view = { result, stages, onPermissions, start: () => start(), copy: (report, mine) => copyDiagnostics(report, mine, appVersion(), stages) };

  function setState(state) {
    el.dataset.state = state;
    const running = state === 'running';
    testBtn.disabled = running;
    cancelBtn.hidden = !running;
    if (running) clock.start();
    else clock.stop();
  }

  async function start() {
    if (el.dataset.state === 'running') return;
    let prepared;
    try {
      prepared = await prepare();
    } catch (err) {
      showRejection(view, err, null);
      return;
    }
    if (!prepared) return;
    seq += 1;
    const mine = { id: seq, testId: api.newTestId(), job: prepared.job, info: prepared.info || {}, target: prepared.target };
    run = mine;
    lastReport = null;
    stepper.reset({ hops: mine.info.sshHops || 0 });
    replace(result);
    setState('running');
    announce('Testing connection');
    try {
      const report = await api.testConnection({
        target: prepared.target, job: prepared.job, jobOptions: prepared.jobOptions, testId: mine.testId,
        onStep: (ev) => run === mine && stepper.update(ev),
      });
      if (run !== mine) return; // cancelled or superseded
      run = null;
      lastReport = report;
      stepper.applyReport(report);
      setState('idle');
      showReport(view, report, mine);
      inSight(result);
      if (onFinished) onFinished(report, mine);
    } catch (err) {
      if (run !== mine) return;
      run = null;
      stepper.applyReport({ steps: [], error: err });
      setState('idle');
      showRejection(view, err, mine);
      inSight(result);
    }
  }

  function cancel() {
    if (!run) return;
    const { testId } = run;
    run = null;
    delete el.dataset.cancelAck;
    api.cancelTest(testId).then(
      (wasRunning) => { el.dataset.cancelAck = String(wasRunning); },
      (err) => { el.dataset.cancelAck = 'error'; console.warn('cancel_test', err); },
    );
    stepper.cancelled();
    setState('idle');
    replace(result, h('p', { class: 'result-note', 'data-testid': 'test-cancelled', text: 'Test cancelled.' }));
    announce('Test cancelled');
    testBtn.focus();
  }

  return {
    el,
    start,
    cancel,
    get running() {
      return el.dataset.state === 'running';
    },
    get lastReport() {
      return lastReport;
    },
    reset() {
      if (run) cancel();
      stepper.reset();
      replace(result);
    },
    focus() {
      testBtn.focus();
    },
  };
}

/** The outcome into sight (a small window, a long stepper), as little scrolling as it takes. */
function inSight(el) {
  if (el.isConnected && typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'nearest' });
}

/** "Testing… 1.4 s" while a test runs, ten times a second (the stepper then has each stage's time). */
function elapsedClock(status) {
  let timer = 0;
  let t0 = 0;
  const tick = () => setText(status, `Testing\u2026 ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return {
    start() {
      clearInterval(timer);
      t0 = performance.now();
      tick();
      timer = setInterval(tick, 100);
    },
    stop() {
      clearInterval(timer);
      timer = 0;
      setText(status, '');
    },
  };
}

function copyDiagnostics(report, mine, appVersion, stages) {
  const info = (mine && mine.info) || {};
  const text = diagnosticsText({ report, params: info.params, name: info.name, provider: info.provider, job: mine && mine.job, secrets: info.secrets, appVersion, stages });
  api.copyText(text).then((ok) => toast(ok ? 'Diagnostics copied to the clipboard' : 'Could not use the clipboard', { kind: ok ? 'info' : 'error' }));
}

/** Several hosts tried: each attempt and why it was passed over. */
function attemptsList(report) {
  const attempts = (report && report.attempts) || [];
  if (attempts.length < 2) return null;
  const word = { connected: 'connected', wrong_session_type: 'passed over', failed: 'failed' };
  return h('details', { class: 'attempts', open: true, 'data-testid': 'attempts' },
    h('summary', { text: `Hosts tried: ${attempts.length}` }),
    h('ol', null, attempts.map((a) => h('li', { class: `attempt-${a.outcome}`, 'data-testid': 'attempt', dataset: { outcome: a.outcome } },
      h('span', { class: 'mono', text: `${a.host}:${a.port}${a.address && a.address !== `${a.host}:${a.port}` ? ` (${a.address})` : ''}` }),
      ` \u2014 ${word[a.outcome] || a.outcome}${a.reason ? `: ${a.reason}` : ''} (${formatMs(a.ms)})`))));
}

/** What the connection was: TLS and what it verified, a pooler, a standby. */
function serverNotes(s) {
  const notes = [];
  if (s.tls) {
    const verified = s.tls.hostname_verified ? 'certificate and host name verified' : s.tls.chain_verified ? 'certificate verified, host name not checked' : 'certificate not verified';
    notes.push(`${tlsLabel(s.tls)}${s.tls.cipher ? ` (${s.tls.cipher})` : ''}: ${verified}`);
  } else {
    notes.push('Not encrypted: no TLS on this connection.');
  }
  if (s.tls && s.backend_ssl === false) notes.push('The TLS ends before Postgres: the server sees this session unencrypted (a pooler or proxy in between goes on in plain text).');
  // A pooler, a proxy or an embedded server: the evidence says which it can be.
  if (s.pooler && s.pooler.detected) notes.push(s.pooler.evidence ? `Not a direct session: ${s.pooler.evidence}.` : 'Not a direct session: something relays it.');
  if (s.in_recovery) notes.push('This server is a read-only standby (in recovery).');
  if (s.default_transaction_read_only) notes.push('Sessions are read-only by default (default_transaction_read_only).');
  return notes;
}

function showReport(view, report, mine) {
  if (report.error) {
    showError(view, report.error, report, mine);
    view.result.prepend(...[attemptsList(report)].filter(Boolean));
    return;
  }
  const banner = successBanner(report, mine && mine.info && mine.info.params ? mine.info.params.host : null);
  const children = [
    h('p', { class: 'result-title' }, h('span', { class: 'result-icon', 'aria-hidden': 'true', text: '\u2713' }), h('span', { 'data-testid': 'success-banner', text: banner })),
    h('ul', { class: 'result-notes' }, serverNotes(report.server || {}).map((n) => h('li', { text: n }))),
  ];
  const v = report.verdict;
  const actions = [];
  if (v || report.access) {
    const head = v ? verdictHeadline(v) : 'Privileges analysed';
    children.push(h('p', { class: ['verdict-line', v && !v.ready ? 'not-ready' : 'ready'], 'data-testid': 'verdict-line' }, h('span', { 'aria-hidden': 'true', text: v && !v.ready ? '\u26A0 ' : '\u2713 ' }), head));
    actions.push(h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'view-permissions', text: 'View permissions', on: { click: () => view.onPermissions && view.onPermissions(report, mine) } }));
  }
  actions.push(h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'copy-diagnostics', text: 'Copy diagnostics', on: { click: () => view.copy(report, mine) } }));
  children.push(h('div', { class: 'result-actions' }, actions));
  replace(view.result, attemptsList(report), h('div', { class: 'result result-ok', role: 'status', 'data-testid': 'test-success' }, children));
  announce(`${banner}${v ? `. ${verdictHeadline(v)}` : ''}`);
}

function showError(view, error, report, mine) {
  const e = error || {};
  const where = [e.code, e.stage ? `at ${stageLabel(view.stages, e.stage)}` : '', e.sqlstate ? `SQLSTATE ${e.sqlstate}` : '', report && report.total_ms != null ? `after ${formatMs(report.total_ms)}` : ''].filter(Boolean).join(' \u00B7 ');
  const actions = h('div', { class: 'result-actions' },
    // A refusal one statement fixes (no CONNECT, NOLOGIN...) comes with a verdict and its fix SQL.
    report && report.verdict ? h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'view-permissions', text: 'View the fix', on: { click: () => view.onPermissions && view.onPermissions(report, mine) } }) : null,
    h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'copy-diagnostics', text: 'Copy diagnostics', on: { click: () => view.copy(report || { steps: [], error: e }, mine) } }));
  if (e.host_key && mine && mine.target) {
    actions.prepend(h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'trust-host-key', text: 'Check and trust this key\u2026', on: { click: () => trustHostKey(view, e.host_key, mine) } }));
  }
  const danger = e.code === 'ssh_host_key_mismatch';
  replace(view.result, h('div', { class: ['result', 'result-error', danger ? 'result-danger' : ''], role: 'alert', 'data-testid': 'test-error', dataset: { code: e.code || e.kind || '' } },
    h('p', { class: 'result-title' }, h('span', { class: 'result-icon', 'aria-hidden': 'true', text: '\u2715' }), h('span', { 'data-testid': 'error-message', text: e.message || 'The test failed.' })),
    where ? h('p', { class: 'result-code', 'data-testid': 'error-code', dataset: { code: e.code || '' }, text: where }) : null,
    e.hint ? h('p', { class: 'result-hint', 'data-testid': 'error-hint' }, h('strong', { text: 'What to do: ' }), e.hint) : null,
    e.detail ? h('details', { class: 'result-detail' }, h('summary', { text: 'Raw detail' }), h('pre', { 'data-testid': 'error-detail', text: e.detail })) : null,
    actions));
  announce(`Test failed: ${e.message || ''}`);
}

/** An unknown SSH host key: show what ssh shows, record it only on consent, test again. */
async function trustHostKey(view, key, mine) {
  const ok = await confirmDialog({
    title: 'Trust this SSH host key?',
    message: [
      `${key.host}:${key.port} (hop ${key.hop + 1}) presented a ${key.key_type} host key with the fingerprint`,
      h('code', { class: 'fingerprint', 'data-testid': 'host-key-fingerprint', text: key.fingerprint }),
      'Compare it with the fingerprint the server\u2019s administrator gives you (ssh-keygen -lf on the server). Trust it only if they match: it is then recorded in',
      h('code', { 'data-testid': 'host-key-file', text: key.known_hosts }),
    ],
    confirmLabel: 'Trust and test again',
    danger: true,
    testid: 'host-key-dialog',
  });
  if (!ok) return;
  try {
    await api.trustHostKey(mine.target, key.hop, key.key);
    toast(`Recorded the host key of ${key.host}`);
    view.start();
  } catch (err) {
    toast(`Could not record the key: ${err.message}`, { kind: 'error' });
  }
}

/** The command itself rejected (bad input, unknown id): same look as a failure. */
function showRejection(view, err, mine) {
  const e = err || {};
  const issues = Array.isArray(e.issues) ? e.issues.map((i) => `${i.field}: ${i.message}`).join('; ') : '';
  showError(view, { code: e.kind, message: e.message, hint: e.hint || issues || null, detail: null }, null, mine);
}
