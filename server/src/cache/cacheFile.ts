/**
 * The JSON files the caches keep (graph snapshots, `check --cache`): each tagged with a
 * format and the build that wrote it, written whole or not at all (temporary file, then
 * rename), and read without throwing — a missing, corrupt or foreign file is no cache.
 * A cache folder can sit in a cloned repository, so neither reading nor writing follows a
 * symlink there, and only a regular file is read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openRegularFile, readRegularFile } from '../shared/regularFile';

interface Tagged {
  format: number;
  build: string;
}

/** Far above any real cache (a 5,000-revision graph is a few MB): a bigger file is not one of ours. */
const MAX_CACHE_BYTES = 256 * 1024 * 1024;

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The file's bytes, when it is a regular file of at most MAX_CACHE_BYTES reached without a symlink; else undefined. */
export function readCacheBytes(file: string): Buffer | undefined {
  try {
    if (isSymlink(file) || isSymlink(path.dirname(file))) return undefined;
    return readRegularFile(file, MAX_CACHE_BYTES);
  } catch {
    return undefined;
  }
}

/**
 * What `read` takes from the open file (its descriptor and size), when the file is a regular
 * file of at most MAX_CACHE_BYTES reached without a symlink; else, or when `read` throws,
 * undefined. For a cache read in parts: only what an answer needs.
 */
export function readCacheParts<T>(file: string, read: (fd: number, size: number) => T | undefined): T | undefined {
  try {
    if (isSymlink(file) || isSymlink(path.dirname(file))) return undefined;
    const { fd, st } = openRegularFile(file, MAX_CACHE_BYTES);
    try {
      return read(fd, st.size);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** The file's data when it parses and carries this format and build; else undefined. */
export function readCacheFile<T extends Tagged>(file: string, format: number, build: string): T | undefined {
  const bytes = readCacheBytes(file);
  if (!bytes) return undefined;
  try {
    const data = JSON.parse(bytes.toString('utf8')) as T | null;
    return data && typeof data === 'object' && data.format === format && data.build === build ? data : undefined;
  } catch {
    return undefined;
  }
}

/** An Error for a cache path that is not safe to write: code ESYMLINK or ENOTREGULAR. */
function refused(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * Creates the folder `dir` when missing and checks it is a real folder, not a symlink (a
 * planted one would send the cache's writes elsewhere). Throws otherwise.
 */
export function ensureCacheFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) throw refused('ESYMLINK', `${dir} is a symbolic link; a cache is never written through one`);
  if (!st.isDirectory()) throw refused('ENOTDIR', `${dir} is not a folder`);
}

/**
 * Writes the data atomically, creating the folder: to a new file made exclusively (`wx`) in
 * the same folder, then renamed over the target (a rename replaces a link, never writes
 * through it). Refuses when the folder or the file is a symlink, or the file is not a regular
 * file. Throws on a write failure.
 */
export function writeCacheFile(file: string, data: Tagged): void {
  writeCacheText(file, JSON.stringify(data));
}

/** Writes `text` as the whole of `file`, as writeCacheFile does. */
export function writeCacheText(file: string, text: string): void {
  const dir = path.dirname(file);
  ensureCacheFolder(dir);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file);
  } catch {
    // not there yet
  }
  if (st?.isSymbolicLink()) throw refused('ESYMLINK', `${file} is a symbolic link; a cache is never written through one`);
  if (st && !st.isFile()) throw refused('ENOTREGULAR', `${file} is not a regular file`);
  // node:crypto only here: loading it is ~7 ms of a cached CLI answer, which never writes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, text, { flag: 'wx' });
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
}
