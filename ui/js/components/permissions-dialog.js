// The permissions dialog: the verdict for the job ("Ready as source" / "Not
// ready as destination: 3 problems") with its problems (folded when many,
// or on a short window; a problem no GRANT fixes shows the statement that
// does, to copy), then what the role can reach, tab by tab (Tables,
// Schemas, Sequences, Functions, and Change data capture when the test read
// a source's CDC readiness: components/cdc-view.js), in a virtualized table
// with a filter, sortable columns, "only problems", the fix SQL (preview +
// copy) and CSV export. A cell is ✓ granted, ✕ missing for the job (the
// verdict says which: the rules live in Rust only), or a neutral – not
// granted and not needed. Every database string is text.
import * as api from '../api.js';
import { h, setText, replace, uniqueId } from '../lib/dom.js';
import { verdictHeadline, successBanner, plural } from '../lib/format.js';
import {
  TABLE_PRIVILEGES, HIDDEN_BY_DEFAULT, SEQUENCE_PRIVILEGES, KIND_LABELS,
  buildRelationRows, buildSchemaRows, buildSequenceRows, buildFunctionRows,
  filterRows, sortRows, countProblems, hasPriv, prepareSearch,
} from '../lib/permissions.js';
import { toCsv, csvFileName, downloadText } from '../lib/csv.js';
import { createVirtualTable } from './virtual-table.js';
import { CDC_TAB, createCdcFacts } from './cdc-view.js';
import { openDialog } from './dialog.js';
import { toast, announce } from './live.js';

const SEVERITY_ICON = { error: '\u2715', warning: '\u26A0', info: '\u2139' };
const PROBLEMS_SHOWN = 200;

/** ✓ granted; ✕ not granted and the job needs it (the verdict's problem); – not granted, not needed. */
function boolCell(granted, missing, word) {
  if (granted) return { text: '\u2713', cls: 'priv yes', label: `${word} granted` };
  if (missing) return { text: '\u2715', cls: 'priv no required-missing', label: `${word} not granted, needed for this job` };
  return { text: '\u2013', cls: 'priv none', label: `${word} not granted, not needed for this job` };
}

function privCell(row, p) {
  return boolCell(hasPriv(row, p), row.missing.has(p), p);
}

function tableColumns(showMore) {
  const privs = TABLE_PRIVILEGES.filter((p) => showMore || !HIDDEN_BY_DEFAULT.includes(p));
  return [
    { key: 'schema', label: 'Schema', width: 'minmax(90px, 1fr)', cell: (r) => r.schema },
    { key: 'name', label: 'Name', width: 'minmax(160px, 2.2fr)', cell: (r) => ({ text: r.name, cls: 'obj-name', title: r.reasons.length ? `${r.name}\n${r.reasons.join('\n')}` : r.name }) },
    { key: 'kind', label: 'Kind', width: '96px', cell: (r) => KIND_LABELS[r.kind] || r.kind },
    ...privs.map((p) => ({ key: p, label: p[0] + p.slice(1).toLowerCase(), title: p, width: p === 'REFERENCES' || p === 'TRUNCATE' ? '92px' : '78px', align: 'center', cell: (r) => privCell(r, p) })),
    { key: 'flags', label: 'Flags', width: '120px', sortable: false, cell: (r) => ({ text: [r.rls ? 'RLS' : '', r.column_only ? 'column-only' : ''].filter(Boolean).join(' \u00B7 '), cls: 'flags', title: [r.rls ? 'Row level security applies to this role: it sees only rows its policies allow.' : '', r.column_only ? 'Some privileges are granted on some columns only.' : ''].filter(Boolean).join('\n') }) },
  ];
}

