// The password (both modes), with show/hide. What the field says follows
// where the saved password stands: saved (leave empty to keep it), missing
// from the keyring (type it again), or not going to this server because the
// connection now points elsewhere (validate_draft's warning; then nothing
// here says it will be kept).
import { h, setText } from '../../lib/dom.js';
import { savedSecret, secretPlaceholder } from '../../lib/draft.js';
import { createField } from '../../components/field.js';

const HINTS = {
  saved: 'Leave empty to keep the saved password.',
  missing: 'The keyring no longer has the saved password (it was reset, or this is another machine or user): type it, and save to keep it again.',
  none: 'Stored in the system keyring, never in a file.',
  // validate_draft's warning under the field says it all.
  moved: '',
};

/** -> { el, input } */
export function createPasswordField(ctx) {
  const saved = savedSecret(ctx.connection, 'password');
  const input = h('input', { type: 'password', class: 'input', autocomplete: 'new-password', spellcheck: 'false' });
  input.addEventListener('input', () => {
    ctx.sync.setPassword(input.value);
    ctx.touch('password');
  });
  const toggle = h('button', { type: 'button', class: 'btn btn-small toggle-pw', 'aria-pressed': 'false', 'data-testid': 'toggle-password', text: 'Show' });
  toggle.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', String(show));
    setText(toggle, show ? 'Hide' : 'Show');
    input.focus();
  });
  const f = createField({ key: 'password', label: 'Password', input, control: h('div', { class: 'input-with-btn' }, input, toggle) });
  ctx.register('password', f);
  ctx.password = () => input.value;
  f.el.dataset.saved = saved;

  let moved = false;
  const render = () => {
    const state = moved ? 'moved' : saved;
    input.placeholder = moved ? 'Type the password for this server' : secretPlaceholder(saved);
    setText(f.hint, HINTS[state]);
    f.hint.dataset.state = state;
  };
  ctx.on('issues', (issues) => {
    moved = saved !== 'none' && issues.some((i) => i.field === 'password' && i.severity === 'warning');
    render();
  });
  ctx.on('password', (pw) => {
    if (document.activeElement !== input) input.value = pw || '';
  });
  ctx.on('mode', (mode) => setText(f.label, mode === 'url' ? 'Password (if not in the URL)' : 'Password'));
  render();
  return { el: f.el, input };
}
