// The only module that talks to the Rust side. Every `invoke` and event
// subscription goes through here, so the IPC surface is visible in one file.

function tauri() {
  const t = window.__TAURI__;
  if (!t || !t.core) {
    throw new Error('Sluice must run inside its desktop window (window.__TAURI__ is missing).');
  }
  return t;
}

/** Calls a Rust command; rejects with the command's serialized error object. */
export function call(command, args = {}) {
  return tauri().core.invoke(command, args);
}

export function appVersion() {
  return call('app_version');
}
