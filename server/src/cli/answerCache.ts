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
 *
 * One file per project: a first line saying the format and the header's length in bytes, the
 * header line (JSON: the build, the project's layout, each version location's listing, every
 * file's stat numbers, the answers' keys and byte lengths), then one line per answer (JSON;
 * JSON.stringify writes no raw line break). A cached answer costs the
 * header's read and parse, a stat per file and its own line: never the other answers (a
 * 5,000-revision history is 0.4 MB, its graph 2 MB), never a hash (node:crypto alone takes
 * ~7 ms to load).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listMigrationFiles } from '../alembic/discovery';
import type { AlembicProject } from '../alembic/project';
import type { ProjectIndex } from '../alembic/projectIndex';
import { readCacheBytes, readCacheParts, writeCacheText } from '../cache/cacheFile';
import { readRange } from '../shared/regularFile';
import { sameStatNumbers, statNumbers } from '../shared/fastStat';

const FORMAT = 3;

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

/** A version location as it was listed: its folder's stat, and its migrations' paths below it in load order. */
interface CachedLocation {
  /**
   * size, mtimeMs, ctimeMs, ino of the folder, taken before it was listed; null when the
   * listing must be taken again (recursive locations, a folder holding symbolic links).
   */
  stat: number[] | null;
  names: string[];
}

/** The cache file's first line. */
interface Header {
  format: number;
  build: string;
  /** The project's layout: another layout never matches. */
  project: string;
  /** Per version location, in the project's order. */
  locations: CachedLocation[];
  /** size, mtimeMs, ctimeMs, ino of every config file, then of every migration in load order. */
  stats: number[];
  /** The answers' keys, in the order of the lines after the header. */
  keys: string[];
  /** The answers' lines' lengths in bytes (without their line break), in the same order. */
  lengths: number[];
}

const STAT_FIELDS = 4;
const NEWLINE = 0x0a;

/** A file's or folder's stat numbers now, or undefined. */
function statNow(file: string): number[] | undefined {
  const st = statNumbers(file);
  return st && [...st];
}

function projectKey(project: AlembicProject): string {
  return JSON.stringify([project.id, project.versionLocations, project.recursiveVersionLocations]);
}

