// The permission grid's data, DOM-free: rows for the Tables, Schemas,
// Sequences and Functions tabs built from the access analysis, which cells
// the job needs but lacks (from the verdict's problems: the rules live in
// Rust only), filtering and sorting.
// Sized for 100,000 relations: one pass to build, a precomputed lowercase
// search key per row, no per-row closures.

export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
export const HIDDEN_BY_DEFAULT = ['REFERENCES', 'TRIGGER'];
export const SEQUENCE_PRIVILEGES = ['USAGE', 'SELECT', 'UPDATE'];

const RELATION_TYPES = new Set(['table', 'relation', 'partitioned_table', 'view', 'materialized_view', 'foreign_table']);

export const KIND_LABELS = {
  table: 'table',
  partitioned_table: 'partitioned',
  view: 'view',
  materialized_view: 'mat. view',
  foreign_table: 'foreign',
};

function key(schema, name, args) {
  return args == null ? `${schema}\u0000${name}` : `${schema}\u0000${name}\u0000${args}`;
}

/** Indexes the verdict's problems by object: Map<type, Map<key, {missing:Set, severity, reasons}>>. */
export function indexProblems(verdict) {
  const idx = { relation: new Map(), schema: new Map(), sequence: new Map(), function: new Map() };
  for (const p of (verdict && verdict.problems) || []) {
    const type = String(p.object_type || '').toLowerCase();
    let bucket;
    let k;
    if (type === 'schema') {
      bucket = idx.schema;
      k = p.name != null ? p.name : p.schema;
    } else if (type === 'sequence') {
      bucket = idx.sequence;
      k = key(p.schema, p.name);
    } else if (type === 'function' || type === 'procedure') {
      // Overloads share a name: the identity arguments tell them apart.
      bucket = idx.function;
      k = key(p.schema, p.name, p.identity_args || '');
    } else if (RELATION_TYPES.has(type) || (p.schema != null && p.name != null)) {
      bucket = idx.relation;
      k = key(p.schema, p.name);
    } else {
      continue;
    }
    let entry = bucket.get(k);
    if (!entry) {
      entry = { missing: new Set(), severity: p.severity || 'error', reasons: [] };
      bucket.set(k, entry);
    }
    for (const m of p.missing || []) entry.missing.add(String(m).toUpperCase());
    if (p.reason) entry.reasons.push(p.reason);
    if (rank(p.severity) > rank(entry.severity)) entry.severity = p.severity;
  }
  return idx;
}

/** Errors and warnings make a row a problem; info notes only explain. */
export function isProblem(severity) {
  return severity === 'error' || severity === 'warning';
}

function rank(sev) {
  return sev === 'error' ? 3 : sev === 'warning' ? 2 : sev === 'info' ? 1 : 0;
}

/**
 * Table rows: { schema, name, kind, privs: {SELECT: bool, ...}, rls,
 * column_only, missing: Set (required but not granted), severity, problem,
 * reasons, search }.
 */
export function buildRelationRows(access, verdict) {
  const rels = (access && access.relations) || [];
  const problems = indexProblems(verdict).relation;
  const rows = new Array(rels.length);
  for (let i = 0; i < rels.length; i += 1) {
    const r = rels[i];
    const granted = new Set((r.privileges || []).map((p) => String(p).toUpperCase()));
    const privs = {};
    for (const p of TABLE_PRIVILEGES) privs[p] = granted.has(p);
    const entry = problems.get(key(r.schema, r.name));
    const missing = entry ? entry.missing : new Set();
    const severity = entry ? entry.severity : null;
    const reasons = entry ? entry.reasons : [];
    rows[i] = {
      schema: r.schema,
      name: r.name,
      kind: r.kind,
      privs,
      rls: !!r.rls,
      column_only: !!r.column_only,
      missing,
      severity,
      problem: isProblem(severity),
      reasons,
      search: `${r.schema}.${r.name} ${r.kind}`.toLowerCase(),
    };
  }
  return rows;
}

export function buildSchemaRows(access, verdict) {
  const problems = indexProblems(verdict).schema;
  return ((access && access.schemas) || []).map((s) => {
    const entry = problems.get(s.name);
    return {
      name: s.name,
      usage: !!s.usage,
      create: !!s.create,
      missing: entry ? entry.missing : new Set(),
      severity: entry ? entry.severity : null,
      problem: !!entry && isProblem(entry.severity),
      reasons: entry ? entry.reasons : [],
      search: String(s.name).toLowerCase(),
    };
  });
}

export function buildSequenceRows(access, verdict) {
  const problems = indexProblems(verdict).sequence;
  return ((access && access.sequences) || []).map((s) => {
    const granted = new Set((s.privileges || []).map((p) => String(p).toUpperCase()));
    const entry = problems.get(key(s.schema, s.name));
    return {
      schema: s.schema,
      name: s.name,
      privs: Object.fromEntries(SEQUENCE_PRIVILEGES.map((p) => [p, granted.has(p)])),
      owned_by: s.owned_by || '',
      missing: entry ? entry.missing : new Set(),
      severity: entry ? entry.severity : null,
      problem: !!entry && isProblem(entry.severity),
      reasons: entry ? entry.reasons : [],
      search: `${s.schema}.${s.name} ${s.owned_by || ''}`.toLowerCase(),
    };
  });
}

export function buildFunctionRows(access, verdict) {
  const problems = indexProblems(verdict).function;
  return ((access && access.functions) || []).map((f) => {
    const entry = problems.get(key(f.schema, f.name, f.identity_args || ''));
    return {
      schema: f.schema,
      name: f.name,
      args: f.identity_args || '',
      kind: f.kind || 'function',
      execute: !!f.execute,
      missing: entry ? entry.missing : new Set(),
      severity: entry ? entry.severity : null,
      problem: !!entry && isProblem(entry.severity),
      reasons: entry ? entry.reasons : [],
      search: `${f.schema}.${f.name}(${f.identity_args || ''})`.toLowerCase(),
    };
  });
}

/** Rows whose schema.name contains every word of `text`, optionally only problem rows. */
export function filterRows(rows, { text = '', onlyProblems = false } = {}) {
  const words = String(text).toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length && !onlyProblems) return rows;
  const out = [];
  for (let i = 0; i < rows.length; i += 1) {
    const r = rows[i];
    if (onlyProblems && !r.problem) continue;
    let ok = true;
    for (let w = 0; w < words.length; w += 1) {
      if (!r.search.includes(words[w])) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(r);
  }
  return out;
}

/** The sort value of a row for a column key: text, or 1/0 for privileges and flags. */
export function sortValue(row, col) {
  if (row.privs && Object.prototype.hasOwnProperty.call(row.privs, col)) return row.privs[col] ? 1 : 0;
  const v = row[col];
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Set) return v.size;
  return v == null ? '' : v;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** A new array sorted by `col` (ties by schema, then name); stable. */
export function sortRows(rows, col, dir = 'asc') {
  if (!col) return rows;
  const sign = dir === 'desc' ? -1 : 1;
  const tie = (a, b) => collator.compare(a.schema || '', b.schema || '') || collator.compare(a.name || '', b.name || '');
  const out = rows.slice();
  out.sort((a, b) => {
    const va = sortValue(a, col);
    const vb = sortValue(b, col);
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : collator.compare(String(va), String(vb));
    return c !== 0 ? c * sign : tie(a, b);
  });
  return out;
}

/** Counts for the tab labels and the summary. */
export function countProblems(rows) {
  let n = 0;
  for (const r of rows) if (r.problem) n += 1;
  return n;
}
