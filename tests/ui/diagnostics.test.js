import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnosticsText, scrub } from '../../ui/js/lib/diagnostics.js';
import { rustStages } from './rust-stages.mjs';

const PASSWORD = 's3cret-Pa55!';

const failed = {
  connected: false,
  total_ms: 41.2,
  steps: [
    { stage: 'resolve', status: 'ok', ms: 0.3, detail: '127.0.0.1' },
    { stage: 'connect', status: 'ok', ms: 1.2, detail: '127.0.0.1:5432' },
    { stage: 'tls', status: 'skipped', ms: 0 },
    { stage: 'auth', status: 'failed', ms: 39.1 },
  ],
  server: null,
  error: {
    code: 'auth_failed', stage: 'auth', sqlstate: '28P01',
    message: 'Password authentication failed for user "app".',
    hint: 'Check the password.',
    detail: `FATAL: password authentication failed (client sent ${PASSWORD}) postgresql://app:${PASSWORD}@h/db password=${PASSWORD}`,
  },
};

test('diagnostics carry steps, error and hint, but never the password', () => {
  const text = diagnosticsText({
    report: failed,
    params: { host: '127.0.0.1', port: '5432', user: 'app', dbname: 'db', sslmode: 'prefer' },
    secrets: [PASSWORD],
    stages: rustStages(),
    name: 'Prod',
    job: 'source',
    appVersion: '0.1.0',
    now: Date.parse('2025-01-01T00:00:00Z'),
  });
  assert.ok(!text.includes(PASSWORD), text);
  assert.match(text, /auth_failed/);
  assert.match(text, /28P01/);
  assert.match(text, /Check the password\./);
  assert.match(text, /app@127\.0\.0\.1:5432\/db/);
  assert.match(text, /password:\s+set \(not shown\)/);
  assert.match(text, /Authenticate\s+failed/);
  assert.match(text, /Sluice diagnostics \(v0\.1\.0\)/);
});

test('the steps are named by the vocabulary\'s labels, the replication stage too', () => {
  const report = { connected: true, total_ms: 9, error: null, steps: [{ stage: 'access', status: 'ok', ms: 3 }, { stage: 'replication', status: 'ok', ms: 2, detail: 'IDENTIFY_SYSTEM: system 7, timeline 1, WAL at 0/1' }] };
  const text = diagnosticsText({ report, params: {}, stages: rustStages() });
  assert.match(text, /Privileges\s+ok/);
  assert.match(text, /Replication\s+ok\s+[\d.]+ ms\s+IDENTIFY_SYSTEM: system 7/);
  assert.match(diagnosticsText({ report, params: {} }), /replication\s+ok/, 'without a vocabulary, the id');
});

test('passphrases and pasted keys passed as secrets are masked too', () => {
  const text = diagnosticsText({
    report: { ...failed, error: { ...failed.error, detail: 'key passphrase hunter22 rejected; -----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----' } },
    params: { user: 'app' },
    secrets: ['hunter22'],
  });
  assert.ok(!text.includes('hunter22'));
  assert.ok(!text.includes('MIIB'));
});

test('success diagnostics describe the server and TLS', () => {
  const text = diagnosticsText({
    report: {
      connected: true, total_ms: 23, steps: [], error: null,
      server: { server_version: '15.18', database: 'db', connected_to: 'h:5432', login_user: 'app', current_user: 'app', session_user: 'app', tls: { version: 'TLSv1.3', cipher: 'TLS13_AES_256_GCM_SHA384', chain_verified: true, hostname_verified: true }, pooler: { detected: false } },
      verdict: { job: 'source', ready: false, problems: [{ severity: 'error', object_type: 'table', schema: 'public', name: 't', missing: ['SELECT'], reason: 'no grant' }] },
    },
    params: { user: 'app' },
  });
  assert.match(text, /TLSv1\.3/);
  assert.match(text, /host name verified: yes/);
  assert.match(text, /\[error\] table public\.t: missing SELECT/);
  assert.doesNotMatch(text, /server tls/, 'no claim without the server\'s answer');
});

test('diagnostics say what the server saw of the TLS', () => {
  const base = { server_version: '15.18', database: 'db', connected_to: 'h:6432', login_user: 'app', current_user: 'app', session_user: 'app', tls: { version: 'TLSv1.3', chain_verified: true, hostname_verified: true }, pooler: { detected: false } };
  const text = (server) => diagnosticsText({ report: { connected: true, total_ms: 5, steps: [], error: null, server }, params: {} });
  assert.match(text({ ...base, backend_ssl: false }), /server tls: {2}no \(pg_stat_ssl/);
  assert.match(text({ ...base, backend_ssl: true }), /server tls: {2}yes/);
});

test('scrub masks URL userinfo and password= pairs', () => {
  assert.equal(scrub('postgresql://u:abc@h/d'), 'postgresql://u:********@h/d');
  assert.equal(scrub("host=h password='a b' user=u"), 'host=h password=******** user=u');
  assert.equal(scrub('nothing here'), 'nothing here');
});

test('diagnostics list every host tried and why it was passed over', () => {
  const text = diagnosticsText({
    report: {
      connected: true, total_ms: 9, steps: [], error: null, password_source: 'pgpass',
      attempts: [
        { host: 'a', port: 5432, address: '10.0.0.1:5432', outcome: 'wrong_session_type', code: 'wrong_session_type', reason: 'session is read-only', ms: 3 },
        { host: 'b', port: 5432, address: '10.0.0.2:5432', outcome: 'connected', ms: 4 },
      ],
      server: { server_version: '17', database: 'd', connected_to: 'b:5432', login_user: 'u', current_user: 'u', session_user: 'u', pooler: { detected: false } },
    },
    params: {},
  });
  assert.match(text, /Hosts tried\n {2}a:5432 10\.0\.0\.1:5432 wrong_session_type \(wrong_session_type\): session is read-only\n {2}b:5432 10\.0\.0\.2:5432 connected/);
  assert.match(text, /password from: pgpass/);
});
