// Pure text formatting: relative times, durations, the one-line summary of a
// connection and the success banner. No DOM, so node tests cover it.

/** "just now", "2 min ago", "3 h ago", "yesterday", "4 days ago", then a date. */
export function relativeTime(when, now = Date.now()) {
  if (when == null || when === '') return 'never';
  const t = typeof when === 'number' ? when : Date.parse(when);
  if (Number.isNaN(t)) return 'unknown';
  const s = Math.round((now - t) / 1000);
  if (s < -60) return 'in the future';
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const hours = Math.round(s / 3600);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(s / 86400);
  if (days === 1) return 'yesterday';
  if (days < 30) return `${days} days ago`;
  return new Date(t).toISOString().slice(0, 10);
}

/** Durations as people read them: "0.42 ms", "8.3 ms", "23 ms", "1.24 s". */
export function formatMs(ms) {
  if (ms == null || Number.isNaN(Number(ms))) return '';
  const v = Number(ms);
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 10) return `${v.toFixed(1)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60000) return `${(v / 1000).toFixed(2)} s`;
  return `${Math.floor(v / 60000)} min ${Math.round((v % 60000) / 1000)} s`;
}

/** `user@host:port/db`, with libpq's defaults where a field is empty. */
export function connectionSummary(fields = {}) {
  const f = fields || {};
  const user = f.user || '';
  let host = f.host || 'localhost';
  if (host.includes(':') && !host.startsWith('[') && !host.includes(',')) host = `[${host}]`;
  const port = f.port || '5432';
  const db = f.dbname || f.user || '';
  return `${user ? `${user}@` : ''}${host}:${port}/${db}`;
}

/** "PostgreSQL 15.18" from "15.18 (Debian 15.18-1.pgdg120+1)". */
export function serverVersionLabel(version) {
  if (!version) return 'PostgreSQL';
  const short = String(version).trim().split(/\s+/)[0];
  return `PostgreSQL ${short}`;
}

/** "TLS 1.3" from "TLSv1_3", "TLSv1.3" or "TLS 1.3"; "no TLS" when absent. */
export function tlsLabel(tls) {
  if (!tls) return 'no TLS';
  const v = String(tls.version || '').replace(/^TLS\s*v?/i, '').replace(/_/g, '.').trim();
  return v ? `TLS ${v}` : 'TLS';
}

/** Where the connection went, for the banner: the host part of connected_to. */
export function hostOf(connectedTo) {
  if (!connectedTo) return 'the server';
  const m = /^\[(.*)\]:\d+$/.exec(connectedTo) || /^([^:]+):\d+$/.exec(connectedTo);
  return m ? m[1] : connectedTo;
}

/**
 * "Connected to db on host as role: PostgreSQL 15.18, TLS 1.3, 23 ms".
 * `host` is the host name as configured (the report has the address it
 * resolved to); without it the address is used.
 */
export function successBanner(report, host = null) {
  const s = (report && report.server) || {};
  const parts = [serverVersionLabel(s.server_version), tlsLabel(s.tls), formatMs(report && report.total_ms)];
  const who = s.current_user || s.login_user || 'unknown role';
  const where = host && !String(host).startsWith('/') ? String(host).split(',')[0] : hostOf(s.connected_to);
  return `Connected to ${s.database || 'the database'} on ${where} as ${who}: ${parts.filter(Boolean).join(', ')}`;
}

/** "Ready as source" / "Not ready as destination: 3 problems" (the job as the verdict names it). */
export function verdictHeadline(verdict) {
  if (!verdict) return '';
  const as = verdict.job ? ` as ${verdict.job}` : '';
  const errors = (verdict.problems || []).filter((p) => (p.severity || 'error') === 'error').length;
  if (verdict.ready) {
    const warnings = (verdict.problems || []).filter((p) => p.severity === 'warning').length;
    return warnings ? `Ready${as} (${plural(warnings, 'warning')})` : `Ready${as}`;
  }
  const n = errors || (verdict.problems || []).length;
  return `Not ready${as}: ${plural(n, 'problem')}`;
}

export function plural(n, word, pluralWord = `${word}s`) {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : pluralWord}`;
}

/**
 * What the test panel calls stage `id`: its label in `stages` (the
 * vocabulary's, from Rust's Stage::ALL: [{id, label, ssh}]), else the id.
 */
export function stageLabel(stages, id) {
  const s = (stages || []).find((x) => x.id === id);
  return s ? s.label : String(id || '');
}

/**
 * The status line of a connection's last test, for the list: `text` ("Failed
 * 2 min ago"), a short `detail` under it (the time the test took, or the
 * failure in brief), and the full message as `title`.
 */
export function lastTestLabel(last, now = Date.now()) {
  if (!last) return { state: 'never', text: 'Not tested yet' };
  const when = relativeTime(last.at, now);
  const took = last.total_ms != null ? formatMs(last.total_ms) : '';
  if (!last.connected) return { state: 'failed', text: `Failed ${when}`, detail: last.message || last.code || '', title: last.message || last.code || '' };
  if (last.ready === false) return { state: 'warn', text: `Connected ${when}, not ready`, detail: took, title: last.message || '' };
  return { state: 'ok', text: `Connected ${when}`, detail: took, title: last.message || '' };
}
