// A virtualized table: fixed row height, only the visible rows (plus
// overscan) exist in the DOM, recycled as you scroll. The maths is in
// lib/virtual-window.js. ARIA: the scrolling viewport is the role=table,
// owning only rowgroups and rows of cells, with aria-rowcount and
// aria-rowindex so assistive tech knows the real size and where each
// rendered row sits; sortable headers carry aria-sort. The empty-state
// message sits outside the table.
//
// columns: [{ key, label, width: CSS grid track, sortable, align, title,
//   cell: (row) => string | { text, cls, label, title } }]
import { h, setText } from '../lib/dom.js';
import { computeWindow, sameWindow } from '../lib/virtual-window.js';

export function createVirtualTable({ columns, rowHeight = 30, overscan = 10, ariaLabel, testid, onSort, rowClass, emptyText = 'Nothing to show.' }) {
  const t = { cols: columns, rows: [], sort: { key: null, dir: 'asc' }, win: null, pool: [], frame: 0, rowHeight, rowClass };
  const header = h('div', { class: 'vt-row vt-header', role: 'row', 'aria-rowindex': '1' });
  const head = h('div', { class: 'vt-head', role: 'rowgroup' }, header);
  const layer = h('div', { class: 'vt-rows', role: 'rowgroup' });
  const spacer = h('div', { class: 'vt-spacer', role: 'presentation' }, layer);
  const viewport = h('div', { class: 'vt-viewport', role: 'table', tabindex: '0', 'aria-label': ariaLabel, 'aria-rowcount': '1' }, head, spacer);
  const empty = h('p', { class: 'vt-empty', hidden: true, 'data-testid': testid ? `${testid}-empty` : undefined, text: emptyText });
  const el = h('div', { class: 'vt', 'data-testid': testid, style: { '--vt-row-h': `${rowHeight}px` } }, viewport, empty);
  Object.assign(t, { el, header, head, layer, spacer, viewport, empty, overscan });

  const toggleSort = (key) => {
    t.sort = { key, dir: t.sort.key === key && t.sort.dir === 'asc' ? 'desc' : 'asc' };
    buildHeader(t, toggleSort);
    if (onSort) onSort(key, t.sort.dir);
  };
  const render = (force = false) => renderWindow(t, force);
  const schedule = () => {
    if (!t.frame) t.frame = requestAnimationFrame(() => render());
  };
  viewport.addEventListener('scroll', schedule, { passive: true });
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(schedule).observe(viewport);
  buildHeader(t, toggleSort);

  const setRows = (next, keepScroll) => {
    t.rows = next;
    viewport.setAttribute('aria-rowcount', String(t.rows.length + 1));
    if (!keepScroll) viewport.scrollTop = 0;
  };
  return {
    el,
    viewport,
    setRows(next, { keepScroll = false } = {}) {
      setRows(next, keepScroll);
      render(true);
    },
    /**
     * New columns, for rows of the same shape (a column shown or hidden).
     * Rows of another shape (another tab) go with their columns in setView:
     * the old rows are never drawn with the new columns.
     */
    setColumns(next) {
      t.cols = next;
      t.pool = [];
      layer.replaceChildren();
      buildHeader(t, toggleSort);
      render(true);
    },
    /** Columns and rows together (another tab): one render, of the new rows. */
    setView({ columns: nextCols, rows: nextRows, keepScroll = false }) {
      t.cols = nextCols;
      t.pool = [];
      layer.replaceChildren();
      setRows(nextRows, keepScroll);
      buildHeader(t, toggleSort);
      render(true);
    },
    setSort(key, dir = 'asc') {
      t.sort = { key, dir };
      buildHeader(t, toggleSort);
    },
    get sort() {
      return { ...t.sort };
    },
    get rowCount() {
      return t.rows.length;
    },
    refresh: () => render(true),
    setLabel(label) {
      viewport.setAttribute('aria-label', label);
    },
    setEmptyText(text) {
      setText(empty, text);
    },
  };
}

function buildHeader(t, toggleSort) {
  t.el.style.setProperty('--vt-cols', t.cols.map((c) => c.width || 'minmax(80px, 1fr)').join(' '));
  t.header.replaceChildren();
  for (const c of t.cols) {
    const active = t.sort.key === c.key;
    const ariaSort = active ? (t.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const cell = h('div', { class: ['vt-cell', 'vt-th', c.align ? `align-${c.align}` : ''], role: 'columnheader', 'aria-sort': c.sortable === false ? undefined : ariaSort, title: c.title });
    if (c.sortable === false) {
      setText(cell, c.label);
    } else {
      const arrow = active ? (t.sort.dir === 'asc' ? ' \u25B2' : ' \u25BC') : '';
      cell.appendChild(h('button', { type: 'button', class: 'vt-sort', 'data-testid': `sort-${c.key}`, on: { click: () => toggleSort(c.key) } }, c.label, h('span', { class: 'vt-arrow', 'aria-hidden': 'true', text: arrow })));
    }
    t.header.appendChild(cell);
  }
}

function makeRow(cols) {
  const cells = cols.map((c) => h('div', { class: ['vt-cell', c.align ? `align-${c.align}` : ''], role: 'cell' }));
  return { el: h('div', { class: 'vt-row', role: 'row' }, cells), cells };
}

function fill(t, r, row, index) {
  r.el.setAttribute('aria-rowindex', String(index + 2));
  r.el.dataset.index = String(index);
  r.el.className = `vt-row${t.rowClass ? ` ${t.rowClass(row) || ''}` : ''}${index % 2 ? ' odd' : ''}`;
  for (let i = 0; i < t.cols.length; i += 1) {
    const v = t.cols[i].cell(row);
    const cell = r.cells[i];
    const base = `vt-cell${t.cols[i].align ? ` align-${t.cols[i].align}` : ''}`;
    if (v !== null && typeof v === 'object') {
      cell.textContent = v.text == null ? '' : String(v.text);
      cell.className = v.cls ? `${base} ${v.cls}` : base;
      if (v.label) cell.setAttribute('aria-label', v.label);
      else cell.removeAttribute('aria-label');
      if (v.title) cell.title = v.title;
      else cell.removeAttribute('title');
    } else {
      cell.textContent = v == null ? '' : String(v);
      cell.className = base;
      cell.removeAttribute('aria-label');
      cell.title = cell.textContent;
    }
  }
}

/** Draws the rows the scroll position shows (plus overscan), recycling row nodes. */
function renderWindow(t, force) {
  t.frame = 0;
  const headH = t.head.offsetHeight || t.rowHeight;
  const next = computeWindow({ scrollTop: t.viewport.scrollTop, viewportHeight: Math.max(t.rowHeight, t.viewport.clientHeight - headH), rowHeight: t.rowHeight, total: t.rows.length, overscan: t.overscan });
  if (!force && sameWindow(t.win, next)) return;
  t.win = next;
  t.spacer.style.height = `${next.height}px`;
  t.layer.style.transform = `translateY(${next.offset}px)`;
  const count = next.end - next.start;
  while (t.pool.length < count) t.pool.push(makeRow(t.cols));
  for (let i = 0; i < count; i += 1) fill(t, t.pool[i], t.rows[next.start + i], next.start + i);
  // Keep exactly `count` row nodes in the layer, in order.
  const children = t.layer.children;
  for (let i = 0; i < count; i += 1) if (children[i] !== t.pool[i].el) t.layer.insertBefore(t.pool[i].el, children[i] || null);
  while (t.layer.children.length > count) t.layer.lastChild.remove();
  t.empty.hidden = t.rows.length > 0;
}