const TABS = {
  tables: {
    label: 'Tables',
    build: (access, verdict) => buildRelationRows(access, verdict),
    columns: tableColumns,
    csv: () => [
      { label: 'schema', value: (r) => r.schema },
      { label: 'name', value: (r) => r.name },
      { label: 'kind', value: (r) => r.kind },
      ...TABLE_PRIVILEGES.map((p) => ({ label: p.toLowerCase(), value: (r) => (hasPriv(r, p) ? 'yes' : 'no') })),
      { label: 'rls', value: (r) => (r.rls ? 'yes' : 'no') },
      { label: 'column_only', value: (r) => (r.column_only ? 'yes' : 'no') },
      { label: 'missing_for_job', value: (r) => [...r.missing].join(' ') },
    ],
  },
  schemas: {
    label: 'Schemas',
    build: (access, verdict) => buildSchemaRows(access, verdict),
    columns: () => [
      { key: 'name', label: 'Schema', width: 'minmax(200px, 3fr)', cell: (r) => ({ text: r.name, cls: 'obj-name' }) },
      { key: 'usage', label: 'Usage', width: '90px', align: 'center', cell: (r) => boolCell(r.usage, r.missing.has('USAGE'), 'USAGE') },
      { key: 'create', label: 'Create', width: '90px', align: 'center', cell: (r) => boolCell(r.create, r.missing.has('CREATE'), 'CREATE') },
      { key: 'reason', label: 'Note', width: 'minmax(160px, 3fr)', sortable: false, cell: (r) => r.reasons.join(' ') },
    ],
    csv: () => [
      { label: 'schema', value: (r) => r.name },
      { label: 'usage', value: (r) => (r.usage ? 'yes' : 'no') },
      { label: 'create', value: (r) => (r.create ? 'yes' : 'no') },
      { label: 'missing_for_job', value: (r) => [...r.missing].join(' ') },
    ],
  },
  sequences: {
    label: 'Sequences',
    build: (access, verdict) => buildSequenceRows(access, verdict),
    columns: () => [
      { key: 'schema', label: 'Schema', width: 'minmax(90px, 1fr)', cell: (r) => r.schema },
      { key: 'name', label: 'Name', width: 'minmax(160px, 2fr)', cell: (r) => ({ text: r.name, cls: 'obj-name' }) },
      ...SEQUENCE_PRIVILEGES.map((p) => ({ key: p, label: p[0] + p.slice(1).toLowerCase(), width: '78px', align: 'center', cell: (r) => privCell(r, p) })),
      { key: 'owned_by', label: 'Owned by', width: 'minmax(140px, 2fr)', cell: (r) => r.owned_by },
    ],
    csv: () => [
      { label: 'schema', value: (r) => r.schema },
      { label: 'name', value: (r) => r.name },
      ...SEQUENCE_PRIVILEGES.map((p) => ({ label: p.toLowerCase(), value: (r) => (hasPriv(r, p) ? 'yes' : 'no') })),
      { label: 'owned_by', value: (r) => r.owned_by },
      { label: 'missing_for_job', value: (r) => [...r.missing].join(' ') },
    ],
  },
  functions: {
    label: 'Functions',
    build: (access, verdict) => buildFunctionRows(access, verdict),
    columns: () => [
      { key: 'schema', label: 'Schema', width: 'minmax(90px, 1fr)', cell: (r) => r.schema },
      { key: 'name', label: 'Name', width: 'minmax(140px, 2fr)', cell: (r) => ({ text: r.name, cls: 'obj-name' }) },
      { key: 'args', label: 'Arguments', width: 'minmax(140px, 2fr)', cell: (r) => r.args },
      { key: 'kind', label: 'Kind', width: '96px', cell: (r) => r.kind },
      { key: 'execute', label: 'Execute', width: '84px', align: 'center', cell: (r) => boolCell(r.execute, r.missing.has('EXECUTE'), 'EXECUTE') },
    ],
    csv: () => [
      { label: 'schema', value: (r) => r.schema },
      { label: 'name', value: (r) => r.name },
      { label: 'arguments', value: (r) => r.args },
      { label: 'kind', value: (r) => r.kind },
      { label: 'execute', value: (r) => (r.execute ? 'yes' : 'no') },
    ],
  },
};

