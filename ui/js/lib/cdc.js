// Change data capture in the permissions dialog, DOM-free: the
// `replication` object of a source's access (crates/core/src/access/
// replication.rs: server, role, publication, slot, tables, connection) as
// the lines of text the dialog shows, and the rows of its table of the
// tables in scope. Nothing here judges: what is a problem is the verdict's
// (access/cdc.rs), and a fact group or a row is marked from the verdict's
// problems about it. Every string from the server stays text.
import { indexProblems, isProblem } from './permissions.js';
import { plural, formatMs, stageLabel } from './format.js';
import { providerOf } from './vocabulary.js';

const SEVERITY_RANK = { error: 3, warning: 2, info: 1 };

/** The worst severity of `problems` ('error', 'warning', 'info'), or null. */
function worst(problems) {
  let best = null;
  for (const p of problems) {
    const sev = p.severity || 'error';
    if (!best || (SEVERITY_RANK[sev] || 0) > (SEVERITY_RANK[best] || 0)) best = sev;
  }
  return best;
}

/** The verdict's problems by object type ({server: [...], role: [...], ...}). */
function problemsByType(verdict) {
  const out = {};
  for (const p of (verdict && verdict.problems) || []) (out[String(p.object_type || '')] ||= []).push(p);
  return out;
}

/** "1 of 10 used (9 free)" for a count against its limit. */
function usage(used, max, word) {
  const free = Math.max(0, (max || 0) - (used || 0));
  return `${(used || 0).toLocaleString('en-US')} of ${(max || 0).toLocaleString('en-US')} ${word} (${free.toLocaleString('en-US')} free)`;
}

/** Bytes as people read them: "512 kB", "48 MB", "3.2 GB". */
export function formatBytes(bytes) {
  const b = Number(bytes);
  if (!Number.isFinite(b)) return '';
  if (b < 0) return `${formatBytes(-b)} past the limit`;
  if (b < 1024 * 1024) return `${Math.round(b / 1024).toLocaleString('en-US')} kB`;
  if (b < 1024 ** 3) return `${Math.round(b / 1024 ** 2).toLocaleString('en-US')} MB`;
  return `${(b / 1024 ** 3).toFixed(1)} GB`;
}

function serverFacts(s, report, vocabulary) {
  const parts = [`wal_level ${s.wal_level || '?'}`];
  if (s.effective_wal_level && s.effective_wal_level !== s.wal_level) parts[0] += ` (effective_wal_level ${s.effective_wal_level})`;
  parts.push(`replication slots: ${usage(s.slots_used, s.max_replication_slots, 'used')}`);
  parts.push(`WAL senders: ${usage(s.wal_senders, s.max_wal_senders, 'busy')}`);
  if (s.platform) parts.push(`${providerOf(vocabulary, s.platform).label}${s.platform_setting != null ? `, its logical replication setting reads ${s.platform_setting}` : ''}`);
  if (report && report.server && report.server.in_recovery) parts.push(`a standby, hot_standby_feedback ${s.hot_standby_feedback ? 'on' : 'off'}`);
  return parts;
}

function roleFacts(r) {
  const parts = [];
  if (r.superuser) parts.push('superuser (may open a replication connection)');
  parts.push(r.replication ? 'REPLICATION: yes' : 'REPLICATION: no');
  if (r.replication_groups && r.replication_groups.length) {
    parts.push(`not inherited from ${r.replication_groups.join(', ')}, which ${r.replication_groups.length === 1 ? 'has' : 'have'} it (REPLICATION is the role's own attribute)`);
  }
  if (r.rds_replication != null) parts.push(r.rds_replication ? 'member of rds_replication' : 'not a member of rds_replication');
  parts.push(r.create_on_database ? 'may create a publication (CREATE on the database)' : 'no CREATE on the database (cannot create a publication)');
  return parts;
}

/** How many of the tables in scope the publication covers: "2 of 3 tables in scope published". */
export function publishedCount(tables) {
  const known = (tables || []).filter((t) => t.published != null);
  const yes = known.filter((t) => t.published).length;
  return { published: yes, of: known.length };
}

function publicationFacts(p, tables) {
  if (!p) return ['none named: the job needs one, name it in the connection\u2019s options to have it checked'];
  if (!p.exists) return [`${p.name} does not exist`];
  // The operations it publishes, by their names in the publication's row (insert, update, delete, truncate).
  const { insert, update, delete: del, truncate } = p;
  const ops = Object.entries({ insert, update, delete: del, truncate }).filter(([, on]) => on).map(([op]) => op);
  const parts = [`${p.name}: ${p.all_tables ? 'all tables' : 'listed tables'}, ${ops.length ? `publishes ${ops.join(', ')}` : 'publishes no change'}`];
  const { published, of } = publishedCount(tables);
  parts.push(`${published.toLocaleString('en-US')} of ${plural(of, 'table')} in scope published`);
  if (p.via_root) parts.push('via the partition root');
  parts.push(p.owned ? 'this role owns it' : 'owned by another role');
  return parts;
}

