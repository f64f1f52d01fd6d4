import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UrlSync, normalizeParams, markPosition } from '../../ui/js/lib/url-sync.js';

/** A scheduler the test drives by hand. */
function manualClock() {
  const tasks = [];
  return {
    schedule(fn) {
      const t = { fn, cancelled: false };
      tasks.push(t);
      return () => { t.cancelled = true; };
    },
    async tick() {
      const due = tasks.splice(0);
      for (const t of due) if (!t.cancelled) await t.fn();
    },
    get pending() {
      return tasks.filter((t) => !t.cancelled).length;
    },
  };
}

/** A fake backend whose replies the test releases in any order. */
function fakeApi(parse) {
  const calls = [];
  const api = {
    calls,
    parseUrl(url) {
      return new Promise((resolve, reject) => calls.push({ kind: 'parse', url, resolve: () => { try { resolve(parse(url)); } catch (e) { reject(e); } } }));
    },
    formatUrl(params, password) {
      return new Promise((resolve) => calls.push({ kind: 'format', params, password, resolve: () => resolve(`postgresql://${params.user || ''}@${params.host || ''}:${params.port || ''}/${params.dbname || ''}`) }));
    },
  };
  return api;
}

function simpleParse(url) {
  if (url.includes('%zz')) throw { kind: 'invalid_input', message: 'invalid percent-encoded token: "%zz"', position: url.indexOf('%zz') };
  const m = /^postgres(?:ql)?:\/\/(?:([^:@]*)(?::([^@]*))?@)?([^:/?]*)(?::(\d+))?(?:\/([^?]*))?(?:\?(.*))?$/.exec(url);
  if (!m) throw { kind: 'invalid_input', message: 'bad', position: 0 };
  const params = new URLSearchParams(m[6] || '');
  const warnings = [...params.keys()].filter((k) => k !== 'sslmode').map((k) => `unknown parameter "${k}"`);
  const out = { user: m[1] || null, host: m[3] || null, port: m[4] || null, dbname: m[5] || null, sslmode: params.get('sslmode') };
  return { params: normalizeParams(out), password: m[2] || null, warnings, syntax: 'uri' };
}

function setup() {
  const clock = manualClock();
  const api = fakeApi(simpleParse);
  const seen = { params: [], urls: [], errors: [], warnings: [], passwords: [] };
  const sync = new UrlSync({
    api,
    schedule: clock.schedule,
    onParams: (p) => seen.params.push(p),
    onPassword: (p) => seen.passwords.push(p),
    onUrl: (u, opts) => seen.urls.push(opts && opts.force ? `force:${u}` : u),
    onError: (e) => seen.errors.push(e),
    onWarnings: (w) => seen.warnings.push(w),
  });
  return { clock, api, sync, seen };
}

const flushMicrotasks = () => new Promise((r) => setImmediate(r));

test('editing the URL fills the fields once it parses', async () => {
  const { clock, api, sync, seen } = setup();
  sync.setUrl('postgresql://app:pw@db.example.com:6543/shop?sslmode=require');
  assert.equal(api.calls.length, 0, 'debounced');
  const done = clock.tick();
  await flushMicrotasks();
  api.calls[0].resolve();
  await done;
  assert.deepEqual(sync.params, { host: 'db.example.com', port: '6543', dbname: 'shop', user: 'app', sslmode: 'require' });
  assert.equal(sync.password, 'pw', 'the password is kept apart from params');
  assert.deepEqual(seen.passwords, ['pw']);
  assert.equal(seen.params.length, 1);
});

test('typing fast sends one parse for the last value (debounce)', async () => {
  const { clock, api, sync } = setup();
  for (const u of ['p', 'po', 'postgresql://a@h/d']) sync.setUrl(u);
  assert.equal(clock.pending, 1);
  const done = clock.tick();
  await flushMicrotasks();
  assert.equal(api.calls.length, 1);
  assert.equal(api.calls[0].url, 'postgresql://a@h/d');
  api.calls[0].resolve();
  await done;
  assert.equal(sync.params.user, 'a');
});

test('a stale parse reply never overwrites a newer edit', async () => {
  const { clock, api, sync, seen } = setup();
  sync.setUrl('postgresql://old@h1/d');
  const first = clock.tick();
  await flushMicrotasks();
  sync.setUrl('postgresql://new@h2/d');
  const second = clock.tick();
  await flushMicrotasks();
  assert.equal(api.calls.length, 2);
  api.calls[1].resolve(); // the newer reply first
  await second;
  api.calls[0].resolve(); // then the old one, late
  await first;
  assert.equal(sync.params.user, 'new');
  assert.equal(sync.params.host, 'h2');
  assert.equal(seen.params.length, 1);
});

