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
  let cols = columns;
  let rows = [];
  let sort = { key: null, dir: 'asc' };
  let win = null;
  let pool = [];
  let frame = 0;

  const header = h('div', { class: 'vt-row vt-header', role: 'row', 'aria-rowindex': '1' });
  const head = h('div', { class: 'vt-head', role: 'rowgroup' }, header);
  const layer = h('div', { class: 'vt-rows', role: 'rowgroup' });
  const spacer = h('div', { class: 'vt-spacer', role: 'presentation' }, layer);
  const viewport = h('div', { class: 'vt-viewport', role: 'table', tabindex: '0', 'aria-label': ariaLabel, 'aria-rowcount': '1' }, head, spacer);
  const empty = h('p', { class: 'vt-empty', hidden: true, 'data-testid': testid ? `${testid}-empty` : undefined, text: emptyText });
  const el = h('div', { class: 'vt', 'data-testid': testid, style: { '--vt-row-h': `${rowHeight}px` } }, viewport, empty);

  function buildHeader() {
    el.style.setProperty('--vt-cols', cols.map((c) => c.width || 'minmax(80px, 1fr)').join(' '));
    header.replaceChildren();
    for (const c of cols) {
      const active = sort.key === c.key;
      const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
      const cell = h('div', { class: ['vt-cell', 'vt-th', c.align ? `align-${c.align}` : ''], role: 'columnheader', 'aria-sort': c.sortable === false ? undefined : ariaSort, title: c.title });
      if (c.sortable === false) {
        setText(cell, c.label);
      } else {
        const arrow = active ? (sort.dir === 'asc' ? ' \u25B2' : ' \u25BC') : '';
        cell.appendChild(h('button', { type: 'button', class: 'vt-sort', 'data-testid': `sort-${c.key}`, on: { click: () => toggleSort(c.key) } }, c.label, h('span', { class: 'vt-arrow', 'aria-hidden': 'true', text: arrow })));
      }
      header.appendChild(cell);
    }
  }

  function toggleSort(key) {
    const dir = sort.key === key && sort.dir === 'asc' ? 'desc' : 'asc';
    sort = { key, dir };
    buildHeader();
    if (onSort) onSort(key, dir);
  }

  function makeRow() {
    const cells = cols.map((c) => h('div', { class: ['vt-cell', c.align ? `align-${c.align}` : ''], role: 'cell' }));
    return { el: h('div', { class: 'vt-row', role: 'row' }, cells), cells };
  }

  function fill(r, row, index) {
    r.el.setAttribute('aria-rowindex', String(index + 2));
    r.el.dataset.index = String(index);
    r.el.className = `vt-row${rowClass ? ` ${rowClass(row) || ''}` : ''}${index % 2 ? ' odd' : ''}`;
    for (let i = 0; i < cols.length; i += 1) {
      const v = cols[i].cell(row);
      const cell = r.cells[i];
      const base = `vt-cell${cols[i].align ? ` align-${cols[i].align}` : ''}`;
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

  function render(force = false) {
    frame = 0;
    const headH = head.offsetHeight || rowHeight;
    const next = computeWindow({ scrollTop: viewport.scrollTop, viewportHeight: Math.max(rowHeight, viewport.clientHeight - headH), rowHeight, total: rows.length, overscan });
    if (!force && sameWindow(win, next)) return;
    win = next;
    spacer.style.height = `${next.height}px`;
    layer.style.transform = `translateY(${next.offset}px)`;
    const count = next.end - next.start;
    while (pool.length < count) pool.push(makeRow());
    for (let i = 0; i < count; i += 1) fill(pool[i], rows[next.start + i], next.start + i);
    // Keep exactly `count` row nodes in the layer, in order.
    const children = layer.children;
    for (let i = 0; i < count; i += 1) if (children[i] !== pool[i].el) layer.insertBefore(pool[i].el, children[i] || null);
    while (layer.children.length > count) layer.lastChild.remove();
    empty.hidden = rows.length > 0;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(() => render());
  }

  viewport.addEventListener('scroll', schedule, { passive: true });
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(schedule).observe(viewport);
  buildHeader();

  return {
    el,
    viewport,
    setRows(next, { keepScroll = false } = {}) {
      rows = next;
      viewport.setAttribute('aria-rowcount', String(rows.length + 1));
      if (!keepScroll) viewport.scrollTop = 0;
      render(true);
    },
    setColumns(next) {
      cols = next;
      pool = [];
      layer.replaceChildren();
      buildHeader();
      render(true);
    },
    setSort(key, dir = 'asc') {
      sort = { key, dir };
      buildHeader();
    },
    get sort() {
      return { ...sort };
    },
    get rowCount() {
      return rows.length;
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
