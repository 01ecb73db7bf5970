/**
 * Reading one migration from disk for the index: size and binary guards, UTF-8 decoding and
 * the fast scan. Every outcome is a MigrationFile; nothing here throws.
 */
import * as fs from 'node:fs';
import { scanMigration } from './migrationScanner';
import { fileSignature } from './graphSnapshot';
import type { MigrationFile } from './types';

/** Files above this size are not read: no real migration is this large. */
export const MAX_MIGRATION_BYTES = 16 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** True when the bytes look like a binary file rather than Python source (NUL bytes early on). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Decodes source bytes as Python does by default (UTF-8), dropping a BOM. */
export function decodeSource(bytes: Uint8Array): string {
  const text = utf8.decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Scans source text that is already in memory (an open editor buffer). */
export function migrationFromText(file: string, versionLocation: string, text: string): MigrationFile {
  return { file, versionLocation, decls: scanMigration(text) };
}

/** One buffer reused for every read: most migrations fit, and reading costs three syscalls. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a whole file with open/read/close (no stat unless it is larger than the buffer, or
 * `signed` asks for the file's signature: then fstat runs before the read, so a write that
 * races the read leaves a newer signature on disk than the one recorded).
 */
function readBytes(file: string, signed?: { signature?: string }): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    if (signed) signed.signature = fileSignature(fs.fstatSync(fd));
    const n = fs.readSync(fd, READ_BUFFER, 0, READ_BUFFER.length, 0);
    if (n < READ_BUFFER.length) return READ_BUFFER.subarray(0, n);
    const size = fs.fstatSync(fd).size;
    if (size > MAX_MIGRATION_BYTES) throw Object.assign(new Error('too large'), { code: 'ETOOLARGE', size });
    const all = Buffer.allocUnsafe(size);
    READ_BUFFER.copy(all, 0, 0, n);
    let off = n;
    while (off < size) {
      const m = fs.readSync(fd, all, off, size - off, off);
      if (m === 0) break;
      off += m;
    }
    return all.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads and scans a migration file from disk; with `signature`, also records the file's
 * signature (graphSnapshot.ts) as it was when read.
 */
export function readMigrationFile(file: string, versionLocation: string, opts: { signature?: boolean } = {}): MigrationFile {
  let bytes: Buffer;
  const signed: { signature?: string } | undefined = opts.signature ? {} : undefined;
  try {
    bytes = readBytes(file, signed);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { size?: number };
    if (err.code === 'ETOOLARGE') {
      return unreadable(file, versionLocation, signed?.signature, `file is ${((err.size ?? 0) / 1048576).toFixed(1)} MB, larger than the ${MAX_MIGRATION_BYTES / 1048576} MB a migration can be`);
    }
    return unreadable(file, versionLocation, undefined, `cannot read the file: ${err.code ?? String(e)}`);
  }
  if (looksBinary(bytes)) return unreadable(file, versionLocation, signed?.signature, 'the file is binary, not Python source');
  const m = migrationFromText(file, versionLocation, decodeSource(bytes));
  if (signed?.signature) m.signature = signed.signature;
  return m;
}

function unreadable(file: string, versionLocation: string, signature: string | undefined, readProblem: string): MigrationFile {
  return { file, versionLocation, decls: { header: {}, message: '' }, readProblem, ...(signature ? { signature } : {}) };
}
