/**
 * The git side of `check --base REF` and `check --since REF` for one project (the CLI now, the
 * language server): reads what the pure rules of alembic/gitRules.ts compare (the base's
 * graph, what this branch added, the shipped texts) with a handful of batched git processes.
 */
import type { AlembicProject } from '../alembic/project';
import type { ProjectIndex } from '../alembic/projectIndex';
import { editedShippedMigrations, staleDownRevisions } from '../alembic/gitRules';
import { decodeSource, readSourceBytes } from '../alembic/migrationFile';
import type { MigrationFile, Problem } from '../alembic/types';
import { changedSince, type GitRepo } from './gitRepo';
import { migrationPathOf, versionLocationsInRepo } from './gitProject';
import { readProjectGitFacts, type ProjectGitFacts } from './projectHistory';
import { suppressedInText } from '../alembic/suppression';

function readText(file: string): string | undefined {
  try {
    return decodeSource(readSourceBytes(file));
  } catch {
    return undefined;
  }
}

/**
 * `stale-down-revision` and `edited-shipped-migration` from what git knows (`facts`) and the
 * working tree's files. Only shipped files git saw as different, or that `mustCompare` names
 * (open buffers, files changed since the facts were read), are compared by text.
 */
export function gitProblemsOf(
  facts: ProjectGitFacts,
  files: readonly MigrationFile[],
  textOf: (file: string) => string | undefined,
  mustCompare: (file: string) => boolean = () => false,
): Problem[] {
  const stale = facts.base ? staleDownRevisions(files, facts.added, { name: facts.base.name, graph: facts.base.graph }) : [];
  const current = new Map<string, string>();
  for (const m of files) {
    if (!facts.shipped.has(m.file)) continue; // deleted files are not in `files`: not an edit of its code
    if (!facts.differing.has(m.file) && !mustCompare(m.file)) continue;
    const text = textOf(m.file);
    if (text !== undefined) current.set(m.file, text);
  }
  // Suppressions apply as to every rule (the lint never sees these problems).
  return [...stale, ...editedShippedMigrations(current, facts.shipped)].filter((p) => {
    const text = current.get(p.file) ?? textOf(p.file);
    return text === undefined || !suppressedInText(text, p.ruleId, p.range.start.line);
  });
}

/** `stale-down-revision` and `edited-shipped-migration` of a project against `base` (a ref git knows). */
export async function gitRuleProblems(repo: GitRepo, project: AlembicProject, index: ProjectIndex, base: string): Promise<Problem[]> {
  const files = index.migrationFiles();
  const facts = await readProjectGitFacts(repo, project, files, { baseBranch: base, provenance: false });
  return gitProblemsOf(facts, files, readText);
}

/** The project's migration files added or changed since `ref` (committed on this branch or not committed yet). */
export async function migrationsChangedSince(repo: GitRepo, project: AlembicProject, ref: string): Promise<Set<string>> {
  const locations = versionLocationsInRepo(repo, project);
  const changed = await changedSince(
    repo,
    ref,
    locations.map((l) => l.repoPath),
  );
  const out = new Set<string>();
  for (const p of changed) {
    const at = migrationPathOf(locations, !!project.recursiveVersionLocations, p);
    if (at) out.add(at.file);
  }
  return out;
}
