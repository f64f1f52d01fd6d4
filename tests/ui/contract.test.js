// The UI's pure modules against real Reports, as the app's test_connection
// returns them (`sluice test --json --compact-access`): a reader as source,
// a writer as destination, a wrong password. The reports are made during the
// test run by tests/ui/make-fixtures.mjs from a real cluster and the built
// CLI (scripts/test.sh), in $SLUICE_UI_FIXTURES: the contract cannot drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildRelationRows, buildSequenceRows, filterRows, countProblems, hasPriv } from '../../ui/js/lib/permissions.js';
import { TABLE_PRIVILEGES, SEQUENCE_PRIVILEGES } from '../../ui/js/lib/permissions.js';
import { successBanner, verdictHeadline } from '../../ui/js/lib/format.js';
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

test('destination report: info notes are not problems; sequences carry theirs', () => {
  const r = load('destination');
  assert.equal(verdictHeadline(r.verdict), `Not ready as destination: ${r.verdict.problems.filter((p) => p.severity === 'error').length} problems`);
  const rows = buildRelationRows(r.access, r.verdict);
  const byName = Object.fromEntries(rows.map((x) => [x.name, x]));
  assert.equal(byName.customers.problem, false, 'only an info note (no TRUNCATE) on customers');
  assert.equal(byName.customers.severity, 'info');
  assert.ok(byName.customers.reasons.some((t) => /TRUNCATE/.test(t)));
  assert.deepEqual([...byName.orders.missing].sort(), ['INSERT', 'UPDATE']);
  assert.equal(countProblems(rows), 2);
  const seqs = buildSequenceRows(r.access, r.verdict);
  const seq = seqs.find((s) => s.name === 'orders_id_seq');
  assert.ok(seq && seq.problem && seq.missing.has('USAGE'));
  assert.match(r.verdict.fix_sql, /GRANT INSERT, UPDATE/);
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
