/**
 * What the product asks of a git repository, one batched process per question (never one per
 * file): the root, the base branch, a merge base, the migrations at a ref (one `ls-tree` and
 * one `cat-file --batch`), what changed since a ref, and where a revision id is declared on
 * any branch or reflog entry. Used by the CLI and, later, the language server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGit, type GitResult, type GitRunOptions } from './gitRunner';
import {
  outputLines,
  parseCatFileBatch,
  parseGrepFiles,
  parseLsTree,
  parseNameStatus,
  parsePorcelainStatus,
  revisionLinePattern,
  splitZ,
  type TreeEntry,
} from './gitParse';

/** A repository found from a folder inside it. */
export interface GitRepo {
  /** The work tree's top folder, as git prints it (symlinks resolved). */
  root: string;
  /** Options for every run (the git executable, a timeout). */
  run?: Omit<GitRunOptions, 'input'>;
}

/** Why git cannot answer: it is not installed, or the folder is in no repository. */
export interface GitUnavailable {
  kind: 'no-git' | 'not-a-repository';
  message: string;
}

/**
 * An unexpected git failure (bad object, corrupt repository, timeout, git gone since the repository
 * was opened), or a run the caller cancelled (`result.kind === 'cancelled'`): caught at the boundary.
 */
export class GitError extends Error {
  constructor(
    message: string,
    readonly result: Exclude<GitResult, { kind: 'ok' }>,
  ) {
    super(message);
  }
}

function gitError(command: string, r: Exclude<GitResult, { kind: 'ok' }>): GitError {
  switch (r.kind) {
    case 'no-git':
      return new GitError(r.message, r);
    case 'cancelled':
      return new GitError(`git ${command} was cancelled`, r);
    case 'failed':
      return new GitError(`git ${command} failed${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim() || `exit code ${r.code}`}`, r);
  }
}

async function git(repo: GitRepo, args: string[], input?: string): Promise<Buffer> {
  const r = await runGit(repo.root, args, { ...repo.run, ...(input !== undefined ? { input } : {}) });
  if (r.kind === 'ok') return r.stdout;
  throw gitError(args[0], r);
}

/** The repository `dir` is in, or why there is none. */
export async function openRepo(dir: string, run?: GitRepo['run']): Promise<{ kind: 'repo'; repo: GitRepo } | GitUnavailable> {
  const r = await runGit(dir, ['rev-parse', '--show-toplevel'], run);
  if (r.kind === 'no-git') return { kind: 'no-git', message: r.message };
  if (r.kind === 'cancelled') throw gitError('rev-parse', r);
  if (r.kind === 'failed') return { kind: 'not-a-repository', message: `${dir} is not inside a git work tree` };
  const root = outputLines(r.stdout)[0];
  if (!root) return { kind: 'not-a-repository', message: `${dir} is not inside a git work tree` };
  return { kind: 'repo', repo: { root, ...(run ? { run } : {}) } };
}

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * A project folder as git names it: the path relative to the repository root with `/`
 * separators (`.` for the root), or undefined when it lies outside the repository.
 */
export function repoRelative(repo: GitRepo, absolute: string): string | undefined {
  const rel = path.relative(realpathOrSelf(repo.root), realpathOrSelf(absolute));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

/** The absolute path of a path git printed (relative to the root). */
export function repoAbsolute(repo: GitRepo, repoPath: string): string {
  return path.join(repo.root, ...repoPath.split('/'));
}

/** True when `ref` names a commit. */
export async function refExists(repo: GitRepo, ref: string): Promise<boolean> {
  const r = await runGit(repo.root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], repo.run);
  return r.kind === 'ok';
}

/**
 * The base branch: `explicit` when given (undefined if git does not know it); else the remote's
 * default branch (`refs/remotes/origin/HEAD`, e.g. `origin/main`), else `main`, else `master`.
 */
