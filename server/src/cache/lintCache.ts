/**
 * `alembic-migrations check --cache`: lint results kept between runs, one JSON file per
 * project, keyed by each file's path in the project and exact text (`lintKey` below). A run reuses the
 * results of unchanged files and parses only the others. A cache written by another build is
 * ignored (the rules may have changed); so is an unreadable or corrupt one. The folder gets a
 * `.gitignore` of `*`, so it is never committed by accident.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Problem, Range, RelatedLocation } from '../alembic/types';
import { ensureCacheFolder, readCacheFile, writeCacheFile } from './cacheFile';

/**
 * Raw lint problems of files already linted, by `lintKey` (a cache kept between runs). Paths
 * in them are relative to the project's folder, so a checkout elsewhere still finds them.
 */
export type LintCache = Map<string, Problem[]>;

/**
 * What lint results depend on: the file's path in the project (problems name it) and its
 * exact text. The rules look at nothing else, and configuration is applied after (so it is
 * not part of it).
 */
export function lintKey(relativePath: string, text: string, customRules = ''): string {
  const h = crypto.createHash('sha1').update(relativePath).update('\u0000').update(text);
  // The project's team-defined rules change what the lint finds: a different set, a different key.
  if (customRules) h.update('\u0000').update(customRules);
  return h.digest('base64');
}

const FORMAT = 1;

interface CacheFile {
  format: number;
  build: string;
  project: string;
  entries: Array<[string, Problem[]]>;
}

/**
 * One file per project, named by `projectKey`: the caller passes the config file's path
 * relative to where it runs, so a checkout at another place finds the same file.
 */
function cacheFile(dir: string, projectKey: string): string {
  return path.join(dir, `check-${crypto.createHash('sha1').update(projectKey).digest('hex').slice(0, 16)}.json`);
}

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint']);

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isRange(v: unknown): v is Range {
  const r = v as Range | null;
  return (
    !!r &&
    typeof r === 'object' &&
    !!r.start &&
    !!r.end &&
    isCount(r.start.line) &&
    isCount(r.start.character) &&
    isCount(r.end.line) &&
    isCount(r.end.character)
  );
}

/** A cached problem rebuilt from its known fields, or undefined when any of them is malformed. */
function validProblem(v: unknown): Problem | undefined {
  const p = v as Problem | null;
  if (
    !p ||
    typeof p !== 'object' ||
    typeof p.ruleId !== 'string' ||
    typeof p.message !== 'string' ||
    typeof p.file !== 'string' ||
    !SEVERITIES.has(p.severity) ||
    !isRange(p.range)
  )
    return undefined;
  const out: Problem = { ruleId: p.ruleId, severity: p.severity, message: p.message, file: p.file, range: p.range };
  if (p.related !== undefined) {
    if (!Array.isArray(p.related)) return undefined;
    const related: RelatedLocation[] = [];
    for (const r of p.related as unknown[]) {
      const x = r as RelatedLocation | null;
      if (!x || typeof x !== 'object' || typeof x.file !== 'string' || typeof x.message !== 'string' || !isRange(x.range)) return undefined;
      related.push({ file: x.file, range: x.range, message: x.message });
    }
    out.related = related;
  }
  return out;
}

/** Only entries of the right shape: a key and a list of well-formed problems (one bad problem drops its entry). */
function validEntries(entries: unknown[]): Array<[string, Problem[]]> {
  const out: Array<[string, Problem[]]> = [];
  for (const e of entries) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !Array.isArray(e[1])) continue;
    const problems = (e[1] as unknown[]).map(validProblem);
    if (problems.every((p): p is Problem => p !== undefined)) out.push([e[0], problems]);
  }
  return out;
}

/** Whether git tracks a file: a committed cache came with the repository, so it is not ours. */
export type CacheTrust = { trusted: true } | { trusted: false; reason: string };

/**
 * Asks git whether it tracks `file` (argv, no shell, cwd the file's folder, with a timeout).
 * Not a repository, or no git at all: not tracked. Tracked, or an answer git cannot give
 * (a timeout, a bare repository, a refused one): not trusted, with the reason.
 */
export function cacheFileTrust(file: string, timeoutMs = 10_000): CacheTrust {
  const r = spawnSync('git', ['-c', 'core.fsmonitor=false', 'ls-files', '--error-unmatch', '--', path.basename(file)], {
    cwd: path.dirname(file),
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
  });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') return { trusted: true };
    return { trusted: false, reason: `git could not say whether it tracks it (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  }
  if (r.status === 1) return { trusted: true };
  if (r.status === 0) return { trusted: false, reason: 'git tracks it, so it came with the repository' };
  if (/not a git repository/i.test(r.stderr)) return { trusted: true };
  return { trusted: false, reason: `git could not say whether it tracks it (${r.stderr.trim().split('\n')[0] || `exit ${r.status}`})` };
}

/**
 * The saved results for a project (empty when there are none usable). Never throws. A
 * cache file git tracks is not used (a committed cache could hide problems): `note` then
 * gets one line saying so.
 */
export function loadLintCache(dir: string, build: string, projectKey: string, note?: (message: string) => void): LintCache {
  const file = cacheFile(dir, projectKey);
  const data = readCacheFile<CacheFile>(file, FORMAT, build);
  if (!data || data.project !== projectKey || !Array.isArray(data.entries)) return new Map();
  const trust = cacheFileTrust(file);
  if (!trust.trusted) {
    note?.(`ignoring the cache file ${file}: ${trust.reason}`);
    return new Map();
  }
  return new Map(validEntries(data.entries));
}

/** Saves the entries in `keep` (this run's files). Throws on a write failure, or when the folder or file is a symlink. */
export function saveLintCache(dir: string, build: string, projectKey: string, cache: LintCache, keep: Set<string>): void {
  ensureCacheFolder(dir);
  const ignore = path.join(dir, '.gitignore');
  try {
    // wx: never written through a planted link, never over a file that is there.
    fs.writeFileSync(ignore, '# created by alembic-migrations check --cache\n*\n', { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const data: CacheFile = { format: FORMAT, build, project: projectKey, entries: [...cache].filter(([k]) => keep.has(k)) };
  writeCacheFile(cacheFile(dir, projectKey), data);
}
