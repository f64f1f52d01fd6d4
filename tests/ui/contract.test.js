// The UI's pure modules against real Reports, as the app's test_connection
// returns them (`sluice test --json --compact-access`): a reader as source,
// a writer as destination, a wrong password, a CDC source (and one whose
// replication connection is refused). The reports are made during the
// test run by tests/ui/make-fixtures.mjs from a real cluster and the built
// CLI (scripts/test.sh), in $SLUICE_UI_FIXTURES: the contract cannot drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildRelationRows, buildSequenceRows, filterRows, countProblems, hasPriv } from '../../ui/js/lib/permissions.js';
import { TABLE_PRIVILEGES, SEQUENCE_PRIVILEGES } from '../../ui/js/lib/permissions.js';
import { successBanner, verdictHeadline, stageLabel } from '../../ui/js/lib/format.js';
import { cdcFacts, buildCdcRows } from '../../ui/js/lib/cdc.js';
import { rustStages } from './rust-stages.mjs';
import { diagnosticsText } from '../../ui/js/lib/diagnostics.js';

const dir = process.env.SLUICE_UI_FIXTURES;
if (!dir) throw new Error('SLUICE_UI_FIXTURES is not set: run tests/ui/make-fixtures.mjs first (npm test does)');
const load = (name) => JSON.parse(readFileSync(path.join(dir, `report-${name}.json`), 'utf8'));
const HOSTILE = '<img src=x onerror=alert(1)>';

test('source report: the table without SELECT is the one problem, highlighted on SELECT', () => {
  const r = load('source');
  assert.match(successBanner(r), /^Connected to shop on 127\.0\.0\.1 as reader: PostgreSQL 15\.\d+, no TLS, [\d.]+ ms$/);
  assert.equal(verdictHeadline(r.verdict), 'Not ready as source: 1 problem');
  const rows = buildRelationRows(r.access, r.verdict);
  const byName = Object.fromEntries(rows.map((x) => [x.name, x]));
  assert.ok(byName[HOSTILE].problem);
  assert.deepEqual([...byName[HOSTILE].missing], ['SELECT']);
  assert.equal(byName.customers.problem, false);
  assert.equal(hasPriv(byName.customers, 'SELECT'), true);
  assert.equal(hasPriv(byName.customers, 'INSERT'), false);
  assert.deepEqual(filterRows(rows, { onlyProblems: true }).map((x) => x.name), [HOSTILE]);
});

test('destination report: info notes are not problems; a plain INSERT needs INSERT only, and no sequence', () => {
  const r = load('destination');
  assert.equal(verdictHeadline(r.verdict), `Not ready as destination: ${r.verdict.problems.filter((p) => p.severity === 'error').length} problems`);
  const rows = buildRelationRows(r.access, r.verdict);
  const byName = Object.fromEntries(rows.map((x) => [x.name, x]));
  assert.equal(byName.customers.problem, false, 'only an info note (no TRUNCATE) on customers');
  assert.equal(byName.customers.severity, 'info');
  assert.ok(byName.customers.reasons.some((t) => /TRUNCATE/.test(t)));
  // The job's INSERT (on_conflict fail, job.rs) writes rows; it updates none.
  assert.deepEqual([...byName.orders.missing].sort(), ['INSERT']);
  assert.equal(countProblems(rows), 2);
  // It sends every column, so a serial's nextval() is never evaluated: its sequence is no problem.
  const seqs = buildSequenceRows(r.access, r.verdict);
  const seq = seqs.find((s) => s.name === 'orders_id_seq');
  assert.ok(seq && !seq.problem && seq.missing.size === 0, JSON.stringify(seq));
  assert.match(r.verdict.fix_sql, /GRANT INSERT ON TABLE app\."<img src=x onerror=alert\(1\)>", app\.orders TO writer;/);
});

test('failed report: diagnostics carry the code and hint', () => {
  const r = load('bad');
  assert.equal(r.error.code, 'auth_failed');
  const text = diagnosticsText({ report: r, params: { host: '127.0.0.1', user: 'reader', dbname: 'shop' }, secrets: ['not-the-password'] });
  assert.match(text, /auth_failed/);
  assert.ok(text.includes(r.error.hint));
  assert.ok(!text.includes('not-the-password'));
});

test('the compact form decodes to what `sluice test --json` prints, row for row', () => {
  for (const name of ['source', 'destination']) {
    const compact = load(name);
    const full = load(`${name}.full`);
    assert.ok(Array.isArray(full.access.relations) && !Array.isArray(compact.access.relations), 'two forms');
    const rows = buildRelationRows(compact.access, compact.verdict);
    assert.equal(rows.length, full.access.relations.length);
    assert.ok(rows.length >= 3, `${name}: ${rows.length} relations`);
    full.access.relations.forEach((r, i) => {
      const row = rows[i];
      assert.deepEqual([row.schema, row.name, row.kind, row.rls, row.column_only], [r.schema, r.name, r.kind, r.rls, r.column_only]);
      assert.deepEqual(TABLE_PRIVILEGES.filter((p) => hasPriv(row, p)), r.privileges, `${name}: ${r.name}`);
    });
    const seqs = buildSequenceRows(compact.access, compact.verdict);
    assert.equal(seqs.length, full.access.sequences.length);
    full.access.sequences.forEach((s, i) => {
      assert.deepEqual([seqs[i].schema, seqs[i].name, seqs[i].owned_by], [s.schema, s.name, s.owned_by || '']);
      assert.deepEqual(SEQUENCE_PRIVILEGES.filter((p) => hasPriv(seqs[i], p)), s.privileges);
    });
    // Everything but `access` is the same report.
    const { access: a, ...restCompact } = compact;
    const { access: b, ...restFull } = full;
    assert.deepEqual(Object.keys(restCompact).sort(), Object.keys(restFull).sort());
    assert.deepEqual(restCompact.verdict, restFull.verdict);
    assert.deepEqual(a.schemas, b.schemas);
    assert.ok(a && b);
  }
});

