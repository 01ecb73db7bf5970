/**
 * `alembic-migrations check --cache`: lint results kept between runs, one JSON file per
 * project, keyed by each file's path in the project and exact text (check.ts `lintKey`). A run reuses the
 * results of unchanged files and parses only the others. A cache written by another build is
 * ignored (the rules may have changed); so is an unreadable or corrupt one. The folder gets a
 * `.gitignore` of `*`, so it is never committed by accident.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from './types';
import type { LintCache } from './check';
import { readCacheFile, writeCacheFile } from './cacheFile';

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

/** The saved results for a project (empty when there are none usable). Never throws. */
export function loadLintCache(dir: string, build: string, projectKey: string): LintCache {
  const data = readCacheFile<CacheFile>(cacheFile(dir, projectKey), FORMAT, build);
  if (!data || data.project !== projectKey || !Array.isArray(data.entries)) return new Map();
  return new Map(data.entries.filter((e) => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1])));
}

/** Saves the entries in `keep` (this run's files). Throws on a write failure. */
export function saveLintCache(dir: string, build: string, projectKey: string, cache: LintCache, keep: Set<string>): void {
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# created by alembic-migrations check --cache\n*\n');
  const data: CacheFile = { format: FORMAT, build, project: projectKey, entries: [...cache].filter(([k]) => keep.has(k)) };
  writeCacheFile(cacheFile(dir, projectKey), data);
}
