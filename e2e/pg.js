// Throwaway Postgres clusters for the E2E suite, driven through the shell:
// initdb (or a copy of the Rust harness's cached template), pg_ctl, psql and
// the openssl CLI for TLS. Password auth is scram-sha-256 on 127.0.0.1; the
// suite itself talks to the cluster as `postgres` over a Unix socket.
// When running as root, the server runs as the `postgres` OS user.
//
//   const pg = await startCluster({ tls: true });
//   pg.psql('CREATE ROLE app LOGIN PASSWORD $$pw$$');
//   pg.url('app', 'pw', 'postgres');   // postgresql://app:pw@127.0.0.1:PORT/postgres
//   await pg.stop();

import { execFileSync, spawnSync } from 'node:child_process';
import { before, after } from 'node:test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, appendFileSync, rmSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';

function binDir() {
  if (process.env.SLUICE_PG_BINDIR) return process.env.SLUICE_PG_BINDIR;
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  }
  throw new Error('no PostgreSQL server binaries found (install postgresql or set SLUICE_PG_BINDIR)');
}

const BIN = binDir();
const isRoot = process.getuid && process.getuid() === 0;

/** Runs a server program, as `postgres` when we are root (Postgres refuses root). */
function server(program, args, opts = {}) {
  const file = path.join(BIN, program);
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function handOver(p) {
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', p]);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A CA and a server certificate for localhost and 127.0.0.1 (EC P-256), via the openssl CLI. */
export function makePki(dir) {
  mkdirSync(dir, { recursive: true });
  const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3', '-subj', '/CN=Sluice E2E CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '3', '-extfile', 'server.ext');
  chmodSync(path.join(dir, 'server.key'), 0o600);
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

/** initdb once per run (or reuse the Rust harness's template), then copy: a copy is much faster. */
function dataDirFrom(template, dest) {
  const harness = path.join(tmpdir(), `sluice-pg-template-v1-${path.basename(path.dirname(BIN))}`);
  const src = existsSync(path.join(harness, 'PG_VERSION')) ? harness : template();
  execFileSync('cp', ['-a', src, dest]);
}

let ownTemplate = null;
function template() {
  if (ownTemplate && existsSync(path.join(ownTemplate, 'PG_VERSION'))) return ownTemplate;
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-template-'));
  handOver(root);
  server('initdb', ['-D', path.join(root, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N']);
  ownTemplate = path.join(root, 'data');
  return ownTemplate;
}

/** The TCP lines of pg_hba.conf by default: scram-sha-256 from 127.0.0.1, with or without TLS. */
export const DEFAULT_HBA = ['host all all 127.0.0.1/32 scram-sha-256'];

/**
 * Starts a cluster. Options: tls (server certificate from makePki),
 * settings ({name: value} for postgresql.conf), hba (the TCP lines of
 * pg_hba.conf; the suite's own socket login as postgres always comes first).
 * Returns { host, port, root, pki, log(), psql(sql, db), url(user, password, db), stop() }.
 */
export async function startCluster({ tls = false, settings = {}, hba = DEFAULT_HBA } = {}) {
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-pg-'));
  const data = path.join(root, 'data');
  const sock = path.join(root, 'sock');
  mkdirSync(sock);
  dataDirFrom(template, data);
  const pki = tls ? makePki(path.join(root, 'pki')) : null;
  const port = await freePort();
  let conf = `\n# sluice e2e\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${sock}'\n`
    + "password_encryption = 'scram-sha-256'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
    + "shared_buffers = '64MB'\nmax_wal_size = '256MB'\nlog_connections = on\nmax_locks_per_transaction = 256\n";
  if (pki) conf += `ssl = on\nssl_cert_file = '${pki.cert}'\nssl_key_file = '${pki.key}'\nssl_ca_file = '${pki.ca}'\n`;
  for (const [k, v] of Object.entries(settings)) conf += `${k} = '${String(v).replace(/'/g, "''")}'\n`;
  appendFileSync(path.join(data, 'postgresql.conf'), conf);
  writeFileSync(path.join(data, 'pg_hba.conf'), [
    'local all postgres trust',
    'local all all scram-sha-256',
    ...hba,
    '',
  ].join('\n'));
  handOver(root);
  const logPath = path.join(root, 'server.log');
  server('pg_ctl', ['-D', data, '-l', logPath, '-w', '-t', '60', 'start'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let running = true;

  const cluster = {
    host: '127.0.0.1',
    port,
    root,
    pki,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    /** Runs SQL as the superuser; returns unaligned, tuples-only output. */
    psql(sql, db = 'postgres') {
      const r = spawnSync(path.join(BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', 'postgres', '-h', sock, '-p', String(port), '-d', db, '-f', '-'], {
        input: sql, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}\nSQL: ${sql.slice(0, 500)}`);
      return r.stdout.trim();
    },
    url(user, password, db = 'postgres', params = '') {
      const e = encodeURIComponent;
      return `postgresql://${e(user)}:${e(password)}@127.0.0.1:${port}/${e(db)}${params ? `?${params}` : ''}`;
    },
    async stop() {
      if (!running) return;
      running = false;
      try {
        server('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop'], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch {
        // already gone
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** SQL string literal. */
export const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;
/** SQL identifier, always quoted. */
export const ident = (s) => `"${String(s).replace(/"/g, '""')}"`;

export const HOSTILE_TABLE = '<img src=x onerror=alert(1)>';

/**
 * The shared fixture: database `shop` with schema `app`, a reader (SELECT on
 * customers and orders only) and a writer (SELECT/INSERT/UPDATE on customers),
 * and a table whose name is an HTML injection attempt.
 */
export function loadFixture(pg) {
  pg.psql(`CREATE ROLE reader LOGIN PASSWORD ${lit('reader-pw')};
CREATE ROLE writer LOGIN PASSWORD ${lit('writer-pw')};
CREATE DATABASE shop;`);
  pg.psql(`CREATE SCHEMA app;
CREATE TABLE app.customers (id int PRIMARY KEY, name text);
CREATE TABLE app.orders (id serial PRIMARY KEY, customer_id int);
CREATE TABLE app.${ident(HOSTILE_TABLE)} (id int);
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA app TO reader, writer;
GRANT SELECT ON app.customers, app.orders TO reader;
GRANT SELECT, INSERT, UPDATE ON app.customers TO writer;`, 'shop');
  return {
    db: 'shop',
    reader: { user: 'reader', password: 'reader-pw' },
    writer: { user: 'writer', password: 'writer-pw' },
    tables: ['customers', 'orders', HOSTILE_TABLE],
  };
}

/** What a cluster needs for change data capture (logical decoding): pass as startCluster's settings. */
export const LOGICAL = { wal_level: 'logical' };

/**
 * The change data capture fixture, on a cluster started with LOGICAL:
 * database `stream`, schema `app` with customers and orders (primary keys),
 * events (no primary key: no replica identity) and a table whose name is an
 * HTML injection attempt (no primary key either); publication `sluice_pub`
 * covers all but orders; a logical slot `sluice_slot` (pgoutput) exists.
 * Roles: `streamer` has REPLICATION; `member` does not, though it is a
 * member of `repl_group`, which has it (not inherited). Both may read every
 * table. Database `ledger` is for a destination: `loader` may write
 * public.entries (row level security on, no policy) and public.notes (row
 * level security on, a policy that admits it).
 */
export function loadCdcFixture(pg) {
  pg.psql(`CREATE ROLE streamer LOGIN REPLICATION PASSWORD ${lit('streamer-pw')};
CREATE ROLE repl_group NOLOGIN REPLICATION;
CREATE ROLE member LOGIN PASSWORD ${lit('member-pw')} IN ROLE repl_group;
CREATE ROLE loader LOGIN PASSWORD ${lit('loader-pw')};
CREATE DATABASE stream;
CREATE DATABASE ledger;`);
  pg.psql(`CREATE SCHEMA app;
CREATE TABLE app.customers (id int PRIMARY KEY, name text);
CREATE TABLE app.orders (id int PRIMARY KEY, customer_id int);
CREATE TABLE app.events (at timestamptz, what text);
CREATE TABLE app.${ident(HOSTILE_TABLE)} (id int);
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE PUBLICATION sluice_pub FOR TABLE app.customers, app.events, app.${ident(HOSTILE_TABLE)};
GRANT USAGE ON SCHEMA app TO streamer, member;
GRANT SELECT ON ALL TABLES IN SCHEMA app TO streamer, member;
SELECT pg_catalog.pg_create_logical_replication_slot('sluice_slot', 'pgoutput');`, 'stream');
  pg.psql(`CREATE TABLE public.entries (id int PRIMARY KEY, note text);
CREATE TABLE public.notes (id int PRIMARY KEY, body text);
ALTER TABLE public.entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY loader_writes ON public.notes FOR ALL TO loader USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.entries, public.notes TO loader;`, 'ledger');
  return {
    db: 'stream',
    publication: 'sluice_pub',
    slot: 'sluice_slot',
    streamer: { user: 'streamer', password: 'streamer-pw' },
    member: { user: 'member', password: 'member-pw', group: 'repl_group' },
    ledger: { db: 'ledger', user: 'loader', password: 'loader-pw' },
  };
}

/**
 * Creates up to `target` empty tables in database `bulk`, schema `bulk`, in
 * batches committed one by one (a single transaction would need a lock per
 * table). Stops early, at no fewer than `floor` tables, when the projected
 * time exceeds `budgetMs`. Returns { count, ms }.
 */
/**
 * One fixture cluster for a test file: started before its tests, stopped
 * after them. Returns a holder whose `pg` and `fx` are set once it runs.
 */
export function fixtureCluster() {
  const held = { pg: null, fx: null };
  before(async () => {
    held.pg = await startCluster();
    held.fx = loadFixture(held.pg);
  });
  after(async () => {
    if (held.pg) await held.pg.stop();
  });
  return held;
}

export function createBulkTables(pg, { target = 100000, floor = 20000, budgetMs = 60000, batch = 5000 } = {}) {
  pg.psql('CREATE DATABASE bulk;');
  pg.psql(`CREATE SCHEMA bulk;
CREATE PROCEDURE make_tables(first int, last int) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN first..last LOOP
    EXECUTE format('CREATE TABLE bulk.t%s (id int)', i);
  END LOOP;
END $$;`, 'bulk');
  const t0 = Date.now();
  let count = 0;
  while (count < target) {
    const last = Math.min(target, count + batch);
    pg.psql(`CALL make_tables(${count + 1}, ${last});`, 'bulk');
    count = last;
    const elapsed = Date.now() - t0;
    if (count >= floor && count < target && (elapsed / count) * target > budgetMs) break;
  }
  return { count, ms: Date.now() - t0 };
}

/** A TCP listener that accepts connections and never says a word (for Cancel). */
export async function silentListener() {
  const sockets = new Set();
  let total = 0;
  const srv = net.createServer((s) => {
    total += 1;
    sockets.add(s);
    // Read (and ignore) what arrives: a paused socket never sees the peer's
    // FIN, so 'close' would not fire when the app lets go.
    s.resume();
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: srv.address().port,
    /** Connections accepted so far. */
    accepted: () => total,
    /** Connections still open (the peer has not closed them). */
    open: () => sockets.size,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      srv.close(() => resolve());
    }),
  };
}
