/**
 * The index's fast path: what the graph, its problems and its views read of a migration
 * (the four declarations' values, the message, the header's `Create Date`, where the revision
 * id is), from regular expressions run over the file's head, without building the scanner's
 * ranges. It accepts the shapes Alembic's templates and real projects write: comment lines
 * (a licence) and a triple-quoted docstring first or after the imports, then one-line
 * statements with no strings, backslashes or brackets left open before the last declaration,
 * each declaration one literal on its own line (annotated or not), LF or CRLF line ends.
 * Anything else is left to the full scanner (`undefined`), so the fast path never has to be
 * right about odd files: it has to agree with scanMigration on the files it accepts
 * (test/unit/quickScan.test.ts checks every migration of the test corpora, generated variants
 * and random edits of them).
 *
 * `head` is the text through the last declaration's line: scanMigration(head) gives the same
 * declarations as scanMigration(text), since the scanner stops after that line too. The index
 * keeps it (not the whole file) to build the full declarations when something asks for ranges.
 */
import type { Range } from '../text/sourceText';
import { detach } from './migrationScanner';

export interface QuickFacts {
  /** The revision id (`revision = '…'`, one plain string). */
  id: string;
  /** `down_revision`, `depends_on`, `branch_labels` values (empty for None or absent). */
  down: readonly string[];
  deps: readonly string[];
  labels: readonly string[];
  /** `down_revision`, `branch_labels`, `depends_on`: `-` absent, `n` None, `s` strings (for quickKey). */
  kinds: string;
  /**
   * True when the full scan would give no per-file problem: the revision id is valid and the
   * docstring's `Revision ID:` / `Revises:` agree with the code. False means "ask the full
   * declarations", never "there is a problem".
   */
  clean: boolean;
  /** The text through the last declaration's line (not keeping the file's text alive). */
  head: string;
  /** Offsets of the docstring's opening and closing quotes in `head` (-1 without one). */
  docOpen: number;
  docClose: number;
  /** Where the docstring's first `Create Date:` value is in `head` (-1 when there is none). */
  dateStart: number;
  dateEnd: number;
  /** Where the `revision` line starts in `head`, and where its literal starts and ends (quotes included). */
  revAt: number;
  revLiteralStart: number;
  revLiteralEnd: number;
  /** The `revision` line's number, counted when first asked (quickRevisionAt): -1 until then. */
  revLine: number;
}

const LIT = `'[^'\\\\\\n\\r]*'|"[^"\\\\\\n\\r]*"`;
/**
 * Any number of lines the scanner passes over whole: blank, a comment, or code with no quote,
 * bracket or backslash before its comment that does not start with a declaration's name.
 */
