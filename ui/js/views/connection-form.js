// New / Edit Connection. The form: name, job (+ destination options),
// Connect by URL | Host (kept in sync both ways by lib/url-sync.js through
// parse_url/format_url), password with show/hide, the SSL mode, client TLS
// (components/tls-section.js), the schemas the job uses
// (components/schema-picker.js) and advanced settings. Validation comes from
// validate_draft and shows inline; Save stays disabled while an error
// remains. The test panel sits beside the form (Ctrl+Enter runs it).
// Fields are named by their libpq keyword: the form's values are the
// `params` object of the IPC contract.
import * as api from '../api.js';
import { h, replace, setText } from '../lib/dom.js';
import { UrlSync, markPosition } from '../lib/url-sync.js';
import { buildDraft, initialState } from '../lib/draft.js';
import { schemasOf } from '../lib/schemas.js';
import { PRESETS, PROVIDER_IDS, preset, applyDefaults, guessProvider, searchPathOf, withSearchPath } from '../presets.js';
import { confirmDialog } from '../components/dialog.js';
import { createField, createGroup, textInput } from '../components/field.js';
import { createSslModeSelect } from '../components/ssl-mode.js';
import { createTlsSection } from '../components/tls-section.js';
import { createSshSection } from '../components/ssh-section.js';
import { createPasswordCommand } from '../components/password-command.js';
import { createSchemaPicker } from '../components/schema-picker.js';
import { createSupabaseHelper } from '../components/supabase-helper.js';
import { createTestPanel } from '../components/test-panel.js';
import { openPermissionsDialog } from '../components/permissions-dialog.js';
import { toast, announce } from '../components/live.js';
import { mountProviderPicker } from './provider-picker.js';

const HOST_FIELDS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user']);
const LABELS = { name: 'Name', host: 'Host', hostaddr: 'Host address', port: 'Port', url: 'URL', connect_timeout: 'Connect timeout', sslrootcert: 'Root certificate', sslcert: 'Client certificate', sslkey: 'Client key' };

