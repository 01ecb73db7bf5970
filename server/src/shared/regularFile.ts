/**
 * Reading files a cloned repository controls without being stalled or flooded by it: only
 * regular files are read, and only up to a size. `open()` on a FIFO blocks until a writer
 * appears and `/dev/zero` never ends, so the file is opened non-blocking, checked with
 * `fstat` on the open descriptor (no race with a rename in between), and read with a bound.
 */
import * as fs from 'node:fs';

/** Why a file was not read: not a regular file (FIFO, socket, device, folder), or too large. */
export class UnreadableFileError extends Error {
  constructor(
    readonly code: 'ENOTREGULAR' | 'ETOOLARGE',
    message: string,
    /** The size in bytes, for ETOOLARGE. */
    readonly size = 0,
  ) {
    super(message);
  }
}

// O_NONBLOCK: opening a FIFO must not wait for a writer. O_NOCTTY: a terminal never becomes ours.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** What a non-regular file is, for messages. */
function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a folder';
  return 'something other than a file';
}

function notRegular(st: fs.Stats): UnreadableFileError {
  return new UnreadableFileError('ENOTREGULAR', `not a regular file (it is ${kindOf(st)})`);
}

/**
 * Opens a regular file of at most `maxBytes` for reading: its descriptor (the caller closes
 * it) and its stats, taken on the open descriptor. Throws UnreadableFileError for anything
 * else (and the usual errno errors for a missing or unreadable file). `onStat` sees the stats
 * of a regular file before its size is checked.
 */
export function openRegularFile(file: string, maxBytes: number, onStat?: (st: fs.Stats) => void): { fd: number; st: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    // A unix socket cannot be opened at all (ENXIO): say what it is rather than the errno.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') {
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(file);
      } catch {
        /* the errno below says it */
      }
      if (st && !st.isFile()) throw notRegular(st);
    }
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw notRegular(st);
    onStat?.(st);
    if (st.size > maxBytes) throw tooLarge(st.size, maxBytes);
    return { fd, st };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * Up to `length` bytes of an open file from `position` (fewer at its end), into `scratch`
 * when it is big enough (the result is then a view into it).
 */
export function readRange(fd: number, position: number, length: number, scratch?: Buffer): Buffer {
  const buf = scratch && scratch.length >= length ? scratch : Buffer.allocUnsafe(length);
  let off = 0;
  while (off < length) {
    const n = fs.readSync(fd, buf, off, length - off, position + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/**
 * Reads a whole regular file of at most `maxBytes`. Throws UnreadableFileError for anything
 * else (and the usual errno errors for a missing or unreadable file). `scratch`, when given,
 * is a reusable buffer: the result may then be a view into it, valid until the next call.
 * `onStat` sees the open file's stats before it is read.
 */
export function readRegularFile(file: string, maxBytes: number, opts: { scratch?: Buffer; onStat?: (st: fs.Stats) => void } = {}): Buffer {
  const { fd, st } = openRegularFile(file, maxBytes, opts.onStat);
  try {
    // Up to the size fstat gave: a regular file's bytes are there (a file that reports 0,
    // like those under /proc, reads as empty), and an append racing this read is a later change.
    return readRange(fd, 0, st.size, opts.scratch);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a file the folder listing reported as a regular file (not a link, FIFO or device), of
 * at most `maxBytes`, without `fstat`: open non-blocking, read until a read comes back short
 * (the end of a regular file) or the bound. Should the entry have been swapped since the
 * listing, a FIFO still reads as empty rather than waiting, and anything endless stops at the
 * bound (ETOOLARGE). The result is a view into `scratch` when it fits there.
 */
export function readListedFile(file: string, maxBytes: number, scratch: Buffer): Buffer {
  const fd = fs.openSync(file, OPEN_FLAGS);
  try {
    let buf = scratch;
    let off = 0;
    for (;;) {
      if (off === buf.length) {
        if (buf.length > maxBytes) throw tooLarge(off, maxBytes);
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 4, maxBytes + 1));
        buf.copy(bigger, 0, 0, off);
        buf = bigger;
      }
      const want = buf.length - off;
      let n: number;
      try {
        n = fs.readSync(fd, buf, off, want, null);
      } catch (e) {
        // A FIFO swapped in with no writer: nothing to read.
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw e;
      }
      off += n;
      // A regular file reads short only at its end: no further read to be told so (three
      // system calls per file instead of four). A full read may have more behind it: read on.
      if (n < want) break;
    }
    if (off > maxBytes) throw tooLarge(off, maxBytes);
    return buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(size: number, maxBytes: number): UnreadableFileError {
  return new UnreadableFileError('ETOOLARGE', `file is ${(size / 1048576).toFixed(1)} MB, larger than the ${(maxBytes / 1048576).toFixed(0)} MB allowed`, size);
}

/** Reads a regular file of at most `maxBytes` as UTF-8 text (see readRegularFile). */
export function readRegularText(file: string, maxBytes: number): string {
  return readRegularFile(file, maxBytes).toString('utf8');
}

/** Config files (alembic.ini, pyproject.toml, templates) above this size are not read. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
