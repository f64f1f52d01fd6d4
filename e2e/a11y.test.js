// axe-core on every screen of the real app, in the light and the dark
// theme: the list, the form in URL and Host mode, the stepper after a test,
// the permissions dialog's four tabs, the list's test dialog, About, the
// shortcuts overlay, export and a delete's confirmation. Any
// violation fails. The dark theme is GTK's (GTK_THEME=Adwaita:dark), which
// WebKitGTK reports as prefers-color-scheme: dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tid, openNewConnection, setMode, runTest, saveAndWaitForRow, rowAction, waitForTestEnd, waitForList, screenshot, openPermissions } from './app.js';
import { assertAccessible } from './axe.js';
import { fixtureCluster } from './pg.js';

const cluster = fixtureCluster();

for (const theme of ['light', 'dark']) {
  test(`every screen passes axe-core in the ${theme} theme`, async () => {
    const env = theme === 'dark' ? { GTK_THEME: 'Adwaita:dark' } : { GTK_THEME: 'Adwaita' };
    const { session, stop } = await launch({ env });
    try {
      await waitForList(session);
      assert.equal(await session.exec('return matchMedia("(prefers-color-scheme: dark)").matches;'), theme === 'dark', `the ${theme} theme is on`);
      await assertAccessible(session, 'empty list');

      await openNewConnection(session, 'postgres');
      await assertAccessible(session, 'form, URL mode');
      await session.typeInto(tid('field-name'), 'Audited');
      await session.typeInto(tid('field-url'), cluster.pg.url(cluster.fx.reader.user, cluster.fx.reader.password, cluster.fx.db, 'sslmode=disable'));
      await session.click(`${tid('tls-section')} summary`);
      await session.click(`${tid('advanced-section')} summary`);
      // The SSH tunnel section, on, with a jump host (no hosts typed: the test below stays direct).
      await session.click(`${tid('ssh-section')} summary`);
      await session.click(tid('ssh-enabled'));
      await session.click(tid('ssh-add-jump'));
      await setMode(session, 'host');
      await assertAccessible(session, 'form, Host mode, every section open');

      assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
      await openPermissions(session);
      for (const tab of ['tables', 'schemas', 'sequences', 'functions']) {
        await session.click(tid(`tab-${tab}`));
        await assertAccessible(session, `permissions dialog, ${tab} tab`);
      }
      await screenshot(session, `a11y-permissions-${theme}`);
      await session.click(`${tid('permissions-dialog')} ${tid('dialog-close')}`);
      await session.waitForGone(tid('permissions-dialog'));
      await assertAccessible(session, 'form with the stepper after a test');

      await saveAndWaitForRow(session, 'Audited');
      await assertAccessible(session, 'list with a connection');
      await rowAction(session, 'Audited', 'test');
      await session.waitForSelector(tid('test-dialog'));
      await waitForTestEnd(session, { scope: tid('test-dialog') });
      await assertAccessible(session, 'the list\'s test dialog');
      await session.click(`${tid('test-dialog')} ${tid('dialog-close')}`);
      await session.waitForGone(tid('test-dialog'));

      // The other dialogs: About, the shortcuts overlay, export, and a delete's confirmation.
      for (const [open, dialog] of [
        [() => session.click(tid('about-button')), 'about-dialog'],
        [() => session.exec("document.activeElement?.blur(); document.dispatchEvent(new KeyboardEvent('keydown', { key: '?', bubbles: true }));"), 'shortcuts-dialog'],
        [() => session.click(tid('export-button')), 'export-dialog'],
        [() => rowAction(session, 'Audited', 'delete'), 'delete-dialog'],
      ]) {
        await open();
        await session.waitForSelector(tid(dialog));
        await assertAccessible(session, dialog);
        await session.exec("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));");
        await session.waitForGone(tid(dialog));
      }
    } finally {
      await stop();
    }
  });
}
