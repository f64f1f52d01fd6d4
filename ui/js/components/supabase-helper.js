// "Fill from your project": host, port and user from a Supabase project
// ref, region and connection type; prefilled from what the form already
// holds (a pasted URL's host and user).
import { h, setText } from '../lib/dom.js';
import { SUPABASE_MODES, supabaseFields } from '../presets.js';
import { textInput } from './field.js';

/**
 * onFill(patch) receives {host?, port, user?}. Returns { el, prefill(project) }:
 * prefill({ref, region, mode}) fills the inputs the user has not typed in.
 */
export function createSupabaseHelper({ onFill }) {
  const ref = textInput({ placeholder: 'abcdefghijklmnopqrst', 'aria-label': 'Project ref', 'data-testid': 'supabase-ref' });
  const region = textInput({ placeholder: 'eu-central-1', 'aria-label': 'Region', 'data-testid': 'supabase-region' });
  const mode = h('select', { class: 'input', 'aria-label': 'Connection type', 'data-testid': 'supabase-mode' }, SUPABASE_MODES.map((m) => h('option', { value: m.value, text: m.label })));
  const apply = h('button', { type: 'button', class: 'btn btn-small helper-apply', 'data-testid': 'supabase-apply', text: 'Fill host, port and user' });
  const note = h('p', { class: 'field-hint', 'aria-live': 'polite' });
  const typed = new Set();
  const syncRegion = () => {
    region.disabled = mode.value === 'direct';
  };
  syncRegion();
  for (const input of [ref, region, mode]) input.addEventListener('input', () => typed.add(input));
  mode.addEventListener('change', () => {
    typed.add(mode);
    syncRegion();
  });
  apply.addEventListener('click', () => {
    const out = supabaseFields({ ref: ref.value, region: region.value, mode: mode.value });
    const patch = {};
    for (const [k, v] of Object.entries(out)) if (v != null) patch[k] = v;
    onFill(patch);
    setText(note, out.host ? `Set ${Object.entries(patch).map(([k, v]) => `${k}=${v}`).join(', ')}.` : 'Enter the project ref (and the region for the pooler).');
  });
  const el = h('div', { class: 'supabase-helper', 'data-testid': 'supabase-helper' },
    h('p', { class: 'label', text: 'Fill from your project' }),
    h('div', { class: 'helper-row' }, ref, mode, region, apply), note);
  return {
    el,
    prefill({ ref: r, region: g, mode: m } = {}) {
      if (r && !typed.has(ref)) ref.value = r;
      if (g && !typed.has(region)) region.value = g;
      if (m && !typed.has(mode)) mode.value = m;
      syncRegion();
    },
  };
}
