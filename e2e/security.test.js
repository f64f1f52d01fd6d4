// The trust boundary in the real app: testing a hostile database through
// the Test button runs none of its code, and the window cannot reach
// anything beyond Sluice's own commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, tid, openNewConnection, runTest, waitForList, openPermissions } from './app.js';
import { startCluster, lit } from './pg.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const PLANT_SQL = readFileSync(path.join(root, 'crates', 'harness', 'sql', 'plant-hostile.sql'), 'utf8');
const MARKER = 'SLUICE-PLANTED';

let pg;

before(async () => {
  pg = await startCluster({ settings: { log_line_prefix: '%m [%p] %u@%d ' } });
  pg.psql(`CREATE ROLE owner LOGIN PASSWORD ${lit('owner-pw')};
CREATE ROLE boss SUPERUSER LOGIN PASSWORD ${lit('boss-pw')};
CREATE ROLE tester LOGIN PASSWORD ${lit('tester-pw')};
CREATE DATABASE shop OWNER owner;`);
  pg.psql(`SET ROLE owner;
CREATE TABLE public.orders (id serial PRIMARY KEY, note text CHECK (note <> ''));
${PLANT_SQL}`, 'shop');
  pg.psql('ALTER DATABASE shop SET search_path = evil, pg_catalog;');
  // The ordinary role gets its path from ALTER ROLE, which wins over the database's.
  pg.psql('ALTER ROLE tester SET search_path = public, evil, pg_catalog;');
  // The traps are live: a session that resolves names by the path springs them.
  const before = pg.log().length;
  pg.psql("SET search_path = evil, pg_catalog; SELECT current_setting('server_version') IS NOT NULL;", 'shop');
  assert.ok(pg.log().slice(before).includes(MARKER), 'the traps must be live');
});

after(async () => {
  if (pg) await pg.stop();
});

for (const [who, role, password] of [['a superuser', 'boss', 'boss-pw'], ['an ordinary role', 'tester', 'tester-pw']]) {
  test(`Test Connection against a hostile database, as ${who}, springs none of its traps`, async () => {
    const { session, stop } = await launch();
    try {
      await openNewConnection(session, 'postgres');
      await session.typeInto(tid('field-name'), 'Hostile');
      const from = pg.log().length;
      await session.typeInto(tid('field-url'), pg.url(role, password, 'shop', 'sslmode=disable'));
      const outcome = await runTest(session);
      assert.equal(outcome, 'success', await session.textOf(tid('test-result')));
      await openPermissions(session);
      const sprung = pg.log().slice(from).split('\n').filter((l) => l.includes(MARKER) && l.includes(` ${role}@`));
      assert.deepEqual(sprung, [], 'the app ran the database\'s own code');
    } finally {
      await stop();
    }
  });
}

test('the window may call Sluice\'s commands and nothing else: no event listeners', async () => {
  const { session, stop } = await launch();
  try {
    await waitForList(session);
    const listen = await session.exec(`return window.__TAURI__.core.invoke('plugin:event|listen', { event: 'sluice://x', target: { kind: 'Any' }, handler: 1 })
      .then(() => 'allowed', (e) => 'refused: ' + String(e));`);
    assert.match(listen, /^refused: .*not allowed/, listen);
    // Its own commands still work.
    assert.match(await session.exec("return window.__TAURI__.core.invoke('app_version');"), /^\d+\.\d+\.\d+$/);
  } finally {
    await stop();
  }
});
