// The main flows in the real app against a real Postgres: create by URL,
// test, permissions (and a hostile table name shown as text), a wrong
// password, save / relaunch / test from the keyring, edit, delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  launch, screenshot, tid, openNewConnection, setMode, setSslMode, pasteUrl, valueOf, waitForValue, runTest, waitForTestEnd,
  stepStatuses, permissionRows, permissionHeaders, saveAndWaitForRow, rowByName, rowAction, waitForList, openPermissions, keyringItems,
} from './app.js';
import { Keys } from './webdriver.js';
import { fixtureCluster, HOSTILE_TABLE } from './pg.js';

const OK = '\u2713';
const NO = '\u2715';
/** Not granted, and not needed for the job: neutral. */
const NA = '\u2013';

const cluster = fixtureCluster();

function cellsByName(rows) {
  return Object.fromEntries(rows.map((r) => [r.cells[1], r]));
}

test('create by URL: the fields fill in, the test passes stage by stage, the permissions show ✓ and ✗', async (t) => {
  const { session, stop } = await launch();
  try {
    await waitForList(session);
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Shop reader');
    const url = cluster.pg.url(cluster.fx.reader.user, cluster.fx.reader.password, cluster.fx.db, 'sslmode=disable');
    await session.typeInto(tid('field-url'), url);

    // The URL fills the host fields (parse_url, debounced).
    await waitForValue(session, tid('field-host'), '127.0.0.1');
    await screenshot(session, 'new-connection-typed');
    await setMode(session, 'host');
    assert.equal(await valueOf(session, tid('field-port')), String(cluster.pg.port));
    assert.equal(await valueOf(session, tid('field-dbname')), 'shop');
    assert.equal(await valueOf(session, tid('field-user')), 'reader');
    assert.equal(await valueOf(session, tid('field-password')), 'reader-pw');
    assert.equal(await valueOf(session, tid('field-sslmode')), 'disable');
    await screenshot(session, 'new-connection-host');

    // Back to URL mode: nothing was lost, and the password left the URL box
    // for the masked field when the URL box lost focus.
    await setMode(session, 'url');
    const shown = await valueOf(session, tid('field-url'));
    assert.ok(shown.includes(`reader@127.0.0.1:${cluster.pg.port}/shop`), shown);
    assert.ok(!shown.includes('reader-pw'), `the URL box shows no password: ${shown}`);
    assert.equal(await valueOf(session, tid('field-password')), 'reader-pw');
    await screenshot(session, 'new-connection-url', { docs: true });

    const outcome = await runTest(session);
    assert.equal(outcome, 'success', await session.textOf(tid('test-result')));
    const steps = await stepStatuses(session);
    for (const stage of ['connect', 'auth', 'session', 'access']) assert.equal(steps[stage], 'ok', `${stage}: ${JSON.stringify(steps)}`);
    // No DNS for an IP address, no TLS with sslmode=disable: both say "skipped".
    assert.equal(steps.resolve, 'skipped');
    assert.equal(steps.tls, 'skipped');
    assert.ok(await session.textOf(tid('step-ms-connect')), 'the connect stage shows its time');
    assert.match(await session.textOf(tid('success-banner')), /^Connected to shop on 127\.0\.0\.1 as reader: PostgreSQL \d+(\.\d+)?, no TLS, [\d.]+ (ms|s)$/);

    // The permissions open on request; the test alone covers nothing.
    assert.equal(await session.count(tid('permissions-dialog')), 0, 'no dialog over the stepper');
    await openPermissions(session);
    assert.equal(await session.textOf(tid('verdict-headline')), 'Not ready as source: 1 problem');
    const headers = await permissionHeaders(session);
    assert.deepEqual(headers, ['Schema', 'Name', 'Kind', 'Select', 'Insert', 'Update', 'Delete', 'Truncate', 'Flags']);
    const rows = cellsByName(await permissionRows(session));
    for (const name of cluster.fx.tables) assert.ok(rows[name], `row for ${name}: ${Object.keys(rows)}`);
    // A source needs SELECT only: what it lacks otherwise is neutral, not a red ✕.
    assert.deepEqual(rows.customers.cells.slice(0, 8), ['app', 'customers', 'table', OK, NA, NA, NA, NA]);
    assert.deepEqual(rows.orders.cells.slice(3, 8), [OK, NA, NA, NA, NA]);
    const hostile = rows[HOSTILE_TABLE];
    assert.equal(hostile.cells[3], NO, 'no SELECT on the hostile table');
    assert.ok(hostile.classes[3].includes('required-missing'), 'the missing SELECT a source needs is highlighted');
    assert.ok(!rows.customers.classes[4].includes('required-missing'), 'INSERT is not needed by a source');
    assert.ok(hostile.problem, 'the row is marked as a problem');
    await screenshot(session, 'permissions-dialog', { docs: true });

    await t.test('a hostile table name is shown as text, never as markup', async () => {
      const inDialog = await session.exec(`
        const d = document.querySelector('[data-testid="permissions-dialog"]');
        const cells = [...d.querySelectorAll('.vt-cell')].filter((c) => c.textContent === arguments[0]);
        return { cells: cells.length, imgs: d.querySelectorAll('img').length, problems: [...d.querySelectorAll('[data-testid="problem"]')].filter((p) => p.textContent.includes(arguments[0])).length };`, HOSTILE_TABLE);
      assert.equal(inDialog.cells, 1);
      assert.equal(inDialog.imgs, 0);
      assert.ok(inDialog.problems >= 1, 'the problem list names it, as text');
      assert.equal(await session.count('img:not(.brand img)'), 0, 'no <img> anywhere but the logo');
      assert.equal(await session.exec('return typeof window.__xss;'), 'undefined');
    });

    await t.test('the filter, sorting and "only problems" narrow the table', async () => {
      await session.typeInto(tid('perm-filter'), 'cust');
      await session.waitFor(async () => (await permissionRows(session)).length === 1, { what: 'one row' });
      assert.equal((await permissionRows(session))[0].cells[1], 'customers');
      await session.typeInto(tid('perm-filter'), ' ', { clear: true });
      await session.waitFor(async () => (await permissionRows(session)).length === 3, { what: 'all rows' });
      await session.click(tid('perm-only-problems'));
      await session.waitFor(async () => (await permissionRows(session)).every((r) => r.problem), { what: 'problem rows only' });
      await session.click(tid('perm-only-problems'));
      await session.click(tid('sort-name'));
      await session.click(tid('sort-name'));
      const names = (await permissionRows(session)).map((r) => r.cells[1]);
      assert.deepEqual(names, [...names].sort((a, b) => b.localeCompare(a, 'en', { sensitivity: 'base' })));
      await session.click(tid('perm-show-more'));
      assert.deepEqual((await permissionHeaders(session)).slice(8), ['References', 'Trigger', 'Flags']);
    });

    // Escape closes the dialog; the stepper and banner stay.
    await (await session.find(tid('perm-filter'))).type(Keys.ESCAPE);
    await session.waitForGone(tid('permissions-dialog'));
    await screenshot(session, 'test-finished');
  } finally {
    await stop();
  }
});

