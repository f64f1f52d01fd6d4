// The permissions dialog's "Change data capture" tab, when the test read a
// source's CDC readiness (access.replication): the facts (server, login
// role, publication, slot, the replication connection) above the table of
// the tables in scope with their replica identity and whether the
// publication covers them. The facts are lib/cdc.js's text; a group is
// marked with the worst of the verdict's problems about it and shows the
// statements that fix them (ALTER ROLE ... REPLICATION;). Every string
// from the server is set as text.
import { h } from '../lib/dom.js';
import { cdcFacts, buildCdcRows } from '../lib/cdc.js';

const SEVERITY_ICON = { error: '\u2715', warning: '\u26A0', info: '\u2139' };
const SEVERITY_WORD = { error: 'a blocking problem', warning: 'a warning', info: 'a note' };

/** The facts as a definition list: one line per group, its parts separated by a dot. */
export function createCdcFacts(replication, { report, verdict, vocabulary }) {
  const groups = cdcFacts(replication, { report, verdict, vocabulary });
  return h('dl', { class: 'cdc-facts', 'data-testid': 'cdc-facts', 'aria-label': 'Change data capture facts' },
    groups.map((g) => h('div', { class: ['cdc-fact', g.severity ? `sev-${g.severity}` : ''], 'data-testid': `cdc-fact-${g.id}`, dataset: { severity: g.severity || '' } },
      h('dt', null,
        g.severity ? h('span', { class: 'cdc-fact-icon', 'aria-hidden': 'true', text: SEVERITY_ICON[g.severity] || '' }) : null,
        g.severity ? h('span', { class: 'visually-hidden', text: `${SEVERITY_WORD[g.severity] || g.severity}: ` }) : null,
        g.term),
      h('dd', null,
        g.parts.map((part, i) => [i ? h('span', { class: 'cdc-sep', 'aria-hidden': 'true', text: ' \u00B7 ' }) : null, h('span', { class: 'cdc-part', text: part })]),
        // The statements that fix this group's problems, as text to select and copy (the problem list has their Copy buttons).
        g.statements.map((s) => h('code', { class: 'statement cdc-statement', 'data-testid': 'cdc-statement', tabindex: '0', text: s }))))));
}

function publishedCell(r) {
  if (r.published == null) return { text: '', cls: 'priv none', label: 'no publication named' };
  if (r.published) return { text: '\u2713', cls: 'priv yes', label: 'published' };
  // ✕ in red where the verdict has a problem with the table, neutral otherwise (a partition its parent stands for).
  return r.problem ? { text: '\u2715', cls: 'priv no required-missing', label: 'not published, the job needs it' } : { text: '\u2013', cls: 'priv none', label: 'not published, not needed' };
}

/**
 * The tab's entry for the dialog's TABS: its rows, columns and CSV columns.
 * (The widths keep every minimum within 70px per fr, so that the header,
 * sized to its content, lines up with the rows in an 800px window.)
 */
export const CDC_TAB = {
  label: 'Change data capture',
  noun: 'tables',
  build: (access, verdict) => buildCdcRows(access.replication, verdict),
  columns: () => [
    { key: 'schema', label: 'Schema', width: 'minmax(70px, 1fr)', cell: (r) => r.schema },
    { key: 'name', label: 'Name', width: 'minmax(120px, 2fr)', cell: (r) => ({ text: r.name, cls: 'obj-name', title: r.reasons.length ? `${r.name}\n${r.reasons.join('\n')}` : r.name }) },
    { key: 'kind', label: 'Kind', width: '76px', cell: (r) => r.kind },
    { key: 'identity', label: 'Replica identity', width: 'minmax(140px, 2fr)', cell: (r) => ({ text: r.identity, cls: 'mono', title: r.identity_index ? `${r.identity}\nA unique index it could name: ${r.identity_index}` : r.identity }) },
    { key: 'published', label: 'Published', width: '100px', align: 'center', cell: publishedCell },
    { key: 'note', label: 'Note', width: 'minmax(140px, 3fr)', sortable: false, cell: (r) => ({ text: [...r.notes, ...r.reasons].join(' \u00B7 '), cls: r.problem ? `cdc-note sev-${r.severity}` : 'cdc-note', title: [...r.notes, ...r.reasons].join('\n') }) },
  ],
  csv: () => [
    { label: 'schema', value: (r) => r.schema },
    { label: 'name', value: (r) => r.name },
    { label: 'kind', value: (r) => r.kind },
    { label: 'replica_identity', value: (r) => r.identity },
    { label: 'identity_index', value: (r) => r.identity_index },
    { label: 'published', value: (r) => (r.published == null ? '' : r.published ? 'yes' : 'no') },
    { label: 'owned', value: (r) => (r.owned ? 'yes' : 'no') },
    { label: 'notes', value: (r) => [...r.notes, ...r.reasons].join('; ') },
  ],
  legend: () => [h('span', { class: 'priv yes', text: '\u2713' }), ' published \u00B7 ', h('span', { class: 'priv no required-missing', text: '\u2715' }), ' not published, the job needs it \u00B7 ', h('span', { class: 'priv none', text: '\u2013' }), ' not needed'],
};
