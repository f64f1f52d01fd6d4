// A fake window.__TAURI__ for the dev preview (server.js): every command of
// the IPC contract, answered in memory, with a test that streams StepEvents.
// Query flags: ?empty, ?keyring=off, ?tables=N (rows in the access report).

const q = new URLSearchParams(location.search);
window.__errors = [];
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__errors.push(`unhandled: ${e.reason && (e.reason.message || JSON.stringify(e.reason))}`));
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString();
const FIELDS = ['host', 'port', 'dbname', 'user', 'password', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'options'];
const empty = () => Object.fromEntries(FIELDS.map((k) => [k, null]));

let connections = q.has('empty') ? [] : [
  { id: 'c1', name: 'Production (read replica)', provider: 'neon', role: 'source', truncate: false, init_tables: false, fields: { ...empty(), host: 'ep-cool-darkness-123456.us-east-2.aws.neon.tech', port: '5432', dbname: 'neondb', user: 'neondb_owner', sslmode: 'require' }, has_password: true, has_client_key: false, root_cert_pem: null, client_cert_pem: null, created_at: now(), updated_at: now(), last_test: { at: new Date(Date.now() - 120000).toISOString(), connected: true, ready: true, code: null, message: 'ok', total_ms: 23 } },
  { id: 'c2', name: 'Analytics warehouse', provider: 'supabase', role: 'destination', truncate: true, init_tables: false, fields: { ...empty(), host: 'aws-0-eu-central-1.pooler.supabase.com', port: '6543', dbname: 'postgres', user: 'postgres.abcdefghijklmnop', sslmode: 'require' }, has_password: true, has_client_key: false, root_cert_pem: null, client_cert_pem: null, created_at: now(), updated_at: now(), last_test: { at: new Date(Date.now() - 3 * 3600000).toISOString(), connected: false, ready: null, code: 'auth_failed', message: 'Password authentication failed for user "postgres.abcdefghijklmnop".', total_ms: 310 } },
  { id: 'c3', name: 'Local dev', provider: 'postgres', role: 'source', truncate: false, init_tables: false, fields: { ...empty(), host: 'localhost', port: '5432', dbname: 'app', user: 'app' }, has_password: false, has_client_key: false, root_cert_pem: null, client_cert_pem: null, created_at: now(), updated_at: now(), last_test: null },
];

function parseUrl(url) {
  const fields = empty();
  const warnings = [];
  if (!url.trim()) return { fields, warnings, syntax: 'key_value' };
  if (!/^postgres(ql)?:\/\//.test(url)) {
    if (/^[a-z]+:\/\//.test(url)) throw { kind: 'invalid_input', message: `invalid connection string: expected scheme "postgresql://" or "postgres://", found "${url.split(':')[0]}"`, position: 0 };
    for (const part of url.trim().split(/\s+/)) {
      const [k, v] = part.split('=');
      if (v === undefined) throw { kind: 'invalid_input', message: `missing "=" after "${k}" in connection info string`, position: url.indexOf(part) + part.length };
      if (k in fields) fields[k] = v;
      else warnings.push(`unknown parameter "${k}" is kept but not used by Sluice`);
    }
    return { fields, warnings, syntax: 'key_value' };
  }
  const bad = url.search(/%(?![0-9a-fA-F]{2})/);
  if (bad >= 0) throw { kind: 'invalid_input', message: `invalid percent-encoded token: "${url.slice(bad, bad + 3)}" (at position ${bad})`, position: bad };
  const m = /^postgres(?:ql)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?(\[[^\]]*\]|[^:/?]*)(?::([^/?]*))?(?:\/([^?]*))?(?:\?(.*))?$/.exec(url);
  if (!m) throw { kind: 'invalid_input', message: 'unexpected character', position: url.length - 1 };
  Object.assign(fields, { user: m[1] ? decodeURIComponent(m[1]) : null, password: m[2] ? decodeURIComponent(m[2]) : null, host: m[3] || null, port: m[4] || null, dbname: m[5] ? decodeURIComponent(m[5]) : null });
  for (const [k, v] of new URLSearchParams(m[6] || '')) {
    if (k in fields) fields[k] = v;
    else if (k === 'channel_binding') warnings.push('channel_binding=require is kept: SCRAM is bound to the TLS session');
    else warnings.push(`unknown parameter "${k}"`);
  }
  return { fields, warnings, syntax: 'uri' };
}

function formatUrl(f, includePassword) {
  const enc = encodeURIComponent;
  let s = 'postgresql://';
  if (f.user) s += enc(f.user) + (includePassword && f.password ? `:${enc(f.password)}` : '') + '@';
  s += f.host || '';
  if (f.port) s += `:${f.port}`;
  if (f.dbname) s += `/${enc(f.dbname)}`;
  const params = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'options'].filter((k) => f[k]).map((k) => `${k}=${enc(f[k])}`);
  return params.length ? `${s}?${params.join('&')}` : s;
}

