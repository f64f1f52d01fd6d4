// What a new user hit in the real app (issue 26), each as it happened:
// permissions tabs that went blank, a provider's TLS setting lost on paste,
// password hints that contradicted the warning beside them, a keyring that
// lost a password without a word; and the confusing points: the
// permissions covering the stepper after every test, a test before saving
// thrown away, an edit that forgot it was entered as a URL, cloud hosts
// not recognised, no keyboard in the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, screenshot, tid, openNewConnection, setMode, pasteUrl, valueOf, waitForValue, runTest, waitForTestEnd,
  permissionRows, saveAndWaitForRow, rowByName, rowAction, waitForList, openPermissions, dropFromKeyring, hintOf,
} from './app.js';
import { KEY } from './webdriver.js';
import { fixtureCluster } from './pg.js';

const cluster = fixtureCluster();

/** Collects the page's uncaught errors from now on (read with pageErrors). */
function catchPageErrors(session) {
  return session.exec('window.__errors = []; window.addEventListener("error", (e) => window.__errors.push(String(e.message)));');
}
const pageErrors = (session) => session.exec('return window.__errors || [];');

/** A new connection to the fixture by URL, as `who` (reader or writer), not saved. */
async function newByUrl(session, name, who = 'reader') {
  await openNewConnection(session, 'postgres');
  await session.typeInto(tid('field-name'), name);
  const { user, password } = cluster.fx[who];
  await session.typeInto(tid('field-url'), cluster.pg.url(user, password, cluster.fx.db, 'sslmode=disable'));
  await waitForValue(session, tid('field-host'), '127.0.0.1');
}

test('bug 1: every permissions tab shows its own rows, whichever tab came before', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'Tabs');
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    await openPermissions(session);
    await catchPageErrors(session);
    const counts = await session.exec(`const out = {}; for (const id of ['tables', 'schemas', 'sequences', 'functions'])
      out[id] = Number(document.querySelector('[data-testid="tab-' + id + '"] .tab-count').textContent); return out;`);
    // (An empty tab is as good a target: the bug drew the old tab's rows under its columns either way.)
    assert.ok(counts.tables >= 3 && counts.schemas >= 1, JSON.stringify(counts));
    const nouns = { tables: 'table', sequences: 'sequence', schemas: 'schema', functions: 'function' };
    // The moves that went blank (Schemas or Functions, then Tables or Sequences), and the others.
    for (const [from, to] of [['schemas', 'tables'], ['functions', 'tables'], ['schemas', 'sequences'], ['functions', 'sequences'], ['tables', 'schemas'], ['sequences', 'functions']]) {
      await session.click(tid(`tab-${from}`));
      await session.click(tid(`tab-${to}`));
      const rows = await permissionRows(session);
      assert.equal(rows.length, counts[to], `${from} -> ${to}: ${rows.length} rows drawn of ${counts[to]}`);
      const n = counts[to];
      assert.equal(await session.textOf(tid('perm-count')), `${n} ${nouns[to]}${n === 1 ? '' : 's'}`, `${from} -> ${to}: the count is the tab's`);
      assert.equal(await session.exec('return !document.querySelector(arguments[0]).hidden;', tid('perm-table-empty')), n === 0, `${from} -> ${to}: the empty state`);
      if (to === 'tables') assert.ok(rows.some((r) => r.cells[1] === 'customers'), `${from} -> tables: ${JSON.stringify(rows)}`);
      if (to === 'sequences' && n) assert.ok(rows.some((r) => r.cells[1] === 'orders_id_seq'), `${from} -> sequences: ${JSON.stringify(rows)}`);
    }
    assert.match(await session.textOf(tid('perm-table-empty')), /No functions in what the analysis covered/);
    assert.deepEqual(await pageErrors(session), [], 'no error on the page');
  } finally {
    await stop();
  }
});

test('bug 2: a provider\'s required sslmode survives a paste that lacks it, and the form says it added it', async () => {
  const { session, stop } = await launch();
  try {
    await openNewConnection(session, 'supabase');
    assert.equal(await valueOf(session, tid('field-sslmode')), 'require', 'the preset sets it');
    await pasteUrl(session, 'postgresql://postgres.abcdefghijklmnop:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres');
    await waitForValue(session, tid('field-host'), 'aws-0-us-east-1.pooler.supabase.com');
    assert.equal(await valueOf(session, tid('field-sslmode')), 'require', 'still require after the paste');
    await session.waitFor(async () => /Added sslmode=require: Supabase requires it/.test((await session.textOf(tid('url-added'))) || ''), { what: 'the note that sslmode was added' });
    await session.waitFor(async () => /[?&]sslmode=require/.test(await valueOf(session, tid('field-url'))), { what: 'the URL to carry it' });
    assert.equal(await valueOf(session, tid('field-password')), 'pw');
    // "Fill from your project" reads the pasted host and user.
    assert.equal(await valueOf(session, tid('supabase-ref')), 'abcdefghijklmnop');
    assert.equal(await valueOf(session, tid('supabase-region')), 'us-east-1');
    assert.equal(await valueOf(session, tid('supabase-mode')), 'transaction');
    await screenshot(session, 'supabase-paste');

    // Plain Postgres chosen, a Neon URL pasted: the provider follows the host (Rust's guess) and Neon's requirement is added.
    await session.click(tid('back'));
    await session.waitForSelector(tid('discard-dialog'));
    await session.click(tid('confirm-ok'));
    await openNewConnection(session, 'postgres');
    await pasteUrl(session, 'postgresql://neondb_owner@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb');
    await waitForValue(session, tid('provider-select'), 'neon');
    assert.equal(await valueOf(session, tid('field-sslmode')), 'require');
    assert.match(await session.textOf(tid('url-added')), /sslmode=require: Neon requires it/);
  } finally {
    await stop();
  }
});

