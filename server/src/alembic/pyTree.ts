/**
 * A pure-JavaScript parse of the Python most migrations are written in, into a tree of the
 * same shape tree-sitter-python gives (node types, fields, ranges and where comments sit), so
 * the full parse's extractor runs on either. Every node property tree-sitter answers is a call
 * into its wasm module; on a few hundred nodes per file that marshalling cost more than the
 * parse itself (`check` at 5,000 revisions spent ~30% of its time there).
 *
 * It takes the common shapes only: imports, assignments, `def`, `class`, `if`/`elif`/`else`,
 * `for`, `with`, `return`, `raise`, `pass`, calls, attributes, subscripts, operators, literals and
 * f-strings with plain replacement fields. Anything else — classes, `try`, lambdas,
 * comprehensions, decorators, backslash continuations, tabs in indentation, comments where
 * tree-sitter's placement is subtle, any syntax error — returns undefined, and the caller
 * parses the file with tree-sitter instead. `test/unit/pyTree.test.ts` checks, on every
 * corpus file and thousands of random edits, that whatever this accepts is node for node
 * what tree-sitter builds.
 */

import { LineIndex } from '../text/sourceText';

/** The node properties the extractor reads; tree-sitter's `Node` has them too. */
export interface TreeNode {
  readonly type: string;
  readonly id: number;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: { row: number; column: number };
  readonly text: string;
  readonly parent: TreeNode | null;
  readonly namedChildren: Array<TreeNode | null>;
  readonly namedChildCount: number;
  namedChild(index: number): TreeNode | null;
  childForFieldName(name: string): TreeNode | null;
  childrenForFieldName(name: string): Array<TreeNode | null>;
  readonly childCount: number;
  child(index: number): TreeNode | null;
  readonly firstChild: TreeNode | null;
  readonly hasError: boolean;
  readonly isError: boolean;
  readonly isMissing: boolean;
  equals(other: TreeNode): boolean;
  descendantsOfType(type: string): Array<TreeNode | null>;
}

/** What the extractor's query captures: calls, assignments, imports and comments, in document order. */
export interface Capture {
  name: 'call' | 'assignment' | 'import' | 'comment';
  node: TreeNode;
}

export interface PyTree {
  root: PyNode;
  captures: Capture[];
  /** The text's line index, for the extractor to reuse. */
  lines: LineIndex;
}

class Decline extends Error {}

function decline(): never {
  throw new Decline();
}

/** The text and its line index (shared with the extractor: rows count `\n` only, as tree-sitter's do). */
class Source {
  constructor(
    readonly text: string,
    readonly lines: LineIndex,
  ) {}

  position(offset: number): { row: number; column: number } {
    const p = this.lines.positionAt(offset);
    return { row: p.line, column: p.character };
  }
}

let nextId = 1;

export class PyNode implements TreeNode {
  parent: PyNode | null = null;
  readonly id = nextId++;
  private named: PyNode[] | undefined;

  constructor(
    private readonly src: Source,
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly children: PyNode[] = [],
    readonly fields: Array<string | undefined> = [],
    readonly isNamed = true,
  ) {
    for (const c of children) c.parent = this;
  }

  get text(): string {
    return this.src.text.slice(this.startIndex, this.endIndex);
  }
  get startPosition(): { row: number; column: number } {
    return this.src.position(this.startIndex);
  }
  get namedChildren(): PyNode[] {
    return (this.named ??= this.children.filter((c) => c.isNamed));
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  namedChild(i: number): PyNode | null {
    return this.namedChildren[i] ?? null;
  }
  childForFieldName(name: string): PyNode | null {
    const i = this.fields.indexOf(name);
    return i < 0 ? null : this.children[i];
  }
  childrenForFieldName(name: string): PyNode[] {
    return this.children.filter((_, i) => this.fields[i] === name);
  }
  get childCount(): number {
    return this.children.length;
  }
  child(i: number): PyNode | null {
    return this.children[i] ?? null;
  }
  get firstChild(): PyNode | null {
    return this.children[0] ?? null;
  }
  get hasError(): boolean {
    return false;
  }
  get isError(): boolean {
    return false;
  }
  get isMissing(): boolean {
    return false;
  }
  equals(other: TreeNode): boolean {
    return other === this;
  }
  descendantsOfType(type: string): PyNode[] {
    const out: PyNode[] = [];
    const stack = [...this.children].reverse();
    while (stack.length) {
      const n = stack.pop()!;
      if (n.type === type) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

const enum T {
  Name,
  Number,
  String,
  Op,
  Newline,
  Indent,
  Dedent,
  Comment,
  End,
}

interface StringToken {
  prefix: string;
  quoteLen: number;
  /** Replacement fields of an f-string: the `{`…`}` span, the expression's, and the optional parts. */
  fields: Array<{ start: number; end: number; exprStart: number; exprEnd: number; conversion?: [number, number]; spec?: [number, number] }>;
}

interface Tok {
  t: T;
  start: number;
  end: number;
  /** Name and operator text. */
  v: string;
  str?: StringToken;
}

const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '...',
  '->',
  '**',
  '//',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '@=',
  ':=',
];
const SINGLE_OPS = new Set('+-*/%@&|^~<>()[]{},:.;='.split(''));
const NUMBER = /(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d[\d_]*)?|\.\d[\d_]*(?:[eE][+-]?\d[\d_]*)?)[jJ]?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const STRING_PREFIX = /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])$/;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Python's tokens with INDENT/DEDENT and where comments fall among them, emulating
 * tree-sitter-python's external scanner: after a line, each comment of the comment lines
 * that follow closes the blocks indented deeper than itself when the next code line closes
 * them too, so a trailing comment stays in the innermost block it is indented for.
 */
