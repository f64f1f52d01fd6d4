import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, SSL_MODES, supabaseFields, guessProvider, applyDefaults, searchPathOf, withSearchPath } from '../../ui/js/presets.js';
import { buildDraft, searchConnections } from '../../ui/js/lib/draft.js';
import { emptyFields } from '../../ui/js/lib/url-sync.js';
import { normalizeError } from '../../ui/js/lib/errors.js';

test('all six SSL modes, each explained', () => {
  assert.deepEqual(SSL_MODES.map((m) => m.value), ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);
  for (const m of SSL_MODES) assert.ok(m.text.length > 20 && m.text.length < 110, m.value);
});

test('Neon and Supabase presets require TLS and explain their hosts', () => {
  assert.equal(PRESETS.neon.defaults.sslmode, 'require');
  assert.equal(PRESETS.supabase.defaults.sslmode, 'require');
  assert.match(PRESETS.neon.placeholders.host, /^ep-.*\.aws\.neon\.tech$/);
  assert.match(PRESETS.neon.placeholders.url, /channel_binding=require/);
  assert.ok(PRESETS.neon.notes.some((n) => /channel_binding=require/.test(n.text)));
  assert.ok(PRESETS.supabase.notes.some((n) => /IPv6/.test(n.text)));
  assert.ok(PRESETS.supabase.notes.some((n) => /6543/.test(n.text) && /transaction/.test(n.text)));
});

test('supabase helper composes host, port and user', () => {
  assert.deepEqual(supabaseFields({ ref: 'abcd', mode: 'direct' }), { host: 'db.abcd.supabase.co', port: '5432', user: 'postgres' });
  assert.deepEqual(supabaseFields({ ref: 'abcd', region: 'eu-central-1', mode: 'transaction' }), { host: 'aws-0-eu-central-1.pooler.supabase.com', port: '6543', user: 'postgres.abcd' });
  assert.deepEqual(supabaseFields({ ref: 'abcd', region: 'us-east-1', mode: 'session' }).port, '5432');
  assert.equal(supabaseFields({ ref: '', region: '', mode: 'session' }).host, null);
});

test('provider guess and defaults never overwrite typed values', () => {
  assert.equal(guessProvider('ep-x-1.us-east-2.aws.neon.tech'), 'neon');
  assert.equal(guessProvider('aws-0-eu-central-1.pooler.supabase.com'), 'supabase');
  assert.equal(guessProvider('db.abc.supabase.co'), 'supabase');
  assert.equal(guessProvider('localhost'), 'postgres');
  const f = applyDefaults({ ...emptyFields(), sslmode: 'verify-full' }, 'neon');
  assert.equal(f.sslmode, 'verify-full');
  assert.equal(f.dbname, 'neondb');
});

test('search_path lives inside options', () => {
  assert.equal(searchPathOf('-c search_path=app,public'), 'app,public');
  assert.equal(searchPathOf('-c statement_timeout=5 -csearch_path=x'), 'x');
  assert.equal(searchPathOf('--search_path=a'), 'a');
  assert.equal(searchPathOf(null), '');
  assert.equal(withSearchPath('-c statement_timeout=5', 'app, public'), '-c statement_timeout=5 -c search_path=app,public');
  assert.equal(withSearchPath('-c search_path=old -c x=1', 'new'), '-c x=1 -c search_path=new');
  assert.equal(withSearchPath('-c search_path=old', ''), '');
});

test('the draft follows the contract; PEM replaces the path; options only for destinations', () => {
  const st = {
    id: null, name: 'Prod', provider: 'neon', role: 'source', truncate: true, init_tables: true,
    pem: { root: '-----BEGIN CERTIFICATE-----', cert: '', key: '' },
    tlsSource: { root: 'pem', cert: 'path', key: 'path' },
    passphrase: '',
  };
  const d = buildDraft(st, { host: 'h', sslrootcert: '/tmp/ca.crt', sslcert: '/tmp/c.crt', port: '' });
  assert.deepEqual(Object.keys(d).sort(), ['client_cert_pem', 'client_key_passphrase', 'client_key_pem', 'fields', 'id', 'init_tables', 'name', 'provider', 'role', 'root_cert_pem', 'truncate'].sort());
  assert.equal(d.truncate, false);
  assert.equal(d.init_tables, false);
  assert.equal(d.root_cert_pem, '-----BEGIN CERTIFICATE-----');
  assert.equal(d.fields.sslrootcert, null);
  assert.equal(d.fields.sslcert, '/tmp/c.crt');
  assert.equal(d.fields.port, null);
  assert.equal(d.client_key_passphrase, null);
  for (const k of ['host', 'port', 'dbname', 'user', 'password', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'options']) assert.ok(k in d.fields, k);
  const dest = buildDraft({ ...st, role: 'destination' }, {});
  assert.equal(dest.truncate, true);
  assert.equal(dest.init_tables, true);
});

test('connection search matches name, address, provider and role', () => {
  const list = [
    { name: 'Prod', provider: 'neon', role: 'source', fields: { user: 'app', host: 'ep-1.aws.neon.tech', dbname: 'neondb' } },
    { name: 'Warehouse', provider: 'postgres', role: 'destination', fields: { user: 'loader', host: '10.0.0.5', dbname: 'dw' } },
  ];
  assert.deepEqual(searchConnections(list, 'neon').map((c) => c.name), ['Prod']);
  assert.deepEqual(searchConnections(list, 'destination dw').map((c) => c.name), ['Warehouse']);
  assert.deepEqual(searchConnections(list, 'LOADER@').map((c) => c.name), ['Warehouse']);
  assert.equal(searchConnections(list, '  ').length, 2);
});

test('errors from invoke are normalized', () => {
  assert.deepEqual(normalizeError('boom'), { kind: 'internal', message: 'boom' });
  assert.equal(normalizeError({ kind: 'keyring_unavailable', message: 'no', hint: 'start it' }).hint, 'start it');
  assert.equal(normalizeError(new Error('x')).message, 'x');
  assert.equal(normalizeError({ message: 'm' }).kind, 'internal');
});