test('RDS, Azure and Cloud SQL hosts are recognised; verify-full says before a test where the CA comes from', async () => {
  const { session, stop } = await launch();
  try {
    await openNewConnection(session, 'postgres');
    for (const [url, provider, words] of [
      ['postgresql://app@prod.abc123xyz.eu-west-1.rds.amazonaws.com:5432/app?sslmode=verify-full', 'rds', /RDS CAs.*global-bundle\.pem/],
      ['postgresql://app@mydb.postgres.database.azure.com/app?sslmode=verify-full', 'azure', /DigiCert Global Root G2/],
      ['postgresql://app@my-instance.us-central1.sql.goog/app?sslmode=verify-full', 'cloud_sql', /server-ca\.pem/],
    ]) {
      await pasteUrl(session, url);
      await waitForValue(session, tid('provider-select'), provider);
      await session.waitFor(async () => words.test((await session.textOf(tid('msg-sslrootcert'))) || ''), { what: `the ${provider} CA warning on the root certificate` });
      assert.ok(await session.exec('return document.querySelector(arguments[0]).open;', tid('tls-section')), 'the TLS section opens to show it');
      assert.match(await session.textOf(tid('preset-notes')), words, 'the notes say it too');
    }
    await screenshot(session, 'cloud-sql-verify-full');
  } finally {
    await stop();
  }
});

test('bug 5: an edit that points elsewhere no longer says the saved password is kept', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'Moves');
    await saveAndWaitForRow(session, 'Moves');
    await rowAction(session, 'Moves', 'edit');
    await session.waitForSelector(tid('connection-form'));
    assert.match(await session.exec('return document.querySelector(arguments[0]).placeholder;', tid('field-password')), /Saved in the keyring/);
    assert.match(await hintOf(session, 'password'), /Leave empty to keep the saved password/);
    await setMode(session, 'host');
    await session.typeInto(tid('field-host'), 'localhost', { clear: true });
    await session.waitFor(async () => /will not be sent to this one, nor kept/.test((await session.textOf(tid('msg-password'))) || ''), { what: 'the warning that the password stays behind' });
    const placeholder = await session.exec('return document.querySelector(arguments[0]).placeholder;', tid('field-password'));
    const hint = await hintOf(session, 'password');
    assert.doesNotMatch(placeholder, /Saved in the keyring|type to replace/, placeholder);
    assert.doesNotMatch(hint, /Leave empty to keep/, hint);
    assert.match(placeholder, /Type the password for this server/);
    await screenshot(session, 'password-moved');
    // Back to the saved host: the saved password holds again.
    await session.typeInto(tid('field-host'), '127.0.0.1', { clear: true });
    await session.waitFor(async () => /Leave empty to keep/.test(await hintOf(session, 'password')), { what: 'the saved password again' });
  } finally {
    await stop();
  }
});

test('bug 6: a password the keyring lost is badged in the list, explained in the form and by the test', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'Forgotten');
    const id = await saveAndWaitForRow(session, 'Forgotten');
    assert.equal(await session.count(`[data-id="${id}"] ${tid('conn-missing-secret')}`), 0);
    dropFromKeyring(id, 'password');
    await session.exec('location.reload();');
    await waitForList(session);
    await rowByName(session, 'Forgotten');
    const badge = await session.textOf(`[data-id="${id}"] ${tid('conn-missing-secret')}`);
    assert.ok(badge, 'the row has a badge for the lost password');
    assert.match(badge, /password missing from the keyring/);
    await screenshot(session, 'keyring-lost-list');
    await rowAction(session, 'Forgotten', 'test');
    await session.waitForSelector(tid('test-dialog'));
    assert.equal(await waitForTestEnd(session, { scope: tid('test-dialog') }), 'error');
    assert.match(await session.textOf(`${tid('test-dialog')} ${tid('error-message')}`), /missing from the keyring/);
    await session.click(`${tid('test-dialog')} ${tid('dialog-close')}`);
    await rowAction(session, 'Forgotten', 'edit');
    await session.waitForSelector(tid('connection-form'));
    assert.match(await session.exec('return document.querySelector(arguments[0]).placeholder;', tid('field-password')), /Missing from the keyring/);
    assert.match(await hintOf(session, 'password'), /keyring no longer has the saved password/);
    await screenshot(session, 'keyring-lost-form');
  } finally {
    await stop();
  }
});