function slotFacts(s) {
  if (!s) return ['none named: the job creates its own'];
  if (!s.exists) return [`${s.name} does not exist yet: the job creates it when it starts`];
  const parts = [`${s.name}: ${[s.slot_type, s.plugin].filter(Boolean).join(', ') || 'exists'}${s.database ? `, database ${s.database}` : ''}`];
  parts.push(s.active ? `in use${s.active_pid != null ? ` by PID ${s.active_pid}` : ''}` : 'not in use');
  if (s.invalidation) parts.push(`invalidated (${s.invalidation})`);
  if (s.wal_status) parts.push(`WAL ${s.wal_status}`);
  if (s.safe_wal_size != null) parts.push(`${formatBytes(s.safe_wal_size)} of WAL before it is lost`);
  return parts;
}

function connectionFacts(c, report, stages) {
  if (c) {
    return [`system ${c.system_id}`, `timeline ${c.timeline}`, `WAL at ${c.wal_position}`, ...(c.database ? [`database ${c.database}`] : []), ...(c.ms != null ? [formatMs(c.ms)] : [])];
  }
  const e = report && report.error;
  if (e) return [`not opened: the test failed at ${stageLabel(stages, e.stage)}: ${e.message || e.code || 'error'}`];
  return ['not opened'];
}

/** The statements that fix `problems` (ALTER ROLE ..., ALTER PUBLICATION ...), each once. */
function statementsOf(problems) {
  return [...new Set(problems.map((p) => p.statement).filter(Boolean))];
}

/**
 * The fact groups of the CDC tab: [{ id, term, parts: [text], severity,
 * statements }], `severity` the worst of the verdict's problems about that
 * group (null when none), `statements` the ones that fix them. options:
 * { report, verdict, vocabulary }.
 */
export function cdcFacts(replication, { report = {}, verdict = null, vocabulary = null } = {}) {
  const r = replication || {};
  const stages = (vocabulary && vocabulary.stages) || [];
  const role = r.role || {};
  const about = problemsByType(verdict);
  const groups = {
    server: { term: 'Server', parts: serverFacts(r.server || {}, report, vocabulary), severity: worst(about.server || []) },
    role: { term: role.name ? `Login role ${role.name}` : 'Login role', parts: roleFacts(role), severity: worst(about.role || []) },
    publication: { term: 'Publication', parts: publicationFacts(r.publication, r.tables), severity: worst(about.publication || []) },
    slot: { term: 'Replication slot', parts: slotFacts(r.slot), severity: worst(about.replication_slot || []) },
    connection: { term: 'Replication connection', parts: connectionFacts(r.connection, report, stages), severity: r.connection || !(report && report.error) ? null : 'error' },
  };
  // The problems about each group, by the group's object type.
  const problemsOf = { server: about.server, role: about.role, publication: about.publication, slot: about.replication_slot };
  return Object.entries(groups).map(([id, g]) => ({ id, ...g, statements: statementsOf(problemsOf[id] || []) }));
}

/** The replica identity as a fact: "default (primary key)", "default, no primary key", "nothing", "full", "index". */
export function identityText(t) {
  const ri = t.replica_identity || 'default';
  if (ri === 'default') return t.has_primary_key ? 'default (primary key)' : 'default, no primary key';
  return ri;
}

/** What the publication does to a table's changes: its row filter, its column list. */
function publicationNotes(t) {
  const notes = [];
  if (t.row_filter) notes.push(`rows WHERE ${t.row_filter}`);
  if (t.columns) notes.push(`columns ${t.columns.join(', ')}`);
  return notes;
}

/**
 * The CDC tab's rows, one per table in scope: { schema, name, kind
 * ('table', 'partitioned', 'partition'), identity, identity_index,
 * published (true, false, or null: no publication named), notes, owned,
 * missing (empty: no GRANT fixes these), severity, problem, reasons } with
 * the verdict's problems about the table.
 */
export function buildCdcRows(replication, verdict) {
  const problems = indexProblems(verdict).relation;
  return ((replication && replication.tables) || []).map((t) => {
    const entry = problems.get(`${t.schema}\u0000${t.name}`);
    return {
      schema: t.schema,
      name: t.name,
      kind: t.partitioned ? 'partitioned' : t.partition ? 'partition' : 'table',
      identity: identityText(t),
      identity_index: t.identity_index || '',
      published: t.published == null ? null : !!t.published,
      notes: publicationNotes(t),
      owned: !!t.owned,
      missing: new Set(),
      severity: entry ? entry.severity : null,
      problem: !!entry && isProblem(entry.severity),
      reasons: entry ? entry.reasons : [],
      search: undefined,
    };
  });
}
