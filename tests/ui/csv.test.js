import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeCell, toCsv, csvFileName } from '../../ui/js/lib/csv.js';

test('cells are quoted only when needed, quotes doubled', () => {
  assert.equal(escapeCell('plain'), 'plain');
  assert.equal(escapeCell('a,b'), '"a,b"');
  assert.equal(escapeCell('say "hi"'), '"say ""hi"""');
  assert.equal(escapeCell('two\nlines'), '"two\nlines"');
  assert.equal(escapeCell('cr\r'), '"cr\r"');
  assert.equal(escapeCell(' padded '), '" padded "');
  assert.equal(escapeCell(null), '');
  assert.equal(escapeCell(42), '42');
});

test('formula-looking cells are neutralized', () => {
  assert.equal(escapeCell('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
  assert.equal(escapeCell('+1'), "'+1");
  assert.equal(escapeCell('-2'), "'-2");
  assert.equal(escapeCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(escapeCell('=1', { neutralizeFormulas: false }), '=1');
});

test('toCsv writes a header and CRLF rows; hostile names survive intact', () => {
  const cols = [{ label: 'schema', value: (r) => r.schema }, { label: 'name', value: (r) => r.name }];
  const rows = [
    { schema: 'public', name: 'users' },
    { schema: 'we"ird', name: '<img src=x onerror=alert(1)>' },
    { schema: 'a,b', name: 'multi\nline' },
  ];
  const csv = toCsv(cols, rows);
  assert.equal(csv, 'schema,name\r\npublic,users\r\n"we""ird",<img src=x onerror=alert(1)>\r\n"a,b","multi\nline"\r\n');
});

test('a CSV parser reads back what toCsv wrote', () => {
  const parse = (text) => {
    const out = [];
    let row = [];
    let cell = '';
    let q = false;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i];
      if (q) {
        if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') q = false; else cell += c;
      } else if (c === '"') q = true;
      else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); out.push(row); row = []; cell = ''; i += 1; } else cell += c;
    }
    return out;
  };
  const values = ['x', 'a,b', '"q"', 'l1\r\nl2', ' s ', ''];
  const csv = toCsv([{ label: 'v', value: (r) => r }], values);
  assert.deepEqual(parse(csv).slice(1).map((r) => r[0]), values);
});

test('file names are safe', () => {
  assert.equal(csvFileName('sluice', 'Prod DB / EU', 'tables'), 'sluice-prod-db-eu-tables.csv');
  assert.equal(csvFileName('', null), 'export.csv');
});
