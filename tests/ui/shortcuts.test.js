import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHORTCUTS, match, keysLabel, helpRows, isMac } from '../../ui/js/lib/shortcuts.js';

const key = (k, mods = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, isComposing: false, ...mods });

test('Cmd on macOS, Ctrl elsewhere, and never the other one', () => {
  assert.equal(match(key('s', { ctrlKey: true }), { mac: false, page: 'form' }).id, 'save');
  assert.equal(match(key('s', { metaKey: true }), { mac: false, page: 'form' }), null);
  assert.equal(match(key('s', { metaKey: true }), { mac: true, page: 'form' }).id, 'save');
  assert.equal(match(key('s', { ctrlKey: true }), { mac: true, page: 'form' }), null);
  // Caps lock or Shift gives "S": still the shortcut.
  assert.equal(match(key('S', { ctrlKey: true }), { mac: false, page: 'form' }).id, 'save');
  assert.equal(match(key('Enter', { ctrlKey: true }), { mac: false, page: 'form' }).id, 'test');
});

test('each shortcut works on its page only, and "?" and "/" not while typing', () => {
  assert.equal(match(key('s', { ctrlKey: true }), { mac: false, page: 'list' }), null, 'no save on the list');
  assert.equal(match(key('f', { ctrlKey: true }), { mac: false, page: 'list' }).id, 'search');
  assert.equal(match(key('f', { ctrlKey: true }), { mac: false, page: 'form' }), null);
  assert.equal(match(key('n', { ctrlKey: true }), { mac: false, page: 'form', typing: true }).id, 'newConnection');
  assert.equal(match(key('?', { shiftKey: true }), { mac: false, page: 'list' }).id, 'help');
  assert.equal(match(key('?', { shiftKey: true }), { mac: false, page: 'form', typing: true }), null, 'a typed "?" is text');
  assert.equal(match(key('/'), { mac: false, page: 'list', typing: true }), null);
  assert.equal(match(key('/', { ctrlKey: true }), { mac: false, page: 'list' }), null);
  assert.equal(match(key('s', { ctrlKey: true, altKey: true }), { mac: false, page: 'form' }), null, 'AltGr combinations type characters');
});

test('no page shortcut fires under a dialog', () => {
  for (const s of SHORTCUTS) {
    const ev = key(s.key, s.mod ? { ctrlKey: true } : {});
    assert.equal(match(ev, { mac: false, page: s.scope === 'form' ? 'form' : 'list', dialog: true }), null, s.id);
  }
});

test('labels as each OS writes them, and the overlay groups every shortcut once', () => {
  const save = SHORTCUTS.find((s) => s.id === 'save');
  assert.equal(keysLabel(save, false), 'Ctrl+S');
  assert.equal(keysLabel(save, true), '\u2318S');
  assert.equal(keysLabel(SHORTCUTS.find((s) => s.id === 'test'), true), '\u2318\u21A9');
  const groups = helpRows(false);
  const search = groups.find((g) => g.scope === 'list').rows.find((r) => r.id === 'search');
  assert.deepEqual(search.keys, ['Ctrl+F', '/']);
  const listed = groups.flatMap((g) => g.rows.map((r) => `${g.scope}:${r.id}`));
  assert.equal(new Set(listed).size, listed.length);
  assert.equal(new Set(SHORTCUTS.map((s) => `${s.scope}:${s.id}`)).size, listed.length);
  assert.ok(isMac('MacIntel') && isMac('macOS') && !isMac('Linux x86_64') && !isMac('Win32'));
});