function tokenize(text: string, from: number, to: number, inBrackets: boolean): Tok[] {
  const toks: Tok[] = [];
  const indents = [0];
  const brackets: string[] = inBrackets ? ['('] : [];
  let p = from;
  let lineStart = !inBrackets;
  const push = (t: T, start: number, end: number, v = ''): void => {
    toks.push({ t, start, end, v });
  };
  while (true) {
    if (lineStart) {
      lineStart = false;
      // Blank and comment lines up to the next code line (or the end).
      const comments: Array<{ start: number; end: number; indent: number }> = [];
      let q = p;
      let indent = 0;
      let atEnd = false;
      for (;;) {
        indent = 0;
        while (q < to && text.charCodeAt(q) === 32) {
          q++;
          indent++;
        }
        if (q >= to) {
          atEnd = true;
          break;
        }
        const c = text.charCodeAt(q);
        if (c === 10) {
          q++;
          continue;
        }
        if (c === 13 && text.charCodeAt(q + 1) === 10) {
          q += 2;
          continue;
        }
        if (c === 35) {
          let e = text.indexOf('\n', q);
          if (e < 0 || e > to) e = to;
          comments.push({ start: q, end: e, indent });
          q = e;
          continue;
        }
        if (c === 9 || c === 12 || c === 92) decline();
        break;
      }
      const next = atEnd ? 0 : indent;
      if (next > indents[indents.length - 1]) {
        if (toks.length === 0) decline(); // code indented at the top of the file
        indents.push(next);
        push(T.Indent, q, q);
        for (const c of comments) push(T.Comment, c.start, c.end);
      } else {
        for (const c of comments) {
          while (c.indent < indents[indents.length - 1] && next < indents[indents.length - 1]) {
            indents.pop();
            push(T.Dedent, c.start, c.start);
          }
          push(T.Comment, c.start, c.end);
        }
        while (next < indents[indents.length - 1]) {
          indents.pop();
          push(T.Dedent, q, q);
        }
        if (next !== indents[indents.length - 1]) decline();
      }
      p = q;
      if (atEnd) {
        push(T.End, to, to);
        return toks;
      }
    }
    // Within a line.
    while (p < to) {
      const c = text.charCodeAt(p);
      if (c === 32 || c === 9) p++;
      else break;
    }
    if (p >= to) {
      if (brackets.length && !inBrackets) decline();
      if (!inBrackets && toks.length && toks[toks.length - 1].t !== T.Newline) push(T.Newline, to, to);
      if (!inBrackets) {
        while (indents.length > 1) {
          indents.pop();
          push(T.Dedent, to, to);
        }
      }
      push(T.End, to, to);
      return toks;
    }
    const c = text.charCodeAt(p);
    if (c === 10 || (c === 13 && text.charCodeAt(p + 1) === 10)) {
      if (brackets.length) {
        p += c === 13 ? 2 : 1;
        // A line inside brackets indented less than the block it is in: tree-sitter's scanner
        // may close the block there (after `.`, `+`, …) where Python reads on.
        if (!inBrackets) {
          let k = p;
          while (text.charCodeAt(k) === 32) k++;
          const next = text.charCodeAt(k);
          if (k - p < indents[indents.length - 1] && next !== 10 && next !== 13 && k < to) decline();
        }
        continue;
      }
      push(T.Newline, p, p);
      p += c === 13 ? 2 : 1;
      lineStart = true;
      continue;
    }
    if (c === 35) {
      let e = text.indexOf('\n', p);
      if (e < 0 || e > to) e = to;
      // tree-sitter's comment keeps the \r of a CRLF line end.
      push(T.Comment, p, e);
      p = e;
      continue;
    }
    if (isNameStart(c)) {
      NAME.lastIndex = p;
      const m = NAME.exec(text)!;
      const word = m[0];
      const after = text.charCodeAt(p + word.length);
      if ((after === 34 || after === 39) && STRING_PREFIX.test(word)) {
        p = readString(text, p, word, to, toks);
        continue;
      }
      if (after > 127) decline();
      push(T.Name, p, p + word.length, word);
      p += word.length;
      continue;
    }
    if (c === 34 || c === 39) {
      p = readString(text, p, '', to, toks);
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && text.charCodeAt(p + 1) >= 48 && text.charCodeAt(p + 1) <= 57)) {
      NUMBER.lastIndex = p;
      const m = NUMBER.exec(text)!;
      const end = p + m[0].length;
      if (isNameStart(text.charCodeAt(end)) || (text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57)) decline();
      // Literals Python refuses (`1__0`, `1_`, `_` beside a dot or exponent, `0777`): tree-sitter's reading of them varies.
      if (/__|_$|_[.eEjJ]|[.eE][+-]?_|^0[xXoObB]_*$/.test(m[0]) || /^0[\d_]*[1-9][\d_]*$/.test(m[0])) decline();
      push(T.Number, p, end, m[0]);
      p = end;
      continue;
    }
    let op = '';
    for (const o of OPERATORS)
      if (text.startsWith(o, p)) {
        op = o;
        break;
      }
    if (!op && SINGLE_OPS.has(text[p])) op = text[p];
    if (!op) decline();
    if (op === '(' || op === '[' || op === '{') brackets.push(op);
    else if (op === ')' || op === ']' || op === '}') {
      const open = brackets.pop();
      if (open !== { ')': '(', ']': '[', '}': '{' }[op]) decline();
      if (inBrackets && brackets.length === 0) decline();
    }
    push(T.Op, p, p + op.length, op);
    p += op.length;
  }
}

/** Reads a string literal starting at `start` (its prefix included); returns where it ends. */
function readString(text: string, start: number, prefix: string, to: number, toks: Tok[]): number {
  let p = start + prefix.length;
  const q = text[p];
  const triple = text[p + 1] === q && text[p + 2] === q;
  const quoteLen = triple ? 3 : 1;
  p += quoteLen;
  const fstring = /[fF]/.test(prefix);
  const raw = /[rR]/.test(prefix);
  const fields: StringToken['fields'] = [];
  for (;;) {
    if (p >= to) decline();
    const ch = text[p];
    if (ch === '\\') {
      // A backslash before a brace of an f-string: tree-sitter errors where Python reads a field
      // (`f'\}'`, found by the random edits): left to it.
      if (fstring && (text[p + 1] === '{' || text[p + 1] === '}')) decline();
      // A raw string keeps the backslash, but it still escapes the quote; tree-sitter's
      // string contents differ in the details of both, which the extractor does not read.
      if (raw && text[p + 1] !== q && text[p + 1] !== '\\') {
        p++;
        continue;
      }
      if (text[p + 1] === '\r' || p + 1 >= to) decline();
      p += 2;
      continue;
    }
    if (ch === q && (!triple || (text[p + 1] === q && text[p + 2] === q))) {
      p += quoteLen;
      break;
    }
    if ((ch === '\n' || ch === '\r') && !triple) decline();
    if (fstring && (ch === '{' || ch === '}')) {
      if (text[p + 1] === ch) {
        p += 2;
        continue;
      }
      if (ch === '}') decline();
      p = readField(text, p, to, triple, fields);
      continue;
    }
    p++;
  }
  toks.push({ t: T.String, start, end: p, v: '', str: { prefix, quoteLen, fields } });
  return p;
}

