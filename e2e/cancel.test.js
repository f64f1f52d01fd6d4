// Cancel: a server that accepts the connection and never answers. The UI is
// back to idle at once, and stays responsive while the test hangs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, tid, openNewConnection, setMode, setSslMode, stepStatuses } from './app.js';
import { silentListener } from './pg.js';

let listener;

before(async () => {
  listener = await silentListener();
});

after(async () => {
  if (listener) await listener.close();
});

test('cancelling a test against a silent server returns the UI to idle at once', async () => {
  const { session, stop } = await launch();
  try {
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Silent server');
    await setMode(session, 'host');
    await session.typeInto(tid('field-host'), '127.0.0.1');
    await session.typeInto(tid('field-port'), String(listener.port), { clear: true });
    await session.typeInto(tid('field-dbname'), 'db');
    await session.typeInto(tid('field-user'), 'nobody');
    await setSslMode(session, 'disable');
    await session.click(tid('test-button'));
    await session.waitFor(async () => listener.accepted() > 0, { what: 'the app to connect to the silent listener' });
    await session.waitFor(async () => Object.values(await stepStatuses(session)).includes('running'), { what: 'a running stage' });
    assert.equal(await session.exec('return document.querySelector(arguments[0]).dataset.state;', tid('test-panel')), 'running');
    // The time a running test has taken, ticking.
    const clock = async () => {
      const m = /^Testing\u2026 (\d+\.\d) s$/.exec(await session.textOf(tid('test-status')));
      return m ? { s: Number(m[1]) } : null;
    };
    const first = await session.waitFor(clock, { what: 'the elapsed time' });
    await session.waitFor(async () => (await clock()).s >= first.s + 0.3, { what: 'the elapsed time to go on' });

    // The window stays responsive while the test hangs.
    await session.typeInto(tid('field-name'), ' (still typing)');
    assert.equal(await session.exec('return document.querySelector(arguments[0]).value;', tid('field-name')), 'Silent server (still typing)');
    await screenshot(session, 'test-in-progress');

    const t0 = Date.now();
    await session.click(tid('cancel-test'));
    const state = await session.exec('return document.querySelector(arguments[0]).dataset.state;', tid('test-panel'));
    const elapsed = Date.now() - t0;
    assert.equal(state, 'idle', 'idle right after the click');
    assert.ok(elapsed < 2000, `cancel took ${elapsed} ms`);
    assert.equal(await session.count(tid('test-cancelled')), 1);
    assert.equal(await session.exec('return document.querySelector(arguments[0]).disabled;', tid('test-button')), false);
    assert.equal(await session.exec('return document.querySelector(arguments[0]).hidden;', tid('cancel-test')), true);
    const steps = await stepStatuses(session);
    assert.ok(!Object.values(steps).includes('running'), JSON.stringify(steps));
    // cancel_test found the running test...
    await session.waitFor(async () => (await session.exec('return document.querySelector(arguments[0]).dataset.cancelAck;', tid('test-panel'))) === 'true', { ms: 5000, what: 'cancel_test to answer true' });
    // ...and the backend lets go of the socket: the probe's future is dropped.
    await session.waitFor(async () => listener.open() === 0, { ms: 5000, what: 'the app to close its connection to the silent server' });
  } finally {
    await stop();
  }
});
