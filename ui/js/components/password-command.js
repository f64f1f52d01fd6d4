// The password from a command: cloud IAM tokens (RDS, Cloud SQL, Entra ID)
// and secret managers (1Password, Vault, pass). A preset fills the command
// from the form's host, port and user (in the backend: one definition); the
// line stays editable. It is run without a shell, inside the test's
// deadline, only when no password is typed or saved.
import { h } from '../lib/dom.js';
import { createField, textInput } from './field.js';

/**
 * st: the form state (st.passwordCommand = {line, preset}); presets: the
 * vocabulary's password_presets; fill(presetId) -> Promise<line>;
 * onTouch(field) on any change; imported: the saved command came from an
 * import and has not run yet. Returns { el, field }.
 */
export function createPasswordCommand({ st, presets, imported = false, fill, onTouch }) {
  const pc = st.passwordCommand;
  const byId = new Map(presets.map((p) => [p.id, p]));
  const select = h('select', { class: 'input', 'aria-label': 'Preset', 'data-testid': 'password-preset' },
    h('option', { value: '', text: 'Custom command' }),
    presets.map((p) => h('option', { value: p.id, text: p.label, selected: pc.preset === p.id })));
  const line = textInput({ class: 'input mono', value: pc.line, placeholder: 'aws rds generate-db-auth-token --hostname \u2026' });
  const note = h('p', { class: 'field-hint', 'data-testid': 'password-preset-note' });
  const showNote = () => {
    const p = byId.get(pc.preset);
    note.textContent = p ? p.note : 'Its first line of output is the password. Run without a shell: quote words as in a terminal.';
  };
  select.addEventListener('change', async () => {
    pc.preset = select.value;
    showNote();
    if (pc.preset) {
      try {
        pc.line = await fill(pc.preset);
        line.value = pc.line;
      } catch (_) {
        // The field keeps what it had; validation explains.
      }
    }
    onTouch('password_command');
  });
  line.addEventListener('input', () => {
    pc.line = line.value;
    onTouch('password_command');
  });
  showNote();
  const field = createField({ key: 'password_command', label: 'Command', input: line, hint: 'Runs only when no password is typed or saved; never through a shell.', wide: true });
  const el = h('details', { class: 'section', open: !!pc.line, 'data-testid': 'password-command-section' },
    h('summary', { class: 'section-title' }, 'Password from a command', h('span', { class: 'section-sub', text: 'cloud IAM token, secret manager' })),
    h('div', { class: 'section-body' },
      imported ? h('p', { class: 'banner banner-warn', role: 'note', 'data-testid': 'password-command-imported', text: 'This command came from an import and has not run. Read it: saving the connection confirms it, and until then Test does not run it.' }) : null,
      h('div', { class: 'field' }, h('span', { class: 'label', text: 'Preset' }), select, note),
      field.el));
  return { el, field };
}
