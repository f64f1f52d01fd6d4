import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeWindow, scrollTopFor, sameWindow } from '../../ui/js/lib/virtual-window.js';

test('top of a long list renders the viewport plus overscan below', () => {
  const w = computeWindow({ scrollTop: 0, viewportHeight: 300, rowHeight: 30, total: 100000, overscan: 5 });
  assert.deepEqual(w, { start: 0, end: 15, offset: 0, height: 3000000 });
});

test('the middle renders overscan on both sides, offset by whole rows', () => {
  const w = computeWindow({ scrollTop: 30000 + 15, viewportHeight: 300, rowHeight: 30, total: 100000, overscan: 5 });
  // first visible row 1000 (half shown), 11 rows intersect the viewport
  assert.equal(w.start, 995);
  assert.equal(w.end, 1000 + 11 + 5);
  assert.equal(w.offset, 995 * 30);
});

test('the bottom is clamped to the last row', () => {
  const w = computeWindow({ scrollTop: 10 ** 9, viewportHeight: 300, rowHeight: 30, total: 100000, overscan: 5 });
  assert.equal(w.end, 100000);
  assert.equal(w.start, 100000 - 10 - 5);
});

test('small and empty lists', () => {
  assert.deepEqual(computeWindow({ scrollTop: 0, viewportHeight: 300, rowHeight: 30, total: 0 }), { start: 0, end: 0, offset: 0, height: 0 });
  const w = computeWindow({ scrollTop: 0, viewportHeight: 300, rowHeight: 30, total: 3, overscan: 10 });
  assert.deepEqual(w, { start: 0, end: 3, offset: 0, height: 90 });
});

test('rendered rows are bounded whatever the size of the list', () => {
  for (const total of [10, 1000, 100000, 1000000]) {
    for (const scrollTop of [0, 12345, 999999, 5e7]) {
      const w = computeWindow({ scrollTop, viewportHeight: 600, rowHeight: 28, total, overscan: 8 });
      assert.ok(w.end - w.start <= Math.ceil(600 / 28) + 1 + 16, `${total}/${scrollTop}: ${w.end - w.start}`);
      assert.ok(w.start >= 0 && w.end <= total && w.start <= w.end);
      assert.equal(w.offset, w.start * 28);
    }
  }
});

test('every visible row is inside the window', () => {
  const rh = 30;
  const vh = 450;
  for (let top = 0; top < 5000; top += 7) {
    const w = computeWindow({ scrollTop: top, viewportHeight: vh, rowHeight: rh, total: 1000, overscan: 0 });
    const firstVisible = Math.floor(top / rh);
    const lastVisible = Math.min(999, Math.floor((top + vh - 1) / rh));
    assert.ok(w.start <= firstVisible && w.end > lastVisible, `top ${top}: ${w.start}-${w.end}`);
  }
});

test('scrollTopFor scrolls minimally', () => {
  const v = { scrollTop: 300, viewportHeight: 300, rowHeight: 30 };
  assert.equal(scrollTopFor(12, v), 300); // visible already
  assert.equal(scrollTopFor(5, v), 150); // above: align top
  assert.equal(scrollTopFor(25, v), 25 * 30 + 30 - 300); // below: align bottom
});

test('sameWindow', () => {
  const a = { start: 1, end: 5, offset: 30, height: 300 };
  assert.ok(sameWindow(a, { ...a }));
  assert.ok(!sameWindow(a, { ...a, end: 6 }));
  assert.ok(!sameWindow(null, a));
});
