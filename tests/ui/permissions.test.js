import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRelationRows, buildSchemaRows, buildSequenceRows, buildFunctionRows, filterRows, sortRows, indexProblems, countProblems, hasPriv } from '../../ui/js/lib/permissions.js';

// Test data in the compact form the app receives (access/compact.rs; the
// contract test checks the real one against `sluice test --json`). The
// legend is deliberately not Rust's order: the page must read it from the
// payload.
const BITS = ['TRIGGER', 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'USAGE', 'CREATE', 'EXECUTE', 'CONNECT'];
const KINDS = ['view', 'table', 'partitioned_table', 'materialized_view', 'foreign_table'];

function relation(schema, name, privileges, kind = 'table', extra = {}) {
  return { schema, name, kind, privileges, rls: false, column_only: false, ...extra };
}

function compact({ relations = [], sequences = [], ...rest }) {
  const names = [];
  const intern = (n) => (names.includes(n) ? names.indexOf(n) : names.push(n) - 1);
  const bits = (ps) => ps.reduce((acc, p) => acc | (1 << BITS.indexOf(p)), 0);
  return {
    ...rest,
    privilege_bits: BITS,
    kinds: KINDS,
    names,
    relations: {
      schema: relations.map((r) => intern(r.schema)),
      name: relations.map((r) => r.name),
      kind: relations.map((r) => KINDS.indexOf(r.kind)),
      privileges: relations.map((r) => bits(r.privileges)),
      flags: relations.map((r) => (r.rls ? 1 : 0) | (r.column_only ? 2 : 0)),
      extra: {},
    },
    sequences: {
      schema: sequences.map((q) => intern(q.schema)),
      name: sequences.map((q) => q.name),
      privileges: sequences.map((q) => bits(q.privileges)),
      owned_by: sequences.map((q) => q.owned_by ?? null),
      flags: sequences.map(() => 0),
    },
  };
}

const access = compact({
  role: 'writer',
  schemas: [{ name: 'public', usage: true, create: false }, { name: 'locked', usage: false, create: false }],
  relations: [
    relation('public', 'users', ['SELECT', 'INSERT', 'UPDATE']),
    relation('public', 'orders', ['SELECT']),
    relation('public', 'v_orders', ['SELECT'], 'view'),
    relation('locked', '<img src=x onerror=alert(1)>', [], 'table', { rls: true }),
  ],
  sequences: [{ schema: 'public', name: 'orders_id_seq', privileges: ['SELECT'], owned_by: 'public.orders.id' }],
  functions: [{ schema: 'public', name: 'touch', identity_args: 'integer', execute: false }],
});

const verdict = {
  role: 'writer', job: 'destination', ready: false,
  problems: [
    { severity: 'error', object_type: 'table', schema: 'public', name: 'orders', missing: ['INSERT', 'UPDATE'], reason: 'cannot write rows' },
    { severity: 'error', object_type: 'table', schema: 'locked', name: '<img src=x onerror=alert(1)>', missing: ['INSERT', 'UPDATE', 'TRUNCATE'], reason: 'no privileges' },
    { severity: 'error', object_type: 'schema', schema: 'locked', name: 'locked', missing: ['USAGE'], reason: 'cannot reach the schema' },
    { severity: 'warning', object_type: 'sequence', schema: 'public', name: 'orders_id_seq', missing: ['USAGE'], reason: 'nextval() default' },
    { severity: 'error', object_type: 'function', schema: 'public', name: 'touch', identity_args: 'integer', missing: ['EXECUTE'], reason: 'used by a CHECK' },
  ],
  fix_sql: 'GRANT INSERT, UPDATE ON public.orders TO writer;',
};

test('privilege cells show what is granted; the verdict decides what is highlighted', () => {
  const rows = buildRelationRows(access, verdict);
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.equal(hasPriv(byName.users, 'SELECT'), true);
  assert.equal(hasPriv(byName.users, 'DELETE'), false);
  assert.equal(hasPriv(byName.users, 'TRIGGER'), false);
  assert.equal(byName.v_orders.kind, 'view');
  assert.equal(byName.users.problem, false);
  assert.deepEqual([...byName.orders.missing].sort(), ['INSERT', 'UPDATE']);
  assert.equal(byName.orders.severity, 'error');
  assert.equal(byName.v_orders.missing.size, 0, 'views are not required for a destination');
  const hostile = byName['<img src=x onerror=alert(1)>'];
  assert.ok(hostile.missing.has('TRUNCATE'));
  assert.equal(hostile.rls, true);
  assert.equal(countProblems(rows), 2);
});

