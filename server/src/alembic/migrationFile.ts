/**
 * Reading one migration from disk for the index: regular files only (regularFile.ts), size
 * and binary guards, UTF-8 decoding and the fast scan. Every outcome of readMigrationFile is
 * a MigrationFile; it never throws.
 */
import { scanMigration } from './migrationScanner';
import { fileSignature } from './graphSnapshot';
import { readRegularFile, UnreadableFileError } from './regularFile';
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

/** One buffer reused for every read: most migrations fit. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * The bytes of a regular file of at most MAX_MIGRATION_BYTES (readRegularFile: a FIFO, a
 * socket or a device is refused, never waited on). The result is a fresh buffer.
 */
export function readSourceBytes(file: string): Buffer {
  return Buffer.from(readRegularFile(file, MAX_MIGRATION_BYTES, { scratch: READ_BUFFER }));
}

/**
 * Reads and scans a migration file from disk; with `signature`, also records the file's
 * signature (graphSnapshot.ts) as it was when opened (fstat before the read: a write that
 * races the read leaves a newer signature on disk than the one recorded).
 */
export function readMigrationFile(file: string, versionLocation: string, opts: { signature?: boolean } = {}): MigrationFile {
  let bytes: Buffer;
  let signature: string | undefined;
  try {
    bytes = readRegularFile(file, MAX_MIGRATION_BYTES, { scratch: READ_BUFFER, ...(opts.signature ? { onStat: (st) => { signature = fileSignature(st); } } : {}) });
  } catch (e) {
    if (e instanceof UnreadableFileError) {
      return unreadable(file, versionLocation, signature, e.code === 'ETOOLARGE'
        ? `file is ${(e.size / 1048576).toFixed(1)} MB, larger than the ${MAX_MIGRATION_BYTES / 1048576} MB a migration can be`
        : e.message);
    }
    return unreadable(file, versionLocation, undefined, `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (looksBinary(bytes)) return unreadable(file, versionLocation, signature, 'the file is binary, not Python source');
  const m = migrationFromText(file, versionLocation, decodeSource(bytes));
  if (signature) m.signature = signature;
  return m;
}

function unreadable(file: string, versionLocation: string, signature: string | undefined, readProblem: string): MigrationFile {
  return { file, versionLocation, decls: { header: {}, message: '' }, readProblem, ...(signature ? { signature } : {}) };
}
