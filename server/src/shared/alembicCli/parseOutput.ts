/**
 * Readers for what alembic prints: `current`, `heads` and `history` lines (shown by the Show
 * commands — the extension never learns state from them), the `Running upgrade a -> b` log
 * lines, and `--sql` offline output split into one block per migration step. Formats are those
 * of alembic 1.8 – 1.18 (`Script._head_only` / `cmd_format`). Pure.
 */

/** Markers alembic appends in parentheses. Anything else in parentheses is a branch label list. */
export type RevisionMarker = 'head' | 'effective head' | 'current' | 'branchpoint' | 'mergepoint';
const MARKERS: ReadonlySet<string> = new Set(['head', 'effective head', 'current', 'branchpoint', 'mergepoint']);

/** One line of `alembic current`, `heads` or `history` (non-verbose). */
export interface RevisionLine {
  revision: string;
  /** Parents (`<base>` gives []), present in history lines only. */
  parents?: string[];
  /** `depends_on` targets, printed as `a (dep1, dep2) -> rev`. */
  dependencies?: string[];
  labels: string[];
  markers: RevisionMarker[];
  /** The message, present in history lines only. */
  message?: string;
}

const splitList = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Reads `(labels) (head) (mergepoint)` groups after the revision id. */
function readSuffix(rest: string): { labels: string[]; markers: RevisionMarker[]; remainder: string } {
  const labels: string[] = [];
  const markers: RevisionMarker[] = [];
  let s = rest;
  for (let m = /^\s*\(([^()]*)\)/.exec(s); m; m = /^\s*\(([^()]*)\)/.exec(s)) {
    const inner = m[1].trim();
    if (MARKERS.has(inner)) markers.push(inner as RevisionMarker);
    else labels.push(...splitList(inner));
    s = s.slice(m[0].length);
  }
  return { labels, markers, remainder: s };
}

/**
 * Parses one line of `current` / `heads` (`<rev> (label) (head)`) or `history`
 * (`<down>[ (deps)] -> <rev> (label) (head) (mergepoint), <message>`). Returns undefined for
 * log lines, blank lines and anything else.
 */
export function parseRevisionLine(line: string): RevisionLine | undefined {
  const text = line.replace(/\r$/, '');
  if (!text.trim() || /^(INFO|WARNI|WARN|ERROR|DEBUG) +\[/.test(text) || /^(FAILED|Rev|Parent|Path|Merges):/.test(text)) return undefined;
  const arrow = text.indexOf(' -> ');
  if (arrow >= 0) {
    let down = text.slice(0, arrow).trim();
    let dependencies: string[] | undefined;
    const deps = /^(.*?)\s*\(([^()]*)\)$/.exec(down);
    if (deps) {
      down = deps[1].trim();
      dependencies = splitList(deps[2]);
    }
    const after = text.slice(arrow + 4);
    const id = /^([^\s,()]+)/.exec(after);
    if (!id) return undefined;
    const suffix = readSuffix(after.slice(id[1].length));
    const message = suffix.remainder.startsWith(',') ? suffix.remainder.slice(1).trim() : undefined;
    return {
      revision: id[1],
      parents: down === '<base>' || down === '' ? [] : splitList(down),
      ...(dependencies ? { dependencies } : {}),
      labels: suffix.labels,
      markers: suffix.markers,
      ...(message !== undefined ? { message } : {}),
    };
  }
  const id = /^([^\s,()]+)/.exec(text.trim());
  if (!id) return undefined;
  const suffix = readSuffix(text.trim().slice(id[1].length));
  if (suffix.remainder.trim() !== '') return undefined;
  return { revision: id[1], labels: suffix.labels, markers: suffix.markers };
}

/** Every revision line of a command's stdout (`current`, `heads`, `history`). */
export function parseRevisionLines(stdout: string): RevisionLine[] {
  return stdout
    .split('\n')
    .map(parseRevisionLine)
    .filter((x): x is RevisionLine => x !== undefined);
}

/** A migration step as alembic logs it (`Running upgrade a -> b, message`) or prints it in `--sql`. */
export interface MigrationStep {
  direction: 'upgrade' | 'downgrade';
  /** Revisions before the step ([] from base; two for the upgrade into a merge). */
  from: string[];
  /** Revisions after the step ([] to base; two for the downgrade out of a merge). */
  to: string[];
  message?: string;
}

// Ids in the ", "-separated tail of a downgrade line are told from the message by shape:
// messages have spaces; ids are hex or at least contain a digit.
const looksLikeId = (s: string): boolean => /^[0-9a-f]{4,}$/i.test(s) || (/\d/.test(s) && /^[^\s@+:-]+$/.test(s));

/**
 * Parses `Running upgrade a -> b, message` (from a log line, anywhere in it) or
 * `-- Running downgrade b -> a` (offline SQL, which prints no message). Undefined otherwise.
 */
export function parseMigrationStep(line: string): MigrationStep | undefined {
  const text = line.replace(/\r$/, '');
  const m = /Running (upgrade|downgrade) (.*?) -> (.*)$/.exec(text);
  if (!m) return undefined;
  const direction = m[1] as 'upgrade' | 'downgrade';
  const offline = text.startsWith('-- Running ');
  const tail = m[3].split(',').map((x) => x.trim());
  const first = tail.shift() ?? '';
  const to = first ? [first] : [];
  if (offline) return { direction, from: splitList(m[2]), to: [...to, ...tail.filter(Boolean)] };
  // A downgrade out of a merge reaches several revisions: `c -> a, b, message`.
  if (direction === 'downgrade') while (tail.length > 1 && looksLikeId(tail[0])) to.push(tail.shift()!);
  const message = m[3]
    .split(',')
    .slice(to.length || 1)
    .join(',')
    .trim();
  return { direction, from: splitList(m[2]), to, ...(message ? { message } : {}) };
}

/** Offline SQL (`upgrade a:b --sql`) split into steps. */
export interface OfflineSql {
  /** Statements before the first step (`BEGIN;`, `CREATE TABLE alembic_version …`). */
  preamble: string;
  steps: Array<MigrationStep & { sql: string }>;
  /** What closes the script after the last step (`COMMIT;`). */
  epilogue: string;
}

/**
 * Splits `--sql` output on its `-- Running upgrade a -> b` comments. Each step's `sql` is the
 * text up to the next step; the final `COMMIT;` that closes the whole script is the epilogue.
 */
export function parseOfflineSql(stdout: string): OfflineSql {
  const preamble: string[] = [];
  const parts: Array<{ step: MigrationStep; lines: string[] }> = [];
  let current = preamble;
  for (const line of stdout.replace(/\r\n/g, '\n').split('\n')) {
    const step = line.startsWith('-- Running ') ? parseMigrationStep(line) : undefined;
    if (step) {
      parts.push({ step, lines: [] });
      current = parts[parts.length - 1].lines;
    } else {
      current.push(line);
    }
  }
  const epilogue: string[] = [];
  const last = parts[parts.length - 1]?.lines;
  if (last) {
    while (last.length && (last[last.length - 1].trim() === '' || /^COMMIT;\s*$/.test(last[last.length - 1]))) epilogue.unshift(last.pop()!);
  }
  return {
    preamble: preamble.join('\n').trim(),
    steps: parts.map((p) => ({ ...p.step, sql: p.lines.join('\n').trim() })),
    epilogue: epilogue.join('\n').trim(),
  };
}
