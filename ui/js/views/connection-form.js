// New / Edit Connection. New starts with the provider choice (Postgres,
// Neon, Supabase), whose preset prefills and explains. The form: name, role
// (+ destination options), Connect by URL | Host (kept in sync both ways by
// lib/url-sync.js through parse_url/format_url), password with show/hide,
// the six SSL modes with what each guarantees, client TLS (file path or
// pasted PEM), advanced settings. Validation comes from validate_draft and
// shows inline; Save stays disabled while an error remains. The test panel
// sits beside the form (Ctrl+Enter runs it).
import * as api from '../api.js';
import { h, replace, setText, uniqueId } from '../lib/dom.js';
import { UrlSync, emptyFields, normalizeFields, markPosition } from '../lib/url-sync.js';
import { buildDraft } from '../lib/draft.js';
import { PRESETS, PROVIDER_IDS, SSL_MODES, SUPABASE_MODES, preset, applyDefaults, supabaseFields, guessProvider, searchPathOf, withSearchPath } from '../presets.js';
import { confirmDialog } from '../components/dialog.js';
import { createTestPanel } from '../components/test-panel.js';
import { openPermissionsDialog } from '../components/permissions-dialog.js';
import { toast, announce } from '../components/live.js';

const HOST_FIELDS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user']);

