// The SSL mode: a <select> of libpq's six modes (and "not set"), with the
// chosen mode's one-line guarantee beside it, read by screen readers as the
// select's description.
import { h, setText, uniqueId } from '../lib/dom.js';

const NOT_SET = 'Not set: libpq behaves as \u201Cprefer\u201D (encrypts if it can, verifies nothing).';

/**
 * modes: [{value, explanation}] (the vocabulary's, from Rust);
 * onChange(mode | null). Returns { el, select, msg, set(mode) }.
 */
export function createSslModeSelect({ modes, onChange }) {
  const id = uniqueId('sslmode');
  const explanation = h('p', { class: 'field-hint ssl-explanation', id: `${id}-explain`, 'data-testid': 'sslmode-explanation', 'aria-live': 'polite' });
  const msg = h('p', { class: 'field-msg', id: `${id}-msg`, 'data-testid': 'msg-sslmode', 'aria-live': 'polite' });
  const select = h('select', { class: 'input', id, 'data-testid': 'field-sslmode', 'aria-describedby': `${id}-explain ${id}-msg` },
    h('option', { value: '', text: 'Not set (prefer)' }),
    modes.map((m) => h('option', { value: m.value, text: m.value })));
  select.addEventListener('change', () => {
    explain();
    onChange(select.value || null);
  });
  const el = h('div', { class: 'field ssl-mode', dataset: { field: 'sslmode' } },
    h('label', { for: id, class: 'label', text: 'SSL mode' }),
    h('div', { class: 'ssl-row' }, select, explanation),
    msg);

  function explain() {
    const m = modes.find((x) => x.value === select.value);
    setText(explanation, m ? m.explanation : NOT_SET);
    el.dataset.mode = select.value || 'unset';
  }

  function set(mode) {
    select.value = modes.some((m) => m.value === mode) ? mode : '';
    explain();
  }

  explain();
  return { el, select, msg, set };
}
