/**
 * The CLI's persisted answers for `heads`, `history` and `graph --json`: what a command printed
 * for a project, kept in the user's cache folder ($XDG_CACHE_HOME/alembic-migrations, else
 * ~/.cache/alembic-migrations) with the signatures of the files it was computed from (the
 * config files and every migration, in load order: graphSnapshot.ts, as the language server's
 * snapshots). An unchanged project answers without reading a migration; any change (an edit,
 * a new or removed file, another build of the CLI, another layout) makes the answer unusable
 * and the command computes it again. The cache is written atomically and never through a
 * symlink (cacheFile.ts); a corrupt, foreign or unreadable cache is ignored, and a cache that
 * cannot be written costs nothing but the speed-up.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listMigrationFiles } from '../alembic/discovery';
import type { AlembicProject } from '../alembic/project';
import { ProjectIndex } from '../alembic/projectIndex';
import { readCacheFile, writeCacheFile } from '../cache/cacheFile';

const FORMAT = 1;

/** The user's cache folder for the CLI, or undefined when neither XDG_CACHE_HOME nor HOME is an absolute path. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'alembic-migrations', 'cli');
  const home = env.HOME || os.homedir();
  return home && path.isAbsolute(home) ? path.join(home, '.cache', 'alembic-migrations', 'cli') : undefined;
}

/** One command's answer for one project: its exit code and what it printed. */
export interface Answer<T> {
  code: number;
  value: T;
}

type Payload = Record<string, Answer<unknown>>;

interface CacheFile {
  format: number;
  build: string;
  /** The project's layout: another layout never matches. */
  project: string;
  /** Config files, then migrations in load order. */
  files: string[];
  /** Per file: size, mtimeMs, ctimeMs, ino (graphSnapshot.ts's signature, as numbers: compared without formatting). */
  stats: number[];
  answers: Payload;
}

const STAT_FIELDS = 4;

function statOf(st: fs.Stats): number[] {
  return [st.size, st.mtimeMs, st.ctimeMs, st.ino];
}

function projectKey(project: AlembicProject): string {
  return JSON.stringify([project.id, project.versionLocations, project.recursiveVersionLocations]);
}

function cacheFileOf(cacheDir: string, project: AlembicProject): string {
  return path.join(cacheDir, `${crypto.createHash('sha1').update(project.id).digest('hex').slice(0, 20)}.json`);
}

/** The config files a project was read from (their changes can change every answer). */
function configFiles(project: AlembicProject): string[] {
  return [...new Set([project.configFile, project.iniFile, project.pyprojectFile].filter((f): f is string => !!f))];
}

/** The cached answers when the cache matches the files on disk now; else undefined. Never throws. */
function readValid(file: string, build: string, project: AlembicProject, files: readonly string[]): Payload | undefined {
  const data = readCacheFile<CacheFile>(file, FORMAT, build);
  if (!data || data.project !== projectKey(project)) return undefined;
  const { files: cached, stats, answers } = data;
  if (!Array.isArray(cached) || !Array.isArray(stats) || cached.length !== files.length || stats.length !== files.length * STAT_FIELDS) return undefined;
  if (!answers || typeof answers !== 'object' || Array.isArray(answers)) return undefined;
  for (let i = 0; i < files.length; i++) if (cached[i] !== files[i]) return undefined;
  for (let i = 0; i < files.length; i++) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(files[i]);
    } catch {
      return undefined;
    }
    const k = i * STAT_FIELDS;
    if (st.size !== stats[k] || st.mtimeMs !== stats[k + 1] || st.ctimeMs !== stats[k + 2] || st.ino !== stats[k + 3]) return undefined;
  }
  return answers;
}

/**
 * A config file's stat, taken after the project was read from it: usable only when its
 * change time shows it has not changed since before this process started (checked below).
 */
function stableStat(file: string): number[] | undefined {
  try {
    return statOf(fs.statSync(file));
  } catch {
    return undefined;
  }
}

/** The numbers of graphSnapshot.ts's signature string (`size:mtimeMs:ctimeMs:ino`). */
function parseSignature(sig: string | undefined): number[] | undefined {
  const parts = sig?.split(':').map(Number);
  return parts && parts.length === STAT_FIELDS && parts.every((n) => Number.isFinite(n)) ? parts : undefined;
}

/**
 * The answer `key` of a project: from the cache when every file it was computed from is
 * unchanged, else computed by `compute` on a fresh index (files signed as they are read) and
 * saved. `build` names the CLI build (a cache of another build is never used); `valid` checks
 * the shape of a cached value (a cache file is outside input).
 */
export function cachedAnswer<T>(
  cacheDir: string | undefined,
  build: string,
  project: AlembicProject,
  key: string,
  valid: (v: unknown) => v is T,
  compute: (index: ProjectIndex) => Answer<T>,
): Answer<T> {
  if (!cacheDir) return compute(ProjectIndex.load(project));
  const file = cacheFileOf(cacheDir, project);
  const configs = configFiles(project);
  const files = [...configs, ...listMigrationFiles(project).map((f) => f.file)];
  const previous = readValid(file, build, project, files);
  const hit = previous && Object.hasOwn(previous, key) ? previous[key] : undefined;
  if (hit && Number.isInteger(hit.code) && valid(hit.value)) return { code: hit.code, value: hit.value };
  const configStats = configs.map(stableStat);
  const index = ProjectIndex.load(project, { signatures: true });
  const answer = compute(index);
  // Stats as the files were read (a file changed while it was read is recorded as changed).
  const migrations = index.migrationFiles();
  const stats = [...configStats, ...migrations.map((m) => parseSignature(m.signature))];
  const read = [...configs, ...migrations.map((m) => m.file)];
  // Saved only when every file was read as it is now and none changed within a second before
  // this run started (a write in the same clock tick could otherwise keep its signature).
  const settled = stats.every((x) => x && x[2] < performance.timeOrigin - 1000);
  if (settled && read.length === files.length && read.every((f, i) => f === files[i])) {
    const data: CacheFile = {
      format: FORMAT,
      build,
      project: projectKey(project),
      files,
      stats: stats.flatMap((x) => x!),
      answers: { ...(previous ?? {}), [key]: answer },
    };
    try {
      writeCacheFile(file, data);
    } catch {
      // A read-only or refused cache folder: the answer stands, uncached.
    }
  }
  return answer;
}
