// Dev preview screenshots: the UI with the mock backend in WebKitGTK's
// MiniBrowser (the engine of the Linux app), driven by WebKitWebDriver.
//   xvfb-run -a -s "-screen 0 1280x900x24" node tests/ui/preview/shoot.js OUT_DIR [scenario...]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startPreview } from './server.js';
import { Session } from '../../../e2e/webdriver.js';

const out = path.resolve(process.argv[2] || '/tmp/sluice-preview');
mkdirSync(out, { recursive: true });
const only = process.argv.slice(3);

const freePort = () => new Promise((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => r(port)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await startPreview(0);
const base = `http://127.0.0.1:${server.address().port}/`;
const wdPort = await freePort();
// Software GL: under Xvfb the GPU path leaves WebDriver screenshots hanging.
const wd = spawn('/usr/bin/WebKitWebDriver', [`--port=${wdPort}`], { stdio: 'ignore', env: { ...process.env, LIBGL_ALWAYS_SOFTWARE: '1' } });
for (let i = 0; i < 100; i += 1) {
  const up = await fetch(`http://127.0.0.1:${wdPort}/status`).then(() => true, () => false);
  if (up) break;
  await sleep(100);
}
const session = await Session.create(`http://127.0.0.1:${wdPort}`, {
  browserName: 'MiniBrowser',
  'webkitgtk:browserOptions': { binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', args: ['--automation', '--geometry=1100x760'] },
});
await session.cmd('POST', '/window/rect', { width: 1100, height: 760 }).catch(() => {});
const T0 = Date.now();
const trace = (...a) => process.env.TRACE && console.log(((Date.now() - T0) / 1000).toFixed(1), ...a);
const go = (qs = '') => trace('go', qs) || session.cmd('POST', '/url', { url: `${base}${qs}` });
const shot = async (name) => writeFileSync(path.join(out, `${name}.png`), await session.screenshot());
const click = async (css) => { trace('click', css); const el = await session.find(css); trace('found'); await el.click(); trace('clicked'); };
const waitFor = (css, ms = 5000) => trace('wait', css) || session.waitFor(async () => (await session.findAll(css)).length > 0, { ms, what: css });
const type = async (css, text) => (await session.find(css)).type(text);

const scenarios = {
  async list() {
    await go();
    await waitFor('[data-testid="connection-row"]');
    await sleep(300);
    await shot('list');
  },
  async empty() {
    await go('?empty&keyring=off');
    await waitFor('[data-testid="empty-state"]');
    await shot('empty-keyring');
  },
  async picker() {
    await go('?empty');
    await waitFor('[data-testid="empty-state"]');
    await click('[data-testid="new-connection"]');
    await sleep(300);
    await shot('picker');
  },
  async formUrl() {
    await go();
    await waitFor('[data-testid="new-connection"]');
    await click('[data-testid="new-connection"]');
    await click('[data-testid="provider-neon"]');
    await type('[data-testid="field-name"]', 'Neon main');
    await type('[data-testid="field-url"]', 'postgresql://neondb_owner:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require');
    await sleep(600);
    await shot('form-url');
    await type('[data-testid="field-url"]', '%zz');
    await sleep(600);
    await shot('form-url-error');
  },
  async formHost() {
    await go();
    await waitFor('[data-testid="new-connection"]');
    await click('[data-testid="new-connection"]');
    await click('[data-testid="provider-supabase"]');
    await click('[data-testid="mode-host"]');
    await type('[data-testid="field-host"]', 'db.abcdefghijklmnop.supabase.co');
    await type('[data-testid="field-port"]', 'x');
    await sleep(600);
    await shot('form-host');
    await session.exec('window.scrollTo(0, 600); document.querySelector("main").scrollTop = 600;');
    await shot('form-host-2');
  },
  async testOk() {
    await go('?tables=100000');
    await waitFor('[data-testid="action-edit"]');
    await click('[data-testid="action-edit"]');
    await click('[data-testid="test-button"]');
    await sleep(350);
    await shot('test-running');
    await waitFor('[data-testid="permissions-dialog"]', 15000);
    await sleep(300);
    await shot('permissions');
    await type('[data-testid="perm-filter"]', 'table_0421');
    await sleep(400);
    await shot('permissions-filtered');
    await click('[data-testid="dialog-close"]');
    await shot('test-ok');
  },
  async testFail() {
    await go('?real=bad');
    await waitFor('[data-testid="action-edit"]');
    await click('[data-testid="action-edit"]');
    await type('[data-testid="field-password"]', 'wrong');
    await click('[data-testid="test-button"]');
    await waitFor('[data-testid="test-error"]', 8000);
    await click('[data-testid="test-error"] summary');
    await shot('test-fail');
  },
  async listTest() {
    await go();
    await waitFor('[data-testid="action-test"]');
    await click('[data-testid="action-test"]');
    await waitFor('[data-testid="test-success"]', 8000);
    await shot('list-test');
  },
  async keyboard() {
    await go();
    await waitFor('[data-testid="action-delete"]');
    await click('[data-testid="action-delete"]');
    await waitFor('[data-testid="delete-dialog"]');
    const a = await session.exec('return document.activeElement.dataset.testid');
    const el = await session.find('[data-testid="confirm-cancel"]');
    await el.type('\uE004'); // Tab -> confirm
    const b = await session.exec('return document.activeElement.dataset.testid');
    await el.type('\uE004');
    const c = await session.exec('return document.activeElement.dataset.testid');
    await (await session.find('[data-testid="delete-dialog"]')).type('\uE00C');
    await sleep(100);
    const d = await session.exec('return [document.querySelectorAll(".dialog-backdrop").length, document.activeElement.dataset.testid, document.getElementById("app").inert]');
    trace("focus", a, b, c, d);
    await shot('keyboard');
  },
  async destDialog() {
    await go('?real=auto');
    await waitFor('[data-testid="action-test"]');
    const tests = await session.findAll('[data-testid="action-test"]');
    await tests[1].click();
    await waitFor('[data-testid="view-permissions"]', 8000);
    await click('[data-testid="view-permissions"]');
    await sleep(300);
    await shot('permissions-destination');
  },
};

let failed = 0;
try {
  for (const [name, fn] of Object.entries(scenarios)) {
    if (only.length && !only.includes(name)) continue;
    try {
      await fn();
      console.log(`ok ${name}`);
      const errs = await session.exec('return window.__errors || []').catch(() => []);
      if (errs.length) console.log('  page errors:', errs);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}: ${e.message}`);
      await shot(`${name}-failure`).catch(() => {});
    }
  }
  const logs = await session.exec('return window.__errors || []').catch(() => []);
  if (logs.length) console.log('page errors', logs);
} finally {
  await session.close();
  wd.kill();
  server.close();
}
process.exit(failed ? 1 : 0);