function validate(d) {
  const out = [];
  const name = (d.name || '').trim();
  if (!name) out.push({ field: 'name', severity: 'error', message: 'Enter a name for this connection.' });
  else if (connections.some((c) => c.id !== d.id && c.name.toLowerCase() === name.toLowerCase())) out.push({ field: 'name', severity: 'error', message: `A connection named "${name}" already exists.` });
  const f = d.fields || {};
  if (f.port && !/^\d+$/.test(f.port)) out.push({ field: 'port', severity: 'error', message: `"${f.port}" is not a port number (1 to 65535).` });
  if (f.host && /\s/.test(f.host)) out.push({ field: 'host', severity: 'error', message: 'A host name cannot contain spaces.' });
  if (f.connect_timeout && !/^\d+$/.test(f.connect_timeout)) out.push({ field: 'connect_timeout', severity: 'error', message: 'The timeout must be a whole number of seconds.' });
  if (f.sslmode === 'verify-full' && !f.sslrootcert && !d.root_cert_pem) out.push({ field: 'sslrootcert', severity: 'warning', message: 'No root certificate: the system store will be used.' });
  return out;
}

function access(n) {
  const relations = [];
  for (let i = 0; i < n; i += 1) relations.push({ schema: i % 5 === 0 ? 'audit' : 'public', name: `table_${String(i).padStart(6, '0')}`, kind: i % 17 === 0 ? 'view' : 'table', privileges: i % 4 === 0 ? ['SELECT'] : ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], rls: i % 23 === 0, column_only: i % 29 === 0 });
  relations.splice(1, 0, { schema: 'public', name: '<img src=x onerror=alert(1)>', kind: 'table', privileges: ['SELECT'], rls: false, column_only: false });
  return {
    role: 'app_writer', database: 'shop', superuser: false, bypass_rls: false,
    schemas: [{ name: 'public', usage: true, create: false }, { name: 'audit', usage: true, create: false }, { name: 'secret', usage: false, create: false }],
    relations,
    sequences: [{ schema: 'public', name: 'orders_id_seq', privileges: ['SELECT'], owned_by: 'public.orders.id' }],
    functions: [{ schema: 'public', name: 'touch_updated_at', identity_args: '', kind: 'function', execute: true }],
  };
}

async function test({ target, job, testId, onProgress }) {
  if (q.get('real')) {
    // A real Report from `sluice test --json` (tests/ui/fixtures), streamed step by step.
    const report = await (await fetch(`tests/fixtures/report-${q.get('real') === 'auto' ? job : q.get('real')}.json`)).json();
    for (const s of report.steps) {
      onProgress.onmessage({ stage: s.stage, status: 'running', ms: null, detail: null });
      await wait(120);
      onProgress.onmessage(s);
    }
    return report;
  }
  const d = target.draft || connections.find((c) => c.id === target.id);
  const f = d.fields;
  const running = { cancelled: false };
  tests.set(testId, running);
  const steps = [];
  const stages = [['resolve', 40, '127.0.0.1'], ['connect', 60, `${f.host || 'localhost'}:${f.port || 5432}`], ['tls', 120, f.sslmode === 'disable' ? 'not used' : 'TLS 1.3'], ['auth', 150, 'SCRAM-SHA-256'], ['session', 80, null], ['access', 300, null]];
  let t0 = performance.now();
  for (const [stage, ms, detail] of stages) {
    if (running.cancelled) break;
    onProgress.onmessage({ stage, status: 'running', ms: null, detail: null });
    await wait(q.has('slow') ? ms * 10 : ms);
    if (f.host === 'silent.example' && stage === 'connect') {
      while (!running.cancelled) await wait(50);
    }
    if (running.cancelled) break;
    if (stage === 'auth' && (f.password === 'wrong' || (f.host || '').startsWith('bad'))) {
      steps.push({ stage, status: 'failed', ms: ms + 0.42 });
      onProgress.onmessage({ stage, status: 'failed', ms: ms + 0.42, detail: null });
      return { connected: false, steps, server: null, total_ms: performance.now() - t0, error: { code: 'auth_failed', stage: 'auth', sqlstate: '28P01', message: `Password authentication failed for user "${f.user}".`, hint: 'The server rejected the password. Check it (it is case-sensitive), or reset it with ALTER ROLE ... PASSWORD. If the password is right, check that pg_hba.conf uses scram-sha-256 for this host.', detail: `FATAL:  password authentication failed for user "${f.user}"` } };
    }
    steps.push({ stage, status: stage === 'tls' && f.sslmode === 'disable' ? 'skipped' : 'ok', ms: ms + 0.37, detail });
    onProgress.onmessage({ stage, status: steps.at(-1).status, ms: ms + 0.37, detail });
  }
  tests.delete(testId);
  if (running.cancelled) return { connected: false, steps, server: null, total_ms: 0, error: { code: 'cancelled', stage: 'connect', message: 'Cancelled', hint: '' } };
  const acc = access(Number(q.get('tables') || 40));
  const problems = acc.relations.filter((r) => (job === 'destination' ? !r.privileges.includes('INSERT') && r.kind === 'table' : !r.privileges.includes('SELECT'))).map((r) => ({ severity: 'error', object_type: 'table', schema: r.schema, name: r.name, missing: job === 'destination' ? ['INSERT', 'UPDATE'] : ['SELECT'], reason: job === 'destination' ? 'The role cannot write rows into this table.' : 'The role cannot read this table.' }));
  problems.push({ severity: 'warning', object_type: 'sequence', schema: 'public', name: 'orders_id_seq', missing: ['USAGE'], reason: 'Inserts that use the nextval() default need USAGE on the sequence.' });
  problems.push({ severity: 'info', object_type: 'schema', schema: 'secret', name: 'secret', missing: ['USAGE'], reason: 'Not in scope; tables in it are invisible.' });
  return {
    connected: true, steps, error: null, total_ms: performance.now() - t0,
    server: { server_version: '15.18 (Debian 15.18-1.pgdg120+1)', server_version_num: 150018, login_user: f.user, current_user: f.user || 'app', session_user: f.user, database: f.dbname || 'postgres', in_recovery: false, default_transaction_read_only: false, superuser: false, connected_to: `${f.host || 'localhost'}:${f.port || 5432}`, backend_addr: '127.0.0.1', backend_port: 5432, backend_pid: 4242, pooler: { detected: false, evidence: null }, tls: f.sslmode === 'disable' ? null : { version: 'TLSv1.3', cipher: 'TLS13_AES_256_GCM_SHA384', chain_verified: f.sslmode === 'verify-full', root: null, hostname_verified: f.sslmode === 'verify-full', server_name: f.host, channel_binding_available: true, client_certificate: false } },
    access: acc,
    verdict: { role: f.user, job, ready: !problems.some((p) => p.severity === 'error'), problems, fix_sql: job === 'destination' ? `GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO ${f.user};\nGRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA audit TO ${f.user};\nGRANT USAGE ON SEQUENCE public.orders_id_seq TO ${f.user};` : `GRANT SELECT ON public."<img src=x onerror=alert(1)>" TO ${f.user};` },
  };
}

