// Change data capture in the real app: a source tested with "Read by change
// data capture" (its publication and slot named in the job's options) shows
// what the test read in the permissions dialog's "Change data capture" tab
// (the server, the login role's REPLICATION, the publication and what it
// covers, the slot, the replication connection; each table's replica
// identity and whether it is published), and each problem no GRANT fixes
// comes with the statement that does. Every name from the database is text.
// A role without REPLICATION of its own fails at the Replication stage; a
// destination's table with row level security and no policy is flagged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, screenshot, tid, openNewConnection, waitForValue, runTest, openPermissions, closePermissions, stepStatuses, permissionRows,
} from './app.js';
import { startCluster, loadCdcFixture, LOGICAL, HOSTILE_TABLE } from './pg.js';

let pg;
let fx;

before(async () => {
  pg = await startCluster({ settings: LOGICAL });
  fx = loadCdcFixture(pg);
});

after(async () => {
  if (pg) await pg.stop();
});

/** A new connection by URL as `who` ({user, password}) on `db`, not saved. */
async function newByUrl(session, name, who, db) {
  await openNewConnection(session, 'postgres');
  await session.typeInto(tid('field-name'), name);
  await session.typeInto(tid('field-url'), pg.url(who.user, who.password, db, 'sslmode=disable'));
  await waitForValue(session, tid('field-host'), '127.0.0.1');
}

/** Ticks "Read by change data capture" and names the publication and the slot (the controls the vocabulary made). */
async function readByCdc(session) {
  const shown = (name) => session.exec('const el = document.querySelector(arguments[0]); return !!el && !el.closest("[hidden]");', tid(`opt-${name}`));
  assert.match(await session.exec('return document.querySelector(arguments[0]).closest("label").textContent;', tid('opt-cdc')), /Read by change data capture/);
  assert.equal(await shown('publication'), false, 'the publication waits for CDC');
  await session.click(tid('opt-cdc'));
  await session.waitFor(() => shown('publication'), { what: 'the publication field' });
  await session.typeInto(tid('opt-publication'), fx.publication);
  await session.typeInto(tid('opt-slot'), fx.slot);
}

/** The CDC tab's fact groups as {id: {text, severity, statements}}. */
async function cdcFacts(session) {
  // (An array: WebDriver does not keep an object's key order.)
  const groups = await session.exec(`return [...document.querySelectorAll('[data-testid="cdc-facts"] .cdc-fact')].map((g) => ({
    id: g.dataset.testid.replace('cdc-fact-', ''), text: g.textContent, severity: g.dataset.severity,
    statements: [...g.querySelectorAll('[data-testid="cdc-statement"]')].map((s) => s.textContent),
  }));`);
  return { order: groups.map((g) => g.id), ...Object.fromEntries(groups.map((g) => [g.id, g])) };
}

/** The verdict's problems in the dialog: [{type, text, statement}]. */
function problems(session) {
  return session.exec(`return [...document.querySelectorAll('[data-testid="permissions-dialog"] [data-testid="problem"]')].map((li) => ({
    type: li.dataset.type, text: li.textContent, classes: li.className,
    statement: (li.querySelector('[data-testid="problem-statement"]') || {}).textContent || null,
  }));`);
}

/** Opens the folded problem list if it is folded (many problems, or a short window). */
async function unfoldProblems(session) {
  await session.exec(`for (const d of document.querySelectorAll('[data-testid="permissions-dialog"] details')) if (!d.open && d.querySelector('[data-testid="problem"]')) d.open = true;`);
}

/** Nothing in the dialog was parsed as HTML: no element a table name could have made. */
function injected(session) {
  return session.exec('return document.querySelectorAll(\'[data-testid="permissions-dialog"] img, [data-testid="permissions-dialog"] [onerror]\').length;');
}

