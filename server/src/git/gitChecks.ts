/**
 * The git side of `check --base REF` and `check --since REF` for one project (the CLI now, the
 * language server later): reads what the pure rules of alembic/gitRules.ts compare (the base's
 * graph, what this branch added, the shipped texts) with a handful of batched git processes.
 */
import type { AlembicProject } from '../alembic/project';
import type { ProjectIndex } from '../alembic/projectIndex';
import { RevisionGraph, fileRevisionId } from '../alembic/revisionGraph';
import { editedShippedMigrations, staleDownRevisions, type ShippedText } from '../alembic/gitRules';
import { decodeSource, readSourceBytes } from '../alembic/migrationFile';
import type { Problem } from '../alembic/types';
import { changedSince, differingFrom, firstVersionIn, mergeBase, repoRelative, tagsMatching, type GitRepo } from './gitRepo';
import { migrationPathOf, migrationPathsAtRef, migrationsAtRef, versionLocationsInRepo } from './gitProject';

/** Release tags whose migrations count as shipped. */
export const RELEASE_TAGS = 'v*';
/** How many of the newest release tags are asked (a file shipped in an older one is on the base too, as a rule). */
export const RELEASE_TAGS_ASKED = 50;

function readText(file: string): string | undefined {
  try {
    return decodeSource(readSourceBytes(file));
  } catch {
    return undefined;
  }
}

/** `stale-down-revision` and `edited-shipped-migration` of a project against `base` (a ref git knows). */
export async function gitRuleProblems(repo: GitRepo, project: AlembicProject, index: ProjectIndex, base: string): Promise<Problem[]> {
  const files = index.migrationFiles();
  const atBase = await migrationsAtRef(repo, project, base);
  const forkPoint = await mergeBase(repo, 'HEAD', base).catch(() => undefined);
  const inForkPoint = forkPoint ? await migrationPathsAtRef(repo, project, forkPoint) : new Set(atBase.map((m) => m.migration.file));
  const baseGraph = new RevisionGraph(atBase.map((m) => m.migration));
  // Added on this branch: not in the fork point's tree, and not a revision the base has (a moved file).
  const added = new Set(files.filter((m) => !inForkPoint.has(m.file) && !baseGraph.get(fileRevisionId(m) ?? '')).map((m) => m.file));
  const stale = staleDownRevisions(files, added, { name: base, graph: baseGraph });

  const shipped = new Map<string, ShippedText>();
  for (const m of atBase) shipped.set(m.migration.file, { where: base, text: decodeSource(m.bytes) });
  // A file moved or renamed on this branch is found by the revision id the base's file declares.
  const baseById = new Map(atBase.flatMap((m) => (fileRevisionId(m.migration) !== undefined ? [[fileRevisionId(m.migration)!, m] as const] : [])));
  for (const m of files) {
    const id = fileRevisionId(m);
    const was = id === undefined || shipped.has(m.file) || inForkPoint.has(m.file) ? undefined : baseById.get(id);
    if (was && !index.migrationFile(was.migration.file)) shipped.set(m.file, { where: base, text: decodeSource(was.bytes) });
  }
  // Not on the base branch: maybe in a release tag (one cat-file for every file and tag).
  const notAtBase = files.filter((m) => !shipped.has(m.file));
  const tags = notAtBase.length ? (await tagsMatching(repo, RELEASE_TAGS)).slice(0, RELEASE_TAGS_ASKED) : [];
  if (tags.length) {
    const byRepoPath = new Map(notAtBase.flatMap((m) => (repoRelative(repo, m.file) !== undefined ? [[repoRelative(repo, m.file)!, m.file] as const] : [])));
    const found = await firstVersionIn(repo, tags, [...byRepoPath.keys()]);
    for (const [repoPath, v] of found)
      shipped.set(byRepoPath.get(repoPath)!, { where: `tag ${v.ref.replace(/^refs\/tags\//, '')}`, text: decodeSource(v.bytes) });
  }
  // Only files git sees as different from the base are read again (a file at the same path that
  // git finds unchanged has the base's text).
  const locations = versionLocationsInRepo(repo, project);
  const differing = new Set<string>();
  for (const p of await differingFrom(
    repo,
    base,
    locations.map((l) => l.repoPath),
  )) {
    const at = migrationPathOf(locations, !!project.recursiveVersionLocations, p);
    if (at) differing.add(at.file);
  }
  const samePath = new Set(atBase.map((m) => m.migration.file));
  const current = new Map<string, string>();
  for (const [file, was] of shipped) {
    if (!index.migrationFile(file)) continue; // deleted here: not an edit of its code
    if (samePath.has(file) && was.where === base && !differing.has(file)) continue;
    const text = readText(file);
    if (text !== undefined) current.set(file, text);
  }
  return [...stale, ...editedShippedMigrations(current, shipped)];
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