export function mountConnectionForm(root, app, { connection = null, provider = null } = {}) {
  const cleanup = [];
  if (!connection && !provider) {
    return mountProviderPicker(root, app);
  }
  const editing = !!connection;
  const st = {
    id: connection ? connection.id : null,
    provider: connection ? connection.provider : provider,
    name: connection ? connection.name : '',
    role: connection ? connection.role : 'source',
    truncate: connection ? !!connection.truncate : false,
    init_tables: connection ? !!connection.init_tables : false,
    mode: editing ? 'host' : 'url',
    pem: { root: connection ? connection.root_cert_pem || '' : '', cert: connection ? connection.client_cert_pem || '' : '', key: '' },
    tlsSource: {
      root: connection && connection.root_cert_pem ? 'pem' : 'path',
      cert: connection && connection.client_cert_pem ? 'pem' : 'path',
      key: connection && connection.has_client_key && !(connection.fields || {}).sslkey ? 'pem' : 'path',
    },
    passphrase: '',
    issues: [],
    parseError: null,
    touched: new Set(),
    editedSinceCheck: new Set(),
    showAll: false,
    dirty: false,
    saving: false,
  };
  const p0 = preset(st.provider);

  // ---- URL <-> fields
  const sync = new UrlSync({
    api,
    onFields: (fields) => {
      writeFieldInputs(fields, { except: 'url' });
      const guessed = guessProvider(fields.host);
      if (!editing && guessed !== 'postgres' && guessed !== st.provider) setProvider(guessed, { fromUrl: true });
      scheduleValidate();
    },
    onUrl: (url) => {
      if (document.activeElement !== urlInput) urlInput.value = url;
    },
    onError: (err) => {
      st.parseError = err;
      renderUrlError();
      updateSave();
    },
    onWarnings: (w) => renderUrlWarnings(w),
    onSyntax: (s) => setText(syntaxBadge, s === 'key_value' ? 'key=value' : 'URI'),
  });
  const initialFields = connection ? normalizeFields(connection.fields) : applyDefaults(emptyFields(), st.provider);
  sync.load({ fields: initialFields, url: '' });

  // ---- header
  const title = h('h1', { class: 'page-title', id: uniqueId('form-title'), tabindex: '-1', text: editing ? `Edit \u201C${connection.name}\u201D` : `New ${p0.label} connection` });
  const providerSelect = h('select', { class: 'input select-small', 'aria-label': 'Provider', 'data-testid': 'provider-select' },
    PROVIDER_IDS.map((id) => h('option', { value: id, text: PRESETS[id].label, selected: id === st.provider })),
    PROVIDER_IDS.includes(st.provider) ? null : h('option', { value: st.provider, text: st.provider, selected: true }));
  providerSelect.addEventListener('change', () => setProvider(providerSelect.value));
  const back = h('button', { type: 'button', class: 'btn btn-link', 'data-testid': 'back', on: { click: () => leave() } }, h('span', { 'aria-hidden': 'true', text: '\u2190 ' }), 'Connections');

  // ---- preset notes
  const notesBox = h('div', { class: 'preset-notes', 'data-testid': 'preset-notes' });

  // ---- helpers to make labelled fields
  const messages = new Map(); // field -> message element
  const inputs = new Map(); // field -> input element
  function field({ key, label, input, control = input, hint, wide = false, testid }) {
    const id = uniqueId(`f-${key}`);
    const msg = h('p', { class: 'field-msg', id: `${id}-msg`, 'data-testid': `msg-${key}`, 'aria-live': 'polite' });
    input.id = id;
    input.setAttribute('aria-describedby', `${id}-msg${hint ? ` ${id}-hint` : ''}`);
    if (testid || key) input.dataset.testid = testid || `field-${key}`;
    messages.set(key, msg);
    inputs.set(key, input);
    return h('div', { class: ['field', wide ? 'wide' : ''], dataset: { field: key } },
      h('label', { for: id, class: 'label', text: label }),
      control,
      hint ? h('p', { class: 'field-hint', id: `${id}-hint`, text: hint }) : null,
      msg);
  }
  // A labelled group (a div, not a <fieldset>: WebKit pads fieldsets oddly).
  function group(label, attrs, ...children) {
    const id = uniqueId('group');
    return h('div', { class: 'fieldset', role: 'group', 'aria-labelledby': id, ...attrs }, h('p', { class: 'label legend', id, text: label }), children);
  }
  const text = (attrs = {}) => h('input', { type: 'text', class: 'input', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', ...attrs });

  // ---- name & role
  const nameInput = text({ placeholder: 'e.g. Production replica', maxlength: '200', value: st.name });
  nameInput.addEventListener('input', () => {
    st.name = nameInput.value;
    touch('name');
  });
  const roleId = uniqueId('role');
  const roleRadio = (value, label, hint) => {
    const input = h('input', { type: 'radio', name: roleId, value, checked: st.role === value, 'data-testid': `role-${value}` });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      st.role = value;
      destOptions.hidden = value !== 'destination';
      touch('role');
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
  const destOptions = h('div', { class: 'dest-options', hidden: st.role !== 'destination', 'data-testid': 'destination-options' },
    check('truncate', 'Truncate before each run', 'Needs TRUNCATE on every table written to.'),
    check('init_tables', 'Initialize tables', 'Create missing tables from the source schema: needs CREATE on the schemas.'));
  const roleSet = group('Role', {},
    h('div', { class: 'segmented two' }, roleRadio('source', 'Source', 'Read only: needs SELECT.'), roleRadio('destination', 'Destination', 'Written to: needs INSERT, UPDATE.')),
    destOptions);

  // ---- connect by
  const modeId = uniqueId('mode');
  const modeRadio = (value, label) => {
    const input = h('input', { type: 'radio', name: modeId, value, checked: st.mode === value, 'data-testid': `mode-${value}` });
    input.addEventListener('change', () => input.checked && setMode(value));
    return h('label', { class: 'seg-option compact' }, input, h('span', { class: 'seg-label' }, h('strong', { text: label })));
  };
  const modeSet = group('Connect by', {}, h('div', { class: 'segmented two narrow' }, modeRadio('url', 'URL'), modeRadio('host', 'Host')));

  // URL mode
  const urlInput = h('textarea', { class: 'input mono url-input', rows: '2', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', placeholder: p0.placeholders.url, 'data-testid': 'field-url', 'aria-label': 'Connection URL' });
  urlInput.addEventListener('input', () => {
    markDirty();
    sync.setUrl(urlInput.value);
  });
  const syntaxBadge = h('span', { class: 'syntax-badge', 'aria-hidden': 'true' });
  const urlError = h('div', { class: 'url-error', 'data-testid': 'url-error', role: 'alert', hidden: true });
  const urlWarnings = h('ul', { class: 'url-warnings', 'data-testid': 'url-warnings', hidden: true });
  const urlIssues = h('ul', { class: 'url-issues', 'data-testid': 'url-issues', hidden: true });
  const urlId = uniqueId('url');
  urlInput.id = urlId;
  const urlPanel = h('div', { class: 'mode-panel', 'data-testid': 'url-panel' },
    h('div', { class: 'label-row' }, h('label', { for: urlId, class: 'label', text: 'Connection URL' }), syntaxBadge),
    urlInput,
    h('p', { class: 'field-hint', text: 'A postgresql:// URI or a key=value string. The fields below follow as you type.' }),
    urlError, urlWarnings, urlIssues);

  // Host mode
  const hostInput = text({ placeholder: p0.placeholders.host });
  const portInput = text({ placeholder: '5432', inputmode: 'numeric' });
  const dbInput = text({ placeholder: p0.placeholders.dbname });
  const userInput = text({ placeholder: p0.placeholders.user });
  const hostPanel = h('div', { class: 'mode-panel grid-2', 'data-testid': 'host-panel' },
    field({ key: 'host', label: 'Host', input: hostInput, wide: false }),
    field({ key: 'port', label: 'Port', input: portInput }),
    field({ key: 'dbname', label: 'Database', input: dbInput }),
    field({ key: 'user', label: 'Username', input: userInput }));
  hostPanel.firstChild.classList.add('host-cell');

  // Password (both modes)
  const passwordInput = h('input', { type: 'password', class: 'input', autocomplete: 'new-password', spellcheck: 'false', placeholder: connection && connection.has_password ? 'Saved in the keyring \u2014 type to replace' : '' });
  const toggle = h('button', { type: 'button', class: 'btn btn-small toggle-pw', 'aria-pressed': 'false', 'data-testid': 'toggle-password', text: 'Show' });
  toggle.addEventListener('click', () => {
    const show = passwordInput.type === 'password';
    passwordInput.type = show ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', String(show));
    setText(toggle, show ? 'Hide' : 'Show');
    passwordInput.focus();
  });
  const pwField = field({ key: 'password', label: 'Password', input: passwordInput, control: h('div', { class: 'input-with-btn' }, passwordInput, toggle), hint: editing && connection.has_password ? 'Leave empty to keep the saved password.' : 'Stored in the system keyring, never in a file.' });
  const pwLabel = pwField.querySelector('label');

  // SSL mode
  const sslId = uniqueId('ssl');
  const sslNote = h('p', { class: 'field-hint', 'data-testid': 'sslmode-note' });
  const sslRadios = SSL_MODES.map((m) => {
    const input = h('input', { type: 'radio', name: sslId, value: m.value, 'data-testid': `sslmode-${m.value}` });
    input.addEventListener('change', () => {
      if (input.checked) setField('sslmode', m.value);
    });
    return { input, el: h('label', { class: ['ssl-option', `ssl-${m.value}`] }, input, h('span', { class: 'ssl-name', text: m.label }), h('span', { class: 'ssl-text', text: m.text })) };
  });
  const sslMsg = h('p', { class: 'field-msg', 'data-testid': 'msg-sslmode' });
  messages.set('sslmode', sslMsg);
  const sslSet = group('SSL mode', { class: 'fieldset ssl-modes', role: 'radiogroup' }, sslRadios.map((r) => r.el), sslNote, sslMsg);

  // Client TLS
  function tlsRow(which, fieldKey, label, pemTestid, placeholder) {
    const rowName = uniqueId(`tls-${which}`);
    const pathInput = text({ placeholder: `/path/to/${placeholder}` });
    const pemArea = h('textarea', { class: 'input mono pem', rows: '4', spellcheck: 'false', placeholder: '-----BEGIN ...-----', 'aria-label': `${label} (PEM)`, 'data-testid': pemTestid, value: st.pem[which] });
    if (which === 'key' && connection && connection.has_client_key) pemArea.placeholder = 'A key is saved in the keyring \u2014 paste to replace';
    pemArea.addEventListener('input', () => {
      st.pem[which] = pemArea.value;
      touch(fieldKey);
    });
    const holder = h('div', { class: 'tls-input' });
    const f = field({ key: fieldKey, label, input: pathInput, control: holder });
    const radio = (value, text2) => {
      const input = h('input', { type: 'radio', name: rowName, value, checked: st.tlsSource[which] === value, 'data-testid': `${pemTestid}-source-${value}` });
      input.addEventListener('change', () => {
        if (!input.checked) return;
        st.tlsSource[which] = value;
        show();
        touch(fieldKey);
      });
      return h('label', { class: 'mini-seg' }, input, h('span', { text: text2 }));
    };
    const chooser = h('div', { class: 'mini-segmented', role: 'radiogroup', 'aria-label': `${label}: source` }, radio('path', 'File path'), radio('pem', 'Paste PEM'));
    holder.append(chooser, pathInput, pemArea);
    function show() {
      const pem = st.tlsSource[which] === 'pem';
      pathInput.hidden = pem;
      pemArea.hidden = !pem;
    }
    show();
    return f;
  }
  const passphraseInput = h('input', { type: 'password', class: 'input', autocomplete: 'off', placeholder: connection && connection.has_client_key ? 'Saved with the key \u2014 type to replace' : '' });
  passphraseInput.addEventListener('input', () => {
    st.passphrase = passphraseInput.value;
    touch('client_key_passphrase');
  });
  const tlsAny = connection && (connection.fields.sslrootcert || connection.fields.sslcert || connection.fields.sslkey || connection.root_cert_pem || connection.client_cert_pem || connection.has_client_key);
  const tlsSection = h('details', { class: 'section', open: !!tlsAny, 'data-testid': 'tls-section' },
    h('summary', { class: 'section-title' }, 'Client TLS', h('span', { class: 'section-sub', text: 'root certificate, client certificate and key' })),
    h('div', { class: 'section-body' },
      tlsRow('root', 'sslrootcert', 'Root certificate (CA)', 'pem-root', 'root.crt'),
      tlsRow('cert', 'sslcert', 'Client certificate', 'pem-cert', 'client.crt'),
      tlsRow('key', 'sslkey', 'Client key', 'pem-key', 'client.key'),
      field({ key: 'client_key_passphrase', label: 'Key passphrase', input: passphraseInput, hint: 'Only for an encrypted client key. Kept in the keyring.', testid: 'field-passphrase' })));

  // Advanced
  const appNameInput = text({ placeholder: 'sluice' });
  const timeoutInput = text({ placeholder: '10', inputmode: 'numeric' });
  const searchPathInput = text({ placeholder: 'app, public' });
  const optionsInput = text({ placeholder: '-c statement_timeout=5000' });
  const advancedOpen = connection && (connection.fields.application_name || connection.fields.connect_timeout || connection.fields.options);
  const advanced = h('details', { class: 'section', open: !!advancedOpen, 'data-testid': 'advanced-section' },
    h('summary', { class: 'section-title' }, 'Advanced', h('span', { class: 'section-sub', text: 'application name, timeout, search_path' })),
    h('div', { class: 'section-body grid-2' },
      field({ key: 'application_name', label: 'Application name', input: appNameInput, hint: 'Shown in pg_stat_activity.' }),
      field({ key: 'connect_timeout', label: 'Connect timeout (seconds)', input: timeoutInput, hint: 'Empty: wait as long as the OS does.' }),
      field({ key: 'search_path', label: 'search_path', input: searchPathInput, hint: 'Schemas to look in, comma-separated.' }),
      field({ key: 'options', label: 'Options', input: optionsInput, hint: 'Sent to the server at startup (-c name=value ...).' })));

  const bind = (input, key) => input.addEventListener('input', () => setField(key, input.value));
  bind(hostInput, 'host');
  bind(portInput, 'port');
  bind(dbInput, 'dbname');
  bind(userInput, 'user');
  bind(passwordInput, 'password');
  bind(appNameInput, 'application_name');
  bind(timeoutInput, 'connect_timeout');
  bind(optionsInput, 'options');
  inputs.get('sslrootcert') && bind(inputs.get('sslrootcert'), 'sslrootcert');
  inputs.get('sslcert') && bind(inputs.get('sslcert'), 'sslcert');
  inputs.get('sslkey') && bind(inputs.get('sslkey'), 'sslkey');
  searchPathInput.addEventListener('input', () => {
    const options = withSearchPath(sync.fields.options, searchPathInput.value);
    optionsInput.value = options;
    setField('options', options, { keepInput: 'search_path' });
  });

  // ---- footer
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'save-button', text: editing ? 'Save changes' : 'Save connection' });
  const cancelBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'cancel-form', text: 'Cancel', on: { click: () => leave() } });
  const includePw = h('input', { type: 'checkbox', 'data-testid': 'include-password' });
  const copyUrlBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'copy-url', text: 'Copy as URL', on: { click: copyUrl } });
  const blockers = h('p', { class: 'save-blockers', 'data-testid': 'save-blockers', id: uniqueId('blockers') });
  saveBtn.setAttribute('aria-describedby', blockers.id);
  const formError = h('div', { class: 'form-error', 'data-testid': 'form-error', role: 'alert', hidden: true });

  const form = h('form', { class: 'conn-form', 'data-testid': 'connection-form', novalidate: true, 'aria-labelledby': title.id },
    field({ key: 'name', label: 'Connection name', input: nameInput }),
    roleSet,
    modeSet,
    urlPanel,
    hostPanel,
    pwField,
    sslSet,
    tlsSection,
    advanced,
    formError,
    h('div', { class: 'form-footer' },
      h('div', { class: 'footer-main' }, saveBtn, cancelBtn),
      h('div', { class: 'footer-copy' }, copyUrlBtn, h('label', { class: 'check' }, includePw, 'include password'))),
    blockers);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save(false);
  });

  // ---- test panel
  const panel = createTestPanel({
    appVersion: () => app.version,
    prepare: prepareTest,
    onFinished: (report) => {
      if (report && !report.error && (report.access || report.verdict)) {
        openPermissionsDialog({ report, job: st.role, truncate: st.truncate, name: st.name, host: sync.fields.host });
      }
    },
    onPermissions: (report) => openPermissionsDialog({ report, job: st.role, truncate: st.truncate, name: st.name, host: sync.fields.host }),
  });
  const aside = h('aside', { class: 'form-aside' },
    h('h2', { class: 'aside-title', text: 'Test connection' }),
    h('p', { class: 'aside-hint' }, 'Runs each stage on one real connection and checks what the role can do as a ', h('strong', { text: 'source' }), ' or ', h('strong', { text: 'destination' }), '. ', h('kbd', { text: 'Ctrl' }), '+', h('kbd', { text: 'Enter' })),
    panel.el);
  const asideColumn = h('div', { class: 'aside-column' }, aside, notesBox);

  root.append(h('div', { class: 'page page-form', 'data-testid': 'form-page', dataset: { mode: st.mode } },
    h('div', { class: 'page-head' }, h('div', { class: 'page-heading' }, back, title), h('div', { class: 'page-tools' }, h('span', { class: 'label-inline', text: 'Provider' }), providerSelect)),
    h('div', { class: 'form-layout' }, form, asideColumn)));

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

  function setField(key, value, { keepInput } = {}) {
    sync.setFields({ [key]: value === '' ? null : value });
    if (key === 'options' && keepInput !== 'search_path') searchPathInput.value = searchPathOf(value);
    if (key === 'sslmode') renderSsl();
    touch(key);
  }

  function writeFieldInputs(fields, { except } = {}) {
    const set = (input, v) => {
      if (input && document.activeElement !== input) input.value = v == null ? '' : v;
    };
    set(hostInput, fields.host);
    set(portInput, fields.port);
    set(dbInput, fields.dbname);
    set(userInput, fields.user);
    if (fields.password != null || except !== 'url') set(passwordInput, fields.password);
    set(appNameInput, fields.application_name);
    set(timeoutInput, fields.connect_timeout);
    set(optionsInput, fields.options);
    set(searchPathInput, searchPathOf(fields.options));
    set(inputs.get('sslrootcert'), fields.sslrootcert);
    set(inputs.get('sslcert'), fields.sslcert);
    set(inputs.get('sslkey'), fields.sslkey);
    if (except !== 'url' && document.activeElement !== urlInput) urlInput.value = sync.url;
    renderSsl();
  }

  function renderSsl() {
    const mode = sync.fields.sslmode;
    for (const r of sslRadios) r.input.checked = r.input.value === mode;
    const m = SSL_MODES.find((x) => x.value === mode);
    setText(sslNote, m ? '' : 'Not set: libpq behaves as \u201Cprefer\u201D (encrypts if it can, verifies nothing).');
    sslNote.hidden = !!m;
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
    setText(pwLabel, mode === 'url' ? 'Password (if not in the URL)' : 'Password');
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
      const before = sync.fields;
      const after = applyDefaults(before, id);
      const patch = {};
      for (const k of Object.keys(after)) if (after[k] !== before[k]) patch[k] = after[k];
      if (Object.keys(patch).length) {
        sync.setFields(patch);
        writeFieldInputs(sync.fields);
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
    if (!p.notes.length) {
      replace(notesBox);
      notesBox.hidden = true;
      return;
    }
    notesBox.hidden = false;
    const items = h('dl', { class: 'notes' }, p.notes.map((n) => [h('dt', { text: n.title }), h('dd', { text: n.text })]));
    const children = [h('p', { class: 'notes-title' }, h('span', { class: ['provider-mark', `provider-${p.id}`], 'aria-hidden': 'true', text: p.label[0] }), `${p.label}: what is set for you`), items];
    if (p.id === 'supabase') children.push(supabaseHelper());
    replace(notesBox, children);
  }

  function supabaseHelper() {
    const ref = text({ placeholder: 'abcdefghijklmnopqrst', 'aria-label': 'Project ref', 'data-testid': 'supabase-ref' });
    const region = text({ placeholder: 'eu-central-1', 'aria-label': 'Region', 'data-testid': 'supabase-region' });
    const mode = h('select', { class: 'input', 'aria-label': 'Connection type', 'data-testid': 'supabase-mode' }, SUPABASE_MODES.map((m) => h('option', { value: m.value, text: m.label })));
    const apply = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'supabase-apply', text: 'Fill host, port and user' });
    const note = h('p', { class: 'field-hint', 'aria-live': 'polite' });
    region.disabled = true;
    mode.addEventListener('change', () => {
      region.disabled = mode.value === 'direct';
    });
    apply.addEventListener('click', () => {
      const out = supabaseFields({ ref: ref.value, region: region.value, mode: mode.value });
      const patch = {};
      for (const [k, v] of Object.entries(out)) if (v != null) patch[k] = v;
      sync.setFields(patch);
      writeFieldInputs(sync.fields);
      for (const k of Object.keys(patch)) touch(k);
      setText(note, out.host ? `Set ${Object.entries(patch).map(([k, v]) => `${k}=${v}`).join(', ')}.` : 'Enter the project ref (and the region for the pooler).');
    });
    return h('div', { class: 'supabase-helper' },
      h('p', { class: 'label', text: 'Fill from your project' }),
      h('div', { class: 'helper-row' }, ref, mode, region, apply), note);
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
      const issues = await api.validateDraft(buildDraft(st, sync.fields));
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
    const labels = { name: 'Name', host: 'Host', hostaddr: 'Host address', port: 'Port', url: 'URL', connect_timeout: 'Connect timeout', sslrootcert: 'Root certificate', sslcert: 'Client certificate', sslkey: 'Client key' };
    setText(blockers, errs.length ? `To save, fix: ${errs.map((e) => `${labels[e.field] || e.field} \u2014 ${String(e.message).replace(/\.$/, '')}`).join('; ')}.` : '');
    blockers.hidden = errs.length === 0;
  }

  // ---- actions
  async function prepareTest() {
    await sync.flush();
    if (st.mode === 'url' && st.parseError) {
      urlInput.focus();
      throw { kind: 'invalid_input', message: st.parseError.message, hint: 'Fix the URL (the marked character) and test again.' };
    }
    const draft = buildDraft(st, sync.fields);
    const unchanged = editing && !st.dirty;
    return {
      target: unchanged ? { id: st.id } : { draft },
      job: st.role,
      options: { truncate: draft.truncate, init_tables: draft.init_tables },
      info: { fields: draft.fields, name: st.name, provider: st.provider, secrets: [st.passphrase, st.pem.key].filter(Boolean) },
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
    const draft = buildDraft(st, sync.fields);
    const hasSecret = !!(draft.fields.password || draft.client_key_pem || draft.client_key_passphrase);
    if (!withoutSecrets && hasSecret && app.keyring && app.keyring.available === false) {
      if (await offerWithoutSecrets(app.keyring)) return save(true);
      return;
    }
    // The backend says when the saved password no longer belongs to the server named here.
    const moved = st.issues.find((i) => i.field === 'password' && i.severity === 'warning');
    if (moved && !draft.fields.password && !(await confirmDialog({
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
      const saved = await api.saveConnection(draft, !!withoutSecrets);
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
      const url = await api.formatUrl(sync.fields, includePw.checked);
      const ok = await api.copyText(url);
      toast(ok ? (includePw.checked ? 'URL copied, with the password' : 'URL copied (without the password)') : 'Could not use the clipboard', { kind: ok ? 'info' : 'error' });
    } catch (err) {
      toast(`Could not build the URL: ${err.message}`, { kind: 'error' });
    }
  }

  async function leave() {
    if (st.dirty && !(await confirmDialog({ title: 'Discard changes?', message: 'This connection has unsaved changes.', confirmLabel: 'Discard', danger: true, testid: 'discard-dialog' }))) return;
    app.navigate('list');
  }

  function onKey(e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !document.querySelector('.dialog-backdrop')) {
      e.preventDefault();
      panel.start();
    }
  }
  document.addEventListener('keydown', onKey);
  cleanup.push(() => document.removeEventListener('keydown', onKey));
  cleanup.push(() => panel.running && panel.cancel());

  // ---- initial paint
  renderNotes();
  writeFieldInputs(sync.fields);
  setMode(st.mode);
  api.formatUrl(sync.fields, false).then((url) => {
    if (!urlInput.value) {
      sync.url = url;
      urlInput.value = sync.fields.host ? url : '';
    }
  }).catch(() => {});
  validateNow();
  announce(editing ? `Editing ${st.name}` : `New ${p0.label} connection`);

  return {
    focus: () => (editing ? title.focus() : urlInput.focus()),
    destroy: () => cleanup.forEach((fn) => fn()),
  };
}

function mountProviderPicker(root, app) {
  const title = h('h1', { class: 'page-title', tabindex: '-1', text: 'New connection' });
  const cards = PROVIDER_IDS.map((id) => {
    const p = PRESETS[id];
    return h('button', { type: 'button', class: 'provider-card', 'data-testid': `provider-${id}`, on: { click: () => app.navigate('new', { provider: id }) } },
      h('span', { class: ['provider-mark', 'large', `provider-${id}`], 'aria-hidden': 'true', text: p.label[0] }),
      h('span', { class: 'provider-name', text: p.label }),
      h('span', { class: 'provider-tagline', text: p.tagline }));
  });
  root.append(h('div', { class: 'page page-picker' },
    h('div', { class: 'page-head' }, h('div', { class: 'page-heading' },
      h('button', { type: 'button', class: 'btn btn-link', 'data-testid': 'back', on: { click: () => app.navigate('list') } }, h('span', { 'aria-hidden': 'true', text: '\u2190 ' }), 'Connections'), title)),
    h('p', { class: 'lead', text: 'Which kind of Postgres? The preset fills in what that provider needs and explains it.' }),
    h('div', { class: 'provider-grid', role: 'list' }, cards.map((c) => h('div', { role: 'listitem' }, c)))));
  return { focus: () => cards[0].focus(), destroy: () => {} };
}
