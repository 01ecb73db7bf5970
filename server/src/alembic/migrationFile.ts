/**
 * Reading one migration from disk for the index: regular files only (regularFile.ts), size
 * and binary guards, decoding as Python does (UTF-8, or the encoding a PEP 263 line declares)
 * and the fast scan. Every outcome of readMigrationFile is a MigrationFile; it never throws.
 */
import { scanMigration } from './migrationScanner';
import { headEndOf, quickFacts, quickHead, type QuickFacts } from './quickScan';
import * as nodeBuffer from 'node:buffer';
import { fileSignature } from '../cache/fileSignature';
import { readListedFile, readRegularFile, UnreadableFileError } from '../shared/regularFile';
import type { MigrationDeclarations, MigrationFile } from './types';

/** Files above this size are not read: no real migration is this large. */
export const MAX_MIGRATION_BYTES = 16 * 1024 * 1024;

const { isUtf8 } = nodeBuffer;
/** Node ≥ 18.15 (absent before): a pure-ASCII file needs no UTF-8 check or decoding. */
const isAscii = (nodeBuffer as { isAscii?: (b: Uint8Array) => boolean }).isAscii;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes look like a binary file rather than Python source (NUL bytes early on). */
export function looksBinary(bytes: Uint8Array): boolean {
  return (bytes.length <= 8192 ? bytes : bytes.subarray(0, 8192)).indexOf(0) >= 0;
}

/** Source text as Python would read it, and why Python could not, if it could not. */
export interface DecodedSource {
  /** The text (best effort when `problem` is set: undecodable bytes become U+FFFD). */
  text: string;
  /** Why Python refuses the bytes (SyntaxError at import), as a sentence fragment. */
  problem?: string;
}

/** A PEP 263 encoding declaration: `coding[:=]name` in a comment on line 1, or on line 2 after a comment or blank line 1. */
const COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
const BLANK_OR_COMMENT = /^[ \t\f]*(?:#.*)?\r?$/;

/** The encoding name declared on the first two lines of `bytes`, if any. */
function codingCookie(bytes: Uint8Array): string | undefined {
  // Line 1 is a comment, or blank with line 2 a comment: anything else declares nothing.
  const b0 = bytes[0];
  if (b0 !== 35 && b0 !== 32 && b0 !== 9 && b0 !== 12 && b0 !== 10 && b0 !== 13) return undefined;
  // The declaration is ASCII: reading the lines byte per byte is enough to find it.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  const lines = head.split('\n', 2);
  const first = COOKIE.exec(lines[0]);
  if (first) return first[1];
  if (lines.length > 1 && BLANK_OR_COMMENT.test(lines[0])) return COOKIE.exec(lines[1])?.[1];
  return undefined;
}

/** True when the first two lines declare no encoding, or UTF-8. */
function utf8OrUndeclared(bytes: Uint8Array): boolean {
  const declared = codingCookie(bytes);
  return declared === undefined || pythonCodec(declared) === 'utf-8';
}

/** Line (1-based) and value of the first byte that is not valid UTF-8. */
function firstBadUtf8(bytes: Uint8Array): { line: number; byte: number } {
  let line = 1;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 10) line++;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return { line, byte: b };
    // The one exact check: does this sequence alone decode?
    try {
      strictUtf8.decode(bytes.subarray(i, i + len));
    } catch {
      return { line, byte: b };
    }
    i += len;
  }
  return { line, byte: bytes[bytes.length - 1] ?? 0 };
}

const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

type Codec = 'utf-8' | 'latin-1' | 'ascii' | 'cp1252' | InstanceType<typeof TextDecoder>;

/**
 * cp1252's 0x80–0x9F (Python's table: five bytes are undefined). Node 20's TextDecoder decodes
 * windows-1252 as latin-1, so this one is done here.
 */
const CP1252_HIGH = '€\u0000‚ƒ„…†‡ˆ‰Š‹Œ\u0000Ž\u0000\u0000‘’“”•–—˜™š›œ\u0000žŸ';

