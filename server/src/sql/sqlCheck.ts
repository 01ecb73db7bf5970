/**
 * SQL strings from migrations checked with PostgreSQL's own grammar (libpg-query, PG 18):
 * syntax errors at the exact character, SQLite-isms with the PostgreSQL spelling to use, and
 * statement-level rules read from the parse tree. Input and output positions are offsets into
 * the SQL text; the caller maps them back into the Python source. The rules are modules
 * (rules/); this parses, builds what they share once per statement and runs them.
 */
import { ensureSqlParser, parseSync } from './pgParser';
import { INTERPOLATION_PLACEHOLDER } from './pythonString';
import { SQL_RULES } from './rules';
import type { AlterCommand, SqlContext, SqlRange, SqlRule, SqlStatementContext, SqlTextContext } from './sqlRule';
import { findSlots, rewrite, type FieldInSql, type Rewritten, type SqlSlot } from './sqlSlots';

export type { SqlContext } from './sqlRule';

export { ensureSqlParser };

export interface SqlFinding {
  ruleId: string;
  message: string;
  /** UTF-16 offsets into the checked SQL text. */
  start: number;
  end: number;
  /** The table the statement is about, when it names one. */
  table?: string;
}

/** Spans of SQL outside string literals, quoted identifiers, dollar quotes and comments. */
export function codeSpans(sql: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const skipTo = (end: number): void => {
    if (i > start) spans.push([start, i]);
    i = end;
    start = end;
  };
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        if (sql[j] === '\\' && c === "'" && /[eE]$/.test(sql.slice(0, i))) j++;
        j++;
      }
      skipTo(Math.min(n, j + 1));
    } else if (c === '-' && sql[i + 1] === '-') {
      const e = sql.indexOf('\n', i);
      skipTo(e < 0 ? n : e);
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      skipTo(e < 0 ? n : e + 2);
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i));
      if (tag && !/\w$/.test(sql.slice(0, i))) {
        const e = sql.indexOf(tag[0], i + tag[0].length);
        skipTo(e < 0 ? n : e + tag[0].length);
      } else i++;
    } else i++;
  }
  if (start < n) spans.push([start, n]);
  return spans;
}

/** UTF-16 index of a 0-based code-point index. */
function codePointToUtf16(s: string, cp: number): number {
  let i = 0;
  for (let k = 0; k < cp && i < s.length; k++) i += s.codePointAt(i)! > 0xffff ? 2 : 1;
  return i;
}

