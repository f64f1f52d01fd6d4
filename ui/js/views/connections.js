// The Connections page: saved connections with their provider, address,
// job and last test; a search box; Test (in a dialog), Edit, Duplicate and
// Delete (confirmed in an in-app dialog; the backend also removes the
// keyring secrets). A secret the keyring lost is badged on its row. The
// rows are keyboard-navigable: arrows (and Home/End) move between them,
// Enter edits, Delete (or Backspace) deletes after the confirmation. An empty state leads
// to "+ New Connection" and the servers found on this machine.
import * as api from '../api.js';
import { h, replace, setText } from '../lib/dom.js';
import { connectionSummary, lastTestLabel, plural } from '../lib/format.js';
import { jobTitle, providerOf, providerLabels, optionWords } from '../lib/vocabulary.js';
import { openDialog, confirmDialog } from '../components/dialog.js';
import { createTestPanel } from '../components/test-panel.js';
import { toast, announce } from '../components/live.js';
import { searchConnections } from '../lib/draft.js';

// Dialogs load on first use: the cold start does not wait for them.
const openPermissionsDialog = async (args) => (await import('../components/permissions-dialog.js')).openPermissionsDialog(args);
const openImportDialog = async () => (await import('../components/import-dialog.js')).openImportDialog();
const openExportDialog = async (args) => (await import('../components/export-dialog.js')).openExportDialog(args);

const ROW = '[data-testid="connection-row"]';

export function mountConnections(root, app, { highlight } = {}) {
  const page = { app, highlight, connections: [], query: '', timeRefs: [] };
  delete document.body.dataset.listLoaded;
  const title = h('h1', { class: 'page-title', tabindex: '-1', text: 'Connections' });
  const count = h('span', { class: 'page-count', 'data-testid': 'connection-count' });
  const search = h('input', { type: 'search', class: 'input search', placeholder: 'Search connections', 'aria-label': 'Search connections', 'data-testid': 'search', autocomplete: 'off', spellcheck: 'false' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'new-connection', on: { click: () => app.navigate('new') } }, h('span', { 'aria-hidden': 'true', text: '+ ' }), 'New Connection');
  const importBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'import-button', text: 'Import\u2026', on: { click: () => runImport() } });
  const exportBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'export-button', text: 'Export\u2026', on: { click: () => openExportDialog({ count: page.connections.length }) } });
  const warnings = h('div', { class: 'list-warnings', 'data-testid': 'list-warnings' });
  const list = h('ul', { class: 'conn-list', 'data-testid': 'connection-list', 'aria-label': 'Saved connections', 'aria-describedby': 'list-keys-hint' });
  const body = h('div', { class: 'list-body' });
  root.append(h('div', { class: 'page page-list' },
    h('div', { class: 'page-head' }, h('div', { class: 'page-heading' }, title, count), h('div', { class: 'page-tools' }, search, importBtn, exportBtn, newBtn)),
    warnings, body,
    h('p', { class: 'visually-hidden', id: 'list-keys-hint', text: 'Arrow keys move between connections; Enter edits one, Delete deletes it.' })));
  Object.assign(page, { list, newBtn, load, runImport, render });
  search.addEventListener('input', () => {
    page.query = search.value;
    render();
  });
  list.addEventListener('keydown', (e) => onRowKey(page, e));
  const localBox = createLocalServers(app);

  async function runImport() {
    const outcome = await openImportDialog();
    if (!outcome) return;
    const n = outcome.connections.length;
    toast(n ? `Imported ${n} connection${n === 1 ? '' : 's'}${outcome.skipped.length ? `, ${outcome.skipped.length} skipped` : ''}` : 'Nothing was imported', { kind: n ? 'info' : 'error' });
    await load();
    for (const c of outcome.connections) {
      const el = list.querySelector(`[data-name="${CSS.escape(c.saved_as || c.name)}"]`);
      if (el) el.classList.add('flash');
    }
  }

  function render() {
    const { connections } = page;
    setText(count, connections.length ? plural(connections.length, 'connection') : '');
    search.hidden = connections.length === 0;
    exportBtn.hidden = connections.length === 0;
    if (!connections.length) {
      replace(body, emptyState(app, runImport, localBox));
      return;
    }
    const shown = searchConnections(connections, page.query, providerLabels(app.vocabulary));
    page.timeRefs = [];
    replace(list, shown.map((c, i) => connectionRow(page, c, i === 0)));
    replace(body, shown.length ? list : h('p', { class: 'no-match', 'data-testid': 'no-match', text: `No connection matches \u201C${page.query}\u201D.` }));
  }

  async function load() {
    try {
      const res = await api.listConnections();
      page.connections = (res && res.connections) || [];
      replace(warnings, ((res && res.warnings) || []).map((w) => h('p', { class: 'banner banner-warn', role: 'status', text: w })));
    } catch (err) {
      replace(warnings, h('p', { class: 'banner banner-error', role: 'alert', text: `Could not read the saved connections: ${err.message}` }));
      page.connections = [];
    }
    document.body.dataset.listLoaded = 'true';
    render();
  }

  load();
  const timer = setInterval(() => {
    // Only the relative times change: update them in place, keeping focus.
    for (const { c, el } of page.timeRefs) setText(el, lastTestLabel(c.last_test).text);
  }, 30000);
  announce('Connections');
  return {
    focus: () => title.focus(),
    destroy: () => clearInterval(timer),
    reload: load,
    // Keyboard shortcuts (lib/shortcuts.js; main.js dispatches).
    shortcuts: {
      search: () => {
        search.focus();
        search.select();
      },
      import: () => runImport(),
    },
  };
}