test('a pasted URL\'s password moves into the masked field at once', async () => {
  const { session, stop } = await launch();
  try {
    await openNewConnection(session, 'postgres');
    await pasteUrl(session, 'postgresql://alice:Pa55-w0rd@db.example.com:6543/app?sslmode=require');
    await waitForValue(session, tid('field-password'), 'Pa55-w0rd');
    await waitForValue(session, tid('field-url'), 'postgresql://alice@db.example.com:6543/app?sslmode=require');
    assert.equal(await session.exec('return document.querySelector(arguments[0]).type;', tid('field-password')), 'password', 'masked');
    assert.ok(!(await session.exec('return document.body.innerText;')).includes('Pa55-w0rd'));
  } finally {
    await stop();
  }
});

test('a schema scope set with the CLI survives an edit in the app; the picker changes it', async () => {
  const cli = process.env.SLUICE_CLI_BINARY;
  assert.ok(cli, 'SLUICE_CLI_BINARY is set by npm test');
  const { session, stop, configHome } = await launch();
  const store = path.join(configHome, 'dev.sluice.app');
  const sluice = (...args) => JSON.parse(execFileSync(cli, args, { encoding: 'utf8', env: { ...process.env, SLUICE_CONFIG_DIR: store, PGPASSWORD: cluster.fx.reader.password } }));
  try {
    sluice('connections', 'add', '--name', 'Scoped', '--url', cluster.pg.url(cluster.fx.reader.user, '', cluster.fx.db, 'sslmode=disable'), '--schema', 'app', '--json');
    await session.exec('location.reload();');
    await waitForList(session);
    await rowAction(session, 'Scoped', 'edit');
    await session.waitForSelector(tid('connection-form'));
    assert.equal(await session.exec('return document.querySelector(arguments[0]).checked;', tid('schema-scope-only')), true);
    await session.typeInto(tid('field-name'), 'Scoped (edited)', { clear: true });
    await saveAndWaitForRow(session, 'Scoped (edited)');
    assert.deepEqual(sluice('connections', 'show', 'Scoped (edited)', '--json').scope_schemas, ['app'], 'the app kept the scope');

    // A test from the list keeps the database's schemas: the form offers
    // every one of them as it opens, before any test of its own.
    await rowAction(session, 'Scoped (edited)', 'test');
    await session.waitForSelector(tid('test-dialog'));
    await waitForTestEnd(session, { scope: tid('test-dialog') });
    await session.click(`${tid('test-dialog')} ${tid('dialog-close')}`);
    await session.waitForGone(tid('test-dialog'));
    const seen = sluice('connections', 'show', 'Scoped (edited)', '--json').last_test.schemas;
    assert.deepEqual(seen, ['app', 'public'], 'the test saw the schema in scope and the one outside it');
    await rowAction(session, 'Scoped (edited)', 'edit');
    await session.waitForSelector(tid('connection-form'));
    const offered = await session.exec(`return [...document.querySelectorAll(arguments[0])].map((e) => e.dataset.schema).sort();`, tid('schema-option'));
    assert.deepEqual(offered, ['app', 'public'], 'the form offers the schemas of the last test');
    await session.click(tid('back'));
    await waitForList(session);

    // A test lists the schemas; ticking one more changes the scope.
    await rowAction(session, 'Scoped (edited)', 'edit');
    await session.waitForSelector(tid('connection-form'));
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    await session.waitFor(async () => (await session.count(`${tid('schema-option')}[data-schema="public"]`)) === 1, { what: 'public offered' });
    await session.click(`${tid('schema-option')}[data-schema="public"]`);
    await saveAndWaitForRow(session, 'Scoped (edited)');
    assert.deepEqual(sluice('connections', 'show', 'Scoped (edited)', '--json').scope_schemas, ['app', 'public']);
  } finally {
    await stop();
  }
});

