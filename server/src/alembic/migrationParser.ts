/**
 * The full parse of one migration (open or linted files): declarations identical to the fast
 * scanner's, plus the structure the rules need — module-level functions, every call with its
 * arguments as a small expression tree, assignments (to follow SQL held in variables),
 * imports, comments (suppressions) and syntax errors. Read from a tree of tree-sitter-python's
 * shape: pyTree.ts builds it in JavaScript for the usual files, tree-sitter for the rest (the
 * same extraction runs on both); the tree is dropped before returning, so callers hold plain
 * data only.
 */
import type { DeclValue, MigrationDeclarations, Range, StringRef } from './types';
import { makeStringRef, readDocstring, scanMigration } from './migrationScanner';
import { LineIndex, type StringPiece } from '../text/sourceText';
import { decodePythonStringBody } from './pythonLiteral';
import { loadPythonParser, type PythonParser } from './pythonParser';
import { parsePyTree, type Capture, type TreeNode } from './pyTree';

interface Span {
  /** UTF-16 offsets into the file text. */
  start: number;
  end: number;
  range: Range;
}

/** A Python expression, reduced to what the rules look at. */
export type Expr = Span &
  (
    | {
        kind: 'string';
        /** The decoded value; for f-strings the `{…}` parts are kept as written. */
        value: string;
        /** Literal pieces (implicit concatenation gives several), with their prefixes. */
        pieces: StringPiece[];
        /** An f-string with at least one `{…}` replacement field. */
        interpolated: boolean;
        /** Source spans of the f-string replacement fields. */
        interpolations: Array<{ start: number; end: number }>;
      }
    | { kind: 'number' | 'true' | 'false' | 'none'; text: string }
    /** An identifier or a dotted name (`sa.DateTime`). */
    | { kind: 'name'; name: string }
    /** An attribute of something that is not a plain name (`"…".format`, `f().x`). */
    | { kind: 'attribute'; object: Expr; attr: string }
    | { kind: 'call'; func: Expr; callee: string; args: Arg[] }
    | { kind: 'tuple' | 'list'; items: Expr[] }
    | { kind: 'binary'; operator: string; left: Expr; right: Expr }
    | { kind: 'other'; text: string }
  );

export interface Arg {
  /** The keyword for `name=value` arguments. */
  name?: string;
  value: Expr;
  range: Range;
}

/** Where a call sits, as far as the rules care. */
export interface CallSite {
  call: Expr & { kind: 'call' };
  /** Name of the enclosing module-level function (`upgrade`, `downgrade`, a helper), if any. */
  functionName?: string;
  /** Inside `with op.get_context().autocommit_block():` (or any `….autocommit_block()`). */
  inAutocommitBlock: boolean;
  /** Inside a branch guarded by `context.is_offline_mode()` / `….as_sql`: which mode the branch runs in. */
  guardedMode?: 'offline' | 'online';
  /** Inside `with op.batch_alter_table('t') as batch_op:`: the table and the alias. */
  batch?: { table?: string; alias?: string };
  /**
   * Inside a branch that runs only on PostgreSQL (`if bind.dialect.name == "postgresql":`) or
   * only on another database (`if … == "mysql":`, the `else` of a PostgreSQL test, `!= "postgresql"`);
   * undefined when no dialect test decides it. Calls marked `other` are not checked as PostgreSQL.
   */
  dialect?: Dialect;
}

export type Dialect = 'postgresql' | 'other';

/** What a condition tells about the database when it holds and when it does not. */
interface DialectTest {
  whenTrue?: Dialect;
  whenFalse?: Dialect;
}

/** Both facts hold: undefined when they contradict each other. */
function both(a: Dialect | undefined, b: Dialect | undefined): Dialect | undefined {
  return a && b && a !== b ? undefined : (a ?? b);
}

/** One of the two facts holds: known only when they agree. */
function either(a: Dialect | undefined, b: Dialect | undefined): Dialect | undefined {
  return a === b ? a : undefined;
}

/**
 * `bind.dialect.name`, `op.get_bind().engine.name`, `context.get_context().dialect.name`,
 * `migrate_engine.name`; and the database URL, whose scheme names the dialect
 * (`str(bind.engine.url)`, `….url.drivername`, `….url.get_backend_name()`).
 */
