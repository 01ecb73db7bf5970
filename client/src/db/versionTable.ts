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

/** Builds the `pg` client options, reading certificate files named by the URL. */
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
  if (pg.ssl === false || pg.ssl === 'prefer') cfg.ssl = false;
  else if (pg.ssl) {
    const s = pg.ssl;
    cfg.ssl = {
      rejectUnauthorized: s.rejectUnauthorized,
      ...(s.checkHostname ? {} : { checkServerIdentity: () => undefined }),
      ...(s.caFile ? { ca: fs.readFileSync(s.caFile, 'utf8') } : {}),
      ...(s.certFile ? { cert: fs.readFileSync(s.certFile, 'utf8') } : {}),
      ...(s.keyFile ? { key: fs.readFileSync(s.keyFile, 'utf8') } : {}),
    };
  }
  return cfg;
}

/** `"schema"."table"`, each part quoted by pg's own identifier escaping (they are user settings). */
export function qualifiedTableName(versionTable: string, schema?: string): string {
  return (schema ? escapeIdentifier(schema) + '.' : '') + escapeIdentifier(versionTable);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ENOENT', 'EPIPE']);

/**
 * Reads `SELECT version_num FROM <schema>.<table>`. No table (42P01) or no rows = base; several
 * rows = several applied heads. Resolves within `connectTimeoutMs + statementTimeoutMs` plus a
 * small margin, whatever the server does.
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
  const clean = (s: string): string => redactText(s, secrets);
  const where = `${database} on ${host}`;

  let config: ClientConfig;
  try {
    config = toClientConfig(pg, connectTimeoutMs);
  } catch (e) {
    return { reading: { ...origin, kind: 'error', message: clean(`cannot read the TLS files named in the URL: ${(e as Error).message}`) } };
  }
  const client = new Client({
    ...config,
    statement_timeout: statementTimeoutMs,
    // The client-side limit also covers a server that never answers the query at all.
    query_timeout: statementTimeoutMs + 250,
  });
  // pg may emit 'error' after a failure (socket reset): never let it become an uncaught exception.
  client.on('error', () => undefined);

  let timer: NodeJS.Timeout | undefined;
  const budget = connectTimeoutMs + statementTimeoutMs + 500;
  const deadline = new Promise<DatabaseReading>((resolve) => {
    timer = setTimeout(() => resolve({ ...origin, kind: 'timeout', message: `no answer from ${where} within ${budget} ms` }), budget);
  });
  const work = (async (): Promise<DatabaseReading> => {
    let connected = false;
    try {
      await client.connect();
      connected = true;
      const table = qualifiedTableName(opts.versionTable || 'alembic_version', opts.schema || undefined);
      const res = await client.query<{ version_num: string }>(`SELECT version_num FROM ${table}`);
      const revisions = res.rows.map((r) => String(r.version_num)).sort();
      return { ...origin, kind: 'ok', revisions, readAt: new Date().toISOString(), tableExists: true };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      const code = err.code ?? '';
      const msg = clean(err.message ?? String(e));
      if (code === '42P01') return { ...origin, kind: 'ok', revisions: [], readAt: new Date().toISOString(), tableExists: false };
      if (code === '28P01' || code === '28000' || /SASL|password must be a string|client password/i.test(err.message ?? '')) {
        const passwordMissing = pg.password === undefined;
        return {
          ...origin, kind: 'auth-failed', passwordMissing,
          message: passwordMissing ? `${where} asks for a password and the URL has none` : `authentication failed for user ${pg.user ?? '(default)'} on ${host}`,
        };
      }
      if (code === '3D000') return { ...origin, kind: 'database-missing', message: `database ${database} does not exist on ${host}` };
      if (code === '57014' || /timeout|timed out/i.test(err.message ?? '')) {
        return { ...origin, kind: 'timeout', message: connected ? `reading the version table took longer than ${statementTimeoutMs} ms` : `no answer from ${where} within ${connectTimeoutMs} ms` };
      }
      if (NETWORK_CODES.has(code) || code === '57P03' || /Connection terminated|ECONNREFUSED/i.test(err.message ?? '')) {
        return { ...origin, kind: 'unreachable', message: `cannot reach ${where}: ${msg}` };
      }
      return { ...origin, kind: 'error', message: `${where}: ${msg}${code && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : ''}` };
    }
  })();
  let reading: DatabaseReading | undefined;
  try {
    reading = await Promise.race([work, deadline]);
    return keep && reading.kind === 'ok' && reading.tableExists ? { reading, client } : { reading };
  } finally {
    clearTimeout(timer);
    if (!(keep && reading?.kind === 'ok' && reading.tableExists)) closeQuietly(client);
  }
}

/**
 * Reads one database's version table repeatedly, keeping the connection open between reads for
 * `idleMs` (a burst of refreshes — focus, a finished run, a tree refresh — then costs one query
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
        return { database, host, kind: 'ok', revisions: res.rows.map((r) => String(r.version_num)).sort(), readAt: new Date().toISOString(), tableExists: true };
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
    this.idleTimer = setTimeout(() => this.dispose(), this.opts.idleMs ?? 15_000);
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
  client.end().then(() => clearTimeout(forced), () => stream?.destroy());
}

/**
 * Terminates the server sessions an alembic run opened (found by the `application_name` the
 * runner gave it through PGAPPNAME). A cancelled run's process is gone, but its backend keeps
 * running the statement — and holding its locks — until the statement ends; this stops it.
 * Returns how many sessions were terminated, or an error state. Never throws.
 */
export async function terminateSessions(pg: PgConnectionOptions, applicationName: string, opts: { timeoutMs?: number } = {}): Promise<{ kind: 'ok'; terminated: number } | { kind: 'error'; message: string }> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const client = new Client({ ...toClientConfig(pg, timeoutMs), statement_timeout: timeoutMs, query_timeout: timeoutMs + 250 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ n: string }>(
      'SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [applicationName],
    );
    return { kind: 'ok', terminated: Number(r.rows[0]?.n ?? 0) };
  } catch (e) {
    return { kind: 'error', message: redactText((e as Error).message ?? String(e), pg.password ? [pg.password] : []) };
  } finally {
    closeQuietly(client);
  }
}
