// A tiny element builder. It only ever sets text (text nodes, textContent),
// attributes (setAttribute), a few DOM properties and CSSOM styles, so that
// no string can ever be parsed as HTML. There is deliberately no way to pass
// markup through it.

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'indeterminate', 'tabIndex', 'open']);

/**
 * h('button', { class: 'btn', on: { click: fn }, 'aria-label': 'Close' }, 'text', child)
 * - class: className; text: textContent; dataset: {k: v}; style: {prop: value} (CSSOM)
 * - on: {event: handler}; value/checked/disabled/hidden/...: DOM properties
 * - any other key: setAttribute (null/false/undefined skip it, true sets "")
 * - children: strings and numbers become text nodes; arrays are flattened; null/false skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) applyProps(el, props);
  append(el, children);
  return el;
}

export function applyProps(el, props) {
  for (const [key, v] of Object.entries(props)) {
    if (key === 'innerHTML' || key === 'outerHTML') throw new Error(`${key} is not allowed`);
    if (key === 'class' || key === 'className') {
      if (v) el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : String(v);
    } else if (key === 'text') {
      el.textContent = v == null ? '' : String(v);
    } else if (key === 'dataset') {
      for (const [k, dv] of Object.entries(v || {})) if (dv != null) el.dataset[k] = String(dv);
    } else if (key === 'style') {
      for (const [k, sv] of Object.entries(v || {})) {
        if (k.startsWith('--')) el.style.setProperty(k, String(sv));
        else el.style[k] = sv;
      }
    } else if (key === 'on') {
      for (const [ev, fn] of Object.entries(v || {})) if (fn) el.addEventListener(ev, fn);
    } else if (PROPS.has(key)) {
      if (v !== undefined) el[key] = v;
    } else if (v === true) {
      el.setAttribute(key, '');
    } else if (v !== null && v !== undefined && v !== false) {
      el.setAttribute(key, String(v));
    }
  }
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === true) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

/** Replaces every child of `el` with `children` (text or nodes). */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Sets text, creating nothing: the one way views put strings on screen. */
export function setText(el, value) {
  el.textContent = value == null ? '' : String(value);
  return el;
}

let uid = 0;
/** A document-unique id with a readable prefix, for label/aria wiring. */
export function uniqueId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Every focusable, visible element inside `root`, in tab order. */
export function focusables(root) {
  const sel = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  return [...root.querySelectorAll(sel)].filter((el) => !el.closest('[hidden]') && el.getClientRects().length > 0);
}