const DIALECT_NAME = /(?:dialect|engine)\s*\.\s*name$|\.url(?:\.drivername|\.get_backend_name\(\))?\)?$/;

export interface Assignment {
  name: string;
  value: Expr;
  /** Enclosing module-level function, undefined at module level. */
  functionName?: string;
  start: number;
}

export interface FunctionInfo {
  name: string;
  range: Range;
  nameRange: Range;
  /** The body block. */
  bodyRange: Range;
  start: number;
  end: number;
  /** True when the body does nothing: only `pass`, `...`, docstrings and comments. */
  isEmpty: boolean;
  parameters: string;
}

export interface ImportInfo {
  /** The module imported from (`app.models`), or imported (`import app.models`). */
  module: string;
  names: string[];
  range: Range;
}

export interface CommentInfo {
  text: string;
  start: number;
  range: Range;
  /** True when the comment is alone on its line. */
  ownLine: boolean;
}

export interface ParsedMigration {
  text: string;
  lines: LineIndex;
  decls: MigrationDeclarations;
  functions: FunctionInfo[];
  calls: CallSite[];
  assignments: Assignment[];
  imports: ImportInfo[];
  comments: CommentInfo[];
  /** Ranges tree-sitter could not parse (first few only). */
  syntaxErrors: Range[];
}

const DECL_KEYS: Record<string, 'revision' | 'downRevision' | 'branchLabels' | 'dependsOn'> = {
  revision: 'revision',
  down_revision: 'downRevision',
  branch_labels: 'branchLabels',
  depends_on: 'dependsOn',
};

const MAX_EXPR_DEPTH = 40;

const MAX_SYNTAX_ERRORS = 10;

/** Parses a migration's source with tree-sitter. The first call loads the grammar. */
export async function parseMigration(source: string): Promise<ParsedMigration> {
  return parseMigrationWith(await loadPythonParser(), source);
}

/** Synchronous variant once the parser is loaded (the server keeps it loaded). */
export function parseMigrationWith(py: PythonParser, source: string): ParsedMigration {
  return parseFast(source) ?? parseWithTreeSitter(py, source);
}

/**
 * The full parse without tree-sitter, for files in the shapes `pyTree` takes (most
 * migrations); undefined for the rest. Node for node the same tree, so the same result.
 */
export function parseFast(source: string): ParsedMigration | undefined {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const tree = parsePyTree(text);
  return tree && new Extractor(text, tree.lines).extract(tree.root, tree.captures);
}

/** The full parse by tree-sitter, whatever the file holds. */
export function parseWithTreeSitter(py: PythonParser, source: string): ParsedMigration {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const tree = py.parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const captures: Capture[] = py.nodeQuery.captures(tree.rootNode).map((c) => ({ name: c.name as Capture['name'], node: c.node }));
    return new Extractor(text).extract(tree.rootNode, captures);
  } finally {
    tree.delete();
  }
}

class Extractor {
  private readonly lines: LineIndex;
  /** Calls already converted (as arguments of an enclosing call), by start offset: converted once. */
  private readonly callCache = new Map<number, Expr>();
  /** Context of a node (by id) as `context` computes it. */
  private readonly contextCache = new Map<number, Omit<CallSite, 'call'>>();
  /**
   * Names assigned a dialect name (`dialect = op.get_bind().dialect.name`: 'name') or a test of
   * one (`is_sqlite = ….dialect.name == 'sqlite'`), in document order as the assignments are met.
   */
  private readonly dialectNames = new Map<string, 'name' | DialectTest>();
  /** earlyExits() of a block, by node id. */
  private readonly exitCache = new Map<number, Array<{ end: number; condition: TreeNode }>>();

  constructor(
    private readonly text: string,
    lines = new LineIndex(text),
  ) {
    this.lines = lines;
  }

  // End positions come from the text's line index, not from tree-sitter: every node property
  // read is a call into the wasm module, and the end index is needed anyway.
  private span(n: TreeNode): Span {
    const end = n.endIndex;
    const s = n.startPosition;
    return { start: n.startIndex, end, range: { start: { line: s.row, character: s.column }, end: this.lines.positionAt(end) } };
  }

