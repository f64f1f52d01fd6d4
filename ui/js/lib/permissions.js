// The permission grid's data, DOM-free: rows for the Tables, Schemas,
// Sequences and Functions tabs built from the access analysis, which cells
// the job needs but lacks (from the verdict's problems: the rules live in
// Rust only), filtering and sorting.
// Tables and sequences arrive column by column (access/compact.rs: names
// interned, privileges as bit sets with their legend); sized for 100,000
// relations: one pass to build, shared empty sets, a lowercase search key
// made per row on the first filter, no per-row closures.

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
 * The legend of a compact access (access/compact.rs): the mask of each
 * privilege word and the word of each kind code, as Rust sent them.
 */
function legendOf(access) {
  const masks = {};
  (access.privilege_bits || []).forEach((word, bit) => { masks[word] = 1 << bit; });
  return { masks, kinds: access.kinds || [], names: access.names || [] };
}

const NO_MISSING = new Set();
const NO_REASONS = [];

/** Whether a table or sequence row holds a privilege (its bit set, decoded with the legend it came with). */
export function hasPriv(row, p) {
  return (row.bits & (row.masks[p] || 0)) !== 0;
}

/** A row's lowercase search text, made on first use (a 100,000-row dialog paints before any is needed). */
function searchOf(r) {
  if (r.search === undefined) {
    r.search = r.args !== undefined
      ? `${r.schema}.${r.name}(${r.args})`.toLowerCase()
      : `${r.schema != null ? `${r.schema}.` : ''}${r.name}${r.kind !== undefined ? ` ${r.kind}` : ''}${r.owned_by ? ` ${r.owned_by}` : ''}`.toLowerCase();
  }
  return r.search;
}

/**
 * Table rows from the compact access the app receives: { schema, name,
 * kind, bits (see hasPriv), rls, column_only, missing: Set (required but not
 * granted), severity, problem, reasons }. One pass, no per-row Set or
 * closure: 100,000 rows build in a few milliseconds.
 */
export function buildRelationRows(access, verdict) {
  const rel = access && access.relations;
  const n = rel && rel.name ? rel.name.length : 0;
  const { masks, kinds, names } = legendOf(access || {});
  const problems = indexProblems(verdict).relation;
  const rows = new Array(n);
  for (let i = 0; i < n; i += 1) {
    const schema = names[rel.schema[i]];
    const name = rel.name[i];
    const entry = problems.size ? problems.get(key(schema, name)) : undefined;
    const flags = rel.flags[i];
    rows[i] = {
      schema,
      name,
      kind: kinds[rel.kind[i]],
      bits: rel.privileges[i],
      masks,
      rls: (flags & 1) !== 0,
      column_only: (flags & 2) !== 0,
      missing: entry ? entry.missing : NO_MISSING,
      severity: entry ? entry.severity : null,
      problem: entry ? isProblem(entry.severity) : false,
      reasons: entry ? entry.reasons : NO_REASONS,
      search: undefined,
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
      search: undefined,
    };
  });
}

export function buildSequenceRows(access, verdict) {
  const seq = access && access.sequences;
  const n = seq && seq.name ? seq.name.length : 0;
  const { masks, names } = legendOf(access || {});
  const problems = indexProblems(verdict).sequence;
  const rows = new Array(n);
  for (let i = 0; i < n; i += 1) {
    const schema = names[seq.schema[i]];
    const name = seq.name[i];
    const entry = problems.get(key(schema, name));
    rows[i] = {
      schema,
      name,
      bits: seq.privileges[i],
      masks,
      owned_by: seq.owned_by[i] || '',
      identity: (seq.flags[i] & 1) !== 0,
      missing: entry ? entry.missing : NO_MISSING,
      severity: entry ? entry.severity : null,
      problem: !!entry && isProblem(entry.severity),
      reasons: entry ? entry.reasons : NO_REASONS,
      search: undefined,
    };
  }
  return rows;
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
      search: undefined,
    };
  });
}

/**
 * Makes the rows' search texts ahead of the first filter, a chunk per task
 * so that the page stays responsive; returns a function that stops it.
 * filterRows makes any still missing itself, so this only saves time.
 */
export function prepareSearch(rows, { chunk = 8000, schedule = (fn) => setTimeout(fn, 0) } = {}) {
  let i = 0;
  let stopped = false;
  const step = () => {
    if (stopped) return;
    const end = Math.min(rows.length, i + chunk);
    for (; i < end; i += 1) searchOf(rows[i]);
    if (i < rows.length) schedule(step);
  };
  schedule(step);
  return () => {
    stopped = true;
  };
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
      if (!searchOf(r).includes(words[w])) {
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
  if (row.masks && Object.prototype.hasOwnProperty.call(row.masks, col)) return hasPriv(row, col) ? 1 : 0;
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
