// Makes the contract test's fixtures from the real thing: starts a cluster
// (wal_level logical) with the E2E fixtures (a reader, a writer, a hostile
// table name; and e2e/pg.js's change data capture fixture), runs the built
// `sluice test --json` as a source, a destination, with a wrong password,
// as a CDC source that is not ready and as one whose replication
// connection is refused, and writes the reports to the directory given (an ignored
// folder: scripts/test.sh passes test-output/ui-fixtures): each as the app's
// window receives it (`--compact-access`, report-NAME.json) and as
// `sluice test --json` prints it (report-NAME.full.json).
//   SLUICE_CLI_BINARY=.../sluice node tests/ui/make-fixtures.mjs OUT_DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCluster, loadFixture, loadCdcFixture, LOGICAL } from '../../e2e/pg.js';

const [out] = process.argv.slice(2);
const sluice = process.env.SLUICE_CLI_BINARY;
if (!out || !sluice) {
  console.error('usage: SLUICE_CLI_BINARY=path/to/sluice node tests/ui/make-fixtures.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const pg = await startCluster({ settings: LOGICAL });
try {
  const fx = loadFixture(pg);
  const run = (name, url, args, want) => {
    for (const [form, extra, suffix] of [['compact', ['--compact-access'], ''], ['full', [], '.full']]) {
      let stdout;
      let status = 0;
      try {
        stdout = execFileSync(sluice, ['test', url, '--json', ...extra, ...args], { encoding: 'utf8', env: { ...process.env, SLUICE_CONFIG_DIR: out, PGPASSWORD: '' } });
      } catch (e) {
        ({ stdout, status } = e);
      }
      if (status !== want) throw new Error(`sluice test (${name}, ${form}) exited ${status}, expected ${want}: ${stdout}`);
      writeFileSync(path.join(out, `report-${name}${suffix}.json`), stdout);
    }
  };
  run('source', pg.url(fx.reader.user, fx.reader.password, fx.db, 'sslmode=disable'), ['--role', 'source'], 1);
  run('destination', pg.url(fx.writer.user, fx.writer.password, fx.db, 'sslmode=disable'), ['--role', 'destination'], 1);
  run('bad', pg.url(fx.reader.user, 'not-the-password', fx.db, 'sslmode=disable'), [], 2);
  const cdc = loadCdcFixture(pg);
  const cdcArgs = ['--job', 'source', '--cdc', '--publication', cdc.publication, '--slot', cdc.slot];
  run('cdc', pg.url(cdc.streamer.user, cdc.streamer.password, cdc.db, 'sslmode=disable'), cdcArgs, 1);
  run('cdc-refused', pg.url(cdc.member.user, cdc.member.password, cdc.db, 'sslmode=disable'), cdcArgs, 2);
  console.log(`fixtures written to ${out}`);
} finally {
  await pg.stop();
}