test('a wrong password fails at auth with its message and hint, and no permissions dialog', async () => {
  const { session, stop } = await launch();
  try {
    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'Wrong password');
    await setMode(session, 'host');
    await session.typeInto(tid('field-host'), '127.0.0.1');
    await session.typeInto(tid('field-port'), String(cluster.pg.port), { clear: true });
    await session.typeInto(tid('field-dbname'), cluster.fx.db);
    await session.typeInto(tid('field-user'), cluster.fx.reader.user);
    await session.typeInto(tid('field-password'), 'not-the-password');
    await setSslMode(session, 'disable');
    // Ctrl+Enter runs the test from anywhere in the form.
    await (await session.find(tid('field-password'))).type(Keys.CONTROL + Keys.ENTER + Keys.NULL);
    const outcome = await waitForTestEnd(session);
    assert.equal(outcome, 'error');
    assert.equal(await session.exec('return document.querySelector(arguments[0]).dataset.code;', tid('test-error')), 'auth_failed');
    assert.ok((await session.textOf(tid('error-message'))).length > 10);
    const hint = await session.textOf(tid('error-hint'));
    assert.ok(hint && hint.length > 20, `hint: ${hint}`);
    assert.ok(await (await session.find(tid('error-hint'))).displayed());
    const steps = await stepStatuses(session);
    assert.equal(steps.auth, 'failed');
    assert.equal(await session.count(tid('permissions-dialog')), 0);
    // The raw detail is there, folded; the page never shows the password.
    await session.click(`${tid('test-error')} summary`);
    await session.exec('document.querySelector(arguments[0]).scrollIntoView({ block: "end" });', tid('test-error'));
    assert.ok(!(await session.exec('return document.body.textContent;')).includes('not-the-password'));
    await screenshot(session, 'test-failed', { docs: true });
  } finally {
    await stop();
  }
});