/** The tabs of `access`: the four, and Change data capture when the analysis read it. */
function tabsOf(access) {
  return access.replication ? { ...TABS, cdc: CDC_TAB } : TABS;
}

/** ✓ granted · ✕ missing for this job · – not granted, not needed (a tab may have its own words). */
function legendOf(tab) {
  if (tab.legend) return tab.legend();
  return [h('span', { class: 'priv yes', text: '\u2713' }), ' granted \u00B7 ', h('span', { class: 'priv no required-missing', text: '\u2715' }), ' missing for this job \u00B7 ', h('span', { class: 'priv none', text: '\u2013' }), ' not granted, not needed'];
}

/** What a problem is about, in words: "table app.orders", "replication slot s", "server". */
function problemObject(p) {
  const type = String(p.object_type || '');
  const object = type === 'schema' || type === 'database'
    ? (p.name || p.schema || '')
    : [p.schema, p.name].filter((x) => x != null && x !== '').join('.');
  return { word: type.replace(/_/g, ' '), object: object || (type === 'server' || type === 'role' ? '' : '(database)') };
}

/** The statement that fixes a problem no GRANT can (ALTER ROLE, ALTER PUBLICATION, ALTER TABLE ... REPLICA IDENTITY), with a copy button. */
function statementRow(statement) {
  const copy = h('button', {
    type: 'button', class: 'btn btn-small btn-copy', 'data-testid': 'copy-statement', text: 'Copy', 'aria-label': 'Copy the statement',
    on: { click: async () => { const ok = await api.copyText(statement); toast(ok ? 'Statement copied to the clipboard' : 'Could not use the clipboard', { kind: ok ? 'info' : 'error' }); } },
  });
  return h('div', { class: 'problem-statement' }, h('code', { class: 'statement', 'data-testid': 'problem-statement', tabindex: '0', text: statement }), copy);
}

function problemItem(p) {
  const sev = p.severity || 'error';
  const { word, object } = problemObject(p);
  return h(
    'li',
    { class: ['problem', `sev-${sev}`], 'data-testid': 'problem', dataset: { type: p.object_type || '' } },
    h('span', { class: 'problem-icon', 'aria-hidden': 'true', text: SEVERITY_ICON[sev] || '\u2022' }),
    h('span', { class: 'visually-hidden', text: `${sev}: ` }),
    h('span', { class: 'problem-object' }, word ? h('span', { class: 'problem-type', text: object ? `${word} ` : word }) : null, object ? h('code', { text: object }) : null),
    p.missing && p.missing.length ? h('span', { class: 'problem-missing', text: `missing ${p.missing.join(', ')}` }) : null,
    p.reason ? h('span', { class: 'problem-reason', text: p.reason }) : null,
    p.statement ? statementRow(p.statement) : null,
  );
}

/** The verdict's headline, and what the test connected to. */
function verdictHeader(report, access, verdict, host) {
  const ready = verdict ? verdict.ready : true;
  const headline = verdict ? verdictHeadline(verdict) : `Access of ${access.role || 'this role'}`;
  return h('div', { class: ['verdict', ready ? 'ready' : 'not-ready'], 'data-testid': 'verdict' },
    h('p', { class: 'verdict-headline' }, h('span', { class: 'verdict-icon', 'aria-hidden': 'true', text: ready ? '\u2713' : '\u26A0' }), h('span', { 'data-testid': 'verdict-headline', text: headline })),
    h('p', { class: 'verdict-sub', text: `${report.server ? successBanner(report, host) : ''}${access.role ? ` \u00B7 role ${access.role}` : ''}${access.superuser ? ' (superuser)' : ''}` }));
}

/**
 * The problems, errors first, then warnings, then info notes (stable within
 * each), in a fold: open when they are few and the window is tall enough to
 * leave the table room.
 */
