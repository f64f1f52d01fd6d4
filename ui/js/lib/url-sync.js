// Keeps the Connection URL and the separate fields in step, both ways, with
// the Rust parser and formatter as the only authority (parse_url /
// format_url): editing the URL refills the fields whenever it parses;
// editing a field rewrites the URL. Calls are lightly debounced and every
// reply is checked against an edit counter, so a slow reply to an older
// edit never overwrites a newer one. DOM-free: the form passes callbacks.
//
// The fields are `params`, the IPC's {libpq keyword: value} object; the
// password is kept apart. The rewritten URL never carries the password (it
// would sit in plain text on screen): a URL that has one sets the password,
// and `takePassword` moves it out of the URL into the masked field (the form
// calls it on paste and when the URL box loses focus). The provider comes
// from the parser too (Rust guesses it from the host, and adds what the
// provider requires and the string lacks: `added`, shown by the form).

/** A params object with only the keywords that are set: empty text is "not set". */
export function normalizeParams(params) {
  const out = {};
  for (const [k, v] of Object.entries(params || {})) {
    if (v == null) continue;
    const s = String(v);
    if (s !== '') out[k] = s;
  }
  return out;
}

function defaultSchedule(fn, ms) {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

export class UrlSync {
  /**
   * api: { parseUrl(url) -> Promise<{params, password, warnings, syntax, provider, added}>, formatUrl(params) -> Promise<string> }
   * callbacks: onParsed({provider, added}), onParams(params), onPassword(password), onUrl(url, {force}), onError(err|null), onWarnings(string[]), onSyntax(s)
   */
  constructor({ api, delay = 120, schedule = defaultSchedule, ...callbacks }) {
    this.api = api;
    this.delay = delay;
    this.schedule = schedule;
    this.cb = callbacks;
    this.params = {};
    this.password = null;
    /** The password the last parsed URL carried (still in the URL box). */
    this.urlPassword = null;
    this.url = '';
    this.error = null;
    this.warnings = [];
    /** What the last parse added for the provider ([[keyword, value]]), not yet in the URL box. */
    this.added = [];
    this.edits = 0;
    this.pending = null; // { kind: 'parse'|'format', cancel, run }
    this.inflight = null;
  }

  emit(name, ...args) {
    const fn = this.cb[name];
    if (fn) fn(...args);
  }

  /** Loads a saved connection (no calls to the parser, no callbacks). */
  load({ params, password = null, url = '' }) {
    this.cancelPending();
    this.edits += 1;
    this.params = normalizeParams(params);
    this.password = password;
    this.urlPassword = null;
    this.url = url;
    this.error = null;
    this.warnings = [];
    this.added = [];
  }

  /** The user edited the URL. */
  setUrl(url) {
    this.url = url;
    this.edits += 1;
    this.queue('parse');
  }

  /** The user edited one or more fields (null or '' unsets a keyword). */
  setParams(patch) {
    this.params = normalizeParams({ ...this.params, ...patch });
    this.edits += 1;
    this.queue('format');
  }

  /**
   * Adds settings the provider requires that the parsed string lacks (the
   * form's chosen provider, when the host does not name it), as parse_url
   * does for the provider it detects: in `params` now, in the URL box when
   * takePassword rewrites it.
   */
  addRequired(pairs) {
    if (!pairs || !pairs.length) return;
    this.params = normalizeParams({ ...this.params, ...Object.fromEntries(pairs) });
    this.added = [...this.added, ...pairs];
  }

  /** The user typed a password: the URL does not change (it never shows one). */
  setPassword(password) {
    this.password = password === '' ? null : password;
  }

  /**
   * Moves the password out of the URL box: the masked field keeps it, the
   * URL is rewritten without it (and with what the parse added for the
   * provider). Resolves once the URL is rewritten.
   */
  async takePassword() {
    await this.flush();
    if ((this.urlPassword == null && !this.added.length) || this.error) return;
    this.urlPassword = null;
    this.added = [];
    this.edits += 1;
    await this.runFormat({ force: true });
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
        this.params = normalizeParams(res && res.params);
        this.urlPassword = res && res.password != null ? res.password : null;
        if (this.urlPassword != null) {
          this.password = this.urlPassword;
          this.emit('onPassword', this.password);
        }
        this.error = null;
        this.warnings = (res && res.warnings) || [];
        this.added = (res && res.added) || [];
        this.emit('onParsed', { provider: (res && res.provider) || null, added: this.added });
        this.emit('onError', null);
        this.emit('onWarnings', this.warnings);
        if (res && res.syntax) this.emit('onSyntax', res.syntax);
        this.emit('onParams', this.params);
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

  async runFormat({ force = false } = {}) {
    const edit = this.edits;
    const params = { ...this.params };
    const p = (async () => {
      try {
        const url = await this.api.formatUrl(params);
        if (edit !== this.edits) return;
        this.url = url;
        this.urlPassword = null;
        this.error = null;
        this.warnings = [];
        this.emit('onError', null);
        this.emit('onWarnings', []);
        this.emit('onUrl', url, { force });
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
