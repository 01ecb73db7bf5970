/**
 * The database's applied revisions, read from the version table with `pg` — never with
 * `alembic current` (seconds per call on large projects, FACTS.md). Node adapter: every outcome
 * is a state (never a throw), bounded by the connect and statement timeouts plus a hard
 * deadline, the client is always closed, and no message carries the password.
 */
import * as fs from 'node:fs';
import { Client, escapeIdentifier, type ClientConfig } from 'pg';
import { describeDatabase, redactText, type PgConnectionOptions } from './databaseUrl';

/** Where the reading came from (shown in tooltips; never a password). */
interface ReadingOrigin {
  /** Database name. */
  database: string;
  /** `host:port` or the socket directory. */
  host: string;
}

/** What the version table says, or why it could not be read. */
export type DatabaseReading =
  | (ReadingOrigin & {
      kind: 'ok';
      /** One row per applied head, sorted; `[]` = base (no table, or no rows). */
      revisions: string[];
      /** ISO time of the read. */
      readAt: string;
      /** False when the table does not exist yet (the database has never been migrated). */
      tableExists: boolean;
    })
  | (ReadingOrigin & {
      kind: 'unreachable' | 'auth-failed' | 'database-missing' | 'timeout' | 'error';
      message: string;
      /** Auth failed and the URL had no password: asking for one may help. */
      passwordMissing?: boolean;
    });

export interface ReadOptions {
  versionTable?: string;
  /** `version_table_schema` (empty or absent: the connection's search_path). */
  schema?: string;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** Extra passwords to keep out of messages (e.g. one typed by the user). */
  secrets?: readonly string[];
}

/** A certificate or key file named by the URL cannot be used (the message names the option, not the path). */
export class TlsFileError extends Error {}

/** Certificate and key files are small; anything bigger is not one. */
const MAX_TLS_FILE_BYTES = 1024 * 1024;

/**
 * Reads a file named by `sslrootcert`/`sslcert`/`sslkey` only if it is a regular file of at
 * most 1 MiB: opened non-blocking and checked with fstat on the open descriptor (no race with
 * a swapped path), so a FIFO or a device (`/dev/zero`) is an error, never a hang.
 */
