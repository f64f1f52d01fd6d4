// The app in the real webview: cold start, memory of the whole process tree,
// and the permissions dialog at 100,000 rows. Drives the release binary
// through tauri-driver + WebKitWebDriver (e2e/app.js), under Xvfb and a
// private Secret Service (bench/run.sh runs it inside
// scripts/with-keyring.sh xvfb-run ...). Writes bench/out/app.json.
//
//   SLUICE_APP_BINARY=…/release/sluice-app node bench/app/app-bench.mjs [--runs 5] [--out bench/out]
//
// How each figure is taken:
// - spawn: WebKitWebDriver starts bench/app/stamp.sh instead of the app; it
//   writes the time and its pid, then execs the app (same pid).
// - window mapped: `xev -root -event substructure` prints the X11 MapNotify
//   of the app's top-level window; we stamp the line as it arrives.
// - UI ready: right after the WebDriver session exists, a script in the page
//   waits (MutationObserver) for document.body.dataset.ready === 'true'
//   (ui/js/main.js sets it after the first successful invoke) and returns
//   performance.timeOrigin + performance.now() at that moment. If the page
//   was already ready when the script ran, the figure is an upper bound and
//   is flagged as such.
// - memory: VmRSS and Pss (smaps_rollup) of the app's pid and every
//   descendant (WebKitWebProcess, WebKitNetworkProcess, …) from /proc.
// - dialog: the module's own openPermissionsDialog() on the reader's report
//   from the 100,000-table catalog run (bench/out/report-100000-mixed-analysed-reader.json),
//   or a synthetic report of 100,000 tables when that file is missing.

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { launch } from '../../e2e/app.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', process.env.BENCH_RUNS || 5));
const outDir = path.resolve(opt('out', path.join(root, 'bench', 'out')));
const realApp = process.env.SLUICE_APP_BINARY;
if (!realApp || !existsSync(realApp)) {
  console.error('app-bench: set SLUICE_APP_BINARY to the release sluice-app (bench/run.sh does)');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const work = mkdtempSync(path.join(tmpdir(), 'sluice-bench-app-'));
const stampFile = path.join(work, 'stamp');
process.env.SLUICE_BENCH_APP = realApp;
process.env.SLUICE_BENCH_STAMP = stampFile;
process.env.SLUICE_APP_BINARY = path.join(root, 'bench', 'app', 'stamp.sh');

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function summary(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const n = v.length;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  const r = (x) => Math.round(x * 100) / 100;
  return { median: r(median), min: r(v[0]), max: r(v[n - 1]), n };
}

function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
}

// --- /proc ------------------------------------------------------------------

function children() {
  const map = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(after[1]);
      if (!map.has(ppid)) map.set(ppid, []);
      map.get(ppid).push(Number(d));
    } catch {
      // gone
    }
  }
  return map;
}

function processTree(pid) {
  const kids = children();
  const out = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.shift();
    out.push(p);
    for (const c of kids.get(p) || []) todo.push(c);
  }
  return out;
}

function kib(text, field) {
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : 0;
}

/** RSS and PSS (MiB) of pid and all its descendants, and per process:
 * name, RSS, PSS, anonymous and file-backed PSS, and the RSS of Mesa's
 * software GL (libLLVM, swrast_dri: loaded when there is no GPU). */
function treeMemory(pid) {
  let rss = 0;
  let pss = 0;
  const procs = [];
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const name = (status.match(/^Name:\s+(.*)$/m) || [])[1] || '?';
      const r = kib(status, 'VmRSS');
      let rollup = '';
      try {
        rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      } catch {
        // no smaps (gone)
      }
      let softGl = 0;
      try {
        let current = '';
        for (const line of readFileSync(`/proc/${p}/smaps`, 'utf8').split('\n')) {
          if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) current = line;
          else if (line.startsWith('Rss:') && /libLLVM|swrast_dri|libgallium/.test(current)) softGl += Number(line.split(/\s+/)[1]);
        }
      } catch {
        // gone
      }
      const s = rollup ? kib(rollup, 'Pss') : r;
      rss += r;
      pss += s;
      if (r > 0) {
        const mb = (k) => Math.round(k / 102.4) / 10;
        procs.push({ name, rss: mb(r), pss: mb(s), pss_anon: mb(kib(rollup, 'Pss_Anon')), pss_file: mb(kib(rollup, 'Pss_File')), soft_gl_rss: mb(softGl) });
      }
    } catch {
      // gone
    }
  }
  return { rss: rss / 1024, pss: pss / 1024, who: procs.map((x) => `${x.name} ${Math.round(x.rss)}`).join(', '), procs };
}

