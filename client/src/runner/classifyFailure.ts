/**
 * What went wrong in an alembic run, from its exit code and stderr (alembic 1.8–1.18 wording),
 * with the next step to offer. Messages never contain passwords.
 */
import { redactUrl } from '../db/databaseUrl';

export type FailureKind =
  | 'cancelled' | 'cant-locate-revision' | 'multiple-heads' | 'not-up-to-date' | 'connection-refused'
  | 'auth-failed' | 'database-missing' | 'wrong-interpreter' | 'sql-error' | 'alembic-error' | 'unknown';

export interface Failure {
  kind: FailureKind;
  message: string;
  nextStep: string;
}

const redact = (s: string): string => s.replace(/[a-z0-9+.-]+:\/\/\S+/gi, (u) => redactUrl(u)).replace(/password=\S+/gi, 'password=***');

export function classifyAlembicFailure(r: { exitCode: number | null; stderr: string; stdout?: string; cancelled?: boolean; spawnError?: string }): Failure {
  if (r.cancelled) return { kind: 'cancelled', message: 'Cancelled.', nextStep: 'Check the database state: a cancelled run may have committed some steps.' };
  const all = `${r.stderr}\n${r.stdout ?? ''}`;
  const failed = /FAILED: (.*)/.exec(all)?.[1];
  const lastLine = all.trim().split('\n').filter((l) => l.trim()).pop() ?? '';
  const message = redact(failed ?? lastLine ?? `exit code ${r.exitCode}`);
  if (r.spawnError === 'ENOENT' || /No module named '?alembic'?|ModuleNotFoundError|command not found/.test(all)) {
    return { kind: 'wrong-interpreter', message: redact(r.spawnError === 'ENOENT' ? 'The alembic command was not found.' : message), nextStep: 'Select the Python interpreter that has alembic installed, or set alembic.command (e.g. ["poetry", "run", "alembic"]).' };
  }
  if (/Can't locate revision identified by/.test(all)) return { kind: 'cant-locate-revision', message, nextStep: 'The database names a revision no file declares (a deleted or unmerged migration?): check out the branch that has it, or stamp the database to a known revision.' };
  if (/Multiple head revisions are present/.test(all)) return { kind: 'multiple-heads', message, nextStep: "Run 'Alembic: Merge Heads', or upgrade 'heads' / '<label>@head'." };
  if (/Target database is not up to date/.test(all)) return { kind: 'not-up-to-date', message, nextStep: 'Upgrade the database to head before creating a revision with autogenerate.' };
  if (/password authentication failed|authentication failed/i.test(all)) return { kind: 'auth-failed', message, nextStep: 'Check the user and password in alembic.databaseUrl / DATABASE_URL.' };
  if (/database "[^"]+" does not exist/.test(all)) return { kind: 'database-missing', message, nextStep: 'Create the database, or point the URL at an existing one.' };
  if (/Connection refused|could not connect|could not translate host name|timeout expired/i.test(all)) return { kind: 'connection-refused', message, nextStep: 'Start the database, or check the host and port in the URL.' };
  if (/sqlalchemy\.exc\.|psycopg2\.errors\.|ProgrammingError|IntegrityError/.test(all)) return { kind: 'sql-error', message: redact(/(?:sqlalchemy\.exc|psycopg2\.errors)\.\w+\) ?(.*)/.exec(all)?.[1] ?? message), nextStep: 'The migration failed in the database and was rolled back (transactional DDL): fix the migration and run it again.' };
  if (failed) return { kind: 'alembic-error', message, nextStep: 'See the Alembic output channel for details.' };
  return { kind: 'unknown', message, nextStep: 'See the Alembic output channel for details.' };
}
