// A small W3C WebDriver client: the dozen endpoints the E2E suite uses, over
// Node's own fetch. Enough for tauri-driver + WebKitWebDriver, with no
// dependency to install.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {}

// No request waits forever: a driver that never answers (an app that did
// not start, a hung webview) fails the test in a minute with its name, instead
// of holding the suite until CI's own limit.
const REQUEST_MS = 60000;

async function request(base, method, path, body, ms = REQUEST_MS) {
  let res;
  try {
    res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ms),
    });
  } catch (err) {
    const why = err.name === 'TimeoutError' ? `no answer within ${ms / 1000} s` : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`;
    throw new WebDriverError(`${method} ${path}: ${why}`);
  }
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const v = json.value || {};
    throw new WebDriverError(`${method} ${path}: ${v.error || res.status}: ${v.message || ''}`);
  }
  return json.value;
}

/** WebDriver's codes for the keys that are not characters. */
export const KEY = { CONTROL: '\uE009', SHIFT: '\uE008', ENTER: '\uE007', ESCAPE: '\uE00C' };

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities) {
    const value = await request(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const v = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return new Element(this, v[ELEMENT]);
  }

  async findAll(css) {
    const vs = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return vs.map((v) => new Element(this, v[ELEMENT]));
  }

  /** Runs `script` (a function body) in the page and returns its result. */
  exec(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Like exec, for a body that calls `arguments[arguments.length - 1](result)`. */
  execAsync(script, ...args) {
    return this.cmd('POST', '/execute/async', { script, args });
  }

  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }

  async title() {
    return this.cmd('GET', '/title');
  }

  /** Polls `fn` until it returns a truthy value, or throws after `ms`. */
  async waitFor(fn, { ms = 10000, what = 'condition' } = {}) {
    const end = Date.now() + ms;
    let last;
    while (Date.now() < end) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new WebDriverError(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
  }

  async close() {
    await request(this.base, 'DELETE', `/session/${this.id}`, undefined, 15000).catch(() => {});
  }

  // ---- conveniences for the UI suites (CSS selectors throughout)

  navigate(url) {
    return this.cmd('POST', '/url', { url });
  }

  /** Clicks the first element matching `css` (found again on each call),
   * once there is one: pages and dialogs load their modules on first use. */
  async click(css) {
    await this.waitForSelector(css);
    return (await this.find(css)).click();
  }

  /** Types into an input or textarea, after clearing it when `clear` is set. */
  async typeInto(css, text, { clear = false } = {}) {
    await this.waitForSelector(css);
    const el = await this.find(css);
    if (clear) await el.clear();
    return el.type(text);
  }

  /** Presses keys together on whatever has focus (WebDriver actions), e.g.
   * press(KEY.CONTROL, 's'); modifiers go down first and up last. */
  async press(...keys) {
    const down = keys.map((value) => ({ type: 'keyDown', value }));
    const up = [...keys].reverse().map((value) => ({ type: 'keyUp', value }));
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions: [...down, ...up] }] });
    await this.cmd('DELETE', '/actions');
  }

  /** textContent of the first match (hidden text included), or null. */
  textOf(css) {
    return this.exec('const el = document.querySelector(arguments[0]); return el ? el.textContent : null;', css);
  }

  /** How many elements match `css`. */
  count(css) {
    return this.exec('return document.querySelectorAll(arguments[0]).length;', css);
  }

  /** Waits until `css` matches at least one element; returns the count. */
  waitForSelector(css, { ms = 10000 } = {}) {
    return this.waitFor(async () => (await this.count(css)) || null, { ms, what: css });
  }

  /** Waits until `css` matches nothing. */
  waitForGone(css, { ms = 10000 } = {}) {
    return this.waitFor(async () => (await this.count(css)) === 0, { ms, what: `${css} to disappear` });
  }
}

/** WebDriver key codes for sendKeys. */
export const Keys = { CONTROL: '\uE009', ENTER: '\uE007', ESCAPE: '\uE00C', TAB: '\uE004', NULL: '\uE000' };

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }
  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }
  text() {
    return this.cmd('GET', '/text');
  }
  click() {
    return this.cmd('POST', '/click', {});
  }
  type(text) {
    return this.cmd('POST', '/value', { text });
  }
  clear() {
    return this.cmd('POST', '/clear', {});
  }
  attribute(name) {
    return this.cmd('GET', `/attribute/${name}`);
  }
  property(name) {
    return this.cmd('GET', `/property/${name}`);
  }
  displayed() {
    return this.cmd('GET', '/displayed');
  }
}