export function mountConnectionForm(root, app, { connection = null, provider = null, url = null } = {}) {
  if (!connection && !provider) return mountProviderPicker(root, app);
  const cleanup = [];
  const editing = !!connection;
  const st = initialState(connection, provider);
  const p0 = preset(st.provider);
  const messages = new Map(); // field -> message element
  const inputs = new Map(); // field -> input element
  const register = (f, key) => {
    messages.set(key, f.msg);
    inputs.set(key, f.input);
    return f.el;
  };

  // ---- URL <-> fields
  const sync = new UrlSync({
    api,
    onParams: (params) => {
      writeInputs(params, { except: 'url' });
      const guessed = guessProvider(params.host);
      if (!editing && guessed !== 'postgres' && guessed !== st.provider) setProvider(guessed, { fromUrl: true });
      scheduleValidate();
    },
    onPassword: (password) => {
      if (document.activeElement !== passwordInput) passwordInput.value = password || '';
    },
    onUrl: (url, { force } = {}) => {
      if (force || document.activeElement !== urlInput) urlInput.value = url;
    },
    onError: (err) => {
      st.parseError = err;
      renderUrlError();
      updateSave();
    },
    onWarnings: (w) => renderUrlWarnings(w),
    onSyntax: (s) => setText(syntaxBadge, s === 'key_value' ? 'key=value' : 'URI'),
  });
  sync.load({ params: connection ? connection.params : applyDefaults({}, st.provider) });

  // ---- header
  const title = h('h1', { class: 'page-title', tabindex: '-1', text: editing ? `Edit \u201C${connection.name}\u201D` : `New ${p0.label} connection` });
  title.id = `form-title-${Date.now()}`;
  const providerSelect = h('select', { class: 'input select-small', 'aria-label': 'Provider', 'data-testid': 'provider-select' },
    PROVIDER_IDS.map((id) => h('option', { value: id, text: PRESETS[id].label, selected: id === st.provider })),
    PROVIDER_IDS.includes(st.provider) ? null : h('option', { value: st.provider, text: st.provider, selected: true }));
  providerSelect.addEventListener('change', () => setProvider(providerSelect.value));
  const back = h('button', { type: 'button', class: 'btn btn-link', 'data-testid': 'back', on: { click: () => leave() } }, h('span', { 'aria-hidden': 'true', text: '\u2190 ' }), 'Connections');
  const notesBox = h('div', { class: 'preset-notes', 'data-testid': 'preset-notes' });

  // ---- name & job
  const nameInput = textInput({ placeholder: 'e.g. Production replica', maxlength: '200', value: st.name });
  nameInput.addEventListener('input', () => {
    st.name = nameInput.value;
    touch('name');
  });
  const jobName = `job-${title.id}`;
  const jobRadio = (value, label, hint) => {
    const input = h('input', { type: 'radio', name: jobName, value, checked: st.job === value, 'data-testid': `role-${value}` });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      st.job = value;
      destOptions.hidden = value !== 'destination';
      touch('job');
    });
    return h('label', { class: 'seg-option' }, input, h('span', { class: 'seg-label' }, h('strong', { text: label }), h('span', { class: 'seg-hint', text: hint })));
  };
  const check = (key, label, hint) => {
    const input = h('input', { type: 'checkbox', checked: !!st[key], 'data-testid': `opt-${key.replace('_', '-')}` });
    input.addEventListener('change', () => {
      st[key] = input.checked;
      touch(key);
    });
    return h('label', { class: 'check check-block' }, input, h('span', null, h('strong', { text: label }), h('span', { class: 'seg-hint', text: hint })));
  };
  const destOptions = h('div', { class: 'dest-options', hidden: st.job !== 'destination', 'data-testid': 'destination-options' },
    check('truncate', 'Truncate before each run', 'Needs TRUNCATE on every table written to.'),
    check('init_tables', 'Initialize tables', 'Create missing tables from the source schema: needs CREATE on the schemas.'));
  const jobSet = createGroup('Role', {},
    h('div', { class: 'segmented two' }, jobRadio('source', 'Source', 'Read only: needs SELECT.'), jobRadio('destination', 'Destination', 'Written to: needs INSERT, UPDATE.')),
    destOptions);

  // ---- connect by
  const modeRadio = (value, label) => {
    const input = h('input', { type: 'radio', name: `mode-${title.id}`, value, checked: st.mode === value, 'data-testid': `mode-${value}` });
    input.addEventListener('change', () => input.checked && setMode(value));
    return h('label', { class: 'seg-option compact' }, input, h('span', { class: 'seg-label' }, h('strong', { text: label })));
  };
  const modeSet = createGroup('Connect by', {}, h('div', { class: 'segmented two narrow' }, modeRadio('url', 'URL'), modeRadio('host', 'Host')));

  // URL mode. A pasted password leaves the URL box for the masked field.
  const urlInput = h('textarea', { class: 'input mono url-input', rows: '2', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', placeholder: p0.placeholders.url, 'data-testid': 'field-url', id: `url-${title.id}` });
  urlInput.addEventListener('input', () => {
    markDirty();
    sync.setUrl(urlInput.value);
  });
  const takePassword = () => setTimeout(() => sync.takePassword(), 0);
  urlInput.addEventListener('paste', takePassword);
  urlInput.addEventListener('change', takePassword);
  const syntaxBadge = h('span', { class: 'syntax-badge', 'aria-hidden': 'true' });
  const urlError = h('div', { class: 'url-error', 'data-testid': 'url-error', role: 'alert', hidden: true });
  const urlWarnings = h('ul', { class: 'url-warnings', 'data-testid': 'url-warnings', hidden: true });
  const urlIssues = h('ul', { class: 'url-issues', 'data-testid': 'url-issues', hidden: true });
  const urlPanel = h('div', { class: 'mode-panel', 'data-testid': 'url-panel' },
    h('div', { class: 'label-row' }, h('label', { for: urlInput.id, class: 'label', text: 'Connection URL' }), syntaxBadge),
    urlInput,
    h('p', { class: 'field-hint', text: 'A postgresql:// URI or a key=value string. The fields below follow as you type; a password moves to the password field.' }),
    urlError, urlWarnings, urlIssues);

  // Host mode
  const hostInput = textInput({ placeholder: p0.placeholders.host });
  const portInput = textInput({ placeholder: '5432', inputmode: 'numeric' });
  const dbInput = textInput({ placeholder: p0.placeholders.dbname });
  const userInput = textInput({ placeholder: p0.placeholders.user });
  const hostPanel = h('div', { class: 'mode-panel grid-2', 'data-testid': 'host-panel' },
    register(createField({ key: 'host', label: 'Host', input: hostInput }), 'host'),
    register(createField({ key: 'port', label: 'Port', input: portInput }), 'port'),
    register(createField({ key: 'dbname', label: 'Database', input: dbInput }), 'dbname'),
    register(createField({ key: 'user', label: 'Username', input: userInput }), 'user'));
  hostPanel.firstChild.classList.add('host-cell');

  // Password (both modes)
  const passwordInput = h('input', { type: 'password', class: 'input', autocomplete: 'new-password', spellcheck: 'false', placeholder: connection && connection.has_password ? 'Saved in the keyring \u2014 type to replace' : '' });
  passwordInput.addEventListener('input', () => {
    sync.setPassword(passwordInput.value);
    touch('password');
    scheduleValidate();
  });
  const toggle = h('button', { type: 'button', class: 'btn btn-small toggle-pw', 'aria-pressed': 'false', 'data-testid': 'toggle-password', text: 'Show' });
  toggle.addEventListener('click', () => {
    const show = passwordInput.type === 'password';
    passwordInput.type = show ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', String(show));
    setText(toggle, show ? 'Hide' : 'Show');
    passwordInput.focus();
  });
  const pwField = createField({ key: 'password', label: 'Password', input: passwordInput, control: h('div', { class: 'input-with-btn' }, passwordInput, toggle), hint: editing && connection.has_password ? 'Leave empty to keep the saved password.' : 'Stored in the system keyring, never in a file.' });
  register(pwField, 'password');

  // Password from a command (cloud IAM, secret managers)
  const pwCommand = createPasswordCommand({
    st,
    presets: app.vocabulary.password_presets || [],
    imported: !!(connection && connection.password_command && connection.password_command.confirmed === false),
    fill: (preset) => api.fillPasswordPreset(preset, sync.params),
    onTouch: touch,
  });
  register(pwCommand.field, 'password_command');

  // SSL mode
  const ssl = createSslModeSelect({ modes: app.vocabulary.sslmodes, onChange: (mode) => setParam('sslmode', mode) });
  messages.set('sslmode', ssl.msg);
  inputs.set('sslmode', ssl.select);

  // Client TLS
  const tls = createTlsSection({ st, connection, onPath: (key, value) => setParam(key, value), onTouch: touch });
  for (const [key, f] of Object.entries(tls.fields)) register(f, key);
  register(tls.passphrase, 'client_key_passphrase');

  // SSH tunnel
  const tunnel = createSshSection({ st, connection, methods: app.vocabulary.ssh_auth || ['auto', 'agent', 'key', 'password'], onTouch: touch });
  for (const [key, f] of Object.entries(tunnel.fields)) {
    messages.set(key, f.msg);
    inputs.set(key, f.input);
  }

  // Schemas
  const picker = createSchemaPicker({
    selected: st.scope,
    onChange: (scope) => {
      st.scope = scope;
      touch('scope_schemas');
    },
  });

  // Advanced
  const appNameInput = textInput({ placeholder: 'Sluice' });
  const timeoutInput = textInput({ placeholder: '10', inputmode: 'numeric' });
  const searchPathInput = textInput({ placeholder: 'app, public' });
  const optionsInput = textInput({ placeholder: '-c statement_timeout=5000' });
  // sslnegotiation: its choices and doc from the one keyword table.
  const negKw = (app.vocabulary.keywords || []).find((k) => k.name === 'sslnegotiation');
  const negotiationSelect = h('select', { class: 'input' },
    h('option', { value: '', text: 'Not set (postgres)' }),
    ((negKw && negKw.choices) || []).map((c) => h('option', { value: c, text: c === 'direct' ? 'direct (PostgreSQL 17+)' : c })));
  negotiationSelect.addEventListener('change', () => setParam('sslnegotiation', negotiationSelect.value));
  // libpq 16's login requirements (enforced by the probe as libpq does).
  const requireAuthInput = textInput({ placeholder: 'scram-sha-256' });
  const certModeKw = (app.vocabulary.keywords || []).find((k) => k.name === 'sslcertmode');
  const certModeSelect = h('select', { class: 'input' },
    h('option', { value: '', text: 'Not set (allow)' }),
    ((certModeKw && certModeKw.choices) || []).map((c) => h('option', { value: c, text: c })));
  certModeSelect.addEventListener('change', () => setParam('sslcertmode', certModeSelect.value));
  const cp = (connection && connection.params) || {};
  const advanced = h('details', { class: 'section', open: !!(cp.application_name || cp.connect_timeout || cp.options || cp.sslnegotiation || cp.require_auth || cp.sslcertmode), 'data-testid': 'advanced-section' },
    h('summary', { class: 'section-title' }, 'Advanced', h('span', { class: 'section-sub', text: 'application name, timeout, search_path, TLS negotiation, allowed logins' })),
    h('div', { class: 'section-body grid-2' },
      register(createField({ key: 'application_name', label: 'Application name', input: appNameInput, hint: 'Shown in pg_stat_activity.' }), 'application_name'),
      register(createField({ key: 'connect_timeout', label: 'Connect timeout (seconds)', input: timeoutInput, hint: 'The whole test\u2019s deadline; empty: 10 s.' }), 'connect_timeout'),
      register(createField({ key: 'search_path', label: 'search_path', input: searchPathInput, hint: 'Schemas to look in, comma-separated.' }), 'search_path'),
      register(createField({ key: 'options', label: 'Options', input: optionsInput, hint: 'Sent to the server at startup (-c name=value ...).' }), 'options'),
      register(createField({ key: 'sslnegotiation', label: 'TLS negotiation', input: negotiationSelect, hint: 'direct starts TLS at once (one round trip fewer); needs SSL mode require or stricter.' }), 'sslnegotiation'),
      register(createField({ key: 'require_auth', label: 'Allowed login methods (require_auth)', input: requireAuthInput, hint: 'e.g. scram-sha-256: a server that asks for anything else gets no answer and no password; add none to allow trust.' }), 'require_auth'),
      register(createField({ key: 'sslcertmode', label: 'Client certificate mode', input: certModeSelect, hint: 'disable never sends one; require fails unless the server asked for it and got it.' }), 'sslcertmode')));

  const bind = (input, key) => input.addEventListener('input', () => setParam(key, input.value));
  bind(hostInput, 'host');
  bind(portInput, 'port');
  bind(dbInput, 'dbname');
  bind(userInput, 'user');
  bind(appNameInput, 'application_name');
  bind(timeoutInput, 'connect_timeout');
  bind(optionsInput, 'options');
  bind(requireAuthInput, 'require_auth');
  searchPathInput.addEventListener('input', () => {
    const options = withSearchPath(sync.params.options, searchPathInput.value);
    optionsInput.value = options;
    setParam('options', options, { keepSearchPath: true });
  });

  // ---- footer
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'save-button', text: editing ? 'Save changes' : 'Save connection' });
  const cancelBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'cancel-form', text: 'Cancel', on: { click: () => leave() } });
  const includePw = h('input', { type: 'checkbox', 'data-testid': 'include-password' });
  const copyUrlBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'copy-url', text: 'Copy as URL', on: { click: copyUrl } });
  const blockers = h('p', { class: 'save-blockers', 'data-testid': 'save-blockers', id: `blockers-${title.id}` });
  saveBtn.setAttribute('aria-describedby', blockers.id);
  const formError = h('div', { class: 'form-error', 'data-testid': 'form-error', role: 'alert', hidden: true });

  const form = h('form', { class: 'conn-form', 'data-testid': 'connection-form', novalidate: true, 'aria-labelledby': title.id },
    register(createField({ key: 'name', label: 'Connection name', input: nameInput }), 'name'),
    jobSet, modeSet, urlPanel, hostPanel, pwField.el, pwCommand.el, ssl.el, tls.el, tunnel.el, picker.el, advanced, formError,
    h('div', { class: 'form-footer' },
      h('div', { class: 'footer-main' }, saveBtn, cancelBtn),
      h('div', { class: 'footer-copy' }, copyUrlBtn, h('label', { class: 'check' }, includePw, 'include password'))),
    blockers);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save(false);
  });

  // ---- test panel
  const permissions = (report) => openPermissionsDialog({ report, name: st.name, host: sync.params.host });
  const panel = createTestPanel({
    appVersion: () => app.version,
    prepare: prepareTest,
    onFinished: (report) => {
      if (report && report.access) picker.setAvailable(schemasOf(report.access));
      if (report && !report.error && (report.access || report.verdict)) permissions(report);
    },
    onPermissions: permissions,
  });
  const aside = h('aside', { class: 'form-aside', 'aria-labelledby': `aside-${title.id}` },
    h('h2', { class: 'aside-title', id: `aside-${title.id}`, text: 'Test connection' }),
    h('p', { class: 'aside-hint' }, 'Runs each stage on one real connection and checks what the role can do as a ', h('strong', { text: 'source' }), ' or ', h('strong', { text: 'destination' }), '. ', h('kbd', { text: 'Ctrl' }), '+', h('kbd', { text: 'Enter' })),
    panel.el);

  root.append(h('div', { class: 'page page-form', 'data-testid': 'form-page', dataset: { mode: st.mode } },
    h('div', { class: 'page-head' }, h('div', { class: 'page-heading' }, back, title), h('div', { class: 'page-tools' }, h('span', { class: 'label-inline', text: 'Provider' }), providerSelect)),
    h('div', { class: 'form-layout' }, form, h('div', { class: 'aside-column' }, aside, notesBox))));

  // ---- behaviour
  function markDirty() {
    st.dirty = true;
  }

  function touch(key) {
    st.touched.add(key);
    // Its last message may no longer hold: hide it until the next answer.
    st.editedSinceCheck.add(key);
    const msg = messages.get(key);
    if (msg && msg.textContent) {
      setText(msg, '');
      delete msg.dataset.severity;
    }
    markDirty();
    scheduleValidate();
  }

  function setParam(key, value, { keepSearchPath = false } = {}) {
    sync.setParams({ [key]: value === '' ? null : value });
    if (key === 'options' && !keepSearchPath) searchPathInput.value = searchPathOf(value);
    touch(key);
  }

  function writeInputs(params, { except } = {}) {
    const set = (input, v) => {
      if (input && document.activeElement !== input) input.value = v == null ? '' : v;
    };
    set(hostInput, params.host);
    set(portInput, params.port);
    set(dbInput, params.dbname);
    set(userInput, params.user);
    set(appNameInput, params.application_name);
    set(timeoutInput, params.connect_timeout);
    set(optionsInput, params.options);
    set(searchPathInput, searchPathOf(params.options));
    for (const key of ['sslrootcert', 'sslcert', 'sslkey']) set(inputs.get(key), params[key]);
    ssl.set(params.sslmode);
    if (document.activeElement !== negotiationSelect) negotiationSelect.value = params.sslnegotiation === 'postgres' || params.sslnegotiation === 'direct' ? params.sslnegotiation : '';
    set(requireAuthInput, params.require_auth);
    if (document.activeElement !== certModeSelect) certModeSelect.value = ['disable', 'allow', 'require'].includes(params.sslcertmode) ? params.sslcertmode : '';
    if (except !== 'url' && document.activeElement !== urlInput) urlInput.value = sync.url;
  }

  function renderUrlError() {
    const err = st.parseError;
    if (!err || st.mode !== 'url') {
      urlError.hidden = true;
      urlInput.removeAttribute('aria-invalid');
      return;
    }
    urlInput.setAttribute('aria-invalid', 'true');
    const parts = markPosition(urlInput.value, err.position);
    replace(urlError,
      h('p', { class: 'url-error-msg', 'data-testid': 'url-error-message', text: err.message }),
      parts ? h('pre', { class: 'url-error-mark', 'aria-hidden': 'true' }, parts[0], h('mark', { text: parts[1] }), parts[2]) : null,
      err.position != null ? h('p', { class: 'visually-hidden', text: `at character ${err.position + 1}` }) : null);
    urlError.hidden = false;
  }

  function renderUrlWarnings(warnings) {
    replace(urlWarnings, (warnings || []).map((w) => h('li', { text: w })));
    urlWarnings.hidden = !(warnings && warnings.length);
  }

  function setMode(mode) {
    st.mode = mode;
    form.closest('.page-form').dataset.mode = mode;
    urlPanel.hidden = mode !== 'url';
    hostPanel.hidden = mode !== 'host';
    setText(pwField.label, mode === 'url' ? 'Password (if not in the URL)' : 'Password');
    // Both views already hold every value; only make sure the URL is current.
    sync.flush().then(() => {
      if (mode === 'url' && document.activeElement !== urlInput) urlInput.value = sync.url;
      renderUrlError();
      renderIssues();
    });
  }

  function setProvider(id, { fromUrl = false } = {}) {
    st.provider = id;
    providerSelect.value = id;
    const p = preset(id);
    if (!editing) setText(title, `New ${p.label} connection`);
    if (!fromUrl) {
      const before = sync.params;
      const after = applyDefaults(before, id);
      const patch = {};
      for (const k of Object.keys(after)) if (after[k] !== before[k]) patch[k] = after[k];
      if (Object.keys(patch).length) {
        sync.setParams(patch);
        writeInputs(sync.params);
      }
    }
    hostInput.placeholder = p.placeholders.host;
    userInput.placeholder = p.placeholders.user;
    dbInput.placeholder = p.placeholders.dbname;
    urlInput.placeholder = p.placeholders.url;
    renderNotes();
    markDirty();
    scheduleValidate();
  }

  function renderNotes() {
    const p = preset(st.provider);
    notesBox.hidden = !p.notes.length;
    if (!p.notes.length) {
      replace(notesBox);
      return;
    }
    const items = h('dl', { class: 'notes' }, p.notes.map((n) => [h('dt', { text: n.title }), h('dd', { text: n.text })]));
    replace(notesBox,
      h('p', { class: 'notes-title' }, h('span', { class: ['provider-mark', `provider-${p.id}`], 'aria-hidden': 'true', text: p.label[0] }), `${p.label}: what is set for you`),
      items,
      p.id === 'supabase' ? createSupabaseHelper({ onFill: (patch) => {
        sync.setParams(patch);
        writeInputs(sync.params);
        for (const k of Object.keys(patch)) touch(k);
      } }) : null);
  }

  // ---- validation
  // Debounced while typing, but never more than MAX_WAIT behind the edits.
  let validateTimer = 0;
  let validateSeq = 0;
  let firstPending = 0;
  const MAX_WAIT = 500;
  function scheduleValidate() {
    clearTimeout(validateTimer);
    const now = Date.now();
    if (!firstPending) firstPending = now;
    validateTimer = setTimeout(validateNow, Math.max(0, Math.min(180, firstPending + MAX_WAIT - now)));
    updateSave();
  }

  async function validateNow() {
    clearTimeout(validateTimer);
    firstPending = 0;
    st.editedSinceCheck.clear();
    const mine = ++validateSeq;
    try {
      const issues = await api.validateDraft(draft());
      if (mine !== validateSeq) return;
      st.issues = Array.isArray(issues) ? issues : [];
    } catch (err) {
      if (mine !== validateSeq) return;
      st.issues = Array.isArray(err.issues) ? err.issues : [];
    }
    renderIssues();
  }

  function visibleFor(key) {
    return st.showAll || st.touched.has(key) || (editing && key !== 'name') || (st.mode === 'url' && HOST_FIELDS.has(key) && sync.url);
  }

  function renderIssues() {
    const byField = new Map();
    for (const i of st.issues) if (!byField.has(i.field)) byField.set(i.field, i);
    for (const [key, msg] of messages) {
      const issue = byField.get(key) || (key === 'host' ? byField.get('hostaddr') : null);
      const input = inputs.get(key);
      if (issue && visibleFor(key) && !st.editedSinceCheck.has(key)) {
        setText(msg, issue.message);
        msg.dataset.severity = issue.severity;
        if (input) input.setAttribute('aria-invalid', issue.severity === 'error' ? 'true' : 'false');
      } else {
        setText(msg, '');
        delete msg.dataset.severity;
        if (input) input.removeAttribute('aria-invalid');
      }
    }
    // Host-mode fields are hidden in URL mode: their issues show under the URL.
    const urlSide = st.mode === 'url' ? st.issues.filter((i) => HOST_FIELDS.has(i.field) || i.field === 'password') : [];
    replace(urlIssues, urlSide.map((i) => h('li', { class: `sev-${i.severity}`, dataset: { field: i.field } }, h('strong', { text: `${i.field}: ` }), i.message)));
    urlIssues.hidden = urlSide.length === 0;
    const known = new Set([...messages.keys(), 'hostaddr']);
    const other = st.issues.filter((i) => !known.has(i.field));
    replace(formError, other.map((i) => h('p', { class: `sev-${i.severity}`, text: `${i.field}: ${i.message}` })));
    formError.hidden = other.length === 0;
    updateSave();
  }

  function errors() {
    const list = st.issues.filter((i) => i.severity === 'error');
    if (st.mode === 'url' && st.parseError) list.unshift({ field: 'url', severity: 'error', message: st.parseError.message });
    return list;
  }

  function updateSave() {
    const errs = errors();
    saveBtn.disabled = st.saving || errs.length > 0;
    setText(blockers, errs.length ? `To save, fix: ${errs.map((e) => `${LABELS[e.field] || e.field} \u2014 ${String(e.message).replace(/\.$/, '')}`).join('; ')}.` : '');
    blockers.hidden = errs.length === 0;
  }

  // ---- actions
  function draft() {
    return buildDraft(st, sync.params, passwordInput.value);
  }

  async function prepareTest() {
    await sync.flush();
    if (st.mode === 'url' && st.parseError) {
      urlInput.focus();
      throw { kind: 'invalid_input', message: st.parseError.message, hint: 'Fix the URL (the marked character) and test again.' };
    }
    const d = draft();
    const unchanged = editing && !st.dirty;
    return {
      target: unchanged ? { id: st.id } : { draft: d },
      job: st.job,
      destinationOptions: d.destination_options,
      info: { params: d.params, name: st.name, provider: st.provider, sshHops: d.ssh ? d.ssh.hops.length : unchanged && connection.ssh ? connection.ssh.hops.length : 0, secrets: [d.password, st.passphrase, st.pem.key, d.ssh_password, d.ssh_passphrase, d.ssh_key].filter(Boolean) },
    };
  }

  async function save(withoutSecrets) {
    st.showAll = true;
    await sync.flush();
    await validateNow();
    if (errors().length) {
      const first = errors()[0];
      const input = first.field === 'url' ? urlInput : inputs.get(first.field);
      if (input && !input.hidden) input.focus();
      return;
    }
    const d = draft();
    const hasSecret = !!(d.password || d.client_key_pem || d.client_key_passphrase || d.ssh_password || d.ssh_passphrase || d.ssh_key);
    if (!withoutSecrets && hasSecret && app.keyring && app.keyring.available === false) {
      if (await offerWithoutSecrets(app.keyring)) return save(true);
      return;
    }
    // The backend says when the saved password no longer belongs to the server named here.
    const moved = st.issues.find((i) => i.field === 'password' && i.severity === 'warning');
    if (moved && !d.password && !(await confirmDialog({
      title: 'The saved password will not be kept',
      message: [moved.message, 'Save without it, or cancel and type the password for this server.'],
      confirmLabel: 'Save without password',
      testid: 'password-moved-dialog',
    }))) {
      passwordInput.focus();
      return;
    }
    st.saving = true;
    updateSave();
    try {
      const saved = await api.saveConnection(d, !!withoutSecrets);
      st.dirty = false;
      toast(withoutSecrets ? `Saved \u201C${saved.name}\u201D without its password` : `Saved \u201C${saved.name}\u201D`);
      app.navigate('list', { highlight: saved.id });
    } catch (err) {
      st.saving = false;
      updateSave();
      if (err.kind === 'keyring_unavailable') {
        app.setKeyring({ available: false, message: err.message, hint: err.hint });
        if (await offerWithoutSecrets(err)) save(true);
      } else if (Array.isArray(err.issues) && err.issues.length) {
        st.issues = err.issues;
        renderIssues();
      } else if (err.kind === 'duplicate_name') {
        st.issues = [{ field: 'name', severity: 'error', message: err.message }];
        renderIssues();
        nameInput.focus();
      } else {
        replace(formError, h('p', { text: `Could not save: ${err.message}` }), err.hint ? h('p', { class: 'hint', text: err.hint }) : null);
        formError.hidden = false;
      }
    }
  }

  function offerWithoutSecrets(err) {
    return confirmDialog({
      title: 'The password cannot be saved',
      message: [
        err.message || 'The system keyring is not available.',
        err.hint || 'Start or unlock your keyring (GNOME Keyring, KWallet or KeePassXC with Secret Service), then save again.',
        'You can save the connection without its password now, and type the password in the form whenever you test it.',
      ],
      confirmLabel: 'Save without password',
      testid: 'keyring-save-dialog',
    });
  }

  async function copyUrl() {
    await sync.flush();
    try {
      const url = await api.formatUrl(sync.params, includePw.checked ? passwordInput.value : null);
      const ok = await api.copyText(url);
      toast(ok ? (includePw.checked ? 'URL copied, with the password' : 'URL copied (without the password)') : 'Could not use the clipboard', { kind: ok ? 'info' : 'error' });
    } catch (err) {
      toast(`Could not build the URL: ${err.message}`, { kind: 'error' });
    }
  }

  async function leave(to = 'list') {
    if (st.dirty && !(await confirmDialog({ title: 'Discard changes?', message: 'This connection has unsaved changes.', confirmLabel: 'Discard', danger: true, testid: 'discard-dialog' }))) return;
    app.navigate(to);
  }

  // Keyboard shortcuts (lib/shortcuts.js; main.js dispatches).
  const shortcuts = {
    test: () => panel.start(),
    cancelTest: () => panel.running && panel.cancel(),
    save: () => form.requestSubmit(),
    newConnection: () => leave('new'),
  };
  cleanup.push(() => panel.running && panel.cancel());

  // ---- initial paint
  renderNotes();
  writeInputs(sync.params);
  setMode(st.mode);
  // The schemas the last saved test saw, until this form's own test lists them.
  if (connection && connection.last_test) picker.setAvailable(connection.last_test.schemas || []);
  if (url) {
    // From the first run's "Set up and test": a local server's URL.
    urlInput.value = url;
    sync.setUrl(url);
    markDirty();
  } else {
    api.formatUrl(sync.params).then((formatted) => {
      if (!urlInput.value) {
        sync.url = formatted;
        urlInput.value = sync.params.host ? formatted : '';
      }
    }).catch(() => {});
  }
  validateNow();
  announce(editing ? `Editing ${st.name}` : `New ${p0.label} connection`);

  return {
    focus: () => (editing ? title.focus() : urlInput.focus()),
    destroy: () => cleanup.forEach((fn) => fn()),
    shortcuts,
  };
}
