import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, supabaseFields, supabaseProject, applyDefaults, searchPathOf, withSearchPath } from '../../ui/js/presets.js';
import { buildDraft, initialState, searchConnections, sshDraft, savedSecret, secretPlaceholder } from '../../ui/js/lib/draft.js';
import { jobOptionsFor, splitLabel, jobTitle, optionsOf, missingRequired, providerOf } from '../../ui/js/lib/vocabulary.js';

// The shape of the vocabulary's jobs and options (src-tauri Vocabulary); the
// real one is checked against Rust in ipc-lists.test.js.
const DEFS = [
  { name: 'on_conflict', job: 'destination', type: 'choice', values: [['fail', 'Plain INSERT'], ['nothing', 'DO NOTHING'], ['update', 'DO UPDATE']], label: 'On a duplicate key', help: '' },
  { name: 'truncate', job: 'destination', type: 'flag', label: 'Truncate', help: '' },
  { name: 'truncate_cascade', job: 'destination', type: 'flag', label: 'CASCADE', help: '', requires: 'truncate' },
  { name: 'init_tables', job: 'destination', type: 'flag', label: 'Create', help: '' },
  { name: 'cdc', job: 'source', type: 'flag', label: 'CDC', help: '' },
  { name: 'publication', job: 'source', type: 'name', label: 'Publication', help: '', requires: 'cdc' },
];
import { schemaChoices, schemasOf } from '../../ui/js/lib/schemas.js';
import { normalizeError } from '../../ui/js/lib/errors.js';

