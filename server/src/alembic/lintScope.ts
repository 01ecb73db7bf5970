/**
 * Lint what can still change (`alembic.lint.scope`): a migration is **shipped** when git has it
 * on the base branch or in a release tag, else when it is at or before `start-after`, else —
 * with neither — when the connected database has applied it. By default safety, SQL and header
 * rules report only on unshipped migrations; on a shipped one they appear as hints while its
 * file is open. Graph rules and the git rules always cover everything. Pure.
 */
import type { RevisionGraph } from './revisionGraph';
import type { MigrationFile, Problem } from './types';

export type LintScope = 'unshipped' | 'all';

/** Rules that always report on every file: the graph's integrity and the git comparisons. */
export const WHOLE_GRAPH_RULES: ReadonlySet<string> = new Set([
  'missing-parent',
  'duplicate-revision',
  'revision-cycle',
  'multiple-heads',
  'unknown-dependency',
  'invalid-revision-id',
  'unparsable-migration',
  'stale-down-revision',
  'edited-shipped-migration',
  'invalid-project-config',
]);

export type ShippedBy = 'git' | 'start-after' | 'database' | 'none';

export interface ShippedSet {
  files: ReadonlySet<string>;
  /** What decided: git, the `start-after` setting, the database's applied revisions, or nothing. */
  by: ShippedBy;
  /** A `start-after` revision no file declares (shown as a configuration warning). */
  unknownStartAfter?: string;
}

export interface ShippedInput {
  graph: RevisionGraph;
  files: readonly MigrationFile[];
  /** Files git has on the base branch or a release tag; undefined without git or a base. */
  gitShipped?: ReadonlySet<string>;
  /** `alembic.lint.startAfter` / `start-after`: this revision and its ancestors are shipped. */
  startAfter?: string;
  /** The revisions the database's version table holds (its heads); undefined when not read. */
  databaseRevisions?: readonly string[];
}

function filesOf(graph: RevisionGraph, ids: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const id of ids) {
    const node = graph.get(id);
    if (node) out.add(node.migration.file);
  }
  return out;
}

function atOrBefore(graph: RevisionGraph, ids: readonly string[]): Set<string> {
  const all = new Set<string>();
  for (const name of ids) {
    const id = graph.lookup(name)?.id;
    if (!id) continue;
    all.add(id);
    for (const a of graph.ancestors(id, false)) all.add(a);
  }
  return all;
}

/** Which migrations are shipped, and what says so (the first of git, start-after, database). */
export function shippedFiles(input: ShippedInput): ShippedSet {
  if (input.gitShipped) return { files: input.gitShipped, by: 'git' };
  if (input.startAfter) {
    const target = input.graph.lookup(input.startAfter);
    if (!target) return { files: new Set(), by: 'start-after', unknownStartAfter: input.startAfter };
    return { files: filesOf(input.graph, atOrBefore(input.graph, [target.id])), by: 'start-after' };
  }
  if (input.databaseRevisions?.length) return { files: filesOf(input.graph, atOrBefore(input.graph, input.databaseRevisions)), by: 'database' };
  return { files: new Set(), by: 'none' };
}

/**
 * The problems to show for one file under `scope`: everything for an unshipped file; for a
 * shipped one the whole-graph rules as they are, the others as hints while it is open and
 * not at all while it is closed.
 */
export function scopeProblems(problems: readonly Problem[], scope: LintScope, shipped: boolean, open: boolean): Problem[] {
  if (scope === 'all' || !shipped) return [...problems];
  const out: Problem[] = [];
  for (const p of problems) {
    if (WHOLE_GRAPH_RULES.has(p.ruleId)) out.push(p);
    else if (open) out.push({ ...p, severity: 'hint', message: `${p.message} (shipped migration: shown as a hint while open; alembic.lint.scope)` });
  }
  return out;
}
