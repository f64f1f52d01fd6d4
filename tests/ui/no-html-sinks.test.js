// Every string from the database, the backend or the user is set as text.
// This test fails if any UI module uses an HTML-parsing sink or eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const jsRoot = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'ui', 'js');
const FORBIDDEN = [/\binnerHTML\b/, /\bouterHTML\b/, /\binsertAdjacentHTML\b/, /\bdocument\.write(ln)?\b/, /\beval\s*\(/, /\bnew\s+Function\s*\(/, /\bcreateContextualFragment\b/, /\bsrcdoc\b/, /\bDOMParser\b/, /setTimeout\(\s*['"`]/];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.js') ? [p] : [];
  });
}

test('ui/js never uses innerHTML, outerHTML, insertAdjacentHTML, document.write or eval', () => {
  const files = walk(jsRoot);
  assert.ok(files.length >= 10, `found ${files.length} modules`);
  const hits = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      // lib/dom.js names two of them only to refuse them as property keys.
      if (file.endsWith(path.join('lib', 'dom.js')) && /not allowed|'innerHTML' \|\| key === 'outerHTML'/.test(line)) return;
      for (const re of FORBIDDEN) if (re.test(line)) hits.push(`${path.relative(jsRoot, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});

test('index.html has no inline script or style (the CSP forbids them)', () => {
  const html = readFileSync(path.join(jsRoot, '..', 'index.html'), 'utf8');
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'inline <script>');
  assert.ok(!/<style[\s>]/i.test(html), '<style> element');
  assert.ok(!/\sstyle\s*=/i.test(html), 'style="" attribute');
  assert.ok(!/\son[a-z]+\s*=/i.test(html), 'inline event handler');
});

test('no module builds style attributes or inline handlers as strings', () => {
  for (const file of walk(jsRoot)) {
    const src = readFileSync(file, 'utf8');
    assert.ok(!/setAttribute\(\s*['"](style|on[a-z]+)['"]/.test(src), `${file} sets a style/on* attribute`);
  }
});
