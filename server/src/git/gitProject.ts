/**
 * An Alembic project seen through git: its version locations as repository paths, and its
 * migrations at any ref scanned exactly as the working tree's are (the same scanner, the same
 * guards), so a RevisionGraph of that ref can be built beside the working tree's.
 */
import * as path from 'node:path';
import type { AlembicProject } from '../alembic/project';
import { isMigrationFileName } from '../alembic/discovery';
import { migrationFromBytes } from '../alembic/migrationFile';
import type { MigrationFile } from '../alembic/types';
import { filesAtRef, repoRelative, treeAtRef, type GitRepo } from './gitRepo';

/** One version location: as the project spells it (absolute) and as git does (repo-relative). */
export interface RepoVersionLocation {
  absolute: string;
  repoPath: string;
}

/** The project's version locations inside the repository (locations outside it are left out). */
export function versionLocationsInRepo(repo: GitRepo, project: AlembicProject): RepoVersionLocation[] {
  return project.versionLocations.flatMap((absolute) => {
    const repoPath = repoRelative(repo, absolute);
    return repoPath === undefined ? [] : [{ absolute, repoPath }];
  });
}

/**
 * Where a repository path would be on disk in this project, when it is a migration file of it:
 * directly in a version location, or below one when locations are recursive (as discovery.ts).
 */
export function migrationPathOf(
  locations: readonly RepoVersionLocation[],
  recursive: boolean,
  repoPath: string,
): { file: string; versionLocation: string } | undefined {
  const parts = repoPath.split('/');
  if (!isMigrationFileName(parts[parts.length - 1])) return undefined;
  for (const loc of locations) {
    const prefix = loc.repoPath === '.' ? '' : loc.repoPath + '/';
    if (!repoPath.startsWith(prefix)) continue;
    const rest = repoPath.slice(prefix.length).split('/');
    if (rest.length > 1 && (!recursive || rest.includes('__pycache__'))) continue;
    return { file: path.join(loc.absolute, ...rest), versionLocation: loc.absolute };
  }
  return undefined;
}

/** One migration at a ref: scanned as a working-tree file would be, with the bytes it was read from. */
export interface MigrationAtRef {
  migration: MigrationFile;
  /** Repo-relative path. */
  repoPath: string;
  bytes: Buffer;
}

/** The project's migration files at `ref`, by their working-tree path (one ls-tree, one cat-file). */
export async function migrationsAtRef(repo: GitRepo, project: AlembicProject, ref: string): Promise<MigrationAtRef[]> {
  const locations = versionLocationsInRepo(repo, project);
  const recursive = !!project.recursiveVersionLocations;
  const files = await filesAtRef(
    repo,
    ref,
    locations.map((l) => l.repoPath),
    (p) => migrationPathOf(locations, recursive, p) !== undefined,
  );
  return files.map((f) => {
    const at = migrationPathOf(locations, recursive, f.path)!;
    return { migration: migrationFromBytes(at.file, at.versionLocation, f.bytes), repoPath: f.path, bytes: f.bytes };
  });
}

/** The working-tree paths of the project's migration files present at `ref` (no contents read). */
export async function migrationPathsAtRef(repo: GitRepo, project: AlembicProject, ref: string): Promise<Set<string>> {
  const locations = versionLocationsInRepo(repo, project);
  const recursive = !!project.recursiveVersionLocations;
  const entries = await treeAtRef(
    repo,
    ref,
    locations.map((l) => l.repoPath),
  );
  const out = new Set<string>();
  for (const e of entries) {
    const at = migrationPathOf(locations, recursive, e.path);
    if (at) out.add(at.file);
  }
  return out;
}