// --- X11: when the window is mapped ----------------------------------------

function watchMaps() {
  const maps = [];
  let child;
  try {
    child = spawn('stdbuf', ['-oL', 'xev', '-root', '-event', 'substructure'], { stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return { maps, stop() {} };
  }
  let buf = '';
  child.stdout.on('data', (d) => {
    const at = nowMs();
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('MapNotify event')) maps.push({ at, override: null });
      else if (maps.length && /override (YES|NO)/.test(line) && maps[maps.length - 1].override === null) {
        maps[maps.length - 1].override = /override YES/.test(line);
      }
    }
  });
  child.on('error', () => {});
  return {
    maps,
    stop() {
      child.kill();
    },
  };
}

// --- in the page ----------------------------------------------------------------

const WAIT_READY = `
const done = arguments[arguments.length - 1];
const at = () => performance.timeOrigin + performance.now();
const nav = () => {
  const e = performance.getEntriesByType('navigation')[0];
  const mark = (n) => { const m = performance.getEntriesByName(n, 'mark')[0]; return m ? m.startTime : null; };
  return e ? { timeOrigin: performance.timeOrigin, responseEnd: e.responseEnd, domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd, main: mark('sluice:main'), ready: mark('sluice:ready') } : { timeOrigin: performance.timeOrigin };
};
if (document.body && document.body.dataset.ready === 'true') {
  done({ at: at(), already: true, nav: nav() });
} else {
  const obs = new MutationObserver(() => {
    if (document.body && document.body.dataset.ready === 'true') {
      const t = at();
      obs.disconnect();
      // DOMContentLoaded has passed by now; loadEventEnd may not have.
      setTimeout(() => done({ at: t, already: false, nav: nav() }), 0);
    }
  });
  obs.observe(document.documentElement, { attributes: true, subtree: true, childList: true, attributeFilter: ['data-ready'] });
}`;

const PUSH_CHUNK = `(window.__benchChunks = window.__benchChunks || []).push(arguments[0]); return window.__benchChunks.length;`;

// A synthetic reader's report of N tables, in the full form `sluice test
// --json` prints (used when the catalog section has not run).
function synthReport(n) {
  const relations = [];
  for (let i = 1; i <= n; i += 1) {
    relations.push({ schema: `s${i % 10}`, name: `t${i}`, kind: 'table', privileges: ['SELECT'], rls: false, column_only: false, column_privileges: [], partition_of: null, uses: [] });
  }
  const schemas = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, usage: true, create: false, complete: true }));
  return { connected: true, steps: [], server: null, error: null, total_ms: 0,
    access: { role: 'reader', database: 'bench', superuser: false, bypass_rls: false, schemas, relations, sequences: [], functions: [], not_found: [], other_schemas: [] },
    verdict: { job: 'source', ready: true, problems: [], fix_sql: '' } };
}

const PARSE_CHUNKS = `
window.__benchReport = JSON.parse(window.__benchChunks.join(''));
window.__benchChunks = null;
return window.__benchReport.access.relations.name.length;`;

