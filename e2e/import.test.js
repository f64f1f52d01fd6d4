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
    await screenshot(session, 'first-run');
    await assertAccessible(session, 'first run with local servers');

    await session.click(tid('empty-import'));
    await session.waitForSelector(tid('import-source-pgpass'));
    await session.click(tid('import-source-pgpass'));
    await session.waitFor(async () => (await session.exec('return document.querySelectorAll(arguments[0]).length;', tid('import-row'))) === 1, { what: 'the preview' });
    const row = await session.textOf(tid('import-row'));
    assert.ok(row.includes(`postgresql://importer@127.0.0.1:${pg.port}/postgres`) && row.includes('to the keyring'), row);
    assert.ok(!row.includes('imp-pw'), 'the preview never shows a password');
    assert.match(await session.textOf(tid('import-dialog')), /wildcard/);
    await screenshot(session, 'import-preview');
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

test('bug 4: a second import of the same file marks what is already saved and leaves it unticked; names are cut at a separator; Neon gets sslmode=require', async () => {
  const again = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-home-'));
  try {
    const neon = 'ep-cool-darkness-123456.us-east-2.aws.neon.tech';
    writeFileSync(path.join(again, '.pgpass'), `127.0.0.1:${pg.port}:postgres:importer:imp-pw\n${neon}:5432:neondb:neondb_owner:npg-secret\n`);
    chmodSync(path.join(again, '.pgpass'), 0o600);
    const { session, stop } = await launch({ env: { HOME: again } });
    try {
      const importAll = async () => {
        await session.click(tid('import-source-pgpass'));
        await session.waitFor(async () => (await session.count(tid('import-row'))) === 2, { what: 'the preview' });
      };
      await waitForList(session);
      await session.click(tid('empty-import'));
      await importAll();
      const first = await session.exec('return [...document.querySelectorAll(arguments[0])].map((r) => ({ text: r.textContent, checked: r.querySelector("input").checked }));', tid('import-row'));
      assert.ok(first.every((r) => r.checked), 'a first import ticks everything');
      const neonRow = first.find((r) => r.text.includes(neon));
      await session.click(tid('import-confirm'));
      await session.waitForGone(tid('import-dialog'));
      await session.waitFor(async () => (await session.count(tid('connection-row'))) === 2, { what: 'two rows' });
      const names = await session.exec('return [...document.querySelectorAll(arguments[0])].map((r) => r.dataset.name);', tid('connection-row'));
      const cutAtSeparator = (name) => !name.endsWith('\u2026') || /[./@: ]\u2026$/.test(name);
      const neonName = names.find((n) => n.includes('neon'));
      assert.ok(neonName && cutAtSeparator(neonName), `the long name is cut at a separator: ${neonName}`);

      // The same file again: both entries are there already.
      await session.click(tid('import-button'));
      await importAll();
      const second = await session.exec('return [...document.querySelectorAll(arguments[0])].map((r) => ({ dup: r.dataset.duplicateOf || null, checked: r.querySelector("input").checked, notes: r.lastElementChild.textContent }));', tid('import-row'));
      for (const r of second) {
        assert.ok(r.dup, `marked as a duplicate: ${JSON.stringify(r)}`);
        assert.equal(r.checked, false, 'unticked by default');
        assert.match(r.notes, /Already saved as/);
      }
      assert.match(await session.textOf(tid('import-status')), /2 already saved \(unticked\)/);
      assert.equal(await session.exec('return document.querySelector(arguments[0]).disabled;', tid('import-confirm')), true, 'nothing to import unless ticked');
      await screenshot(session, 'import-duplicates', { docs: true });
      await session.click(tid('import-cancel'));
      await session.waitForGone(tid('import-dialog'));
      const after = await session.exec('return [...document.querySelectorAll(arguments[0])].map((r) => r.dataset.name);', tid('connection-row'));
      assert.equal(after.length, 2, `no " (2)" copies: ${after}`);
      assert.ok(!after.some((n) => / \(2\)$/.test(n)));
      // Ticked, a duplicate is imported again, under a name cut at a separator before its " (2)".
      await session.click(tid('import-button'));
      await importAll();
      await session.exec('const r = [...document.querySelectorAll(arguments[0])].find((x) => x.textContent.includes(arguments[1])); r.querySelector("input").click();', tid('import-row'), neon);
      await session.waitFor(async () => (await session.textOf(tid('import-confirm'))) === 'Import 1', { what: 'one ticked' });
      await session.click(tid('import-confirm'));
      await session.waitForGone(tid('import-dialog'));
      await session.waitFor(async () => (await session.count(tid('connection-row'))) === 3, { what: 'the copy' });
      const copy = (await session.exec('return [...document.querySelectorAll(arguments[0])].map((r) => r.dataset.name);', tid('connection-row'))).find((n) => / \(2\)$/.test(n));
      assert.ok(copy && cutAtSeparator(copy.replace(/ \(2\)$/, '')), `the copy's name: ${copy}`);
      // And the first preview had given Neon's entry the sslmode Neon requires (bug 2, for an import).
      assert.match(neonRow.text, /sslmode=require/, 'Neon\'s required sslmode is added to the imported entry');
    } finally {
      await stop();
    }
  } finally {
    rmSync(again, { recursive: true, force: true });
  }
});