/** UTF-16 index of a UTF-8 byte offset. */
function byteToUtf16(s: string, byte: number): number {
  let b = 0;
  let i = 0;
  while (i < s.length && b < byte) {
    const cp = s.codePointAt(i)!;
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/** The token at `i`: a word, or one character. */
function tokenEnd(s: string, i: number): number {
  if (i >= s.length) return i;
  const m = /^[\w$]+/.exec(s.slice(i));
  return i + (m ? m[0].length : 1);
}

interface ParsedStmt {
  stmt: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

function relName(rv: unknown): string | undefined {
  const r = rv as { relname?: string } | undefined;
  return r?.relname;
}

/** Most parses tried for one text with slots, and most characters parsed in all (a few ms at worst). */
const MAX_ATTEMPTS = 128;
const MAX_PARSED_CHARS = 400_000;
/** Slots before a syntax error that are tried with other shapes, nearest first. */
const SLOTS_PER_STEP = 3;

interface Attempt {
  choice: number[];
  rw: Rewritten;
  tree?: { stmts: ParsedStmt[] };
  /** On failure: the parser's message and the error's offset in the rewritten text. */
  message?: string;
  at?: number;
  /** On failure: the error's offset in the original text (for comparing attempts). */
  origAt?: number;
}

function attempt(sql: string, slots: SqlSlot[], choice: number[], wrapper: string): Attempt {
  const rw = rewrite(sql, slots, choice);
  if (!rw.text.trim() && !wrapper) return { choice, rw, tree: { stmts: [] } };
  try {
    return { choice, rw, tree: parseSync(wrapper + rw.text) as { stmts: ParsedStmt[] } };
  } catch (e) {
    const cp = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0;
    const at = Math.max(0, Math.min(codePointToUtf16(wrapper + rw.text, cp) - wrapper.length, rw.text.length));
    return { choice, rw, message: (e as Error).message, at, origAt: rw.back[at] };
  }
}

/**
 * Parses `sql` with its slots filled in: first with every slot's first shape, then, while it
 * fails, with other shapes for the few slots before the error, keeping a change only when the
 * text parses or the error moves further on. Bounded: never the full cross product.
 */
function parseWithSlots(sql: string, slots: SqlSlot[], wrapper: string): Attempt & { exhausted: boolean } {
  let best = attempt(
    sql,
    slots,
    slots.map(() => 0),
    wrapper,
  );
  let tries = 1;
  let parsed = best.rw.text.length;
  let exhausted = false;
  let lastHelp: string | undefined;
  search: while (!best.tree) {
    const near = slots
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.start <= best.origAt! && s.shapes.length > 1)
      .reverse()
      .slice(0, SLOTS_PER_STEP);
    let next: Attempt | undefined;
    for (const { s, i } of near) {
      // Fields in a row are alike (`VALUES {a}, {b}, …`): the shape that helped last goes first,
      // and is taken at once when it helps again.
      const order = s.shapes.map((_, k) => k).sort((a, b) => Number(s.shapes[b] === lastHelp) - Number(s.shapes[a] === lastHelp));
      for (const k of order) {
        if (k === best.choice[i]) continue;
        if (tries >= MAX_ATTEMPTS || parsed >= MAX_PARSED_CHARS) {
          exhausted = true;
          break search;
        }
        const choice = [...best.choice];
        choice[i] = k;
        const a = attempt(sql, slots, choice, wrapper);
        tries++;
        parsed += a.rw.text.length;
        if (a.tree) {
          best = a;
          break search;
        }
        if (a.origAt! > (next?.origAt ?? best.origAt!)) next = a;
        if (next && s.shapes[k] === lastHelp) break;
      }
      if (next) lastHelp = s.shapes[next.choice[i]];
      // The nearest slot whose shapes move the error on is the one to change.
      if (next) break;
    }
    if (!next) break;
    best = next;
  }
  return { ...best, exhausted };
}

export interface CheckSqlOptions {
  /** Parse as a fragment (`server_default=sa.text(...)`) instead of a statement list. */
  expression?: boolean;
  /** Bind parameters to read as values: `text` (`:name`, SQLAlchemy), `driver` (also `%s`, `%(name)s`, `%%`). */
  params?: 'text' | 'driver';
  /** f-string replacement fields in the text (placeholders, see pythonString.ts). */
  fields?: FieldInSql[];
  /** The rules to run: every registered one unless given. */
  rules?: readonly SqlRule[];
}

/**
 * Checks one SQL text. Parameters and f-string fields are tried with the shapes they may
 * stand for; a syntax error is reported only when no tried choice parses, and an error right
 * at an f-string field (whose content is unknown) is `non-literal-sql`, not a syntax error.
 */
export function checkSql(sql: string, ctx: SqlContext, opts: CheckSqlOptions = {}): SqlFinding[] {
  const rules = opts.rules ?? SQL_RULES;
  const findings: SqlFinding[] = [];
  const code = codeSpans(sql);
  const report = (ruleId: string, range: SqlRange, message: string): void => {
    findings.push({ ruleId, message, ...range });
  };
  // Spelled out, not spread: a spread copy here was a hot spot of `check` (V8's slow clone path).
  const textContext: SqlTextContext = {
    insideAutocommitBlock: ctx.insideAutocommitBlock,
    tablesCreated: ctx.tablesCreated,
    functionName: ctx.functionName,
    code,
    report,
  };
  for (const rule of rules) rule.checkText?.(sql, textContext);
  const slots = findSlots(sql, code, opts.fields ?? [], opts.params);
  const wrapper = opts.expression ? 'SELECT ' : '';
  const result = parseWithSlots(sql, slots, wrapper);
  if (!result.tree) {
    // A text rule's finding that explains the failure (a SQLite-ism) stands instead of a syntax error.
    const explains = new Set(rules.filter((r) => r.meta.explainsSyntaxError).map((r) => r.id));
    if (findings.some((f) => explains.has(f.ruleId))) return findings;
    const { rw } = result;
    const rat = result.at!;
    // Right at a field, or anywhere after one when the search was cut short, the error may be
    // the field's doing.
    const field = result.exhausted
      ? slots.map((s, i) => (s.fragment && rw.spans[i][0] <= rat ? i : -1)).reduce((a, b) => Math.max(a, b), -1)
      : slots.findIndex((s, i) => s.fragment && rw.spans[i][0] <= rat && !rw.text.slice(rw.spans[i][1], rat).trim());
    if (field >= 0) {
      const s = slots[field];
      findings.push({
        ruleId: 'non-literal-sql',
        message: `This SQL parses with none of the names, values, lists or fragments tried for this f-string field (PostgreSQL: ${result.message}): what the field inserts decides, so the statement is not checked.`,
        start: s.start,
        end: s.end,
      });
      return findings;
    }
    let at = result.origAt!;
    // At the end of the text, point at its last token rather than past it.
    if (at >= sql.trimEnd().length) at = Math.max(0, sql.trimEnd().length - 1);
    findings.push({ ruleId: 'sql-syntax-error', message: `PostgreSQL: ${result.message}`, start: at, end: Math.max(at + 1, tokenEnd(sql, at)) });
    return findings;
  }
  if (opts.expression) return findings;
  const placeholder = new RegExp(`\\b${INTERPOLATION_PLACEHOLDER}\\b`, 'g');
  const { rw, choice } = result;
  let stmtFindings = statementFindings(rw.text, result.tree, ctx, rules);
  // A conditional field takes each of its values at run time: keep what holds for all that parse.
  slots.forEach((s, i) => {
    for (const k of s.alternatives ?? []) {
      if (k === choice[i] || !stmtFindings.length || !s.alternatives!.includes(choice[i])) continue;
      const other = attempt(
        sql,
        slots,
        choice.map((c, j) => (j === i ? k : c)),
        wrapper,
      );
      if (!other.tree) continue;
      const ids = new Set(statementFindings(other.rw.text, other.tree, ctx, rules).map((f) => f.ruleId));
      stmtFindings = stmtFindings.filter((f) => ids.has(f.ruleId));
    }
  });
  // Rules that fire on something missing: a field that may supply it (an optional clause left out) makes them uncertain.
  const absence = new Set(rules.filter((r) => r.meta.absence).map((r) => r.id));
  for (const f of stmtFindings) {
    const start = rw.back[f.start];
    const stmt: [number, number] = [rw.back[f.statement[0]], rw.back[f.statement[1]]];
    if (
      absence.has(f.ruleId) &&
      slots.some((s, i) => s.fragment && s.start >= stmt[0] && s.end <= stmt[1] && (s.shapes[choice[i]] === '' || optionalClause(sql, s, stmt)))
    )
      continue;
    findings.push({ ruleId: f.ruleId, message: slots.length ? f.message.replace(placeholder, '{…}') : f.message, start, end: Math.max(start, rw.back[f.end]) });
  }
  return findings;
}

/**
 * A field at the end of its statement after a complete term (`DELETE FROM t {where_clause}`)
 * may hold an optional clause, even though a name (an alias) also fits there.
 */
function optionalClause(sql: string, slot: SqlSlot, stmt: [number, number]): boolean {
  return /^[\s;]*$/.test(sql.slice(slot.end, stmt[1])) && /[\w)"']\s*$/.test(sql.slice(stmt[0], slot.start));
}

/** Statement-level rules run on the parse tree of `prepared` (offsets into `prepared`). */
function statementFindings(
  prepared: string,
  tree: { stmts: ParsedStmt[] },
  ctx: SqlContext,
  rules: readonly SqlRule[],
): Array<SqlFinding & { statement: [number, number] }> {
  const findings: Array<SqlFinding & { statement: [number, number] }> = [];
  for (const s of tree.stmts ?? []) {
    const start = byteToUtf16(prepared, s.stmt_location ?? 0);
    const end = s.stmt_len ? byteToUtf16(prepared, (s.stmt_location ?? 0) + s.stmt_len) : prepared.length;
    const lead = prepared.slice(start, end).length - prepared.slice(start, end).trimStart().length;
    const first = start + lead;
    const keyword = { start: first, end: tokenEnd(prepared, first) };
    const [kind, node] = Object.entries(s.stmt)[0] as [string, Record<string, unknown>];
    const stmtText = prepared.slice(first, end);
    const at = (re: RegExp, nth = 0): SqlRange => {
      const g = new RegExp(re.source, 'gi');
      let m: RegExpExecArray | null = null;
      for (let k = 0; k <= nth; k++) {
        m = g.exec(stmtText);
        if (!m) break;
      }
      return m ? { start: first + m.index, end: first + m.index + m[0].length } : keyword;
    };
    const context: SqlStatementContext = {
      insideAutocommitBlock: ctx.insideAutocommitBlock,
      tablesCreated: ctx.tablesCreated,
      functionName: ctx.functionName,
      text: prepared,
      start: first,
      end,
      keyword,
      relation: relName(node.relation),
      isNew: (table) => !!table && ctx.tablesCreated.has(table),
      at,
      report: (ruleId, range, message) => {
        const table = relName(node.relation);
        findings.push({ ruleId, message, ...range, statement: [first, end], ...(table ? { table } : {}) });
      },
    };
    for (const rule of rules) rule.check?.({ kind, node }, context);
    if (kind !== 'AlterTableStmt') continue;
    for (const command of alterCommands(node, at, keyword)) {
      for (const rule of rules) rule.checkAlterCommand?.(command, context);
    }
  }
  return findings;
}

/** Keywords of the ALTER TABLE commands rules point at, each kind counted on its own. */
const COMMAND_KEYWORDS: Record<string, [counter: string, keyword: RegExp]> = {
  AT_AddColumn: ['add', /\bADD\b/],
  AT_AddConstraint: ['add', /\bADD\b/],
  AT_DropColumn: ['drop', /\bDROP\b/],
  AT_AlterColumnType: ['type', /\bTYPE\b/],
  AT_SetNotNull: ['setnn', /\bSET\s+NOT\s+NULL\b/],
};

function alterCommands(node: Record<string, unknown>, at: (re: RegExp, nth?: number) => SqlRange, keyword: SqlRange): AlterCommand[] {
  const counts: Record<string, number> = {};
  return ((node.cmds as Array<{ AlterTableCmd: Record<string, unknown> }>) ?? []).map((c) => {
    const cmd = c.AlterTableCmd;
    const subtype = String(cmd.subtype);
    const k = COMMAND_KEYWORDS[subtype];
    if (!k) return { subtype, node: cmd, keyword };
    const nth = counts[k[0]] ?? 0;
    counts[k[0]] = nth + 1;
    return { subtype, node: cmd, keyword: at(k[1], nth) };
  });
}
