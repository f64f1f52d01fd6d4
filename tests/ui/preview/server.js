// Dev preview: serves ui/ over HTTP with a fake window.__TAURI__ (mock-tauri.js)
// loaded before main.js, so the UI can be looked at in any browser without
// the Rust side. Not part of the app: index.html is rewritten on the fly.
//   node tests/ui/preview/server.js [port]
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const uiRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'ui');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export function startPreview(port = 0) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = decodeURIComponent(url.pathname);
    if (p === '/') p = '/index.html';
    const file = path.join(uiRoot, path.normalize(p));
    if (!file.startsWith(uiRoot)) {
      res.writeHead(403).end();
      return;
    }
    try {
      let body = await readFile(file);
      if (p === '/index.html') {
        body = Buffer.from(String(body).replace('<script type="module" src="js/main.js"></script>', '<script type="module" src="tests/preview/mock-tauri.js"></script>\n  <script type="module" src="js/main.js"></script>'));
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
        // The app's CSP, so the preview catches what the real window would block.
        'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] && process.argv[1].endsWith('server.js')) {
  const server = await startPreview(Number(process.argv[2] || 8765));
  console.log(`preview on http://127.0.0.1:${server.address().port}/`);
}
