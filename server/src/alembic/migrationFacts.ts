/**
 * What the graph's views read of a migration, from the fast path's facts when the file has
 * them (no full declarations built) and from the declarations otherwise.
 */
import type { MigrationFile, Range } from './types';
import { declaredRevision } from './revisionRefs';
import { quickCreateDate, quickLongMessage, quickMessage, quickRevisionRange } from './quickScan';

/** Alembic's `Script.doc`: the docstring up to its first blank line. */
export function messageOf(m: MigrationFile): string {
  return m.quick ? quickMessage(m.quick) : m.decls.message;
}

/** Alembic's `Script.longdoc`: the whole docstring. */
export function longMessageOf(m: MigrationFile): string {
  return m.quick ? quickLongMessage(m.quick) : (m.decls.longMessage ?? m.decls.message);
}

/** The docstring's `Create Date:` value, raw. */
export function createDateOf(m: MigrationFile): string | undefined {
  return m.quick ? quickCreateDate(m.quick) : m.decls.header.createDate?.raw;
}

/** The range of the revision id's literal, when the file declares one plain string. */
export function revisionRangeOf(m: MigrationFile): Range | undefined {
  return m.quick ? quickRevisionRange(m.quick) : declaredRevision(m.decls)?.range;
}
