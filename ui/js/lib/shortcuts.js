// Keyboard shortcuts, defined once: what each does, where it works, its keys.
// "Mod" is Cmd on macOS and Ctrl elsewhere, as each OS's apps do it. The
// help overlay (`?`) lists this table; main.js dispatches from it to the
// current page's handlers. DOM-free.

/**
 * id: the handler's name on a page (or main.js for `global`);
 * key: KeyboardEvent.key, lowercase for letters; mod: needs Cmd/Ctrl;
 * typing: also fires while focus is in a text field.
 */
export const SHORTCUTS = [
  { id: 'help', key: '?', mod: false, scope: 'global', typing: false, label: 'Show the keyboard shortcuts' },
  { id: 'newConnection', key: 'n', mod: true, scope: 'global', typing: true, label: 'New connection' },
  { id: 'search', key: 'f', mod: true, scope: 'list', typing: true, label: 'Search the connections' },
  { id: 'search', key: '/', mod: false, scope: 'list', typing: false, label: 'Search the connections' },
  { id: 'import', key: 'i', mod: true, scope: 'list', typing: true, label: 'Import connections…' },
  { id: 'test', key: 'Enter', mod: true, scope: 'form', typing: true, label: 'Test the connection' },
  { id: 'cancelTest', key: '.', mod: true, scope: 'form', typing: true, label: 'Cancel the running test' },
  { id: 'save', key: 's', mod: true, scope: 'form', typing: true, label: 'Save the connection' },
  { id: 'close', key: 'Escape', mod: false, scope: 'dialog', typing: true, label: 'Close the dialog' },
  // Handled by the focused row itself (views/connections.js): listed, never matched here.
  { id: 'rowMove', key: 'ArrowUp', mod: false, scope: 'row', typing: false, label: 'Move between the connections' },
  { id: 'rowMove', key: 'ArrowDown', mod: false, scope: 'row', typing: false, label: 'Move between the connections' },
  { id: 'rowEdit', key: 'Enter', mod: false, scope: 'row', typing: false, label: 'Edit the connection' },
  { id: 'rowDelete', key: 'Delete', mod: false, scope: 'row', typing: false, label: 'Delete the connection (asks first)' },
];

export const SCOPE_LABELS = { global: 'Anywhere', list: 'Connections', row: 'A connection in the list', form: 'Connection form', dialog: 'Dialogs' };

/** Scopes whose keys their own element handles: the table lists them, match() never returns them. */
const SELF_HANDLED = new Set(['dialog', 'row']);

/** Whether the platform's shortcut modifier is Cmd (macOS, iPadOS). */
export function isMac(platform) {
  return /mac|iphone|ipad/i.test(String(platform || ''));
}

const KEY_NAMES = { Enter: 'Enter', Escape: 'Esc', ArrowDown: '\u2193', ArrowUp: '\u2191', Delete: 'Delete', '.': '.', '/': '/', '?': '?' };

/** The keys as the OS writes them: "⌘S" on macOS, "Ctrl+S" elsewhere. */
export function keysLabel(s, mac) {
  const key = KEY_NAMES[s.key] || s.key.toUpperCase();
  if (!s.mod) return key;
  return mac ? `\u2318${key === 'Enter' ? '\u21A9' : key}` : `Ctrl+${key}`;
}

/**
 * The shortcut a keydown event means on the current page, or null.
 * `page`: 'list' | 'form'; `typing`: focus is in a text field; `dialog`: a dialog is open
 * (it handles its own keys; no page shortcut fires under it).
 */
export function match(event, { mac, page, typing = false, dialog = false }) {
  if (dialog || event.isComposing || event.altKey) return null;
  const mod = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  const key = event.key && event.key.length === 1 ? event.key.toLowerCase() : event.key;
  for (const s of SHORTCUTS) {
    if (SELF_HANDLED.has(s.scope)) continue;
    if (s.scope !== 'global' && s.scope !== page) continue;
    if (s.key !== key || s.mod !== mod) continue;
    if (!s.mod && (event.ctrlKey || event.metaKey)) continue;
    if (typing && !s.typing) continue;
    return s;
  }
  return null;
}

/** The overlay's rows, grouped by scope (in SCOPE_LABELS' order), each with its keys for this OS (duplicates of an id merged). */
export function helpRows(mac) {
  const groups = [];
  for (const s of SHORTCUTS) {
    let g = groups.find((x) => x.scope === s.scope);
    if (!g) {
      g = { scope: s.scope, title: SCOPE_LABELS[s.scope], rows: [] };
      groups.push(g);
    }
    const row = g.rows.find((r) => r.id === s.id);
    if (row) row.keys.push(keysLabel(s, mac));
    else g.rows.push({ id: s.id, label: s.label, keys: [keysLabel(s, mac)] });
  }
  const order = Object.keys(SCOPE_LABELS);
  return groups.sort((a, b) => order.indexOf(a.scope) - order.indexOf(b.scope));
}
