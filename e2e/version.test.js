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
