// Keeps the Connection URL and the separate fields in step, both ways, with
// the Rust parser and formatter as the only authority (parse_url /
// format_url): editing the URL refills the fields whenever it parses;
// editing a field rewrites the URL. Calls are lightly debounced and every
// reply is checked against an edit counter, so a slow reply to an older
// edit never overwrites a newer one. DOM-free: the form passes callbacks.
//
// The rewritten URL never carries the password (it would sit in plain text
// on screen); a URL without a password therefore keeps the password that the
// fields already have, which is how switching modes never loses it.

export const FIELD_KEYS = [
  'host', 'port', 'dbname', 'user', 'password', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey',
  'application_name', 'connect_timeout', 'options',
];

export function emptyFields() {
  return Object.fromEntries(FIELD_KEYS.map((k) => [k, null]));
}

/** Empty strings become null (libpq's "not set"), other values are kept. */
export function normalizeFields(fields) {
  const out = { ...emptyFields(), ...(fields || {}) };
  for (const k of Object.keys(out)) if (out[k] === '') out[k] = null;
  return out;
}

function defaultSchedule(fn, ms) {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

export class UrlSync {
  /**
   * api: { parseUrl(url) -> Promise<{fields, warnings, syntax}>, formatUrl(fields, includePassword) -> Promise<string> }
   * callbacks: onFields(fields), onUrl(url), onError(err|null), onWarnings(string[]), onSyntax(s)
   */
  constructor({ api, delay = 120, schedule = defaultSchedule, ...callbacks }) {
    this.api = api;
    this.delay = delay;
    this.schedule = schedule;
    this.cb = callbacks;
    this.fields = emptyFields();
    this.url = '';
    this.error = null;
    this.warnings = [];
    this.edits = 0;
    this.pending = null; // { kind: 'parse'|'format', cancel, run }
    this.inflight = null;
  }

  emit(name, ...args) {
    const fn = this.cb[name];
    if (fn) fn(...args);
  }

  /** Loads a saved connection (no calls to the parser, no callbacks). */
  load({ fields, url = '' }) {
    this.cancelPending();
    this.edits += 1;
    this.fields = normalizeFields(fields);
    this.url = url;
    this.error = null;
    this.warnings = [];
  }

  /** The user edited the URL. */
  setUrl(url) {
    this.url = url;
    this.edits += 1;
    this.queue('parse');
  }

  /** The user edited one or more fields. */
  setFields(patch) {
    this.fields = normalizeFields({ ...this.fields, ...patch });
    this.edits += 1;
    this.queue('format');
  }

  queue(kind) {
    this.cancelPending();
    const run = () => {
      this.pending = null;
      return kind === 'parse' ? this.runParse() : this.runFormat();
    };
    const cancel = this.schedule(run, this.delay);
    this.pending = { kind, cancel, run };
  }

  cancelPending() {
    if (this.pending) {
      this.pending.cancel();
      this.pending = null;
    }
  }

  /** Runs any debounced call now and waits for the latest one to settle. */
  async flush() {
    if (this.pending) {
      const { run } = this.pending;
      this.cancelPending();
      await run();
    } else if (this.inflight) {
      await this.inflight;
    }
  }

  async runParse() {
    const edit = this.edits;
    const url = this.url;
    const p = (async () => {
      try {
        const res = await this.api.parseUrl(url);
        if (edit !== this.edits) return; // stale: a newer edit happened
        const parsed = normalizeFields(res && res.fields);
        if (parsed.password == null && this.fields.password != null) parsed.password = this.fields.password;
        this.fields = parsed;
        this.error = null;
        this.warnings = (res && res.warnings) || [];
        this.emit('onError', null);
        this.emit('onWarnings', this.warnings);
        if (res && res.syntax) this.emit('onSyntax', res.syntax);
        this.emit('onFields', this.fields);
      } catch (err) {
        if (edit !== this.edits) return;
        this.error = err;
        this.warnings = [];
        this.emit('onWarnings', []);
        this.emit('onError', err);
      }
    })();
    this.inflight = p;
    return p;
  }

  async runFormat() {
    const edit = this.edits;
    const fields = { ...this.fields };
    const p = (async () => {
      try {
        const url = await this.api.formatUrl(fields, false);
        if (edit !== this.edits) return;
        this.url = url;
        this.error = null;
        this.warnings = [];
        this.emit('onError', null);
        this.emit('onWarnings', []);
        this.emit('onUrl', url);
      } catch (err) {
        if (edit !== this.edits) return;
        // A field the formatter refuses: keep the old URL; validation says why.
        this.emit('onFormatError', err);
      }
    })();
    this.inflight = p;
    return p;
  }
}

/** Splits a parse error message and position for display: [before, at, after]. */
export function markPosition(text, position) {
  const chars = [...(text || '')];
  if (position == null || position < 0 || position > chars.length) return null;
  return [chars.slice(0, position).join(''), chars[position] || ' ', chars.slice(position + 1).join('')];
}
