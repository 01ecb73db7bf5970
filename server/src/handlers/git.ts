/**
 * `alembic/gitInfo` (provenance and branch facts per revision) and `alembic/locateRevision`
 * (where git has a revision this checkout lacks, and the missing chain's files).
 */
import * as path from 'node:path';
import type { GitInfoParams, GitInfoResult, LocateRevisionParams, LocateRevisionResult, BranchMigration, RevisionGitInfo } from '../shared/protocol';
import { fileRevisionId, RevisionGraph } from '../alembic/revisionGraph';
import { decodeSource } from '../alembic/migrationFile';
import { locateRevision, repoAbsolute, GitError } from '../git/gitRepo';
import { migrationPathOf, migrationsAtRef, versionLocationsInRepo } from '../git/gitProject';
import type { ProjectIndex } from '../alembic/projectIndex';
import type { ProjectGitFacts } from '../git/projectHistory';
import type { HandlerContext } from './context';
import { pathToUri } from '../uris';
import { messageOf } from '../alembic/migrationFacts';

/** What git says about one working-tree migration file. */
export function revisionGitInfo(facts: ProjectGitFacts, file: string): RevisionGitInfo {
  const added = facts.provenance.get(file);
  return {
    ...(added ? { added: { commit: added.commit, author: added.author, date: new Date(added.date * 1000).toISOString(), subject: added.subject } } : {}),
    onBase: facts.onBase.has(file),
    addedOnBranch: facts.added.has(file),
    shipped: facts.shipped.has(file),
  };
}

export function gitInfo(state: HandlerContext, p: GitInfoParams): GitInfoResult | null {
  const project = state.projectByUri(p.projectId);
  if (!project) return null;
  const status = state.gitStatus(project.project.id);
  if (!status) return null;
  if (status.kind === 'unavailable') return { projectId: p.projectId, unavailable: status.message, revisions: {} };
  const facts = status.facts;
  const revisions: Record<string, RevisionGitInfo> = {};
  for (const m of project.migrationFiles()) {
    const id = fileRevisionId(m);
    if (id !== undefined) revisions[id] = revisionGitInfo(facts, m.file);
  }
  return {
    projectId: p.projectId,
    ...(facts.base ? { base: facts.base.name } : {}),
    ...(facts.baseProblem ? { baseProblem: facts.baseProblem } : {}),
    revisions,
  };
}

/** The working-tree path a repository path would have in this project (else the first version location). */
function checkoutPath(project: ProjectIndex, repoRoot: string, repoPath: string): string {
  const locations = versionLocationsInRepo({ root: repoRoot }, project.project);
  const at = migrationPathOf(locations, !!project.project.recursiveVersionLocations, repoPath);
  if (at) return at.file;
  const first = project.project.versionLocations[0];
  return first ? path.join(first, path.posix.basename(repoPath)) : repoAbsolute({ root: repoRoot }, repoPath);
}

export async function locate(state: HandlerContext, p: LocateRevisionParams): Promise<LocateRevisionResult> {
  const project = state.projectByUri(p.projectId);
  if (!project) return { kind: 'unavailable', message: 'The project is no longer in the workspace.', locations: [] };
  const status = state.gitStatus(project.project.id);
  if (!status || status.kind === 'unavailable')
    return { kind: 'unavailable', message: status?.message ?? 'git has not been read yet for this project', locations: [] };
  const repo = status.facts.repo;
  try {
    const locations = await locateRevision(repo, p.revision);
    if (locations.length === 0)
      return { kind: 'not-found', message: `git has no file declaring revision ${p.revision} on any branch, remote branch or recent reflog entry.`, locations };
    // Prefer a local branch, then a remote-tracking one, then the reflog (locateRevision's order).
    const where = locations[0];
    const atCommit = await migrationsAtRef(repo, project.project, where.commit);
    const theirs = new RevisionGraph(atCommit.map((m) => m.migration));
    const byId = new Map(atCommit.flatMap((m) => (fileRevisionId(m.migration) !== undefined ? [[fileRevisionId(m.migration)!, m] as const] : [])));
    const ours = project.graph;
    const migrations: BranchMigration[] = [];
    const common = new Set<string>();
    const seen = new Set<string>();
    const todo = [p.revision];
    while (todo.length) {
      const id = todo.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (ours.has(id)) {
        common.add(id);
        continue;
      }
      const node = theirs.get(id);
      const m = byId.get(id);
      if (!node || !m) continue;
      migrations.push({
        id,
        message: messageOf(m.migration).split('\n')[0] ?? '',
        parents: [...node.parents],
        repoPath: m.repoPath,
        uri: pathToUri(checkoutPath(project, repo.root, m.repoPath)),
        text: decodeSource(m.bytes),
      });
      todo.push(...node.parents);
    }
    // Keep only the ancestors no other common ancestor already includes (the nearest ones).
    const nearest = [...common].filter((c) => ![...common].some((o) => o !== c && ours.ancestors(o, false).has(c)));
    return { kind: 'found', locations, chain: { ref: where.ref, commit: where.commit, migrations, commonAncestors: nearest } };
  } catch (e) {
    return { kind: 'unavailable', message: e instanceof GitError ? e.message : `git could not be read: ${(e as Error).message}`, locations: [] };
  }
}
