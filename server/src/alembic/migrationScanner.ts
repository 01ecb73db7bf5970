/**
 * The fast path of the index: reads what a migration declares (`revision`, `down_revision`,
 * `branch_labels`, `depends_on`, the docstring header and message) with a small Python lexer
 * that only looks at module-level statements. It never builds a syntax tree, so indexing
 * thousands of files costs about as much as reading them. The full tree-sitter parse
 * (migrationParser.ts) is for open or linted files; both must produce the same declarations.
 */
import type { DeclValue, Declaration, DeclarationName, HeaderField, MigrationDeclarations, StringRef } from './types';
import { LineIndex, type StringPiece } from '../text/sourceText';
import { decodePythonStringBody } from './pythonLiteral';

const NL = 10,
  CR = 13,
  SP = 32,
  TAB = 9,
  FF = 12,
  HASH = 35,
  BSL = 92,
  SQ = 39,
  DQ = 34;
const LP = 40,
  RP = 41,
  LB = 91,
  RB = 93,
  LC = 123,
  RC = 125,
  COMMA = 44,
  EQ = 61,
  COLON = 58,
  SEMI = 59;

const DECL_KEYS: Record<string, keyof Pick<MigrationDeclarations, 'revision' | 'downRevision' | 'branchLabels' | 'dependsOn'>> = {
  revision: 'revision',
  down_revision: 'downRevision',
  branch_labels: 'branchLabels',
  depends_on: 'dependsOn',
};