  private rangeOf(n: TreeNode): Range {
    const s = n.startPosition;
    return { start: { line: s.row, character: s.column }, end: this.lines.positionAt(n.endIndex) };
  }

  extract(root: TreeNode, captures: Capture[]): ParsedMigration {
    const result: ParsedMigration = {
      text: this.text,
      lines: this.lines,
      decls: { header: {}, message: '' },
      functions: [],
      calls: [],
      assignments: [],
      imports: [],
      comments: [],
      syntaxErrors: [],
    };
    let first = true;
    for (const stmt of root.namedChildren) {
      if (!stmt) continue;
      if (stmt.type === 'comment') continue;
      if (first) {
        first = false;
        const doc = this.docstringPiece(stmt);
        if (doc) {
          Object.assign(result.decls, readDocstring(this.text, doc, this.lines));
          continue;
        }
      }
      if (stmt.type === 'expression_statement') this.moduleAssignment(stmt, result.decls);
      else if (stmt.type === 'function_definition' || stmt.type === 'decorated_definition') {
        const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
        if (def?.type === 'function_definition') result.functions.push(this.functionInfo(def));
      }
    }
    this.collect(captures, result);
    if (root.hasError) {
      this.collectErrors(root, result.syntaxErrors);
      // tree-sitter recovers after a string that never closes and reads on (even a truncated
      // id); Python stops there. The scanner's tokenizer decides, so both agree.
      const scanned = scanMigration(this.text);
      if (scanned.syntaxError) result.decls = scanned;
    }
    return result;
  }

  /** The first statement, when it is a plain (non-bytes, non-f) string: the module docstring. */
  private docstringPiece(stmt: TreeNode): StringPiece | undefined {
    if (stmt.type !== 'expression_statement' || stmt.namedChildCount !== 1) return undefined;
    const s = stmt.namedChild(0);
    if (s?.type !== 'string') return undefined;
    const piece = this.piece(s);
    return /[bBfF]/.test(piece.prefix) ? undefined : piece;
  }

  /** A string literal's prefix and quotes, read from the source text (no tree traffic). */
  private piece(s: TreeNode): StringPiece {
    const t = this.text;
    const start = s.startIndex;
    let p = start;
    while (p - start < 2 && /[rRuUbBfF]/.test(t[p] ?? '')) p++;
    const q = t[p];
    if (q === '"' || q === "'") {
      const quoteLen = t[p + 1] === q && t[p + 2] === q && s.endIndex - p >= 6 ? 3 : 1;
      return { start, end: s.endIndex, prefix: t.slice(start, p), quoteLen };
    }
    return this.pieceFromTokens(s);
  }

  private pieceFromTokens(s: TreeNode): StringPiece {
    const startTok = s.firstChild;
    const open = startTok?.type === 'string_start' ? startTok.text : '"';
    const quoteLen = open.endsWith('"""') || open.endsWith("'''") ? 3 : 1;
    return { start: s.startIndex, end: s.endIndex, prefix: open.slice(0, open.length - quoteLen), quoteLen };
  }

