// The README's pictures are made by the end-to-end suite (`npm run
// screenshots`): every picture the README shows is taken with `{ docs: true }`
// by a suite that scripts/screenshots.sh runs, every such picture is in the
// README, and docs/screenshots holds exactly those (nothing stale).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const read = (p) => readFileSync(path.join(root, p), 'utf8');

test('the README, docs/screenshots, the e2e suite and scripts/screenshots.sh name the same pictures', () => {
  const inReadme = new Set([...read('README.md').matchAll(/docs\/screenshots\/([\w.-]+)\.png/g)].map((m) => m[1]));
  assert.ok(inReadme.size >= 4, `the README's pictures: ${[...inReadme]}`);
  const onDisk = new Set(readdirSync(path.join(root, 'docs/screenshots')).filter((f) => f.endsWith('.png')).map((f) => f.replace(/\.png$/, '')));
  const suites = [...read('scripts/screenshots.sh').matchAll(/e2e\/[\w-]+\.test\.js/g)].map((m) => m[0]);
  const taken = new Map();
  for (const file of readdirSync(path.join(root, 'e2e')).filter((f) => f.endsWith('.js'))) {
    for (const m of read(path.join('e2e', file)).matchAll(/screenshot\(\s*session,\s*'([\w.-]+)',\s*\{\s*docs:\s*true\s*\}\)/g)) taken.set(m[1], `e2e/${file}`);
  }
  assert.deepEqual([...taken.keys()].sort(), [...inReadme].sort(), 'the pictures taken with { docs: true } are the README\'s');
  assert.deepEqual([...onDisk].sort(), [...inReadme].sort(), 'docs/screenshots holds the README\'s pictures and nothing else');
  for (const [name, file] of taken) assert.ok(suites.includes(file), `${name} is taken by ${file}, which scripts/screenshots.sh must run`);
  // Only a refresh writes there.
  assert.match(read('e2e/app.js'), /SLUICE_REFRESH_SCREENSHOTS === '1'/);
  assert.match(read('scripts/test.sh'), /unset SLUICE_REFRESH_SCREENSHOTS/);
});