function problemPanel(verdict) {
  const order = { error: 0, warning: 1, info: 2 };
  const problems = ((verdict && verdict.problems) || []).map((p, i) => [p, i]).sort((a, b) => ((order[a[0].severity] ?? 3) - (order[b[0].severity] ?? 3)) || a[1] - b[1]).map(([p]) => p);
  if (!problems.length) return null;
  const errors = problems.filter((p) => p.severity === 'error').length;
  const open = problems.length <= 6 && window.innerHeight >= 720;
  return h('details', { class: 'problems-panel', open, 'data-testid': 'problems-panel' },
    h('summary', { text: `${plural(problems.length, 'problem')}${errors && errors < problems.length ? ` (${errors} blocking)` : ''}` }),
    h('ul', { class: 'problems', 'data-testid': 'problem-list', 'aria-label': 'Problems' },
      problems.slice(0, PROBLEMS_SHOWN).map(problemItem),
      problems.length > PROBLEMS_SHOWN ? h('li', { class: 'problem more', text: `\u2026 and ${(problems.length - PROBLEMS_SHOWN).toLocaleString('en-US')} more: tick \u201COnly problems\u201D to see them all in the table.` }) : null));
}

/** The fix SQL's fold with its copy button beside it; none when there is nothing to grant. */
function fixSqlRow(verdict) {
  const fixSql = (verdict && verdict.fix_sql) || '';
  if (!fixSql) return null;
  const panel = h('details', { class: 'fix-sql-panel', 'data-testid': 'fix-sql-panel' },
    h('summary', { text: 'Fix SQL preview (run as the table owner or an admin)' }),
    h('pre', { class: 'fix-sql', 'data-testid': 'fix-sql', tabindex: '0', text: fixSql }));
  const copy = h('button', {
    type: 'button', class: 'btn btn-small', 'data-testid': 'copy-fix-sql', text: 'Copy fix SQL',
    on: { click: async () => { panel.open = true; const ok = await api.copyText(fixSql); toast(ok ? 'Fix SQL copied to the clipboard' : 'Could not use the clipboard', { kind: ok ? 'info' : 'error' }); } },
  });
  return h('div', { class: 'fix-sql-row' }, panel, copy);
}

/** The tab strip (arrow keys, Home, End); select(id) on a choice. -> { el, buttons } */
function tabStrip(tabs, data, panelId, state, select) {
  const el = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Object types' });
  const buttons = {};
  for (const [id, tab] of Object.entries(tabs)) {
    const bad = countProblems(data[id]);
    buttons[id] = h('button', {
      type: 'button', role: 'tab', class: 'tab', id: `${panelId}-${id}`, 'aria-controls': panelId, 'aria-selected': id === state.tab ? 'true' : 'false', tabindex: id === state.tab ? '0' : '-1', 'data-testid': `tab-${id}`,
      on: { click: () => select(id) },
    }, tab.label, h('span', { class: 'tab-count', text: ` ${data[id].length.toLocaleString('en-US')}` }), bad ? h('span', { class: 'tab-bad', text: ` \u00B7 ${bad.toLocaleString('en-US')} \u26A0`, title: plural(bad, 'problem') }) : null);
    el.appendChild(buttons[id]);
  }
  el.addEventListener('keydown', (e) => {
    const ids = Object.keys(tabs);
    const i = ids.indexOf(state.tab);
    const next = { ArrowRight: ids[(i + 1) % ids.length], ArrowLeft: ids[(i - 1 + ids.length) % ids.length], Home: ids[0], End: ids[ids.length - 1] }[e.key];
    if (!next) return;
    e.preventDefault();
    select(next);
    buttons[next].focus();
  });
  return { el, buttons };
}

/**
 * The dialog's content for `report`, not yet in the document: { body,
 * filter (the input to focus), data (rows per tab), table, recompute }.
 */
