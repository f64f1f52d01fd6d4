// 100,000 tables: the permissions dialog opens, the virtualized table keeps
// the DOM small, scrolling renders the right rows, and the filter narrows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, tid, openNewConnection, waitForValue, runTest, permissionRows, openPermissions } from './app.js';
import { startCluster, createBulkTables, lit } from './pg.js';

let pg;
let bulk;

before(async () => {
  pg = await startCluster();
  pg.psql(`CREATE ROLE bulk_reader LOGIN PASSWORD ${lit('bulk-pw')};`);
  // Creating 100,000 tables takes about 10 s here; if a slow machine would
  // need more than 60 s, it stops at 20,000 (the assertions use the count).
  bulk = createBulkTables(pg, { target: Number(process.env.SLUICE_E2E_BULK_TABLES || 100000), floor: 20000, budgetMs: 60000 });
  pg.psql('GRANT USAGE ON SCHEMA bulk TO bulk_reader; GRANT SELECT ON ALL TABLES IN SCHEMA bulk TO bulk_reader;', 'bulk');
});

after(async () => {
  if (pg) await pg.stop();
});

test('the permissions of 100,000 tables open, scroll and filter', async (t) => {
  t.diagnostic(`created ${bulk.count} tables in ${bulk.ms} ms`);
  const { session, stop } = await launch();
  try {
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Bulk');
    await session.typeInto(tid('field-url'), pg.url('bulk_reader', 'bulk-pw', 'bulk', 'sslmode=disable'));
    await waitForValue(session, tid('field-host'), '127.0.0.1');
    const t0 = Date.now();
    assert.equal(await runTest(session, { ms: 180000 }), 'success', await session.textOf(tid('test-result')));
    await openPermissions(session, { ms: 60000 });
    t.diagnostic(`test + dialog: ${Date.now() - t0} ms`);
    const total = await session.exec('return Number(document.querySelector(arguments[0]).dataset.total);', tid('perm-count'));
    assert.equal(total, bulk.count);
    assert.match(await session.textOf(tid('verdict-headline')), /^Ready as source/);

    // Virtualized: only a screenful of rows exists in the DOM.
    const rendered = (await permissionRows(session)).length;
    assert.ok(rendered > 5 && rendered < 120, `rendered ${rendered} rows`);
    const rowcount = await session.exec('return document.querySelector(arguments[0]).getAttribute("aria-rowcount");', `${tid('perm-table')} [role="table"]`);
    assert.equal(Number(rowcount), bulk.count + 1);

    // Scroll to the middle: the rows there are rendered, still only a screenful.
    const middle = await session.execAsync(`
      const done = arguments[arguments.length - 1];
      const vp = document.querySelector('[data-testid="perm-table"] .vt-viewport');
      vp.scrollTop = vp.scrollHeight / 2;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        const rows = [...vp.querySelectorAll('.vt-rows .vt-row')];
        done({ count: rows.length, first: Number(rows[0].dataset.index), names: rows.map((r) => r.children[1].textContent) });
      }));`);
    assert.ok(middle.count < 120, `rendered ${middle.count} rows after scrolling`);
    assert.ok(middle.first > bulk.count / 2 - 200 && middle.first < bulk.count / 2 + 200, `first rendered row ${middle.first}`);
    assert.ok(middle.names.every((n) => /^t\d+$/.test(n)));

    // The filter narrows 100,000 rows: t4242 matches t4242 and t42420..t42429.
    const expected = Array.from({ length: bulk.count }, (_, i) => `t${i + 1}`).filter((n) => n.startsWith('t4242')).sort();
    const f0 = Date.now();
    await session.typeInto(tid('perm-filter'), 't4242');
    await session.waitFor(async () => (await session.exec('return document.querySelector(arguments[0]).dataset.shown;', tid('perm-count'))) === String(expected.length), { what: `${expected.length} matching rows` });
    t.diagnostic(`filter: ${Date.now() - f0} ms (typing included)`);
    const names = (await permissionRows(session)).map((r) => r.cells[1]).sort();
    assert.deepEqual(names, expected);
    assert.match(await session.textOf(tid('perm-count')), new RegExp(`^${expected.length} of ${bulk.count.toLocaleString('en-US')}$`));
    await screenshot(session, 'permissions-100k-filtered');
  } finally {
    await stop();
  }
});
