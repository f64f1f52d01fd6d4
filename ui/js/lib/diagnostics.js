// "Copy diagnostics": a plain-text report of a test (target, steps, server,
// error) for a ticket or a chat. It never contains a secret: the password,
// the key passphrase and pasted private keys are left out, and as a second
// line of defence any occurrence of the password (and of `password=...` or
// `user:secret@` in URLs) in server text is masked.

import { connectionSummary, formatMs, stageLabel } from './format.js';

const MASK = '********';

/** Masks `password=...`, URL userinfo secrets and the literal secrets in `text`. */
export function scrub(text, secrets = []) {
  let s = text == null ? '' : String(text);
  for (const secret of secrets) {
    // Very short secrets would mask ordinary words; the field is never printed anyway.
    if (secret && String(secret).length >= 3) s = s.split(String(secret)).join(MASK);
  }
  s = s.replace(/(password|sslpassword)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, `$1$2${MASK}`);
  s = s.replace(/(postgres(?:ql)?:\/\/[^:@/\s]*):([^@/\s]*)@/gi, `$1:${MASK}@`);
  s = s.replace(/-----BEGIN ([A-Z ]*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g, `[private key ${MASK}]`);
  return s;
}

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/**
 * input: { report, params, name, provider, job, appVersion, now, secrets, stages }
 * `params` are the connection's libpq keywords (never a secret); `secrets`
 * are the strings to mask (the password being typed, the passphrase);
 * `stages` the vocabulary's (their labels name the steps).
 */
export function diagnosticsText(input) {
  const { report = {}, params = {}, name, provider, job, appVersion, now = new Date(), stages = [] } = input || {};
  const f = params || {};
  const secrets = ((input && input.secrets) || []).filter(Boolean);
  const lines = [];
  lines.push(`Sluice diagnostics${appVersion ? ` (v${appVersion})` : ''}`);
  lines.push(`Generated: ${new Date(now).toISOString()}`);
  lines.push('');
  lines.push('Target');
  if (name) lines.push(`  name:        ${name}`);
  if (provider) lines.push(`  provider:    ${provider}`);
  if (job) lines.push(`  job:         ${job}`);
  lines.push(`  connection:  ${connectionSummary(f)}`);
  lines.push(`  sslmode:     ${f.sslmode || 'prefer (default)'}`);
  for (const k of ['sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'options']) {
    if (f[k]) lines.push(`  ${pad(`${k}:`, 12)} ${f[k]}`);
  }
  lines.push(`  password:    ${secrets.length ? 'set (not shown)' : 'not set here'}`);
  lines.push('');
  lines.push(`Result: ${report.error ? `failed (${report.error.code || 'error'})` : report.connected ? 'connected' : 'not connected'}${report.total_ms != null ? ` in ${formatMs(report.total_ms)}` : ''}`);
  lines.push('');
  lines.push('Steps');
  for (const step of report.steps || []) {
    const where = step.host ? `[hop ${(step.hop || 0) + 1}] ${step.host} ` : '';
    lines.push(`  ${pad(stageLabel(stages, step.stage), 14)} ${pad(step.status, 8)} ${pad(step.ms != null ? formatMs(step.ms) : '', 10)} ${where}${step.detail || ''}`.trimEnd());
  }
  if (!(report.steps || []).length) lines.push('  (none)');
  if ((report.attempts || []).length > 1) {
    lines.push('');
    lines.push('Hosts tried');
    for (const a of report.attempts) lines.push(`  ${[`${a.host}:${a.port}`, a.address, `${a.outcome}${a.code ? ` (${a.code})` : ''}${a.reason ? `: ${a.reason}` : ''}`].filter(Boolean).join(' ')}`);
  }
  if (report.password_source && report.password_source !== 'none') lines.push(`  password from: ${report.password_source}`);
  const s = report.server;
  if (s) {
    lines.push('');
    lines.push('Server');
    lines.push(`  version:     ${s.server_version || ''}`);
    lines.push(`  database:    ${s.database || ''}`);
    lines.push(`  connected:   ${s.connected_to || ''}`);
    lines.push(`  user:        login ${s.login_user || ''}, current ${s.current_user || ''}, session ${s.session_user || ''}`);
    if (s.superuser) lines.push('  superuser:   yes');
    if (s.in_recovery) lines.push('  in recovery: yes (read-only standby)');
    if (s.pooler && s.pooler.detected) lines.push(`  relayed:     ${s.pooler.evidence || 'yes (a pooler, a proxy or an embedded server)'}`);
    if (typeof s.backend_ssl === 'boolean') lines.push(`  server tls:  ${s.backend_ssl ? 'yes' : 'no'} (pg_stat_ssl for this backend)`);
    if (s.tls) {
      const t = s.tls;
      lines.push(`  tls:         ${t.version || ''} ${t.cipher || ''}; chain verified: ${t.chain_verified ? 'yes' : 'no'}; host name verified: ${t.hostname_verified ? 'yes' : 'no'}`);
    } else {
      lines.push('  tls:         none');
    }
  }
  const e = report.error;
  if (e) {
    lines.push('');
    lines.push('Error');
    lines.push(`  code:        ${e.code || ''}`);
    lines.push(`  stage:       ${e.stage || ''}`);
    if (e.sqlstate) lines.push(`  sqlstate:    ${e.sqlstate}`);
    lines.push(`  message:     ${e.message || ''}`);
    if (e.hint) lines.push(`  hint:        ${e.hint}`);
    if (e.detail) lines.push(`  detail:      ${e.detail}`);
  }
  const v = report.verdict;
  if (v) {
    lines.push('');
    lines.push(`Verdict: ${v.ready ? 'ready' : 'not ready'} as ${v.job || job || ''} (${(v.problems || []).length} problems)`);
    for (const p of (v.problems || []).slice(0, 50)) {
      lines.push(`  [${p.severity}] ${p.object_type || ''} ${[p.schema, p.name].filter(Boolean).join('.')}: missing ${(p.missing || []).join(', ') || '-'}; ${p.reason || ''}`);
    }
    if ((v.problems || []).length > 50) lines.push(`  ... and ${v.problems.length - 50} more`);
  }
  return `${scrub(lines.join('\n'), secrets)}\n`;
}
