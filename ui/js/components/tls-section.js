// Client TLS: the root certificate, the client certificate and its key,
// each a file path or pasted PEM, and the key's passphrase.
import { h, uniqueId } from '../lib/dom.js';
import { createField, textInput } from './field.js';
import { savedSecret, secretPlaceholder } from '../lib/draft.js';

const ROWS = [
  { which: 'root', key: 'sslrootcert', label: 'Root certificate (CA)', testid: 'pem-root', file: 'root.crt' },
  { which: 'cert', key: 'sslcert', label: 'Client certificate', testid: 'pem-cert', file: 'client.crt' },
  { which: 'key', key: 'sslkey', label: 'Client key', testid: 'pem-key', file: 'client.key' },
];

/**
 * st: the form state ({pem, tlsSource, passphrase}); connection: the saved
 * one or null. onPath(key, value) when a path is typed, onTouch(key) on any
 * change. Returns { el, fields: [createField results by key], passphrase }.
 */
export function createTlsSection({ st, connection, onPath, onTouch }) {
  const fields = {};
  const rows = ROWS.map((r) => {
    const name = uniqueId(`tls-${r.which}`);
    const pathInput = textInput({ placeholder: `/path/to/${r.file}` });
    const pemArea = h('textarea', { class: 'input mono pem', rows: '4', spellcheck: 'false', placeholder: '-----BEGIN ...-----', 'aria-label': `${r.label} (PEM)`, 'data-testid': r.testid, value: st.pem[r.which] });
    if (r.which === 'key' && savedSecret(connection, 'sslkey') !== 'none') pemArea.placeholder = secretPlaceholder(savedSecret(connection, 'sslkey'), { pasted: true });
    pemArea.addEventListener('input', () => {
      st.pem[r.which] = pemArea.value;
      onTouch(r.key);
    });
    pathInput.addEventListener('input', () => onPath(r.key, pathInput.value));
    const holder = h('div', { class: 'tls-input' });
    const f = createField({ key: r.key, label: r.label, input: pathInput, control: holder });
    fields[r.key] = f;
    const show = () => {
      const pem = st.tlsSource[r.which] === 'pem';
      pathInput.hidden = pem;
      pemArea.hidden = !pem;
    };
    const radio = (value, text) => {
      const input = h('input', { type: 'radio', name, value, checked: st.tlsSource[r.which] === value, 'data-testid': `${r.testid}-source-${value}` });
      input.addEventListener('change', () => {
        if (!input.checked) return;
        st.tlsSource[r.which] = value;
        show();
        onTouch(r.key);
      });
      return h('label', { class: 'mini-seg' }, input, h('span', { text }));
    };
    holder.append(h('div', { class: 'mini-segmented', role: 'radiogroup', 'aria-label': `${r.label}: source` }, radio('path', 'File path'), radio('pem', 'Paste PEM')), pathInput, pemArea);
    show();
    return f.el;
  });

  const passphraseInput = h('input', { type: 'password', class: 'input', autocomplete: 'off', placeholder: secretPlaceholder(savedSecret(connection, 'sslpassword')) });
  passphraseInput.addEventListener('input', () => {
    st.passphrase = passphraseInput.value;
    onTouch('client_key_passphrase');
  });
  const passphrase = createField({ key: 'client_key_passphrase', label: 'Key passphrase', input: passphraseInput, hint: 'For an encrypted client key (libpq\u2019s sslpassword). Kept in the keyring.', testid: 'field-passphrase' });

  const open = !!(connection && (connection.params.sslrootcert || connection.params.sslcert || connection.params.sslkey
    || (connection.pem && (connection.pem.sslrootcert || connection.pem.sslcert)) || connection.has_inline_key));
  const el = h('details', { class: 'section', open, 'data-testid': 'tls-section' },
    h('summary', { class: 'section-title' }, 'Client TLS', h('span', { class: 'section-sub', text: 'root certificate, client certificate and key' })),
    h('div', { class: 'section-body' }, rows, passphrase.el));
  return { el, fields, passphrase };
}