/** Python's codec for a declared encoding name (CPython's normalisation and common aliases), or undefined if unknown. */
function pythonCodec(declared: string): Codec | undefined {
  const lower = declared.toLowerCase();
  const n = lower.replace(/_/g, '-');
  if (/^(?:utf-8(?:-.*)?|utf8|u8|utf|cp65001)$/.test(n)) return 'utf-8';
  // Python's latin-1 maps every byte to the same code point (WHATWG's "latin1" label means windows-1252).
  if (/^(?:(?:latin-1|iso-8859-1|iso-latin-1)(?:-.*)?|latin1|latin|l1|iso8859-1|8859|cp819|iso-ir-100|csisolatin1|ibm819)$/.test(n)) return 'latin-1';
  if (/^(?:cp1252|windows-1252|x-cp1252)$/.test(n)) return 'cp1252';
  if (/^(?:ascii|us-ascii|646|us|ansi-x3\.4-1968|ansi-x3-4-1968|ansi-x3\.4-1986|cp367|csascii|ibm367|iso646-us|iso-646\.irv-1991|iso-ir-6)$/.test(n))
    return 'ascii';
  for (const label of new Set([lower, n, lower.replace(/-/g, '_')])) {
    try {
      const d = new TextDecoder(label, { fatal: true });
      // Python refuses source encodings that are not ASCII-compatible.
      return d.encoding.startsWith('utf-16') ? undefined : d;
    } catch {
      // not a label this runtime knows: try the next spelling
    }
  }
  return undefined;
}

const CANNOT_IMPORT = 'so Python (and so Alembic) cannot import it';

/**
 * Decodes source bytes as Python does: UTF-8 unless a PEP 263 coding declaration
 * (`# -*- coding: latin-1 -*-` on line 1 or 2) names another encoding, a UTF-8 BOM dropped.
 * Bytes Python would refuse are decoded anyway (U+FFFD) and `problem` says why.
 */
