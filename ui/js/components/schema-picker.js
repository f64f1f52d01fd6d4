// Which schemas the job uses (the analysis scope): "All schemas" (the
// default), or a chosen few, offered from the last test's schema list.
import { h, replace, setText, uniqueId } from '../lib/dom.js';
import { schemaChoices } from '../lib/schemas.js';
import { createGroup } from './field.js';

/**
 * selected: the saved scope (empty: all); onChange(scope) on every change.
 * Returns { el, setAvailable(names), get scope }.
 */
export function createSchemaPicker({ selected = [], onChange }) {
  let chosen = new Set(selected);
  let only = chosen.size > 0;
  let available = [];
  const name = uniqueId('scope');
  const list = h('div', { class: 'schema-list', 'data-testid': 'schema-list', role: 'group', 'aria-label': 'Schemas' });
  const note = h('p', { class: 'field-hint', 'data-testid': 'schema-note', 'aria-live': 'polite' });
  const radio = (value, label) => {
    const input = h('input', { type: 'radio', name, value, checked: (value === 'only') === only, 'data-testid': `schema-scope-${value}` });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      only = value === 'only';
      render();
      emit();
    });
    return h('label', { class: 'seg-option compact' }, input, h('span', { class: 'seg-label' }, h('strong', { text: label })));
  };
  const el = createGroup('Schemas the job uses', { 'data-testid': 'schema-picker', class: 'fieldset schema-picker' },
    h('div', { class: 'segmented two narrow' }, radio('all', 'All schemas'), radio('only', 'Only these')),
    list, note);

  function scope() {
    return only ? [...chosen].sort((a, b) => a.localeCompare(b, 'en')) : [];
  }

  function emit() {
    onChange(scope());
  }

  function render() {
    const names = schemaChoices(available, [...chosen]);
    list.hidden = !only;
    replace(list, names.map((n) => {
      const box = h('input', { type: 'checkbox', checked: chosen.has(n), 'data-testid': 'schema-option', dataset: { schema: n } });
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(n);
        else chosen.delete(n);
        render();
        emit();
      });
      return h('label', { class: 'check schema-option' }, box, h('code', { text: n }));
    }));
    if (!only) {
      setText(note, 'The test checks every schema. Choose \u201COnly these\u201D to limit the job and the test to some.');
    } else if (!names.length) {
      setText(note, 'Test the connection to list its schemas.');
    } else if (!chosen.size) {
      setText(note, 'Tick at least one schema, or choose All schemas.');
    } else {
      setText(note, `${chosen.size} of ${names.length} schemas.`);
    }
  }

  render();
  return {
    el,
    setAvailable(names) {
      available = names || [];
      render();
    },
    get scope() {
      return scope();
    },
  };
}
