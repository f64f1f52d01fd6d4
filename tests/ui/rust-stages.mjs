// The stages of a test as the vocabulary ships them ([{id, label, ssh}],
// src-tauri/src/models.rs StageInfo), read from their one definition,
// crates/core/src/outcome.rs (Stage::ALL, as_str, label, is_ssh), so that
// the UI's tests never hold a copy of their own.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** The arms `Stage::X => "text"` of the function `fn NAME(self)` in outcome.rs. */
function arms(src, name) {
  const body = new RegExp(`pub fn ${name}\\(self\\)[^{]*\\{([\\s\\S]*?)\\n    \\}`).exec(src);
  if (!body) throw new Error(`outcome.rs has no Stage::${name}`);
  return Object.fromEntries([...body[1].matchAll(/Stage::(\w+) => "([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

export function rustStages() {
  const src = readFileSync(path.join(root, 'crates/core/src/outcome.rs'), 'utf8');
  const all = /pub const ALL: \[Stage; \d+\] = \[([\s\S]*?)\];/.exec(src);
  if (!all) throw new Error('outcome.rs has no Stage::ALL');
  const ids = arms(src, 'as_str');
  const labels = arms(src, 'label');
  const ssh = /pub fn is_ssh\(self\) -> bool \{\s*matches!\(self, ([^)]*)\)/.exec(src);
  if (!ssh) throw new Error('outcome.rs has no Stage::is_ssh');
  const sshVariants = new Set([...ssh[1].matchAll(/Stage::(\w+)/g)].map((m) => m[1]));
  return [...all[1].matchAll(/Stage::(\w+)/g)].map((m) => ({ id: ids[m[1]], label: labels[m[1]], ssh: sshVariants.has(m[1]) }));
}
