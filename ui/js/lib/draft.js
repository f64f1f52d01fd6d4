// The draft object of the IPC contract, built from the form's state: what
// validate_draft, save_connection and test_connection ({draft}) receive.
// Pure, so it is tested without a DOM.
import { normalizeFields } from './url-sync.js';
import { connectionSummary, providerLabel } from './format.js';

/** The draft sent to validate_draft / save_connection / test_connection. */
export function buildDraft(st, fields) {
  const f = normalizeFields(fields);
  const pemOr = (which, field) => (st.tlsSource[which] === 'pem' ? { path: null, pem: st.pem[which] || null } : { path: f[field], pem: null });
  const root = pemOr('root', 'sslrootcert');
  const cert = pemOr('cert', 'sslcert');
  const key = pemOr('key', 'sslkey');
  const dest = st.role === 'destination';
  return {
    id: st.id || null,
    name: st.name,
    provider: st.provider,
    role: st.role,
    truncate: dest && !!st.truncate,
    init_tables: dest && !!st.init_tables,
    fields: { ...f, sslrootcert: root.path, sslcert: cert.path, sslkey: key.path },
    root_cert_pem: root.pem,
    client_cert_pem: cert.pem,
    client_key_pem: key.pem,
    client_key_passphrase: st.passphrase || null,
  };
}


/** Connections whose name, address, provider or role contain every word of `query`. */
export function searchConnections(connections, query) {
  const words = String(query || '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return connections;
  return connections.filter((c) => {
    const hay = `${c.name} ${connectionSummary(c.fields)} ${providerLabel(c.provider)} ${c.role}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
