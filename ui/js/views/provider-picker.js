// "New connection": which kind of Postgres? One card per provider of the
// vocabulary (Rust's list); each opens the form with that provider's preset.
import { h } from '../lib/dom.js';
import { preset } from '../presets.js';

export function mountProviderPicker(root, app) {
  const title = h('h1', { class: 'page-title', tabindex: '-1', text: 'New connection' });
  const cards = ((app.vocabulary && app.vocabulary.providers) || []).map((p) => h('button', { type: 'button', class: 'provider-card', 'data-testid': `provider-${p.value}`, on: { click: () => app.navigate('new', { provider: p.value }) } },
    h('span', { class: ['provider-mark', 'large', `provider-${p.value}`], 'aria-hidden': 'true', text: p.label[0] }),
    h('span', { class: 'provider-name', text: p.label }),
    h('span', { class: 'provider-tagline', text: preset(p.value).tagline })));
  root.append(h('div', { class: 'page page-picker' },
    h('div', { class: 'page-head' }, h('div', { class: 'page-heading' },
      h('button', { type: 'button', class: 'btn btn-link', 'data-testid': 'back', on: { click: () => app.navigate('list') } }, h('span', { 'aria-hidden': 'true', text: '\u2190 ' }), 'Connections'), title)),
    h('p', { class: 'lead', text: 'Which kind of Postgres? The preset fills in what that provider needs and explains it.' }),
    h('div', { class: 'provider-grid', role: 'list' }, cards.map((c) => h('div', { role: 'listitem' }, c)))));
  return { focus: () => (cards[0] || title).focus(), destroy: () => {} };
}
