// The SSH tunnel: the SSH hosts in the order they are reached (jump hosts
// first, the bastion next to the database last), how each logs in, and the
// tunnel's secrets (kept in the keyring). Hosts may be aliases of
// ~/.ssh/config. The fields are the `ssh` object of the IPC draft.
import { h, uniqueId } from '../lib/dom.js';
import { createField, textInput } from './field.js';
import { hopState, savedSecret, secretPlaceholder } from '../lib/draft.js';

const AUTH_LABELS = {
  auto: 'Automatic (agent, key, then password)',
  agent: 'SSH agent',
  key: 'Private key',
  password: 'Password',
};

/**
 * st: the form state (st.ssh = {enabled, hops, known_hosts, password,
 * passphrase, key}); connection: the saved one or null; methods: the
 * vocabulary's ssh_auth list; onTouch(field) on any change.
 * Returns { el, fields } (fields by key, for validation messages).
 */
export function createSshSection({ st, connection, methods, onTouch }) {
  const ssh = st.ssh;
  const fields = {};
  const hopsBox = h('ol', { class: 'ssh-hops', 'data-testid': 'ssh-hops' });
  const touch = (key) => onTouch(key);

  const enable = h('input', { type: 'checkbox', checked: ssh.enabled, 'data-testid': 'ssh-enabled' });
  const body = h('div', { class: 'ssh-body', hidden: !ssh.enabled });
  enable.addEventListener('change', () => {
    ssh.enabled = enable.checked;
    if (ssh.enabled && !ssh.hops.length) ssh.hops.push(hopState());
    body.hidden = !ssh.enabled;
    renderHops();
    touch('ssh');
  });

  function hopRow(hop, i) {
    const n = ssh.hops.length;
    const role = i === n - 1 ? 'Bastion (reaches the database)' : `Jump host ${i + 1}`;
    const user = textInput({ placeholder: 'user', value: hop.user, 'aria-label': `${role}: user`, 'data-testid': `ssh-user-${i}` });
    const host = textInput({ placeholder: 'bastion.example.com or a ~/.ssh/config alias', value: hop.host, 'aria-label': `${role}: host`, 'data-testid': `ssh-host-${i}` });
    const port = textInput({ placeholder: '22', inputmode: 'numeric', value: hop.port, 'aria-label': `${role}: port`, 'data-testid': `ssh-port-${i}`, class: 'input port-input' });
    const auth = h('select', { class: 'input', 'aria-label': `${role}: log in with`, 'data-testid': `ssh-auth-${i}` },
      methods.map((m) => h('option', { value: m, text: AUTH_LABELS[m] || m, selected: hop.auth === m })));
    const identity = textInput({ placeholder: '~/.ssh/id_ed25519 (optional)', value: hop.identity, 'aria-label': `${role}: private key file`, 'data-testid': `ssh-identity-${i}` });
    const pinned = textInput({ placeholder: 'ssh-ed25519 AAAA\u2026 (optional: instead of known_hosts)', value: hop.host_key, 'aria-label': `${role}: pinned host key`, 'data-testid': `ssh-host-key-${i}`, class: 'input mono' });
    const bind = (input, key) => input.addEventListener('input', () => {
      hop[key] = input.value;
      touch('ssh');
    });
    bind(user, 'user');
    bind(host, 'host');
    bind(port, 'port');
    bind(identity, 'identity');
    bind(pinned, 'host_key');
    auth.addEventListener('change', () => {
      hop.auth = auth.value;
      touch('ssh');
    });
    const remove = n > 1 ? h('button', { type: 'button', class: 'btn btn-small', 'data-testid': `ssh-remove-${i}`, text: 'Remove', 'aria-label': `Remove ${role}`, on: { click: () => {
      ssh.hops.splice(i, 1);
      renderHops();
      touch('ssh');
    } } }) : null;
    return h('li', { class: 'ssh-hop', 'data-testid': `ssh-hop-${i}` },
      h('div', { class: 'ssh-hop-head' }, h('span', { class: 'label', text: role }), remove),
      h('div', { class: 'ssh-hop-addr' }, user, h('span', { class: 'ssh-at', 'aria-hidden': 'true', text: '@' }), host, h('span', { class: 'ssh-at', 'aria-hidden': 'true', text: ':' }), port),
      h('div', { class: 'grid-2' },
        h('label', { class: 'mini-field' }, h('span', { class: 'label', text: 'Log in with' }), auth),
        h('label', { class: 'mini-field' }, h('span', { class: 'label', text: 'Private key file' }), identity)),
      h('label', { class: 'mini-field' }, h('span', { class: 'label', text: 'Pinned host key' }), pinned));
  }

  function renderHops() {
    hopsBox.replaceChildren(...ssh.hops.map(hopRow));
  }

  const addJump = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'ssh-add-jump', text: 'Add a jump host before', on: { click: () => {
    ssh.hops.unshift(hopState());
    renderHops();
    touch('ssh');
    const first = hopsBox.querySelector('[data-testid="ssh-host-0"]');
    if (first) first.focus();
  } } });

  const secret = (key, label, hint, kind, testid) => {
    const input = h('input', { type: 'password', class: 'input', autocomplete: 'off', spellcheck: 'false', placeholder: secretPlaceholder(savedSecret(connection, kind)) });
    input.addEventListener('input', () => {
      ssh[key] = input.value;
      touch(`ssh_${key}`);
    });
    const f = createField({ key: `ssh_${key}`, label, input, hint, testid });
    fields[`ssh_${key}`] = f;
    return f.el;
  };
  const keyArea = h('textarea', { class: 'input mono pem', rows: '3', spellcheck: 'false', placeholder: secretPlaceholder(savedSecret(connection, 'ssh-key'), { pasted: true }) || '-----BEGIN OPENSSH PRIVATE KEY-----', 'aria-label': 'SSH private key (pasted)' });
  keyArea.addEventListener('input', () => {
    ssh.key = keyArea.value;
    touch('ssh_key');
  });
  const keyField = createField({ key: 'ssh_key', label: 'Private key (pasted)', input: keyArea, hint: 'Used by hops that log in with a private key and name no key file. Kept in the keyring.', testid: 'ssh-key-pem' });
  fields.ssh_key = keyField;
  const knownHosts = textInput({ placeholder: '~/.ssh/known_hosts', value: ssh.known_hosts });
  knownHosts.addEventListener('input', () => {
    ssh.known_hosts = knownHosts.value;
    touch('ssh');
  });
  const kh = createField({ key: 'ssh_known_hosts', label: 'known_hosts file', input: knownHosts, hint: 'Host keys are checked here, and keys you accept are recorded here. Empty: as ssh (~/.ssh/config, else ~/.ssh/known_hosts).', testid: 'ssh-known-hosts' });

  const msg = h('p', { class: 'field-msg', 'data-testid': 'msg-ssh', 'aria-live': 'polite', id: uniqueId('ssh-msg') });
  fields.ssh = { el: null, input: enable, msg };
  body.append(
    hopsBox,
    h('div', { class: 'ssh-tools' }, addJump),
    msg,
    h('div', { class: 'grid-2' },
      secret('password', 'SSH password', 'For hops that log in with a password. Kept in the keyring, sent only to these SSH hosts.', 'ssh-password', 'ssh-password'),
      secret('passphrase', 'Key passphrase', 'For an encrypted SSH key. Kept in the keyring.', 'ssh-passphrase', 'ssh-passphrase')),
    keyField.el,
    kh.el,
  );
  renderHops();

  const el = h('details', { class: 'section', open: ssh.enabled, 'data-testid': 'ssh-section' },
    h('summary', { class: 'section-title' }, 'SSH tunnel', h('span', { class: 'section-sub', text: 'reach the database through a bastion' })),
    h('div', { class: 'section-body' },
      h('label', { class: 'check check-block' }, enable, h('span', null, h('strong', { text: 'Connect through an SSH tunnel' }), h('span', { class: 'seg-hint', text: 'The test runs over an SSH channel; the last host resolves the database\u2019s name, and TLS still checks it.' }))),
      body));
  return { el, fields };
}
