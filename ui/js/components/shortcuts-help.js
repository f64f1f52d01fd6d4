// The keyboard shortcuts overlay (`?`): the table in lib/shortcuts.js, with
// the keys as this OS writes them.
import { h } from '../lib/dom.js';
import { helpRows } from '../lib/shortcuts.js';
import { openDialog } from './dialog.js';

export function openShortcutsHelp({ mac }) {
  const body = helpRows(mac).map((g) => h('section', { class: 'shortcut-group' },
    h('h3', { class: 'shortcut-title', text: g.title }),
    h('dl', { class: 'shortcut-list' },
      g.rows.map((r) => [
        h('dt', { 'data-testid': `shortcut-${r.id}` }, r.keys.map((k, i) => [i ? h('span', { class: 'shortcut-or', text: ' or ' }) : null, h('kbd', { text: k })])),
        h('dd', { text: r.label }),
      ]))));
  return openDialog({ title: 'Keyboard shortcuts', body, testid: 'shortcuts-dialog', size: 'sm' });
}
