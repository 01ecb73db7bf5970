/**
 * Drift: the live database's schema against the schema the migrations produce at the revision
 * the database says it is at. The live database is only read (catalog queries in a read-only
 * transaction); the expected schema comes from a throwaway database upgraded to those revisions
 * with the user's alembic (verify's machinery). Each difference is one line that says which side
 * has what: "column `orders.note` exists in the database but not in the migrations".
 */
import type { RevisionGraph } from '../alembic/revisionGraph';
import { readDatabaseState } from '../shared/db/versionTable';
import { openConnection } from '../shared/db/versionTable';
import type { PgConnectionOptions } from '../shared/db/databaseUrl';
import { diffSchemas, formatDifference, type SchemaDifference } from '../shared/schemaDiff';
import { readSchemaSnapshot, type SchemaSnapshot } from '../shared/schemaSnapshot';
import { alembicErrorMessage } from './roundTrip';
import { VerifyError, withAlembicSession, type SessionRequest } from './verifyProject';

export interface DriftRequest extends SessionRequest {
  graph: RevisionGraph;
  /** The live database (read only). */
  live: PgConnectionOptions;
  versionTableSchema?: string;
}

export interface DriftResult {
  /** The version table's rows in the live database (empty: base, or no version table). */
  current: string[];
  differences: SchemaDifference[];
  /** Where the expected schema was built. */
  database: string;
}

/** Labels for `formatDifference`: A is the migrations, B the live database. */
export const DRIFT_LABELS = { a: 'in the migrations', b: 'in the database' };

export function describeDrift(d: SchemaDifference): string {
  return formatDifference(d, DRIFT_LABELS);
}

/** Reads the live schema and its revisions inside one read-only transaction. */
async function readLive(req: DriftRequest): Promise<{ current: string[]; snapshot: SchemaSnapshot }> {
  const versionTable = req.versionTable ?? 'alembic_version';
  const state = await readDatabaseState(req.live, { versionTable, ...(req.versionTableSchema ? { schema: req.versionTableSchema } : {}) });
  if (state.kind !== 'ok') throw new VerifyError(`the database cannot be read (${state.kind}): ${state.message}`);
  const client = await openConnection({ ...req.live, applicationName: 'alembic-migrations-drift' }, { connectTimeoutMs: 10_000, statementTimeoutMs: 60_000 });
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const snapshot = await readSchemaSnapshot(client, { versionTable, ...(req.versionTableSchema ? { versionTableSchema: req.versionTableSchema } : {}) });
    await client.query('COMMIT');
    return { current: state.revisions, snapshot };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function driftOf(req: DriftRequest): Promise<DriftResult> {
  const say = req.onProgress ?? (() => undefined);
  say('reading the database');
  const live = await readLive(req);
  const unknown = live.current.filter((r) => !req.graph.has(r));
  if (unknown.length)
    throw new VerifyError(
      `the database is at ${unknown.join(', ')}, which no migration of this checkout declares (another branch?): there is nothing to compare it with`,
    );
  return withAlembicSession(req, async (session) => {
    for (const rev of live.current) {
      say(`upgrading the throwaway database to ${rev}`);
      const up = await session.run({ kind: 'upgrade', target: rev });
      if (!up.ok) {
        if (up.cancelled) throw new VerifyError('cancelled');
        throw new VerifyError(`the upgrade to ${rev} failed on the throwaway database: ${alembicErrorMessage(up.stderr).message}`);
      }
    }
    const expected = await session.snapshot();
    return { current: live.current, differences: diffSchemas(expected, live.snapshot), database: session.db.where };
  });
}
