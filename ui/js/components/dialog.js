// Modal dialogs: role="dialog" + aria-modal, a focus trap, Escape to close,
// the rest of the page made inert, and focus given back to the opener.
import { h, focusables, uniqueId } from '../lib/dom.js';

const stack = [];

function setInert() {
  const top = stack[stack.length - 1];
  for (const child of document.body.children) {
    if (child.classList.contains('dialog-backdrop')) {
      child.inert = child !== (top && top.backdrop);
    } else if (child.id !== 'live' && child.id !== 'toast') {
      child.inert = stack.length > 0;
    }
  }
}

function onKeydown(event) {
  const top = stack[stack.length - 1];
  if (!top) return;
  if (event.key === 'Escape') {
    event.preventDefault();
    event.stopPropagation();
    top.close(undefined);
  } else if (event.key === 'Tab') {
    const items = focusables(top.dialog);
    if (!items.length) {
      event.preventDefault();
      top.dialog.focus();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !top.dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !top.dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }
}

document.addEventListener('keydown', onKeydown, true);

/**
 * Opens a dialog. `body` is a node (or list); `actions` a list of buttons.
 * Returns { dialog, close(result), closed: Promise<result> }.
 */
export function openDialog({ title, body, actions = [], size = 'md', testid, initialFocus, onClose, describedBy }) {
  const titleId = uniqueId('dialog-title');
  const opener = document.activeElement;
  let resolve;
  const closed = new Promise((r) => {
    resolve = r;
  });
  const closeButton = h('button', { type: 'button', class: 'icon-btn dialog-close', 'aria-label': 'Close', 'data-testid': 'dialog-close', text: '\u2715' });
  const dialog = h(
    'div',
    {
      class: ['dialog', `dialog-${size}`],
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': titleId,
      'aria-describedby': describedBy,
      tabindex: '-1',
      'data-testid': testid,
    },
    h('header', { class: 'dialog-header' }, h('h2', { id: titleId, class: 'dialog-title', text: title }), closeButton),
    h('div', { class: 'dialog-body' }, body),
    actions.length ? h('footer', { class: 'dialog-actions' }, actions) : null,
  );
  const backdrop = h('div', { class: 'dialog-backdrop' }, dialog);
  const entry = { dialog, backdrop, close: null };
  let done = false;
  entry.close = (result) => {
    if (done) return;
    done = true;
    const i = stack.indexOf(entry);
    if (i >= 0) stack.splice(i, 1);
    backdrop.remove();
    setInert();
    if (onClose) onClose(result);
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
    resolve(result);
  };
  closeButton.addEventListener('click', () => entry.close(undefined));
  backdrop.addEventListener('mousedown', (e) => {
    if (e.target === backdrop) entry.close(undefined);
  });
  stack.push(entry);
  document.body.appendChild(backdrop);
  setInert();
  const target = (typeof initialFocus === 'function' ? initialFocus() : initialFocus) || focusables(dialog).find((el) => el !== closeButton) || dialog;
  target.focus();
  return { dialog, close: entry.close, closed };
}

/** A yes/no question. Resolves true only on the confirm button. */
export function confirmDialog({ title, message, confirmLabel = 'OK', cancelLabel = 'Cancel', danger = false, testid = 'confirm-dialog' }) {
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': 'confirm-cancel', text: cancelLabel });
  const ok = h('button', { type: 'button', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], 'data-testid': 'confirm-ok', text: confirmLabel });
  const msgId = uniqueId('dialog-msg');
  const d = openDialog({
    title,
    body: (Array.isArray(message) ? message : [message]).map((m, i) => (typeof m === 'string' ? h('p', { id: i === 0 ? msgId : undefined, text: m }) : m)),
    actions: [cancel, ok],
    size: 'sm',
    testid,
    describedBy: msgId,
    initialFocus: danger ? cancel : ok,
  });
  cancel.addEventListener('click', () => d.close(false));
  ok.addEventListener('click', () => d.close(true));
  return d.closed.then((r) => r === true);
}

export function isDialogOpen() {
  return stack.length > 0;
}
