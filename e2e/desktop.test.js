// Desktop conventions: the window comes back at the size it was left at
// (tauri-plugin-window-state), and a second start hands over to the first
// instead of opening a second window on the same store
// (tauri-plugin-single-instance).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, freshConfigHome } from './app.js';

const rect = (session) => session.cmd('GET', '/window/rect');

test('the window reopens at the size it was closed at', async () => {
  const configHome = freshConfigHome();
  let first = await launch({ configHome });
  try {
    const before = await rect(first.session);
    assert.ok(before.width >= 1000, `the default size first: ${JSON.stringify(before)}`);
    await first.session.cmd('POST', '/window/rect', { width: 880, height: 620 });
    const set = await rect(first.session);
    assert.deepEqual([set.width, set.height], [880, 620], 'the window manager-less Xvfb took the size');
    // Saved once the resizing stops, not only at a clean exit (the test's
    // stop kills the app).
    const file = path.join(configHome, 'dev.sluice.app', '.window-state.json');
    await first.session.waitFor(async () => (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).main?.width === 880) || null, { what: 'the saved window state', ms: 5000 });
  } finally {
    await first.stop();
  }
  const again = await launch({ configHome });
  try {
    const after = await rect(again.session);
    assert.deepEqual([after.width, after.height], [880, 620], JSON.stringify(after));
  } finally {
    await again.stop();
  }
});

test('a second start hands over to the running app and exits', async () => {
  const configHome = freshConfigHome();
  const { session, stop } = await launch({ configHome });
  try {
    await session.waitFor(async () => (await session.exec('return document.body.dataset.ready === "true";')) || null, { what: 'the first instance ready' });
    const second = spawn(process.env.SLUICE_APP_BINARY, [], { stdio: 'ignore', env: { ...process.env, XDG_CONFIG_HOME: configHome, SLUICE_COMPOSITING: 'on', LIBGL_ALWAYS_SOFTWARE: '1' } });
    const code = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        second.kill('SIGKILL');
        resolve('still running after 10 s');
      }, 10000);
      second.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, 'the second instance exits by itself');
    // The first one is still there and answers.
    assert.equal(await session.title(), 'Sluice');
    assert.equal(await session.exec('return document.body.dataset.ready;'), 'true');
  } finally {
    await stop();
  }
});