/** Characters that matter when skipping over a logical line. */
const SPECIAL = /[\n'"#\\()[\]{}]/g;

/**
 * A physical line that starts with a declaration's name: the only places a declaration can
 * begin (statement() reads names at the start of a line only). A superset: a match inside a
 * string or a bracket is no declaration, but where there is no match there is none.
 */
const CANDIDATE = /(?:^|[\n\r])(?:revision|down_revision|branch_labels|depends_on)(?![A-Za-z0-9_\u0080-\uffff])/g;

/**
 * A copy of `s` that does not keep the text it was sliced from alive (V8 slices of 13 or more
 * characters point into their parent: one kept message would keep its whole file in memory).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * One string value made of implicitly concatenated literal pieces, or undefined for bytes and
 * f-strings (not plain `str` values). Shared by the scanner and the tree-sitter parser so
 * both report identical values and ranges.
 */
export function makeStringRef(t: string, pieces: StringPiece[], lines: LineIndex): StringRef | undefined {
  let value = '';
  for (const s of pieces) {
    if (/[bBfF]/.test(s.prefix)) return undefined;
    const body = t.slice(s.start + s.prefix.length + s.quoteLen, s.end - s.quoteLen);
    value += decodePythonStringBody(body.replace(/\r\n?/g, '\n'), /[rR]/.test(s.prefix));
  }
  const first = pieces[0];
  const ref: StringRef = { value: detach(value), range: lines.range(first.start, pieces[pieces.length - 1].end) };
  if (pieces.length === 1) {
    const cs = first.start + first.prefix.length + first.quoteLen;
    const ce = first.end - first.quoteLen;
    if (t.slice(cs, ce) === value) ref.contentRange = lines.range(cs, ce);
  }
  return ref;
}

/** Message, range and header fields of a module docstring literal (as Alembic's `Script.doc` reads it). */
export function readDocstring(
  t: string,
  s: StringPiece,
  lines: LineIndex,
): Pick<MigrationDeclarations, 'message' | 'longMessage' | 'docstringRange' | 'header'> {
  const bodyStart = s.start + s.prefix.length + s.quoteLen;
  const bodyEnd = Math.max(bodyStart, s.end - s.quoteLen);
  const raw = /[rR]/.test(s.prefix);
  const doc = decodePythonStringBody(t.slice(bodyStart, bodyEnd).replace(/\r\n?/g, '\n'), raw).trim();
  const message = doc.split('\n\n')[0];
  return {
    message: detach(message),
    ...(doc !== message ? { longMessage: detach(doc) } : {}),
    docstringRange: lines.range(s.start, s.end),
    header: parseHeader(t, bodyStart, bodyEnd, lines),
  };
}

interface StringToken {
  start: number;
  end: number;
  prefix: string;
  quoteLen: number;
  /** False when the literal runs into the end of its line (or of the file) without its closing quote. */
  closed: boolean;
}

/**
 * Parses the declarations of one migration's source text. Never throws. It stops at the last
 * line that could start a declaration (function bodies after it are not walked); `full` walks
 * every line to the end (the parity tests compare both).
 */
export function scanMigration(source: string, opts: { full?: boolean } = {}): MigrationDeclarations {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  return new Scanner(text, !!opts.full).scan();
}

class Scanner {
  private readonly n: number;
  private readonly lines: LineIndex;
  private readonly result: MigrationDeclarations = { header: {}, message: '' };
  /** Whether the string skipString last read had its closing quote. */
  private lastClosed = true;

  constructor(
    private readonly t: string,
    private readonly full: boolean,
  ) {
    this.n = t.length;
    this.lines = new LineIndex(t);
  }

  /** Offset of the next line start at or after `i` that could begin a declaration, or -1. */
  private nextCandidate(i: number): number {
    CANDIDATE.lastIndex = i > 0 ? i - 1 : 0;
    const m = CANDIDATE.exec(this.t);
    if (!m) return -1;
    const c = this.t.charCodeAt(m.index);
    return c === NL || c === CR ? m.index + 1 : m.index;
  }

  scan(): MigrationDeclarations {
    const t = this.t;
    let i = 0;
    let first = true;
    // Where the next declaration could start; once past the last one, nothing later can
    // change the result (the docstring is the first statement only).
    let candidate = this.full ? this.n : 0;
    while (i < this.n) {
      if (!first && i > candidate) {
        candidate = this.nextCandidate(i);
        if (candidate < 0) break;
      }
      let j = i;
      let c = t.charCodeAt(j);
      while (c === SP || c === TAB || c === FF) c = t.charCodeAt(++j);
      if (c === NL) {
        i = j + 1;
        continue;
      }
      if (c === CR) {
        i = j + 1;
        continue;
      }
      if (c === HASH) {
        const e = t.indexOf('\n', j);
        i = e < 0 ? this.n : e + 1;
        continue;
      }
      if (j >= this.n) break;
      if (j > i) {
        first = false;
        i = this.skipLogicalLine(j);
        continue;
      }
      if (first) {
        first = false;
        const s = this.stringAt(j);
        if (s && !s.closed) {
          this.unclosed(s, 'The module docstring');
          break;
        }
        if (s && this.isDocstringStatement(s)) {
          this.readDocstring(s);
          i = this.skipLogicalLine(s.end);
          continue;
        }
      }
      i = this.statement(j);
    }
    if (this.result.syntaxError) return { header: {}, message: '', syntaxError: this.result.syntaxError };
    return this.result;
  }

  /** Records a string literal that never closes (Python stops at it: nothing of the file is loaded). */
  private unclosed(s: StringToken, what: string): void {
    const t = this.t;
    const nl = t.indexOf('\n', s.start);
    const end = nl < 0 ? this.n : t.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    const kind = s.quoteLen === 3 ? 'unterminated triple-quoted string literal' : 'unterminated string literal';
    this.result.syntaxError = {
      message: `${what} opens a string that never closes (Python: "${kind}"), so Python cannot import this file and Alembic cannot load it. Close the string.`,
      range: this.lines.range(s.start, Math.max(end, s.start + 1)),
    };
  }

  /** A top-level statement starting at `j`; returns the offset after it. */
  private statement(j: number): number {
    const t = this.t;
    const nameEnd = identEnd(t, j);
    if (nameEnd === j) return this.skipLogicalLine(j);
    const name = t.slice(j, nameEnd);
    if (!Object.hasOwn(DECL_KEYS, name)) return this.skipLogicalLine(j);
    const key = DECL_KEYS[name];
    let p = this.skipSpaces(nameEnd);
    const c = t.charCodeAt(p);
    if (c === COLON) {
      const eq = this.findAnnotationEquals(p + 1);
      if (eq < 0) return this.skipLogicalLine(j);
      p = eq + 1;
    } else if (c === EQ && t.charCodeAt(p + 1) !== EQ) {
      p = p + 1;
    } else {
      return this.skipLogicalLine(j);
    }
    p = this.skipSpaces(p);
    const parsed = this.parseValue(p);
    if (parsed.unclosed) {
      this.unclosed(parsed.unclosed, `\`${name}\``);
      return this.n;
    }
    const decl: Declaration = { nameRange: this.lines.range(j, nameEnd), value: parsed.value };
    this.result[key] = decl;
    return parsed.next;
  }

  /** After `name:`, the `=` of an annotated assignment at bracket depth 0, or -1 if there is none. */
  private findAnnotationEquals(p: number): number {
    const t = this.t;
    let depth = 0;
    while (p < this.n) {
      const c = t.charCodeAt(p);
      if (c === NL || (c === HASH && depth === 0)) {
        if (depth === 0) return -1;
        if (c === HASH) {
          const e = t.indexOf('\n', p);
          if (e < 0) return -1;
          p = e;
          continue;
        }
      } else if (c === LP || c === LB || c === LC) depth++;
      else if (c === RP || c === RB || c === RC) depth = Math.max(0, depth - 1);
      else if (c === SQ || c === DQ) {
        p = this.skipString(p);
        continue;
      } else if (c === BSL) {
        p += 2;
        continue;
      } else if (c === EQ && depth === 0 && t.charCodeAt(p + 1) !== EQ) return p;
      p++;
    }
    return -1;
  }

  private skipSpaces(p: number): number {
    const t = this.t;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === SP || c === TAB || c === FF) p++;
      else if (c === BSL && (t.charCodeAt(p + 1) === NL || (t.charCodeAt(p + 1) === CR && t.charCodeAt(p + 2) === NL))) {
        p += t.charCodeAt(p + 1) === CR ? 3 : 2;
      } else return p;
    }
  }

  /** Skips one logical line (strings, brackets, comments, continuations); returns the offset after its newline. */
  private skipLogicalLine(j: number): number {
    const t = this.t;
    let depth = 0;
    SPECIAL.lastIndex = j;
    for (;;) {
      const m = SPECIAL.exec(t);
      if (!m) return this.n;
      const k = m.index;
      switch (t.charCodeAt(k)) {
        case NL:
          if (depth === 0) return k + 1;
          break;
        case HASH: {
          const e = t.indexOf('\n', k);
          if (e < 0) return this.n;
          SPECIAL.lastIndex = e;
          continue;
        }
        case BSL:
          SPECIAL.lastIndex = k + 2;
          continue;
        case SQ:
        case DQ:
          SPECIAL.lastIndex = this.skipString(k);
          continue;
        case LP:
        case LB:
        case LC:
          depth++;
          break;
        default:
          if (depth > 0) depth--;
      }
      SPECIAL.lastIndex = k + 1;
    }
  }

  /** `k` is at an opening quote; returns the offset after the closing quote (or the end of the line/file if unterminated). */
  private skipString(k: number): number {
    const t = this.t;
    const q = t.charCodeAt(k);
    if (t.charCodeAt(k + 1) === q && t.charCodeAt(k + 2) === q) {
      const closer = q === SQ ? "'''" : '"""';
      let p = k + 3;
      for (;;) {
        const c = t.indexOf(closer, p);
        if (c < 0) {
          this.lastClosed = false;
          return this.n;
        }
        let b = 0;
        for (let x = c - 1; x >= p && t.charCodeAt(x) === BSL; x--) b++;
        if (b % 2 === 0) {
          this.lastClosed = true;
          return c + 3;
        }
        p = c + 1;
      }
    }
    let p = k + 1;
    this.lastClosed = false;
    while (p < this.n) {
      const c = t.charCodeAt(p);
      if (c === BSL) {
        p += t.charCodeAt(p + 1) === CR && t.charCodeAt(p + 2) === NL ? 3 : 2;
        continue;
      }
      if (c === q) {
        this.lastClosed = true;
        return p + 1;
      }
      if (c === NL || (c === CR && t.charCodeAt(p + 1) !== NL)) return p;
      p++;
    }
    return this.n;
  }

  /** A string literal token (with its prefix) starting at `j`, if there is one. */
  private stringAt(j: number): StringToken | undefined {
    const t = this.t;
    let p = j;
    while (p - j < 2 && isPrefixChar(t.charCodeAt(p))) p++;
    const q = t.charCodeAt(p);
    if (q !== SQ && q !== DQ) return undefined;
    const prefix = t.slice(j, p);
    if (prefix && !/^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])$/.test(prefix)) return undefined;
    const triple = t.charCodeAt(p + 1) === q && t.charCodeAt(p + 2) === q;
    const end = this.skipString(p);
    return { start: j, end, prefix, quoteLen: triple ? 3 : 1, closed: this.lastClosed };
  }

  /** True when the string token is the whole first statement (a docstring, not `'a' + b`). */
  private isDocstringStatement(s: StringToken): boolean {
    if (/[bBfF]/.test(s.prefix)) return false;
    const p = this.skipSpaces(s.end);
    const c = this.t.charCodeAt(p);
    return Number.isNaN(c) || c === NL || c === CR || c === HASH || c === SEMI;
  }

  private readDocstring(s: StringToken): void {
    Object.assign(this.result, readDocstring(this.t, s, this.lines));
  }

  /** Parses the right-hand side of a declaration starting at `p`. */
  private parseValue(p: number): { value: DeclValue; next: number; unclosed?: StringToken } {
    const toks = this.valueTokens(p);
    if (toks.unclosed) return { value: { kind: 'dynamic', text: '', range: this.lines.range(p, p) }, next: this.n, unclosed: toks.unclosed };
    const next = toks.next;
    const list = toks.tokens;
    const last = list.length ? list[list.length - 1].end : p;
    const whole = this.lines.range(p, last);
    const dynamic = (): { value: DeclValue; next: number } => ({ value: { kind: 'dynamic', text: detach(this.t.slice(p, last)), range: whole }, next });
    if (toks.bad || list.length === 0) return dynamic();

    if (list.length === 1 && list[0].kind === 'name' && this.t.slice(list[0].start, list[0].end) === 'None') {
      return { value: { kind: 'none', range: whole }, next };
    }
    let i = 0;
    let shape: 'string' | 'tuple' | 'list' = 'string';
    let closer = '';
    const open = list[0];
    if (open.kind === 'op' && (open.ch === '(' || open.ch === '[')) {
      shape = open.ch === '(' ? 'tuple' : 'list';
      closer = open.ch === '(' ? ')' : ']';
      i = 1;
      const end = list[list.length - 1];
      if (end.kind !== 'op' || end.ch !== closer) return dynamic();
    }
    const stop = closer ? list.length - 1 : list.length;
    const items: StringRef[] = [];
    let sawComma = false;
    while (i < stop) {
      const startTok = i;
      while (i < stop && list[i].kind === 'str') i++;
      if (i === startTok) return dynamic();
      const item = this.stringRef(list.slice(startTok, i) as StringPiece[]);
      if (!item) return dynamic();
      items.push(item);
      if (i < stop) {
        const sep = list[i];
        if (sep.kind !== 'op' || sep.ch !== ',') return dynamic();
        sawComma = true;
        i++;
      }
    }
    if (!closer && sawComma) shape = 'tuple';
    if (closer === ')' && !sawComma) {
      if (items.length === 1) shape = 'string';
      else if (items.length !== 0) return dynamic();
    }
    return { value: { kind: 'strings', shape, items, range: whole }, next };
  }

  private stringRef(pieces: StringPiece[]): StringRef | undefined {
    return makeStringRef(this.t, pieces, this.lines);
  }

  /**
   * Tokens of the rest of a logical line: strings, names, brackets and commas, enough to
   * recognise literal values. `bad` is set when anything else appears (the value is computed).
   */
  private valueTokens(p: number): { tokens: Tok[]; next: number; bad: boolean; unclosed?: StringToken } {
    const t = this.t;
    const tokens: Tok[] = [];
    let depth = 0;
    let bad = false;
    while (p < this.n) {
      const c = t.charCodeAt(p);
      if (c === SP || c === TAB || c === FF || c === CR) {
        p++;
        continue;
      }
      if (c === NL) {
        if (depth === 0) return { tokens, next: p + 1, bad };
        p++;
        continue;
      }
      if (c === HASH) {
        const e = t.indexOf('\n', p);
        p = e < 0 ? this.n : e;
        continue;
      }
      if (c === BSL) {
        p += 2;
        continue;
      }
      if (c === SEMI && depth === 0) return { tokens, next: this.skipLogicalLine(p + 1), bad };
      const s = this.stringAt(p);
      if (s && !s.closed) return { tokens, next: this.n, bad: true, unclosed: s };
      if (s) {
        tokens.push({ kind: 'str', start: s.start, end: s.end, prefix: s.prefix, quoteLen: s.quoteLen });
        p = s.end;
        continue;
      }
      if (c === LP || c === LB || c === LC) depth++;
      else if (c === RP || c === RB || c === RC) depth = Math.max(0, depth - 1);
      if (c === LP || c === LB || c === RP || c === RB || c === COMMA) {
        tokens.push({ kind: 'op', start: p, end: p + 1, ch: String.fromCharCode(c) });
        p++;
        continue;
      }
      const e = identEnd(t, p);
      if (e > p) {
        tokens.push({ kind: 'name', start: p, end: e });
        if (t.slice(p, e) !== 'None') bad = true;
        p = e;
        continue;
      }
      // Any operator, number or other character: a computed value.
      bad = true;
      tokens.push({ kind: 'other', start: p, end: p + 1 });
      p++;
    }
    return { tokens, next: this.n, bad };
  }
}

