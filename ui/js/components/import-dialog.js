// Import: choose a source (a file found where its tool keeps it, or one
// picked with the file dialog), preview every entry with a checkbox and
// the skipped ones with their reasons, import the chosen ones, and say what
// was imported. An entry a saved connection already reaches (same server,
// database and user: `duplicate_of`) is marked and left unticked, so that
// importing a file twice adds nothing unless asked. Nothing is saved
// before "Import".
import * as api from '../api.js';
import { h, replace, setText } from '../lib/dom.js';
import { openDialog } from './dialog.js';
import { formatFromPath, FORMAT_LABELS } from '../lib/import.js';

/** Opens the dialog; resolves with the outcome when something was imported, else null. */
export function openImportDialog() {
  let chosen = null; // {format, path, label}
  let preview = null;
  const status = h('p', { class: 'import-status', 'data-testid': 'import-status', role: 'status' });
  const sourcesBox = h('div', { class: 'import-sources', role: 'radiogroup', 'aria-label': 'Import from', 'data-testid': 'import-sources' });
  const formatSelect = h('select', { class: 'input select-small', 'aria-label': 'Format of the chosen file', 'data-testid': 'import-format' },
    Object.entries(FORMAT_LABELS).filter(([f]) => f !== 'env').map(([value, text]) => h('option', { value, text })));
  const pickBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'import-pick', text: 'Choose a file\u2026' });
  const previewBox = h('div', { class: 'import-preview', 'data-testid': 'import-preview' });
  const importBtn = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'import-confirm', disabled: true, text: 'Import' });
  const cancelBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'import-cancel', text: 'Cancel' });
  const radioName = `import-source-${Date.now()}`;

  function sourceRadio(src, i) {
    const input = h('input', { type: 'radio', name: radioName, value: String(i), 'data-testid': `import-source-${src.format}` });
    input.addEventListener('change', () => input.checked && choose(src));
    return h('label', { class: 'import-source' }, input, h('span', null, h('strong', { text: src.label }), h('span', { class: 'seg-hint mono', text: src.path || 'the environment of this app' })));
  }

  async function choose(src) {
    chosen = src;
    preview = null;
    importBtn.disabled = true;
    replace(previewBox);
    setText(status, `Reading ${src.path || 'the environment'}\u2026`);
    try {
      preview = await api.importPreview(src.format, src.path);
    } catch (err) {
      setText(status, err.message);
      status.dataset.kind = 'error';
      return;
    }
    delete status.dataset.kind;
    renderPreview();
  }

  function renderPreview() {
    replace(previewBox, previewTable(preview, updateCount));
    updateCount();
  }

  function selectedSources() {
    return [...previewBox.querySelectorAll('input[type=checkbox][data-source]')].filter((b) => b.checked).map((b) => b.dataset.source);
  }

  function updateCount() {
    const n = selectedSources().length;
    importBtn.disabled = n === 0;
    setText(importBtn, n ? `Import ${n}` : 'Import');
    const dups = preview ? preview.connections.filter((c) => c.duplicate_of).length : 0;
    setText(status, preview ? `${preview.connections.length} found, ${preview.skipped.length} skipped${dups ? `; ${dups} already saved (unticked)` : ''}.` : '');
  }

  pickBtn.addEventListener('click', async () => {
    let path;
    try {
      path = await api.pickFile('Import connections from');
    } catch (err) {
      setText(status, err.message);
      return;
    }
    if (!path) return;
    const format = formatFromPath(path) || formatSelect.value;
    formatSelect.value = format;
    for (const r of sourcesBox.querySelectorAll('input[type=radio]')) r.checked = false;
    choose({ format, path, label: path });
  });
  formatSelect.addEventListener('change', () => {
    if (chosen && chosen.path && !chosen.detected) choose({ ...chosen, format: formatSelect.value });
  });

  const d = openDialog({
    title: 'Import connections',
    body: [
      h('p', { class: 'dialog-sub', text: 'From libpq\u2019s files, a .env file, pgAdmin, DBeaver or a Sluice export. Passwords go to the keyring; nothing is overwritten.' }),
      sourcesBox,
      h('div', { class: 'import-pick-row' }, pickBtn, h('label', { class: 'label-inline', text: 'as' }), formatSelect),
      status,
      previewBox,
    ],
    actions: [cancelBtn, importBtn],
    size: 'lg',
    testid: 'import-dialog',
  });
  cancelBtn.addEventListener('click', () => d.close(null));
  importBtn.addEventListener('click', async () => {
    importBtn.disabled = true;
    try {
      const outcome = await api.importConnections({ format: chosen.format, path: chosen.path, sources: selectedSources() });
      d.close(outcome);
    } catch (err) {
      setText(status, err.message);
      status.dataset.kind = 'error';
      importBtn.disabled = false;
    }
  });

  api.importSources().then((sources) => {
    replace(sourcesBox, sources.length ? sources.map((s, i) => sourceRadio({ ...s, detected: true }, i)) : h('p', { class: 'seg-hint', text: 'No password file, service file, pgAdmin or DBeaver file was found in their usual places. Choose a file.' }));
  }, (err) => setText(status, err.message));

  return d.closed.then((r) => r || null);
}

/** The preview: a row per entry (a duplicate unticked, with the saved one it matches), then the skipped ones. */
function previewTable(preview, onChange) {
  const rows = preview.connections.map((c) => {
    const box = h('input', { type: 'checkbox', checked: !c.duplicate_of, 'data-source': c.source, 'aria-label': `Import ${c.name}` });
    box.addEventListener('change', onChange);
    const notes = [c.duplicate_of ? `Already saved as \u201C${c.duplicate_of}\u201D (same server, database and user): tick to import it again` : null, ...(c.notes || [])].filter(Boolean);
    return h('tr', { 'data-testid': 'import-row', class: c.duplicate_of ? 'import-duplicate' : null, dataset: { duplicateOf: c.duplicate_of || null } },
      h('td', null, box),
      h('td', { class: 'import-name', text: c.name }),
      h('td', { class: 'mono import-url', text: c.url }),
      h('td', { text: c.has_password ? 'to the keyring' : 'none' }),
      h('td', { class: 'mono import-src', text: c.source }),
      h('td', { class: 'import-notes', 'data-testid': 'import-notes', text: notes.join('; ') }));
  });
  const skipped = preview.skipped.map((s) => h('li', { 'data-testid': 'import-skipped' }, h('span', { class: 'mono', text: s.source }), ` \u2014 ${s.reason}`));
  return [
    rows.length ? h('table', { class: 'import-table' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden', text: 'Import' })),
        ['Name', 'URL', 'Password', 'From', 'Notes'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', null, rows)) : h('p', { class: 'no-match', text: 'Nothing to import here.' }),
    skipped.length ? h('details', { class: 'import-skipped-list', open: rows.length === 0 }, h('summary', { text: `Skipped: ${skipped.length}` }), h('ul', null, skipped)) : null,
  ];
}