test('a field edit after a URL edit wins over the URL reply', async () => {
  const { clock, api, sync } = setup();
  sync.setUrl('postgresql://u@h/d');
  const parse = clock.tick();
  await flushMicrotasks();
  sync.setParams({ port: '7777' });
  api.calls[0].resolve();
  await parse;
  assert.equal(sync.params.port, '7777');
  assert.equal(sync.params.user, undefined, 'the stale parse did not apply');
});

test('editing a field rewrites the URL, without the password', async () => {
  const { clock, api, sync, seen } = setup();
  sync.load({ params: { host: 'h', user: 'u', dbname: 'd' }, password: 'pw' });
  sync.setParams({ port: '5433' });
  const done = clock.tick();
  await flushMicrotasks();
  assert.equal(api.calls[0].kind, 'format');
  assert.equal(api.calls[0].password, undefined, 'the URL is formatted without a password');
  api.calls[0].resolve();
  await done;
  assert.deepEqual(seen.urls, ['postgresql://u@h:5433/d']);
  assert.equal(sync.url, 'postgresql://u@h:5433/d');
});

test('a URL without a password keeps the password already typed', async () => {
  const { clock, api, sync } = setup();
  sync.load({ params: { host: 'h' }, password: 'typed' });
  sync.setUrl('postgresql://u@h2/d');
  const done = clock.tick();
  await flushMicrotasks();
  api.calls[0].resolve();
  await done;
  assert.equal(sync.params.host, 'h2');
  assert.equal(sync.password, 'typed');
});

test('a pasted password moves out of the URL into the masked field', async () => {
  const { api, sync, seen } = setup();
  sync.setUrl('postgresql://app:s3cret@db.example.com/shop');
  const take = sync.takePassword();
  await flushMicrotasks();
  api.calls[0].resolve(); // the parse
  await flushMicrotasks();
  assert.equal(api.calls[1].kind, 'format', 'then the URL is rewritten');
  api.calls[1].resolve();
  await take;
  assert.equal(sync.password, 's3cret');
  assert.equal(sync.urlPassword, null);
  assert.deepEqual(seen.urls, ['force:postgresql://app@db.example.com:/shop']);
  assert.ok(!sync.url.includes('s3cret'), sync.url);
  // Nothing to move: no call at all.
  await sync.takePassword();
  assert.equal(api.calls.length, 2);
});

test('parse errors keep the fields and report the position; warnings pass through', async () => {
  const { clock, api, sync, seen } = setup();
  sync.load({ params: { host: 'keep' } });
  sync.setUrl('postgresql://u@h/d%zz');
  let done = clock.tick();
  await flushMicrotasks();
  api.calls[0].resolve();
  await done;
  assert.equal(sync.params.host, 'keep');
  const err = seen.errors.at(-1);
  assert.equal(err.position, 'postgresql://u@h/d'.length);
  assert.deepEqual(markPosition(sync.url, err.position), ['postgresql://u@h/d', '%', 'zz']);

  sync.setUrl('postgresql://u@h/d?foo=1');
  done = clock.tick();
  await flushMicrotasks();
  api.calls[1].resolve();
  await done;
  assert.equal(seen.errors.at(-1), null, 'error cleared');
  assert.deepEqual(seen.warnings.at(-1), ['unknown parameter "foo"']);
});

test('flush runs the pending call now and waits for it', async () => {
  const { api, sync } = setup();
  sync.setUrl('postgresql://u@flushed/d');
  const f = sync.flush();
  await flushMicrotasks();
  api.calls[0].resolve();
  await f;
  assert.equal(sync.params.host, 'flushed');
});

test('switching modes loses nothing: host edits then URL edits round-trip', async () => {
  const { clock, api, sync } = setup();
  sync.setParams({ host: 'h', user: 'u', dbname: 'd', sslmode: 'verify-full' });
  sync.setPassword('pw');
  let done = clock.tick();
  await flushMicrotasks();
  api.calls.at(-1).resolve();
  await done;
  // The URL now reflects the fields (minus the password); editing it keeps the password.
  sync.setUrl(`${sync.url}?sslmode=verify-full`);
  done = clock.tick();
  await flushMicrotasks();
  api.calls.at(-1).resolve();
  await done;
  assert.deepEqual(sync.params, { host: 'h', user: 'u', dbname: 'd', sslmode: 'verify-full' });
  assert.equal(sync.password, 'pw');
});

test('normalizeParams keeps only the keywords that are set, any keyword', () => {
  assert.deepEqual(normalizeParams({ host: '', port: '5432', channel_binding: 'require', sslrootcert: null, keepalives: 0 }), { port: '5432', channel_binding: 'require', keepalives: '0' });
  assert.deepEqual(normalizeParams(null), {});
});

test('markPosition handles out-of-range positions and multibyte text', () => {
  assert.equal(markPosition('abc', 10), null);
  assert.equal(markPosition('abc', null), null);
  assert.deepEqual(markPosition('é€x', 1), ['é', '€', 'x']);
  assert.deepEqual(markPosition('ab', 2), ['ab', ' ', '']);
});
