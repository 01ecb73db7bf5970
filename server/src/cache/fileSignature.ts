/**
 * A file's signature: what it looked like when it was read (graph snapshots, the CLI's answer
 * cache). Its own module so the scanner's callers load no hashing (node:crypto is ~7 ms of a
 * cached CLI answer).
 */
import type * as fs from 'node:fs';
import { statNumbers, type StatNumbers } from '../shared/fastStat';

/** What a file looked like when it was read: changes with any write, rename over it or replacement. */
export function fileSignature(st: fs.Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

/**
 * The signature of a file on disk now, or undefined if it cannot be stat'ed. Without an
 * fs.Stats (fastStat.ts): a reopened project's snapshot is proven by one per migration.
 */
export function statSignature(file: string): string | undefined {
  const n = statNumbers(file);
  return n && numbersSignature(n);
}

/** fileSignature of fastStat's numbers (the same string as of the fs.Stats they come from). */
export function numbersSignature(n: StatNumbers): string {
  return `${n[0]}:${n[1]}:${n[2]}:${n[3]}`;
}