test('Neon and Supabase presets explain their hosts; what they require comes from the vocabulary', () => {
  assert.equal(PRESETS.neon.defaults.sslmode, undefined, 'sslmode=require is the vocabulary\'s, not the preset\'s');
  const vocab = { providers: [{ value: 'neon', label: 'Neon', required: [['sslmode', 'require']], ca_bundle: null }] };
  assert.deepEqual(missingRequired(vocab, 'neon', { host: 'h' }), [['sslmode', 'require']]);
  assert.deepEqual(missingRequired(vocab, 'neon', { sslmode: 'verify-full' }), []);
  assert.deepEqual(missingRequired(vocab, 'postgres', {}), [], 'a provider the vocabulary does not name requires nothing');
  assert.equal(providerOf(vocab, 'neon').label, 'Neon');
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

test('the supabase helper reads a pasted host and user back', () => {
  assert.deepEqual(supabaseProject({ host: 'db.abcd.supabase.co', port: '5432', user: 'postgres' }), { ref: 'abcd', region: null, mode: 'direct' });
  assert.deepEqual(supabaseProject({ host: 'aws-0-us-east-1.pooler.supabase.com', port: '6543', user: 'postgres.abcdefghijklmnop' }), { ref: 'abcdefghijklmnop', region: 'us-east-1', mode: 'transaction' });
  assert.equal(supabaseProject({ host: 'aws-0-us-east-1.pooler.supabase.com', port: '5432', user: 'x' }).mode, 'session');
  assert.deepEqual(supabaseProject({ host: 'example.com' }), { ref: null, region: null, mode: null });
});

test('defaults never overwrite typed values', () => {
  const f = applyDefaults({ sslmode: 'verify-full' }, 'neon');
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

test('the draft follows the contract: params, pem apart, secrets apart, scope, the job\'s own options', () => {
  const st = {
    ...initialState(null, 'neon', 'source'),
    name: 'Prod', options: { truncate: true, init_tables: true, on_conflict: 'update' }, scope: ['sales'],
    pem: { root: '-----BEGIN CERTIFICATE-----', cert: '', key: '' },
    tlsSource: { root: 'pem', cert: 'path', key: 'path' },
  };
  const d = buildDraft(st, { host: 'h', sslrootcert: '/tmp/ca.crt', sslcert: '/tmp/c.crt', port: '' }, 'pw', DEFS);
  // The keys of src-tauri's Draft (it refuses unknown ones).
  assert.deepEqual(Object.keys(d).sort(), ['client_key_passphrase', 'client_key_pem', 'entry', 'id', 'job', 'job_options', 'name', 'params', 'password', 'password_command', 'password_command_preset', 'pem', 'provider', 'scope_schemas', 'ssh', 'ssh_key', 'ssh_passphrase', 'ssh_password']);
  assert.equal(d.entry, 'url', 'a new connection starts in URL mode');
  assert.equal(d.ssh, null, 'no tunnel unless it is turned on');
  assert.equal(d.password_command, null, 'no password command unless one is typed');
  const withCmd = buildDraft({ ...st, passwordCommand: { line: '  aws rds generate-db-auth-token --hostname h  ', preset: 'rds' } }, {}, '');
  assert.equal(withCmd.password_command, 'aws rds generate-db-auth-token --hostname h');
  assert.equal(withCmd.password_command_preset, 'rds');
  const cleared = buildDraft({ ...st, passwordCommand: { line: ' ', preset: 'rds' } }, {}, '');
  assert.deepEqual([cleared.password_command, cleared.password_command_preset], [null, null], 'an emptied line removes the command and its preset');
  assert.deepEqual(d.job_options, {}, 'a source sends none of the destination\'s options');
  assert.deepEqual(d.pem, { sslrootcert: '-----BEGIN CERTIFICATE-----' });
  assert.deepEqual(d.params, { host: 'h', sslcert: '/tmp/c.crt' }, 'the PEM replaces the path; empty values are left out');
  assert.equal(d.password, 'pw');
  assert.equal(d.client_key_passphrase, null);
  assert.deepEqual(d.scope_schemas, ['sales']);
  const dest = buildDraft({ ...st, job: 'destination', mode: 'host' }, {}, '', DEFS);
  assert.deepEqual(dest.job_options, { truncate: true, init_tables: true, on_conflict: 'update' });
  assert.equal(dest.entry, 'fields');
  assert.equal(dest.password, null);
});

test('a saved connection\'s state keeps its scope, pasted certificates and inline key', () => {
  const c = {
    id: 'i', name: 'Saved', provider: 'postgres', job: 'destination', entry: 'url', job_options: { truncate: true, on_conflict: 'fail', cdc: false },
    params: { host: 'h' }, pem: { sslcert: '-----BEGIN CERTIFICATE-----' }, has_inline_key: true, scope_schemas: ['a', 'b'],
  };
  const st = initialState(c, null);
  assert.equal(st.job, 'destination');
  assert.equal(st.options.truncate, true);
  assert.equal(st.mode, 'url', 'an edit reopens in the mode the connection was entered in');
  assert.equal(initialState({ ...c, entry: 'fields' }, null).mode, 'host');
  assert.deepEqual(st.tlsSource, { root: 'path', cert: 'pem', key: 'pem' });
  assert.deepEqual(st.scope, ['a', 'b']);
  assert.deepEqual(buildDraft(st, c.params, null).scope_schemas, ['a', 'b'], 'saving keeps the scope');
});

test('the SSH tunnel: hops in order, only what is set, secrets apart, off means none', () => {
  const saved = {
    id: 'i', name: 'Behind', provider: 'postgres', job: 'source', params: { host: 'db.internal' },
    ssh: { hops: [{ host: 'edge', auth: 'agent' }, { host: 'bastion', port: 2200, user: 'ops', auth: 'key', identity: '~/.ssh/id_ed25519' }], known_hosts: '/k/known_hosts' },
    has_ssh_passphrase: true,
  };
  const st = initialState(saved, null);
  assert.equal(st.ssh.enabled, true);
  assert.deepEqual(st.ssh.hops.map((x) => [x.user, x.host, x.port, x.auth]), [['', 'edge', '', 'agent'], ['ops', 'bastion', '2200', 'key']]);
  const d = buildDraft(st, saved.params, null);
  assert.deepEqual(d.ssh, saved.ssh, 'a saved tunnel round-trips unchanged');
  assert.equal(d.ssh_passphrase, null, 'a saved secret is not sent back: null keeps it');
  st.ssh.passphrase = 'typed';
  st.ssh.hops.unshift({ user: '', host: '  ', port: '', auth: 'auto', identity: '', host_key: '' });
  st.ssh.hops[2].port = 'x22';
  const d2 = buildDraft(st, saved.params, null);
  assert.equal(d2.ssh.hops.length, 2, 'a hop without a host is left out');
  assert.equal(d2.ssh.hops[1].port, 'x22', 'a bad port goes to the backend as typed, to be refused there');
  assert.equal(d2.ssh_passphrase, 'typed');
  st.ssh.enabled = false;
  assert.equal(buildDraft(st, saved.params, null).ssh, null);
  assert.equal(sshDraft({ enabled: true, hops: [], known_hosts: '' }), null);
});

test('the schema picker offers what the database has and what is chosen', () => {
  const access = { schemas: [{ name: 'sales' }], other_schemas: ['hr', 'public'] };
  assert.deepEqual(schemasOf(access), ['sales', 'hr', 'public']);
  assert.deepEqual(schemaChoices(schemasOf(access), ['zeta', 'sales']), ['hr', 'public', 'sales', 'zeta']);
  assert.deepEqual(schemasOf(null), []);
});

test('job options: only the job\'s, a required flag first, defaults left out', () => {
  assert.deepEqual(jobOptionsFor(DEFS, 'destination', { truncate_cascade: true }), {}, 'CASCADE needs truncate');
  assert.deepEqual(jobOptionsFor(DEFS, 'destination', { truncate: true, truncate_cascade: true, on_conflict: 'fail' }), { truncate: true, truncate_cascade: true });
  assert.deepEqual(jobOptionsFor(DEFS, 'source', { cdc: true, publication: '  pub  ', truncate: true }), { cdc: true, publication: 'pub' });
  assert.deepEqual(jobOptionsFor(DEFS, 'source', { cdc: false, publication: 'pub' }), {});
  assert.deepEqual(optionsOf({ job_options: DEFS }, 'source').map((o) => o.name), ['cdc', 'publication']);
  assert.deepEqual(splitLabel('Source (the job reads from it)'), { title: 'Source', hint: 'the job reads from it' });
  assert.equal(jobTitle({ jobs: [{ value: 'destination', label: 'Destination (the job writes to it)' }] }, 'destination'), 'Destination');
});

test('a saved secret is saved, missing from the keyring, or none', () => {
  const c = { has_password: true, has_ssh_password: true, missing_secrets: ['ssh-password'] };
  assert.equal(savedSecret(c, 'password'), 'saved');
  assert.equal(savedSecret(c, 'ssh-password'), 'missing');
  assert.equal(savedSecret(c, 'sslpassword'), 'none');
  assert.equal(savedSecret(null, 'password'), 'none');
  assert.match(secretPlaceholder('missing'), /Missing from the keyring/);
  assert.equal(secretPlaceholder('none'), '');
});

test('connection search matches name, address, provider and job', () => {
  const list = [
    { name: 'Prod', provider: 'neon', job: 'source', params: { user: 'app', host: 'ep-1.aws.neon.tech', dbname: 'neondb' } },
    { name: 'Warehouse', provider: 'postgres', job: 'destination', params: { user: 'loader', host: '10.0.0.5', dbname: 'dw' } },
  ];
  assert.deepEqual(searchConnections(list, 'neon').map((c) => c.name), ['Prod']);
  assert.deepEqual(searchConnections([...list, { name: 'Aurora', provider: 'rds', job: 'source', params: { host: 'a' } }], 'amazon', { rds: 'Amazon RDS / Aurora' }).map((c) => c.name), ['Aurora'], 'by the provider\'s label');
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
