// How the form takes the connection: "Connect by" URL or Host, the URL box
// (its syntax, parse error with the character marked, warnings, what was
// added for the provider, and in URL mode the issues of the fields it
// hides), and the host fields. Both views hold every value at all times
// (lib/url-sync.js keeps them in step through parse_url/format_url).
import { h, replace, setText } from '../../lib/dom.js';
import { markPosition } from '../../lib/url-sync.js';
import { preset } from '../../presets.js';
import { providerOf } from '../../lib/vocabulary.js';
import { createField, createGroup, textInput } from '../../components/field.js';
import { setValue } from './context.js';

export const HOST_FIELDS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user']);

/** -> { modeSet, urlPanel, urlInput, urlIssues, hostPanel } */
export function createConnectBy(ctx) {
  const url = createUrlPanel(ctx);
  const host = createHostPanel(ctx);
  const radio = (value, label) => {
    const input = h('input', { type: 'radio', name: `${ctx.uid}-mode`, value, checked: ctx.st.mode === value, 'data-testid': `mode-${value}` });
    input.addEventListener('change', () => input.checked && setMode(ctx, value));
    return h('label', { class: 'seg-option compact' }, input, h('span', { class: 'seg-label' }, h('strong', { text: label })));
  };
  const modeSet = createGroup('Connect by', {}, h('div', { class: 'segmented two narrow' }, radio('url', 'URL'), radio('host', 'Host')));
  ctx.on('mode', (mode) => {
    url.panel.hidden = mode !== 'url';
    host.hidden = mode !== 'host';
  });
  return { modeSet, urlPanel: url.panel, urlInput: url.input, urlIssues: url.issues, hostPanel: host };
}

/** Switches between the URL and the fields; both already hold every value, only the URL is made current. */
export function setMode(ctx, mode) {
  ctx.st.mode = mode;
  ctx.emit('mode', mode);
  ctx.sync.flush().then(() => ctx.emit('modeSettled', mode));
}

function createUrlPanel(ctx) {
  const { st, sync } = ctx;
  const input = h('textarea', { class: 'input mono url-input', rows: '2', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', placeholder: preset(st.provider).placeholders.url, 'data-testid': 'field-url', id: `${ctx.uid}-url` });
  input.addEventListener('input', () => {
    ctx.markDirty();
    sync.setUrl(input.value);
  });
  // A pasted password leaves the URL box for the masked field.
  const takePassword = () => setTimeout(() => sync.takePassword(), 0);
  input.addEventListener('paste', takePassword);
  input.addEventListener('change', takePassword);
  const badge = h('span', { class: 'syntax-badge', 'aria-hidden': 'true' });
  const error = h('div', { class: 'url-error', 'data-testid': 'url-error', role: 'alert', hidden: true });
  const warnings = h('ul', { class: 'url-warnings', 'data-testid': 'url-warnings', hidden: true });
  const added = h('p', { class: 'url-added', 'data-testid': 'url-added', role: 'status', hidden: true });
  const issues = h('ul', { class: 'url-issues', 'data-testid': 'url-issues', hidden: true });
  const panel = h('div', { class: 'mode-panel', 'data-testid': 'url-panel' },
    h('div', { class: 'label-row' }, h('label', { for: input.id, class: 'label', text: 'Connection URL' }), badge),
    input,
    h('p', { class: 'field-hint', text: 'A postgresql:// URI or a key=value string. The fields below follow as you type; a password moves to the password field.' }),
    error, added, warnings, issues);

  const renderError = () => renderUrlError(ctx, input, error);
  ctx.on('parseError', renderError);
  ctx.on('modeSettled', (mode) => {
    if (mode === 'url') setValue(input, sync.url);
    renderError();
  });
  ctx.on('url', (url, { force }) => {
    if (force || document.activeElement !== input) input.value = url;
  });
  ctx.on('warnings', (w) => {
    replace(warnings, (w || []).map((x) => h('li', { text: x })));
    warnings.hidden = !(w && w.length);
  });
  ctx.on('syntax', (s) => setText(badge, s === 'key_value' ? 'key=value' : 'URI'));
  ctx.on('added', (pairs, provider) => {
    const label = providerOf(ctx.vocab, provider).label;
    setText(added, pairs.length ? `Added ${pairs.map(([k, v]) => `${k}=${v}`).join(', ')}: ${label} requires it, and the URL did not set it.` : '');
    added.hidden = !pairs.length;
  });
  ctx.on('provider', (id) => {
    input.placeholder = preset(id).placeholders.url;
  });
  ctx.onWrite((params, { except }) => {
    if (except !== 'url') setValue(input, sync.url);
  });
  return { panel, input, issues };
}

function renderUrlError(ctx, input, box) {
  const err = ctx.st.parseError;
  if (!err || ctx.st.mode !== 'url') {
    box.hidden = true;
    input.removeAttribute('aria-invalid');
    return;
  }
  input.setAttribute('aria-invalid', 'true');
  const parts = markPosition(input.value, err.position);
  replace(box,
    h('p', { class: 'url-error-msg', 'data-testid': 'url-error-message', text: err.message }),
    parts ? h('pre', { class: 'url-error-mark', 'aria-hidden': 'true' }, parts[0], h('mark', { text: parts[1] }), parts[2]) : null,
    err.position != null ? h('p', { class: 'visually-hidden', text: `at character ${err.position + 1}` }) : null);
  box.hidden = false;
}

function createHostPanel(ctx) {
  const p = preset(ctx.st.provider).placeholders;
  const inputs = {
    host: textInput({ placeholder: p.host }),
    port: textInput({ placeholder: '5432', inputmode: 'numeric' }),
    dbname: textInput({ placeholder: p.dbname }),
    user: textInput({ placeholder: p.user }),
  };
  const labels = { host: 'Host', port: 'Port', dbname: 'Database', user: 'Username' };
  const panel = h('div', { class: 'mode-panel grid-2', 'data-testid': 'host-panel' },
    Object.entries(inputs).map(([key, input]) => ctx.register(key, createField({ key, label: labels[key], input }))));
  panel.firstChild.classList.add('host-cell');
  for (const [key, input] of Object.entries(inputs)) input.addEventListener('input', () => ctx.setParam(key, input.value));
  ctx.onWrite((params) => {
    for (const [key, input] of Object.entries(inputs)) setValue(input, params[key]);
  });
  ctx.on('provider', (id) => {
    const q = preset(id).placeholders;
    inputs.host.placeholder = q.host;
    inputs.user.placeholder = q.user;
    inputs.dbname.placeholder = q.dbname;
  });
  return panel;
}

