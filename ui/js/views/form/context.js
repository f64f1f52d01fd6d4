// The form's shared state, held by the coordinator (views/connection-form.js)
// and handed to every section: the state `st` (lib/draft.js), the URL <->
// fields sync, the fields by key (for validation messages), and the few
// operations every section uses. Sections talk to each other through
// `on`/`emit` (mode, provider, parse results, issues), never through each
// other's variables.
import * as api from '../../api.js';
import { uniqueId, setText } from '../../lib/dom.js';
import { UrlSync } from '../../lib/url-sync.js';
import { buildDraft, initialState } from '../../lib/draft.js';
import { EMPTY_VOCABULARY } from '../../lib/vocabulary.js';

/** Sets an input's value unless the user is typing in it. */
export function setValue(input, v) {
  if (input && document.activeElement !== input) input.value = v == null ? '' : v;
}

export function createFormContext({ app, connection, provider }) {
  const vocab = app.vocabulary || EMPTY_VOCABULARY;
  const firstJob = vocab.jobs && vocab.jobs.length ? vocab.jobs[0].value : null;
  const st = initialState(connection, provider, firstJob);
  const handlers = new Map();
  const writers = [];
  const ctx = {
    app,
    api,
    vocab,
    connection,
    editing: !!connection,
    st,
    uid: uniqueId('form'),
    /** field key -> { msg, input, hint? }: where validation writes. */
    fields: new Map(),
    register(key, f) {
      ctx.fields.set(key, f);
      return f.el;
    },
    on(name, fn) {
      if (!handlers.has(name)) handlers.set(name, []);
      handlers.get(name).push(fn);
    },
    emit(name, ...args) {
      for (const fn of handlers.get(name) || []) fn(...args);
    },
    /** Each section puts the keywords it shows back into its inputs. */
    onWrite(fn) {
      writers.push(fn);
    },
    write(params, opts = {}) {
      for (const fn of writers) fn(params, opts);
    },
    markDirty() {
      st.dirty = true;
    },
    /** A field changed: its last message may no longer hold, so it hides until the next answer. */
    touch(key) {
      st.touched.add(key);
      st.editedSinceCheck.add(key);
      const f = ctx.fields.get(key);
      if (f && f.msg && f.msg.textContent) {
        setText(f.msg, '');
        delete f.msg.dataset.severity;
      }
      ctx.markDirty();
      ctx.validator.schedule();
    },
    setParam(key, value) {
      ctx.sync.setParams({ [key]: value === '' ? null : value });
      ctx.touch(key);
    },
    /** The password typed (the password section sets this). */
    password: () => '',
    draft() {
      return buildDraft(st, ctx.sync.params, ctx.password(), vocab.job_options);
    },
    /** Set by the validation section; a no-op until then. */
    validator: { schedule() {}, now: async () => {}, errors: () => [], updateSave() {} },
    /** Set by the actions section. */
    leave: async () => {},
  };
  ctx.sync = new UrlSync({
    api,
    onParsed: (res) => ctx.emit('parsed', res),
    onParams: (params) => ctx.emit('params', params),
    onPassword: (password) => ctx.emit('password', password),
    onUrl: (url, opts) => ctx.emit('url', url, opts || {}),
    onError: (err) => {
      st.parseError = err;
      ctx.emit('parseError', err);
      ctx.validator.updateSave();
    },
    onWarnings: (w) => ctx.emit('warnings', w),
    onSyntax: (s) => ctx.emit('syntax', s),
  });
  return ctx;
}
