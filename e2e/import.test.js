// Import and the first run, in the real app: on an empty store the local
// server named by PGHOST/PGPORT is offered as a card that opens a filled-in
// form; the import dialog finds ~/.pgpass where libpq keeps it, previews its
// entries (a wildcard line skipped with its reason), imports the chosen one
// with its password in the keyring, and the imported connection tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch, screenshot, tid, waitForList, rowByName, rowAction, waitForTestEnd, valueOf } from './app.js';
import { startCluster, lit } from './pg.js';
import { assertAccessible } from './axe.js';

let pg;
let home;

before(async () => {
  pg = await startCluster();
  pg.psql(`CREATE ROLE importer LOGIN PASSWORD ${lit('imp-pw')};`);
  home = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-home-'));
  const pgpass = path.join(home, '.pgpass');
  writeFileSync(pgpass, `# mine\n127.0.0.1:${pg.port}:postgres:importer:imp-pw\n*:*:*:*:not-this\n`);
  chmodSync(pgpass, 0o600);
});

after(async () => {
  if (pg) await pg.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('first run offers the local server; the import dialog brings in ~/.pgpass', async () => {
  const { session, stop } = await launch({ env: { HOME: home, PGHOST: '127.0.0.1', PGPORT: String(pg.port) } });
  try {
    await waitForList(session);
    await session.waitForSelector(tid('local-server'), 8000);
    const cards = await session.exec('return [...document.querySelectorAll(arguments[0])].map((c) => c.textContent);', tid('local-server'));
    const mine = cards.find((c) => c.includes('PGHOST/PGPORT'));
    assert.ok(mine && mine.includes(`127.0.0.1:${pg.port}`), `a card for the cluster: ${JSON.stringify(cards)}`);
    await screenshot(session, 'first-run', { docs: true });
    await assertAccessible(session, 'first run with local servers');

    await session.click(tid('empty-import'));
    await session.waitForSelector(tid('import-source-pgpass'));
    await session.click(tid('import-source-pgpass'));
    await session.waitFor(async () => (await session.exec('return document.querySelectorAll(arguments[0]).length;', tid('import-row'))) === 1, { what: 'the preview' });
    const row = await session.textOf(tid('import-row'));
    assert.ok(row.includes(`postgresql://importer@127.0.0.1:${pg.port}/postgres`) && row.includes('to the keyring'), row);
    assert.ok(!row.includes('imp-pw'), 'the preview never shows a password');
    assert.match(await session.textOf(tid('import-dialog')), /wildcard/);
    await screenshot(session, 'import-preview', { docs: true });
    await assertAccessible(session, 'import dialog with a preview');
    await session.click(tid('import-confirm'));
    await session.waitForGone(tid('import-dialog'));
    const name = `importer@127.0.0.1:${pg.port}/postgres`;
    await rowByName(session, name);

    await rowAction(session, name, 'test');
    await session.waitForSelector(tid('test-dialog'));
    assert.equal(await waitForTestEnd(session, { scope: tid('test-dialog') }), 'success', await session.textOf(tid('test-dialog')));
    assert.match(await session.textOf(`${tid('test-dialog')} ${tid('step-auth')}`), /password from the keyring/);
  } finally {
    await stop();
  }
});

test('a first-run card opens the form with its URL', async () => {
  const { session, stop } = await launch({ env: { HOME: home, PGHOST: '127.0.0.1', PGPORT: String(pg.port) } });
  try {
    await waitForList(session);
    await session.waitForSelector(tid('local-server'), 8000);
    await session.exec(`const c = [...document.querySelectorAll(arguments[0])].find((x) => x.textContent.includes('PGHOST/PGPORT')); c.querySelector('[data-testid="local-server-use"]').click();`, tid('local-server'));
    await session.waitForSelector(tid('form-page'));
    assert.equal(await valueOf(session, tid('field-url')), `postgresql://127.0.0.1:${pg.port}`);
  } finally {
    await stop();
  }
});
