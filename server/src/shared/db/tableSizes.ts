/**
 * The live size of tables, for a run's confirmation: PostgreSQL's row estimate
 * (`pg_class.reltuples`, cheap; −1 before the first ANALYZE) and `pg_total_relation_size`.
 * Read on a short connection to the database alembic changes.
 */
import { redactText, type PgConnectionOptions } from './databaseUrl';
import { openConnection } from './versionTable';

export interface TableSize {
  /** Estimated rows (undefined when never analysed). */
  rows?: number;
  bytes: number;
}

/** Tables with at least this many estimated rows are reported (the server applies its own threshold above it). */
export const LARGE_TABLE_FLOOR = 10_000;

/** The biggest tables of the database (`schema.name`, estimated rows, total bytes), at most 500. */
export async function largeTables(
  pg: PgConnectionOptions,
): Promise<{ kind: 'ok'; tables: Array<{ name: string; rows: number; bytes: number }> } | { kind: 'error'; message: string }> {
  let client;
  try {
    client = await openConnection(pg, { connectTimeoutMs: 5000, statementTimeoutMs: 5000 });
    const r = await client.query<{ name: string; rows: string; bytes: string }>(
      `SELECT n.nspname || '.' || c.relname AS name, c.reltuples::bigint::text AS rows, pg_total_relation_size(c.oid)::text AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
          AND c.reltuples >= $1
        ORDER BY c.reltuples DESC LIMIT 500`,
      [LARGE_TABLE_FLOOR],
    );
    return { kind: 'ok', tables: r.rows.map((x) => ({ name: x.name, rows: Number(x.rows), bytes: Number(x.bytes) })) };
  } catch (e) {
    return { kind: 'error', message: redactText((e as Error).message ?? String(e), pg.password ? [pg.password] : []) };
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** Sizes of the named tables (schema-qualified names allowed) on the search_path; unknown ones are left out. */
export async function tableSizes(
  pg: PgConnectionOptions,
  tables: readonly string[],
): Promise<{ kind: 'ok'; sizes: Map<string, TableSize> } | { kind: 'error'; message: string }> {
  const sizes = new Map<string, TableSize>();
  if (tables.length === 0) return { kind: 'ok', sizes };
  let client;
  try {
    client = await openConnection(pg, { connectTimeoutMs: 5000, statementTimeoutMs: 5000 });
    const r = await client.query<{ name: string; rows: string; bytes: string }>(
      `SELECT t.name, c.reltuples::bigint::text AS rows, pg_total_relation_size(c.oid)::text AS bytes
         FROM unnest($1::text[]) AS t(name)
         JOIN pg_class c ON c.oid = to_regclass(t.name)
        WHERE c.relkind IN ('r', 'p', 'm')`,
      [[...new Set(tables)]],
    );
    for (const row of r.rows) {
      const rows = Number(row.rows);
      sizes.set(row.name, { ...(rows >= 0 ? { rows } : {}), bytes: Number(row.bytes) });
    }
    return { kind: 'ok', sizes };
  } catch (e) {
    return { kind: 'error', message: redactText((e as Error).message ?? String(e), pg.password ? [pg.password] : []) };
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** "12,400 rows", "12.4 M rows". */
export function humanRows(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M rows`;
  return `${n.toLocaleString('en-US')} rows`;
}

/** "512 bytes", "8.0 kB", "3.1 GB". */
export function humanBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v.toFixed(1)} ${units[u]}`;
}
