// A real OpenSSH server for the E2E suite, as the Rust harness starts it
// (crates/harness/src/sshd.rs): `sshd -D -f CONFIG` on a free loopback
// port, run as the non-root account sluice-ssh (scripts/setup.sh creates
// it), with its own host key and authorized_keys, logging direct-tcpip
// requests. Needs root or passwordless sudo, as `npm test` has in CI.
//
//   const key = userKey('ed25519');
//   const sshd = await startSshd({ authorize: [key] });
//   sshd.knownHostsLine();      // "[127.0.0.1]:PORT ssh-ed25519 AAAA..."
//   sshd.forwardedTo('localhost', 5432);
//   await sshd.stop();

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './pg.js';

export const SSH_USER = 'sluice-ssh';
const isRoot = process.getuid && process.getuid() === 0;
const asRoot = (cmd, args) => (isRoot ? [cmd, args] : ['sudo', ['-n', cmd, ...args]]);

function sshdBinary() {
  for (const p of ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd']) if (existsSync(p)) return p;
  throw new Error('sshd is not installed: run scripts/setup.sh test (openssh-server)');
}

/** A client key pair from ssh-keygen: { path, public }. */
export function userKey(kind = 'ed25519', passphrase = '') {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-sshkey-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, `id_${kind}`);
  execFileSync('ssh-keygen', ['-q', '-t', kind, '-N', passphrase, '-C', `sluice-e2e-${kind}`, '-f', file]);
  return { path: file, public: readFileSync(`${file}.pub`, 'utf8').trim() };
}

export async function startSshd({ authorize = [], settings = {} } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-sshd-'));
  const hostKey = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sluice-e2e-host', '-f', hostKey]);
  const hostPublic = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(/\s+/)[1];
  writeFileSync(path.join(dir, 'authorized_keys'), `${authorize.map((k) => k.public).join('\n')}\n`);
  const port = await freePort();
  const log = path.join(dir, 'sshd.log');
  const pidFile = path.join(dir, 'sshd.pid');
  const conf = [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `PidFile ${pidFile}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`, 'StrictModes no', 'PubkeyAuthentication yes',
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'LogLevel DEBUG1',
    ...Object.entries(settings).map(([k, v]) => `${k} ${v}`),
  ].join('\n');
  writeFileSync(path.join(dir, 'sshd_config'), `${conf}\n`);
  execFileSync(...asRoot('chown', ['-R', `${SSH_USER}:`, dir]));
  const [cmd, args] = asRoot('runuser', ['-u', SSH_USER, '--', sshdBinary(), '-D', '-f', path.join(dir, 'sshd_config'), '-E', log]);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const started = Date.now();
  for (;;) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() - started > 10000) throw new Error(`sshd did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const readLog = () => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return execFileSync(...asRoot('cat', [log]), { encoding: 'utf8' });
    }
  };
  return {
    port,
    user: SSH_USER,
    hostKey: hostPublic,
    fingerprint,
    knownHostsLine: () => `[127.0.0.1]:${port} ${hostPublic}`,
    log: readLog,
    /** The log shows a direct-tcpip channel to host:port. */
    forwardedTo: (host, p) => readLog().split('\n').some((l) => l.includes('server_request_direct_tcpip') && l.includes(`target ${host} port ${p}`)),
    async stop() {
      try {
        const pid = readFileSync(pidFile, 'utf8').trim();
        execFileSync(...asRoot('kill', ['-TERM', pid]));
      } catch {
        child.kill();
      }
      await new Promise((r) => (child.exitCode != null ? r() : child.once('exit', r)));
      execFileSync(...asRoot('chown', ['-R', String(process.getuid()), dir]));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
