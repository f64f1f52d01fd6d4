// The app at 800×600, in the light and the dark theme (GTK's, which WebKitGTK
// reports as prefers-color-scheme): the test result stays in sight beside the
// form, the permissions table keeps room under one scroll area with the
// problems folded, and the small things that wrapped or overflowed do not.
// Also the README's dark-theme picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, tid, openNewConnection, waitForValue, runTest, openPermissions } from './app.js';
import { fixtureCluster } from './pg.js';

const cluster = fixtureCluster();

/** The element's box, and whether it is inside the window. */
function box(session, css) {
  return session.exec(`const el = document.querySelector(arguments[0]); if (!el) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height, width: r.width, inView: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth };`, css);
}

for (const theme of ['light', 'dark']) {
  test(`at 800×600 in the ${theme} theme: the result in sight, the permissions table with room`, async () => {
    const { session, stop } = await launch({ env: { GTK_THEME: theme === 'dark' ? 'Adwaita:dark' : 'Adwaita' } });
    try {
      assert.equal(await session.exec('return matchMedia("(prefers-color-scheme: dark)").matches;'), theme === 'dark');
      await session.cmd('POST', '/window/rect', { width: 800, height: 600 });
      await session.waitFor(async () => (await session.exec('return innerWidth <= 800 && innerHeight <= 600;')), { what: 'an 800×600 window' });
      await openNewConnection(session, 'postgres');
      await session.typeInto(tid('field-name'), 'Small window');
      await session.typeInto(tid('field-url'), cluster.pg.url(cluster.fx.reader.user, cluster.fx.reader.password, cluster.fx.db, 'sslmode=disable'));
      await waitForValue(session, tid('field-host'), '127.0.0.1');
      // "All schemas" and "Only these" each hold on one line.
      for (const which of ['all', 'only']) {
        const lines = await session.exec('const s = document.querySelector(arguments[0]).closest("label").querySelector("strong"); return Math.round(s.getBoundingClientRect().height / parseFloat(getComputedStyle(s).lineHeight));', tid(`schema-scope-${which}`));
        assert.equal(lines, 1, `${which}: ${lines} lines`);
      }
      const form = await box(session, tid('connection-form'));
      const panel = await box(session, tid('test-panel'));
      assert.ok(panel.left >= form.right, `the test panel is beside the form, not below it: ${JSON.stringify({ form, panel })}`);
      assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
      await session.waitFor(async () => (await box(session, tid('verdict-line'))).inView, { what: 'the verdict in sight' });
      assert.ok((await box(session, tid('view-permissions'))).inView, 'and its button');
      await screenshot(session, `small-window-test-${theme}`);

      await openPermissions(session);
      await screenshot(session, `small-window-permissions-${theme}`);
      assert.equal(await session.exec('return document.querySelector(arguments[0]).open;', tid('problems-panel')), false, 'the problems are folded on a short window');
      const table = await box(session, tid('perm-table'));
      assert.ok(table.height >= 240, `the table has room: ${table.height} px`);
      assert.ok(table.inView, 'and is in the window');
      const scrollers = await session.exec(`return [...document.querySelectorAll('[data-testid="permissions-dialog"] *')].filter((el) => {
        const s = getComputedStyle(el); return /(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1;
      }).map((el) => el.className);`);
      assert.deepEqual(scrollers, [], 'nothing scrolls but the table, which fits its rows here');
      const toolbar = await box(session, '.perm-toolbar');
      assert.ok(toolbar.height < 45, `the toolbar holds on one line: ${toolbar.height} px`);
      await session.click(tid('problems-panel') + ' summary');
      assert.ok((await box(session, tid('perm-table'))).height >= 120, 'open problems still leave the table room');
      await screenshot(session, `small-window-problems-${theme}`);
    } finally {
      await stop();
    }
  });
}

test('the README\'s dark-theme picture: a tested connection in the form', async () => {
  const { session, stop } = await launch({ env: { GTK_THEME: 'Adwaita:dark' } });
  try {
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Orders replica');
    await session.typeInto(tid('field-url'), cluster.pg.url(cluster.fx.reader.user, cluster.fx.reader.password, cluster.fx.db, 'sslmode=disable'));
    await waitForValue(session, tid('field-host'), '127.0.0.1');
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    await screenshot(session, 'test-finished-dark', { docs: true });
  } finally {
    await stop();
  }
});
