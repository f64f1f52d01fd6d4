// Launches the real Sluice binary through tauri-driver + WebKitWebDriver and
// hands the test a WebDriver session. Each launch gets its own config dir;
// the keyring is the Secret Service of the surrounding dbus session.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, openSync, rmSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { Session } from './webdriver.js';
import { freePort } from './pg.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const screenshotDir = path.join(root, 'e2e', 'screenshots');

async function waitForPort(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port} within ${ms} ms`);
}

function logFile() {
  mkdirSync(screenshotDir, { recursive: true });
  return openSync(path.join(screenshotDir, 'driver.log'), 'a');
}

/** The pids of running processes whose executable is `binary`. */
function pidsOf(binary) {
  const want = realpathSync(binary);
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const exe = readlinkSync(`/proc/${name}/exe`);
      // A rebuilt binary shows as "path (deleted)" in a process started before.
      if (exe === want || exe === `${want} (deleted)`) pids.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/** Ends every running Sluice app and waits until none is left. The app is
 * single-instance, so a start while an earlier one lingers hands over to it
 * and exits, and the driver would wait for a window that never comes; and
 * closing the WebDriver session does not end a Tauri app (it is left running,
 * reparented to init). SIGTERM, then SIGKILL after `ms`. */
async function noAppRunning(binary, ms = 5000) {
  const signal = (sig) => {
    for (const pid of pidsOf(binary)) {
      try {
        process.kill(pid, sig);
      } catch {
        // Already gone.
      }
    }
  };
  signal('SIGTERM');
  const end = Date.now() + ms;
  while (pidsOf(binary).length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  if (!pidsOf(binary).length) return;
  signal('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  const left = pidsOf(binary);
  if (left.length) throw new Error(`Sluice app processes ${left.join(', ')} survive SIGKILL`);
}

/** A fresh per-user config dir, so tests never see each other's connections. */
export function freshConfigHome() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-config-'));
  // Kept across relaunches within a test file, removed when it ends.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts the app and returns { session, stop }. `configHome` lets a test
 * relaunch the app on the same saved state; `env` overrides variables (e.g.
 * a D-Bus address with no Secret Service behind it); `appProcess` is the
 * app's executable when SLUICE_APP_BINARY is a wrapper around it.
 */
export async function launch({ configHome = freshConfigHome(), env = {}, appProcess } = {}) {
  const application = process.env.SLUICE_APP_BINARY;
  if (!application) throw new Error('SLUICE_APP_BINARY is not set (npm test sets it)');
  // The executable the app's process runs: the application itself, unless
  // that is a wrapper that execs it (the bench's stamp.sh).
  const running = appProcess || application;
  await noAppRunning(running);
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(
    'tauri-driver',
    ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'],
    {
      // The webview's chatter (portals, a11y bus) goes to a log, not the test report.
      stdio: ['ignore', logFile(), logFile()],
      // Software GL: under Xvfb, WebKitGTK's GPU path leaves screenshots
      // showing the first paint only. Compositing stays on (software): with
      // it off, WebKitWebDriver's screenshots never return. The About test
      // launches without this to see the app's own choice.
      env: { LIBGL_ALWAYS_SOFTWARE: '1', SLUICE_COMPOSITING: 'on', ...process.env, XDG_CONFIG_HOME: configHome, ...env },
      // Its own process group: the driver, WebKitWebDriver and the app stop together.
      detached: true,
    },
  );
  let exited = false;
  const driverExit = new Promise((resolve) => driver.once('exit', resolve));
  driver.on('exit', () => {
    exited = true;
  });
  const killGroup = (signal) => {
    try {
      process.kill(-driver.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  // Whatever happens to the test, nothing of this launch outlives the run.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  const teardown = async () => {
    killGroup('SIGTERM');
    if (!exited) await Promise.race([driverExit, new Promise((r) => setTimeout(r, 5000))]);
    killGroup('SIGKILL');
    await noAppRunning(running);
    process.removeListener('exit', onExit);
  };
  // tauri-driver listens before WebKitWebDriver does, so the first session
  // request can fail with "connection refused" from the native driver: retry.
  let session;
  try {
    await waitForPort(port, 15000);
    for (let attempt = 1; ; attempt += 1) {
      try {
        session = await Session.create(`http://127.0.0.1:${port}`, {
          browserName: 'wry',
          'tauri:options': { application },
        });
        break;
      } catch (err) {
        // Retry a refused connection, never a driver that took a minute.
        if (attempt >= 5 || exited || /no answer within/.test(err.message)) throw err;
        await new Promise((r) => setTimeout(r, 300 * attempt));
      }
    }
  } catch (err) {
    await teardown();
    throw err;
  }
  const stop = async () => {
    await session.close();
    await teardown();
  };
  return { session, stop, configHome };
}