/** An f-string replacement field without nested quotes, `=`, or a nested field in its format. */
function readField(text: string, open: number, to: number, triple: boolean, fields: StringToken['fields']): number {
  let p = open + 1;
  let depth = 0;
  const exprStart = p;
  let exprEnd = -1;
  let conversion: [number, number] | undefined;
  let spec: [number, number] | undefined;
  for (;;) {
    if (p >= to) decline();
    const ch = text[p];
    if (ch === '"' || ch === "'" || ch === '\\' || ch === '#') decline();
    if ((ch === '\n' || ch === '\r') && !triple) decline();
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if ((ch === ')' || ch === ']') && depth > 0) depth--;
    else if (ch === '}' && depth > 0) depth--;
    else if (depth === 0 && (ch === '}' || ch === '!' || ch === ':' || ch === '=')) {
      if (ch === '!' && text[p + 1] === '=') {
        p += 2;
        continue;
      }
      if (ch === '=' && (text[p + 1] === '=' || /[<>=!]/.test(text[p - 1]))) {
        p++;
        continue;
      }
      if (ch === '=') decline(); // `{x=}` and `{x:=…}`
      exprEnd = p;
      if (ch === '!') {
        if (!/[rsa]/.test(text[p + 1] ?? '')) decline();
        conversion = [p, p + 2];
        p += 2;
      }
      if (text[p] === ':') {
        const s = p;
        while (p < to && text[p] !== '}') {
          if (/["'{\\\n\r]/.test(text[p])) decline();
          p++;
        }
        spec = [s, p];
      }
      if (text[p] !== '}') decline();
      p++;
      break;
    }
    p++;
  }
  if (exprEnd < 0 || text.slice(exprStart, exprEnd).trim() === '') decline();
  fields.push({ start: open, end: p, exprStart, exprEnd, conversion, spec });
  return p;
}

// ---------------------------------------------------------------------------------------------
// Parser

const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
  // Soft keywords and Python 2 statements tree-sitter-python reads specially.
  'print',
  'exec',
  'match',
  'case',
  'type',
]);
const COMPARISON_OPS = new Set(['<', '>', '==', '>=', '<=', '!=']);
const COMPARISON_WORDS = new Set(['in', 'is', 'not']);
// tree-sitter-python ranks `&` below `^` (Python does the opposite); the tree must be its.
const BINARY_LEVELS: string[][] = [['|'], ['&'], ['^'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '@']];
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

type Field = string | undefined;

class Parser {
  private i = 0;
  readonly captures: Capture[] = [];

  constructor(
    private readonly src: Source,
    private readonly toks: Tok[],
  ) {}

  private get tok(): Tok {
    return this.toks[this.i];
  }
  private peek(k = 1): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private isOp(v: string, tok = this.tok): boolean {
    return tok.t === T.Op && tok.v === v;
  }
  private isWord(v: string, tok = this.tok): boolean {
    return tok.t === T.Name && tok.v === v;
  }
  private expectOp(v: string): Tok {
    if (!this.isOp(v)) decline();
    return this.toks[this.i++];
  }
  private node(type: string, start: number, end: number, children: PyNode[] = [], fields: Field[] = []): PyNode {
    return new PyNode(this.src, type, start, end, children, fields);
  }
  private anon(tok: Tok): PyNode {
    return new PyNode(this.src, tok.v, tok.start, tok.end, [], [], false);
  }
  private comment(tok: Tok): PyNode {
    return this.node('comment', tok.start, tok.end);
  }
  /** Comments here belong to `into`. */
  private takeComments(into: PyNode[], fields: Field[]): void {
    while (this.tok.t === T.Comment) {
      into.push(this.comment(this.toks[this.i++]));
      fields.push(undefined);
    }
  }

  module(): PyNode {
    const children: PyNode[] = [];
    const fields: Field[] = [];
    for (;;) {
      const t = this.tok;
      if (t.t === T.End) break;
      if (t.t === T.Newline) this.i++;
      else if (t.t === T.Comment) this.takeComments(children, fields);
      else if (t.t === T.Indent || t.t === T.Dedent) decline();
      else {
        children.push(this.statement());
        fields.push(undefined);
      }
    }
    return this.node('module', 0, this.src.text.length, children, fields);
  }

  /** After a compound statement's `:`: comments on its line and before its first statement go to `owner`. */
  private suite(owner: PyNode[], ownerFields: Field[]): PyNode {
    this.takeComments(owner, ownerFields);
    if (this.tok.t !== T.Newline) decline(); // a body on the header's line
    this.i++;
    if (this.toks[this.i].t !== T.Indent) decline();
    this.i++;
    this.takeComments(owner, ownerFields);
    const children: PyNode[] = [];
    const fields: Field[] = [];
    for (;;) {
      const t = this.tok;
      if (t.t === T.Dedent) {
        this.i++;
        break;
      }
      if (t.t === T.End) break;
      if (t.t === T.Newline) this.i++;
      else if (t.t === T.Comment) this.takeComments(children, fields);
      else if (t.t === T.Indent) decline();
      else {
        children.push(this.statement());
        fields.push(undefined);
      }
    }
    if (!children.length) decline();
    return this.node('block', children[0].startIndex, children[children.length - 1].endIndex, children, fields);
  }

