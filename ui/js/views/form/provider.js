// The form's header and its provider: the title, the way back, the
// provider select (the vocabulary's providers), and the notes beside the
// form (what the provider needs, where verify-full finds its CA, Supabase's
// "Fill from your project"). Which provider a pasted URL points to is
// parse_url's answer (Rust); what a provider requires comes from the
// vocabulary and is added where the string lacks it.
import { h, replace, setText } from '../../lib/dom.js';
import { preset, applyDefaults, supabaseProject } from '../../presets.js';
import { providerOf, missingRequired } from '../../lib/vocabulary.js';
import { createSupabaseHelper } from '../../components/supabase-helper.js';

/** -> { el (the page head), title, notes (the aside's box), setProvider(id, {fromUrl}) } */
export function createHeader(ctx) {
  const { st, vocab, editing, connection } = ctx;
  const title = h('h1', { class: 'page-title', tabindex: '-1', id: `${ctx.uid}-title`, text: editing ? `Edit \u201C${connection.name}\u201D` : newTitle(vocab, st.provider) });
  const known = (vocab.providers || []).some((p) => p.value === st.provider);
  const select = h('select', { class: 'input select-small', 'aria-label': 'Provider', 'data-testid': 'provider-select' },
    (vocab.providers || []).map((p) => h('option', { value: p.value, text: p.label, selected: p.value === st.provider })),
    known ? null : h('option', { value: st.provider, text: st.provider, selected: true }));
  select.addEventListener('change', () => setProvider(select.value));
  const back = h('button', { type: 'button', class: 'btn btn-link', 'data-testid': 'back', on: { click: () => ctx.leave() } }, h('span', { 'aria-hidden': 'true', text: '\u2190 ' }), 'Connections');
  const notes = createNotes(ctx);

  function setProvider(id, { fromUrl = false } = {}) {
    st.provider = id;
    select.value = id;
    if (!editing) setText(title, newTitle(vocab, id));
    // A provider chosen by hand prefills what is empty; a URL is taken as it is.
    if (!fromUrl) fillDefaults(ctx, id);
    ctx.emit('provider', id);
    ctx.markDirty();
    ctx.validator.schedule();
  }

  ctx.on('parsed', ({ provider, added }) => {
    if (!editing && provider && provider !== 'postgres' && provider !== st.provider) setProvider(provider, { fromUrl: true });
    const pairs = [...(added || [])];
    const by = pairs.length ? provider : st.provider;
    // The provider was chosen by hand and the host does not name it: its requirements still hold.
    if (!pairs.length && provider !== st.provider) {
      const missing = missingRequired(vocab, st.provider, ctx.sync.params);
      ctx.sync.addRequired(missing);
      pairs.push(...missing);
    }
    ctx.emit('added', pairs, by);
  });

  const el = h('div', { class: 'page-head' },
    h('div', { class: 'page-heading' }, back, title),
    h('div', { class: 'page-tools' }, h('span', { class: 'label-inline', text: 'Provider' }), select));
  return { el, title, notes: notes.el, setProvider };
}

function newTitle(vocab, id) {
  return `New ${providerOf(vocab, id).label} connection`;
}

/** Fills what is empty with the provider's defaults and what it requires. */
function fillDefaults(ctx, id) {
  const before = ctx.sync.params;
  const after = { ...applyDefaults(before, id), ...Object.fromEntries(missingRequired(ctx.vocab, id, before)) };
  const patch = {};
  for (const k of Object.keys(after)) if (after[k] !== before[k]) patch[k] = after[k];
  if (Object.keys(patch).length) {
    ctx.sync.setParams(patch);
    ctx.write(ctx.sync.params);
  }
}

/** The notes box: the preset's notes, what the provider requires, its CA for verify-full. */
function createNotes(ctx) {
  const box = h('div', { class: 'preset-notes', 'data-testid': 'preset-notes' });
  let helper = null;
  const render = (id) => {
    const info = providerOf(ctx.vocab, id);
    const items = [...preset(id).notes];
    if (info.required.length) items.unshift({ title: 'Required', text: `${info.required.map(([k, v]) => `${k}=${v}`).join(', ')}: set for you, and added when a pasted URL leaves it out.` });
    if (info.ca_bundle) items.push({ title: 'verify-full', text: info.ca_bundle });
    helper = id === 'supabase' ? createSupabaseHelper({ onFill: (patch) => fill(ctx, patch) }) : null;
    if (helper) helper.prefill(supabaseProject(ctx.sync.params));
    box.hidden = !items.length && !helper;
    replace(box, items.length || helper ? [
      h('p', { class: 'notes-title' }, h('span', { class: ['provider-mark', `provider-${id}`], 'aria-hidden': 'true', text: info.label[0] }), `${info.label}: what to know`),
      h('dl', { class: 'notes' }, items.map((n) => [h('dt', { text: n.title }), h('dd', { text: n.text })])),
      helper ? helper.el : null,
    ] : []);
  };
  ctx.on('provider', render);
  ctx.on('params', (params) => helper && helper.prefill(supabaseProject(params)));
  render(ctx.st.provider);
  return { el: box };
}

function fill(ctx, patch) {
  ctx.sync.setParams(patch);
  ctx.write(ctx.sync.params);
  for (const k of Object.keys(patch)) ctx.touch(k);
}