/** A 53-bit string hash (cyrb53) in hex: a file name, not a secret (the header names the project it holds). */
function hash53(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

function cacheFileOf(cacheDir: string, project: AlembicProject): string {
  return path.join(cacheDir, `${hash53(project.id)}.answers`);
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

const isStat = (v: unknown): v is number[] => Array.isArray(v) && v.length === STAT_FIELDS && v.every((n) => typeof n === 'number');
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((n) => typeof n === 'string');

/** The header's shape (a cache file is outside input); the names and stats are checked as they are used. */
function isHeader(v: unknown, project: AlembicProject): v is Header {
  if (!v || typeof v !== 'object') return false;
  const h = v as Partial<Header>;
  return (
    Array.isArray(h.locations) &&
    h.locations.length === project.versionLocations.length &&
    h.locations.every(
      (l: unknown) =>
        !!l &&
        typeof l === 'object' &&
        ((l as CachedLocation).stat === null || isStat((l as CachedLocation).stat)) &&
        Array.isArray((l as CachedLocation).names),
    ) &&
    Array.isArray(h.stats) &&
    isStringList(h.keys) &&
    Array.isArray(h.lengths) &&
    h.lengths.length === h.keys.length &&
    h.lengths.every((n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0)
  );
}

/** The first line: the format, and the header's length in bytes (read no more than it). */
interface Preamble {
  format: number;
  header: number;
}

/** The first line is read from this many bytes at most. */
const PREAMBLE_BYTES = 256;

/**
 * The cache file's header when it is this build's, for this project's layout, and the line of
 * answer `key` when it has one (read on its own: the other answers are not); else undefined.
 * Never throws.
 */
function readHeader(file: string, build: string, project: AlembicProject, key: string): { header: Header; line?: string } | undefined {
  return readCacheParts(file, (fd, size) => {
    const first = readRange(fd, 0, Math.min(size, PREAMBLE_BYTES));
    const start = first.indexOf(NEWLINE) + 1;
    if (start === 0) return undefined;
    const pre = JSON.parse(first.toString('utf8', 0, start - 1)) as Partial<Preamble> | null;
    if (!pre || pre.format !== FORMAT || !Number.isSafeInteger(pre.header) || (pre.header as number) < 0) return undefined;
    const end = start + (pre.header as number);
    if (end >= size) return undefined;
    const bytes = readRange(fd, start, end + 1 - start);
    if (bytes.length !== end + 1 - start || bytes[bytes.length - 1] !== NEWLINE) return undefined;
    const header: unknown = JSON.parse(bytes.toString('utf8', 0, bytes.length - 1));
    if (!isHeader(header, project) || header.format !== FORMAT || header.build !== build || header.project !== projectKey(project)) return undefined;
    const i = header.keys.indexOf(key);
    if (i < 0) return { header };
    let at = end + 1;
    for (let j = 0; j < i; j++) at += header.lengths[j] + 1;
    const length = header.lengths[i];
    const line = readRange(fd, at, length);
    return line.length === length ? { header, line: line.toString('utf8') } : { header };
  });
}

/** Whether every version location still lists exactly the cached names, in order. */
function sameListing(project: AlembicProject, locations: CachedLocation[]): boolean {
  const listed = listMigrationFiles(project);
  let k = 0;
  for (let i = 0; i < locations.length; i++) {
    const prefix = prefixOf(project.versionLocations[i]);
    const names = locations[i].names;
    for (let j = 0; j < names.length; j++, k++) if (k >= listed.length || listed[k].file !== prefix + names[j]) return false;
  }
  return k === listed.length;
}

/**
 * Whether the files the header was written from are the project's files now, unchanged. A
 * location whose folder has the same stat as when it was listed (no entry added, removed,
 * renamed or replaced since: each changes the folder's change time) is not listed again; when
 * any other is, the listing is compared name by name. Stops at the first difference.
 */
function unchanged(project: AlembicProject, header: Header): boolean {
  const { locations, stats } = header;
  const configs = configFiles(project);
  let files = configs.length;
  for (let i = 0; i < locations.length; i++) files += locations[i].names.length;
  if (stats.length !== files * STAT_FIELDS) return false;
  let k = 0;
  for (let i = 0; i < configs.length; i++, k += STAT_FIELDS) if (!sameStatNumbers(configs[i], stats, k)) return false;
  const folders = project.versionLocations;
  let listAgain = false;
  for (let i = 0; i < folders.length && !listAgain; i++) {
    const stat = locations[i].stat;
    listAgain = !stat || !sameStatNumbers(folders[i], stat, 0);
  }
  if (listAgain && !sameListing(project, locations)) return false;
  for (let i = 0; i < folders.length; i++) {
    const names = locations[i].names;
    if (!sameStatsIn(prefixOf(folders[i]), names, stats, k)) return false;
    k += names.length * STAT_FIELDS;
  }
  return true;
}

/**
 * Whether each of `names` (paths below the folder `prefix`, of a recursive location too) has
 * the stat numbers at `stats[k…]`.
 * Stat'ed by name from inside the folder, the working folder restored after: the kernel then
 * walks the folder's path once instead of once per file (~4 ms of 5,000 stats), and no path is
 * built per file. Where the folder cannot be entered, by full path (the same files).
 */
function sameStatsIn(prefix: string, names: unknown[], stats: number[], k: number): boolean {
  let back: string | undefined;
  try {
    const cwd = process.cwd();
    process.chdir(prefix);
    back = cwd;
  } catch {
    back = undefined;
  }
  const base = back === undefined ? prefix : '';
  try {
    for (let j = 0; j < names.length; j++, k += STAT_FIELDS) {
      const name = names[j];
      if (typeof name !== 'string' || !sameStatNumbers(base + name, stats, k)) return false;
    }
    return true;
  } finally {
    if (back !== undefined) process.chdir(back);
  }
}

/**
 * The answers' lines of the cache file as it is now, when it is this build's, for this
 * project, and its header has these `stats` (the answers were computed from the files just
 * read); else undefined.
 */
function linesFor(file: string, build: string, project: AlembicProject, stats: readonly number[]): { keys: string[]; lines: string[] } | undefined {
  const bytes = readCacheBytes(file);
  const start = bytes ? bytes.indexOf(NEWLINE) + 1 : 0;
  const end = bytes && start > 0 ? bytes.indexOf(NEWLINE, start) : -1;
  if (!bytes || end < 0) return undefined;
  try {
    const header = JSON.parse(bytes.toString('utf8', start, end)) as Partial<Header>;
    if (header.build !== build || header.project !== projectKey(project)) return undefined;
    if (!Array.isArray(header.stats) || !sameNumbers(header.stats, stats) || !isStringList(header.keys)) return undefined;
    const body = bytes.toString('utf8', end + 1);
    const lines = body === '' ? [] : (body.endsWith('\n') ? body.slice(0, -1) : body).split('\n');
    return lines.length === header.keys.length ? { keys: header.keys, lines } : undefined;
  } catch {
    return undefined;
  }
}

function parseAnswer<T>(line: string | undefined, valid: (v: unknown) => v is T): Answer<T> | undefined {
  if (line === undefined) return undefined;
  try {
    const a = JSON.parse(line) as Partial<Answer<unknown>> | null;
    return a && typeof a === 'object' && Number.isInteger(a.code) && valid(a.value) ? { code: a.code as number, value: a.value } : undefined;
  } catch {
    return undefined;
  }
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

const sameNumbers = (a: readonly unknown[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The answer `key` of a project: from the cache when every file it was computed from is
 * unchanged, else computed by `compute` on a fresh index (files signed as they are read) and
 * saved. `build` names the CLI build (a cache of another build is never used); `valid` checks
 * the shape of a cached value (a cache file is outside input); `load` indexes the project
 * (readAnswers.ts: loaded only on a miss), with each file's stat as read when `signatures`.
 */
export function cachedAnswer<T>(
  cacheDir: string | undefined,
  build: string,
  project: AlembicProject,
  key: string,
  valid: (v: unknown) => v is T,
  load: (project: AlembicProject, signatures: boolean) => ProjectIndex,
  compute: (index: ProjectIndex) => Answer<T>,
): Answer<T> {
  if (!cacheDir) return compute(load(project, false));
  const file = cacheFileOf(cacheDir, project);
  const read = readHeader(file, build, project, key);
  const current = read && unchanged(project, read.header) ? read : undefined;
  const hit = current && parseAnswer(current.line, valid);
  if (hit) return hit;
  // Config files' stats are taken after the project was read from them: usable only when their
  // change times show no change since before this process started (`settled` below).
  const configStats = configFiles(project).map(statNow);
  const folderStats = locationStats(project);
  const index = load(project, true);
  const answer = compute(index);
  // Stats as the files were read (a file changed while it was read is recorded as changed).
  const migrations = index.migrationFiles();
  const stats: number[] = [];
  for (const st of [...configStats, ...migrations.map((m) => parseSignature(m.signature))]) {
    if (!st) return answer; // a file without a stat: never cached
    stats.push(...st);
  }
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
  let settled = locations.every((l) => !l.stat || l.stat[2] < before);
  for (let i = 2; i < stats.length && settled; i += STAT_FIELDS) settled = stats[i] < before;
  if (!settled) return answer;
  // The other answers stay when they were computed from these very files.
  const keys: string[] = [];
  const lines: string[] = [];
  const others = current && sameNumbers(current.header.stats, stats) ? linesFor(file, build, project, stats) : undefined;
  others?.keys.forEach((k2, i) => {
    if (k2 !== key) {
      keys.push(k2);
      lines.push(others.lines[i]);
    }
  });
  keys.push(key);
  lines.push(JSON.stringify(answer));
  const lengths = lines.map((l) => Buffer.byteLength(l));
  const header: Header = { format: FORMAT, build, project: projectKey(project), locations, stats, keys, lengths };
  try {
    const text = JSON.stringify(header);
    const preamble: Preamble = { format: FORMAT, header: Buffer.byteLength(text) };
    writeCacheText(file, `${JSON.stringify(preamble)}\n${text}\n${lines.join('\n')}\n`);
  } catch {
    // A read-only or refused cache folder: the answer stands, uncached.
  }
  return answer;
}
