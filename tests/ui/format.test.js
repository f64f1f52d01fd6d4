import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relativeTime, formatMs, connectionSummary, successBanner, verdictHeadline, tlsLabel, serverVersionLabel, lastTestLabel, hostOf, stageLabel } from '../../ui/js/lib/format.js';
import { rustStages } from './rust-stages.mjs';

const NOW = Date.parse('2025-01-10T12:00:00Z');

test('relativeTime reads like a person', () => {
  assert.equal(relativeTime('2025-01-10T11:59:50Z', NOW), 'just now');
  assert.equal(relativeTime('2025-01-10T11:58:00Z', NOW), '2 min ago');
  assert.equal(relativeTime('2025-01-10T11:01:00Z', NOW), '59 min ago');
  assert.equal(relativeTime('2025-01-10T09:00:00Z', NOW), '3 h ago');
  assert.equal(relativeTime('2025-01-09T11:00:00Z', NOW), 'yesterday');
  assert.equal(relativeTime('2025-01-06T12:00:00Z', NOW), '4 days ago');
  assert.equal(relativeTime('2024-10-01T12:00:00Z', NOW), '2024-10-01');
  assert.equal(relativeTime(null, NOW), 'never');
  assert.equal(relativeTime('garbage', NOW), 'unknown');
  assert.equal(relativeTime(NOW - 120000, NOW), '2 min ago');
});

test('formatMs picks a sensible precision', () => {
  assert.equal(formatMs(0.421), '0.42 ms');
  assert.equal(formatMs(8.34), '8.3 ms');
  assert.equal(formatMs(23.4), '23 ms');
  assert.equal(formatMs(1240), '1.24 s');
  assert.equal(formatMs(125000), '2 min 5 s');
  assert.equal(formatMs(null), '');
});

test('connectionSummary is user@host:port/db with libpq defaults', () => {
  assert.equal(connectionSummary({ user: 'app', host: 'db.example.com', port: '6543', dbname: 'shop' }), 'app@db.example.com:6543/shop');
  assert.equal(connectionSummary({ user: 'app' }), 'app@localhost:5432/app');
  assert.equal(connectionSummary({ host: '::1', dbname: 'x' }), '[::1]:5432/x');
  assert.equal(connectionSummary(null), 'localhost:5432/');
});

test('tls and version labels', () => {
  assert.equal(tlsLabel({ version: 'TLSv1.3' }), 'TLS 1.3');
  assert.equal(tlsLabel({ version: 'TLSv1_2' }), 'TLS 1.2');
  assert.equal(tlsLabel({ version: 'TLS 1.3' }), 'TLS 1.3');
  assert.equal(tlsLabel(null), 'no TLS');
  assert.equal(serverVersionLabel('15.18 (Debian 15.18-1.pgdg120+1)'), 'PostgreSQL 15.18');
  assert.equal(hostOf('127.0.0.1:5432'), '127.0.0.1');
  assert.equal(hostOf('[::1]:5432'), '::1');
  assert.equal(hostOf('/var/run/postgresql'), '/var/run/postgresql');
});

test('success banner is composed from Report.server and total_ms', () => {
  const report = {
    connected: true,
    total_ms: 23.2,
    server: { server_version: '15.18 (Debian)', database: 'shop', current_user: 'reader', connected_to: 'db.example.com:5432', tls: { version: 'TLSv1.3' } },
  };
  assert.equal(successBanner(report), 'Connected to shop on db.example.com as reader: PostgreSQL 15.18, TLS 1.3, 23 ms');
  assert.equal(successBanner({ ...report, server: { ...report.server, connected_to: '10.1.2.3:5432' } }, 'db.example.com'), 'Connected to shop on db.example.com as reader: PostgreSQL 15.18, TLS 1.3, 23 ms');
  assert.match(successBanner(report, '/var/run/postgresql'), /on db\.example\.com as/);
  const plain = { ...report, server: { ...report.server, tls: null } };
  assert.match(successBanner(plain), /no TLS, 23 ms$/);
});

