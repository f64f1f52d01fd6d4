// axe-core (the npm package) run inside the real app: every screen the
// suite visits is audited, and any violation fails the test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The violations on the page (or inside `context`, a CSS selector), summarised. */
export async function violations(session, context = null) {
  const loaded = await session.exec('return typeof window.axe === "object";');
  if (!loaded) await session.exec(`${AXE_SOURCE}\nreturn true;`);
  const result = await session.execAsync(`const done = arguments[arguments.length - 1];
    const ctx = arguments[0] ? document.querySelector(arguments[0]) : document;
    window.axe.run(ctx, { resultTypes: ['violations'] })
      .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ')) }))))
      .catch((e) => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));`, context);
  return result;
}

/** Fails with the violations' ids, help and first nodes when there are any. */
export async function assertAccessible(session, label, context = null) {
  const found = await violations(session, context);
  if (found.length) {
    const text = found.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.join(' | ')})`).join('\n');
    throw new Error(`${label}: ${found.length} accessibility violation(s):\n${text}`);
  }
}