function buildView({ report, name = '', host = null, vocabulary = null }) {
  // `access` in its compact form (the test_connection reply; access/compact.rs).
  const access = report.access || { schemas: [], functions: [] };
  const verdict = report.verdict || null;
  const tabSet = tabsOf(access);
  const data = {};
  for (const [id, tab] of Object.entries(tabSet)) data[id] = tab.build(access, verdict);
  const state = { tab: 'tables', text: '', onlyProblems: false, showMore: false, sortKey: null, sortDir: 'asc', view: data.tables };
  const panelId = uniqueId('perm-panel');
  const tabs = tabStrip(tabSet, data, panelId, state, (id) => selectTab(id));
  // The CDC facts, above that tab's table only.
  const facts = access.replication ? createCdcFacts(access.replication, { report, verdict, vocabulary }) : null;
  if (facts) facts.hidden = true;

  const filter = h('input', { type: 'search', class: 'input filter', placeholder: 'Filter by schema or name', 'aria-label': 'Filter objects', 'data-testid': 'perm-filter', autocomplete: 'off', spellcheck: 'false' });
  const onlyProblems = h('input', { type: 'checkbox', 'data-testid': 'perm-only-problems' });
  const showMore = h('input', { type: 'checkbox', 'data-testid': 'perm-show-more' });
  const showMoreLabel = h('label', { class: 'check' }, showMore, 'References, Trigger');
  const count = h('span', { class: 'perm-count', 'data-testid': 'perm-count', 'aria-live': 'polite' });
  const exportBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'export-csv', text: 'Export CSV', on: { click: exportCsv } });
  const toolbar = h('div', { class: 'perm-toolbar' }, filter, h('label', { class: 'check' }, onlyProblems, 'Only problems'), showMoreLabel, h('span', { class: 'spacer' }), count, exportBtn);
  const legend = h('p', { class: 'perm-legend', 'data-testid': 'perm-legend' }, legendOf(TABS.tables));

  const table = createVirtualTable({
    columns: TABS.tables.columns(false), rowHeight: 30, ariaLabel: 'Tables and their privileges', testid: 'perm-table', emptyText: 'No objects match.',
    rowClass: (r) => (r.problem ? `has-problem sev-${r.severity}` : ''),
    onSort: (key, dir) => {
      Object.assign(state, { sortKey: key, sortDir: dir });
      recompute();
    },
  });
  const tabPanel = h('div', { class: 'tab-panel', role: 'tabpanel', id: panelId, 'aria-labelledby': `${panelId}-tables` }, facts, toolbar, table.el);

  /** Filters and sorts the tab's rows; with `columns`, the table takes both at once (a tab change). */
  function recompute({ keepScroll = false, columns = null } = {}) {
    const rows = data[state.tab];
    let view = filterRows(rows, { text: state.text, onlyProblems: state.onlyProblems });
    if (state.sortKey) view = sortRows(view, state.sortKey, state.sortDir);
    state.view = view;
    const noun = tabSet[state.tab].noun || tabSet[state.tab].label.toLowerCase();
    table.setEmptyText(rows.length ? 'No objects match the filter.' : `No ${noun} in what the analysis covered.`);
    if (columns) table.setView({ columns, rows: view, keepScroll });
    else table.setRows(view, { keepScroll });
    setText(count, view.length === rows.length ? plural(rows.length, noun.replace(/s$/, '')) : `${view.length.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')}`);
    count.dataset.shown = String(view.length);
    count.dataset.total = String(rows.length);
  }

  function selectTab(id) {
    Object.assign(state, { tab: id, sortKey: null });
    for (const [k, b] of Object.entries(tabs.buttons)) {
      b.setAttribute('aria-selected', k === id ? 'true' : 'false');
      b.tabIndex = k === id ? 0 : -1;
    }
    tabPanel.setAttribute('aria-labelledby', `${panelId}-${id}`);
    showMoreLabel.hidden = id !== 'tables';
    if (facts) facts.hidden = tabSet[id] !== CDC_TAB;
    replace(legend, legendOf(tabSet[id]));
    table.setSort(null);
    table.setLabel(tabSet[id].noun ? `${tabSet[id].label}: the ${tabSet[id].noun} in scope` : `${tabSet[id].label} and their privileges`);
    recompute({ columns: id === 'tables' ? tableColumns(state.showMore) : tabSet[id].columns() });
  }

  function exportCsv() {
    downloadText(toCsv(tabSet[state.tab].csv(), state.view), csvFileName('sluice', name, access.role, state.tab));
    announce(`Exported ${state.view.length} rows`);
  }

  // One filter pass per frame, however fast the typing: a pass over
  // 100,000 rows takes a few milliseconds, so no debounce delay is needed.
  let filterFrame = 0;
  filter.addEventListener('input', () => {
    if (filterFrame) return;
    filterFrame = requestAnimationFrame(() => {
      filterFrame = 0;
      state.text = filter.value;
      recompute();
    });
  });
  onlyProblems.addEventListener('change', () => {
    state.onlyProblems = onlyProblems.checked;
    recompute();
  });
  showMore.addEventListener('change', () => {
    state.showMore = showMore.checked;
    table.setColumns(tableColumns(state.showMore));
  });

  const body = h('div', { class: 'perm-body' }, verdictHeader(report, access, verdict, host), problemPanel(verdict), fixSqlRow(verdict), tabs.el, tabPanel, legend);
  return { body, filter, data, table, recompute };
}