test('a CDC source: the publication missing app.orders, events without a replica identity and its ALTER TABLE, the slot, all as text', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'Stream', fx.streamer, fx.db);
    await readByCdc(session);
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    const steps = await stepStatuses(session);
    assert.equal(steps.replication, 'ok', JSON.stringify(steps));
    await openPermissions(session);
    await unfoldProblems(session);

    // The verdict's problems: the publication lacks orders (an error), events has no replica identity, each with its statement.
    const list = await problems(session);
    const pub = list.find((p) => p.type === 'publication');
    assert.ok(pub && /sev-error/.test(pub.classes), JSON.stringify(list));
    assert.match(pub.text, /publication sluice_pub lacks 1 of the tables in scope/);
    assert.match(pub.statement, /^ALTER PUBLICATION sluice_pub ADD TABLE app\.orders;/);
    const events = list.find((p) => p.text.includes('app.events'));
    assert.ok(events, JSON.stringify(list));
    assert.match(events.text, /no primary key and REPLICA IDENTITY DEFAULT/);
    assert.equal(events.statement, 'ALTER TABLE app.events REPLICA IDENTITY FULL;');
    const orders = list.find((p) => p.text.includes('app.orders') && p.type === 'table');
    assert.match(orders.text, /not in publication sluice_pub/);
    // The hostile table's name, its problem and its statement are text.
    const hostile = list.find((p) => p.text.includes(HOSTILE_TABLE));
    assert.ok(hostile, `the hostile name as text: ${JSON.stringify(list)}`);
    assert.equal(hostile.statement, `ALTER TABLE app."${HOSTILE_TABLE}" REPLICA IDENTITY FULL;`);
    await screenshot(session, 'cdc-problems');

    // The Change data capture tab: its facts and its table.
    assert.match(await session.textOf(tid('tab-cdc')), /^Change data capture/);
    assert.equal(await session.exec('return document.querySelector(arguments[0]).hidden;', tid('cdc-facts')), true, 'the facts belong to their tab');
    await session.click(tid('tab-cdc'));
    await session.waitFor(async () => !(await session.exec('return document.querySelector(arguments[0]).hidden;', tid('cdc-facts'))), { what: 'the CDC facts' });
    const facts = await cdcFacts(session);
    assert.deepEqual(facts.order, ['server', 'role', 'publication', 'slot', 'connection']);
    assert.match(facts.server.text, /wal_level logical/);
    assert.match(facts.server.text, /replication slots: 1 of \d+ used/);
    assert.match(facts.role.text, /Login role streamer.*REPLICATION: yes/);
    assert.equal(facts.role.severity, '');
    assert.equal(facts.publication.severity, 'error');
    assert.match(facts.publication.text, /sluice_pub: listed tables, publishes insert, update, delete, truncate/);
    assert.match(facts.publication.text, /3 of 4 tables in scope published/);
    assert.equal(facts.publication.statements.length, 1);
    assert.match(facts.publication.statements[0], /^ALTER PUBLICATION sluice_pub ADD TABLE app\.orders;/);
    assert.match(facts.slot.text, /sluice_slot: logical, pgoutput, database stream/);
    assert.match(facts.slot.text, /not in use/);
    assert.equal(facts.slot.severity, '');
    assert.match(facts.connection.text, /system \d+ · timeline \d+ · WAL at [0-9A-F]+\/[0-9A-F]+ · database stream/);

    const rows = Object.fromEntries((await permissionRows(session)).map((r) => [r.cells[1], r]));
    assert.deepEqual(Object.keys(rows).sort(), [HOSTILE_TABLE, 'customers', 'events', 'orders'].sort());
    assert.equal(rows.customers.cells[3], 'default (primary key)');
    assert.equal(rows.customers.cells[4], '\u2713');
    assert.equal(rows.customers.problem, false);
    assert.equal(rows.events.cells[3], 'default, no primary key');
    assert.ok(rows.events.problem, JSON.stringify(rows.events));
    assert.match(rows.events.cells[5], /REPLICA IDENTITY/);
    assert.equal(rows.orders.cells[4], '\u2715');
    assert.ok(rows.orders.classes[4].includes('required-missing'), JSON.stringify(rows.orders));
    assert.ok(rows[HOSTILE_TABLE].problem);
    assert.equal(await session.textOf(tid('perm-count')), '4 tables');
    assert.match(await session.textOf(tid('perm-legend')), /published/);
    assert.equal(await injected(session), 0, 'no markup from a table name');
    await screenshot(session, 'cdc-tab');

    // Only problems: the three tables the verdict flags.
    await session.click(tid('perm-only-problems'));
    assert.equal((await permissionRows(session)).length, 3);
    await session.click(tid('perm-only-problems'));

    await closePermissions(session);

    // At 800×600 (the dialog opened there: the problems folded) the facts and the table still share the dialog.
    await session.cmd('POST', '/window/rect', { width: 800, height: 600 });
    await session.waitFor(async () => (await session.exec('return innerWidth <= 800 && innerHeight <= 600;')), { what: 'an 800×600 window' });
    await openPermissions(session);
    await session.click(tid('tab-cdc'));
    const room = await session.exec(`const d = document.querySelector('[data-testid="permissions-dialog"]').getBoundingClientRect();
      const t = document.querySelector('[data-testid="perm-table"]').getBoundingClientRect();
      const f = document.querySelector('[data-testid="cdc-facts"]').getBoundingClientRect();
      return { dialogBottom: d.bottom, tableHeight: t.height, tableBottom: t.bottom, factsHeight: f.height, factsWidth: f.width, scrollW: document.querySelector('[data-testid="cdc-facts"]').scrollWidth, innerHeight };`);
    await screenshot(session, 'cdc-tab-800');
    // The header lines up with the rows (each column starts where its cells do), on this tab and on Tables.
    for (const tab of ['tables', 'cdc']) {
      await session.click(tid(`tab-${tab}`));
      const lefts = await session.exec(`const xs = (el) => [...el.children].map((c) => Math.round(c.getBoundingClientRect().left));
        return { head: xs(document.querySelector('[data-testid="perm-table"] .vt-header')), row: xs(document.querySelector('[data-testid="perm-table"] .vt-rows .vt-row')) };`);
      assert.deepEqual(lefts.head, lefts.row, `${tab}: the header and the rows share their columns`);
    }
    assert.ok(room.dialogBottom <= room.innerHeight + 1, JSON.stringify(room));
    assert.ok(room.tableHeight >= 60, `the table keeps room beside the facts: ${JSON.stringify(room)}`);
    assert.ok(room.scrollW <= Math.ceil(room.factsWidth) + 1, `the facts wrap instead of overflowing: ${JSON.stringify(room)}`);
    await closePermissions(session);
  } finally {
    await stop();
  }
});

