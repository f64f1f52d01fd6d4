// The copies that must stay in step, read from the sources themselves:
// - the IPC command names, listed in src-tauri/build.rs (COMMANDS: the
//   allow-* permissions tauri-build generates), src-tauri/src/lib.rs
//   (generate_handler!), src-tauri/capabilities/main.json (what the window is
//   granted) and ui/js/api.js (what the window calls): one set, and api.js
//   calls nothing else (no plugin:* command either);
// - the jobs and their options, defined in crates/core/src/job.rs and shipped
//   by the vocabulary: no file of ui/js writes one of their names by hand;
// - the stages of a test, defined in crates/core/src/outcome.rs and shipped
//   by the vocabulary with their labels: no file of ui/js writes a stage id
//   by hand, but for the two rules the vocabulary does not carry (stepper.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { rustStages } from './rust-stages.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const read = (p) => readFileSync(path.join(root, p), 'utf8');
const sorted = (xs) => [...xs].sort();

/** Rust and JS source without comments (so a name in a comment is not a use). */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function buildRsCommands() {
  const src = code(read('src-tauri/build.rs'));
  const m = /const COMMANDS: &\[&str\] = &\[([\s\S]*?)\];/.exec(src);
  assert.ok(m, 'build.rs has a COMMANDS list');
  return [...m[1].matchAll(/"([a-z0-9_]+)"/g)].map((x) => x[1]);
}

function handlerCommands() {
  const src = code(read('src-tauri/src/lib.rs'));
  const m = /generate_handler!\[([\s\S]*?)\]/.exec(src);
  assert.ok(m, 'lib.rs has a generate_handler! list');
  return m[1].split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.replace(/^commands::/, ''));
}

function capabilityCommands() {
  const cap = JSON.parse(read('src-tauri/capabilities/main.json'));
  const other = cap.permissions.filter((p) => typeof p !== 'string' || !p.startsWith('allow-'));
  assert.deepEqual(other, [], 'the window is granted Sluice\'s own commands only (no plugin or core permission)');
  return cap.permissions.map((p) => p.slice('allow-'.length).replace(/-/g, '_'));
}

function apiCalls() {
  const src = code(read('ui/js/api.js'));
  const calls = [...src.matchAll(/\bcall\(\s*(['"`])([^'"`]+)\1/g)].map((m) => m[2]);
  // The one invoke is call's own, with its argument; nothing names a command another way.
  const invokes = [...src.matchAll(/\binvoke\(([^,)]*)/g)].map((m) => m[1].trim());
  assert.deepEqual(invokes, ['command'], 'api.js invokes only through call(command, ...)');
  assert.ok(!/plugin:/.test(src), 'api.js calls no plugin command');
  return calls;
}

function uiFiles(dir = 'ui/js') {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? uiFiles(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
}

test('build.rs, lib.rs, the capability and api.js list the same IPC commands', () => {
  const build = buildRsCommands();
  assert.ok(build.length >= 20, `COMMANDS was read: ${build}`);
  assert.equal(new Set(build).size, build.length, 'no command twice in build.rs');
  const calls = apiCalls();
  assert.equal(new Set(calls).size, calls.length, 'api.js has one function per command');
  assert.deepEqual(sorted(handlerCommands()), sorted(build), 'generate_handler! in src-tauri/src/lib.rs');
  assert.deepEqual(sorted(capabilityCommands()), sorted(build), 'src-tauri/capabilities/main.json');
  assert.deepEqual(sorted(calls), sorted(build), 'the call(...) names in ui/js/api.js');
});

test('only api.js talks to the Rust side', () => {
  for (const file of uiFiles()) {
    if (file === path.join('ui', 'js', 'api.js')) continue;
    const src = code(read(file));
    assert.ok(!/__TAURI__|\binvoke\(|\bcall\(\s*['"`]/.test(src), `${file} reaches the IPC itself`);
  }
});

test('no job and no job option is written by hand in ui/js: they come from the vocabulary', () => {
  const job = code(read('crates/core/src/job.rs'));
  const jobs = [...job.matchAll(/Job::\w+ => "([a-z_]+)"/g)].map((m) => m[1]);
  const optionsBlock = /pub const OPTIONS: &\[OptionDef\] = &\[([\s\S]*?)\n\];/.exec(job);
  assert.ok(optionsBlock, 'job.rs has the OPTIONS table');
  const options = [...optionsBlock[1].matchAll(/\bname: "([a-z_]+)"/g)].map((m) => m[1]);
  const choices = [...optionsBlock[1].matchAll(/\("([a-z_]+)", "/g)].map((m) => m[1]);
  assert.ok(jobs.includes('source') && jobs.includes('destination'), `jobs read: ${jobs}`);
  assert.ok(options.length >= 5, `options read: ${options}`);
  const names = new Set([...jobs, ...options, ...choices]);
  for (const file of uiFiles()) {
    const src = code(read(file));
    for (const m of src.matchAll(/(['"`])([a-z_]+)\1/g)) {
      assert.ok(!names.has(m[2]), `${file} writes ${m[0]} by hand (take it from app.vocabulary)`);
    }
    assert.ok(!/\.(destination_options|truncate|init_tables)\b/.test(src), `${file} reads a job option by its name`);
  }
  assert.ok(!uiFiles().some((f) => /guessProvider/.test(read(f))), 'providers are detected in Rust only (parse_url)');
});

// Quoted words of ui/js that are a stage id but mean something else.
const NOT_STAGES = [
  ['ui/js/presets.js', 'session', 'Supabase\'s pooler in session mode'],
];

test('no stage of a test is written by hand in ui/js: the ids and labels come from the vocabulary', () => {
  const stages = rustStages();
  const ids = stages.map((s) => s.id);
  assert.ok(ids.length >= 10 && ids.includes('replication') && stages.every((s) => s.id && s.label), `stages read: ${JSON.stringify(stages)}`);
  const stepper = path.join('ui', 'js', 'components', 'stepper.js');
  for (const file of uiFiles()) {
    let src = code(read(file));
    if (file === stepper) {
      // The rules Rust's Tracker::into_steps has and the vocabulary does not say: named once, here.
      for (const name of ['TUNNEL_STANDS_FOR', 'ON_REQUEST']) {
        const m = new RegExp(`export const ${name} = \\[([^\\]]*)\\];`).exec(src);
        assert.ok(m, `stepper.js has ${name}`);
        for (const [, id] of m[1].matchAll(/'([a-z_]+)'/g)) assert.ok(ids.includes(id), `${name} names ${id}, which is no stage of outcome.rs`);
        src = src.replace(m[0], '');
      }
    }
    for (const m of src.matchAll(/(['"`])([a-z_]+)\1/g)) {
      if (!ids.includes(m[2]) || NOT_STAGES.some(([f, word]) => path.join(...f.split('/')) === file && word === m[2])) continue;
      assert.fail(`${file} writes the stage ${m[0]} by hand (take it from app.vocabulary.stages)`);
    }
    assert.ok(!/\bSTAGES\s*=/.test(src), `${file} defines a list of stages of its own`);
    for (const s of stages.filter((x) => x.label.length > 4)) {
      assert.ok(!src.includes(`'${s.label}'`) && !src.includes(`"${s.label}"`), `${file} writes the stage label ${s.label} by hand`);
    }
  }
});
