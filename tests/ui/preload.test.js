// index.html preloads exactly the modules main.js imports statically (the
// cold start's critical path): a module added to that graph without its
// preload would be fetched a level later; a preload of a module that is
// loaded lazily would put it back on the critical path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ui = path.resolve(import.meta.dirname, '../../ui');

function staticGraph(entry) {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^import\s[^'"]*['"](\.[^'"]+)['"]/gm)) walk(path.resolve(path.dirname(file), m[1]));
  };
  walk(entry);
  seen.delete(entry);
  return new Set([...seen].map((f) => path.relative(ui, f)));
}

test('index.html preloads the static import graph of main.js, and nothing else', () => {
  const html = readFileSync(path.join(ui, 'index.html'), 'utf8');
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]));
  const graph = staticGraph(path.join(ui, 'js/main.js'));
  assert.ok(graph.size >= 5, `the graph was read: ${[...graph]}`);
  assert.deepEqual([...preloaded].sort(), [...graph].sort());
  // The form, the dialogs and the About box stay off the critical path.
  for (const lazy of ['js/views/connection-form.js', 'js/components/permissions-dialog.js', 'js/components/about-dialog.js', 'js/components/import-dialog.js']) {
    assert.ok(!graph.has(lazy), `${lazy} is loaded on first use`);
  }
});