function readTlsFile(file: string, option: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new TlsFileError(`${option} cannot be opened (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new TlsFileError(`${option} does not name a regular file`);
    if (st.size > MAX_TLS_FILE_BYTES) throw new TlsFileError(`${option} is larger than 1 MiB, too large for a certificate or key`);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Builds the `pg` client options, reading certificate files named by the URL. `sslmode=prefer`
 * (also no sslmode) gives TLS without certificate checks here; {@link openConnection} retries
 * in plain TCP if the server refuses TLS. `statement_timeout` is not part of it: it is set
 * after connecting, because poolers reject startup parameters they do not know.
 */
export function toClientConfig(pg: PgConnectionOptions, connectTimeoutMs: number): ClientConfig {
  const cfg: ClientConfig = {
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: pg.database,
    connectionTimeoutMillis: pg.connectTimeoutMs ? Math.min(pg.connectTimeoutMs, connectTimeoutMs) : connectTimeoutMs,
    application_name: pg.applicationName ?? 'vscode-alembic',
  };
  if (pg.options) cfg.options = pg.options;
  const socket = (pg.host ?? '').startsWith('/');
  if (pg.ssl === false || (pg.ssl === 'prefer' && socket)) cfg.ssl = false;
  else if (pg.ssl === 'prefer' || pg.ssl === undefined) cfg.ssl = { rejectUnauthorized: false, checkServerIdentity: () => undefined };
  else {
    const s = pg.ssl;
    cfg.ssl = {
      rejectUnauthorized: s.rejectUnauthorized,
      ...(s.checkHostname ? {} : { checkServerIdentity: () => undefined }),
      ...(s.caFile ? { ca: readTlsFile(s.caFile, 'sslrootcert') } : {}),
      ...(s.certFile ? { cert: readTlsFile(s.certFile, 'sslcert') } : {}),
      ...(s.keyFile ? { key: readTlsFile(s.keyFile, 'sslkey') } : {}),
    };
  }
  return cfg;
}

/** pg's error when the server answers the TLS request with 'N' (no TLS configured). */
const TLS_REFUSED = 'The server does not support SSL connections';

const isTlsRefusal = (e: unknown): boolean => (e as Error | undefined)?.message === TLS_REFUSED;

/**
 * Opens a connection the way libpq would: with `sslmode` prefer/allow (or none) it tries TLS
 * and, only if the server refuses TLS, connects again in plain TCP (an authentication failure
 * is never retried). Then sets `statement_timeout` for the session with a `SET` — never in the
 * startup packet, which pgbouncer rejects. Throws pg's error; the caller turns it into a state.
 */
export async function openConnection(pg: PgConnectionOptions, opts: { connectTimeoutMs: number; statementTimeoutMs: number }): Promise<Client> {
  const config = toClientConfig(pg, opts.connectTimeoutMs);
  const attempt = async (cfg: ClientConfig): Promise<Client> => {
    // The client-side limit also covers a server that never answers a query at all.
    const client = new Client({ ...cfg, query_timeout: opts.statementTimeoutMs + 250 });
    // pg may emit 'error' after a failure (socket reset): never let it become an uncaught exception.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`SET statement_timeout = ${Math.max(1, Math.floor(opts.statementTimeoutMs))}`);
      return client;
    } catch (e) {
      closeQuietly(client);
      throw e;
    }
  };
  const prefer = (pg.ssl === 'prefer' || pg.ssl === undefined) && config.ssl !== false;
  try {
    return await attempt(config);
  } catch (e) {
    if (prefer && isTlsRefusal(e)) return attempt({ ...config, ssl: false });
    throw e;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ENOENT', 'EPIPE']);

/**
 * The state for a failed connect or read: pg's error classified (auth, missing database,
 * timeout, network, TLS refused), with every message passed through redaction. Pure.
 */
export function readingFromError(
  e: unknown,
  ctx: { pg: PgConnectionOptions; connected: boolean; connectTimeoutMs: number; statementTimeoutMs: number; secrets?: readonly string[] },
): DatabaseReading {
  const { pg } = ctx;
  const { database, host } = describeDatabase(pg);
  const origin: ReadingOrigin = { database, host };
  const where = `${database} on ${host}`;
  const secrets = [...(ctx.secrets ?? []), ...(pg.password ? [pg.password] : [])];
  const err = (e ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const raw = typeof err.message === 'string' ? err.message : String(e);
  const msg = redactText(raw, secrets);
  if (e instanceof TlsFileError) return { ...origin, kind: 'error', message: `cannot use the TLS files named in the URL: ${msg}` };
  if (code === '42P01') return { ...origin, kind: 'ok', revisions: [], readAt: new Date().toISOString(), tableExists: false };
  if (code === '28P01' || code === '28000' || /SASL|password must be a string|client password/i.test(raw)) {
    const passwordMissing = pg.password === undefined;
    return {
      ...origin,
      kind: 'auth-failed',
      passwordMissing,
      message: passwordMissing ? `${where} asks for a password and the URL has none` : `authentication failed for user ${pg.user ?? '(default)'} on ${host}`,
    };
  }
  if (code === '3D000') return { ...origin, kind: 'database-missing', message: `database ${database} does not exist on ${host}` };
  if (isTlsRefusal(e))
    return {
      ...origin,
      kind: 'error',
      message: `${where} does not accept TLS connections, and the URL's sslmode requires TLS (use sslmode=prefer or disable, or enable ssl on the server)`,
    };
  if (code === '57014' || /timeout|timed out/i.test(raw)) {
    return {
      ...origin,
      kind: 'timeout',
      message: ctx.connected
        ? `reading the version table took longer than ${ctx.statementTimeoutMs} ms`
        : `no answer from ${where} within ${ctx.connectTimeoutMs} ms`,
    };
  }
  if (NETWORK_CODES.has(code) || code === '57P03' || /Connection terminated|ECONNREFUSED/i.test(raw)) {
    return { ...origin, kind: 'unreachable', message: `cannot reach ${where}: ${msg}` };
  }
  return { ...origin, kind: 'error', message: `${where}: ${msg}${code && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : ''}` };
}

