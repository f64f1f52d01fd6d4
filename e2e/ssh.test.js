// A database behind a real sshd, in the real app: the SSH tunnel section,
// an unknown host key shown with its fingerprint and recorded only after
// consent, the SSH stages in the stepper, a saved tunnel tested from the
// list, and a changed host key refused with no way to accept it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch, screenshot, tid, openNewConnection, pasteUrl, runTest, stepStatuses, saveAndWaitForRow, waitForList, rowAction, waitForTestEnd } from './app.js';
import { startCluster, lit } from './pg.js';
import { startSshd, userKey, SSH_USER } from './sshd.js';

let pg;
let sshd;
let key;
let home;

before(async () => {
  pg = await startCluster();
  pg.psql(`CREATE ROLE tunnel_user LOGIN PASSWORD ${lit('tunnel-pw')};`);
  key = userKey('ed25519');
  sshd = await startSshd({ authorize: [key] });
  // The app's own home: its ~/.ssh/known_hosts starts empty.
  home = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-home-'));
  mkdirSync(path.join(home, '.ssh'));
});

after(async () => {
  if (sshd) await sshd.stop();
  if (pg) await pg.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const knownHosts = () => path.join(home, '.ssh', 'known_hosts');

async function fillTunnel(session) {
  await session.click(`${tid('ssh-section')} summary`);
  await session.click(tid('ssh-enabled'));
  await session.typeInto(tid('ssh-user-0'), SSH_USER);
  await session.typeInto(tid('ssh-host-0'), '127.0.0.1');
  await session.typeInto(tid('ssh-port-0'), String(sshd.port));
  await session.exec('const s = document.querySelector(arguments[0]); s.value = "key"; s.dispatchEvent(new Event("change", { bubbles: true }));', tid('ssh-auth-0'));
  await session.typeInto(tid('ssh-identity-0'), key.path);
}

test('an unknown host key is shown, trusted on consent, and the test runs through the tunnel', async () => {
  const { session, stop, configHome } = await launch({ env: { HOME: home, SSH_AUTH_SOCK: '' } });
  try {
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Behind the bastion');
    // "localhost" is resolved by the bastion, not by the app.
    await pasteUrl(session, `postgresql://tunnel_user:tunnel-pw@localhost:${pg.port}/postgres?sslmode=disable`);
    await fillTunnel(session);

    assert.equal(await runTest(session), 'error');
    assert.equal(await session.exec('return document.querySelector(arguments[0]).dataset.code;', tid('test-error')), 'ssh_host_key_unknown');
    const steps = await stepStatuses(session);
    assert.equal(steps.ssh_connect, 'failed');
    assert.equal(steps.resolve, undefined, 'no resolve or connect row of its own behind a tunnel');
    assert.ok(!existsSync(knownHosts()), 'nothing recorded without consent');
    await screenshot(session, 'ssh-unknown-host-key');

    await session.exec('document.querySelector(arguments[0]).scrollIntoView({ block: "center" });', tid('trust-host-key'));
    await session.click(tid('trust-host-key'));
    await session.waitForSelector(tid('host-key-dialog'));
    assert.equal(await session.textOf(tid('host-key-fingerprint')), sshd.fingerprint, 'the fingerprint as ssh-keygen -l shows it');
    assert.equal(await session.textOf(tid('host-key-file')), knownHosts());
    await screenshot(session, 'ssh-trust-dialog');
    await session.click(`${tid('host-key-dialog')} ${tid('confirm-ok')}`);

    // The test runs again by itself, through the tunnel.
    await session.waitFor(async () => (await session.exec('const p = document.querySelector(arguments[0]); return p && p.querySelector("[data-testid=test-success]") ? true : null;', tid('test-panel'))), { ms: 30000, what: 'the second test to succeed' });
    const after = await stepStatuses(session);
    assert.deepEqual([after.ssh_connect, after.ssh_auth, after.ssh_channel, after.auth, after.session], ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.match(await session.textOf(tid('step-ssh_connect-0')), new RegExp(`${SSH_USER}@127\\.0\\.0\\.1:${sshd.port}`));
    assert.equal(readFileSync(knownHosts(), 'utf8'), `${sshd.knownHostsLine()}\n`);
    assert.ok(sshd.forwardedTo('localhost', pg.port), 'the bastion opened the channel to the database');
    await screenshot(session, 'ssh-tunnel-success');

    // Saved, the tunnel comes back and tests from the list (secrets from the keyring, the key from its file).
    await saveAndWaitForRow(session, 'Behind the bastion');
    await stop();
    const again = await launch({ configHome, env: { HOME: home, SSH_AUTH_SOCK: '' } });
    try {
      await waitForList(again.session);
      await rowAction(again.session, 'Behind the bastion', 'test');
      const scope = tid('test-dialog');
      await again.session.waitForSelector(scope);
      assert.equal(await waitForTestEnd(again.session, { scope }), 'success', await again.session.textOf(scope));
      const s = await stepStatuses(again.session, scope);
      assert.equal(s.ssh_channel, 'ok');
    } finally {
      await again.stop();
    }
  } finally {
    await stop().catch(() => {});
  }
});

test('a changed host key is refused with a warning and no way to accept it', async () => {
  // known_hosts names the server with another key.
  const other = userKey('ed25519').public.split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(knownHosts(), `[127.0.0.1]:${sshd.port} ${other}\n`);
  const { session, stop } = await launch({ env: { HOME: home, SSH_AUTH_SOCK: '' } });
  try {
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Changed key');
    await pasteUrl(session, `postgresql://tunnel_user:tunnel-pw@localhost:${pg.port}/postgres?sslmode=disable`);
    await fillTunnel(session);
    assert.equal(await runTest(session), 'error');
    assert.equal(await session.exec('return document.querySelector(arguments[0]).dataset.code;', tid('test-error')), 'ssh_host_key_mismatch');
    assert.match(await session.textOf(tid('error-message')), /^WARNING: the host key/);
    assert.equal(await session.exec('return !!document.querySelector(arguments[0]);', tid('trust-host-key')), false, 'no accept button');
    assert.ok(await session.exec('return document.querySelector(arguments[0]).classList.contains("result-danger");', tid('test-error')));
    assert.ok(!sshd.log().includes('Accepted publickey') || readFileSync(knownHosts(), 'utf8').includes(other), 'the key file was not changed');
    await screenshot(session, 'ssh-host-key-changed');
  } finally {
    await stop();
  }
});
