/**
 * What git knows about one project, read in a handful of batched processes (never one per
 * file): the base branch's revision graph, which migration files this branch added, which
 * shipped (on the base branch or in a release tag) and with what text, and the commit that
 * added each file (provenance). The language server keeps one of these per project and reads
 * it again when HEAD or a ref moves; the CLI reads it once.
 */
import type { AlembicProject } from '../alembic/project';
import { RevisionGraph, fileRevisionId } from '../alembic/revisionGraph';
import { decodeSource } from '../alembic/migrationFile';
import type { MigrationFile } from '../alembic/types';
import type { ShippedText } from '../alembic/gitRules';
import { runGit } from './gitRunner';
import { outputLines } from './gitParse';
import { differingFrom, firstVersionIn, GitError, mergeBase, repoRelative, resolveBaseRef, tagsMatching, type GitRepo } from './gitRepo';
import { migrationPathOf, migrationPathsAtRef, migrationsAtRef, versionLocationsInRepo } from './gitProject';

/** Release tags whose migrations count as shipped, by default. */
export const DEFAULT_RELEASE_TAGS = 'v*';
/** How many of the newest release tags are asked (a file shipped in an older one is on the base too, as a rule). */
export const RELEASE_TAGS_ASKED = 50;

/** The commit that added a migration file (the newest add, when it was deleted and added again). */
export interface FileProvenance {
  commit: string;
  author: string;
  /** Author date, seconds since the epoch. */
  date: number;
  subject: string;
}

export interface GitHistoryOptions {
  /** `alembic.git.baseBranch`; undefined: the remote's default branch, then main, then master. */
  baseBranch?: string;
  /** `alembic.git.releaseTags` (a `refs/tags/` pattern); empty: no tags. */
  releaseTags?: string;
  /** Skip the provenance log (the CLI's `check --base` does not show it). */
  provenance?: boolean;
}

export interface ProjectGitFacts {
  repo: GitRepo;
  head: string | undefined;
  /** The base branch as the user names it, and its commit; undefined when git knows none. */
  base?: { name: string; commit: string; graph: RevisionGraph };
  /** Why there is no base (shown in tooltips). */
  baseProblem?: string;
  forkPoint?: string;
  /** Working-tree paths of migration files the base branch has (at its tip). */
  onBase: Set<string>;
  /** Working-tree paths of migration files added on this branch (not in the fork point, not moved). */
  added: Set<string>;
  /** Texts of shipped migrations (on the base branch or in a release tag), by working-tree path. */
  shipped: Map<string, ShippedText>;
  /** Shipped files git sees as different in the working tree (the others need no comparison). */
  differing: Set<string>;
  provenance: Map<string, FileProvenance>;
  /** The HEAD the provenance was read at (undefined: not read yet). */
  provenanceHead?: string;
  /** HEAD, base and tag commits: a new read with the same key would find the same facts. */
  key: string;
  readMs: number;
}

/**
 * The key of the refs the facts depend on (HEAD, the base branch, the release tags): one
 * `for-each-ref` and one `rev-parse`, a few milliseconds, to decide whether to read again.
 */
export async function gitFactsKey(repo: GitRepo, opts: GitHistoryOptions): Promise<string> {
  const head = await runGit(repo.root, ['rev-parse', '--verify', '--quiet', 'HEAD'], repo.run);
  const refs = await runGit(
    repo.root,
    [
      'for-each-ref',
      '--format=%(objectname) %(refname)',
      'refs/heads/main',
      'refs/heads/master',
      'refs/remotes/origin',
      ...(opts.baseBranch ? [`refs/heads/${opts.baseBranch}`, `refs/remotes/${opts.baseBranch}`] : []),
      ...(opts.releaseTags ? [`refs/tags/${opts.releaseTags}`] : []),
    ],
    repo.run,
  );
  const text = (r: typeof head): string => (r.kind === 'ok' ? r.stdout.toString('utf8') : r.kind);
  return `${JSON.stringify(opts)}\n${text(head)}\n${text(refs)}`;
}