test('save, quit, relaunch: the connection is listed and tests with the keyring password; edit, then delete', async (t) => {
  const first = await launch();
  const { configHome } = first;
  let id;
  try {
    await openNewConnection(first.session, 'postgres');
    await first.session.typeInto(tid('field-name'), 'Shop reader');
    await first.session.typeInto(tid('field-url'), cluster.pg.url(cluster.fx.reader.user, cluster.fx.reader.password, cluster.fx.db, 'sslmode=disable'));
    await waitForValue(first.session, tid('field-host'), '127.0.0.1');
    id = await saveAndWaitForRow(first.session, 'Shop reader');
    assert.match(await first.session.textOf(`[data-id="${id}"] ${tid('conn-summary')}`), new RegExp(`^reader@127\\.0\\.0\\.1:${cluster.pg.port}/shop$`));
    assert.equal(await first.session.textOf(`[data-id="${id}"] ${tid('conn-job')}`), 'Source');
  } finally {
    await first.stop();
  }

  const second = await launch({ configHome });
  const { session } = second;
  try {
    await waitForList(session);
    assert.equal(await rowByName(session, 'Shop reader'), id);
    await rowAction(session, 'Shop reader', 'test');
    await session.waitForSelector(tid('test-dialog'));
    assert.equal(await waitForTestEnd(session, { scope: tid('test-dialog') }), 'success', await session.textOf(tid('test-dialog')));
    await session.click(`${tid('test-dialog')} ${tid('dialog-close')}`);
    await session.waitForGone(tid('test-dialog'));
    // The list shows the last test, relative to now.
    await session.waitFor(async () => /Connected (just now|1 min ago)/.test(await session.textOf(`[data-id="${id}"] ${tid('conn-last-test')}`)), { what: 'the last test result' });
    await screenshot(session, 'connections-list', { docs: true });

    await t.test('edit the name: still listed, still tests', async () => {
      await rowAction(session, 'Shop reader', 'edit');
      await session.waitForSelector(tid('connection-form'));
      await session.typeInto(tid('field-name'), 'Shop reader (renamed)', { clear: true });
      assert.equal(await saveAndWaitForRow(session, 'Shop reader (renamed)'), id);
      assert.equal(await session.count(`[data-testid="connection-row"][data-name="Shop reader"]`), 0);
      await rowAction(session, 'Shop reader (renamed)', 'test');
      assert.equal(await waitForTestEnd(session, { scope: tid('test-dialog') }), 'success');
      await session.click(`${tid('test-dialog')} ${tid('dialog-close')}`);
    });

    await t.test('delete: confirmed in a dialog, gone from the list and the keyring', async () => {
      const before = keyringItems(id);
      await rowAction(session, 'Shop reader (renamed)', 'delete');
      await session.waitForSelector(tid('delete-dialog'));
      await session.click(tid('confirm-ok'));
      await session.waitForGone(`[data-testid="connection-row"][data-id="${id}"]`);
      await session.waitForSelector(tid('empty-state'));
      // npm test runs this inside the real Secret Service (scripts/with-keyring.sh).
      assert.notEqual(before, null, 'the Secret Service must be queryable with gdbus (npm test provides it)');
      assert.ok(before.length >= 1, 'the password was in the keyring before the delete');
      assert.equal(keyringItems(id).length, 0, 'the password left the keyring with the connection');
    });
  } finally {
    await second.stop();
  }
});