  private statement(): PyNode {
    const t = this.tok;
    if (t.t === T.Name) {
      switch (t.v) {
        case 'def':
          return this.functionDef();
        case 'if':
          return this.ifStatement();
        case 'for':
          return this.forStatement();
        case 'with':
          return this.withStatement();
        case 'class':
          return this.classDef();
        case 'try':
          return this.tryStatement();
        case 'while':
          return this.whileStatement();
      }
    }
    const s = this.simpleStatement();
    const after = this.tok;
    if (after.t !== T.Newline && after.t !== T.Comment && after.t !== T.End) decline();
    return s;
  }

  private simpleStatement(): PyNode {
    const t = this.tok;
    if (t.t === T.Name) {
      switch (t.v) {
        case 'pass':
        case 'break':
        case 'continue':
          this.i++;
          return this.node(`${t.v}_statement`, t.start, t.end);
        case 'return': {
          this.i++;
          if (this.endOfStatement()) return this.node('return_statement', t.start, t.end);
          const value = this.expressionList();
          return this.node('return_statement', t.start, value.endIndex, [value], [undefined]);
        }
        case 'raise': {
          this.i++;
          if (this.endOfStatement()) return this.node('raise_statement', t.start, t.end);
          const value = this.expression();
          if (this.isWord('from')) {
            this.i++;
            const cause = this.expression();
            if (!this.endOfStatement()) decline();
            return this.node('raise_statement', t.start, cause.endIndex, [value, cause], [undefined, 'cause']);
          }
          if (!this.endOfStatement()) decline();
          return this.node('raise_statement', t.start, value.endIndex, [value], [undefined]);
        }
        case 'import':
          return this.importStatement();
        case 'from':
          return this.importFrom();
      }
      if (KEYWORDS.has(t.v) && t.v !== 'True' && t.v !== 'False' && t.v !== 'None' && t.v !== 'not') {
        // `print = …`, `type = …`: names; `print x`, `match x:`, `type X = …` are not.
        const next = this.peek();
        const soft = t.v === 'print' || t.v === 'exec' || t.v === 'match' || t.v === 'case' || t.v === 'type';
        if (!soft || !(next.t === T.Op && (next.v === '=' || next.v === '.'))) decline();
      }
    }
    return this.expressionStatement();
  }

  private endOfStatement(): boolean {
    const t = this.tok.t;
    return t === T.Newline || t === T.Comment || t === T.End;
  }

  private expressionStatement(): PyNode {
    const first = this.expressionList(true);
    let inner = first;
    if (this.isOp('=') || (this.isOp(':') && first.type !== 'expression_list')) inner = this.assignment(first);
    else if (first.type === 'expression_list')
      decline(); // `a, b` alone: tree-sitter lists them bare
    else if (this.tok.t === T.Op && AUGMENTED.has(this.tok.v)) {
      if (first.type !== 'identifier' && first.type !== 'attribute' && first.type !== 'subscript') decline();
      const op = this.toks[this.i++];
      const right = this.expressionList();
      inner = this.infix('augmented_assignment', first, op, right);
    }
    return this.node('expression_statement', inner.startIndex, inner.endIndex, [inner], [undefined]);
  }

  /** `left = right`, `left: type = right`, `a = b = c`. */
  private assignment(left: PyNode): PyNode {
    const target = this.pattern(left);
    const children: PyNode[] = [target];
    const fields: Field[] = ['left'];
    if (this.isOp(':')) {
      if (target.type !== 'identifier' && target.type !== 'attribute' && target.type !== 'subscript') decline();
      this.i++;
      const t = this.annotation();
      children.push(t);
      fields.push('type');
      if (!this.isOp('=')) return this.captured(this.node('assignment', target.startIndex, t.endIndex, children, fields));
    }
    this.expectOp('=');
    if (this.isWord('yield') || this.isWord('await') || this.isWord('lambda')) decline();
    let right = this.expressionList(true);
    if (this.isOp('=')) right = this.assignment(right);
    else if (this.isOp(':')) decline();
    children.push(right);
    fields.push('right');
    return this.captured(this.node('assignment', target.startIndex, right.endIndex, children, fields));
  }

  private captured(n: PyNode): PyNode {
    this.captures.push({ name: 'assignment', node: n });
    return n;
  }

  /**
   * A type annotation, kept whole (tree-sitter gives types their own node kinds): nothing the
   * extractor looks for may be inside it.
   */
  private annotation(): PyNode {
    const first = this.tok;
    this.typeExpr();
    return this.node('type', first.start, this.toks[this.i - 1].end);
  }

  /** `a.B[C, "D"] | None | [E, ...]`: the type expressions tree-sitter takes (it refuses `a or b` there). */
  private typeExpr(): void {
    for (;;) {
      const t = this.tok;
      if (t.t === T.String || (t.t === T.Op && t.v === '...') || (t.t === T.Name && t.v === 'None')) this.i++;
      else if (t.t === T.Op && t.v === '[') {
        this.i++;
        this.typeList(']');
      } else {
        if (t.t !== T.Name || KEYWORDS.has(t.v)) decline();
        this.i++;
        while (this.isOp('.')) {
          this.i++;
          if (this.tok.t !== T.Name || KEYWORDS.has(this.tok.v)) decline();
          this.i++;
        }
        if (this.isOp('[')) {
          this.i++;
          if (this.isOp(']')) decline(); // `Sequence[]`
          this.typeList(']');
        }
      }
      if (!this.isOp('|')) return;
      this.i++;
    }
  }