export async function resolveBaseRef(repo: GitRepo, explicit?: string): Promise<string | undefined> {
  if (explicit !== undefined) return (await refExists(repo, explicit)) ? explicit : undefined;
  const remote = await runGit(repo.root, ['symbolic-ref', '-q', '--short', 'refs/remotes/origin/HEAD'], repo.run);
  if (remote.kind === 'ok') {
    const name = outputLines(remote.stdout)[0];
    if (name && (await refExists(repo, name))) return name;
  }
  const local = await git(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/main', 'refs/heads/master']);
  const names = outputLines(local);
  return names.includes('main') ? 'main' : names.includes('master') ? 'master' : undefined;
}

/** The best common ancestor of two commits, or undefined when they share no history. */
export async function mergeBase(repo: GitRepo, a: string, b: string): Promise<string | undefined> {
  const r = await runGit(repo.root, ['merge-base', '--end-of-options', a, b], repo.run);
  if (r.kind === 'ok') return outputLines(r.stdout)[0];
  if (r.kind === 'failed' && r.code === 1) return undefined;
  throw gitError('merge-base', r);
}

/** Every blob under `paths` (repo-relative) at `ref`: one `git ls-tree -r -z`. */
export async function treeAtRef(repo: GitRepo, ref: string, paths: readonly string[]): Promise<TreeEntry[]> {
  if (paths.length === 0) return [];
  const out = await git(repo, ['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', ref, '--', ...paths]);
  return parseLsTree(out).filter((e) => e.type === 'blob' && e.mode !== '120000');
}

/** The contents of blobs by object id: one `git cat-file --batch` for all of them. */
export async function readBlobs(repo: GitRepo, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(oids)];
  const found = new Map<string, Buffer>();
  if (unique.length === 0) return found;
  const out = await git(repo, ['cat-file', '--batch'], unique.join('\n') + '\n');
  for (const o of parseCatFileBatch(out)) if (o.kind === 'found') found.set(o.oid, o.content);
  return found;
}

/** One file read from a ref. */
export interface FileAtRef {
  /** Repo-relative, `/`-separated. */
  path: string;
  oid: string;
  bytes: Buffer;
}

/**
 * The files under `paths` at `ref` that `keep` accepts (by repo path), with their bytes: one
 * `ls-tree` plus one `cat-file --batch`, whatever the number of files.
 */
export async function filesAtRef(repo: GitRepo, ref: string, paths: readonly string[], keep: (repoPath: string) => boolean = () => true): Promise<FileAtRef[]> {
  const entries = (await treeAtRef(repo, ref, paths)).filter((e) => keep(e.path));
  const blobs = await readBlobs(
    repo,
    entries.map((e) => e.oid),
  );
  return entries.flatMap((e) => {
    const bytes = blobs.get(e.oid);
    return bytes ? [{ path: e.path, oid: e.oid, bytes }] : [];
  });
}

/**
 * `path` as it is in each of `refs` (one `cat-file --batch` for every pair): the first ref that
 * has it wins. Paths with a newline cannot be asked this way and are skipped.
 */
export async function firstVersionIn(repo: GitRepo, refs: readonly string[], paths: readonly string[]): Promise<Map<string, { ref: string; bytes: Buffer }>> {
  const asked = paths.filter((p) => !p.includes('\n')).flatMap((p) => refs.map((ref) => ({ ref, path: p })));
  const result = new Map<string, { ref: string; bytes: Buffer }>();
  if (asked.length === 0) return result;
  const out = await git(repo, ['cat-file', '--batch'], asked.map((a) => `${a.ref}:${a.path}`).join('\n') + '\n');
  parseCatFileBatch(out).forEach((o, i) => {
    const a = asked[i];
    if (a && o.kind === 'found' && o.type === 'blob' && !result.has(a.path)) result.set(a.path, { ref: a.ref, bytes: o.content });
  });
  return result;
}

/** Tags matching `pattern` (e.g. `v*`), newest first by their date. */
export async function tagsMatching(repo: GitRepo, pattern: string): Promise<string[]> {
  const out = await git(repo, ['for-each-ref', '--sort=-creatordate', '--format=%(refname)', `refs/tags/${pattern}`]);
  return outputLines(out);
}

/**
 * Files under `paths` added or modified since `ref`: committed on this branch
 * (`git diff --name-status -z <ref>...HEAD`) or not committed yet (`git status --porcelain -z`,
 * untracked files included). Deleted files are left out. Repo-relative paths.
 */
