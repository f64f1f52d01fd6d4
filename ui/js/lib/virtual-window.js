// The window maths of the virtualized table, kept pure: which rows to render
// for a scroll position. Fixed row height; `overscan` extra rows above and
// below keep fast scrolling from showing blank space.

/**
 * @returns {{start:number, end:number, offset:number, height:number}}
 *   rows [start, end) are rendered, translated down by `offset` px, inside a
 *   spacer `height` px tall.
 */
export function computeWindow({ scrollTop, viewportHeight, rowHeight, total, overscan = 8 }) {
  const rh = Math.max(1, rowHeight);
  const n = Math.max(0, Math.floor(total));
  const height = n * rh;
  if (n === 0) return { start: 0, end: 0, offset: 0, height: 0 };
  const maxTop = Math.max(0, height - Math.max(0, viewportHeight));
  const top = Math.min(Math.max(0, scrollTop || 0), maxTop);
  const first = Math.floor(top / rh);
  const visible = Math.ceil((Math.max(0, viewportHeight) + (top - first * rh)) / rh);
  const start = Math.max(0, first - overscan);
  const end = Math.min(n, first + visible + overscan);
  return { start, end, offset: start * rh, height };
}

/** The scrollTop that brings row `index` into view (minimal scrolling). */
export function scrollTopFor(index, { scrollTop, viewportHeight, rowHeight }) {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return bottom - viewportHeight;
  return scrollTop;
}

/** Whether two windows render the same rows (so a scroll needs no re-render). */
export function sameWindow(a, b) {
  return !!a && !!b && a.start === b.start && a.end === b.end && a.height === b.height;
}
