// The smallest whole path: UI -> invoke -> Rust -> UI (the version in the About box).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, screenshot } from './app.js';

const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url))).version;

test('the window is titled Sluice and shows the version fetched from Rust', async () => {
  const { session, stop } = await launch();
  try {
    assert.equal(await session.title(), 'Sluice');
    const el = await session.find('#app-version');
    const text = await session.waitFor(async () => (await el.text()) || null, { what: 'version text' });
    assert.equal(text, `v${version}`);
    const png = await screenshot(session, 'version');
    assert.ok(png.length > 1000, 'screenshot is a real image');
  } finally {
    await stop();
  }
});

test('the About box says what this build is and where it keeps things (the app choosing compositing itself)', async () => {
  // No SLUICE_COMPOSITING: the app decides (no screenshot here: WebKitWebDriver's hang with compositing off).
  const { session, stop, configHome } = await launch({ env: { SLUICE_COMPOSITING: '' } });
  try {
    await session.waitFor(async () => (await session.textOf('#app-version')) || null, { what: 'version text' });
    await session.click('[data-testid="about-button"]');
    await session.waitForSelector('[data-testid="about-dialog"]');
    const text = (k) => session.textOf(`[data-testid="about-${k}"]`);
    assert.equal(await text('version'), version);
    assert.match(await text('commit'), /^[0-9a-f]{7,}$|^unknown$/);
    assert.match(await text('webview'), /^WebKitGTK \d+\.\d+/);
    // Xvfb has no DRI render node: compositing is off, and the box says why.
    assert.match(await text('compositing'), /^off \((no DRI render node|software rendering)/);
    assert.ok((await text('config_dir')).startsWith(configHome), `${await text('config_dir')} under ${configHome}`);
    assert.equal(await text('keyring_backend'), 'Secret Service (D-Bus)');
    await session.click(`[data-testid="about-dialog"] [data-testid="dialog-close"]`);
    await session.waitForGone('[data-testid="about-dialog"]');
  } finally {
    await stop();
  }
});

test('the About box, with compositing forced on', async () => {
  const { session, stop } = await launch();
  try {
    await session.waitFor(async () => (await session.textOf('#app-version')) || null, { what: 'version text' });
    await session.click('[data-testid="about-button"]');
    await session.waitForSelector('[data-testid="about-dialog"]');
    assert.equal(await session.textOf('[data-testid="about-compositing"]'), 'accelerated (SLUICE_COMPOSITING=on)');
    await screenshot(session, 'about');
  } finally {
    await stop();
  }
});