const OPEN_DIALOG = `
const done = arguments[arguments.length - 1];
const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
(async () => {
  const m = await import(new URL('js/components/permissions-dialog.js', document.baseURI).href);
  await frame();
  const t0 = performance.now();
  m.openPermissionsDialog({ report: window.__benchReport, job: 'source', name: 'bench' });
  const t1 = performance.now();
  await frame();
  const t2 = performance.now();
  const vp = document.querySelector('[data-testid="perm-table"] .vt-viewport');
  const count = document.querySelector('[data-testid="perm-count"]');
  const rows = document.querySelectorAll('[data-testid="perm-table"] .vt-rows .vt-row').length;

  // Scroll: 240 px (8 rows) per frame for 150 frames; frame time = the gap
  // between consecutive requestAnimationFrame timestamps.
  const stamps = [];
  let maxIndex = 0;
  await new Promise((resolve) => {
    const step = (ts) => {
      stamps.push(ts);
      const first = document.querySelector('[data-testid="perm-table"] .vt-rows .vt-row');
      if (first) maxIndex = Math.max(maxIndex, Number(first.dataset.index));
      if (stamps.length > 150) return resolve();
      vp.scrollTop += 240;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const frames = stamps.slice(1).map((t, i) => t - stamps[i]);
  await frame();
  const scrolled = vp.scrollTop;

  // Filter: type into the box (the dialog debounces 60 ms), until the
  // filtered rows are painted.
  const filter = document.querySelector('[data-testid="perm-filter"]');
  const before = count.dataset.shown;
  const f0 = performance.now();
  filter.value = 't9999';
  filter.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((resolve) => {
    const obs = new MutationObserver(() => { if (count.dataset.shown !== before) { obs.disconnect(); resolve(); } });
    obs.observe(count, { attributes: true, childList: true, characterData: true, subtree: true });
  });
  await frame();
  const f1 = performance.now();
  done({
    open_to_return: t1 - t0, open_to_first_paint: t2 - t0, rendered_rows: rows,
    total: count.dataset.total, frames, scrolled, max_first_row_index: maxIndex,
    filter_to_paint: f1 - f0, filtered: count.dataset.shown,
  });
})().catch((e) => done({ error: String(e && e.stack || e) }));`;

// --- one launch ---------------------------------------------------------------------

// The report as test_connection sends it to the window: the full report
// converted by the same Rust code the app runs (`sluice-bench compact`).
let payload = null;
function ipcPayload() {
  if (payload) return payload;
  let file = path.join(outDir, 'report-100000-mixed-analysed-reader.json');
  let source = 'real';
  if (!existsSync(file)) {
    file = path.join(outDir, 'synthetic-report-100000.json');
    writeFileSync(file, JSON.stringify(synthReport(100000)));
    source = 'synthetic';
  }
  const ipcFile = path.join(outDir, 'report-100000-reader.ipc.json');
  const bench = process.env.SLUICE_BENCH_BIN;
  if (!bench) throw new Error('app-bench: set SLUICE_BENCH_BIN to sluice-bench (bench/run.sh does)');
  const sizes = JSON.parse(execFileSync(bench, ['compact', '--in', file, '--to', ipcFile], { encoding: 'utf8' }));
  payload = { source, text: readFileSync(ipcFile, 'utf8'), full_bytes: sizes.full_bytes, ipc_bytes: sizes.ipc_bytes };
  return payload;
}

async function loadReport(session) {
  const { source, text, full_bytes, ipc_bytes } = ipcPayload();
  const size = 2 * 1024 * 1024;
  for (let i = 0; i < text.length; i += size) await session.exec(PUSH_CHUNK, text.slice(i, i + size));
  return { source, relations: await session.exec(PARSE_CHUNKS), bytes: full_bytes, ipc_bytes };
}

let launchRetries = 0;