function emptyState(app, runImport, localBox) {
  localBox.lookOnce();
  return h('div', { class: 'empty-state', 'data-testid': 'empty-state' },
    h('div', { class: 'empty-mark', 'aria-hidden': 'true', text: '\u2B21' }),
    h('h2', { text: 'No connections yet' }),
    h('p', { text: 'Save a Postgres, Neon, Supabase or cloud connection once, test it stage by stage, and see exactly what its login can read or write.' }),
    h('div', { class: 'empty-actions' },
      h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'empty-new-connection', on: { click: () => app.navigate('new') } }, h('span', { 'aria-hidden': 'true', text: '+ ' }), 'New Connection'),
      h('button', { type: 'button', class: 'btn', 'data-testid': 'empty-import', text: 'Import from a file\u2026', on: { click: () => runImport() } })),
    localBox.el);
}

/** First run: servers on this machine, as ready-to-test cards (asked once). */
function createLocalServers(app) {
  const el = h('div', { class: 'local-servers', 'data-testid': 'local-servers', 'aria-live': 'polite' });
  let asked = false;
  const lookOnce = () => {
    if (asked) return;
    asked = true;
    api.detectLocalServers().then((servers) => {
      if (!servers.length) return;
      replace(el,
        h('h3', { text: 'Found on this machine' }),
        h('ul', { class: 'local-cards' }, servers.map((s) => h('li', { class: 'local-card', 'data-testid': 'local-server' },
          h('strong', { text: s.label }),
          h('span', { class: 'seg-hint', text: `${s.found_by}${s.tls ? ' \u00B7 offers TLS' : ''}` }),
          h('span', { class: 'mono local-url', text: s.url }),
          h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-testid': 'local-server-use', text: 'Set up and test', on: { click: () => app.navigate('new', { provider: 'postgres', url: s.url }) } })))));
    }, () => {});
  };
  return { el, lookOnce };
}

/** The words of a secret the keyring lost, for the row's badge. */
const MISSING_WORDS = { password: 'password', sslpassword: 'key passphrase', sslkey: 'client key', 'ssh-password': 'SSH password', 'ssh-passphrase': 'SSH passphrase', 'ssh-key': 'SSH key' };

function badges(app, c) {
  const missing = c.missing_secrets || [];
  return [
    h('span', { class: ['badge', `job-${c.job}`], 'data-testid': 'conn-job', text: jobTitle(app.vocabulary, c.job) }),
    missing.length ? h('span', { class: 'badge badge-warn', 'data-testid': 'conn-missing-secret', title: 'The keyring no longer has what was saved (it was reset, or this is another machine or user). Edit the connection to type it again.', text: `${missing.map((k) => MISSING_WORDS[k] || k).join(', ')} missing from the keyring` }) : null,
    c.has_password || missing.length ? null : h('span', { class: 'badge badge-muted', title: 'No password is saved for this connection.', text: 'no password' }),
  ];
}

function connectionRow(page, c, first) {
  const { app } = page;
  const p = providerOf(app.vocabulary, c.provider);
  const last = lastTestLabel(c.last_test);
  const lastText = h('span', { class: 'last-text', text: last.text });
  page.timeRefs.push({ c, el: lastText });
  const lastEl = h('span', { class: ['last-test', `state-${last.state}`], 'data-testid': 'conn-last-test', dataset: { state: last.state, at: c.last_test ? c.last_test.at : '' }, title: last.title || '' },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), lastText, last.detail ? h('span', { class: 'last-detail', text: last.detail }) : null);
  const action = (label, testid, fn, cls = '') => h('button', { type: 'button', class: ['btn', 'btn-small', cls], 'data-testid': testid, 'aria-label': `${label} ${c.name}`, text: label, on: { click: fn } });
  return h('li', { class: ['conn-row', page.highlight === c.id ? 'flash' : ''], tabindex: first ? '0' : '-1', 'aria-label': `${c.name}, ${p.label}, ${jobTitle(app.vocabulary, c.job)}, ${last.text}`, 'data-testid': 'connection-row', dataset: { id: c.id, name: c.name } },
    h('span', { class: ['provider-mark', `provider-${c.provider}`], 'aria-hidden': 'true', text: p.label[0] }),
    h('div', { class: 'conn-main' },
      h('div', { class: 'conn-title' }, h('span', { class: 'conn-name', 'data-testid': 'conn-name', text: c.name }), badges(app, c)),
      h('div', { class: 'conn-summary', 'data-testid': 'conn-summary', text: connectionSummary(c.params) })),
    lastEl,
    h('div', { class: 'conn-actions' },
      action('Test', 'action-test', () => testConnection(page, c)),
      action('Edit', 'action-edit', () => app.navigate('edit', { connection: c })),
      action('Duplicate', 'action-duplicate', () => duplicate(page, c)),
      action('Delete', 'action-delete', () => remove(page, c), 'btn-danger-quiet')));
}

/** Arrows, Home and End move between rows (one tab stop: the current row); Enter edits; Delete deletes. */
function onRowKey(page, e) {
  const row = e.target.closest(ROW);
  if (!row || e.altKey || e.ctrlKey || e.metaKey) return;
  const rows = [...page.list.querySelectorAll(ROW)];
  const i = rows.indexOf(row);
  const moves = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: rows.length - 1 };
  const c = page.connections.find((x) => x.id === row.dataset.id);
  if (e.key in moves) {
    focusRow(rows, moves[e.key]);
  } else if (e.target === row && e.key === 'Enter' && c) {
    page.app.navigate('edit', { connection: c });
  } else if (e.target === row && (e.key === 'Delete' || e.key === 'Backspace') && c) {
    remove(page, c);
  } else {
    return;
  }
  e.preventDefault();
}

function focusRow(rows, j) {
  const target = rows[Math.max(0, Math.min(rows.length - 1, j))];
  if (!target) return;
  for (const r of rows) r.tabIndex = r === target ? 0 : -1;
  target.focus();
}

async function duplicate(page, c) {
  try {
    const copy = await api.duplicateConnection(c.id);
    toast(`Duplicated as \u201C${copy.name}\u201D`);
    await page.load();
    const el = page.list.querySelector(`[data-id="${CSS.escape(copy.id)}"]`);
    if (el) {
      el.classList.add('flash');
      focusRow([...page.list.querySelectorAll(ROW)], [...page.list.querySelectorAll(ROW)].indexOf(el));
    }
  } catch (err) {
    toast(`Could not duplicate: ${err.message}`, { kind: 'error' });
  }
}

async function remove(page, c) {
  const ok = await confirmDialog({
    title: 'Delete connection?',
    message: [`\u201C${c.name}\u201D will be removed from Sluice, and its saved password and key from the system keyring.`, 'This cannot be undone.'],
    confirmLabel: 'Delete',
    danger: true,
    testid: 'delete-dialog',
  });
  if (!ok) return;
  try {
    const rows = [...page.list.querySelectorAll(ROW)];
    const at = rows.findIndex((r) => r.dataset.id === c.id);
    await api.deleteConnection(c.id);
    toast(`Deleted \u201C${c.name}\u201D`);
    await page.load();
    const left = [...page.list.querySelectorAll(ROW)];
    if (left.length && page.list.isConnected) focusRow(left, Math.min(at, left.length - 1));
    else page.newBtn.focus();
  } catch (err) {
    toast(`Could not delete: ${err.message}`, { kind: 'error' });
  }
}

function testConnection(page, c) {
  const { app } = page;
  // Saved while the keyring was unavailable: ask for the password now,
  // in the form, instead of failing at auth.
  if (c.password_saved === false) {
    toast('This connection was saved without its password. Enter it, then press Test connection.', { kind: 'info' });
    app.navigate('edit', { connection: c });
    return null;
  }
  const panel = createTestPanel({
    compact: true,
    stages: app.vocabulary.stages || [],
    appVersion: () => app.version,
    prepare: async () => ({ target: { id: c.id }, job: c.job, jobOptions: c.job_options || {}, info: { params: c.params, name: c.name, provider: c.provider, sshHops: c.ssh && c.ssh.hops ? c.ssh.hops.length : 0 } }),
    onFinished: () => page.load(),
    onPermissions: (report) => openPermissionsDialog({ report, name: c.name, host: c.params.host, vocabulary: app.vocabulary }),
  });
  const options = optionWords(app.vocabulary.job_options, c.job, c.job_options || {});
  const d = openDialog({
    title: `Test \u201C${c.name}\u201D`,
    body: [h('p', { class: 'dialog-sub', text: `${connectionSummary(c.params)} \u00B7 as ${jobTitle(app.vocabulary, c.job).toLowerCase()}${options.length ? ` \u00B7 ${options.join(', ')}` : ''}` }), panel.el],
    size: 'md',
    testid: 'test-dialog',
    onClose: () => {
      if (panel.running) panel.cancel();
    },
  });
  panel.start();
  return d;
}
