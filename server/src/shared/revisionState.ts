/**
 * What a database's version table means for each revision, written once for the server (hovers)
 * and the client (tree, CodeLens, status bar, pickers): the rows and every ancestor of a row are
 * applied; a row this project does not know means the database follows another history, so
 * nothing can be called pending. Also the one short form of a revision id. Pure.
 */

/** A revision as the database sees it. `unknown` = no database state, or another history. */
export type RevisionState = 'current' | 'applied' | 'pending' | 'unknown';

/** The little of a revision graph this needs. */
export interface AncestryGraph {
  has(id: string): boolean;
  /** Every revision below `id` (parents and dependencies, transitively), `id` excluded. */
  ancestors(id: string): Iterable<string>;
}

/** The revisions the database has applied: the version-table rows it knows and all their ancestors. */
export function appliedRevisions(graph: AncestryGraph, versionRows: readonly string[]): Set<string> {
  const applied = new Set<string>();
  for (const r of versionRows) {
    if (!graph.has(r)) continue;
    applied.add(r);
    for (const a of graph.ancestors(r)) applied.add(a);
  }
  return applied;
}

/** True when a row names a revision the project does not declare. */
export function followsAnotherHistory(graph: AncestryGraph, versionRows: readonly string[]): boolean {
  return versionRows.some((r) => !graph.has(r));
}

/**
 * Each revision's state from the version-table rows (undefined rows: the state is unknown).
 * Pass `applied` when the caller already computed it for these rows.
 */
export function revisionState(
  graph: AncestryGraph,
  versionRows: readonly string[] | undefined,
  id: string,
  applied = versionRows && appliedRevisions(graph, versionRows),
): RevisionState {
  if (!versionRows || !applied) return 'unknown';
  if (versionRows.includes(id)) return 'current';
  if (applied.has(id)) return 'applied';
  return followsAnotherHistory(graph, versionRows) ? 'unknown' : 'pending';
}

/** The length alembic's own ids have (12 hex digits): longer ids are cut to it for display. */
export const SHORT_ID_LENGTH = 12;

export const shortId = (id: string): string => (id.length > SHORT_ID_LENGTH ? id.slice(0, SHORT_ID_LENGTH) : id);
