/**
 * The database's current revisions, read from the version table with `pg` — never with
 * `alembic current`. Every outcome is a state (no throw), bounded by connect and statement
 * timeouts; messages carry no password.
 */
import { Client } from 'pg';
import type { PgOptions } from './databaseUrl';

export type DatabaseReading =
  | { kind: 'ok'; revisions: string[]; database: string; readAt: Date }
  | { kind: 'unreachable' | 'auth-failed' | 'database-missing' | 'timeout' | 'error'; message: string; database: string };

function quoteIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}

export async function readDatabaseState(
  pg: PgOptions,
  opts: { versionTable?: string; schema?: string; connectTimeoutMs?: number; statementTimeoutMs?: number } = {},
): Promise<DatabaseReading> {
  const database = `${pg.database ?? '(default)'}@${pg.host ?? 'localhost'}${pg.port ? ':' + pg.port : ''}`;
  const timeout = opts.connectTimeoutMs ?? 3000;
  const client = new Client({
    ...pg,
    connectionTimeoutMillis: timeout,
    statement_timeout: opts.statementTimeoutMs ?? 3000,
    query_timeout: (opts.statementTimeoutMs ?? 3000) + 500,
  });
  // A server that accepts the socket but never answers: the overall deadline still holds.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DatabaseReading>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout', message: `no answer from ${database} within ${timeout + (opts.statementTimeoutMs ?? 3000)} ms`, database }), timeout + (opts.statementTimeoutMs ?? 3000) + 1000);
  });
  const work = (async (): Promise<DatabaseReading> => {
    try {
      await client.connect();
      const table = (opts.schema ? quoteIdent(opts.schema) + '.' : '') + quoteIdent(opts.versionTable ?? 'alembic_version');
      const res = await client.query<{ version_num: string }>(`SELECT version_num FROM ${table}`);
      return { kind: 'ok', revisions: res.rows.map((r) => r.version_num), database, readAt: new Date() };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (err.code === '42P01') return { kind: 'ok', revisions: [], database, readAt: new Date() }; // no table yet: base
      if (err.code === '28P01' || err.code === '28000') return { kind: 'auth-failed', message: `authentication failed for ${database}`, database };
      if (err.code === '3D000') return { kind: 'database-missing', message: `database ${pg.database} does not exist on ${pg.host ?? 'localhost'}`, database };
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH') return { kind: 'unreachable', message: `cannot reach ${database} (${err.code})`, database };
      if (/timeout/i.test(err.message ?? '')) return { kind: 'timeout', message: `no answer from ${database} in time`, database };
      return { kind: 'error', message: (err.message ?? String(e)).replace(/password[^,;]*/gi, 'password ***'), database };
    }
  })();
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    void client.end().catch(() => undefined);
  }
}
