// Export: every saved connection, never with a secret, in a format other
// tools read, to a file chosen in the save dialog.
import * as api from '../api.js';
import { h, setText } from '../lib/dom.js';
import { openDialog } from './dialog.js';
import { EXPORT_FORMATS } from '../lib/import.js';
import { toast } from './live.js';

export function openExportDialog({ count }) {
  const select = h('select', { class: 'input', 'aria-label': 'Export as', 'data-testid': 'export-format' },
    Object.entries(EXPORT_FORMATS).map(([value, f]) => h('option', { value, text: f.label })));
  const status = h('p', { class: 'import-status', role: 'status', 'data-testid': 'export-status' });
  const save = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'export-save', text: 'Save to a file\u2026' });
  const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel' });
  const d = openDialog({
    title: 'Export connections',
    body: [
      h('p', { class: 'dialog-sub', text: `All ${count} connections. Passwords, key passphrases and pasted keys stay in the keyring: an export never holds a secret.` }),
      h('label', { class: 'mini-field' }, h('span', { class: 'label', text: 'Format' }), select),
      status,
    ],
    actions: [cancel, save],
    size: 'sm',
    testid: 'export-dialog',
  });
  cancel.addEventListener('click', () => d.close(null));
  save.addEventListener('click', async () => {
    const format = select.value;
    try {
      const path = await api.pickSavePath('Export connections to', EXPORT_FORMATS[format].file);
      if (!path) return;
      const n = await api.exportConnections(format, [], path);
      toast(`Exported ${n} connection${n === 1 ? '' : 's'} to ${path}`);
      d.close(path);
    } catch (err) {
      setText(status, err.message);
    }
  });
  return d.closed;
}