test('without a verdict nothing is marked: the rules live in Rust only', () => {
  const rows = buildRelationRows(access, null);
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => !r.problem && r.missing.size === 0));
});

test('overloaded functions are told apart by their arguments', () => {
  const fns = {
    functions: [
      { schema: 'public', name: 'touch', identity_args: 'integer', execute: false },
      { schema: 'public', name: 'touch', identity_args: 'text', execute: true },
    ],
  };
  const v = { problems: [{ severity: 'error', object_type: 'function', schema: 'public', name: 'touch', identity_args: 'integer', missing: ['EXECUTE'], reason: 'x' }] };
  const rows = buildFunctionRows(fns, v);
  assert.deepEqual(rows.map((r) => [r.args, r.problem]), [['integer', true], ['text', false]]);
});

test('schemas, sequences and functions get their problems too', () => {
  const schemas = buildSchemaRows(access, verdict);
  assert.ok(schemas.find((s) => s.name === 'locked').missing.has('USAGE'));
  assert.equal(schemas.find((s) => s.name === 'public').problem, false);
  const seqs = buildSequenceRows(access, verdict);
  assert.equal(seqs[0].severity, 'warning');
  assert.equal(hasPriv(seqs[0], 'SELECT'), true);
  assert.equal(hasPriv(seqs[0], 'USAGE'), false);
  assert.equal(seqs[0].owned_by, 'public.orders.id');
  const fns = buildFunctionRows(access, verdict);
  assert.ok(fns[0].missing.has('EXECUTE'));
  assert.equal(indexProblems(verdict).relation.size, 2);
});

test('filter by words and by "only problems"; sort by privilege and name', () => {
  const rows = buildRelationRows(access, verdict);
  assert.deepEqual(filterRows(rows, { text: 'ORD' }).map((r) => r.name), ['orders', 'v_orders']);
  assert.deepEqual(filterRows(rows, { text: 'public view' }).map((r) => r.name), ['v_orders']);
  assert.deepEqual(filterRows(rows, { onlyProblems: true }).map((r) => r.name), ['orders', '<img src=x onerror=alert(1)>']);
  assert.equal(filterRows(rows, {}), rows, 'no filter: the same array, no copy');
  assert.deepEqual(sortRows(rows, 'INSERT', 'desc').map((r) => r.name)[0], 'users');
  assert.deepEqual(sortRows(rows, 'name', 'asc').map((r) => r.name), ['<img src=x onerror=alert(1)>', 'orders', 'users', 'v_orders']);
  assert.deepEqual(sortRows(rows, 'name', 'desc').map((r) => r.name)[0], 'v_orders');
});

test('100,000 relations: build, filter and sort are correct (their speed is measured by bench/app)', () => {
  const N = 100000;
  const relations = new Array(N);
  const problems = [];
  for (let i = 0; i < N; i += 1) {
    const schema = `s${i % 20}`;
    const name = `table_${String(i).padStart(6, '0')}`;
    const privileges = i % 3 === 0 ? ['SELECT'] : ['SELECT', 'INSERT', 'UPDATE'];
    relations[i] = relation(schema, name, privileges);
    if (i % 3 === 0) problems.push({ severity: 'error', object_type: 'table', schema, name, missing: ['INSERT', 'UPDATE'], reason: 'x' });
  }
  const rows = buildRelationRows(compact({ relations }), { job: 'destination', ready: false, problems });
  const some = filterRows(rows, { text: 'table_0421' });
  const bad = filterRows(rows, { onlyProblems: true, text: 's7 ' });
  const sorted = sortRows(some, 'name', 'desc');
  assert.equal(rows.length, N);
  assert.equal(some.length, 100); // table_042100 .. table_042199
  assert.ok(some.every((r) => r.name.startsWith('table_0421')));
  assert.ok(bad.every((r) => r.problem && r.schema === 's7'));
  assert.equal(bad.length, rows.filter((r) => r.problem && r.schema === 's7').length);
  assert.equal(sorted[0].name, 'table_042199');
  const all = sortRows(rows, 'INSERT', 'asc');
  assert.equal(hasPriv(all[0], 'INSERT'), false);
  assert.equal(hasPriv(all.at(-1), 'INSERT'), true);
});
