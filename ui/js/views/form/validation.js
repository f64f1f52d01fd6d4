// Inline validation from validate_draft: debounced while typing (never more
// than MAX_WAIT behind the edits), each issue under its field, the issues of
// the host fields under the URL in URL mode, the rest above the footer; Save
// stays disabled while an error remains, and says what blocks it.
import { h, replace, setText } from '../../lib/dom.js';
import { HOST_FIELDS } from './connect.js';

const MAX_WAIT = 500;
const LABELS = { name: 'Name', host: 'Host', hostaddr: 'Host address', port: 'Port', url: 'URL', connect_timeout: 'Connect timeout', sslrootcert: 'Root certificate', sslcert: 'Client certificate', sslkey: 'Client key' };

/** ui: { urlIssues, formError, saveBtn, blockers }. Sets ctx.validator. */
export function createValidator(ctx, ui) {
  const { st } = ctx;
  let timer = 0;
  let seq = 0;
  let firstPending = 0;

  function schedule() {
    clearTimeout(timer);
    const now = Date.now();
    if (!firstPending) firstPending = now;
    timer = setTimeout(validateNow, Math.max(0, Math.min(180, firstPending + MAX_WAIT - now)));
    updateSave();
  }

  async function validateNow() {
    clearTimeout(timer);
    firstPending = 0;
    st.editedSinceCheck.clear();
    const mine = ++seq;
    let issues;
    try {
      issues = await ctx.api.validateDraft(ctx.draft());
    } catch (err) {
      issues = err.issues;
    }
    if (mine !== seq) return;
    st.issues = Array.isArray(issues) ? issues : [];
    render();
  }

  function render() {
    renderFieldIssues(ctx);
    // Host-mode fields are hidden in URL mode: their issues show under the URL.
    const urlSide = st.mode === 'url' ? st.issues.filter((i) => HOST_FIELDS.has(i.field) || i.field === 'password') : [];
    replace(ui.urlIssues, urlSide.map((i) => h('li', { class: `sev-${i.severity}`, dataset: { field: i.field } }, h('strong', { text: `${i.field}: ` }), i.message)));
    ui.urlIssues.hidden = urlSide.length === 0;
    const known = new Set([...ctx.fields.keys(), 'hostaddr']);
    const other = st.issues.filter((i) => !known.has(i.field));
    replace(ui.formError, other.map((i) => h('p', { class: `sev-${i.severity}`, text: `${i.field}: ${i.message}` })));
    ui.formError.hidden = other.length === 0;
    ctx.emit('issues', st.issues);
    updateSave();
  }

  function errors() {
    const list = st.issues.filter((i) => i.severity === 'error');
    if (st.mode === 'url' && st.parseError) list.unshift({ field: 'url', severity: 'error', message: st.parseError.message });
    return list;
  }

  function updateSave() {
    const errs = errors();
    ui.saveBtn.disabled = st.saving || errs.length > 0;
    setText(ui.blockers, errs.length ? `To save, fix: ${errs.map((e) => `${LABELS[e.field] || e.field} \u2014 ${String(e.message).replace(/\.$/, '')}`).join('; ')}.` : '');
    ui.blockers.hidden = errs.length === 0;
  }

  ctx.on('modeSettled', render);
  ctx.validator = { schedule, now: validateNow, render, errors, updateSave };
  return ctx.validator;
}

/**
 * Whether a field's issue shows yet: once the field was touched, on an edit,
 * after a save attempt, for the host fields a URL filled in, and always for
 * a warning (it blocks nothing, and says what a test would meet).
 */
function visible(ctx, key, issue) {
  const { st } = ctx;
  return issue.severity === 'warning' || st.showAll || st.touched.has(key) || (ctx.editing && key !== 'name') || (st.mode === 'url' && HOST_FIELDS.has(key) && ctx.sync.url);
}

/** A field's issues as one: the messages one per line, the gravest severity. */
function byField(issues) {
  const out = new Map();
  for (const i of issues) {
    const had = out.get(i.field);
    if (!had) out.set(i.field, { ...i });
    else if (!had.message.split('\n').includes(i.message)) out.set(i.field, { ...had, message: `${had.message}\n${i.message}`, severity: had.severity === 'error' ? 'error' : i.severity });
  }
  return out;
}

function renderFieldIssues(ctx) {
  const issues = byField(ctx.st.issues);
  for (const [key, f] of ctx.fields) {
    if (!f.msg) continue;
    const issue = issues.get(key) || (key === 'host' ? issues.get('hostaddr') : null);
    if (issue && visible(ctx, key, issue) && !ctx.st.editedSinceCheck.has(key)) {
      setText(f.msg, issue.message);
      f.msg.dataset.severity = issue.severity;
      if (f.input) f.input.setAttribute('aria-invalid', issue.severity === 'error' ? 'true' : 'false');
    } else {
      setText(f.msg, '');
      delete f.msg.dataset.severity;
      if (f.input) f.input.removeAttribute('aria-invalid');
    }
  }
}
