// Advanced settings: application name, the test's deadline, search_path
// (kept inside libpq's `options`), options, TLS negotiation, and libpq 16's
// login requirements. The choices of the selects come from the keyword table.
import { h } from '../../lib/dom.js';
import { searchPathOf, withSearchPath } from '../../presets.js';
import { createField, textInput } from '../../components/field.js';
import { setValue } from './context.js';

const TEXT = [
  { key: 'application_name', label: 'Application name', placeholder: 'Sluice', hint: 'Shown in pg_stat_activity.' },
  { key: 'connect_timeout', label: 'Connect timeout (seconds)', placeholder: '10', numeric: true, hint: 'The whole test\u2019s deadline; empty: 10 s.' },
  { key: 'search_path', label: 'search_path', placeholder: 'app, public', hint: 'Schemas to look in, comma-separated.' },
  { key: 'options', label: 'Options', placeholder: '-c statement_timeout=5000', hint: 'Sent to the server at startup (-c name=value ...).' },
];
const CHOICES = [
  { key: 'sslnegotiation', label: 'TLS negotiation', unset: 'Not set (postgres)', words: { direct: 'direct (PostgreSQL 17+)' }, hint: 'direct starts TLS at once (one round trip fewer); needs SSL mode require or stricter.' },
  { key: 'require_auth', label: 'Allowed login methods (require_auth)', text: true, placeholder: 'scram-sha-256', hint: 'e.g. scram-sha-256: a server that asks for anything else gets no answer and no password; add none to allow trust.' },
  { key: 'sslcertmode', label: 'Client certificate mode', unset: 'Not set (allow)', words: {}, hint: 'disable never sends one; require fails unless the server asked for it and got it.' },
];

/** -> { el } (a <details>, open when the saved connection sets any of these) */
export function createAdvanced(ctx) {
  const inputs = {};
  for (const t of [...TEXT, ...CHOICES.filter((c) => c.text)]) inputs[t.key] = textInput({ placeholder: t.placeholder, inputmode: t.numeric ? 'numeric' : undefined });
  for (const c of CHOICES.filter((x) => !x.text)) inputs[c.key] = choiceSelect(ctx, c);
  const bind = (key) => inputs[key].addEventListener(inputs[key].tagName === 'SELECT' ? 'change' : 'input', () => ctx.setParam(key, inputs[key].value));
  for (const key of ['application_name', 'connect_timeout', 'require_auth', 'sslnegotiation', 'sslcertmode']) bind(key);
  inputs.options.addEventListener('input', () => {
    ctx.setParam('options', inputs.options.value);
    setValue(inputs.search_path, searchPathOf(inputs.options.value));
  });
  inputs.search_path.addEventListener('input', () => {
    const options = withSearchPath(ctx.sync.params.options, inputs.search_path.value);
    inputs.options.value = options;
    ctx.setParam('options', options);
  });
  ctx.onWrite((params) => {
    for (const key of Object.keys(inputs)) {
      const v = key === 'search_path' ? searchPathOf(params.options) : params[key];
      if (inputs[key].tagName === 'SELECT') {
        if (document.activeElement !== inputs[key]) inputs[key].value = [...inputs[key].options].some((o) => o.value === v) ? v : '';
      } else {
        setValue(inputs[key], v);
      }
    }
  });
  const cp = (ctx.connection && ctx.connection.params) || {};
  const rows = [...TEXT, ...CHOICES].map((d) => ctx.register(d.key, createField({ key: d.key, label: d.label, input: inputs[d.key], hint: d.hint })));
  const el = h('details', { class: 'section', open: ['application_name', 'connect_timeout', 'options', 'sslnegotiation', 'require_auth', 'sslcertmode'].some((k) => cp[k]), 'data-testid': 'advanced-section' },
    h('summary', { class: 'section-title' }, 'Advanced', h('span', { class: 'section-sub', text: 'application name, timeout, search_path, TLS negotiation, allowed logins' })),
    h('div', { class: 'section-body grid-2' }, rows));
  return { el };
}

/** A select of the keyword's choices (the vocabulary's keyword table), with "not set" first. */
function choiceSelect(ctx, c) {
  const kw = (ctx.vocab.keywords || []).find((k) => k.name === c.key);
  return h('select', { class: 'input' },
    h('option', { value: '', text: c.unset }),
    ((kw && kw.choices) || []).map((v) => h('option', { value: v, text: c.words[v] || v })));
}
