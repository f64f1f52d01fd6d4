// The password from a command, in the real app: a preset filled from the
// form's host, port and user (with the RDS warning about TLS), then a real
// command (a script that alone knows the role's password) run by the
// Test button, and the Auth step saying where the password came from.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch, screenshot, tid, openNewConnection, pasteUrl, runTest, stepStatuses, valueOf } from './app.js';
import { startCluster, lit } from './pg.js';

let pg;
let dir;

before(async () => {
  pg = await startCluster();
  pg.psql(`CREATE ROLE iam_user LOGIN PASSWORD ${lit('token-only-the-command-knows')};`);
  dir = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-pwcmd-'));
});

after(async () => {
  if (pg) await pg.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function script(name, body) {
  const p = path.join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

test('a preset fills the command from the form, and a real command gives the password', async () => {
  const { session, stop } = await launch();
  try {
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Token');
    await pasteUrl(session, `postgresql://iam_user@127.0.0.1:${pg.port}/postgres?sslmode=disable`);
    await session.click(`${tid('password-command-section')} summary`);

    // The RDS preset, filled by the backend from the fields.
    await session.exec('const s = document.querySelector(arguments[0]); s.value = "rds"; s.dispatchEvent(new Event("change", { bubbles: true }));', tid('password-preset'));
    const filled = `aws rds generate-db-auth-token --hostname 127.0.0.1 --port ${pg.port} --username iam_user --region REGION`;
    await session.waitFor(async () => (await valueOf(session, tid('field-password_command'))) === filled, { what: 'the preset filled in' });
    assert.match(await session.textOf(tid('password-preset-note')), /only over TLS/);
    // sslmode=disable: the form warns that RDS takes tokens only over TLS.
    await session.waitFor(async () => /sslmode to require or stricter/.test(await session.textOf(tid('msg-password_command')) || ''), { what: 'the TLS warning' });
    await screenshot(session, 'password-command-preset');

    // A custom command: a script that prints the password; its argument
    // has shell syntax that must reach it untouched.
    const marker = path.join(dir, 'pwned');
    const cmd = script('token.sh', '[ "$1" = \'$(touch pwned)\' ] && echo token-only-the-command-knows');
    await session.exec('const s = document.querySelector(arguments[0]); s.value = ""; s.dispatchEvent(new Event("change", { bubbles: true }));', tid('password-preset'));
    await session.typeInto(tid('field-password_command'), `${cmd} '$(touch pwned)'`, { clear: true });
    assert.equal(await runTest(session), 'success');
    const steps = await stepStatuses(session);
    assert.equal(steps.auth, 'ok');
    assert.match(await session.textOf(tid('step-auth')), /password from the password command/);
    assert.ok(!existsSync(marker), 'no shell ran the words');

    // A failing command: its own error, with its stderr.
    const fail = script('fail.sh', 'echo "You must specify a region" >&2; exit 255');
    await session.typeInto(tid('field-password_command'), fail, { clear: true });
    assert.equal(await runTest(session), 'error');
    assert.equal(await session.exec('return document.querySelector(arguments[0]).dataset.code;', tid('test-error')), 'password_command_failed');
    assert.match(await session.textOf(tid('test-error')), /exit status: 255/);
    await session.exec('document.querySelector(arguments[0]).scrollIntoView();', tid('test-error'));
    await screenshot(session, 'password-command-failed');
  } finally {
    await stop();
  }
});
