// The form's state and the draft object of the IPC contract built from it:
// what validate_draft, save_connection and test_connection ({draft})
// receive. Pure, so it is tested without a DOM.
import { normalizeParams } from './url-sync.js';
import { connectionSummary, providerLabel } from './format.js';

/** The form's starting state, for a saved connection or a new one of `provider`. */
export function initialState(connection, provider) {
  const c = connection || null;
  const pem = (c && c.pem) || {};
  const params = (c && c.params) || {};
  const dest = (c && c.destination_options) || {};
  return {
    id: c ? c.id : null,
    provider: c ? c.provider : provider,
    name: c ? c.name : '',
    job: c ? c.job : 'source',
    truncate: !!dest.truncate,
    init_tables: !!dest.init_tables,
    mode: c ? 'host' : 'url',
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
 * and each secret in its own field.
 */
export function buildDraft(st, params, password) {
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
  const dest = st.job === 'destination';
  return {
    id: st.id || null,
    name: st.name,
    provider: st.provider,
    job: st.job,
    destination_options: { truncate: dest && !!st.truncate, init_tables: dest && !!st.init_tables },
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

/** Connections whose name, address, provider or job contain every word of `query`. */
export function searchConnections(connections, query) {
  const words = String(query || '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return connections;
  return connections.filter((c) => {
    const hay = `${c.name} ${connectionSummary(c.params)} ${providerLabel(c.provider)} ${c.job}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
