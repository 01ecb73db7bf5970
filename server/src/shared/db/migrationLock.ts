/**
 * One migration run at a time per database and version table: a PostgreSQL session-level
 * advisory lock, taken on the extension's own connection to the database alembic changes before
 * alembic starts and released when it ends. A second run (another window, a colleague's editor)
 * is refused with who holds the lock, instead of racing. Nothing else is locked or touched.
 */
import type { Client } from 'pg';
import { redactText, type PgConnectionOptions } from './databaseUrl';
import { openConnection } from './versionTable';

/** The advisory lock's first key: 'alem' in ASCII, so the extension's locks are recognisable in pg_locks. */
export const LOCK_CLASS = 0x616c656d;

/** The lock's second key names the version table (schema-qualified as written in the settings). */
export function lockName(versionTable: string, schema?: string): string {
  return `${schema ? `${schema}.` : ''}${versionTable}`;
}

export type LockResult =
  | { kind: 'held'; release(): Promise<void> }
  | { kind: 'busy'; holder: { pid: number; application: string; user: string; since?: string } | undefined }
  | { kind: 'error'; message: string };

/** Tries the lock without waiting. `held` keeps a connection open until `release()`. */
export async function tryMigrationLock(
  pg: PgConnectionOptions,
  name: string,
  opts: { applicationName?: string; timeoutMs?: number } = {},
): Promise<LockResult> {
  let client: Client | undefined;
  try {
    client = await openConnection(
      { ...pg, applicationName: opts.applicationName ?? 'vscode-alembic-migration-lock' },
      { connectTimeoutMs: opts.timeoutMs ?? 5000, statementTimeoutMs: opts.timeoutMs ?? 5000 },
    );
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int4, hashtext($2)) AS ok', [LOCK_CLASS, name]);
    if (got.rows[0]?.ok) {
      const c = client;
      client = undefined;
      return {
        kind: 'held',
        release: async () => {
          await c.query('SELECT pg_advisory_unlock($1::int4, hashtext($2))', [LOCK_CLASS, name]).catch(() => undefined);
          await c.end().catch(() => undefined);
        },
      };
    }
    const who = await client.query<{ pid: number; application_name: string; usename: string; backend_start: Date | null }>(
      `SELECT a.pid, a.application_name, a.usename, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.classid::bigint = ($1::bigint & 4294967295) AND l.objid::bigint = (hashtext($2)::bigint & 4294967295)
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        LIMIT 1`,
      [LOCK_CLASS, name],
    );
    const h = who.rows[0];
    return {
      kind: 'busy',
      holder: h
        ? { pid: h.pid, application: h.application_name, user: h.usename, ...(h.backend_start ? { since: h.backend_start.toISOString() } : {}) }
        : undefined,
    };
  } catch (e) {
    return { kind: 'error', message: redactText((e as Error).message ?? String(e), pg.password ? [pg.password] : []) };
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** "another alembic run (pid 812, vscode-alembic-…, deploy) holds the migration lock". */
export function busyMessage(name: string, holder: { pid: number; application: string; user: string } | undefined): string {
  return holder
    ? `another alembic run (pid ${holder.pid}, ${holder.application || 'no application name'}, ${holder.user}) holds the migration lock of ${name}`
    : `another alembic run holds the migration lock of ${name}`;
}
