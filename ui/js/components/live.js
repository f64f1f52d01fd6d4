// The page's aria-live="polite" region (in index.html) and a small toast.
import { h } from '../lib/dom.js';

let toastTimer = null;

/** Says `text` to screen readers, politely (test progress, copies, saves). */
export function announce(text) {
  const region = document.getElementById('live');
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  setTimeout(() => {
    region.textContent = text;
  }, 30);
}

/** A short status message at the bottom of the window, also announced. */
export function toast(text, { kind = 'info', ms = 2600 } = {}) {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div', { id: 'toast', class: 'toast', 'data-testid': 'toast', hidden: true });
    // Inside the notifications landmark, so every bit of the page is in one.
    (document.getElementById('notifications') || document.body).appendChild(el);
  }
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  announce(text);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, ms);
}
