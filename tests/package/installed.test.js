// The installed app (from the .deb, or the AppImage run with
// --appimage-extract-and-run), launched under Xvfb through tauri-driver
// until its UI is ready. scripts/test-package.sh installs it and sets
// SLUICE_APP_BINARY to what it installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, screenshot } from '../../e2e/app.js';

const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url))).version;

test(`the installed app (${process.env.SLUICE_PACKAGE_KIND || 'package'}) opens and its UI is ready`, async () => {
  const { session, stop } = await launch();
  try {
    await session.waitFor(async () => (await session.exec('return document.body.dataset.ready === "true" && document.body.dataset.listLoaded === "true";')) || null, { what: 'UI ready', ms: 20000 });
    assert.equal(await session.title(), 'Sluice');
    assert.equal(await session.textOf('#app-version'), `v${version}`);
    await screenshot(session, `installed-${process.env.SLUICE_PACKAGE_KIND || 'package'}`);
  } finally {
    await stop();
  }
});