/** `"schema"."table"`, each part quoted by pg's own identifier escaping (they are user settings). */
export function qualifiedTableName(versionTable: string, schema?: string): string {
  return (schema ? escapeIdentifier(schema) + '.' : '') + escapeIdentifier(versionTable);
}

/**
 * Reads `SELECT version_num FROM <schema>.<table>`. No table (42P01) or no rows = base; several
 * rows = several applied heads. Resolves within `connectTimeoutMs + statementTimeoutMs` plus a
 * small margin (twice the connect time with sslmode prefer, which may connect twice), whatever
 * the server does.
 */
export async function readDatabaseState(pg: PgConnectionOptions, opts: ReadOptions = {}): Promise<DatabaseReading> {
  return (await connectAndRead(pg, opts, false)).reading;
}

/**
 * Connects, reads, and either closes the client or (`keep`, after a successful read) hands it
 * back still connected so the next read costs one round trip.
 */
async function connectAndRead(pg: PgConnectionOptions, opts: ReadOptions, keep: boolean): Promise<{ reading: DatabaseReading; client?: Client }> {
  const { database, host } = describeDatabase(pg);
  const origin: ReadingOrigin = { database, host };
  const connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
  const statementTimeoutMs = opts.statementTimeoutMs ?? 3000;
  const secrets = [...(opts.secrets ?? []), ...(pg.password ? [pg.password] : [])];
  const where = `${database} on ${host}`;

  let timer: NodeJS.Timeout | undefined;
  // prefer may connect twice (TLS refused, then plain).
  const budget = connectTimeoutMs * (pg.ssl === 'prefer' || pg.ssl === undefined ? 2 : 1) + statementTimeoutMs + 500;
  const deadline = new Promise<DatabaseReading>((resolve) => {
    timer = setTimeout(() => resolve({ ...origin, kind: 'timeout', message: `no answer from ${where} within ${budget} ms` }), budget);
  });
  let client: Client | undefined;
  let abandoned = false;
  const work = (async (): Promise<DatabaseReading> => {
    let connected = false;
    try {
      client = await openConnection(pg, { connectTimeoutMs, statementTimeoutMs });
      // The deadline won: nobody will close this client but us.
      if (abandoned) closeQuietly(client);
      connected = true;
      const table = qualifiedTableName(opts.versionTable || 'alembic_version', opts.schema || undefined);
      const res = await client.query<{ version_num: string }>(`SELECT version_num FROM ${table}`);
      const revisions = res.rows.map((r) => String(r.version_num)).sort();
      return { ...origin, kind: 'ok', revisions, readAt: new Date().toISOString(), tableExists: true };
    } catch (e) {
      return readingFromError(e, { pg, connected, connectTimeoutMs, statementTimeoutMs, secrets });
    }
  })();
  let reading: DatabaseReading | undefined;
  try {
    reading = await Promise.race([work, deadline]);
    return keep && reading.kind === 'ok' && reading.tableExists && client ? { reading, client } : { reading };
  } finally {
    clearTimeout(timer);
    abandoned = true;
    if (!(keep && reading?.kind === 'ok' && reading.tableExists) && client) closeQuietly(client);
  }
}

/**
 * The longest a reader keeps an unused connection: an idle session blocks `DROP DATABASE` and
 * `CREATE DATABASE … TEMPLATE` of that database, so it never outlives a minute.
 */
export const MAX_IDLE_MS = 60_000;

/**
 * How long to keep the connection after a read when the status refreshes every
 * `refreshSeconds` (0 = no periodic refresh): long enough for the next periodic read to reuse
 * it, capped at {@link MAX_IDLE_MS}.
 */
