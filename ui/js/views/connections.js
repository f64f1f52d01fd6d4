// The Connections page: saved connections with their provider, address,
// job and last test; a search box; Test (in a dialog), Edit, Duplicate and
// Delete (confirmed in an in-app dialog; the backend also removes the
// keyring secrets). An empty state leads to "+ New Connection".
import * as api from '../api.js';
import { h, replace, setText } from '../lib/dom.js';
import { connectionSummary, lastTestLabel, PROVIDERS, providerLabel, plural } from '../lib/format.js';
import { openDialog, confirmDialog } from '../components/dialog.js';
import { createTestPanel } from '../components/test-panel.js';
import { toast, announce } from '../components/live.js';
import { searchConnections } from '../lib/draft.js';

// Dialogs load on first use: the cold start does not wait for them.
const openPermissionsDialog = async (args) => (await import('../components/permissions-dialog.js')).openPermissionsDialog(args);
const openImportDialog = async () => (await import('../components/import-dialog.js')).openImportDialog();
const openExportDialog = async (args) => (await import('../components/export-dialog.js')).openExportDialog(args);

export function mountConnections(root, app, { highlight } = {}) {
  let connections = [];
  let query = '';
  let timeRefs = [];
  delete document.body.dataset.listLoaded;
  const title = h('h1', { class: 'page-title', tabindex: '-1', text: 'Connections' });
  const count = h('span', { class: 'page-count', 'data-testid': 'connection-count' });
  const search = h('input', { type: 'search', class: 'input search', placeholder: 'Search connections', 'aria-label': 'Search connections', 'data-testid': 'search', autocomplete: 'off', spellcheck: 'false' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'new-connection', on: { click: () => app.navigate('new') } }, h('span', { 'aria-hidden': 'true', text: '+ ' }), 'New Connection');
  const importBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'import-button', text: 'Import\u2026', on: { click: () => runImport() } });
  const exportBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'export-button', text: 'Export\u2026', on: { click: () => openExportDialog({ count: connections.length }) } });
  const warnings = h('div', { class: 'list-warnings', 'data-testid': 'list-warnings' });
  const list = h('ul', { class: 'conn-list', 'data-testid': 'connection-list', 'aria-label': 'Saved connections' });
  const body = h('div', { class: 'list-body' });
  root.append(
    h('div', { class: 'page page-list' },
      h('div', { class: 'page-head' }, h('div', { class: 'page-heading' }, title, count), h('div', { class: 'page-tools' }, search, importBtn, exportBtn, newBtn)),
      warnings,
      body),
  );

  search.addEventListener('input', () => {
    query = search.value;
    render();
  });

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

  // First run: servers on this machine, as ready-to-test cards.
  const localBox = h('div', { class: 'local-servers', 'data-testid': 'local-servers', 'aria-live': 'polite' });
  let localAsked = false;
  function lookForLocalServers() {
    if (localAsked) return;
    localAsked = true;
    api.detectLocalServers().then((servers) => {
      if (!servers.length) return;
      replace(localBox,
        h('h3', { text: 'Found on this machine' }),
        h('ul', { class: 'local-cards' }, servers.map((s) => h('li', { class: 'local-card', 'data-testid': 'local-server' },
          h('strong', { text: s.label }),
          h('span', { class: 'seg-hint', text: `${s.found_by}${s.tls ? ' \u00B7 offers TLS' : ''}` }),
          h('span', { class: 'mono local-url', text: s.url }),
          h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-testid': 'local-server-use', text: 'Set up and test', on: { click: () => app.navigate('new', { provider: 'postgres', url: s.url }) } })))));
    }, () => {});
  }

  function emptyState() {
    lookForLocalServers();
    return h('div', { class: 'empty-state', 'data-testid': 'empty-state' },
      h('div', { class: 'empty-mark', 'aria-hidden': 'true', text: '\u2B21' }),
      h('h2', { text: 'No connections yet' }),
      h('p', { text: 'Save a Postgres, Neon or Supabase connection once, test it stage by stage, and see exactly what its role can read or write.' }),
      h('div', { class: 'empty-actions' },
        h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'empty-new-connection', on: { click: () => app.navigate('new') } }, h('span', { 'aria-hidden': 'true', text: '+ ' }), 'New Connection'),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'empty-import', text: 'Import from a file\u2026', on: { click: () => runImport() } })),
      localBox);
  }

  function row(c) {
    const p = PROVIDERS[c.provider] || PROVIDERS.other;
    const last = lastTestLabel(c.last_test);
    const lastText = h('span', { class: 'last-text', text: last.text });
    timeRefs.push({ c, el: lastText });
    const lastEl = h('span', { class: ['last-test', `state-${last.state}`], 'data-testid': 'conn-last-test', dataset: { state: last.state, at: c.last_test ? c.last_test.at : '' }, title: last.detail || '' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }), lastText, last.detail ? h('span', { class: 'last-detail', text: last.detail }) : null);
    const action = (label, testid, fn, cls = '') => h('button', { type: 'button', class: ['btn', 'btn-small', cls], 'data-testid': testid, 'aria-label': `${label} ${c.name}`, text: label, on: { click: fn } });
    const li = h('li', { class: ['conn-row', highlight === c.id ? 'flash' : ''], 'data-testid': 'connection-row', dataset: { id: c.id, name: c.name } },
      h('span', { class: ['provider-mark', `provider-${c.provider}`], 'aria-hidden': 'true', text: p.mark }),
      h('div', { class: 'conn-main' },
        h('div', { class: 'conn-title' },
          h('span', { class: 'conn-name', 'data-testid': 'conn-name', text: c.name }),
          h('span', { class: 'visually-hidden', text: `, ${p.label}, ` }),
          h('span', { class: ['badge', `role-${c.job}`], 'data-testid': 'conn-role', text: c.job === 'destination' ? 'Destination' : 'Source' }),
          c.has_password ? null : h('span', { class: 'badge badge-muted', title: 'No password is saved for this connection.', text: 'no password' })),
        h('div', { class: 'conn-summary', 'data-testid': 'conn-summary', text: connectionSummary(c.params) })),
      lastEl,
      h('div', { class: 'conn-actions' },
        action('Test', 'action-test', () => testConnection(c)),
        action('Edit', 'action-edit', () => app.navigate('edit', { connection: c })),
        action('Duplicate', 'action-duplicate', () => duplicate(c)),
        action('Delete', 'action-delete', () => remove(c), 'btn-danger-quiet')));
    return li;
  }

  function render() {
    setText(count, connections.length ? plural(connections.length, 'connection') : '');
    search.hidden = connections.length === 0;
    exportBtn.hidden = connections.length === 0;
    if (!connections.length) {
      replace(body, emptyState());
      return;
    }
    const shown = searchConnections(connections, query);
    timeRefs = [];
    replace(list, shown.map(row));
    replace(body, shown.length ? list : h('p', { class: 'no-match', 'data-testid': 'no-match', text: `No connection matches \u201C${query}\u201D.` }));
  }

  async function load() {
    try {
      const res = await api.listConnections();
      connections = (res && res.connections) || [];
      replace(warnings, ((res && res.warnings) || []).map((w) => h('p', { class: 'banner banner-warn', role: 'status', text: w })));
    } catch (err) {
      replace(warnings, h('p', { class: 'banner banner-error', role: 'alert', text: `Could not read the saved connections: ${err.message}` }));
      connections = [];
    }
    document.body.dataset.listLoaded = 'true';
    render();
  }

  async function duplicate(c) {
    try {
      const copy = await api.duplicateConnection(c.id);
      toast(`Duplicated as \u201C${copy.name}\u201D`);
      await load();
      const el = list.querySelector(`[data-id="${CSS.escape(copy.id)}"]`);
      if (el) {
        el.classList.add('flash');
        const edit = el.querySelector('[data-testid="action-edit"]');
        if (edit) edit.focus();
      }
    } catch (err) {
      toast(`Could not duplicate: ${err.message}`, { kind: 'error' });
    }
  }

  async function remove(c) {
    const ok = await confirmDialog({
      title: 'Delete connection?',
      message: [`\u201C${c.name}\u201D will be removed from Sluice, and its saved password and key from the system keyring.`, 'This cannot be undone.'],
      confirmLabel: 'Delete',
      danger: true,
      testid: 'delete-dialog',
    });
    if (!ok) return;
    try {
      await api.deleteConnection(c.id);
      toast(`Deleted \u201C${c.name}\u201D`);
      await load();
      (list.querySelector('[data-testid="action-test"]') || newBtn).focus();
    } catch (err) {
      toast(`Could not delete: ${err.message}`, { kind: 'error' });
    }
  }

  function testConnection(c) {
    // Saved while the keyring was unavailable: ask for the password now,
    // in the form, instead of failing at auth.
    if (c.password_saved === false) {
      toast('This connection was saved without its password. Enter it, then press Test connection.', { kind: 'info' });
      app.navigate('edit', { connection: c });
      return null;
    }
    const job = c.job === 'destination' ? 'destination' : 'source';
    const options = c.destination_options || {};
    const panel = createTestPanel({
      compact: true,
      appVersion: () => app.version,
      prepare: async () => ({ target: { id: c.id }, job, destinationOptions: options, info: { params: c.params, name: c.name, provider: c.provider, sshHops: c.ssh && c.ssh.hops ? c.ssh.hops.length : 0 } }),
      onFinished: () => load(),
      onPermissions: (report) => openPermissionsDialog({ report, name: c.name, host: c.params.host }),
    });
    const d = openDialog({
      title: `Test \u201C${c.name}\u201D`,
      body: [h('p', { class: 'dialog-sub', text: `${connectionSummary(c.params)} \u00B7 as ${job}` }), panel.el],
      size: 'md',
      testid: 'test-dialog',
      onClose: () => {
        if (panel.running) panel.cancel();
      },
    });
    panel.start();
    return d;
  }

  load();
  const timer = setInterval(() => {
    // Only the relative times change: update them in place, keeping focus.
    for (const { c, el } of timeRefs) setText(el, lastTestLabel(c.last_test).text);
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