  private moduleAssignment(stmt: TreeNode, decls: MigrationDeclarations): void {
    // Only `revision = …` and its three siblings matter: the name is in the text already.
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(stmt.startIndex, stmt.startIndex + 20));
    if (!word || !Object.hasOwn(DECL_KEYS, word[0])) return;
    const a = stmt.namedChild(0);
    if (a?.type !== 'assignment' || stmt.namedChildCount !== 1) return;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) return;
    if (!Object.hasOwn(DECL_KEYS, left.text)) return;
    const key = DECL_KEYS[left.text];
    // A chained assignment (`revision = x = '…'`) has another assignment on the right.
    decls[key] = { nameRange: this.rangeOf(left), value: this.declValue(right) };
  }

  private declValue(n: TreeNode): DeclValue {
    const range = this.rangeOf(n);
    const dynamic = { kind: 'dynamic' as const, text: n.text, range };
    if (n.type === 'none') return { kind: 'none', range };
    const single = this.stringItem(n);
    if (single !== null) return single ? { kind: 'strings', shape: 'string', items: [single], range } : dynamic;
    if (n.type === 'tuple' || n.type === 'list' || n.type === 'expression_list' || n.type === 'parenthesized_expression') {
      if (n.type === 'parenthesized_expression') {
        const inner = n.namedChildren.filter((c) => c && c.type !== 'comment');
        const item = inner.length === 1 && inner[0] ? this.stringItem(inner[0]) : undefined;
        return item ? { kind: 'strings', shape: 'string', items: [item], range } : dynamic;
      }
      const items: StringRef[] = [];
      for (const c of n.namedChildren) {
        if (!c || c.type === 'comment') continue;
        const item = this.stringItem(c);
        if (!item) return dynamic;
        items.push(item);
      }
      return { kind: 'strings', shape: n.type === 'list' ? 'list' : 'tuple', items, range };
    }
    return dynamic;
  }

  /** A plain string value (null when `n` is not a string at all, undefined for bytes/f-strings). */
  private stringItem(n: TreeNode): StringRef | undefined | null {
    if (n.type === 'string') return this.hasInterpolation(n) ? undefined : makeStringRef(this.text, [this.piece(n)], this.lines);
    if (n.type === 'concatenated_string') {
      const parts = n.namedChildren.filter((c): c is TreeNode => !!c && c.type === 'string');
      if (parts.some((p) => this.hasInterpolation(p))) return undefined;
      return makeStringRef(
        this.text,
        parts.map((p) => this.piece(p)),
        this.lines,
      );
    }
    return null;
  }

  private hasInterpolation(s: TreeNode): boolean {
    // Only f-strings have replacement fields: other strings need no look at their children.
    if (!/[fF]/.test(this.piece(s).prefix)) return false;
    return s.namedChildren.some((c) => c?.type === 'interpolation');
  }

  private functionInfo(def: TreeNode): FunctionInfo {
    const name = def.childForFieldName('name');
    const body = def.childForFieldName('body');
    const params = def.childForFieldName('parameters');
    const isEmpty =
      !body ||
      body.namedChildren.every((s) => {
        if (!s) return true;
        if (s.type === 'pass_statement' || s.type === 'comment') return true;
        if (s.type === 'expression_statement' && s.namedChildCount === 1) {
          const e = s.namedChild(0);
          return e?.type === 'string' || e?.type === 'ellipsis';
        }
        return false;
      });
    return {
      name: name?.text ?? '',
      range: this.rangeOf(def),
      nameRange: name ? this.rangeOf(name) : this.rangeOf(def),
      bodyRange: body ? this.rangeOf(body) : this.rangeOf(def),
      start: def.startIndex,
      end: def.endIndex,
      isEmpty,
      parameters: params?.text ?? '()',
    };
  }

  /** Calls, assignments, imports and comments anywhere in the file, in document order. */
  private collect(captures: Capture[], out: ParsedMigration): void {
    for (const cap of captures) {
      const n = cap.node;
      if (cap.name === 'call') {
        const call = this.expr(n, 0);
        if (call.kind === 'call') out.calls.push({ call, ...this.context(n) });
      } else if (cap.name === 'comment') {
        const lineStart = this.text.lastIndexOf('\n', n.startIndex - 1) + 1;
        out.comments.push({ text: n.text, start: n.startIndex, range: this.rangeOf(n), ownLine: this.text.slice(lineStart, n.startIndex).trim() === '' });
      } else if (cap.name === 'assignment') {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.type === 'identifier' && right) {
          this.noteDialectName(left.text, right);
          out.assignments.push({ name: left.text, value: this.expr(right, 0), functionName: this.context(n).functionName, start: n.startIndex });
        }
      } else if (n.type === 'import_from_statement') {
        const mod = n.childForFieldName('module_name');
        const names = n
          .childrenForFieldName('name')
          .filter((c): c is TreeNode => !!c)
          .map((c) => c.text);
        out.imports.push({ module: mod?.text ?? '', names, range: this.rangeOf(n) });
      } else if (n.type === 'import_statement') {
        for (const c of n.childrenForFieldName('name')) {
          if (!c) continue;
          const dotted = c.type === 'aliased_import' ? c.childForFieldName('name') : c;
          out.imports.push({ module: dotted?.text ?? c.text, names: [], range: this.rangeOf(n) });
        }
      }
    }
  }

  /**
   * Where a node sits: the outermost enclosing function, any enclosing autocommit block, the
   * innermost batch_alter_table and offline/online guard. Computed once per ancestor (nodes
   * of one function share their chain), iteratively (deeply nested files do not overflow).
   */
  private context(n: TreeNode): Omit<CallSite, 'call'> {
    const chain: TreeNode[] = [];
    let above: Omit<CallSite, 'call'> = { inAutocommitBlock: false };
    for (let c: TreeNode | null = n; c; c = c.parent) {
      const hit = this.contextCache.get(c.id);
      if (hit) {
        above = hit;
        break;
      }
      chain.push(c);
    }
    // chain[i]'s context = what its parent contributes (seen from chain[i]) over the parent's context.
    for (let i = chain.length - 1; i >= 0; i--) {
      const child = chain[i];
      const p = i + 1 < chain.length ? chain[i + 1] : child.parent;
      const ctx: Omit<CallSite, 'call'> = { ...above };
      if (p) this.contribute(p, child, ctx);
      this.contextCache.set(child.id, ctx);
      above = ctx;
    }
    return above;
  }

  /** What ancestor `p` adds to the context of its descendant through `child`, over `ctx` (its own context). */
  private contribute(p: TreeNode, child: TreeNode, ctx: Omit<CallSite, 'call'>): void {
    const type = p.type;
    if (type === 'function_definition') {
      ctx.functionName ??= p.childForFieldName('name')?.text;
    } else if (type === 'with_statement') {
      const w: Omit<CallSite, 'call'> = { inAutocommitBlock: false };
      this.withContext(p, w);
      if (w.inAutocommitBlock) ctx.inAutocommitBlock = true;
      if (w.batch) ctx.batch = w.batch;
    } else if (type === 'block' || type === 'module') {
      // After `if <dialect test>: … return` (or raise, continue, break), the rest of the block
      // runs only when the test failed.
      for (const e of this.earlyExits(p)) {
        if (e.end > child.startIndex) break;
        // Tested when first needed: by then every name assigned before the test is known.
        const d = this.dialectTest(e.condition).whenFalse;
        if (d) ctx.dialect = d;
      }
    } else if (type === 'if_statement' || type === 'elif_clause') {
      const cond = p.childForFieldName('condition');
      const mode = cond && type === 'if_statement' ? offlineCondition(cond) : undefined;
      const inConsequence = p.childForFieldName('consequence')?.equals(child) ?? false;
      if (mode) {
        if (inConsequence) ctx.guardedMode = mode;
        else if (child.type === 'else_clause') ctx.guardedMode = mode === 'offline' ? 'online' : 'offline';
      }
      let dialect: Dialect | undefined;
      if (inConsequence) dialect = cond ? this.dialectTest(cond).whenTrue : undefined;
      else if (type === 'if_statement' && (child.type === 'elif_clause' || child.type === 'else_clause')) {
        // Every condition before this branch was false.
        dialect = cond ? this.dialectTest(cond).whenFalse : undefined;
        for (const alt of p.childrenForFieldName('alternative')) {
          if (!alt || alt.equals(child)) break;
          const c = alt.childForFieldName('condition');
          dialect = both(dialect, c ? this.dialectTest(c).whenFalse : undefined);
        }
      }
      if (dialect) ctx.dialect = dialect;
    }
  }

  /** The `if …: … return/raise/continue/break` statements (no elif/else) of a block, once per block. */
  private earlyExits(block: TreeNode): Array<{ end: number; condition: TreeNode }> {
    let exits = this.exitCache.get(block.id);
    if (exits) return exits;
    exits = [];
    for (const st of block.namedChildren) {
      if (st?.type !== 'if_statement' || st.childForFieldName('alternative')) continue;
      const body = st.childForFieldName('consequence')?.namedChildren.filter((c) => c && c.type !== 'comment');
      const last = body?.at(-1);
      const condition = st.childForFieldName('condition');
      if (condition && last && /^(?:return|raise|continue|break)_statement$/.test(last.type)) exits.push({ end: st.endIndex, condition });
    }
    this.exitCache.set(block.id, exits);
    return exits;
  }

  /** Remembers (or forgets, when reassigned) a name holding a dialect name or a test of one. */
  private noteDialectName(name: string, value: TreeNode): void {
    if (this.isDialectName(value)) {
      this.dialectNames.set(name, 'name');
      return;
    }
    const test = value.type === 'comparison_operator' || value.type === 'not_operator' || value.type === 'boolean_operator' ? this.dialectTest(value) : {};
    const before = this.dialectNames.get(name);
    if (test.whenTrue || test.whenFalse) this.dialectNames.set(name, test);
    // `except …: is_sqlite = False`: the flag can still be true only through its test.
    else if ((value.type === 'false' || value.type === 'none') && before && before !== 'name') this.dialectNames.set(name, { whenTrue: before.whenTrue });
    else this.dialectNames.delete(name);
  }

  private isDialectName(n: TreeNode): boolean {
    if (n.type === 'identifier') return this.dialectNames.get(n.text) === 'name';
    return (n.type === 'attribute' || n.type === 'call') && DIALECT_NAME.test(n.text);
  }

  /** What `cond` says about the database: `dialect.name == "mysql"`, `… in ("mysql", "mariadb")`, `not`, `and`, `or`. */
  private dialectTest(cond: TreeNode): DialectTest {
    switch (cond.type) {
      case 'parenthesized_expression': {
        const inner = cond.namedChildren.filter((c): c is TreeNode => !!c && c.type !== 'comment');
        return inner.length === 1 ? this.dialectTest(inner[0]) : {};
      }
      case 'not_operator': {
        const arg = cond.childForFieldName('argument');
        const t = arg ? this.dialectTest(arg) : {};
        return { whenTrue: t.whenFalse, whenFalse: t.whenTrue };
      }
      case 'boolean_operator': {
        const l = cond.childForFieldName('left');
        const r = cond.childForFieldName('right');
        if (!l || !r) return {};
        const a = this.dialectTest(l);
        const b = this.dialectTest(r);
        return cond.childForFieldName('operator')?.type === 'and'
          ? { whenTrue: both(a.whenTrue, b.whenTrue), whenFalse: either(a.whenFalse, b.whenFalse) }
          : { whenTrue: either(a.whenTrue, b.whenTrue), whenFalse: both(a.whenFalse, b.whenFalse) };
      }
      case 'call': {
        // `url.startswith("mysql")`, `bind.dialect.name.startswith(("postgres", "pg"))`
        const fn = cond.childForFieldName('function');
        const args = cond.childForFieldName('arguments')?.namedChildren.filter((c): c is TreeNode => !!c && c.type !== 'comment');
        const obj = fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'startswith' ? fn.childForFieldName('object') : null;
        const prefixes = obj && args?.length === 1 && this.isDialectName(obj) ? stringSet(args[0]) : undefined;
        if (!prefixes?.length) return {};
        const pg = prefixes.filter((v) => v.length >= 5 && 'postgresql'.startsWith(v)).length;
        const none = prefixes.every((v) => !'postgresql'.startsWith(v));
        return { whenTrue: pg === prefixes.length ? 'postgresql' : none ? 'other' : undefined, whenFalse: pg > 0 ? 'other' : undefined };
      }
      case 'identifier': {
        const t = this.dialectNames.get(cond.text);
        return t && t !== 'name' ? t : {};
      }
      case 'comparison_operator': {
        const operands = cond.namedChildren.filter((c): c is TreeNode => !!c && c.type !== 'comment');
        if (operands.length !== 2) return {};
        const [l, r] = operands;
        const op = this.text.slice(l.endIndex, r.startIndex).replace(/\s+/g, ' ').trim();
        if (l.type === 'string' && (op === 'in' || op === 'not in') && this.isDialectName(r)) {
          // A substring of the name: `"postgres" in bind.dialect.name`.
          const part = stringSet(l)?.[0] ?? '';
          const test: DialectTest = !'postgresql'.includes(part)
            ? { whenTrue: 'other' }
            : part.length >= 5
              ? { whenTrue: 'postgresql', whenFalse: 'other' }
              : {};
          return op === 'in' ? test : { whenTrue: test.whenFalse, whenFalse: test.whenTrue };
        }
        const names = this.isDialectName(l) ? stringSet(r) : this.isDialectName(r) && (op === '==' || op === '!=') ? stringSet(l) : undefined;
        if (!names?.length) return {};
        const pg = names.filter((v) => /^postgres/i.test(v)).length;
        // Holds: PostgreSQL when every name listed is, another database when none is.
        const test: DialectTest = { whenTrue: pg === names.length ? 'postgresql' : pg === 0 ? 'other' : undefined, whenFalse: pg > 0 ? 'other' : undefined };
        if (op === '==' || op === 'in') return test;
        if (op === '!=' || op === 'not in') return { whenTrue: test.whenFalse, whenFalse: test.whenTrue };
        return {};
      }
    }
    return {};
  }

  private withContext(w: TreeNode, ctx: Omit<CallSite, 'call'>): void {
    for (const item of w.descendantsOfType('with_item')) {
      const value = item?.childForFieldName('value');
      if (!value) continue;
      const call = value.type === 'as_pattern' ? value.namedChild(0) : value;
      if (call?.type !== 'call') continue;
      const fn = call.childForFieldName('function')?.text ?? '';
      if (fn.endsWith('autocommit_block')) ctx.inAutocommitBlock = true;
      if (fn.endsWith('batch_alter_table') && !ctx.batch) {
        const args = call.childForFieldName('arguments');
        const first = args?.namedChildren.find((a) => a && a.type !== 'keyword_argument' && a.type !== 'comment');
        const alias = value.type === 'as_pattern' ? value.childForFieldName('alias')?.text : undefined;
        const table =
          first?.type === 'string'
            ? decodePythonStringBody(
                first.namedChildren
                  .filter((c): c is TreeNode => c?.type === 'string_content')
                  .map((c) => c.text)
                  .join(''),
                false,
              )
            : undefined;
        ctx.batch = { table, alias };
      }
    }
  }

  expr(n: TreeNode, depth: number): Expr {
    const span = this.span(n);
    if (depth > MAX_EXPR_DEPTH) return { start: span.start, end: span.end, range: span.range, kind: 'other', text: '…' };
    switch (n.type) {
      case 'string':
      case 'concatenated_string':
        return this.stringExpr(n, span);
      case 'integer':
      case 'float':
        return { start: span.start, end: span.end, range: span.range, kind: 'number', text: n.text };
      case 'true':
      case 'false':
      case 'none':
        return { start: span.start, end: span.end, range: span.range, kind: n.type, text: n.text };
      case 'identifier':
        return { start: span.start, end: span.end, range: span.range, kind: 'name', name: n.text };
      case 'attribute': {
        const obj = n.childForFieldName('object');
        const attr = n.childForFieldName('attribute')?.text ?? '';
        const objExpr = obj ? this.expr(obj, depth + 1) : undefined;
        if (objExpr?.kind === 'name') return { start: span.start, end: span.end, range: span.range, kind: 'name', name: `${objExpr.name}.${attr}` };
        return {
          start: span.start,
          end: span.end,
          range: span.range,
          kind: 'attribute',
          object: objExpr ?? { start: span.start, end: span.end, range: span.range, kind: 'other', text: '' },
          attr,
        };
      }
      case 'call': {
        const cached = this.callCache.get(n.startIndex);
        if (cached && cached.end === n.endIndex) return cached;
        const fnNode = n.childForFieldName('function');
        const func: Expr = fnNode ? this.expr(fnNode, depth + 1) : { start: span.start, end: span.end, range: span.range, kind: 'other', text: '' };
        const callee = func.kind === 'name' ? func.name : func.kind === 'attribute' ? `….${func.attr}` : '';
        const args: Arg[] = [];
        const argList = n.childForFieldName('arguments');
        for (const a of argList?.namedChildren ?? []) {
          if (!a || a.type === 'comment') continue;
          if (a.type === 'keyword_argument') {
            const name = a.childForFieldName('name')?.text;
            const value = a.childForFieldName('value');
            if (value) args.push({ name, value: this.expr(value, depth + 1), range: this.rangeOf(a) });
          } else {
            args.push({ value: this.expr(a, depth + 1), range: this.rangeOf(a) });
          }
        }
        const call: Expr = { start: span.start, end: span.end, range: span.range, kind: 'call', func, callee, args };
        this.callCache.set(n.startIndex, call);
        return call;
      }
      case 'tuple':
      case 'list':
      case 'expression_list':
        return {
          ...span,
          kind: n.type === 'list' ? 'list' : 'tuple',
          items: n.namedChildren.filter((c): c is TreeNode => !!c && c.type !== 'comment').map((c) => this.expr(c, depth + 1)),
        };
      case 'parenthesized_expression': {
        const inner = n.namedChildren.filter((c): c is TreeNode => !!c && c.type !== 'comment');
        return inner.length === 1 ? this.expr(inner[0], depth + 1) : { start: span.start, end: span.end, range: span.range, kind: 'other', text: n.text };
      }
      case 'binary_operator': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        const op = n.childForFieldName('operator')?.text ?? '';
        if (left && right)
          return {
            start: span.start,
            end: span.end,
            range: span.range,
            kind: 'binary',
            operator: op,
            left: this.expr(left, depth + 1),
            right: this.expr(right, depth + 1),
          };
        return { start: span.start, end: span.end, range: span.range, kind: 'other', text: n.text };
      }
      default:
        return { start: span.start, end: span.end, range: span.range, kind: 'other', text: n.text.length > 200 ? n.text.slice(0, 200) + '…' : n.text };
    }
  }

  private stringExpr(n: TreeNode, span: Span): Expr {
    const parts = n.type === 'string' ? [n] : n.namedChildren.filter((c): c is TreeNode => !!c && c.type === 'string');
    const pieces = parts.map((p) => this.piece(p));
    const interpolations: Array<{ start: number; end: number }> = [];
    let value = '';
    parts.forEach((p, i) => {
      const piece = pieces[i];
      const raw = /[rR]/.test(piece.prefix);
      const bodyStart = piece.start + piece.prefix.length + piece.quoteLen;
      const bodyEnd = Math.max(bodyStart, piece.end - piece.quoteLen);
      if (/[fF]/.test(piece.prefix))
        for (const c of p.namedChildren) if (c?.type === 'interpolation') interpolations.push({ start: c.startIndex, end: c.endIndex });
      value += decodePythonStringBody(this.text.slice(bodyStart, bodyEnd).replace(/\r\n?/g, '\n'), raw);
    });
    return { start: span.start, end: span.end, range: span.range, kind: 'string', value, pieces, interpolated: interpolations.length > 0, interpolations };
  }

  private collectErrors(root: TreeNode, out: Range[]): void {
    const stack: TreeNode[] = [root];
    while (stack.length && out.length < MAX_SYNTAX_ERRORS) {
      const n = stack.pop()!;
      if (n.isError || n.isMissing) {
        out.push(this.rangeOf(n));
        continue;
      }
      if (!n.hasError) continue;
      for (let i = n.childCount - 1; i >= 0; i--) {
        const c = n.child(i);
        if (c) stack.push(c);
      }
    }
  }
}

