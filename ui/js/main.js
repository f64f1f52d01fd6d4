// Entry point: the header (version), the keyring banner, and a two-page
// router (Connections list <-> New/Edit form). Each page returns
// { focus, destroy }; navigation destroys the old page and moves focus to
// the new page's heading.
import * as api from './api.js';
import { h, replace } from './lib/dom.js';
import { mountConnections } from './views/connections.js';
import { match, isMac } from './lib/shortcuts.js';
import { isDialogOpen } from './components/dialog.js';
import { EMPTY_VOCABULARY } from './lib/vocabulary.js';

// What the first screen does not show loads on first use (and the form in
// the background once the list is up): the cold start fetches 14 modules
// instead of 33.
const lazy = {
  form: () => import('./views/connection-form.js'),
  about: () => import('./components/about-dialog.js'),
  shortcuts: () => import('./components/shortcuts-help.js'),
};

const mac = isMac(navigator.userAgentData ? navigator.userAgentData.platform : navigator.platform);

function isTyping(el) {
  if (!el) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(el.type);
}

/** One keydown listener for every shortcut (lib/shortcuts.js): global ones here, the rest on the page. */
document.addEventListener('keydown', (event) => {
  const s = match(event, { mac, page: document.body.dataset.page === 'list' ? 'list' : 'form', typing: isTyping(document.activeElement), dialog: isDialogOpen() });
  if (!s) return;
  // A page may take over a global one (the form asks before leaving unsaved changes).
  const handler = (app.page && app.page.shortcuts && app.page.shortcuts[s.id]) || (s.scope === 'global' ? globalShortcuts[s.id] : null);
  if (!handler) return;
  event.preventDefault();
  handler();
});

const globalShortcuts = {
  help: () => lazy.shortcuts().then((m) => m.openShortcutsHelp({ mac })).catch((err) => console.error(err)),
  newConnection: () => app.navigate('new'),
};

// Every module is fetched and evaluated by now: the cold start's page part
// splits here (bench/app reads these marks).
performance.mark('sluice:main');

const app = {
  version: '',
  /** Sluice's vocabulary from Rust: keywords, SSL modes, jobs and their options, providers (the `vocabulary` command). */
  vocabulary: EMPTY_VOCABULARY,
  keyring: null,
  page: null,
  navigate,
  setKeyring,
};

let navigation = 0;

/** Shows a page; a later navigation wins over one still loading its module. */
async function navigate(name, params = {}) {
  const mine = ++navigation;
  const form = name === 'new' || name === 'edit' ? await lazy.form() : null;
  if (mine !== navigation) return;
  const root = document.getElementById('app');
  if (app.page && app.page.destroy) app.page.destroy();
  root.replaceChildren();
  if (form) {
    app.page = form.mountConnectionForm(root, app, { connection: params.connection || null, provider: params.provider || null, url: params.url || null });
  } else {
    app.page = mountConnections(root, app, params);
  }
  document.body.dataset.page = name;
  window.scrollTo(0, 0);
  if (app.page.focus) app.page.focus();
}

/** Shows (or hides) the keyring banner: the app stays usable without it. */
function setKeyring(status) {
  app.keyring = status;
  const host = document.getElementById('banners');
  if (!host) return;
  if (!status || status.available !== false) {
    replace(host);
    return;
  }
  replace(host, h('div', { class: 'banner banner-warn', role: 'status', 'data-testid': 'keyring-banner' },
    h('span', { class: 'banner-icon', 'aria-hidden': 'true', text: '\u26A0' }),
    h('div', { class: 'banner-text' },
      h('strong', { text: 'Passwords cannot be saved: the system keyring is unavailable. ' }),
      h('span', { 'data-testid': 'keyring-message', text: status.message || '' }),
      status.hint ? h('p', { class: 'banner-hint', 'data-testid': 'keyring-hint', text: status.hint }) : null,
      h('p', { class: 'banner-hint', text: 'You can still test connections, and save them without their password.' }))));
}

async function showVersion() {
  const el = document.getElementById('app-version');
  try {
    app.version = await api.appVersion();
    el.textContent = `v${app.version}`;
    el.setAttribute('aria-label', `About Sluice v${app.version}`);
    el.addEventListener('click', () => lazy.about().then((m) => m.openAboutDialog()).catch((err) => console.error(err)));
    document.body.dataset.ready = 'true';
    performance.mark('sluice:ready');
  } catch (err) {
    el.textContent = 'version unavailable';
    console.error(err);
  }
}

async function checkKeyring() {
  try {
    setKeyring(await api.keyringStatus());
  } catch (err) {
    setKeyring({ available: false, message: err.message, hint: err.hint });
  }
}

async function start() {
  try {
    app.vocabulary = await api.vocabulary();
  } catch (err) {
    console.error('vocabulary', err);
  }
  navigate('list');
  // While the user reads the list: the form's modules, then the permissions
  // dialog's, laid out once so that its first open after a test is fast.
  setTimeout(() => lazy.form().catch((err) => console.error(err)), 300);
  setTimeout(() => import('./components/permissions-dialog.js').then((m) => m.prewarmPermissions()).catch((err) => console.error(err)), 1000);
}

showVersion();
checkKeyring();
start();
