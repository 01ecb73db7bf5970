/**
 * Pure readers of git's machine output (`-z` forms: paths are never quoted or escaped). No
 * process here: gitRepo.ts runs git and hands the bytes over; tests feed captured output.
 */

/** One entry of `git ls-tree -r -z`: `<mode> SP <type> SP <object> TAB <path> NUL`. */
export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  path: string;
}

/** Splits NUL-terminated records (the last, empty piece after the final NUL is dropped). */
export function splitZ(out: Buffer | string): string[] {
  const text = typeof out === 'string' ? out : out.toString('utf8');
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

export function parseLsTree(out: Buffer | string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const rec of splitZ(out)) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid] = rec.slice(0, tab).split(' ');
    if (!mode || !type || !oid) continue;
    entries.push({ mode, type, oid, path: rec.slice(tab + 1) });
  }
  return entries;
}

/** One answer of `git cat-file --batch`, in the order the names were asked. */
export type BatchObject = { kind: 'found'; oid: string; type: string; content: Buffer } | { kind: 'missing'; name: string };

/**
 * Reads `git cat-file --batch` output: per object `<oid> SP <type> SP <size> LF <content> LF`,
 * or `<name> missing LF` (also `ambiguous`). Sizes are in bytes, so this works on the Buffer.
 */
export function parseCatFileBatch(out: Buffer): BatchObject[] {
  const objects: BatchObject[] = [];
  let i = 0;
  while (i < out.length) {
    const nl = out.indexOf(10, i);
    if (nl < 0) break;
    const header = out.toString('utf8', i, nl);
    const m = /^(\S+) (\S+) (\d+)$/.exec(header);
    if (!m) {
      objects.push({ kind: 'missing', name: header.replace(/ (?:missing|ambiguous)$/, '') });
      i = nl + 1;
      continue;
    }
    const size = Number(m[3]);
    objects.push({ kind: 'found', oid: m[1], type: m[2], content: out.subarray(nl + 1, nl + 1 + size) });
    i = nl + 1 + size + 1;
  }
  return objects;
}

/** One change of `git diff --name-status -z`: `A`, `M`, `D`, `T`, `Rnnn`/`Cnnn` (with `from`). */
export interface NameStatus {
  status: string;
  path: string;
  /** The old path of a rename or copy. */
  from?: string;
}

export function parseNameStatus(out: Buffer | string): NameStatus[] {
  const parts = splitZ(out);
  const changes: NameStatus[] = [];
  for (let i = 0; i < parts.length;) {
    const status = parts[i++];
    if (/^[RC]/.test(status)) {
      const from = parts[i++];
      const to = parts[i++];
      if (to !== undefined) changes.push({ status: status[0], path: to, from });
    } else {
      const p = parts[i++];
      if (p !== undefined) changes.push({ status: status[0], path: p });
    }
  }
  return changes;
}

/** One entry of `git status --porcelain -z` (v1): `XY SP path NUL`, renames followed by `from NUL`. */
export interface StatusEntry {
  /** Index status. */
  x: string;
  /** Work-tree status. */
  y: string;
  path: string;
  from?: string;
}

export function parsePorcelainStatus(out: Buffer | string): StatusEntry[] {
  const parts = splitZ(out);
  const entries: StatusEntry[] = [];
  for (let i = 0; i < parts.length; i++) {
    const rec = parts[i];
    if (rec.length < 4) continue;
    const e: StatusEntry = { x: rec[0], y: rec[1], path: rec.slice(3) };
    if (e.x === 'R' || e.x === 'C') e.from = parts[++i];
    entries.push(e);
  }
  return entries;
}

/**
 * `git grep -l -z … <rev>… -- <paths>` prints `<rev>:<path> NUL` per match. Revision names
 * cannot contain `:` (ref names may not; object ids do not), so the first `:` splits them.
 */
export function parseGrepFiles(out: Buffer | string): Array<{ rev: string; path: string }> {
  const hits: Array<{ rev: string; path: string }> = [];
  for (const rec of splitZ(out)) {
    const colon = rec.indexOf(':');
    if (colon > 0) hits.push({ rev: rec.slice(0, colon), path: rec.slice(colon + 1) });
  }
  return hits;
}

/** Lines of plain output, trimmed, empty ones dropped. */
export function outputLines(out: Buffer | string): string[] {
  return (typeof out === 'string' ? out : out.toString('utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** An extended regular expression (git grep -E) that matches `s` literally. */
export function escapeEre(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The `git grep -E` pattern of a module-level `revision = '<id>'` line, annotated or not
 * (`revision: str = "<id>"`), with either quote.
 */
export function revisionLinePattern(revisionId: string): string {
  return `^revision([[:space:]]*:[^=]*)?[[:space:]]*=[[:space:]]*['"]${escapeEre(revisionId)}['"]`;
}