/** Parses `git log -z --name-only --format=%x1e%H%x1f%an%x1f%at%x1f%s`: newest first, repo paths. */
export function parseAddLog(out: Buffer | string): Map<string, FileProvenance> {
  const result = new Map<string, FileProvenance>();
  const text = typeof out === 'string' ? out : out.toString('utf8');
  for (const chunk of text.split('\x1e')) {
    if (!chunk) continue;
    const end = chunk.indexOf('\0');
    const header = end < 0 ? chunk : chunk.slice(0, end);
    const [commit, author, date, ...subject] = header.split('\x1f');
    if (!commit) continue;
    const info: FileProvenance = { commit, author: author ?? '', date: Number(date) || 0, subject: subject.join('\x1f') };
    const paths = end < 0 ? [] : chunk.slice(end + 1).split('\0');
    for (let p of paths) {
      p = p.replace(/^\n/, '');
      if (p && !result.has(p)) result.set(p, info);
    }
  }
  return result;
}

/**
 * The commit that added each migration file of the project on HEAD: one `git log`, by
 * working-tree path. With `since` (an ancestor of HEAD whose provenance is known), only the
 * commits after it are read: the caller lays the result over what it had.
 */
export async function readProvenance(repo: GitRepo, project: AlembicProject, since?: string): Promise<Map<string, FileProvenance>> {
  const locations = versionLocationsInRepo(repo, project);
  const out = new Map<string, FileProvenance>();
  if (locations.length === 0) return out;
  const r = await runGit(
    repo.root,
    [
      'log',
      '-z',
      '--no-renames',
      '--diff-filter=A',
      '--name-only',
      '--format=%x1e%H%x1f%an%x1f%at%x1f%s',
      since ? `${since}..HEAD` : 'HEAD',
      '--',
      ...locations.map((l) => l.repoPath),
    ],
    repo.run,
  );
  if (r.kind !== 'ok') return out; // a repository with no commit yet has no history
  for (const [repoPath, info] of parseAddLog(r.stdout)) {
    const at = migrationPathOf(locations, !!project.recursiveVersionLocations, repoPath);
    if (at) out.set(at.file, info);
  }
  return out;
}

/**
 * Reads the facts of one project. `files` are the working tree's migrations (the index's).
 * Throws GitError on an unexpected git failure; a missing base branch is a `baseProblem`.
 */
