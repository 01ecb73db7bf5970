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

const FORMAT = 2;

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

/** A version location as it was listed: its folder's stat, and its migrations' paths below it in load order. */
interface CachedLocation {
  /**
   * size, mtimeMs, ctimeMs, ino of the folder, taken before it was listed; null when the
   * listing must be taken again (recursive locations, a folder holding symbolic links).
   */
  stat: number[] | null;
  names: string[];
}

interface CacheFile {
  format: number;
  build: string;
  /** The project's layout: another layout never matches. */
  project: string;
  /** Per version location, in the project's order. */
  locations: CachedLocation[];
  /** sha1 of every config file's and migration's stat (size, mtimeMs, ctimeMs, ino), in that order. */
  digest: string;
  answers: Payload;
}

const STAT_FIELDS = 4;

function statOf(st: fs.Stats): number[] {
  return [st.size, st.mtimeMs, st.ctimeMs, st.ino];
}

/** A file's or folder's stat numbers now, or undefined. */
function statNow(file: string): number[] | undefined {
  try {
    return statOf(fs.statSync(file));
  } catch {
    return undefined;
  }
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

/** What listMigrationFiles puts before a name found directly in the location. */
function prefixOf(location: string): string {
  const norm = path.normalize(location);
  return norm.endsWith(path.sep) ? norm : norm + path.sep;
}

/** The digest of files' stat numbers (undefined entries make no digest: such a set is never cached or matched). */
function digestOf(stats: ReadonlyArray<readonly number[] | undefined>): string | undefined {
  const numbers = new Float64Array(stats.length * STAT_FIELDS);
  for (let i = 0; i < stats.length; i++) {
    const st = stats[i];
    if (!st || st.length !== STAT_FIELDS) return undefined;
    numbers.set(st, i * STAT_FIELDS);
  }
  return crypto.createHash('sha1').update(numbers).digest('hex');
}

const isStat = (v: unknown): v is number[] => Array.isArray(v) && v.length === STAT_FIELDS && v.every((n) => typeof n === 'number');
const sameStat = (a: readonly number[], b: readonly number[]): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];

/**
 * The migrations the cache was computed from, in load order, when they are still the
 * project's listing; else undefined. A location whose folder has the same stat as when it
 * was listed (no entry added, removed, renamed or replaced since: each changes the folder's
 * change time) is not listed again; any other is, and compared name by name.
 */
function cachedListing(project: AlembicProject, locations: CachedLocation[]): string[] | undefined {
  const cached: string[] = [];
  let listAgain = false;
  project.versionLocations.forEach((loc, i) => {
    const { stat, names } = locations[i];
    const now = stat && statNow(loc);
    if (!stat || !now || !sameStat(stat, now)) listAgain = true;
    const prefix = prefixOf(loc);
    for (const name of names) cached.push(prefix + name);
  });
  if (!listAgain) return cached;
  const listed = listMigrationFiles(project);
  if (listed.length !== cached.length) return undefined;
  for (let i = 0; i < listed.length; i++) if (listed[i].file !== cached[i]) return undefined;
  return cached;
}

/** The cached answers when the cache matches the files on disk now; else undefined. Never throws. */
function readValid(file: string, build: string, project: AlembicProject): Payload | undefined {
  const data = readCacheFile<CacheFile>(file, FORMAT, build);
  if (!data || data.project !== projectKey(project)) return undefined;
  const { locations, digest, answers } = data;
  if (!Array.isArray(locations) || locations.length !== project.versionLocations.length || typeof digest !== 'string') return undefined;
  for (const l of locations) {
    if (!l || typeof l !== 'object' || !(l.stat === null || isStat(l.stat)) || !Array.isArray(l.names) || !l.names.every((n) => typeof n === 'string'))
      return undefined;
  }
  if (!answers || typeof answers !== 'object' || Array.isArray(answers)) return undefined;
  const files = cachedListing(project, locations);
  if (!files) return undefined;
  const stats: Array<number[] | undefined> = configFiles(project).map(statNow);
  for (const f of files) {
    const st = statNow(f);
    if (!st) return undefined;
    stats.push(st);
  }
  return digestOf(stats) === digest ? answers : undefined;
}

/**
 * Each version location's folder stat, taken before the folder is listed (a change after it
 * leaves a newer stat on disk than the one recorded); null for a recursive location.
 */
function locationStats(project: AlembicProject): Array<number[] | null | undefined> {
  return project.versionLocations.map((loc) => (project.recursiveVersionLocations ? null : statNow(loc)));
}

/** Folders with a symbolic link in them are listed again every time: a link's target can turn into a folder unseen. */
function holdsLinks(dir: string): boolean {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).some((e) => e.isSymbolicLink());
  } catch {
    return true;
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
  const previous = readValid(file, build, project);
  const hit = previous && Object.hasOwn(previous, key) ? previous[key] : undefined;
  if (hit && Number.isInteger(hit.code) && valid(hit.value)) return { code: hit.code, value: hit.value };
  // Config files' stats are taken after the project was read from them: usable only when their
  // change times show no change since before this process started (`settled` below).
  const configStats = configFiles(project).map(statNow);
  const folderStats = locationStats(project);
  const index = ProjectIndex.load(project, { signatures: true });
  const answer = compute(index);
  // Stats as the files were read (a file changed while it was read is recorded as changed).
  const migrations = index.migrationFiles();
  const stats = [...configStats, ...migrations.map((m) => parseSignature(m.signature))];
  const digest = digestOf(stats);
  // Migrations by location, as paths below it (listMigrationFiles lists location by location).
  const locations: CachedLocation[] = project.versionLocations.map(() => ({ stat: null, names: [] }));
  let k = 0;
  for (const m of migrations) {
    while (k < locations.length && m.versionLocation !== project.versionLocations[k]) k++;
    const prefix = k < locations.length ? prefixOf(project.versionLocations[k]) : '';
    if (k === locations.length || !m.file.startsWith(prefix)) return answer; // not listMigrationFiles' order: not cached
    locations[k].names.push(m.file.slice(prefix.length));
  }
  project.versionLocations.forEach((loc, i) => {
    const st = folderStats[i];
    locations[i].stat = st && !holdsLinks(loc) ? st : null;
  });
  // Saved only when every file was read as it is now and none (nor a location's folder)
  // changed within a second before this run started (a write in the same clock tick could
  // otherwise keep its stat).
  const before = performance.timeOrigin - 1000;
  const settled = stats.every((x) => x && x[2] < before) && locations.every((l) => !l.stat || l.stat[2] < before);
  if (digest && settled) {
    const data: CacheFile = { format: FORMAT, build, project: projectKey(project), locations, digest, answers: { ...(previous ?? {}), [key]: answer } };
    try {
      writeCacheFile(file, data);
    } catch {
      // A read-only or refused cache folder: the answer stands, uncached.
    }
  }
  return answer;
}