  private typeList(close: string): void {
    while (!this.isOp(close)) {
      this.typeExpr();
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(close)) decline();
    }
    this.i++;
  }

  /** An assignment target: a name, attribute or subscript, or several (`a, b = …`). */
  private pattern(n: PyNode): PyNode {
    if (n.type === 'identifier' || n.type === 'attribute' || n.type === 'subscript') return n;
    if (n.type === 'expression_list') {
      for (const c of n.namedChildren) if (c.type !== 'identifier' && c.type !== 'attribute' && c.type !== 'subscript') decline();
      return this.node('pattern_list', n.startIndex, n.endIndex, n.children, n.fields);
    }
    return decline();
  }

  private dottedName(): PyNode {
    const parts: PyNode[] = [];
    for (;;) {
      parts.push(this.identifier());
      if (!this.isOp('.')) break;
      this.i++;
    }
    return this.sequence('dotted_name', parts);
  }

  /** `a.b` or `a.b as c`. */
  private importName(): PyNode {
    const name = this.dottedName();
    if (!this.isWord('as')) return name;
    this.i++;
    const alias = this.identifier();
    return this.node('aliased_import', name.startIndex, alias.endIndex, [name, alias], ['name', 'alias']);
  }

  private importStatement(): PyNode {
    const start = this.toks[this.i++].start;
    const children: PyNode[] = [];
    for (;;) {
      children.push(this.importName());
      if (!this.isOp(',')) break;
      this.i++;
    }
    const n = this.node(
      'import_statement',
      start,
      children[children.length - 1].endIndex,
      children,
      children.map(() => 'name'),
    );
    this.captures.push({ name: 'import', node: n });
    return n;
  }

  private importFrom(): PyNode {
    const start = this.toks[this.i++].start;
    if (this.isOp('.') || this.isOp('...')) decline(); // relative imports
    const module = this.dottedName();
    if (!this.isWord('import')) decline();
    this.i++;
    // `from __future__ import annotations`: its own statement in tree-sitter, `__future__` a keyword.
    if (module.text === '__future__') return this.futureImport(start);
    const children: PyNode[] = [module];
    const fields: Field[] = ['module_name'];
    let end: number;
    if (this.isOp('(')) {
      this.i++;
      for (;;) {
        this.takeComments(children, fields);
        if (this.isOp(')')) break;
        children.push(this.importName());
        fields.push('name');
        this.takeComments(children, fields);
        if (this.isOp(',')) this.i++;
        else if (!this.isOp(')')) decline();
      }
      end = this.expectOp(')').end;
      if (!fields.includes('name')) decline();
    } else {
      if (this.isOp('*')) decline();
      for (;;) {
        const n = this.importName();
        children.push(n);
        fields.push('name');
        end = n.endIndex;
        if (!this.isOp(',')) break;
        this.i++;
      }
    }
    const n = this.node('import_from_statement', start, end!, children, fields);
    this.captures.push({ name: 'import', node: n });
    return n;
  }

  /** The names of `from __future__ import …` (no module_name child, no capture: the query matches import_from_statement only). */
  private futureImport(start: number): PyNode {
    if (this.isOp('(') || this.isOp('*')) decline();
    const children: PyNode[] = [];
    const fields: Field[] = [];
    for (;;) {
      const n = this.importName();
      children.push(n);
      fields.push('name');
      if (!this.isOp(',')) break;
      this.i++;
    }
    return this.node('future_import_statement', start, children[children.length - 1].endIndex, children, fields);
  }

  private functionDef(): PyNode {
    const start = this.toks[this.i++].start;
    const children: PyNode[] = [this.identifier(), this.parameters()];
    const fields: Field[] = ['name', 'parameters'];
    if (this.isOp('->')) {
      this.i++;
      children.push(this.annotation());
      fields.push('return_type');
    }
    this.expectOp(':');
    return this.withSuite('function_definition', start, children, fields);
  }

  /** `class Name(Base, metaclass=M):` — models declared inside data migrations. */
  private classDef(): PyNode {
    const start = this.toks[this.i++].start;
    const children: PyNode[] = [this.identifier()];
    const fields: Field[] = ['name'];
    if (this.isOp('(')) {
      children.push(this.argumentList());
      fields.push('superclasses');
    }
    this.expectOp(':');
    return this.withSuite('class_definition', start, children, fields);
  }

  /** `(a, b: int = 1, *args, **kw)`, kept whole: nothing the extractor looks for may be inside. */
  private parameters(): PyNode {
    const open = this.expectOp('(');
    const from = this.i;
    while (!this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**')) this.i++;
      // (A bare `*` or `/` marker is rare enough to leave to tree-sitter.)
      if (this.tok.t !== T.Name || KEYWORDS.has(this.tok.v)) decline();
      {
        this.i++;
        if (this.isOp(':')) {
          this.i++;
          this.typeExpr();
        }
        if (this.isOp('=')) {
          this.i++;
          this.expression();
        }
      }
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(')')) decline();
    }
    for (let k = from; k < this.i; k++) if (this.toks[k].t === T.Comment || (this.toks[k].t === T.Op && this.toks[k].v === '(')) decline();
    const close = this.toks[this.i++];
    return this.node('parameters', open.start, close.end);
  }

  private ifStatement(): PyNode {
    const start = this.toks[this.i++].start;
    const children: PyNode[] = [this.expression()];
    const fields: Field[] = ['condition'];
    this.expectOp(':');
    const consequence = this.suite(children, fields);
    children.push(consequence);
    fields.push('consequence');
    let end = consequence.endIndex;
    for (;;) {
      this.commentsBeforeClause();
      if (this.isWord('elif')) {
        const s = this.toks[this.i++].start;
        const condition = this.expression();
        this.expectOp(':');
        const clause = this.withSuite('elif_clause', s, [condition], ['condition'], 'consequence');
        children.push(clause);
        fields.push('alternative');
        end = clause.endIndex;
        continue;
      }
      if (this.isWord('else')) {
        const s = this.toks[this.i++].start;
        this.expectOp(':');
        const clause = this.withSuite('else_clause', s, [], []);
        children.push(clause);
        fields.push('alternative');
        end = clause.endIndex;
      }
      break;
    }
    return this.node('if_statement', start, end, children, fields);
  }

  /** Comments right before an `elif`/`else`/`except` sit inside the statement in tree-sitter: not taken. */
  private commentsBeforeClause(): void {
    let k = this.i;
    while (this.toks[k].t === T.Comment || this.toks[k].t === T.Newline) k++;
    if (k === this.i) return;
    const t = this.toks[k];
    if (t.t === T.Name && (t.v === 'elif' || t.v === 'else' || t.v === 'except' || t.v === 'finally')) decline();
  }

  /** `try:` with `except [value [as name]]:` clauses, then `else:` and `finally:` (tree-sitter's shapes). */
  private tryStatement(): PyNode {
    const start = this.toks[this.i++].start;
    this.expectOp(':');
    const children: PyNode[] = [];
    const fields: Field[] = [];
    const body = this.suite(children, fields);
    children.push(body);
    fields.push('body');
    let end = body.endIndex;
    const clause = (type: string, s: number, inner: PyNode[], innerFields: Field[], bodyField: Field): void => {
      const block = this.suite(inner, innerFields);
      inner.push(block);
      innerFields.push(bodyField);
      const n = this.node(type, s, block.endIndex, inner, innerFields);
      children.push(n);
      fields.push(undefined);
      end = n.endIndex;
    };
    let handlers = 0;
    for (;;) {
      this.commentsBeforeClause();
      if (!this.isWord('except')) break;
      const s = this.toks[this.i++].start;
      if (this.isOp('*')) decline(); // except*: exception groups
      const inner: PyNode[] = [];
      const innerFields: Field[] = [];
      if (!this.isOp(':')) {
        const value = this.withAlias(this.expression());
        if (this.isOp(',')) decline(); // `except A, B:` (Python 2's alias, or a list)
        inner.push(value);
        innerFields.push('value');
      }
      this.expectOp(':');
      clause('except_clause', s, inner, innerFields, undefined);
      handlers++;
    }
    if (handlers && this.isWord('else')) {
      const s = this.toks[this.i++].start;
      this.expectOp(':');
      clause('else_clause', s, [], [], 'body');
      this.commentsBeforeClause();
    }
    if (this.isWord('finally')) {
      const s = this.toks[this.i++].start;
      this.expectOp(':');
      clause('finally_clause', s, [], [], undefined);
    } else if (!handlers) decline(); // `try:` alone is a syntax error
    return this.node('try_statement', start, end, children, fields);
  }

  private forStatement(): PyNode {
    const start = this.toks[this.i++].start;
    const left = this.targetList();
    if (!this.isWord('in')) decline();
    this.i++;
    const right = this.expressionList();
    this.expectOp(':');
    const n = this.withSuite('for_statement', start, [left, right], ['left', 'right']);
    this.commentsBeforeClause();
    if (this.isWord('else')) decline();
    return n;
  }

  private whileStatement(): PyNode {
    const start = this.toks[this.i++].start;
    const condition = this.expression();
    this.expectOp(':');
    const n = this.withSuite('while_statement', start, [condition], ['condition']);
    this.commentsBeforeClause();
    if (this.isWord('else')) decline();
    return n;
  }

  private targetList(): PyNode {
    const names: PyNode[] = [];
    for (;;) {
      names.push(this.identifier());
      if (!this.isOp(',')) break;
      this.i++;
      if (this.isWord('in')) decline();
    }
    if (names.length === 1) return names[0];
    return this.sequence('pattern_list', names);
  }

  /** `value as name` (a with item, an except clause) as tree-sitter's as_pattern; `value` alone otherwise. */
  private withAlias(value: PyNode): PyNode {
    if (!this.isWord('as')) return value;
    // tree-sitter binds `as` inside the else branch of `a if b else c as d`: left to it.
    if (value.type === 'conditional_expression') decline();
    this.i++;
    const id = this.identifier();
    const target = this.node('as_pattern_target', id.startIndex, id.endIndex, [id], [undefined]);
    return this.node('as_pattern', value.startIndex, id.endIndex, [value, target], [undefined, 'alias']);
  }

  private withStatement(): PyNode {
    const start = this.toks[this.i++].start;
    if (this.isOp('(')) decline();
    const items: PyNode[] = [];
    for (;;) {
      const value = this.withAlias(this.expression());
      items.push(this.node('with_item', value.startIndex, value.endIndex, [value], ['value']));
      if (!this.isOp(',')) break;
      this.i++;
    }
    const clause = this.sequence('with_clause', items);
    this.expectOp(':');
    return this.withSuite('with_statement', start, [clause], [undefined]);
  }

  // --- expressions -----------------------------------------------------------------------

  /** One expression, or several separated by commas (an `expression_list`). */
  private expressionList(allowTrailingComma = false): PyNode {
    const first = this.expression();
    if (!this.isOp(',')) return first;
    const items = [first];
    let end = first.endIndex;
    while (this.isOp(',')) {
      end = this.toks[this.i++].end;
      if (this.endOfStatement() || this.isOp('=') || this.isOp(':')) {
        if (!allowTrailingComma) decline();
        break;
      }
      const e = this.expression();
      items.push(e);
      end = e.endIndex;
    }
    return this.sequence('expression_list', items, end);
  }

  private expression(): PyNode {
    const e = this.disjunction();
    if (this.isWord('if')) {
      // `a if b else c`: right-associative, its three parts unnamed children.
      this.i++;
      const condition = this.disjunction();
      if (!this.isWord('else')) decline();
      this.i++;
      const alternative = this.expression();
      return this.node('conditional_expression', e.startIndex, alternative.endIndex, [e, condition, alternative], [undefined, undefined, undefined]);
    }
    if (this.isWord('for') || this.isOp(':=')) decline();
    return e;
  }

  private disjunction(): PyNode {
    return this.booleans('or', () => this.conjunction());
  }

  private conjunction(): PyNode {
    return this.booleans('and', () => this.inversion());
  }

  /** `a or b or c` (`and` likewise), left-associative. */
  private booleans(word: 'and' | 'or', operand: () => PyNode): PyNode {
    let left = operand();
    while (this.isWord(word)) {
      const op = this.toks[this.i++];
      left = this.infix('boolean_operator', left, op, operand());
    }
    return left;
  }

  /** A node over `items` (no fields), from the first one's start to `end` (the last one's end). */
  private sequence(type: string, items: PyNode[], end = items[items.length - 1].endIndex): PyNode {
    return this.node(type, items[0].startIndex, end, items, []);
  }

  /** An identifier that is not a keyword. */
  private identifier(): PyNode {
    const t = this.tok;
    if (t.t !== T.Name || KEYWORDS.has(t.v)) decline();
    this.i++;
    return this.node('identifier', t.start, t.end);
  }

  /** After the header's `:`: the body block (in `field`), and the statement node from `start` to its end. */
  private withSuite(type: string, start: number, children: PyNode[], fields: Field[], field = 'body'): PyNode {
    const body = this.suite(children, fields);
    children.push(body);
    fields.push(field);
    return this.node(type, start, body.endIndex, children, fields);
  }

  /** A `left op right` node: the operator is an anonymous child in the `operator` field. */
  private infix(type: string, left: PyNode, op: Tok, right: PyNode): PyNode {
    return this.node(type, left.startIndex, right.endIndex, [left, this.anon(op), right], ['left', 'operator', 'right']);
  }

  private inversion(): PyNode {
    if (this.isWord('not')) {
      const start = this.toks[this.i++].start;
      const arg = this.inversion();
      return this.node('not_operator', start, arg.endIndex, [arg], ['argument']);
    }
    return this.comparison();
  }

  private comparison(): PyNode {
    const first = this.binary(0);
    const operands = [first];
    for (;;) {
      const t = this.tok;
      if (!(t.t === T.Op ? COMPARISON_OPS.has(t.v) : t.t === T.Name && COMPARISON_WORDS.has(t.v))) break;
      if (t.t === T.Name && t.v === 'not') {
        if (!this.isWord('in', this.peek())) decline();
        this.i++;
      } else if (t.t === T.Name && t.v === 'is' && this.isWord('not', this.peek())) this.i++;
      this.i++;
      operands.push(this.binary(0));
    }
    if (operands.length === 1) return first;
    return this.sequence('comparison_operator', operands);
  }

  private binary(level: number): PyNode {
    if (level === BINARY_LEVELS.length) return this.factor();
    let left = this.binary(level + 1);
    while (this.tok.t === T.Op && BINARY_LEVELS[level].includes(this.tok.v)) {
      const op = this.toks[this.i++];
      left = this.infix('binary_operator', left, op, this.binary(level + 1));
    }
    return left;
  }

  private factor(): PyNode {
    const t = this.tok;
    if (t.t === T.Op && (t.v === '-' || t.v === '+' || t.v === '~')) {
      this.i++;
      const arg = this.factor();
      return this.node('unary_operator', t.start, arg.endIndex, [this.anon(t), arg], ['operator', 'argument']);
    }
    return this.power();
  }

  private power(): PyNode {
    const base = this.primary();
    if (!this.isOp('**')) return base;
    const op = this.toks[this.i++];
    return this.infix('binary_operator', base, op, this.factor());
  }

  private primary(): PyNode {
    let n = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.tok;
        if (t.t !== T.Name || (KEYWORDS.has(t.v) && !['print', 'exec', 'match', 'case', 'type'].includes(t.v))) decline();
        this.i++;
        const attr = this.node('identifier', t.start, t.end);
        n = this.node('attribute', n.startIndex, t.end, [n, attr], ['object', 'attribute']);
      } else if (this.isOp('(')) {
        const args = this.argumentList();
        n = this.node('call', n.startIndex, args.endIndex, [n, args], ['function', 'arguments']);
        this.captures.push({ name: 'call', node: n });
      } else if (this.isOp('[')) {
        this.i++;
        if (this.tok.t === T.Comment) decline();
        const children = [n, this.expression()];
        while (this.isOp(',')) {
          this.i++;
          children.push(this.expression());
        }
        if (!this.isOp(']')) decline(); // slices, comments
        const end = this.toks[this.i++].end;
        n = this.node('subscript', n.startIndex, end, children, ['value', ...children.slice(1).map(() => 'subscript')]);
      } else return n;
    }
  }

  private argumentList(): PyNode {
    const open = this.expectOp('(');
    const children: PyNode[] = [];
    const fields: Field[] = [];
    for (;;) {
      this.takeComments(children, fields);
      if (this.isOp(')')) break;
      let arg: PyNode;
      const t = this.tok;
      if (this.isOp('*') || this.isOp('**')) {
        this.i++;
        const value = this.expression();
        arg = this.node(t.v === '*' ? 'list_splat' : 'dictionary_splat', t.start, value.endIndex, [value], [undefined]);
      } else if (t.t === T.Name && this.isOp('=', this.peek())) {
        if (KEYWORDS.has(t.v) && !['print', 'exec', 'match', 'case', 'type'].includes(t.v)) decline();
        this.i += 2;
        const value = this.expression();
        arg = this.node('keyword_argument', t.start, value.endIndex, [this.node('identifier', t.start, t.end), value], ['name', 'value']);
      } else arg = this.expression();
      children.push(arg);
      fields.push(undefined);
      this.takeComments(children, fields);
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(')')) decline();
    }
    const close = this.toks[this.i++];
    return this.node('argument_list', open.start, close.end, children, fields);
  }

  /** Items of a bracketed display up to `close`; comments between items belong to the display. */
  private items(close: string, children: PyNode[], fields: Field[], item: () => PyNode): { commas: number; end: number } {
    let commas = 0;
    for (;;) {
      this.takeComments(children, fields);
      if (this.isOp(close)) break;
      children.push(item());
      fields.push(undefined);
      this.takeComments(children, fields);
      if (this.isOp(',')) {
        this.i++;
        commas++;
      } else if (!this.isOp(close)) decline();
    }
    return { commas, end: this.toks[this.i++].end };
  }

  private atom(): PyNode {
    const t = this.tok;
    switch (t.t) {
      case T.Name: {
        if (t.v === 'True' || t.v === 'False' || t.v === 'None') {
          this.i++;
          return this.node(t.v.toLowerCase(), t.start, t.end);
        }
        if (KEYWORDS.has(t.v) && !['print', 'exec', 'match', 'case', 'type'].includes(t.v)) decline();
        this.i++;
        return this.node('identifier', t.start, t.end);
      }
      case T.Number: {
        this.i++;
        const float = /^(?!0[xXoObB])[^jJ]*[.eE]/.test(t.v);
        return this.node(float ? 'float' : 'integer', t.start, t.end);
      }
      case T.String: {
        const parts: PyNode[] = [];
        for (;;) {
          if (this.tok.t === T.String) parts.push(this.stringNode(this.toks[this.i++]));
          else if (this.tok.t === T.Comment) {
            // Comments between the pieces of an implicit concatenation are inside it.
            let k = this.i;
            while (this.toks[k].t === T.Comment) k++;
            if (this.toks[k].t !== T.String) break;
            while (this.i < k) parts.push(this.comment(this.toks[this.i++]));
          } else break;
        }
        if (parts.length === 1) return parts[0];
        return this.sequence('concatenated_string', parts);
      }
      case T.Op: {
        if (t.v === '...') {
          this.i++;
          return this.node('ellipsis', t.start, t.end);
        }
        if (t.v === '(') {
          this.i++;
          const children: PyNode[] = [];
          const fields: Field[] = [];
          const { commas, end } = this.items(')', children, fields, () => this.displayItem());
          const items = children.filter((c) => c.type !== 'comment');
          if (items.length === 1 && commas === 0) return this.node('parenthesized_expression', t.start, end, children, fields);
          return this.node('tuple', t.start, end, children, fields);
        }
        if (t.v === '[') {
          this.i++;
          const children: PyNode[] = [];
          const fields: Field[] = [];
          const { end } = this.items(']', children, fields, () => this.displayItem());
          return this.node('list', t.start, end, children, fields);
        }
        if (t.v === '{') {
          this.i++;
          const children: PyNode[] = [];
          const fields: Field[] = [];
          let dict: boolean | undefined;
          const { end } = this.items('}', children, fields, () => {
            if (this.isOp('**')) {
              if (dict === false) decline();
              dict = true;
              const s = this.toks[this.i++].start;
              const v = this.expression();
              return this.node('dictionary_splat', s, v.endIndex, [v], [undefined]);
            }
            const key = this.displayItem();
            if (this.isOp(':')) {
              if (dict === false) decline();
              dict = true;
              this.i++;
              if (this.tok.t === T.Comment) decline();
              const value = this.expression();
              return this.node('pair', key.startIndex, value.endIndex, [key, value], ['key', 'value']);
            }
            if (dict === true) decline();
            dict = false;
            return key;
          });
          return this.node(dict === false ? 'set' : 'dictionary', t.start, end, children, fields);
        }
        return decline();
      }
      default:
        return decline();
    }
  }

  private displayItem(): PyNode {
    if (this.isOp('*') || this.isWord('yield') || this.isWord('lambda')) decline();
    return this.expression();
  }

  private stringNode(tok: Tok): PyNode {
    const s = tok.str!;
    const children: PyNode[] = [];
    const fields: Field[] = [];
    const open = tok.start + s.prefix.length + s.quoteLen;
    const close = tok.end - s.quoteLen;
    children.push(this.node('string_start', tok.start, open));
    fields.push(undefined);
    let at = open;
    for (const f of s.fields) {
      if (f.start > at) {
        children.push(this.node('string_content', at, f.start));
        fields.push(undefined);
      }
      children.push(this.interpolation(f));
      fields.push(undefined);
      at = f.end;
    }
    if (close > at) {
      children.push(this.node('string_content', at, close));
      fields.push(undefined);
    }
    children.push(this.node('string_end', close, tok.end));
    fields.push(undefined);
    return this.node('string', tok.start, tok.end, children, fields);
  }

  private interpolation(f: StringToken['fields'][number]): PyNode {
    const toks = tokenize(this.src.text, f.exprStart, f.exprEnd, true);
    const sub = new Parser(this.src, toks);
    const expr = sub.expression();
    if (sub.tok.t !== T.End) decline();
    const children: PyNode[] = [expr];
    const fields: Field[] = ['expression'];
    if (f.conversion) {
      children.push(this.node('type_conversion', f.conversion[0], f.conversion[1]));
      fields.push('type_conversion');
    }
    if (f.spec) {
      children.push(this.node('format_specifier', f.spec[0], f.spec[1]));
      fields.push('format_specifier');
    }
    const n = this.node('interpolation', f.start, f.end, children, fields);
    // Calls inside the field come before what follows the string, in document order.
    this.captures.push(...sub.captures);
    return n;
  }
}

