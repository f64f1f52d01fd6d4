// verify-full against a TLS cluster whose CA is given as a file: the test
// passes and says which TLS version it negotiated and what it verified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, tid, openNewConnection, openSection, setMode, setSslMode, runTest, stepStatuses } from './app.js';
import { startCluster, lit } from './pg.js';

let pg;

before(async () => {
  pg = await startCluster({ tls: true });
  pg.psql(`CREATE ROLE tls_user LOGIN PASSWORD ${lit('tls-pw')};`);
});

after(async () => {
  if (pg) await pg.stop();
});

/** A new connection in host mode to the TLS cluster as tls_user. */
async function newTlsUserConnection(session, name, host) {
  await openNewConnection(session, 'postgres');
  await session.typeInto(tid('field-name'), name);
  await setMode(session, 'host');
  await session.typeInto(tid('field-host'), host);
  await session.typeInto(tid('field-port'), String(pg.port), { clear: true });
  await session.typeInto(tid('field-dbname'), 'postgres', { clear: true });
  await session.typeInto(tid('field-user'), 'tls_user');
  await session.typeInto(tid('field-password'), 'tls-pw');
}

test('host mode with verify-full and a root certificate file: connected over verified TLS', async () => {
  const { session, stop } = await launch();
  try {
    await newTlsUserConnection(session, 'TLS verify-full', 'localhost');
    await setSslMode(session, 'verify-full');
    // verify-full without a root certificate warns on its field, which may have opened the section.
    await openSection(session, 'tls-section');
    await session.typeInto(tid('field-sslrootcert'), pg.pki.ca);
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    const banner = await session.textOf(tid('success-banner'));
    assert.match(banner, /^Connected to postgres on localhost as tls_user: PostgreSQL [\d.]+, TLS 1\.[23], /);
    assert.match(await session.textOf(tid('test-success')), /certificate and host name verified/);
    const steps = await stepStatuses(session);
    assert.equal(steps.tls, 'ok');
    // No dialog opened by itself over the result.
    assert.equal(await session.count(tid('permissions-dialog')), 0);
    // The URL carries the mode and the root certificate.
    await setMode(session, 'url');
    const url = await session.exec('return document.querySelector(arguments[0]).value;', tid('field-url'));
    assert.match(url, /sslmode=verify-full/);
    assert.ok(!url.includes('tls-pw'), 'the URL on screen has no password');
    await session.exec('document.querySelector(arguments[0]).closest(".aside-column").scrollIntoView();', tid('test-panel'));
    await screenshot(session, 'test-tls-verify-full');
  } catch (e) {
    await screenshot(session, 'failure-tls').catch(() => {});
    throw e;
  } finally {
    await stop();
  }
});

test('TLS negotiation: direct is refused with a weak SSL mode, and says negotiated or direct in the TLS step', async () => {
  const { session, stop } = await launch();
  try {
    await newTlsUserConnection(session, 'Direct TLS', '127.0.0.1');
    await setSslMode(session, 'prefer');
    await session.click(`${tid('advanced-section')} summary`);
    await session.exec('const s = document.querySelector(arguments[0]); s.value = "direct"; s.dispatchEvent(new Event("change", { bubbles: true }));', tid('field-sslnegotiation'));
    await session.waitFor(async () => /needs SSL mode require/.test((await session.textOf(tid('msg-sslnegotiation'))) || ''), { what: 'the weak-mode error on the negotiation field' });
    // The URL carries the keyword, like every other one.
    await setMode(session, 'url');
    assert.match(await session.exec('return document.querySelector(arguments[0]).value;', tid('field-url')), /sslnegotiation=direct/);
    await setMode(session, 'host');
    // Negotiated TLS with require: the step says so.
    await setSslMode(session, 'require');
    await session.exec('const s = document.querySelector(arguments[0]); s.value = ""; s.dispatchEvent(new Event("change", { bubbles: true }));', tid('field-sslnegotiation'));
    assert.equal(await runTest(session), 'success');
    assert.match(await session.textOf(tid('step-tls')), /negotiated/);
  } catch (e) {
    await screenshot(session, 'failure-tls-negotiation').catch(() => {});
    throw e;
  } finally {
    await stop();
  }
});

test('require_auth in the form: a malformed list is refused with libpq\'s words, a method the server does not use fails the Auth step, the right one connects', async () => {
  const { session, stop } = await launch();
  try {
    await newTlsUserConnection(session, 'Require auth', '127.0.0.1');
    await setSslMode(session, 'require');
    await session.click(`${tid('advanced-section')} summary`);
    await session.typeInto(tid('field-require_auth'), 'password,!md5');
    await session.waitFor(async () => /cannot be mixed with non-negative methods/.test((await session.textOf(tid('msg-require_auth'))) || ''), { what: 'libpq\'s message on the require_auth field' });
    // The server logs tls_user in with scram-sha-256: a list of password only refuses it.
    await session.typeInto(tid('field-require_auth'), 'password', { clear: true });
    assert.equal(await runTest(session), 'error');
    const failure = await session.textOf(tid('test-result'));
    assert.match(failure, /require_auth rules out what the server at 127\.0\.0\.1:\d+ asked "tls_user" for \(SASL authentication\)/);
    assert.equal((await stepStatuses(session)).auth, 'failed');
    await session.exec('document.querySelector(arguments[0]).closest(".aside-column").scrollIntoView();', tid('test-panel'));
    await screenshot(session, 'test-require-auth-refused');
    await session.typeInto(tid('field-require_auth'), 'scram-sha-256', { clear: true });
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    // The URL carries it like every other keyword.
    await setMode(session, 'url');
    assert.match(await session.exec('return document.querySelector(arguments[0]).value;', tid('field-url')), /require_auth=scram-sha-256/);
  } catch (e) {
    await screenshot(session, 'failure-require-auth').catch(() => {});
    throw e;
  } finally {
    await stop();
  }
});

test('bug 3: a server whose pg_hba.conf rejects plain connections says to use TLS, not to move a rule', async () => {
  const strict = await startCluster({ tls: true, hba: ['hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all 127.0.0.1/32 reject'] });
  const { session, stop } = await launch();
  try {
    strict.psql(`CREATE ROLE tls_user LOGIN PASSWORD ${lit('tls-pw')};`);
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'TLS only');
    await setMode(session, 'host');
    await session.typeInto(tid('field-host'), '127.0.0.1');
    await session.typeInto(tid('field-port'), String(strict.port), { clear: true });
    await session.typeInto(tid('field-dbname'), 'postgres', { clear: true });
    await session.typeInto(tid('field-user'), 'tls_user');
    await session.typeInto(tid('field-password'), 'tls-pw');
    await setSslMode(session, 'disable');
    assert.equal(await runTest(session), 'error');
    assert.equal(await session.exec('return document.querySelector(arguments[0]).dataset.code;', tid('test-error')), 'tls_required');
    const hint = await session.textOf(tid('error-hint'));
    assert.match(hint, /Set SSL mode to require or stronger/);
    assert.doesNotMatch(hint, /move a rule|above it/, hint);
    assert.match(await session.textOf(tid('error-message')), /refuses unencrypted connections/);
    await screenshot(session, 'test-tls-required');
    // The advice holds: require connects.
    await setSslMode(session, 'require');
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
  } catch (e) {
    await screenshot(session, 'failure-tls-required').catch(() => {});
    throw e;
  } finally {
    await stop();
    await strict.stop();
  }
});