export async function changedSince(repo: GitRepo, ref: string, paths: readonly string[]): Promise<Set<string>> {
  const changed = new Set<string>();
  if (paths.length === 0) return changed;
  const committed = await git(repo, ['diff', '--name-status', '-z', '--no-renames', '--no-ext-diff', `${ref}...HEAD`, '--', ...paths]);
  for (const c of parseNameStatus(committed)) if (c.status !== 'D') changed.add(c.path);
  const status = await git(repo, ['status', '--porcelain', '-z', '--untracked-files=all', '--no-renames', '--', ...paths]);
  for (const e of parsePorcelainStatus(status)) {
    if (e.x === 'D' || e.y === 'D') changed.delete(e.path);
    else changed.add(e.path);
  }
  return changed;
}

/**
 * Tracked files under `paths` whose working-tree content differs from `ref` (`git diff
 * --name-only -z <ref>`: staged or not; deleted files included). Repo-relative paths.
 */
export async function differingFrom(repo: GitRepo, ref: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const out = await git(repo, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', ref, '--', ...paths]);
  return new Set(splitZ(out));
}

/** A place git has a file declaring a revision. */
export interface RevisionLocation {
  /** Repo-relative path of the file. */
  path: string;
  /** The commit the file was found in. */
  commit: string;
  /** The branch, remote-tracking branch or reflog entry (`HEAD@{3}`) that reaches the commit. */
  ref: string;
}

/** How many reflog entries locateRevision reads, and how many revisions go to one `git grep`. */
const REFLOG_LIMIT = 200;
const GREP_BATCH = 64;

/**
 * Where git has a `*.py` file declaring `revision = '<id>'`: every local branch, every
 * remote-tracking branch, then reflog entries no branch reaches (first hit per path).
 */
export async function locateRevision(repo: GitRepo, revisionId: string): Promise<RevisionLocation[]> {
  const refsOut = await git(repo, ['for-each-ref', '--format=%(objectname) %(refname:short) %(symref)', 'refs/heads', 'refs/remotes']);
  const refs: Array<{ commit: string; ref: string }> = [];
  for (const line of outputLines(refsOut)) {
    const [commit, ref, symref] = line.split(' ');
    if (commit && ref && !symref) refs.push({ commit, ref });
  }
  const reflog: Array<{ commit: string; ref: string }> = [];
  const log = await runGit(repo.root, ['log', '-g', `-n${REFLOG_LIMIT}`, '--format=%H %gd', 'HEAD'], repo.run);
  if (log.kind === 'ok') {
    const known = new Set(refs.map((r) => r.commit));
    for (const line of outputLines(log.stdout)) {
      const [commit, ref] = line.split(' ');
      if (commit && ref && !known.has(commit)) {
        known.add(commit);
        reflog.push({ commit, ref });
      }
    }
  }
  const commits = [...new Set([...refs, ...reflog].map((r) => r.commit))];
  const pathsByCommit = new Map<string, string[]>();
  for (let i = 0; i < commits.length; i += GREP_BATCH) {
    const batch = commits.slice(i, i + GREP_BATCH);
    const r = await runGit(repo.root, ['grep', '-z', '-l', '-I', '-E', '-e', revisionLinePattern(revisionId), ...batch, '--', '*.py'], repo.run);
    if (r.kind === 'failed' && r.code === 1) continue; // no match in this batch
    if (r.kind !== 'ok') throw gitError('grep', r);
    for (const hit of parseGrepFiles(r.stdout)) (pathsByCommit.get(hit.rev) ?? pathsByCommit.set(hit.rev, []).get(hit.rev)!).push(hit.path);
  }
  const rows: RevisionLocation[] = [];
  const onBranches = new Set<string>();
  for (const r of refs)
    for (const p of pathsByCommit.get(r.commit) ?? []) {
      rows.push({ path: p, commit: r.commit, ref: r.ref });
      onBranches.add(p);
    }
  for (const r of reflog)
    for (const p of pathsByCommit.get(r.commit) ?? []) {
      if (onBranches.has(p)) continue;
      onBranches.add(p);
      rows.push({ path: p, commit: r.commit, ref: r.ref });
    }
  return rows;
}