/** Saves a PNG of the window under e2e/screenshots (gitignored). The ones
 * marked `docs` also go to docs/screenshots (shown in the README), but only
 * when asked: `npm run screenshots` sets SLUICE_REFRESH_SCREENSHOTS=1, so a
 * plain `npm test` leaves the tree as it was. */
export async function screenshot(session, name, { docs = false } = {}) {
  // Two frames, so that the picture shows what the DOM now says (a dialog
  // just closed was seen still painted otherwise).
  await session.execAsync('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(true), 50)));');
  const png = await session.screenshot();
  mkdirSync(screenshotDir, { recursive: true });
  writeFileSync(path.join(screenshotDir, `${name}.png`), png);
  if (docs && process.env.SLUICE_REFRESH_SCREENSHOTS === '1') {
    const dir = path.join(root, 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}.png`), png);
  }
  return png;
}

/**
 * The Secret Service items of a connection's secret (`kind` as the store
 * names it: password, ssh-password...), as D-Bus object paths; null when the
 * Secret Service cannot be asked (npm test runs the suite inside one).
 */
export function keyringItems(id, kind = 'password') {
  try {
    const out = execFileSync('gdbus', ['call', '--session', '--dest', 'org.freedesktop.secrets', '--object-path', '/org/freedesktop/secrets',
      '--method', 'org.freedesktop.Secret.Service.SearchItems', `{'service': 'dev.sluice.app', 'username': '${id}/${kind}'}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return [...out.matchAll(/'(\/org\/freedesktop\/secrets\/[^']+)'/g)].map((m) => m[1]);
  } catch {
    return null;
  }
}