const tests = new Map();
const handlers = {
  app_version: () => '0.1.0',
  keyring_status: () => (q.get('keyring') === 'off' ? { available: false, message: 'The Secret Service is not running (org.freedesktop.secrets was not provided by any .service files).', hint: 'Install and start gnome-keyring or KeePassXC with Secret Service integration, then restart Sluice.' } : { available: true }),
  parse_url: ({ url }) => parseUrl(url),
  format_url: ({ fields, includePassword }) => formatUrl(fields, includePassword),
  validate_draft: ({ draft }) => validate(draft),
  list_connections: () => ({ connections: JSON.parse(JSON.stringify(connections)), warnings: [] }),
  save_connection: ({ draft, withoutSecrets }) => {
    if (q.get('keyring') === 'off' && !withoutSecrets && draft.fields.password) throw { kind: 'keyring_unavailable', message: 'The system keyring is not available.', hint: 'Start gnome-keyring, or save without the password.' };
    const issues = validate(draft).filter((i) => i.severity === 'error');
    if (issues.length) throw { kind: 'invalid_input', message: issues[0].message, issues };
    const existing = connections.find((c) => c.id === draft.id);
    const rec = { ...(existing || { id: `c${Date.now()}`, created_at: now(), last_test: null }), name: draft.name.trim(), provider: draft.provider, role: draft.role, truncate: draft.truncate, init_tables: draft.init_tables, fields: { ...draft.fields, password: null }, has_password: !withoutSecrets && !!(draft.fields.password || (existing && existing.has_password)), has_client_key: !!draft.client_key_pem, root_cert_pem: draft.root_cert_pem, client_cert_pem: draft.client_cert_pem, updated_at: now() };
    connections = existing ? connections.map((c) => (c.id === rec.id ? rec : c)) : [...connections, rec];
    return rec;
  },
  delete_connection: ({ id }) => {
    connections = connections.filter((c) => c.id !== id);
    return null;
  },
  duplicate_connection: ({ id }) => {
    const c = connections.find((x) => x.id === id);
    const copy = { ...c, id: `c${Date.now()}`, name: `${c.name} (copy)`, last_test: null };
    connections.push(copy);
    return copy;
  },
  test_connection: test,
  cancel_test: ({ testId }) => {
    const t = tests.get(testId);
    if (t) t.cancelled = true;
    return !!t;
  },
};

class Channel {
  constructor() {
    this.onmessage = () => {};
  }
}

window.__TAURI__ = {
  core: {
    Channel,
    async invoke(cmd, args) {
      await wait(15);
      const fn = handlers[cmd];
      if (!fn) throw { kind: 'internal', message: `unknown command ${cmd}` };
      return fn(args || {});
    },
  },
};