test('a role without REPLICATION of its own (a member of a group that has it): the Replication stage fails, the role group names ALTER ROLE', async () => {
  const { session, stop } = await launch({ env: { GTK_THEME: 'Adwaita:dark' } });
  try {
    await newByUrl(session, 'Member', fx.member, fx.db);
    await readByCdc(session);
    assert.equal(await runTest(session), 'error', await session.textOf(tid('test-result')));
    const steps = await stepStatuses(session);
    assert.equal(steps.replication, 'failed', JSON.stringify(steps));
    assert.equal(steps.access, 'ok', JSON.stringify(steps));
    assert.match(await session.textOf(tid('test-result')), /may not open a replication connection/);
    await screenshot(session, 'cdc-refused-stepper');
    await openPermissions(session);
    await unfoldProblems(session);
    const role = (await problems(session)).find((p) => p.type === 'role');
    assert.ok(role, 'a problem about the role');
    assert.match(role.text, /not inherited through membership/);
    assert.equal(role.statement, 'ALTER ROLE member REPLICATION;');
    await session.click(tid('tab-cdc'));
    const facts = await cdcFacts(session);
    assert.equal(facts.role.severity, 'error');
    assert.match(facts.role.text, /Login role member/);
    assert.match(facts.role.text, /REPLICATION: no/);
    assert.match(facts.role.text, new RegExp(`not inherited from ${fx.member.group}, which has it`));
    assert.deepEqual(facts.role.statements, ['ALTER ROLE member REPLICATION;']);
    assert.equal(facts.connection.severity, 'error');
    assert.match(facts.connection.text, /not opened: the test failed at Replication/);
    await screenshot(session, 'cdc-refused-dark');
    await closePermissions(session);
  } finally {
    await stop();
  }
});

test('a destination: a table with row level security on and no policy for the role is flagged with the reason, one whose policy admits the role is not', async () => {
  const { session, stop } = await launch();
  try {
    await newByUrl(session, 'Ledger', fx.ledger, fx.ledger.db);
    await session.click(tid('job-destination'));
    assert.equal(await runTest(session), 'success', await session.textOf(tid('test-result')));
    await openPermissions(session);
    assert.equal(await session.count(tid('tab-cdc')), 0, 'no CDC tab for a destination');
    await unfoldProblems(session);
    const list = await problems(session);
    const entries = list.find((p) => p.text.includes('public.entries') && /row level security is on/.test(p.text));
    assert.ok(entries, JSON.stringify(list));
    assert.match(entries.classes, /sev-error/);
    assert.match(entries.text, /no INSERT policy admits the role: every insert fails/);
    // notes has a policy that admits the loader: a warning (the policies decide row by row), no error.
    const notes = list.filter((p) => p.text.includes('public.notes'));
    assert.ok(notes.length && notes.every((p) => !/sev-error/.test(p.classes)), JSON.stringify(notes));
    const rows = Object.fromEntries((await permissionRows(session)).map((r) => [r.cells[1], r]));
    assert.ok(rows.entries.problem, JSON.stringify(rows.entries));
    await screenshot(session, 'cdc-destination-rls');
    await closePermissions(session);
  } finally {
    await stop();
  }
});
