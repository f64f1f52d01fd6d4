// "Fill from your project": host, port and user from a Supabase project
// ref, region and connection type.
import { h, setText } from '../lib/dom.js';
import { SUPABASE_MODES, supabaseFields } from '../presets.js';
import { textInput } from './field.js';

/** onFill(patch) receives {host?, port, user?}; returns the element. */
export function createSupabaseHelper({ onFill }) {
  const ref = textInput({ placeholder: 'abcdefghijklmnopqrst', 'aria-label': 'Project ref', 'data-testid': 'supabase-ref' });
  const region = textInput({ placeholder: 'eu-central-1', 'aria-label': 'Region', 'data-testid': 'supabase-region' });
  const mode = h('select', { class: 'input', 'aria-label': 'Connection type', 'data-testid': 'supabase-mode' }, SUPABASE_MODES.map((m) => h('option', { value: m.value, text: m.label })));
  const apply = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'supabase-apply', text: 'Fill host, port and user' });
  const note = h('p', { class: 'field-hint', 'aria-live': 'polite' });
  region.disabled = true;
  mode.addEventListener('change', () => {
    region.disabled = mode.value === 'direct';
  });
  apply.addEventListener('click', () => {
    const out = supabaseFields({ ref: ref.value, region: region.value, mode: mode.value });
    const patch = {};
    for (const [k, v] of Object.entries(out)) if (v != null) patch[k] = v;
    onFill(patch);
    setText(note, out.host ? `Set ${Object.entries(patch).map(([k, v]) => `${k}=${v}`).join(', ')}.` : 'Enter the project ref (and the region for the pooler).');
  });
  return h('div', { class: 'supabase-helper' },
    h('p', { class: 'label', text: 'Fill from your project' }),
    h('div', { class: 'helper-row' }, ref, mode, region, apply), note);
}
