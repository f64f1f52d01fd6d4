// No Secret Service: the app explains the fix in a banner and stays usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, tid } from './app.js';

test('with no reachable Secret Service the keyring banner explains the fix and the app stays usable', async () => {
  // A session bus address with nothing behind it: every keyring call fails.
  const { session, stop } = await launch({ env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/sluice-no-bus' } });
  try {
    await session.waitForSelector(tid('keyring-banner'));
    const hint = await session.exec('return document.querySelector(arguments[0]).textContent;', tid('keyring-hint'));
    assert.match(hint, /gnome-keyring|KeePassXC|Secret Service/i, `the hint names a fix: ${hint}`);
    // Still usable: the list renders and a new connection can be started.
    await session.waitFor(async () => (await session.count(tid('new-connection'))) > 0, { what: 'the New Connection button' });
    await session.click(tid('new-connection'));
    await session.waitFor(async () => (await session.count(tid('provider-postgres'))) > 0, { what: 'the provider picker' });
    await screenshot(session, 'keyring-unavailable');
  } finally {
    await stop();
  }
});