/** Deletes a connection's secret from the keyring behind Sluice's back (a reset keyring, another machine). */
export function dropFromKeyring(id, kind = 'password') {
  const items = keyringItems(id, kind);
  if (!items || !items.length) throw new Error(`no keyring item for ${id}/${kind}`);
  for (const item of items) {
    execFileSync('gdbus', ['call', '--session', '--dest', 'org.freedesktop.secrets', '--object-path', item, '--method', 'org.freedesktop.Secret.Item.Delete'], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

// ---- Sluice UI flows shared by the suites (selectors are data-testid).

/** `[data-testid="id"]` */
export const tid = (id) => `[data-testid="${id}"]`;

/** Waits for the connections page to have loaded its list (or empty state). */
export async function waitForList(session) {
  await session.waitFor(async () => (await session.exec('return document.body.dataset.page === "list" && document.body.dataset.listLoaded === "true";')) || null, { what: 'the connections page' });
}

/** From the list: "+ New Connection", pick a provider, wait for the form. */
export async function openNewConnection(session, provider = 'postgres') {
  await waitForList(session);
  await session.click(tid('new-connection'));
  await session.click(tid(`provider-${provider}`));
  await session.waitForSelector(tid('connection-form'));
}

/** Chooses URL or Host mode and waits for its panel. */
export async function setMode(session, mode) {
  const shown = async () => (await session.exec('return !document.querySelector(arguments[0]).hidden;', tid(`${mode}-panel`))) || null;
  // WebDriver clicks at the element's centre as it was measured: a section
  // that was just opened above can still move it, and the click lands
  // beside it (seen once in the a11y suite). Click again, up to three times.
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    await session.click(tid(`mode-${mode}`));
    try {
      await session.waitFor(shown, { what: `${mode} mode`, ms: attempt < 3 ? 2000 : 10000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/** Chooses an SSL mode in the form's select ('' for "not set"). */
/**
 * Opens a <details> section by its summary unless it is open: the form
 * opens one itself when a warning arrives for a field inside (after a round
 * trip to Rust), so the check and the click are one step in the page, and a
 * warning arriving later leaves it open.
 */
export async function openSection(session, testid) {
  await session.exec(`const d = document.querySelector(arguments[0]);
    if (!d.open) d.querySelector('summary').click();`, tid(testid));
  await session.waitFor(async () => session.exec('return document.querySelector(arguments[0]).open;', tid(testid)), { what: `${testid} open` });
}

export async function setSslMode(session, mode) {
  await session.exec(`const s = document.querySelector(arguments[0]); s.value = arguments[1];
    s.dispatchEvent(new Event('change', { bubbles: true }));`, tid('field-sslmode'), mode);
}

/** Puts `text` in the URL box as a paste does: the value, then input and paste events. */
export async function pasteUrl(session, text) {
  await session.exec(`const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1];
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('paste', { bubbles: true }));`, tid('field-url'), text);
}

/** The value of a form input. */
export function valueOf(session, css) {
  return session.exec('const el = document.querySelector(arguments[0]); return el ? el.value : null;', css);
}

/** Waits until the input's value equals `expected` (the URL <-> field sync is debounced). */
export function waitForValue(session, css, expected, ms = 5000) {
  return session.waitFor(async () => (await valueOf(session, css)) === expected, { ms, what: `${css} = ${expected}` });
}

/** Clicks Test and waits until the panel is idle again; returns 'success' | 'error' | 'cancelled'. */
export async function runTest(session, { scope = '', ms = 60000 } = {}) {
  // The previous test's result stays on screen until the new one starts
  // (a round trip to Rust): marked here, so it is never taken for the new one.
  await session.exec(`const panel = document.querySelector(arguments[0]);
    for (const el of panel ? panel.querySelectorAll('[data-testid="test-success"], [data-testid="test-error"], [data-testid="test-cancelled"]') : []) el.__e2eStale = true;`,
  `${scope} ${tid('test-panel')}`.trim());
  await session.click(`${scope} ${tid('test-button')}`.trim());
  return waitForTestEnd(session, { scope, ms });
}

export async function waitForTestEnd(session, { scope = '', ms = 60000 } = {}) {
  return session.waitFor(async () => session.exec(`
    const panel = document.querySelector(arguments[0]);
    if (!panel || panel.dataset.state === 'running') return null;
    const fresh = (id) => { const el = panel.querySelector('[data-testid="' + id + '"]'); return el && !el.__e2eStale; };
    if (fresh('test-success')) return 'success';
    if (fresh('test-error')) return 'error';
    if (fresh('test-cancelled')) return 'cancelled';
    return null;`, `${scope} ${tid('test-panel')}`.trim()), { ms, what: 'the test to finish' });
}

/**
 * Opens the permissions of the test that just ended ("View permissions" in
 * the panel: a test never opens the dialog by itself) and waits for it.
 */
export async function openPermissions(session, { scope = '', ms = 10000 } = {}) {
  // (A dialog already open is taken as it is, so that a suite also runs against a build that opened it by itself.)
  if (!(await session.count(tid('permissions-dialog')))) await session.click(`${scope} ${tid('view-permissions')}`.trim());
  await session.waitForSelector(tid('permissions-dialog'), { ms });
}

/** The hint under a form field (its libpq keyword or form key), '' when it has none. */
export function hintOf(session, key) {
  return session.exec('const el = document.querySelector(`[data-field="${arguments[0]}"] .field-hint`); return el ? el.textContent : "";', key);
}

/** Closes the permissions dialog and waits until it is gone. */
export async function closePermissions(session) {
  await session.click(`${tid('permissions-dialog')} ${tid('dialog-close')}`);
  await session.waitForGone(tid('permissions-dialog'));
}

/** The stepper's stages as {stage: status}. */
export function stepStatuses(session, scope = '') {
  return session.exec(`const out = {}; for (const li of document.querySelectorAll(arguments[0])) out[li.dataset.stage] = li.dataset.status; return out;`, `${scope} ${tid('stepper')} li`.trim());
}

/** The rendered rows of the permissions table: [{cells: [text...], classes: [cls...], problem}]. */
export function permissionRows(session) {
  return session.exec(`return [...document.querySelectorAll('[data-testid="perm-table"] .vt-rows .vt-row')].map((r) => ({
    cells: [...r.children].map((c) => c.textContent),
    classes: [...r.children].map((c) => c.className),
    problem: r.classList.contains('has-problem'),
  }));`);
}

/** The permissions table's column headers, in order. */
export function permissionHeaders(session) {
  return session.exec(`return [...document.querySelectorAll('[data-testid="perm-table"] .vt-header .vt-cell')].map((c) => c.textContent.replace(/[\\u25B2\\u25BC]/g, '').trim());`);
}

/** Saves the form and waits for the list to show a row named `name`. */
export async function saveAndWaitForRow(session, name) {
  await session.waitFor(async () => !(await session.exec('return document.querySelector(arguments[0]).disabled;', tid('save-button'))), { what: 'Save to be enabled' });
  await session.click(tid('save-button'));
  await waitForList(session);
  return rowByName(session, name);
}

/** Waits for a list row whose name is exactly `name`; returns its data-id. */
export function rowByName(session, name, ms = 10000) {
  return session.waitFor(() => session.exec(`
    const row = [...document.querySelectorAll('[data-testid="connection-row"]')].find((r) => r.dataset.name === arguments[0]);
    return row ? row.dataset.id : null;`, name), { ms, what: `a row named ${name}` });
}

/** Clicks a row action (test, edit, duplicate, delete) on the row named `name`. */
export async function rowAction(session, name, action) {
  const id = await rowByName(session, name);
  await session.click(`[data-testid="connection-row"][data-id="${id}"] ${tid(`action-${action}`)}`);
}
