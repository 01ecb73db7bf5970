/**
 * A project's revision graph saved between sessions, so reopening a large project shows its
 * graph before every migration has been read again. A snapshot is used only when it provably
 * matches the disk: same build, same project layout, the same migration files in the same
 * directory order, and every file's size, modification and change times and inode unchanged
 * since it was read. Anything else (a checkout, an edit made while the editor was closed, a
 * corrupt or foreign cache file) makes it unusable, and the project is read from disk as
 * before. The payload is opaque here: the server stores what it answers.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { AlembicProject } from '../alembic/project';
import { readCacheFile, writeCacheFile } from './cacheFile';
import { statSignature } from './fileSignature';

const FORMAT = 2;

interface SnapshotFile<T> {
  format: number;
  build: string;
  project: string;
  files: string[];
  signatures: string[];
  payload: T;
}

/** What identifies a project's layout: a snapshot of another layout never applies. */
function projectKey(project: AlembicProject): string {
  return JSON.stringify([project.id, project.versionLocations, project.recursiveVersionLocations]);
}

export function snapshotFile(cacheDir: string, project: AlembicProject): string {
  return path.join(cacheDir, `${crypto.createHash('sha1').update(project.id).digest('hex').slice(0, 20)}.json`);
}

/**
 * The saved payload of a project (with the files and signatures it was made from) when it
 * still matches the disk. `listing` is the project's migration files now, in load order.
 * Never throws: an unusable snapshot is undefined.
 */
export function readSnapshot<T>(
  cacheDir: string,
  build: string,
  project: AlembicProject,
  listing: readonly string[],
): { payload: T; files: string[]; signatures: string[] } | undefined {
  const data = readCacheFile<SnapshotFile<T>>(snapshotFile(cacheDir, project), FORMAT, build);
  if (!data || data.project !== projectKey(project)) return undefined;
  if (!Array.isArray(data.files) || !Array.isArray(data.signatures) || data.files.length !== listing.length) return undefined;
  for (let i = 0; i < listing.length; i++) if (data.files[i] !== listing[i]) return undefined;
  for (let i = 0; i < listing.length; i++) if (statSignature(listing[i]) !== data.signatures[i]) return undefined;
  return { payload: data.payload, files: data.files, signatures: data.signatures };
}

/**
 * Saves a payload with the signatures of the files it was computed from (undefined for a
 * file whose content on disk is not what was used: the snapshot will then not be used).
 */
export function writeSnapshot<T>(
  cacheDir: string,
  build: string,
  project: AlembicProject,
  files: ReadonlyArray<{ file: string; signature?: string }>,
  payload: T,
): void {
  const data: SnapshotFile<T> = {
    format: FORMAT,
    build,
    project: projectKey(project),
    files: files.map((f) => f.file),
    signatures: files.map((f) => f.signature ?? ''),
    payload,
  };
  writeCacheFile(snapshotFile(cacheDir, project), data);
}
