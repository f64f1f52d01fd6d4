// The About box: version and commit, the webview, the compositing mode, the
// config dir and the keyring backend, from Rust (`about`), and a "Copy
// diagnostics" button that copies the same facts (never a secret).
import { h } from '../lib/dom.js';
import * as api from '../api.js';
import { openDialog } from './dialog.js';
import { toast } from './live.js';

const ROWS = [
  ['version', 'Version'],
  ['commit', 'Commit'],
  ['webview', 'Web view'],
  ['compositing', 'Compositing'],
  ['config_dir', 'Settings folder'],
  ['keyring_backend', 'Secrets'],
  ['os', 'System'],
];

/** The facts as text, one "Label: value" per line. Pure. */
export function aboutText(about) {
  return ['Sluice', ...ROWS.map(([k, label]) => `${label}: ${about[k] == null ? 'unknown' : about[k]}`)].join('\n');
}

export async function openAboutDialog() {
  const about = await api.about();
  const list = h('dl', { class: 'about-list', 'data-testid': 'about-list' },
    ROWS.map(([k, label]) => [h('dt', { text: label }), h('dd', { class: k === 'config_dir' || k === 'commit' ? 'mono' : '', 'data-testid': `about-${k}`, text: about[k] == null ? 'unknown' : String(about[k]) })]));
  const copy = h('button', { type: 'button', class: 'btn', 'data-testid': 'about-copy', text: 'Copy diagnostics' });
  copy.addEventListener('click', async () => {
    const ok = await api.copyText(aboutText(about));
    toast(ok ? 'Diagnostics copied to the clipboard' : 'Could not use the clipboard', { kind: ok ? 'info' : 'error' });
  });
  return openDialog({ title: 'About Sluice', body: [h('p', { class: 'lead', text: 'Configure, save and test Postgres connections.' }), list], actions: [copy], testid: 'about-dialog', size: 'sm' });
}