test('a test in the form before saving is kept: the list shows it, not "Not tested yet"', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'Tested first');
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    assert.equal(await session.count(tid('permissions-dialog')), 0, 'the permissions wait to be asked for');
    const id = await saveAndWaitForRow(session, 'Tested first');
    const last = `[data-id="${id}"] ${tid('conn-last-test')}`;
    assert.notEqual(await session.exec('return document.querySelector(arguments[0]).dataset.state;', last), 'never');
    assert.match(await session.textOf(last), /^Connected just now, not ready/);
  } finally {
    await stop();
  }
});

test('an edit reopens in the mode the connection was entered in', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'By URL');
    await saveAndWaitForRow(session, 'By URL');
    await rowAction(session, 'By URL', 'edit');
    await session.waitForSelector(tid('connection-form'));
    assert.equal(await session.exec('return document.querySelector(arguments[0]).checked;', tid('mode-url')), true);
    assert.equal(await session.exec('return document.querySelector(arguments[0]).hidden;', tid('url-panel')), false);
    assert.match(await valueOf(session, tid('field-url')), /^postgresql:\/\/reader@127\.0\.0\.1:\d+\/shop\?sslmode=disable$/);
    await session.click(tid('back'));
    await waitForList(session);

    await openNewConnection(session, 'postgres');
    await session.typeInto(tid('field-name'), 'By fields');
    await setMode(session, 'host');
    await session.typeInto(tid('field-host'), '127.0.0.1');
    await session.typeInto(tid('field-user'), 'reader');
    await saveAndWaitForRow(session, 'By fields');
    await rowAction(session, 'By fields', 'edit');
    await session.waitForSelector(tid('connection-form'));
    assert.equal(await session.exec('return document.querySelector(arguments[0]).checked;', tid('mode-host')), true);
  } finally {
    await stop();
  }
});

test('the job and its options come from the vocabulary: a destination\'s options, CASCADE only under truncate', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'Writer', 'writer');
    const shown = (name) => session.exec('const el = document.querySelector(arguments[0]); return !!el && !el.closest("[hidden]");', tid(`opt-${name}`));
    assert.equal(await shown('cdc'), true, 'a source offers change data capture');
    assert.equal(await shown('publication'), false, 'the publication waits for CDC');
    assert.equal(await shown('truncate'), false, 'a source has no truncate');
    await session.click(tid('job-destination'));
    assert.equal(await shown('truncate'), true);
    assert.equal(await shown('on_conflict'), true);
    assert.equal(await shown('truncate_cascade'), false, 'CASCADE waits for truncate');
    await session.click(tid('opt-truncate'));
    assert.equal(await shown('truncate_cascade'), true);
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    await openPermissions(session);
    // The writer may not TRUNCATE: with truncate on, that is the verdict's problem, in red.
    const rows = Object.fromEntries((await permissionRows(session)).map((r) => [r.cells[1], r]));
    assert.ok(rows.customers.classes[7].includes('required-missing'), `TRUNCATE is needed now: ${JSON.stringify(rows.customers)}`);
    await screenshot(session, 'permissions-destination');
    await session.click(`${tid('permissions-dialog')} ${tid('dialog-close')}`);
    const id = await saveAndWaitForRow(session, 'Writer');
    assert.equal(await session.textOf(`[data-id="${id}"] ${tid('conn-job')}`), 'Destination');
  } finally {
    await stop();
  }
});

test('the list is keyboard-navigable: arrows, Enter to edit, Delete with the confirmation', async () => {
  const { session, stop } = await launch();
  try {
    for (const name of ['Alpha', 'Beta']) {
      await newByUrl(session, name);
      await saveAndWaitForRow(session, name);
    }
    const focused = () => session.exec('const r = document.activeElement.closest("[data-testid=connection-row]"); return r && document.activeElement === r ? r.dataset.name : null;');
    await session.exec('document.querySelector(arguments[0]).focus();', tid('connection-row'));
    assert.equal(await focused(), 'Alpha');
    await session.press('\uE015'); // ArrowDown
    assert.equal(await focused(), 'Beta');
    await session.press('\uE013'); // ArrowUp
    assert.equal(await focused(), 'Alpha');
    await session.press('\uE010'); // End
    assert.equal(await focused(), 'Beta');
    await session.press('\uE017'); // Delete
    await session.waitForSelector(tid('delete-dialog'));
    assert.match(await session.textOf(tid('delete-dialog')), /Beta/);
    await session.press(KEY.ESCAPE);
    await session.waitForGone(tid('delete-dialog'));
    assert.equal(await session.count(`${tid('connection-row')}[data-name="Beta"]`), 1, 'Escape keeps it');
    await session.exec('document.querySelector(arguments[0]).focus();', `${tid('connection-row')}[data-name="Beta"]`);
    await session.press(KEY.ENTER);
    await session.waitForSelector(tid('connection-form'));
    assert.equal(await valueOf(session, tid('field-name')), 'Beta');
  } finally {
    await stop();
  }
});
