// The connection's name and its job: the jobs and every option of each are
// built from the vocabulary (crates/core/src/job.rs Job and OPTIONS): a flag
// is a checkbox, a choice a select, a name a text input; an option shows
// only for its job, and one that `requires` a flag only while that flag is
// on. Nothing here knows which jobs or options exist.
import { h } from '../../lib/dom.js';
import { createField, createGroup, textInput } from '../../components/field.js';
import { splitLabel, optionsOf, optionDefault } from '../../lib/vocabulary.js';

/** -> { el (the name field and the job group), nameInput } */
export function createIdentity(ctx) {
  const { st } = ctx;
  const nameInput = textInput({ placeholder: 'e.g. Production replica', maxlength: '200', value: st.name });
  nameInput.addEventListener('input', () => {
    st.name = nameInput.value;
    ctx.touch('name');
  });
  const name = ctx.register('name', createField({ key: 'name', label: 'Connection name', input: nameInput }));
  return { el: [name, createJobGroup(ctx)], nameInput };
}

function createJobGroup(ctx) {
  const { st, vocab } = ctx;
  const jobs = vocab.jobs || [];
  const rows = [];
  const boxes = jobs.map((job) => {
    const controls = optionsOf(vocab, job.value).map((def) => {
      const row = optionControl(ctx, def, () => refresh());
      rows.push({ def, row });
      return row;
    });
    return { job: job.value, el: h('div', { class: 'job-options', 'data-testid': `job-options-${job.value}`, hidden: !controls.length }, controls) };
  });
  const refresh = () => {
    for (const b of boxes) b.el.hidden = st.job !== b.job || !b.el.childElementCount;
    for (const { def, row } of rows) row.hidden = !!def.requires && !st.options[def.requires];
  };
  const radios = jobs.map((job) => jobRadio(ctx, job, refresh));
  refresh();
  return createGroup('Job', { 'data-testid': 'job-group' },
    h('div', { class: 'segmented jobs' }, radios),
    boxes.map((b) => b.el));
}

function jobRadio(ctx, job, refresh) {
  const { title, hint } = splitLabel(job.label);
  const input = h('input', { type: 'radio', name: `${ctx.uid}-job`, value: job.value, checked: ctx.st.job === job.value, 'data-testid': `job-${job.value}` });
  input.addEventListener('change', () => {
    if (!input.checked) return;
    ctx.st.job = job.value;
    refresh();
    ctx.touch('job');
  });
  return h('label', { class: 'seg-option' }, input, h('span', { class: 'seg-label' }, h('strong', { text: title }), hint ? h('span', { class: 'seg-hint', text: hint }) : null));
}

/** One option's control, by its type. */
function optionControl(ctx, def, refresh) {
  const { st } = ctx;
  const testid = `opt-${def.name}`;
  const changed = (value) => {
    st.options[def.name] = value;
    refresh();
    ctx.touch('job_options');
  };
  const nested = def.requires ? ' option-nested' : '';
  if (def.type === 'flag') {
    const input = h('input', { type: 'checkbox', checked: !!st.options[def.name], 'data-testid': testid });
    input.addEventListener('change', () => changed(input.checked));
    return h('label', { class: `check check-block job-option${nested}`, dataset: { option: def.name } }, input,
      h('span', null, h('strong', { text: def.label }), h('span', { class: 'seg-hint', text: def.help })));
  }
  let input;
  if (def.type === 'choice') {
    const value = st.options[def.name] || optionDefault(def);
    input = h('select', { class: 'input' }, (def.values || []).map(([v, label]) => h('option', { value: v, text: label, selected: v === value })));
    input.addEventListener('change', () => changed(input.value));
  } else {
    input = textInput({ value: st.options[def.name] || '', placeholder: 'none' });
    input.addEventListener('input', () => changed(input.value));
  }
  const f = createField({ key: `job_options.${def.name}`, label: def.label, input, hint: def.help, testid });
  f.el.classList.add('job-option');
  if (nested) f.el.classList.add('option-nested');
  f.el.dataset.option = def.name;
  return f.el;
}