async function once({ dialog, env }) {
  rmSync(stampFile, { force: true });
  const saved = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const x = watchMaps();
  await sleep(200); // xev is listening
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await measureLaunch({ dialog, x });
      } catch (e) {
        // tauri-driver sometimes cannot reach WebKitWebDriver's port yet and
        // drops the new-session request: launch again (once).
        if (attempt >= 2 || !/fetch failed|did not listen/.test(String(e && e.message))) throw e;
        launchRetries += 1;
        console.log(`  (launch failed: ${e.message}; launching again)`);
        await sleep(1000);
      }
    }
  } finally {
    x.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function measureLaunch({ dialog, x }) {
  const requested = nowMs();
  const { session, stop } = await launch({ appProcess: process.env.SLUICE_BENCH_APP });
  const created = nowMs();
  try {
    const ready = await session.execAsync(WAIT_READY);
    const [spawnNs, pid] = readFileSync(stampFile, 'utf8').trim().split(' ');
    const spawned = Number(BigInt(spawnNs) / 1000n) / 1000;
    const mapped = x.maps.find((m) => m.at >= spawned && m.override !== true);
    const r = {
      pid: Number(pid),
      spawn_to_ready: ready.at - spawned,
      ready_was_upper_bound: ready.already,
      spawn_to_dom_content_loaded: ready.nav.domContentLoaded ? ready.nav.timeOrigin + ready.nav.domContentLoaded - spawned : null,
      spawn_to_time_origin: ready.nav.timeOrigin - spawned,
      // The page's own part: HTML received, every module of the list page
      // fetched and evaluated (main.js's first line), then the first invoke.
      spawn_to_html: ready.nav.responseEnd != null ? ready.nav.timeOrigin + ready.nav.responseEnd - spawned : null,
      spawn_to_modules: ready.nav.main != null ? ready.nav.timeOrigin + ready.nav.main - spawned : null,
      spawn_to_window_mapped: mapped ? mapped.at - spawned : null,
      session_create_to_ready: ready.at - requested,
      session_create_request_to_return: created - requested,
    };
    await sleep(2000); // idle: let start-up work settle
    r.idle = treeMemory(r.pid);
    if (dialog) {
      r.report = await loadReport(session);
      const d = await session.execAsync(OPEN_DIALOG);
      if (d.error) throw new Error(`dialog: ${d.error}`);
      r.dialog = d;
      await sleep(1000);
      r.dialog_memory = treeMemory(r.pid);
    }
    return r;
  } finally {
    await stop();
  }
}

/** The platform's floor: WebKitGTK's own MiniBrowser on about:blank, same
 * window size, same Xvfb, measured 4 s after start. */
async function floorMemory(env) {
  const mini = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
  if (!existsSync(mini)) return null;
  const child = spawn(mini, ['--geometry=1100x760', 'about:blank'], { stdio: 'ignore', env: { ...process.env, ...env } });
  await sleep(4000);
  const m = treeMemory(child.pid);
  child.kill();
  await new Promise((r) => child.once('exit', r));
  return m;
}

/** Cold start as a user launches the app: no tauri-driver, no WebKit
 * automation. *UI ready* is the app's own `startup: the page is up` log line
 * (written when the page's first invoke arrives, src-tauri/src/commands.rs
 * app_version), stamped here as it comes through the pipe. The spawn is
 * stamped just before node's spawn(). */
async function directLaunch(env) {
  const configHome = mkdtempSync(path.join(work, 'direct-'));
  const spawned = nowMs();
  const child = spawn(realApp, [], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { LIBGL_ALWAYS_SOFTWARE: '1', ...process.env, XDG_CONFIG_HOME: configHome, SLUICE_LOG: 'info', NO_COLOR: '1', ...env },
  });
  const exited = new Promise((r) => child.once('exit', r));
  let text = '';
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no startup line within 20 s: ${text.slice(-400)}`)), 20000);
      child.once('exit', (code) => reject(new Error(`the app exited (${code}) before its page was up: ${text.slice(-400)}`)));
      child.stderr.on('data', (chunk) => {
        const at = nowMs();
        text += chunk;
        const m = /startup: the page is up.*?ms="?([\d.]+)/.exec(text.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) {
          clearTimeout(timer);
          resolve({ spawn_to_ready: at - spawned, app_ms: Number(m[1]) });
        }
      });
    });
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    await sleep(500); // WebKit's processes follow their parent out
  }
}

// --- main -----------------------------------------------------------------------------

const MODES = {
  // The app decides itself (src-tauri/src/compositing.rs): under Xvfb, no DRI
  // render node, so off. Both modes are forced here to compare them; the
  // MiniBrowser floor takes WebKit's own variable.
  default: { env: { SLUICE_COMPOSITING: 'on' }, label: "accelerated compositing (`SLUICE_COMPOSITING=on`: with no GPU, on Mesa's software GL, llvmpipe)" },
  no_compositing: { env: { SLUICE_COMPOSITING: 'off', WEBKIT_DISABLE_COMPOSITING_MODE: '1' }, label: 'compositing off (`SLUICE_COMPOSITING=off`; what Sluice chooses by itself on this machine)' },
};

const loadBefore = loadavg();
const modes = {};
let lastReport = null;
for (const [mode, { env, label }] of Object.entries(MODES)) {
  console.log(`app-bench [${mode}]: ${runs} launches of ${realApp} (plus one warm-up)`);
  await once({ dialog: false, env }); // warm-up: page cache, fontconfig and shader caches
  const results = [];
  for (let i = 0; i < runs; i += 1) {
    const r = await once({ dialog: true, env });
    results.push(r);
    console.log(
      `  run ${i + 1}/${runs}: spawn→mapped ${r.spawn_to_window_mapped?.toFixed(0)} ms, spawn→ready ${r.spawn_to_ready.toFixed(0)} ms${r.ready_was_upper_bound ? ' (upper bound)' : ''}, ` +
        `idle ${r.idle.rss.toFixed(0)} MiB RSS / ${r.idle.pss.toFixed(0)} MiB PSS; dialog (${r.report.source}, ${r.report.relations} rows) first paint ${r.dialog.open_to_first_paint.toFixed(0)} ms, ` +
        `scroll frame median ${percentile(r.dialog.frames, 50).toFixed(1)} ms, p95 ${percentile(r.dialog.frames, 95).toFixed(1)} ms; with dialog ${r.dialog_memory.rss.toFixed(0)} MiB RSS`,
    );
  }
  await directLaunch(env); // warm-up
  const direct = [];
  for (let i = 0; i < runs; i += 1) direct.push(await directLaunch(env));
  console.log(`  launched directly: spawn→ready ${direct.map((d) => d.spawn_to_ready.toFixed(0)).join(', ')} ms (app's own clock ${direct.map((d) => d.app_ms.toFixed(0)).join(', ')} ms)`);
  const floors = [];
  for (let i = 0; i < runs; i += 1) {
    const f = await floorMemory(env);
    if (f) floors.push(f);
  }
  if (floors.length) console.log(`  floor (MiniBrowser about:blank): ${floors[0].rss.toFixed(0)} MiB RSS / ${floors[0].pss.toFixed(0)} MiB PSS`);
  const pick = (f) => summary(results.map(f));
  const last = results[results.length - 1];
  lastReport = last.report;
  modes[mode] = {
    label,
    cold_start: {
      spawn_to_window_mapped: pick((r) => r.spawn_to_window_mapped ?? NaN),
      spawn_to_time_origin: pick((r) => r.spawn_to_time_origin ?? NaN),
      spawn_to_html: pick((r) => r.spawn_to_html ?? NaN),
      spawn_to_modules: pick((r) => r.spawn_to_modules ?? NaN),
      spawn_to_dom_content_loaded: pick((r) => r.spawn_to_dom_content_loaded ?? NaN),
      spawn_to_ready: pick((r) => r.spawn_to_ready),
      session_create_to_ready: pick((r) => r.session_create_to_ready),
      direct_spawn_to_ready: summary(direct.map((d) => d.spawn_to_ready)),
      direct_app_ms: summary(direct.map((d) => d.app_ms)),
      upper_bounds: results.filter((r) => r.ready_was_upper_bound).length,
    },
    memory: {
      idle_rss_mib: pick((r) => r.idle.rss),
      idle_pss_mib: pick((r) => r.idle.pss),
      idle_processes: last.idle.procs,
      dialog_rss_mib: pick((r) => r.dialog_memory.rss),
      dialog_pss_mib: pick((r) => r.dialog_memory.pss),
      dialog_processes: last.dialog_memory.procs,
      floor_rss_mib: summary(floors.map((f) => f.rss)),
      floor_pss_mib: summary(floors.map((f) => f.pss)),
      floor_processes: floors.length ? floors[floors.length - 1].procs : null,
    },
    dialog: {
      open_to_return: pick((r) => r.dialog.open_to_return),
      open_to_first_paint: pick((r) => r.dialog.open_to_first_paint),
      scroll_frame_median: pick((r) => percentile(r.dialog.frames, 50)),
      scroll_frame_p95: pick((r) => percentile(r.dialog.frames, 95)),
      scroll_frame_max: pick((r) => Math.max(...r.dialog.frames)),
      frames_over_33ms: pick((r) => r.dialog.frames.filter((f) => f > 33.4).length),
      filter_to_paint: pick((r) => r.dialog.filter_to_paint),
      rendered_rows: last.dialog.rendered_rows,
      scrolled_px: last.dialog.scrolled,
      max_first_row_index: last.dialog.max_first_row_index,
      filtered_rows: last.dialog.filtered,
      ipc_bytes: last.report.ipc_bytes,
      full_bytes: last.report.bytes,
    },
    raw: results.map((r) => ({
      ...r,
      idle: { rss: r.idle.rss, pss: r.idle.pss },
      dialog_memory: { rss: r.dialog_memory.rss, pss: r.dialog_memory.pss },
      dialog: r.dialog && { ...r.dialog, frames: r.dialog.frames.map((f) => Math.round(f * 100) / 100) },
    })),
  };
}
rmSync(work, { recursive: true, force: true });
// A launch that failed leaves its tauri-driver (our child) running: stop
// what we started, by pid.
for (const pid of processTree(process.pid).slice(1)) {
  try {
    const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (/^(tauri-driver|WebKitWebDriver|sluice-app)$/.test(name)) process.kill(pid);
  } catch {
    // gone
  }
}

const upper = Object.values(modes).reduce((n, m) => n + m.cold_start.upper_bounds, 0);
const out = {
  runs,
  modes,
  launch_retries: launchRetries,
  cold_start_method:
    'Release binary (`npx tauri build`), launched by WebKitWebDriver through tauri-driver under Xvfb (no GPU), ' +
    "a fresh config dir each launch, warm page cache (one discarded warm-up launch). *Spawn* is when the app's process " +
    'starts (bench/app/stamp.sh records the time, then execs the app); *UI ready* is when `document.body.dataset.ready` ' +
    'turns true (ui/js/main.js sets it after the first successful invoke), seen by a MutationObserver in the page and stamped with ' +
    "the page's clock (performance.timeOrigin + now(), the same wall clock). *Window mapped*: the X11 MapNotify of the top-level window, " +
    "seen by `xev -root`. The app runs in WebDriver automation mode, close to but not exactly a user's launch; tauri-driver's and " +
    "WebKitWebDriver's own start-up happen before the spawn and are not counted (the last row shows them for reference). " +
    'The two rows *launched directly* start the app as a user does (no tauri-driver, no automation), with the same fresh config ' +
    "dir and warm-up: ready is the app's own log line `startup: the page is up`, written when the page's first invoke reaches " +
    "Rust and stamped as it arrives on the pipe; the app's own clock counts from `run()`, so not the dynamic loader. " +
    (upper
      ? `In ${upper} runs the page was already ready when the observer was installed: those figures are upper bounds.`
      : 'In every run the observer was in place before the page became ready, so no figure is an upper bound.'),
  memory_method:
    "Sum over the app's process and all its descendants (WebKitWebProcess, WebKitNetworkProcess) of VmRSS " +
    '(/proc/PID/status) and of Pss (/proc/PID/smaps_rollup). RSS counts shared libraries once per process, so the ' +
    'RSS sum overstates what the app costs; PSS splits shared pages between the processes that map them. ' +
    '*Idle*: 2 s after UI ready, on the connections list. *Dialog*: 1 s after scrolling the permissions dialog (section 6). ' +
    "*Floor*: WebKitGTK's own MiniBrowser showing about:blank, same window size, same Xvfb, 4 s after start: what any WebKitGTK window costs on this machine.",
  dialog_method:
    `The permissions dialog (ui/js/components/permissions-dialog.js) opened in the running release app with ${
      lastReport.source === 'real'
        ? `the reader's real report from the 100,000-table catalog run (${lastReport.relations.toLocaleString('en-US')} relations)`
        : `a synthetic report of ${lastReport.relations.toLocaleString('en-US')} tables (run the catalog section first for the real one)`
    }, in the compact form test_connection sends the window (${(lastReport.ipc_bytes / 1048576).toFixed(2)} MiB of JSON, against ${(lastReport.bytes / 1048576).toFixed(1)} MiB for the full form \`sluice test --json\` prints; converted by \`sluice-bench compact\`, the app's own code), ` +
    "by calling the module's own `openPermissionsDialog` from a WebDriver script (the report is already in the page, as after a test). " +
    '*First paint*: from the call to the end of the first animation frame after it returned (a requestAnimationFrame callback, then a task). ' +
    '*Scrolling*: 150 frames, each scrolling the table by 240 px (8 rows); frame time = gap between consecutive requestAnimationFrame timestamps ' +
    '(16.7 ms is the 60 Hz floor). *Filter*: from the input event (the dialog filters once per animation frame) to the filtered rows painted.',
  machine: {
    date_utc: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    load_before: loadBefore.map((x) => Math.round(x * 100) / 100),
    load: loadavg().map((x) => Math.round(x * 100) / 100),
    cores: cpus().length,
  },
};
writeFileSync(path.join(outDir, 'app.json'), JSON.stringify(out, null, 2));
console.log(`app-bench: wrote ${path.join(outDir, 'app.json')}`);
