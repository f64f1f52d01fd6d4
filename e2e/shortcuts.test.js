// Keyboard shortcuts in the real app (Ctrl here: this is Linux), and the
// `?` overlay that lists them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, tid, waitForList, valueOf } from './app.js';
import { KEY } from './webdriver.js';

const focused = (session) => session.exec('const a = document.activeElement; return a ? a.dataset.testid || a.tagName : null;');

test('keyboard: "?" lists the shortcuts with Ctrl, Ctrl+N opens a new connection, Ctrl+S saves it, Ctrl+F searches', async () => {
  const { session, stop } = await launch();
  try {
    await waitForList(session);
    await session.press('?');
    await session.waitForSelector(tid('shortcuts-dialog'));
    const text = await session.textOf(tid('shortcuts-dialog'));
    for (const keys of ['Ctrl+S', 'Ctrl+Enter', 'Ctrl+N', 'Ctrl+F', 'Esc']) assert.ok(text.includes(keys), `${keys} in: ${text}`);
    assert.ok(!text.includes('\u2318'), 'no Cmd symbol off macOS');
    assert.match(text, /A connection in the list/, 'the list\'s own keys are listed');
    // One column of keys, one of what they do, aligned across the groups.
    const lefts = await session.exec('return [...document.querySelectorAll(arguments[0])].map((dd) => Math.round(dd.getBoundingClientRect().left));', `${tid('shortcuts-dialog')} dd`);
    assert.ok(lefts.length >= 8 && new Set(lefts).size === 1, `the descriptions start at one x: ${lefts}`);
    await screenshot(session, 'shortcuts');
    // Under a dialog, page shortcuts do nothing; Escape closes it.
    await session.press(KEY.CONTROL, 'n');
    assert.equal(await session.exec('return document.body.dataset.page;'), 'list');
    await session.press(KEY.ESCAPE);
    await session.waitForGone(tid('shortcuts-dialog'));

    await session.press(KEY.CONTROL, 'n');
    await session.click(tid('provider-postgres'));
    await session.waitForSelector(tid('connection-form'));
    await session.typeInto(tid('field-name'), 'Keyboard made');
    await session.typeInto(tid('field-url'), 'postgresql://kb@db.example.com:5432/app?sslmode=require');
    // A "?" typed into a field is text, not the overlay.
    await session.typeInto(tid('field-name'), '?');
    assert.equal(await valueOf(session, tid('field-name')), 'Keyboard made?');
    assert.equal(await session.count(tid('shortcuts-dialog')), 0);
    await session.press(KEY.CONTROL, 's');
    await session.waitFor(async () => (await session.exec('return document.body.dataset.page === "list" && document.body.dataset.listLoaded === "true";')) || null, { what: 'back on the list after Ctrl+S' });
    await session.waitFor(async () => ((await session.textOf(tid('connection-list'))) || '').includes('Keyboard made?') || null, { what: 'the saved connection' });

    await session.press(KEY.CONTROL, 'f');
    assert.equal(await focused(session), 'search');
  } finally {
    await stop();
  }
});
