import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRelationRows, buildSchemaRows, buildSequenceRows, buildFunctionRows, filterRows, sortRows, indexProblems, requiredFor, countProblems } from '../../ui/js/lib/permissions.js';

function relation(schema, name, privileges, kind = 'table', extra = {}) {
  return { schema, name, kind, privileges, rls: false, column_only: false, ...extra };
}

const access = {
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
};

const verdict = {
  role: 'writer', job: 'destination', ready: false,
  problems: [
    { severity: 'error', object_type: 'table', schema: 'public', name: 'orders', missing: ['INSERT', 'UPDATE'], reason: 'cannot write rows' },
    { severity: 'error', object_type: 'table', schema: 'locked', name: '<img src=x onerror=alert(1)>', missing: ['INSERT', 'UPDATE', 'TRUNCATE'], reason: 'no privileges' },
    { severity: 'error', object_type: 'schema', schema: 'locked', name: 'locked', missing: ['USAGE'], reason: 'cannot reach the schema' },
    { severity: 'warning', object_type: 'sequence', schema: 'public', name: 'orders_id_seq', missing: ['USAGE'], reason: 'nextval() default' },
    { severity: 'error', object_type: 'function', schema: 'public', name: 'touch', missing: ['EXECUTE'], reason: 'used by a CHECK' },
  ],
  fix_sql: 'GRANT INSERT, UPDATE ON public.orders TO writer;',
};

test('privilege cells show what is granted; the verdict decides what is highlighted', () => {
  const rows = buildRelationRows(access, verdict, { job: 'destination' });
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.equal(byName.users.privs.SELECT, true);
  assert.equal(byName.users.privs.DELETE, false);
  assert.equal(byName.users.problem, false);
  assert.deepEqual([...byName.orders.missing].sort(), ['INSERT', 'UPDATE']);
  assert.equal(byName.orders.severity, 'error');
  assert.equal(byName.v_orders.missing.size, 0, 'views are not required for a destination');
  const hostile = byName['<img src=x onerror=alert(1)>'];
  assert.ok(hostile.missing.has('TRUNCATE'));
  assert.equal(hostile.rls, true);
  assert.equal(countProblems(rows), 2);
});

test('without a verdict the job rule decides: source needs SELECT everywhere', () => {
  const rows = buildRelationRows(access, null, { job: 'source' });
  assert.deepEqual(rows.filter((r) => r.problem).map((r) => r.name), ['<img src=x onerror=alert(1)>']);
  assert.deepEqual(requiredFor('destination', 'table', { truncate: true }), ['INSERT', 'UPDATE', 'TRUNCATE']);
  assert.deepEqual(requiredFor('destination', 'view'), []);
  assert.deepEqual(requiredFor('destination', 'partitioned_table'), ['INSERT', 'UPDATE']);
  const dest = buildRelationRows(access, null, { job: 'destination', truncate: true });
  assert.deepEqual([...dest.find((r) => r.name === 'users').missing], ['TRUNCATE']);
});

test('schemas, sequences and functions get their problems too', () => {
  const schemas = buildSchemaRows(access, verdict);
  assert.ok(schemas.find((s) => s.name === 'locked').missing.has('USAGE'));
  assert.equal(schemas.find((s) => s.name === 'public').problem, false);
  const seqs = buildSequenceRows(access, verdict);
  assert.equal(seqs[0].severity, 'warning');
  assert.equal(seqs[0].privs.SELECT, true);
  assert.equal(seqs[0].privs.USAGE, false);
  const fns = buildFunctionRows(access, verdict);
  assert.ok(fns[0].missing.has('EXECUTE'));
  assert.equal(indexProblems(verdict).relation.size, 2);
});

test('filter by words and by "only problems"; sort by privilege and name', () => {
  const rows = buildRelationRows(access, verdict, { job: 'destination' });
  assert.deepEqual(filterRows(rows, { text: 'ORD' }).map((r) => r.name), ['orders', 'v_orders']);
  assert.deepEqual(filterRows(rows, { text: 'public view' }).map((r) => r.name), ['v_orders']);
  assert.deepEqual(filterRows(rows, { onlyProblems: true }).map((r) => r.name), ['orders', '<img src=x onerror=alert(1)>']);
  assert.equal(filterRows(rows, {}), rows, 'no filter: the same array, no copy');
  assert.deepEqual(sortRows(rows, 'INSERT', 'desc').map((r) => r.name)[0], 'users');
  assert.deepEqual(sortRows(rows, 'name', 'asc').map((r) => r.name), ['<img src=x onerror=alert(1)>', 'orders', 'users', 'v_orders']);
  assert.deepEqual(sortRows(rows, 'name', 'desc').map((r) => r.name)[0], 'v_orders');
});

test('100,000 relations: build, filter and sort stay fast', () => {
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
  const t0 = performance.now();
  const rows = buildRelationRows({ relations }, { job: 'destination', ready: false, problems }, { job: 'destination' });
  const t1 = performance.now();
  const some = filterRows(rows, { text: 'table_0421' });
  const t2 = performance.now();
  const bad = filterRows(rows, { onlyProblems: true, text: 's7 ' });
  const sorted = sortRows(some, 'name', 'desc');
  const t3 = performance.now();
  assert.equal(rows.length, N);
  assert.equal(some.length, 100); // table_042100 .. table_042199
  assert.ok(some.every((r) => r.name.startsWith('table_0421')));
  assert.ok(bad.every((r) => r.problem && r.schema === 's7'));
  assert.equal(bad.length, rows.filter((r) => r.problem && r.schema === 's7').length);
  assert.equal(sorted[0].name, 'table_042199');
  // Generous bounds: a slow CI machine still passes, a quadratic bug does not.
  assert.ok(t1 - t0 < 3000, `build ${t1 - t0} ms`);
  assert.ok(t2 - t1 < 500, `filter ${t2 - t1} ms`);
  assert.ok(t3 - t2 < 1500, `filter+sort ${t3 - t2} ms`);
  const t4 = performance.now();
  const all = sortRows(rows, 'INSERT', 'asc');
  assert.ok(performance.now() - t4 < 4000, 'sorting 100k rows');
  assert.equal(all[0].privs.INSERT, false);
});
