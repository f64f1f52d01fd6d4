// The form's state and the draft object of the IPC contract built from it:
// what validate_draft, save_connection and test_connection ({draft})
// receive. Pure, so it is tested without a DOM.
import { normalizeParams } from './url-sync.js';
import { connectionSummary } from './format.js';
import { jobOptionsFor } from './vocabulary.js';

/**
 * The form's starting state, for a saved connection or a new one of
 * `provider`; `job` is the job a new connection starts as (the vocabulary's
 * first). An edit reopens in the mode the connection was entered in.
 */
export function initialState(connection, provider, job = null) {
  const c = connection || null;
  const pem = (c && c.pem) || {};
  const params = (c && c.params) || {};
  return {
    id: c ? c.id : null,
    provider: c ? c.provider : provider,
    name: c ? c.name : '',
    job: c ? c.job : job,
    // Every job option as the record has it (both jobs'); the draft sends the job's own.
    options: { ...((c && c.job_options) || {}) },
    mode: c && c.entry !== 'url' ? 'host' : 'url',
    pem: { root: pem.sslrootcert || '', cert: pem.sslcert || '', key: '' },
    tlsSource: {
      root: pem.sslrootcert ? 'pem' : 'path',
      cert: pem.sslcert ? 'pem' : 'path',
      key: c && c.has_inline_key && !params.sslkey ? 'pem' : 'path',
    },
    passphrase: '',
    scope: c ? [...(c.scope_schemas || [])] : [],
    ssh: {
      enabled: !!(c && c.ssh && c.ssh.hops && c.ssh.hops.length),
      hops: c && c.ssh ? c.ssh.hops.map(hopState) : [],
      known_hosts: (c && c.ssh && c.ssh.known_hosts) || '',
      password: '',
      passphrase: '',
      key: '',
    },
    // The password command: the line as the form shows it, and its preset.
    passwordCommand: { line: (c && c.password_command_line) || '', preset: (c && c.password_command && c.password_command.preset) || '' },
    issues: [],
    parseError: null,
    touched: new Set(),
    editedSinceCheck: new Set(),
    showAll: false,
    dirty: false,
    saving: false,
  };
}

/** A hop of the form state from a saved hop (or a new empty one). */
export function hopState(hop = {}) {
  return {
    user: hop.user || '',
    host: hop.host || '',
    port: hop.port != null ? String(hop.port) : '',
    auth: hop.auth || 'auto',
    identity: hop.identity || '',
    host_key: hop.host_key || '',
  };
}

const TLS = [['root', 'sslrootcert'], ['cert', 'sslcert']];

/**
 * The draft sent to validate_draft / save_connection / test_connection:
 * the keywords set (`params`), certificates pasted as PEM apart (`pem`),
 * each secret in its own field, and the job's options (`optionDefs`: the
 * vocabulary's job_options).
 */
export function buildDraft(st, params, password, optionDefs = []) {
  const p = normalizeParams(params);
  const pem = {};
  for (const [which, key] of TLS) {
    if (st.tlsSource[which] === 'pem') {
      delete p[key];
      if (st.pem[which]) pem[key] = st.pem[which];
    }
  }
  let clientKeyPem = null;
  if (st.tlsSource.key === 'pem') {
    delete p.sslkey;
    clientKeyPem = st.pem.key || null;
  }
  return {
    id: st.id || null,
    name: st.name,
    provider: st.provider,
    entry: st.mode === 'url' ? 'url' : 'fields',
    job: st.job,
    job_options: jobOptionsFor(optionDefs, st.job, st.options || {}),
    params: p,
    pem,
    password: password || null,
    client_key_pem: clientKeyPem,
    client_key_passphrase: st.passphrase || null,
    scope_schemas: [...(st.scope || [])],
    ssh: sshDraft(st.ssh),
    ssh_password: (st.ssh && st.ssh.password) || null,
    ssh_passphrase: (st.ssh && st.ssh.passphrase) || null,
    ssh_key: (st.ssh && st.ssh.key) || null,
    password_command: (st.passwordCommand && st.passwordCommand.line.trim()) || null,
    password_command_preset: (st.passwordCommand && st.passwordCommand.line.trim() && st.passwordCommand.preset) || null,
  };
}

/**
 * The `ssh` object of the draft: the hops with a host, each field only when
 * set; null when the tunnel is off. A port that is not a number is sent as
 * typed, for the backend to refuse by name.
 */
export function sshDraft(ssh) {
  if (!ssh || !ssh.enabled) return null;
  const hops = ssh.hops
    .filter((hop) => hop.host.trim())
    .map((hop) => {
      const out = { host: hop.host.trim(), auth: hop.auth || 'auto' };
      if (hop.user.trim()) out.user = hop.user.trim();
      if (hop.port.trim()) out.port = /^\d+$/.test(hop.port.trim()) ? Number(hop.port.trim()) : hop.port.trim();
      if (hop.identity.trim()) out.identity = hop.identity.trim();
      if (hop.host_key.trim()) out.host_key = hop.host_key.trim();
      return out;
    });
  if (!hops.length) return null;
  const tunnel = { hops };
  if (ssh.known_hosts && ssh.known_hosts.trim()) tunnel.known_hosts = ssh.known_hosts.trim();
  return tunnel;
}

/**
 * Connections whose name, address, provider or job contain every word of
 * `query`; `labels` names the providers ({id: label}, from the vocabulary).
 */
export function searchConnections(connections, query, labels = {}) {
  const words = String(query || '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return connections;
  return connections.filter((c) => {
    const hay = `${c.name} ${connectionSummary(c.params)} ${c.provider} ${labels[c.provider] || ''} ${c.job}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

const SECRET_FLAGS = {
  password: 'has_password',
  sslpassword: 'has_sslpassword',
  sslkey: 'has_inline_key',
  'ssh-password': 'has_ssh_password',
  'ssh-passphrase': 'has_ssh_passphrase',
  'ssh-key': 'has_ssh_key',
};

/**
 * Where a saved connection's secret of `kind` (the store's names, as in
 * `missing_secrets`) stands: 'saved' in the keyring, 'missing' (the record
 * lists it, the keyring lost it), or 'none'.
 */
export function savedSecret(connection, kind) {
  if (!connection) return 'none';
  if ((connection.missing_secrets || []).includes(kind)) return 'missing';
  return connection[SECRET_FLAGS[kind]] ? 'saved' : 'none';
}

/** A secret field's placeholder for its saved state. */
export function secretPlaceholder(state, { pasted = false } = {}) {
  if (state === 'saved') return pasted ? 'A key is saved in the keyring \u2014 paste to replace' : 'Saved in the keyring \u2014 type to replace';
  if (state === 'missing') return pasted ? 'Missing from the keyring \u2014 paste it again' : 'Missing from the keyring \u2014 type it again';
  return '';
}