type Tok =
  | { kind: 'str'; start: number; end: number; prefix: string; quoteLen: number }
  | { kind: 'op'; start: number; end: number; ch: string }
  | { kind: 'name' | 'other'; start: number; end: number };

function isPrefixChar(c: number): boolean {
  // r R u U b B f F
  return c === 114 || c === 82 || c === 117 || c === 85 || c === 98 || c === 66 || c === 102 || c === 70;
}

/** End of a Python identifier starting at `p` (== p when there is none). */
function identEnd(t: string, p: number): number {
  const c0 = t.charCodeAt(p);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95 || c0 > 127)) return p;
  let e = p + 1;
  for (;;) {
    const c = t.charCodeAt(e);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c > 127) e++;
    else return e;
  }
}

// No `d` (indices) flag: V8 runs such regexps much slower; the value's offset is computed below.
const HEADER_LINE = /^[ \t]*(Revision ID|Revises|Create Date)[ \t]*:[ \t]*(.*?)[ \t\r]*$/gim;
const HEADER_KEYS: Record<string, keyof MigrationDeclarations['header']> = {
  'revision id': 'revisionId',
  revises: 'revises',
  'create date': 'createDate',
};
const HEADER_ID = /[^\s,()[\]'"]+/g;

/** Reads `Revision ID:`, `Revises:` and `Create Date:` lines from a docstring body (raw source span). */
export function parseHeader(t: string, bodyStart: number, bodyEnd: number, lines: LineIndex): MigrationDeclarations['header'] {
  const header: MigrationDeclarations['header'] = {};
  const body = t.slice(bodyStart, bodyEnd);
  HEADER_LINE.lastIndex = 0;
  for (let m = HEADER_LINE.exec(body); m; m = HEADER_LINE.exec(body)) {
    const key = HEADER_KEYS[m[1].toLowerCase()];
    if (!key || header[key]) continue;
    const raw = m[2];
    // Group 2 starts after the colon and the blanks that follow it.
    let v = m.index + m[0].indexOf(':') + 1;
    while (body.charCodeAt(v) === SP || body.charCodeAt(v) === TAB) v++;
    const valueStart = bodyStart + v;
    const field: HeaderField = { raw: detach(raw), ids: [], range: lines.range(valueStart, valueStart + raw.length) };
    if (key !== 'createDate') {
      HEADER_ID.lastIndex = 0;
      for (let id = HEADER_ID.exec(raw); id; id = HEADER_ID.exec(raw)) {
        if (key === 'revises' && (id[0] === 'None' || id[0] === '<base>')) continue;
        const s = valueStart + id.index;
        field.ids.push({ value: detach(id[0]), range: lines.range(s, s + id[0].length), contentRange: lines.range(s, s + id[0].length) });
        if (key === 'revisionId') break;
      }
    }
    header[key] = field;
  }
  return header;
}

/** The names of the four declarations, for callers that iterate them. */
export const DECLARATION_NAMES: readonly DeclarationName[] = ['revision', 'down_revision', 'branch_labels', 'depends_on'];