/**
 * The tree of `text` (without a byte-order mark) in tree-sitter-python's shape, with the
 * captures the extractor's query would give; undefined when the file is not in the shapes
 * this parser takes (the caller uses tree-sitter then).
 */
export function parsePyTree(text: string): PyTree | undefined {
  // A lone CR (a line end to Python, not to tree-sitter's rows), NUL, and Unicode line separators.
  if (/\r(?!\n)|[\u2028\u2029]/.test(text) || text.includes('\0')) return undefined;
  try {
    const src = new Source(text, new LineIndex(text));
    const parser = new Parser(src, tokenize(text, 0, text.length, false));
    const root = parser.module();
    const comments: Capture[] = [];
    collectComments(root, comments);
    const captures = mergeByStart(parser.captures, comments);
    return { root, captures, lines: src.lines };
  } catch (e) {
    // RangeError: a stack overflow on absurdly nested input; tree-sitter takes those.
    if (e instanceof Decline || e instanceof RangeError) return undefined;
    throw e;
  }
}

function collectComments(n: PyNode, out: Capture[]): void {
  for (const c of n.children) {
    if (c.type === 'comment') out.push({ name: 'comment', node: c });
    else if (c.children.length) collectComments(c, out);
  }
}

/**
 * Calls, assignments and imports are recorded as they are built (inner calls first), comments
 * in tree order; the query gives them all in document order, an enclosing node before the
 * nodes it starts with.
 */
function mergeByStart(built: Capture[], comments: Capture[]): Capture[] {
  const all = built.concat(comments);
  const depth = (n: TreeNode): number => {
    let d = 0;
    for (let p = n.parent; p; p = p.parent) d++;
    return d;
  };
  return all
    .map((c, k) => ({ c, k, d: depth(c.node) }))
    .sort((a, b) => a.c.node.startIndex - b.c.node.startIndex || a.d - b.d || a.k - b.k)
    .map((x) => x.c);
}
