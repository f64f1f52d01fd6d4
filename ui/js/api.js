// The only module that talks to the Rust side. Every `invoke` and the
// progress Channel go through here, one function per command of the IPC
// contract (docs/DESIGN.md), so the IPC surface is visible in one file.
// Arguments are camelCase at the invoke call; objects inside are snake_case.
// Every function rejects with {kind, message, hint?, issues?, position?}.

import { normalizeError } from './lib/errors.js';

function tauri() {
  const t = window.__TAURI__;
  if (!t || !t.core) {
    throw new Error('Sluice must run inside its desktop window (window.__TAURI__ is missing).');
  }
  return t;
}

/** Calls a Rust command; rejects with the command's error, normalized. */
export async function call(command, args = {}) {
  try {
    return await tauri().core.invoke(command, args);
  } catch (err) {
    throw normalizeError(err);
  }
}

/** -> {version, commit, webview, compositing, config_dir, keyring_backend, os} (never a secret). */
export function about() {
  return call('about');
}

export function appVersion() {
  return call('app_version');
}

/**
 * -> {keywords: [{name, secret, env, since, doc, choices}], sslmodes:
 * [{value, explanation}], jobs: [{value, label}], job_options: [{name, job,
 * type: "flag"|"choice"|"name", values?, label, help, requires?}], providers:
 * [{value, label, required, ca_bundle}], ssh_auth, password_presets}
 */
export function vocabulary() {
  return call('vocabulary');
}

/** A password command preset filled from the form's keywords -> the command line. */
export function fillPasswordPreset(preset, params) {
  return call('fill_password_preset', { preset, params });
}

/**
 * -> {params, password, warnings: string[], syntax: "uri"|"key_value",
 * provider (guessed from the host, in Rust), added: [[keyword, value]] (what
 * the provider requires and the string lacked, already in params)}; rejects
 * invalid_input with `position`.
 */
export function parseUrl(url) {
  return call('parse_url', { url });
}

/** -> "postgresql://..." for the keywords in `params`, with `password` when one is given. */
export function formatUrl(params, password = null) {
  return call('format_url', { params, password: password || null });
}

/** -> [{field, severity: "error"|"warning", message}] */
export function validateDraft(draft) {
  return call('validate_draft', { draft });
}

/** -> {connections: Connection[], warnings: string[]} */
export function listConnections() {
  return call('list_connections');
}

/** -> Connection. withoutSecrets saves no password/key (keyring unavailable). */
export function saveConnection(draft, withoutSecrets = false) {
  return call('save_connection', { draft, withoutSecrets });
}

/** Deletes the connection and its keyring secrets. -> null */
export function deleteConnection(id) {
  return call('delete_connection', { id });
}

/** -> Connection (the copy) */
export function duplicateConnection(id) {
  return call('duplicate_connection', { id });
}

/**
 * Runs a test. target: {id} | {draft}; job: a job of the vocabulary;
 * jobOptions: the job_options object (the vocabulary's options, by name);
 * onStep(StepEvent) is called for every progress event streamed over a
 * Channel scoped to this test. -> Report
 */
export function testConnection({ target, job, jobOptions, testId, onStep }) {
  const { Channel } = tauri().core;
  const channel = new Channel();
  channel.onmessage = (event) => {
    if (onStep) onStep(event);
  };
  return call('test_connection', {
    target,
    job,
    jobOptions: jobOptions || {},
    testId,
    onProgress: channel,
  });
}

/**
 * Records an SSH host key the user accepted (after `ssh_host_key_unknown`)
 * in the known_hosts file of hop `hop` of the target's tunnel. -> null
 */
export function trustHostKey(target, hop, key) {
  return call('trust_host_key', { target, hop, key });
}

/** -> [{format, path|null, label}]: files found where their tools keep them. */
export function importSources() {
  return call('import_sources');
}

/** -> {connections: [{name, url, has_password, source, notes, duplicate_of?}], skipped: [{source, reason}]} */
export function importPreview(format, path) {
  return call('import_preview', { format, path: path || null });
}

/** Imports exactly the entries whose `source` is in `sources` (duplicates too, when listed). -> {connections: [... saved_as], skipped} */
export function importConnections({ format, path, sources, onConflict = 'rename' }) {
  return call('import_connections', { format, path: path || null, sources, onConflict });
}

/** Writes the connections `ids` (all when empty) in `format` to `path`. -> number written */
export function exportConnections(format, ids, path) {
  return call('export_connections', { format, ids, path });
}

/** -> [{label, found_by, url, tls}]: Postgres servers on this machine. */
export function detectLocalServers() {
  return call('detect_local_servers');
}

/**
 * The native file picker, opened by the backend: -> a path, or null when
 * cancelled. Only a path chosen here (or a default file from importSources)
 * can be imported: the window cannot name one by itself.
 */
export function pickFile(title) {
  return call('choose_import_file', { title });
}

/** The native save dialog, opened by the backend: -> a path, or null when cancelled. */
export function pickSavePath(title, defaultPath) {
  return call('choose_export_file', { title, defaultName: defaultPath || null });
}

/** -> bool: a test with this id was running. */
export function cancelTest(testId) {
  return call('cancel_test', { testId });
}

/** -> {available, message?, hint?} */
export function keyringStatus() {
  return call('keyring_status');
}

/** A fresh id for one test run (what cancel_test names). */
export function newTestId() {
  if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
  return `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Copies text; resolves true when it worked. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
