// Offline is not a typo (issue 26, bug 7): with no network, a cloud host
// name fails with "the resolver could not answer", never "check the host for
// typos", while a cluster on 127.0.0.1 still connects.
//
// The run happens in a network namespace that has only loopback (`unshare
// -n`, which needs root): node, tauri-driver, WebKitWebDriver, the app and
// the cluster all live in it, so DNS gets EAI_AGAIN as on a machine with no
// network. This file re-runs itself there; outside root it is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch, screenshot, tid, openNewConnection, setMode, setSslMode, runTest, waitForValue } from './app.js';
import { startCluster, lit } from './pg.js';

const INSIDE = process.env.SLUICE_E2E_NETNS === 'offline';
const CLOUD_HOST = 'ep-cool-darkness-123456.us-east-2.aws.neon.tech';

if (!INSIDE) {
  test('offline: the suite below runs in a network namespace with loopback only', async (t) => {
    if (!process.getuid || process.getuid() !== 0) {
      t.skip('unshare -n needs root');
      return;
    }
    const file = fileURLToPath(import.meta.url);
    // A run of its own, not a child of this one's runner (NODE_TEST_CONTEXT would make it report to us silently).
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" --test --test-reporter=tap --test-timeout=240000 "$1"', process.execPath, file], {
      env: { ...env, SLUICE_E2E_NETNS: 'offline' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise((resolve) => child.on('close', resolve));
    for (const line of out.split('\n').filter((l) => /^\s*(not )?ok |^# (pass|fail)/.test(l))) t.diagnostic(line.trim());
    assert.match(out, /^# pass [1-9]/m, `the offline run ran nothing:\n${out}`);
    assert.equal(code, 0, `the offline run failed:\n${out.split('\n').filter((l) => !/^\s*(duration_ms|\.\.\.|---)/.test(l)).join('\n')}`);
  });
} else {
  test('no network: a cloud host name fails at resolve with the resolver\'s words, no typo hint; 127.0.0.1 still connects', async () => {
    const pg = await startCluster();
    const { session, stop } = await launch();
    try {
      pg.psql(`CREATE ROLE local_user LOGIN PASSWORD ${lit('local-pw')};`);
      await openNewConnection(session, 'postgres');
      await session.typeInto(tid('field-name'), 'Offline');
      await session.typeInto(tid('field-url'), `postgresql://neondb_owner:pw@${CLOUD_HOST}/neondb?sslmode=require`);
      await waitForValue(session, tid('field-host'), CLOUD_HOST);
      assert.equal(await runTest(session), 'error');
      assert.equal(await session.exec('return document.querySelector(arguments[0]).dataset.code;', tid('test-error')), 'dns');
      const message = await session.textOf(tid('error-message'));
      const hint = await session.textOf(tid('error-hint'));
      assert.match(message, /resolver could not answer/, message);
      assert.doesNotMatch(hint, /typo/i, hint);
      assert.match(hint, /online/);
      await session.click(`${tid('test-error')} summary`);
      assert.match(await session.textOf(tid('error-detail')), /Temporary failure in name resolution/i);
      await screenshot(session, 'test-offline');

      // The control: loopback works, so it is the network that is missing, not the app.
      await setMode(session, 'host');
      await session.typeInto(tid('field-host'), '127.0.0.1', { clear: true });
      await session.typeInto(tid('field-port'), String(pg.port), { clear: true });
      await session.typeInto(tid('field-dbname'), 'postgres', { clear: true });
      await session.typeInto(tid('field-user'), 'local_user', { clear: true });
      await session.typeInto(tid('field-password'), 'local-pw', { clear: true });
      await setSslMode(session, 'disable');
      assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    } finally {
      await stop();
      await pg.stop();
    }
  });
}
