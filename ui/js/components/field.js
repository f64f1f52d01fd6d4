// Labelled form fields: a label, the control, an optional hint and a
// message line that validation fills (wired with aria-describedby).
import { h, uniqueId } from '../lib/dom.js';

/** A single-line text input with the form's defaults (no autocorrect). */
export function textInput(attrs = {}) {
  return h('input', { type: 'text', class: 'input', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', ...attrs });
}

/**
 * { key, label, input, control = input, hint, wide, testid } ->
 * { el, input, msg, label, hint }. The input gets an id, a data-testid
 * (field-<key>) and aria-describedby pointing at the message and the hint
 * (`hint` is the hint's element, there even when empty, so that it can be
 * changed; an empty hint is not shown).
 */
export function createField({ key, label, input, control = input, hint, wide = false, testid }) {
  const id = uniqueId(`f-${key}`);
  const msg = h('p', { class: 'field-msg', id: `${id}-msg`, 'data-testid': `msg-${key}`, 'aria-live': 'polite' });
  input.id = id;
  input.setAttribute('aria-describedby', `${id}-msg ${id}-hint`);
  input.dataset.testid = testid || `field-${key}`;
  const hintEl = h('p', { class: 'field-hint', id: `${id}-hint`, 'data-testid': `hint-${key}`, text: hint || '' });
  const el = h('div', { class: ['field', wide ? 'wide' : ''], dataset: { field: key } },
    h('label', { for: id, class: 'label', text: label }),
    control,
    hintEl,
    msg);
  return { el, input, msg, label: el.querySelector('label'), hint: hintEl };
}

/** A labelled group (a div, not a <fieldset>: WebKit pads fieldsets oddly). */
export function createGroup(label, attrs, ...children) {
  const id = uniqueId('group');
  return h('div', { class: 'fieldset', role: 'group', 'aria-labelledby': id, ...attrs }, h('p', { class: 'label legend', id, text: label }), children);
}