/** The literal strings of `"mysql"`, `("mysql", "mariadb")`, `['sqlite']`, `{…}`; undefined for anything else. */
function stringSet(n: TreeNode): string[] | undefined {
  if (n.type === 'string') {
    if (n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
    const body = n.namedChildren
      .filter((c): c is TreeNode => c?.type === 'string_content')
      .map((c) => c.text)
      .join('');
    return [body];
  }
  if (n.type === 'tuple' || n.type === 'list' || n.type === 'set' || n.type === 'parenthesized_expression') {
    const out: string[] = [];
    for (const c of n.namedChildren) {
      if (!c || c.type === 'comment') continue;
      const s = stringSet(c);
      if (!s || c.type !== 'string') return undefined;
      out.push(...s);
    }
    return out;
  }
  return undefined;
}

/** `context.is_offline_mode()` → 'offline'; `not context.is_offline_mode()` → 'online'; `….as_sql` likewise. */
function offlineCondition(cond: TreeNode): 'offline' | 'online' | undefined {
  if (cond.type === 'not_operator') {
    const inner = cond.childForFieldName('argument');
    const m = inner ? offlineCondition(inner) : undefined;
    return m === 'offline' ? 'online' : m === 'online' ? 'offline' : undefined;
  }
  if (cond.type === 'parenthesized_expression' && cond.namedChildCount === 1) return offlineCondition(cond.namedChild(0)!);
  const t = cond.text;
  if (/\bis_offline_mode\s*\(\s*\)$/.test(t) || /\.as_sql$/.test(t)) return 'offline';
  return undefined;
}
