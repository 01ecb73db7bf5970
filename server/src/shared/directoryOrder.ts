/**
 * A folder's entries in directory order — what Python's `os.listdir` returns, so the order
 * Alembic loads migrations in (`fs.readdirSync` sorts them: libuv's scandir does) — with
 * each entry's type.
 *
 * Node's public API for that order, `fs.opendirSync` and `Dir.readSync`, makes a Dirent and a
 * call per entry: ~2.5 µs each as cold code, 11–16 ms for a 5,000-file folder, where
 * `readdirSync` takes ~4 ms. The Dir of Node 18 and 20 keeps its native handle under a symbol
 * (`kDirHandle`) whose `read` returns a batch of entries as `[name, type, name, type, …]`:
 * reading the batches directly takes ~4–6 ms. That handle is used only when it is there
 * and answers exactly in that shape with every type known; anything else (a newer Node whose
 * Dir keeps it private, an error, an entry of unknown type, which the public API resolves
 * with `lstat`) reads the folder again through the public API. test/unit/directoryOrder.test.ts
 * checks both paths give Python's `os.listdir` order and the same types.
 */
import * as fs from 'node:fs';

// Public in fs.constants, not in @types/node: libuv's values where a runtime lacks them.
const uv = fs.constants as unknown as Record<string, number | undefined>;
const UV_DIRENT_UNKNOWN = uv.UV_DIRENT_UNKNOWN ?? 0;
const UV_DIRENT_FILE = uv.UV_DIRENT_FILE ?? 1;
const UV_DIRENT_DIR = uv.UV_DIRENT_DIR ?? 2;
const UV_DIRENT_LINK = uv.UV_DIRENT_LINK ?? 3;
/** Entry types (libuv's `UV_DIRENT_*`, as `fs.constants` spells them). */
export const ENTRY_FILE = UV_DIRENT_FILE;
export const ENTRY_DIR = UV_DIRENT_DIR;
export const ENTRY_LINK = UV_DIRENT_LINK;
/** Anything else: a FIFO, a socket, a device. */
export const ENTRY_OTHER = -1;

export interface DirectoryEntries {
  names: string[];
  /** ENTRY_FILE, ENTRY_DIR, ENTRY_LINK or ENTRY_OTHER, one per name. */
  types: number[];
}

const BATCH = 1024;

interface NativeDirHandle {
  read(encoding: string, bufferSize: number, req: undefined, ctx: { errno?: number; code?: string }): unknown;
}

function nativeHandle(dir: fs.Dir): NativeDirHandle | undefined {
  const sym = Object.getOwnPropertySymbols(dir).find((s) => s.description === 'kDirHandle');
  const handle = sym && (dir as unknown as Record<symbol, unknown>)[sym];
  return handle && typeof (handle as NativeDirHandle).read === 'function' ? (handle as NativeDirHandle) : undefined;
}

/** The batches of the native handle, or undefined when anything is not as expected. */
function readNative(dir: fs.Dir): DirectoryEntries | undefined {
  const handle = nativeHandle(dir);
  if (!handle) return undefined;
  const names: string[] = [];
  const types: number[] = [];
  for (;;) {
    const ctx: { errno?: number; code?: string } = {};
    let batch: unknown;
    try {
      batch = handle.read('utf8', BATCH, undefined, ctx);
    } catch {
      return undefined;
    }
    if (ctx.errno !== undefined || ctx.code !== undefined) return undefined;
    if (batch === null) return { names, types };
    if (!Array.isArray(batch) || batch.length % 2 !== 0) return undefined;
    for (let i = 0; i < batch.length; i += 2) {
      const name: unknown = batch[i];
      const type: unknown = batch[i + 1];
      if (typeof name !== 'string' || typeof type !== 'number' || type === UV_DIRENT_UNKNOWN) return undefined;
      names.push(name);
      types.push(type === UV_DIRENT_FILE || type === UV_DIRENT_DIR || type === UV_DIRENT_LINK ? type : ENTRY_OTHER);
    }
  }
}

function readPublic(path: string): DirectoryEntries {
  const names: string[] = [];
  const types: number[] = [];
  const dir = fs.opendirSync(path, { bufferSize: BATCH });
  try {
    for (let e = dir.readSync(); e; e = dir.readSync()) {
      names.push(e.name);
      types.push(e.isFile() ? ENTRY_FILE : e.isDirectory() ? ENTRY_DIR : e.isSymbolicLink() ? ENTRY_LINK : ENTRY_OTHER);
    }
  } finally {
    dir.closeSync();
  }
  return { names, types };
}

/**
 * The entries of `path` in directory order (not `.` and `..`). Throws as `fs.opendirSync`
 * does (a missing folder, no permission). `publicOnly` skips the native handle (tests).
 */
export function readDirectoryInOrder(path: string, opts: { publicOnly?: boolean } = {}): DirectoryEntries {
  if (!opts.publicOnly) {
    const dir = fs.opendirSync(path, { bufferSize: BATCH });
    let fast: DirectoryEntries | undefined;
    try {
      fast = readNative(dir);
    } finally {
      dir.closeSync();
    }
    if (fast) return fast;
  }
  return readPublic(path);
}

/** True when this Node's Dir exposes the native handle the fast path reads (tests: it is used where it exists). */
export function nativeDirectoryOrderAvailable(folder: string): boolean {
  const dir = fs.opendirSync(folder);
  try {
    return nativeHandle(dir) !== undefined;
  } finally {
    dir.closeSync();
  }
}
