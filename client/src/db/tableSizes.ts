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