export async function readProjectGitFacts(
  repo: GitRepo,
  project: AlembicProject,
  files: readonly MigrationFile[],
  opts: GitHistoryOptions = {},
): Promise<ProjectGitFacts> {
  const t0 = performance.now();
  const key = await gitFactsKey(repo, opts);
  const headOut = await runGit(repo.root, ['rev-parse', '--verify', '--quiet', 'HEAD'], repo.run);
  const head = headOut.kind === 'ok' ? outputLines(headOut.stdout)[0] : undefined;
  const provenance = opts.provenance === false || !head ? new Map<string, FileProvenance>() : await readProvenance(repo, project);
  const provenanceHead = opts.provenance === false || !head ? undefined : head;
  const facts: ProjectGitFacts = {
    repo,
    head,
    onBase: new Set(),
    added: new Set(),
    shipped: new Map(),
    differing: new Set(),
    provenance,
    ...(provenanceHead ? { provenanceHead } : {}),
    key,
    readMs: 0,
  };
  const baseName = await resolveBaseRef(repo, opts.baseBranch).catch((e: unknown) => {
    if (e instanceof GitError) return undefined;
    throw e;
  });
  if (!baseName) {
    facts.baseProblem = opts.baseBranch
      ? `git knows no branch '${opts.baseBranch}' (alembic.git.baseBranch)`
      : 'no base branch: the remote has no default branch and there is no main or master';
  } else if (head) {
    const baseRev = await runGit(repo.root, ['rev-parse', '--verify', '--end-of-options', `${baseName}^{commit}`], repo.run);
    const baseCommit = baseRev.kind === 'ok' ? (outputLines(baseRev.stdout)[0] ?? '') : '';
    const atBase = await migrationsAtRef(repo, project, baseName);
    const graph = new RevisionGraph(atBase.map((m) => m.migration));
    facts.base = { name: baseName, commit: baseCommit, graph };
    for (const m of atBase) facts.onBase.add(m.migration.file);
    const forkPoint = await mergeBase(repo, 'HEAD', baseName).catch(() => undefined);
    if (forkPoint) facts.forkPoint = forkPoint;
    const inForkPoint = forkPoint ? await migrationPathsAtRef(repo, project, forkPoint) : facts.onBase;
    // Added on this branch: not in the fork point's tree, and not a revision the base has (a moved file).
    for (const m of files) if (!inForkPoint.has(m.file) && !graph.get(fileRevisionId(m) ?? '')) facts.added.add(m.file);

    for (const m of atBase) facts.shipped.set(m.migration.file, { where: baseName, text: decodeSource(m.bytes) });
    // A file moved or renamed on this branch is found by the revision id the base's file declares.
    const present = new Set(files.map((m) => m.file));
    const baseById = new Map(atBase.flatMap((m) => (fileRevisionId(m.migration) !== undefined ? [[fileRevisionId(m.migration)!, m] as const] : [])));
    for (const m of files) {
      const id = fileRevisionId(m);
      const was = id === undefined || facts.shipped.has(m.file) || inForkPoint.has(m.file) ? undefined : baseById.get(id);
      if (was && !present.has(was.migration.file)) {
        facts.shipped.set(m.file, { where: baseName, text: decodeSource(was.bytes) });
        facts.differing.add(m.file);
      }
    }
    const locations = versionLocationsInRepo(repo, project);
    for (const p of await differingFrom(
      repo,
      baseName,
      locations.map((l) => l.repoPath),
    )) {
      const at = migrationPathOf(locations, !!project.recursiveVersionLocations, p);
      if (at) facts.differing.add(at.file);
    }
  }
  // Not on the base branch: maybe in a release tag (one cat-file for every file and tag).
  const notShipped = files.filter((m) => !facts.shipped.has(m.file));
  const tags =
    head && notShipped.length && opts.releaseTags !== ''
      ? (await tagsMatching(repo, opts.releaseTags ?? DEFAULT_RELEASE_TAGS)).slice(0, RELEASE_TAGS_ASKED)
      : [];
  if (tags.length) {
    const byRepoPath = new Map(notShipped.flatMap((m) => (repoRelative(repo, m.file) !== undefined ? [[repoRelative(repo, m.file)!, m.file] as const] : [])));
    const found = await firstVersionIn(repo, tags, [...byRepoPath.keys()]);
    for (const [repoPath, v] of found) {
      const file = byRepoPath.get(repoPath)!;
      facts.shipped.set(file, { where: `tag ${v.ref.replace(/^refs\/tags\//, '')}`, text: decodeSource(v.bytes) });
      facts.differing.add(file); // compared by text: git's diff was against the base only
    }
  }
  facts.readMs = performance.now() - t0;
  return facts;
}

/** True when `ancestor` is an ancestor of (or equal to) `commit`. */
export async function isAncestor(repo: GitRepo, ancestor: string, commit: string): Promise<boolean> {
  const r = await runGit(repo.root, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, commit], repo.run);
  return r.kind === 'ok';
}

/**
 * Brings `facts.provenance` to `facts.head`: only the commits since the HEAD it was read at
 * when that is an ancestor (a commit, a pull), else the whole history (a checkout elsewhere).
 */
export async function updateProvenance(facts: ProjectGitFacts, project: AlembicProject): Promise<{ incremental: boolean }> {
  const head = facts.head;
  if (!head || facts.provenanceHead === head) return { incremental: true };
  const since = facts.provenanceHead && (await isAncestor(facts.repo, facts.provenanceHead, head)) ? facts.provenanceHead : undefined;
  const read = await readProvenance(facts.repo, project, since);
  facts.provenance = since ? new Map([...facts.provenance, ...read]) : read;
  facts.provenanceHead = head;
  return { incremental: !!since };
}
