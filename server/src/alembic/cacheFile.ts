/**
 * The JSON files the caches keep (graph snapshots, `check --cache`): each tagged with a
 * format and the build that wrote it, written whole or not at all (temporary file, then
 * rename), and read without throwing — a missing, corrupt or foreign file is no cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Tagged {
  format: number;
  build: string;
}

/** The file's data when it parses and carries this format and build; else undefined. */
export function readCacheFile<T extends Tagged>(file: string, format: number, build: string): T | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as T | null;
    return data && data.format === format && data.build === build ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the data atomically, creating the folder. Throws on a write failure. */
export function writeCacheFile(file: string, data: Tagged): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data));
  fs.renameSync(tmp, file);
}
