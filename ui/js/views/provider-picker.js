// "New connection": which kind of Postgres? Each card opens the form with
// that provider's preset.
import { h } from '../lib/dom.js';
import { PRESETS, PROVIDER_IDS } from '../presets.js';

export function mountProviderPicker(root, app) {
  const title = h('h1', { class: 'page-title', tabindex: '-1', text: 'New connection' });
  const cards = PROVIDER_IDS.map((id) => {
    const p = PRESETS[id];
    return h('button', { type: 'button', class: 'provider-card', 'data-testid': `provider-${id}`, on: { click: () => app.navigate('new', { provider: id }) } },
      h('span', { class: ['provider-mark', 'large', `provider-${id}`], 'aria-hidden': 'true', text: p.label[0] }),
      h('span', { class: 'provider-name', text: p.label }),
      h('span', { class: 'provider-tagline', text: p.tagline }));
  });
  root.append(h('div', { class: 'page page-picker' },
    h('div', { class: 'page-head' }, h('div', { class: 'page-heading' },
      h('button', { type: 'button', class: 'btn btn-link', 'data-testid': 'back', on: { click: () => app.navigate('list') } }, h('span', { 'aria-hidden': 'true', text: '\u2190 ' }), 'Connections'), title)),
    h('p', { class: 'lead', text: 'Which kind of Postgres? The preset fills in what that provider needs and explains it.' }),
    h('div', { class: 'provider-grid', role: 'list' }, cards.map((c) => h('div', { role: 'listitem' }, c)))));
  return { focus: () => cards[0].focus(), destroy: () => {} };
}
