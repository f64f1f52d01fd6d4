// Entry point: wires the header and mounts the connections page.
import { appVersion } from './api.js';

async function showVersion() {
  const el = document.getElementById('app-version');
  try {
    el.textContent = `v${await appVersion()}`;
    document.body.dataset.ready = 'true';
  } catch (err) {
    el.textContent = 'version unavailable';
    console.error(err);
  }
}

showVersion();
