// Launches the real Sluice binary through tauri-driver + WebKitWebDriver and
// hands the test a WebDriver session. Each launch gets its own config dir;
// the keyring is the Secret Service of the surrounding dbus session.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { Session } from './webdriver.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const screenshotDir = path.join(root, 'e2e', 'screenshots');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

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

/** A fresh per-user config dir, so tests never see each other's connections. */
export function freshConfigHome() {
  return mkdtempSync(path.join(tmpdir(), 'sluice-e2e-config-'));
}

/**
 * Starts the app and returns { session, stop }. `configHome` lets a test
 * relaunch the app on the same saved state.
 */
export async function launch({ configHome = freshConfigHome() } = {}) {
  const application = process.env.SLUICE_APP_BINARY;
  if (!application) throw new Error('SLUICE_APP_BINARY is not set (npm test sets it)');
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(
    'tauri-driver',
    ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'],
    {
      // The webview's chatter (portals, a11y bus) goes to a log, not the test report.
      stdio: ['ignore', logFile(), logFile()],
      env: { ...process.env, XDG_CONFIG_HOME: configHome },
    },
  );
  let exited = false;
  driver.on('exit', () => {
    exited = true;
  });
  await waitForPort(port, 15000);
  const session = await Session.create(`http://127.0.0.1:${port}`, {
    browserName: 'wry',
    'tauri:options': { application },
  });
  const stop = async () => {
    await session.close();
    if (!exited) {
      driver.kill();
      await new Promise((r) => driver.once('exit', r));
    }
  };
  return { session, stop, configHome };
}

/** Saves a PNG of the window under e2e/screenshots (gitignored), and under
 * docs/screenshots when `docs` is set (those are shown in the README). */
export async function screenshot(session, name, { docs = false } = {}) {
  const png = await session.screenshot();
  mkdirSync(screenshotDir, { recursive: true });
  writeFileSync(path.join(screenshotDir, `${name}.png`), png);
  if (docs) {
    const dir = path.join(root, 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}.png`), png);
  }
  return png;
}