export function keepAliveMs(refreshSeconds: number): number {
  const wanted = refreshSeconds > 0 ? Math.max(5, refreshSeconds) * 1000 + 15_000 : 15_000;
  return Math.min(wanted, MAX_IDLE_MS);
}

/**
 * Reads one database's version table repeatedly, keeping the connection open between reads for
 * `idleMs`, at most {@link MAX_IDLE_MS} (a burst of refreshes — focus, a finished run, a tree refresh — then costs one query
 * each) and closing it when idle, so the editor never holds a session that would block
 * `DROP DATABASE` or a pooler for long. Any failure drops the connection; the next read
 * reconnects. Every outcome is a state, as with {@link readDatabaseState}.
 */
export class VersionTableReader {
  private client: Client | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pg: PgConnectionOptions,
    private readonly opts: ReadOptions & { idleMs?: number } = {},
  ) {}

  /** Reads now (reads are serialised: one query at a time on the shared connection). */
  read(): Promise<DatabaseReading> {
    const next = this.queue.then(() => this.readNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readNow(): Promise<DatabaseReading> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const { database, host } = describeDatabase(this.pg);
    if (this.client) {
      try {
        const table = qualifiedTableName(this.opts.versionTable || 'alembic_version', this.opts.schema || undefined);
        const res = await this.client.query<{ version_num: string }>(`SELECT version_num FROM ${table}`);
        this.armIdle();
        return {
          database,
          host,
          kind: 'ok',
          revisions: res.rows.map((r) => String(r.version_num)).sort(),
          readAt: new Date().toISOString(),
          tableExists: true,
        };
      } catch {
        // A dropped table, a restarted server, a terminated session: start over on a fresh connection.
        this.dispose();
      }
    }
    const { reading, client } = await connectAndRead(this.pg, this.opts, true);
    if (client) {
      this.client = client;
      this.armIdle();
    }
    return reading;
  }

  private armIdle(): void {
    this.idleTimer = setTimeout(() => this.dispose(), Math.min(this.opts.idleMs ?? 15_000, MAX_IDLE_MS));
    this.idleTimer.unref();
  }

  /** Closes the connection (if any). The reader stays usable. */
  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.client) closeQuietly(this.client);
    this.client = undefined;
  }
}

/** Ends the client without waiting on a server that may never answer; destroys the socket if needed. */
function closeQuietly(client: Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  const forced = setTimeout(() => stream?.destroy(), 500);
  forced.unref();
  client.end().then(
    () => clearTimeout(forced),
    () => stream?.destroy(),
  );
}

/**
 * Terminates the server sessions an alembic run opened: those with the `application_name` the
 * runner gave it through PGAPPNAME AND a `backend_start` at or after the run's start, so a
 * session of the same name that was already there (another window, a user's tool that picked
 * the same name) is left alone. A cancelled run's process is gone, but its backend keeps running
 * the statement — and holding its locks — until the statement ends; this stops it. Returns how
 * many sessions were terminated, or an error state. Never throws.
 */
export async function terminateSessions(
  pg: PgConnectionOptions,
  applicationName: string,
  startedAt: Date,
  opts: { timeoutMs?: number } = {},
): Promise<{ kind: 'ok'; terminated: number } | { kind: 'error'; message: string }> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  let client: Client | undefined;
  try {
    client = await openConnection(pg, { connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs });
    const r = await client.query<{ n: string }>(
      `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity
        WHERE application_name = $1 AND backend_start >= $2 AND pid <> pg_backend_pid()`,
      [applicationName, startedAt.toISOString()],
    );
    return { kind: 'ok', terminated: Number(r.rows[0]?.n ?? 0) };
  } catch (e) {
    return { kind: 'error', message: redactText((e as Error).message ?? String(e), pg.password ? [pg.password] : []) };
  } finally {
    if (client) closeQuietly(client);
  }
}
