/**
 * A file's stat numbers (size, mtimeMs, ctimeMs, ino) without an fs.Stats object. Node 20's
 * `fs.statSync` builds a Stats and four Dates per call: for the 5,000 stats that prove a cached
 * answer still holds that is ~20 ms and a young-generation collection, a sixth of the answer.
 *
 * Node's own `statSync` calls its fs binding and turns the numbers it returns into a Stats.
 * Where this Node's `statSync` is exactly that call (its source text says so), the binding is
 * called the same way and the four numbers read off its array, computed as Node computes them;
 * the first use checks them against `fs.statSync` on a real file. Anything else — another
 * shape of `statSync`, no binding, a number that differs, `--pending-deprecation` (which would
 * print a warning for `process.binding`) — and every call goes through `fs.statSync`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** size, mtimeMs, ctimeMs, ino. */
export type StatNumbers = readonly [number, number, number, number];

type RawStat = (file: string, bigint: boolean, req: undefined, throwIfNoEntry: boolean) => unknown;

/** The call Node 20.10+ and 22 make in statSync; any other text and the binding is not used. */
const STAT_SYNC_CALL = /binding\.stat\(\s*pathModule\.toNamespacedPath\(path\),\s*options\.bigint,\s*undefined,\s*options\.throwIfNoEntry,?\s*\)/;

// Offsets in the binding's array (node's kFsStatsFieldsNumber layout).
const INO = 7;
const SIZE = 8;
const MTIME_SEC = 12;
const MTIME_NSEC = 13;
const CTIME_SEC = 14;
const CTIME_NSEC = 15;
const FIELDS = 18;

/** undefined: not tried yet; null: not usable here. */
let raw: RawStat | null | undefined;

function pendingDeprecation(): boolean {
  const flag = /(^|\s)--pending-deprecation(\s|=|$)/;
  return process.env.NODE_PENDING_DEPRECATION === '1' || process.execArgv.some((a) => flag.test(a)) || flag.test(process.env.NODE_OPTIONS ?? '');
}

/** As node's msFromTimeSpec: seconds and nanoseconds to milliseconds. */
const msOf = (sec: number, nsec: number): number => sec * 1e3 + nsec / 1e6;

function fromBinding(v: unknown): StatNumbers | undefined {
  if (!(v instanceof Float64Array) || v.length < FIELDS) return undefined;
  return [v[SIZE], msOf(v[MTIME_SEC], v[MTIME_NSEC]), msOf(v[CTIME_SEC], v[CTIME_NSEC]), v[INO]];
}

/** The binding's stat, when this Node calls it as expected and its numbers are fs.statSync's; else null. */
function rawStat(): RawStat | null {
  if (raw !== undefined) return raw;
  raw = null;
  try {
    if (pendingDeprecation() || !STAT_SYNC_CALL.test(Function.prototype.toString.call(fs.statSync))) return null;
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding?.('fs') as { stat?: unknown } | undefined;
    const stat = binding?.stat;
    if (typeof stat !== 'function') return null;
    const call: RawStat = (file, bigint, req, throwIfNoEntry) => (stat as RawStat).call(binding, file, bigint, req, throwIfNoEntry);
    // The proof, on a file that exists (this module's, or node itself).
    const probe = fs.existsSync(__filename) ? __filename : process.execPath;
    const got = fromBinding(call(path.toNamespacedPath(probe), false, undefined, false));
    const st = fs.statSync(probe);
    if (
      got &&
      got[0] === st.size &&
      got[1] === st.mtimeMs &&
      got[2] === st.ctimeMs &&
      got[3] === st.ino &&
      call(path.toNamespacedPath(probe + '.absent\u0001'), false, undefined, false) === undefined
    )
      raw = call;
  } catch {
    raw = null;
  }
  return raw;
}

const NO_THROW = { throwIfNoEntry: false } as const;

/**
 * The binding's numbers for `file` (Node's shared array: read them before the next stat), or
 * undefined when it does not exist or cannot be stat'ed; null where the binding is not used.
 */
function bindingStat(file: string): Float64Array | undefined | null {
  const call = rawStat();
  if (!call) return null;
  // fs.statSync refuses a NUL in a path; the binding would cut the path there.
  if (typeof file !== 'string' || file.includes('\0')) return undefined;
  try {
    const v = call(path.toNamespacedPath(file), false, undefined, false);
    return v instanceof Float64Array && v.length >= FIELDS ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The stat numbers of `file` (symbolic links followed), or undefined when it does not exist
 * or cannot be stat'ed. Never throws.
 */
export function statNumbers(file: string): StatNumbers | undefined {
  const v = bindingStat(file);
  if (v !== null) return v && fromBinding(v);
  try {
    const st = fs.statSync(file, NO_THROW);
    return st && [st.size, st.mtimeMs, st.ctimeMs, st.ino];
  } catch {
    return undefined;
  }
}

/**
 * Whether `file`'s stat numbers now are the four at `expected[at]` (anything else there never
 * matches): statNumbers without an array per call, for proving thousands of files unchanged.
 */
export function sameStatNumbers(file: string, expected: ArrayLike<unknown>, at: number): boolean {
  const v = bindingStat(file);
  if (v === null) {
    const n = statNumbers(file);
    return n !== undefined && n[0] === expected[at] && n[1] === expected[at + 1] && n[2] === expected[at + 2] && n[3] === expected[at + 3];
  }
  return (
    v !== undefined &&
    v[SIZE] === expected[at] &&
    msOf(v[MTIME_SEC], v[MTIME_NSEC]) === expected[at + 1] &&
    msOf(v[CTIME_SEC], v[CTIME_NSEC]) === expected[at + 2] &&
    v[INO] === expected[at + 3]
  );
}

/** Whether statNumbers goes around fs.Stats in this process (for the tests). */
export function statNumbersFast(): boolean {
  return rawStat() !== null;
}