const PLAIN_LINES = /(?:(?!(?:revision|down_revision|branch_labels|depends_on)(?![A-Za-z0-9_\u0080-\uffff]))[^'"()[\]{}\\#\n\r]*(?:#[^\n\r]*)?\r?\n)*/y;
/** One declaration on one line: name, optional annotation (names, dots, commas, `|`, square brackets), a literal value, an optional comment. */
const DECL = new RegExp(
  `(revision|down_revision|branch_labels|depends_on)[ \\t]*(?::([\\w. \\t,|[\\]]*))?=[ \\t]*(None|${LIT}|\\([ \\t]*\\)|\\[[ \\t]*\\]|\\([^()[\\]\\n\\r#\\\\]*\\)|\\[[^()[\\]\\n\\r#\\\\]*\\]|(?:${LIT})(?:[ \\t]*,[ \\t]*(?:${LIT}))*[ \\t]*,?)[ \\t]*(?:#[^\\n\\r]*)?(?:\\r?\\n|$)`,
  'y',
);
/**
 * DECL's value alone, followed by what DECL allows after it (a lookahead): the alternatives are
 * tried in the same order against the same rest of the line, so where it ends is where DECL's
 * value group ended. Run with `test` after DECL matched: no match array, no captured strings.
 */
const VALUE_AT = new RegExp(
  `(?:None|${LIT}|\\([ \\t]*\\)|\\[[ \\t]*\\]|\\([^()[\\]\\n\\r#\\\\]*\\)|\\[[^()[\\]\\n\\r#\\\\]*\\]|(?:${LIT})(?:[ \\t]*,[ \\t]*(?:${LIT}))*[ \\t]*,?)(?=[ \\t]*(?:#[^\\n\\r]*)?(?:\\r?\\n|$))`,
  'y',
);
/** A bracketed list's inside: literals separated by commas, an optional trailing comma. */
const ITEMS = new RegExp(`^[ \\t]*(?:(?:${LIT})[ \\t]*(?:,[ \\t]*(?:${LIT})[ \\t]*)*,?[ \\t]*)?$`);
const ITEM = /'([^'\\\n\r]*)'|"([^"\\\n\r]*)"/g;
/** Blank and comment-only lines. */
const LEADING = /(?:[ \t\f]*(?:#[^\n\r]*)?\r?\n)*/y;
/** Blanks and a comment through the line's LF, from where a docstring closes (sticky: no slice). */
const AFTER_DOCSTRING_AT = /[ \t\f]*(?:#[^\n\r]*)?\r?\n/y;
/** A carriage return that does not end a CRLF line end (the scanner starts a line there). */
const LONE_CR = /\r(?!\n)/;
/**
 * The docstring's header fields, each found by itself: the scanner's one regular expression
 * (`^[ \t]*(Revision ID|Revises|Create Date)[ \t]*:[ \t]*(.*?)[ \t\r]*$`, `gim`) matches one line
 * at a time and the three keys cannot match the same line, so the first line of each key is
 * the same either way. `test` leaves `lastIndex` where the value starts, allocating nothing.
 */
const KEY_ID = /^[ \t]*Revision ID[ \t]*:[ \t]*/gim;
const KEY_REVISES = /^[ \t]*Revises[ \t]*:[ \t]*/gim;
const KEY_DATE = /^[ \t]*Create Date[ \t]*:[ \t]*/gim;
const HEADER_ID = /[^\s,()[\]'"]+/g;
/** One HEADER_ID token where it starts (sticky). */
const TOKEN_AT = /[^\s,()[\]'"]+/y;
const ILLEGAL = /[@\-+:\s]/;

const EMPTY: readonly string[] = Object.freeze([]);

/** A declaration's value: None (`null`) or its string items. */
type Value = readonly string[] | null;

/**
 * Where the value of a declaration DECL matched ends (-1 if VALUE_AT disagrees): None, and one
 * literal with only blanks, a comment or the line's end after it (DECL's alternatives take these
 * first), are told by their characters; anything else by VALUE_AT.
 */
function valueEndAt(head: string, start: number): number {
  const c = head.charCodeAt(start);
  // Of the value's shapes only None starts with N.
  if (c === 78) return start + 4;
  if (c === 39 || c === 34) {
    const close = head.indexOf(head[start], start + 1);
    let k = close + 1;
    while (head.charCodeAt(k) === 32 || head.charCodeAt(k) === 9) k++;
    const after = head.charCodeAt(k);
    if (close > start && (k >= head.length || after === 10 || after === 13 || after === 35)) return close + 1;
  }
  VALUE_AT.lastIndex = start;
  return VALUE_AT.test(head) ? VALUE_AT.lastIndex : -1;
}

/** The value between `start` and `end` of `head` (DECL's value group): None, or its string items. */
function readValueAt(head: string, start: number, end: number): Value | undefined {
  const c = head.charCodeAt(start);
  // Of the value's shapes only None starts with N.
  if (c === 78) return null;
  // One literal (the usual value): its quote closes at the end; sliced out, no more.
  if ((c === 39 || c === 34) && head.indexOf(head[start], start + 1) === end - 1) return [head.slice(start + 1, end - 1)];
  const v = head.slice(start, end);
  if ((c === 40 || c === 91) && !ITEMS.test(v.slice(1, -1))) return undefined;
  const items: string[] = [];
  // `('a')` is a string, `('a', 'b')` and `('a',)` tuples: all read as their items here.
  ITEM.lastIndex = 0;
  for (let m = ITEM.exec(v); m; m = ITEM.exec(v)) items.push(m[1] ?? m[2]);
  return items.length ? items : EMPTY;
}

/** Nothing but blanks and a comment between `from` and the LF at `nl` (`"""…""" + x` is no docstring statement). */
function onlyCommentAfter(head: string, from: number, nl: number): boolean {
  if (from === nl) return true;
  AFTER_DOCSTRING_AT.lastIndex = from;
  return AFTER_DOCSTRING_AT.test(head) && AFTER_DOCSTRING_AT.lastIndex === nl + 1;
}

/** Square brackets between `start` and `end` close in order (`Union[str, Sequence[str], None]`). */
function balanced(text: string, start: number, end: number): boolean {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 91) depth++;
    else if (c === 93 && --depth < 0) return false;
  }
  return depth === 0;
}

/** Declaration names as they start a line. */
const NEEDLES = ['\nrevision', '\ndown_revision', '\nbranch_labels', '\ndepends_on'];
const BYTE_NEEDLES = NEEDLES.map((n) => Buffer.from(n, 'latin1'));
const CR_NEEDLES = NEEDLES.map((n) => `\r${n.slice(1)}`);
const BYTE_CR_NEEDLES = CR_NEEDLES.map((n) => Buffer.from(n, 'latin1'));

/** A character or byte that continues an identifier (ASCII word characters, anything non-ASCII). */
const continuesName = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;

/**
 * Where the head ends: after the line of the last line-start declaration name (a superset of
 * where declarations can be: the scanner reads no further), or -1 when no line starts with one
 * or a carriage return stands right before a name.
 * `source` is the text, or its UTF-8 bytes (the names are ASCII: the offsets are bytes then).
 */
export function headEndOf(source: string | Uint8Array): number {
  return typeof source === 'string'
    ? headEndOfText(source)
    : headEndOfBytes(Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.length));
}

/** headEndOf over UTF-8 bytes (no closures: it runs once per file of a cold index). */
function headEndOfBytes(bytes: Buffer): number {
  // CRLF line ends are read like LF; a carriage return right before a declaration's name starts
  // a line for the scanner that this search would miss: such a file is left to the scanner.
  if (bytes.indexOf(13) >= 0) for (let k = 0; k < BYTE_CR_NEEDLES.length; k++) if (bytes.lastIndexOf(BYTE_CR_NEEDLES[k]) >= 0) return -1;
  // The newline before the last such line.
  let lastNl = -1;
  for (let k = 0; k < BYTE_NEEDLES.length; k++) {
    const needle = BYTE_NEEDLES[k];
    for (let i = bytes.lastIndexOf(needle); i > lastNl; i = bytes.lastIndexOf(needle, i - 1)) {
      if (!continuesName(bytes[i + needle.length])) {
        lastNl = i;
        break;
      }
      // (A negative start would count from the end of a Buffer.)
      if (i === 0) break;
    }
  }
  if (lastNl < 0) return -1;
  const nl = bytes.indexOf(10, lastNl + 1);
  return nl < 0 ? bytes.length : nl + 1;
}

/** headEndOf over text. */
function headEndOfText(text: string): number {
  if (text.indexOf('\r') >= 0) for (let k = 0; k < CR_NEEDLES.length; k++) if (text.lastIndexOf(CR_NEEDLES[k]) >= 0) return -1;
  let lastNl = -1;
  for (let k = 0; k < NEEDLES.length; k++) {
    const needle = NEEDLES[k];
    for (let i = text.lastIndexOf(needle); i > lastNl; i = text.lastIndexOf(needle, i - 1)) {
      if (!continuesName(text.charCodeAt(i + needle.length))) {
        lastNl = i;
        break;
      }
      if (i === 0) break;
    }
  }
  if (lastNl < 0) return -1;
  const nl = text.indexOf('\n', lastNl + 1);
  return nl < 0 ? text.length : nl + 1;
}

/** The fast facts of a migration's text, or undefined when the full scanner must read it. */
export function quickFacts(text: string): QuickFacts | undefined {
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  const end = headEndOf(text);
  if (end < 0) return undefined;
  // The kept head is a copy, so nothing keeps the whole text alive.
  return quickHead(end === text.length ? text : detach(text.slice(0, end)));
}

/**
 * The fast facts of a head: a text whose last line is the last one that starts with a
 * declaration's name (headEndOf), or undefined when the full scanner must read the file.
 */
export function quickHead(head: string): QuickFacts | undefined {
  const headEnd = head.length;
  // Blank and comment lines (a licence header, a coding line) may come first.
  // `test`, not `exec`: only where the match ends is wanted (no match array to allocate). A
  // head that opens with its docstring (the templates') has nothing to skip.
  let first = 0;
  if (head.charCodeAt(0) !== 34) {
    LEADING.lastIndex = 0;
    LEADING.test(head);
    first = LEADING.lastIndex;
  }
  // The docstring, when the first statement is one: no escapes or carriage returns in it.
  let docOpen = -1;
  let close = -1;
  let body = '';
  let p = first;
  if (head.startsWith('"""', first)) {
    docOpen = first;
    close = head.indexOf('"""', first + 3);
    if (close < 0) return undefined;
    const docEnd = head.indexOf('\n', close + 3);
    // A line after the docstring's must start with a declaration's name.
    if (docEnd < 0 || docEnd + 1 >= headEnd) return undefined;
    body = head.slice(first + 3, close);
    if (body.indexOf('\\') >= 0 || (body.indexOf('\r') >= 0 && LONE_CR.test(body))) return undefined;
    // Nothing but a comment after it: `"""…""" + x` or `"""…"""; x` is no docstring statement, or not one this reads.
    if (!onlyCommentAfter(head, close + 3, docEnd)) return undefined;
    p = docEnd + 1;
  }

  let rev: Value | undefined, down: Value | undefined, labels: Value | undefined, deps: Value | undefined;
  let revAt = -1;
  for (;;) {
    // A line that starts with a declaration's first letter is tried as one first: where DECL
    // matches, PLAIN_LINES (which stops at a declaration's name) would have passed over nothing.
    const c = head.charCodeAt(p);
    DECL.lastIndex = p;
    if (!((c === 114 || c === 100 || c === 98) && DECL.test(head))) {
      PLAIN_LINES.lastIndex = p;
      PLAIN_LINES.test(head);
      p = PLAIN_LINES.lastIndex;
      if (p >= headEnd) break;
      // A string statement of its own (a docstring placed after the imports): skipped whole, as
      // the scanner skips it.
      if (head.startsWith('"""', p)) {
        const end = head.indexOf('"""', p + 3);
        const nl = end < 0 ? -1 : head.indexOf('\n', end + 3);
        if (nl < 0 || head.slice(p, end).indexOf('\\') >= 0 || LONE_CR.test(head.slice(p, end)) || !onlyCommentAfter(head, end + 3, nl)) return undefined;
        p = nl + 1;
        continue;
      }
      // The line is one declaration (DECL), read in place: its name by its letters, the
      // annotation (up to the `=`, which an annotation cannot hold) and the value by offsets.
      DECL.lastIndex = p;
      if (!DECL.test(head)) return undefined;
    }
    const lineEnd = DECL.lastIndex;
    const c0 = head.charCodeAt(p);
    const nameLength = c0 === 114 ? 8 : c0 === 98 ? 13 : head.charCodeAt(p + 2) === 119 ? 13 : 10;
    const eq = head.indexOf('=', p + nameLength);
    let afterName = p + nameLength;
    while (head.charCodeAt(afterName) === 32 || head.charCodeAt(afterName) === 9) afterName++;
    if (head.charCodeAt(afterName) === 58 && !balanced(head, afterName + 1, eq)) return undefined;
    let valueStart = eq + 1;
    while (head.charCodeAt(valueStart) === 32 || head.charCodeAt(valueStart) === 9) valueStart++;
    const valueEnd = valueEndAt(head, valueStart);
    if (valueEnd < 0) return undefined;
    const v = readValueAt(head, valueStart, valueEnd);
    if (v === undefined) return undefined;
    if (c0 === 114) {
      rev = v;
      revAt = p;
    } else if (c0 === 98) labels = v;
    else if (nameLength === 13) down = v;
    else deps = v;
    p = lineEnd;
  }
  if (!rev || rev.length !== 1) return undefined;
  const id = rev[0];

  // Where the revision's literal is: the first one after the line's `=` (an annotation has
  // neither an `=` nor a quote; the declaration's pattern allows no escapes in a literal).
  let litStart = head.indexOf('=', revAt) + 1;
  for (let c = head.charCodeAt(litStart); c !== 39 && c !== 34; c = head.charCodeAt(++litStart));
  const litEnd = head.indexOf(head[litStart], litStart + 1) + 1;

  let dateStart = -1;
  let dateEnd = -1;
  const downIds = down ?? EMPTY;
  // Whether the docstring's header agrees with the code. The usual header holds one token per
  // value, compared in place; any other value is read as the scanner reads it.
  let headerAgrees = true;
  if (docOpen >= 0) {
    let at = valueStart(KEY_ID, body);
    if (at >= 0) {
      const end = valueEnd(body, at);
      TOKEN_AT.lastIndex = at;
      if (at < end && TOKEN_AT.test(body)) headerAgrees = TOKEN_AT.lastIndex - at === id.length && body.startsWith(id, at);
      else {
        HEADER_ID.lastIndex = 0;
        const headerId = HEADER_ID.exec(body.slice(at, end))?.[0];
        headerAgrees = headerId === undefined || headerId === id;
      }
    }
    at = valueStart(KEY_REVISES, body);
    if (at >= 0 && down !== undefined) {
      const end = valueEnd(body, at);
      TOKEN_AT.lastIndex = at;
      if (at === end) headerAgrees &&= downIds.length === 0;
      else if (TOKEN_AT.test(body) && TOKEN_AT.lastIndex === end) {
        const length = end - at;
        const nothing = (length === 4 && body.startsWith('None', at)) || (length === 6 && body.startsWith('<base>', at));
        headerAgrees &&= nothing ? downIds.length === 0 : downIds.length === 1 && downIds[0].length === length && body.startsWith(downIds[0], at);
      } else {
        const revises = (body.slice(at, end).match(HEADER_ID) ?? []).filter((x) => x !== 'None' && x !== '<base>');
        headerAgrees &&= sameIds(downIds, revises);
      }
    }
    at = valueStart(KEY_DATE, body);
    if (at >= 0) {
      dateStart = docOpen + 3 + at;
      dateEnd = docOpen + 3 + valueEnd(body, at);
    }
  }
  const clean = id !== '' && !ILLEGAL.test(id) && headerAgrees;
  return {
    id,
    down: downIds,
    deps: deps ?? EMPTY,
    labels: labels ?? EMPTY,
    kinds: KINDS[kind(down) * 9 + kind(labels) * 3 + kind(deps)],
    clean,
    head,
    docOpen,
    docClose: close,
    dateStart,
    dateEnd,
    revAt,
    revLiteralStart: litStart,
    revLiteralEnd: litEnd,
    revLine: -1,
  };
}

/** Where the first `key` line's value starts in `body`, or -1 without one. */
function valueStart(key: RegExp, body: string): number {
  key.lastIndex = 0;
  return key.test(body) ? key.lastIndex : -1;
}

/**
 * Where a header value that starts at `start` ends: the scanner's lazy `(.*?)[ \t\r]*$` stops
 * at the line's end (`.` crosses no line terminator: LF, CR, U+2028, U+2029), blanks before
 * it left out.
 */
function valueEnd(body: string, start: number): number {
  LINE_REST_AT.lastIndex = start;
  LINE_REST_AT.test(body);
  let end = LINE_REST_AT.lastIndex;
  while (end > start && (body.charCodeAt(end - 1) === 32 || body.charCodeAt(end - 1) === 9)) end--;
  return end;
}

/** The rest of a line: up to a line terminator (sticky; always matches). */
const LINE_REST_AT = /[^\n\r\u2028\u2029]*/y;

// What the graph's views show, computed when asked (nothing of it is kept per file).

/** The whole docstring, stripped (Alembic's `Script.longdoc`). */
export function quickLongMessage(q: QuickFacts): string {
  return q.docOpen < 0
    ? ''
    : q.head
        .slice(q.docOpen + 3, q.docClose)
        .replace(/\r\n/g, '\n')
        .trim();
}

/** The docstring up to its first blank line (Alembic's `Script.doc`). */
export function quickMessage(q: QuickFacts): string {
  if (q.docOpen < 0) return '';
  // The usual docstring (ASCII blanks around it, no CR): one slice of the head, computed in
  // place, where the general path below makes four strings (a graph answer asks for every one).
  const head = q.head;
  let start = q.docOpen + 3;
  let end = q.docClose;
  while (start < end && asciiBlank(head.charCodeAt(start))) start++;
  while (end > start && asciiBlank(head.charCodeAt(end - 1))) end--;
  const first = head.charCodeAt(start);
  const last = head.charCodeAt(end - 1);
  if (start === end || (first < 128 && last < 128 && head.lastIndexOf('\r', end) < start)) {
    const para = head.indexOf('\n\n', start);
    return head.slice(start, para >= 0 && para < end ? para : end);
  }
  const doc = quickLongMessage(q);
  const para = doc.indexOf('\n\n');
  return para < 0 ? doc : doc.slice(0, para);
}

/** Blanks `String.prototype.trim` removes that are ASCII (it also removes Unicode spaces). */
const asciiBlank = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** The docstring's first `Create Date:` value, raw. */
export function quickCreateDate(q: QuickFacts): string | undefined {
  return q.dateStart < 0 ? undefined : q.head.slice(q.dateStart, q.dateEnd);
}

/**
 * Line, first and end column of the revision id's literal: the line is counted when first asked
 * (the index and the CLI never ask; a graph answer and diagnostics do) and kept.
 */
export function quickRevisionAt(q: QuickFacts): [line: number, start: number, end: number] {
  if (q.revLine < 0) {
    let line = 0;
    for (let i = q.head.indexOf('\n'); i >= 0 && i < q.revAt; i = q.head.indexOf('\n', i + 1)) line++;
    q.revLine = line;
  }
  return [q.revLine, q.revLiteralStart - q.revAt, q.revLiteralEnd - q.revAt];
}

/** The range of the revision id's literal. */
export function quickRevisionRange(q: QuickFacts): Range {
  const [line, start, end] = quickRevisionAt(q);
  return { start: { line, character: start }, end: { line, character: end } };
}

/** 0 absent, 1 None, 2 strings; KINDS spells three of them (one constant string, not one built per file). */
const kind = (v: Value | undefined): number => (v === undefined ? 0 : v === null ? 1 : 2);
const KINDS = Array.from({ length: 27 }, (_, i) => ['-', 'n', 's'][Math.floor(i / 9)] + ['-', 'n', 's'][Math.floor(i / 3) % 3] + ['-', 'n', 's'][i % 3]);

/** The same ids in any order. */
function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 1) return a[0] === b[0];
  return [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

/** What revisionGraph's graphKey computes from full declarations, from the facts. */
export function quickKey(q: QuickFacts): string {
  const part = (k: string, v: readonly string[]): string => (k === 's' ? `s${v.length}:${v.join('\u0001')}` : k);
  return `s1:${q.id}\u0000${part(q.kinds[0], q.down)}\u0000${part(q.kinds[1], q.labels)}\u0000${part(q.kinds[2], q.deps)}`;
}
