// New / Edit Connection: the coordinator. It holds the draft (the state
// `st` and the URL <-> fields sync, in form/context.js), builds the
// sections and lays them out; each section lives in views/form/:
//   provider.js    the title, the provider select and its notes
//   identity.js    the name, the job and the job's options (from the vocabulary)
//   connect.js     Connect by URL | Host, the URL box, the host fields
//   password.js    the password and what it says of the saved one
//   advanced.js    application name, timeout, search_path, negotiation, require_auth
//   validation.js  validate_draft's issues, inline; what blocks Save
//   actions.js     Save, Cancel, Copy as URL
//   aside.js       Test connection beside the form, the permissions on request
// and the components: SSL mode, client TLS, SSH tunnel, password command,
// schema picker. Fields are named by their libpq keyword: the form's values
// are the `params` object of the IPC contract.
import { h } from '../lib/dom.js';
import { applyDefaults } from '../presets.js';
import { missingRequired } from '../lib/vocabulary.js';
import { createSslModeSelect } from '../components/ssl-mode.js';
import { createTlsSection } from '../components/tls-section.js';
import { createSshSection } from '../components/ssh-section.js';
import { createPasswordCommand } from '../components/password-command.js';
import { createSchemaPicker } from '../components/schema-picker.js';
import { announce } from '../components/live.js';
import { mountProviderPicker } from './provider-picker.js';
import { createFormContext } from './form/context.js';
import { createHeader } from './form/provider.js';
import { createIdentity } from './form/identity.js';
import { createConnectBy, setMode } from './form/connect.js';
import { createPasswordField } from './form/password.js';
import { createAdvanced } from './form/advanced.js';
import { createValidator } from './form/validation.js';
import { createActions } from './form/actions.js';
import { createAside } from './form/aside.js';

export function mountConnectionForm(root, app, { connection = null, provider = null, url = null } = {}) {
  if (!connection && !provider) return mountProviderPicker(root, app);
  const ctx = createFormContext({ app, connection, provider });
  const { st, sync } = ctx;
  sync.load({ params: connection ? connection.params : { ...applyDefaults({}, st.provider), ...Object.fromEntries(missingRequired(ctx.vocab, st.provider, {})) } });

  const header = createHeader(ctx);
  const identity = createIdentity(ctx);
  const connect = createConnectBy(ctx);
  const password = createPasswordField(ctx);
  const security = createSecurity(ctx);
  const picker = createSchemaPicker({ selected: st.scope, onChange: (scope) => { st.scope = scope; ctx.touch('scope_schemas'); } });
  const advanced = createAdvanced(ctx);
  const focusField = (field) => {
    const f = field === 'url' ? { input: connect.urlInput } : ctx.fields.get(field);
    if (f && f.input && !f.input.hidden) f.input.focus();
  };
  const actions = createActions(ctx, { focusField });
  createValidator(ctx, { urlIssues: connect.urlIssues, formError: actions.formError, saveBtn: actions.saveBtn, blockers: actions.blockers });
  const aside = createAside(ctx, { onSchemas: (names) => picker.setAvailable(names), focusUrl: () => connect.urlInput.focus() });

  const form = h('form', { class: 'conn-form', 'data-testid': 'connection-form', novalidate: true, 'aria-labelledby': header.title.id },
    identity.el, connect.modeSet, connect.urlPanel, connect.hostPanel, password.el, security.el, picker.el, advanced.el, actions.formError,
    actions.el, actions.blockers);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    actions.save(false);
  });
  const page = h('div', { class: 'page page-form', 'data-testid': 'form-page', dataset: { mode: st.mode } },
    header.el,
    h('div', { class: 'form-layout' }, form, h('div', { class: 'aside-column' }, aside.el, header.notes)));
  root.append(page);

  ctx.on('params', () => {
    ctx.write(sync.params, { except: 'url' });
    ctx.validator.schedule();
  });
  ctx.on('mode', (mode) => { page.dataset.mode = mode; });
  paint(ctx, { url, connect, picker });
  announce(ctx.editing ? `Editing ${st.name}` : `New ${header.title.textContent.replace(/^New /, '')}`);

  const { panel } = aside;
  return {
    focus: () => (ctx.editing ? header.title.focus() : connect.urlInput.focus()),
    destroy: () => panel.running && panel.cancel(),
    // Keyboard shortcuts (lib/shortcuts.js; main.js dispatches).
    shortcuts: {
      test: () => panel.start(),
      cancelTest: () => panel.running && panel.cancel(),
      save: () => form.requestSubmit(),
      newConnection: () => ctx.leave('new'),
    },
  };
}

/** The SSL mode, client TLS, the SSH tunnel and the password command, wired to the draft. */
function createSecurity(ctx) {
  const { st, connection, vocab } = ctx;
  const pwCommand = createPasswordCommand({
    st,
    presets: vocab.password_presets || [],
    imported: !!(connection && connection.password_command && connection.password_command.confirmed === false),
    fill: (id) => ctx.api.fillPasswordPreset(id, ctx.sync.params),
    onTouch: ctx.touch,
  });
  ctx.register('password_command', pwCommand.field);
  const ssl = createSslModeSelect({ modes: vocab.sslmodes || [], onChange: (mode) => ctx.setParam('sslmode', mode) });
  ctx.register('sslmode', { el: ssl.el, msg: ssl.msg, input: ssl.select });
  const tls = createTlsSection({ st, connection, onPath: (key, value) => ctx.setParam(key, value), onTouch: ctx.touch });
  for (const [key, f] of Object.entries(tls.fields)) ctx.register(key, f);
  ctx.register('client_key_passphrase', tls.passphrase);
  const tunnel = createSshSection({ st, connection, methods: vocab.ssh_auth || [], onTouch: ctx.touch });
  for (const [key, f] of Object.entries(tunnel.fields)) ctx.fields.set(key, f);
  ctx.onWrite((params) => {
    for (const key of ['sslrootcert', 'sslcert', 'sslkey']) {
      const input = tls.fields[key].input;
      if (document.activeElement !== input) input.value = params[key] == null ? '' : params[key];
    }
    ssl.set(params.sslmode);
  });
  // A warning on a certificate (the provider's CA for verify-full) is inside the TLS section: open it.
  ctx.on('issues', (issues) => {
    if (issues.some((i) => i.field in tls.fields)) tls.el.open = true;
  });
  return { el: [pwCommand.el, ssl.el, tls.el, tunnel.el] };
}

/** The first paint: every input from the draft, the mode, the saved schemas, the URL. */
function paint(ctx, { url, connect, picker }) {
  const { st, sync, connection } = ctx;
  ctx.write(sync.params);
  setMode(ctx, st.mode);
  // The schemas the last saved test saw, until this form's own test lists them.
  if (connection && connection.last_test) picker.setAvailable(connection.last_test.schemas || []);
  if (url) {
    // From the first run's "Set up and test": a local server's URL.
    connect.urlInput.value = url;
    sync.setUrl(url);
    ctx.markDirty();
  } else {
    ctx.api.formatUrl(sync.params).then((formatted) => {
      if (!connect.urlInput.value) {
        sync.url = formatted;
        connect.urlInput.value = sync.params.host ? formatted : '';
      }
    }).catch(() => {});
  }
  ctx.validator.now();
}