/**
 * report: the test Report (with access, verdict); name: the connection's
 * name (for file names); vocabulary: the app's (stage and provider labels).
 * Which cells the job needs comes from the verdict's problems.
 */
export function openPermissionsDialog({ report, name = '', host = null, vocabulary = null }) {
  const view = buildView({ report, name, host, vocabulary });
  const d = openDialog({
    title: `Permissions${name ? ` \u00B7 ${name}` : ''}`,
    body: view.body,
    size: 'xl',
    testid: 'permissions-dialog',
    initialFocus: view.filter,
  });
  view.recompute();
  // The table measures itself once it is in the document; then, while the
  // user reads, each row's search text is made ahead of the first filter.
  const cancels = [];
  requestAnimationFrame(() => {
    view.table.refresh();
    for (const rows of Object.values(view.data)) cancels.push(prepareSearch(rows));
  });
  d.closed.then(() => cancels.forEach((cancel) => cancel()));
  return d;
}

/**
 * Lays the dialog out once, off screen and hidden, with a one-row report:
 * WebKit's first layout of its styles (the dialog, the tabs, the virtual
 * table) costs ~100 ms on this machine the first time and a few ms after,
 * so the app calls this while idle and the user's first open is fast.
 */
export function prewarmPermissions() {
  const access = {
    role: 'r', privilege_bits: TABLE_PRIVILEGES, kinds: ['table'], names: ['s'], schemas: [{ name: 's', usage: true, create: false }],
    relations: { schema: [0], name: ['t'], kind: [0], privileges: [1], flags: [0], extra: {} },
    sequences: { schema: [0], name: ['q'], privileges: [0], owned_by: [null], flags: [0] },
    functions: [], not_found: [], other_schemas: [],
  };
  const view = buildView({ report: { access, verdict: { ready: false, problems: [{ severity: 'error', object_type: 'table', schema: 's', name: 't', missing: ['SELECT'], reason: 'warm' }], fix_sql: 'SELECT 1;' } } });
  const host = h('div', { class: 'dialog-backdrop prewarm', 'aria-hidden': 'true', inert: true },
    h('div', { class: ['dialog', 'dialog-xl'] }, h('header', { class: 'dialog-header' }, h('h2', { class: 'dialog-title', text: 'Permissions' })), h('div', { class: 'dialog-body' }, view.body)));
  document.body.appendChild(host);
  view.recompute();
  void host.offsetHeight;
  host.remove();
}