export function decodePythonSource(bytes: Uint8Array): DecodedSource {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  const declared = codingCookie(body);
  const codec = declared === undefined ? 'utf-8' : pythonCodec(declared);
  if (codec === undefined) {
    return {
      text: utf8.decode(body),
      problem: `the file declares \`coding: ${declared}\`, an encoding Python does not know (SyntaxError: unknown encoding), ${CANNOT_IMPORT}`,
    };
  }
  if (bom && codec !== 'utf-8') {
    return { text: utf8.decode(body), problem: `the file starts with a UTF-8 byte order mark but declares \`coding: ${declared}\`, ${CANNOT_IMPORT}` };
  }
  if (codec === 'latin-1') return { text: Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1') };
  if (codec === 'utf-8') {
    try {
      return { text: strictUtf8.decode(body) };
    } catch {
      const bad = firstBadUtf8(body);
      const why =
        declared === undefined
          ? `declares no other encoding (a \`# -*- coding: latin-1 -*-\` line 1 or 2, PEP 263), ${CANNOT_IMPORT}`
          : `declares \`coding: ${declared}\`, ${CANNOT_IMPORT}`;
      return { text: utf8.decode(body), problem: `the file is not valid UTF-8 (byte ${hex(bad.byte)} on line ${bad.line}) and ${why}` };
    }
  }
  if (codec === 'cp1252') {
    let text = '';
    for (let i = 0; i < body.length; i++) {
      const b = body[i];
      const c = b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
      if (c === '\u0000' && b !== 0) {
        const line = 1 + body.subarray(0, i).filter((x) => x === 10).length;
        return {
          text: utf8.decode(body),
          problem: `the file declares \`coding: ${declared}\` but has byte ${hex(b)} on line ${line}, which cp1252 does not define, ${CANNOT_IMPORT}`,
        };
      }
      text += c;
    }
    return { text };
  }
  if (codec === 'ascii') {
    const at = body.findIndex((b) => b >= 0x80);
    if (at < 0) return { text: utf8.decode(body) };
    const line = 1 + body.subarray(0, at).filter((b) => b === 10).length;
    return {
      text: utf8.decode(body),
      problem: `the file declares \`coding: ${declared}\` but has the non-ASCII byte ${hex(body[at])} on line ${line}, ${CANNOT_IMPORT}`,
    };
  }
  try {
    return { text: codec.decode(body) };
  } catch {
    return { text: new TextDecoder(codec.encoding).decode(body), problem: `the file is not valid ${declared} (its declared \`coding\`), ${CANNOT_IMPORT}` };
  }
}

/** Decodes source bytes as Python does (see decodePythonSource), dropping a BOM; never throws. */
export function decodeSource(bytes: Uint8Array): string {
  return decodePythonSource(bytes).text;
}

/** A migration the fast path read: its declarations with ranges are scanned from its head when first asked for. */
class QuickMigration implements MigrationFile {
  signature?: string;
  private full: MigrationDeclarations | undefined;
  constructor(
    readonly file: string,
    readonly versionLocation: string,
    readonly quick: QuickFacts,
  ) {}

  get decls(): MigrationDeclarations {
    return (this.full ??= scanMigration(this.quick.head));
  }
}

/** Scans source text that is already in memory (an open editor buffer, or a file just read). */
export function migrationFromText(file: string, versionLocation: string, text: string): MigrationFile {
  const quick = quickFacts(text);
  return quick ? new QuickMigration(file, versionLocation, quick) : { file, versionLocation, decls: scanMigration(text) };
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
export function readMigrationFile(file: string, versionLocation: string, opts: { signature?: boolean; regular?: boolean } = {}): MigrationFile {
  let bytes: Buffer;
  let signature: string | undefined;
  try {
    // The listing already said it is a regular file, and no signature is wanted: no fstat.
    bytes =
      opts.regular && !opts.signature
        ? readListedFile(file, MAX_MIGRATION_BYTES, READ_BUFFER)
        : readRegularFile(file, MAX_MIGRATION_BYTES, {
            scratch: READ_BUFFER,
            ...(opts.signature
              ? {
                  onStat: (st) => {
                    signature = fileSignature(st);
                  },
                }
              : {}),
          });
  } catch (e) {
    if (e instanceof UnreadableFileError) {
      return unreadable(
        file,
        versionLocation,
        signature,
        e.code === 'ETOOLARGE'
          ? `file is ${(e.size / 1048576).toFixed(1)} MB, larger than the ${MAX_MIGRATION_BYTES / 1048576} MB a migration can be`
          : e.message,
      );
    }
    return unreadable(file, versionLocation, undefined, `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const m = migrationFromBytes(file, versionLocation, bytes);
  if (signature) m.signature = signature;
  return m;
}

/**
 * Scans a migration's bytes (read from disk, or from git at some commit) with the same guards
 * as a file on disk: binary content and undecodable text make `readProblem`, never a throw.
 */
export function migrationFromBytes(file: string, versionLocation: string, bytes: Uint8Array): MigrationFile {
  if (bytes.length > MAX_MIGRATION_BYTES)
    return unreadable(file, versionLocation, undefined, `file is larger than the ${MAX_MIGRATION_BYTES / 1048576} MB a migration can be`);
  if (looksBinary(bytes)) return unreadable(file, versionLocation, undefined, 'the file is binary, not Python source');
  // The usual file: valid UTF-8, no BOM, no coding line naming another encoding. Only its
  // head is decoded; the fast path reads it.
  const ascii = isAscii !== undefined && isAscii(bytes);
  const plain = bytes[0] !== 0xef && (ascii || isUtf8(bytes)) && utf8OrUndeclared(bytes);
  if (plain) {
    const end = headEndOf(bytes);
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    // Only the head is decoded; ASCII needs no UTF-8 decoding.
    const quick = end < 0 ? undefined : quickHead(buf.toString(ascii ? 'latin1' : 'utf8', 0, end));
    if (quick) return new QuickMigration(file, versionLocation, quick);
  }
  const decoded = decodePythonSource(bytes);
  if (decoded.problem) return unreadable(file, versionLocation, undefined, decoded.problem);
  // The fast path already declined the same text: straight to the scanner.
  return plain ? { file, versionLocation, decls: scanMigration(decoded.text) } : migrationFromText(file, versionLocation, decoded.text);
}

function unreadable(file: string, versionLocation: string, signature: string | undefined, readProblem: string): MigrationFile {
  return { file, versionLocation, decls: { header: {}, message: '' }, readProblem, ...(signature ? { signature } : {}) };
}