test('verdict headline counts error problems', () => {
  assert.equal(verdictHeadline({ job: 'source', ready: true, problems: [] }), 'Ready as source');
  assert.equal(verdictHeadline({ job: 'source', ready: true, problems: [{ severity: 'warning' }] }), 'Ready as source (1 warning)');
  const problems = [{ severity: 'error' }, { severity: 'error' }, { severity: 'error' }, { severity: 'warning' }];
  assert.equal(verdictHeadline({ job: 'destination', ready: false, problems }), 'Not ready as destination: 3 problems');
  assert.equal(verdictHeadline({ job: 'destination', ready: false, problems: [{ severity: 'error' }] }), 'Not ready as destination: 1 problem');
});

test('last test label', () => {
  assert.equal(lastTestLabel(null).state, 'never');
  const ok = lastTestLabel({ at: '2025-01-10T11:58:00Z', connected: true, ready: true, total_ms: 23 }, NOW);
  assert.deepEqual([ok.state, ok.text, ok.detail], ['ok', 'Connected 2 min ago', '23 ms']);
  const bad = lastTestLabel({ at: '2025-01-10T11:58:00Z', connected: false, code: 'auth_failed', message: 'Password authentication failed' }, NOW);
  assert.deepEqual([bad.state, bad.text, bad.detail], ['failed', 'Failed 2 min ago', 'Password authentication failed']);
  assert.equal(lastTestLabel({ at: '2025-01-10T11:58:00Z', connected: true, ready: false }, NOW).state, 'warn');
});

test('the stepper lists SSH rows per hop first, drops resolve/connect behind a tunnel, and leaves the replication stage to the test', async () => {
  const { stepRows, rowKey } = await import('../../ui/js/components/stepper.js');
  const stages = rustStages();
  assert.deepEqual(stepRows(stages, 0).map((r) => r.key), ['resolve', 'connect', 'tls', 'auth', 'session', 'access']);
  assert.deepEqual(stepRows(stages, 2).map((r) => r.key), [
    'ssh_connect#0', 'ssh_auth#0', 'ssh_channel#0', 'ssh_connect#1', 'ssh_auth#1', 'ssh_channel#1', 'tls', 'auth', 'session', 'access',
  ]);
  assert.equal(stepRows(stages, 2)[3].label, 'SSH connect (hop 2)');
  assert.equal(stepRows(stages, 1)[0].label, 'SSH connect', 'one hop needs no number');
  assert.equal(stepRows(stages, 0)[5].label, 'Privileges', 'the labels are the vocabulary\'s');
  assert.deepEqual(stepRows([], 0), [], 'no vocabulary, no rows before the test');
  assert.equal(rowKey('tls', null), 'tls');
});

test('stage labels come from the vocabulary: the replication stage has its own', () => {
  const stages = rustStages();
  assert.equal(stageLabel(stages, 'replication'), 'Replication');
  assert.equal(stageLabel(stages, 'auth'), 'Authenticate');
  assert.equal(stageLabel(stages, 'something_new'), 'something_new', 'an unknown stage is named by its id');
  assert.equal(stageLabel([], 'auth'), 'auth');
});

test('import formats are guessed from the file name', async () => {
  const { formatFromPath } = await import('../../ui/js/lib/import.js');
  assert.equal(formatFromPath('/home/me/.pgpass'), 'pgpass');
  assert.equal(formatFromPath('C:\\Users\\me\\AppData\\Roaming\\postgresql\\pgpass.conf'), 'pgpass');
  assert.equal(formatFromPath('/etc/postgresql-common/pg_service.conf'), 'service');
  assert.equal(formatFromPath('/srv/app/.env.production'), 'dotenv');
  assert.equal(formatFromPath('/x/servers.json'), 'pgadmin');
  assert.equal(formatFromPath('/x/.dbeaver/data-sources-2.json'), 'dbeaver');
  assert.equal(formatFromPath('/x/backup.json'), 'json');
  assert.equal(formatFromPath('/x/notes.txt'), null);
});