test('a CDC source: the window gets access.replication as the CLI prints it; the facts and rows read it', () => {
  const r = load('cdc');
  const full = load('cdc.full');
  // Two runs: the same facts, but for the moment the replication connection was opened.
  const settled = ({ connection, ...rest }) => ({ ...rest, connection: connection && { ...connection, ms: 0, wal_position: '' } });
  assert.deepEqual(settled(r.access.replication), settled(full.access.replication), 'passed through as it is');
  const vocabulary = { stages: rustStages(), providers: [] };
  const facts = Object.fromEntries(cdcFacts(r.access.replication, { report: r, verdict: r.verdict, vocabulary }).map((g) => [g.id, g]));
  assert.deepEqual(Object.keys(facts), ['server', 'role', 'publication', 'slot', 'connection']);
  assert.equal(facts.server.parts[0], 'wal_level logical');
  assert.match(facts.server.parts[1], /^replication slots: 1 of \d+ used \(\d+ free\)$/);
  assert.match(facts.server.parts[2], /^WAL senders: \d+ of \d+ busy \(\d+ free\)$/);
  assert.equal(facts.role.term, 'Login role streamer');
  assert.ok(facts.role.parts.includes('REPLICATION: yes'), facts.role.parts);
  assert.deepEqual(facts.publication.parts.slice(0, 2), ['sluice_pub: listed tables, publishes insert, update, delete, truncate', '3 of 4 tables in scope published']);
  assert.deepEqual(facts.slot.parts.slice(0, 3), ['sluice_slot: logical, pgoutput, database stream', 'not in use', 'WAL reserved']);
  assert.match(facts.connection.parts.join(' \u00B7 '), /^system \d+ · timeline \d+ · WAL at [0-9A-F]+\/[0-9A-F]+ · database stream/);
  // The groups are marked by the verdict's problems about them: the publication lacks orders.
  assert.deepEqual(Object.fromEntries(Object.values(facts).map((g) => [g.id, g.severity])), { server: null, role: null, publication: 'error', slot: null, connection: null });
  assert.ok(facts.publication.statements.length === 1 && facts.publication.statements[0].startsWith('ALTER PUBLICATION sluice_pub ADD TABLE app.orders;'), facts.publication.statements);
  assert.deepEqual([facts.role.statements, facts.slot.statements], [[], []]);
  const rows = Object.fromEntries(buildCdcRows(r.access.replication, r.verdict).map((x) => [x.name, x]));
  assert.deepEqual(Object.keys(rows).sort(), [HOSTILE, 'customers', 'events', 'orders'].sort());
  assert.deepEqual([rows.customers.identity, rows.customers.published, rows.customers.problem], ['default (primary key)', true, false]);
  assert.deepEqual([rows.events.identity, rows.events.published, rows.events.problem], ['default, no primary key', true, true]);
  assert.ok(rows.events.reasons.some((t) => /REPLICA IDENTITY/.test(t)), rows.events.reasons);
  assert.deepEqual([rows.orders.published, rows.orders.problem], [false, true]);
  assert.ok(rows[HOSTILE].problem, 'the hostile table has no replica identity either');
  const statements = r.verdict.problems.map((p) => p.statement).filter(Boolean);
  assert.ok(statements.includes('ALTER TABLE app.events REPLICA IDENTITY FULL;'), statements);
  assert.ok(statements.some((s) => s.startsWith('ALTER PUBLICATION sluice_pub ADD TABLE app.orders;')), statements);
});

test('a CDC source whose replication connection is refused: the stage, the role not inheriting REPLICATION', () => {
  const r = load('cdc-refused');
  assert.equal(r.error.stage, 'replication');
  assert.equal(stageLabel(rustStages(), r.error.stage), 'Replication');
  const facts = Object.fromEntries(cdcFacts(r.access.replication, { report: r, verdict: r.verdict, vocabulary: { stages: rustStages() } }).map((g) => [g.id, g]));
  assert.equal(facts.connection.severity, 'error');
  assert.equal(facts.connection.parts[0], `not opened: the test failed at Replication: ${r.error.message}`);
  assert.ok(facts.role.parts.includes('REPLICATION: no'));
  assert.ok(facts.role.parts.some((p) => p.startsWith('not inherited from repl_group, which has it')), facts.role.parts);
  assert.equal(facts.role.severity, 'error');
  const role = r.verdict.problems.find((p) => p.object_type === 'role');
  assert.equal(role.statement, 'ALTER ROLE member REPLICATION;');
  assert.deepEqual(facts.role.statements, ['ALTER ROLE member REPLICATION;'], 'the role group shows the statement that fixes it');
  assert.match(r.verdict.fix_sql, /ALTER ROLE member REPLICATION;/);
});
