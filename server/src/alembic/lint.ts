/**
 * The lint pipeline of one parsed migration: the SQL reaching `op.execute`, `text()` and
 * `exec_driver_sql` (followed through variables and module constants) checked with
 * PostgreSQL's grammar, then `# alembic: ignore[...]` suppressions. Severities and rules turned
 * off are applied by the caller (RuleConfig).
 */
import type { Arg, CallSite, Expr, ParsedMigration } from './migrationParser';
import type { RuleConfig } from './ruleConfig';
import { ruleInfo, isRuleId, RULES } from './rules';
import type { Problem, Range, Severity } from './types';
import { decodePythonString } from '../sql/pythonString';
import { checkSql, ensureSqlParser, type SqlFinding } from '../sql/sqlCheck';
import { checkOperations } from './opRules';
import { OP_RULES } from './rules/op';
import { SQL_RULES } from '../sql/rules';
import type { CompiledCustomRules } from './customRules';
import { SUPPRESSION_PATTERN } from './suppression';
import { mayHaveVagueMessage } from './rules/op/vagueRevisionMessage';

/** Loads what linting needs beyond the Python parser (PostgreSQL's parser). */
export async function prepareLinter(): Promise<void> {
  await ensureSqlParser();
}

/**
 * Rules this build checks. A suppression of another rule is not reported as unused: nothing
 * could have used it yet.
 */
export const CHECKED_RULES = new Set([
  ...RULES.filter((r) => r.category === 'graph' || r.category === 'operations' || r.category === 'naming').map((r) => r.id),
  'sql-syntax-error',
  'sqlite-syntax',
  'update-without-where',
  'delete-without-where',
  'transaction-nesting',
  'ban-drop-database',
  'ban-truncate-cascade',
  'sql-string-interpolation',
  'non-literal-sql',
  'unused-suppression',
]);

type Call = Expr & { kind: 'call' };

/** Operation rules that hold in downgrade() too (op.* calls and SQL alike). */
const DOWNGRADE_RULES = new Set(['require-concurrent-index-deletion', 'concurrent-index-in-transaction']);

export const EXECUTE = /(?:^|\.)execute$/;
export const TEXT = /^(?:sa\.|sqlalchemy\.|sqlalchemy\.sql\.)?text$/;
export const DRIVER = /(?:^|\.)exec_driver_sql$/;

function severity(id: string): Severity {
  const s = ruleInfo(id)?.defaultSeverity;
  return s && s !== 'off' ? s : 'warning';
}

type Located = Problem;

function firstPositional(call: Call): Arg | undefined {
  return call.args.find((a) => a.name === undefined);
}

/** The value a name had where it is used: the last assignment before it in the same function, else at module level. */
export function resolveName(parsed: ParsedMigration, name: string, site: CallSite): Expr | undefined {
  const before = parsed.assignments.filter((a) => a.name === name && a.start < site.call.start);
  const local = before.filter((a) => a.functionName === site.functionName && site.functionName !== undefined);
  const chosen = (local.length ? local : parsed.assignments.filter((a) => a.name === name && a.functionName === undefined)).at(-1);
  return chosen?.value;
}

/** `text("…")`, or a method chained on it (`text("…").bindparams(…)`, `.columns(…)`). */
export function isTextCall(e: Expr | undefined): boolean {
  if (e?.kind !== 'call') return false;
  if (TEXT.test(e.callee)) return true;
  return e.func.kind === 'attribute' && isTextCall(e.func.object);
}

/** Above this size a file is not linted (graph checks still apply). */
export const MAX_LINT_CHARS = 1_000_000;

/**
 * Whether a migration's text can produce lint findings at all: files with no SQL call and no
 * suppression comment skip the full parse (most of a large project's history).
 */
export function mayHaveFindings(text: string): boolean {
  // Multi-megabyte "migrations" are data dumps: linting them would block the server for
  // seconds, so they get the graph checks only.
  if (text.length > MAX_LINT_CHARS) return false;
  return /\bop\.|execute|text\s*\(|exec_driver_sql|alembic\s*:|models?\b/.test(text) || mayHaveVagueMessage(text);
}

/** `"…" % x`, `"…" + x`, `"…".format(…)`: SQL assembled from values. */
export function assembled(e: Expr): boolean {
  if (e.kind === 'binary' && (e.operator === '%' || e.operator === '+')) return hasString(e.left) || hasString(e.right);
  return e.kind === 'call' && e.func.kind === 'attribute' && e.func.attr === 'format' && e.func.object.kind === 'string';
}

function hasString(e: Expr): boolean {
  return e.kind === 'string' || (e.kind === 'binary' && (hasString(e.left) || hasString(e.right)));
}

/** With `custom`, the project's team-defined rules run beside the built-in ones (customRules.ts). */
export function lintMigration(parsed: ParsedMigration, file: string, opts: { config?: RuleConfig; custom?: CompiledCustomRules } = {}): Problem[] {
  const custom = opts.custom;
  const sqlRules = custom?.sql.length ? { rules: [...SQL_RULES, ...custom.sql] } : {};
  const problems: Located[] = [];
  const lines = parsed.lines;
  const report = (ruleId: string, message: string, range: Range, anchorLine?: number, table?: string): void => {
    problems.push({
      ruleId,
      severity: severity(ruleId),
      message,
      file,
      range,
      ...(anchorLine !== undefined ? { anchorLine } : {}),
      ...(table ? { table } : {}),
    });
  };
  const tablesCreated = new Map<string | undefined, Set<string>>();
  for (const site of parsed.calls) {
    if (site.call.callee !== 'op.create_table') continue;
    const name = firstPositional(site.call)?.value;
    if (name?.kind === 'string') {
      const set = tablesCreated.get(site.functionName) ?? new Set<string>();
      set.add(name.value);
      tablesCreated.set(site.functionName, set);
    }
  }
  const executeArgs = new Set<number>();
  for (const site of parsed.calls) {
    if (EXECUTE.test(site.call.callee) || DRIVER.test(site.call.callee)) {
      const a = firstPositional(site.call);
      if (a) executeArgs.add(a.value.start);
    }
  }
  for (const site of parsed.calls) {
    const callee = site.call.callee;
    const kind = DRIVER.test(callee) ? 'driver' : EXECUTE.test(callee) ? 'execute' : TEXT.test(callee) ? 'text' : undefined;
    if (!kind) continue;
    // `execute` only counts on op / a connection; `session.execute(select(...))` has no SQL text.
    const arg = firstPositional(site.call);
    if (!arg) continue;
    const anchorLine = site.call.range.start.line;
    let value: Expr | undefined = arg.value;
    if (value.kind === 'name') value = resolveName(parsed, value.name, site) ?? value;
    if (kind !== 'text' && isTextCall(value)) continue; // the text() call is checked itself
    // Under a test for another database (`if bind.dialect.name == "mysql":`) the SQL is not
    // PostgreSQL's to judge; pasting values into it is still reported.
    const otherDialect = site.dialect === 'other';
    if (value.kind === 'call' && !assembled(value)) {
      if (otherDialect) continue;
      if (kind === 'execute' && !/^op\./.test(callee) && !isTextCall(value)) continue; // e.g. conn.execute(select(...))
      if (/^op\./.test(callee))
        report(
          'non-literal-sql',
          `The SQL passed to ${callee} is built at run time (${value.callee || 'a call'}), so it is not checked.`,
          arg.range,
          anchorLine,
        );
      continue;
    }
    if (assembled(value)) {
      report(
        'sql-string-interpolation',
        'SQL assembled with `%`, `+` or `.format()` from values: an injection risk and never checked. Use bind parameters: `sa.text("… WHERE id = :id").bindparams(id=…)`.',
        value.range,
        anchorLine,
      );
      continue;
    }
    if (value.kind !== 'string') {
      if (otherDialect) continue;
      if (/^op\./.test(callee) || kind !== 'execute')
        report('non-literal-sql', `The SQL passed to ${callee} is a value the checker cannot see, so it is not checked.`, arg.range, anchorLine);
      continue;
    }
    if (value.pieces.some((p) => /[bB]/.test(p.prefix))) continue;
    const decoded = decodePythonString(parsed.text, value.pieces);
    if (value.interpolated) {
      report(
        'sql-string-interpolation',
        'SQL built with an f-string: values pasted into SQL are an injection risk and defeat the checks. Use bind parameters (`:name` with `sa.text(...).bindparams(...)`), or `sa.table()`/`op.f()` for names.',
        value.range,
        anchorLine,
      );
    }
    if (otherDialect) continue;
    const ctx = {
      insideAutocommitBlock: site.inAutocommitBlock,
      tablesCreated: tablesCreated.get(site.functionName) ?? new Set<string>(),
      ...(site.functionName !== undefined ? { functionName: site.functionName } : {}),
    };
    // op.execute() and text() strings go through SQLAlchemy's text(): `:name` binds. A plain
    // string given to a connection (`conn.execute(sql, params)`, `exec_driver_sql`) reaches the
    // driver: `%s`, `%(name)s`, `$1` as well.
    const params = kind === 'text' || /^op\./.test(callee) ? ('text' as const) : ('driver' as const);
    const fields = decoded.interpolations.map((i) => ({ index: i.index, source: parsed.text.slice(i.start, i.end) }));
    const statementish = kind !== 'text' || executeArgs.has(site.call.start);
    let findings: SqlFinding[] = checkSql(decoded.value, ctx, { params, fields, ...sqlRules });
    if (!statementish && findings.some((f) => f.ruleId === 'sql-syntax-error' || f.ruleId === 'non-literal-sql')) {
      // text() elsewhere is often a fragment (server_default=, postgresql_where=): a statement
      // that does not parse may still be a valid expression.
      const asExpr = checkSql(decoded.value, ctx, { params, fields, expression: true, ...sqlRules });
      if (!asExpr.some((f) => f.ruleId === 'sql-syntax-error' || f.ruleId === 'non-literal-sql')) findings = asExpr;
    }
    for (const f of findings) {
      // Like the op.* rules, most locking rules judge what upgrade() does to live tables; a
      // rollback drops indexes on the same live tables, and CONCURRENTLY fails in a transaction either way.
      if (site.functionName === 'downgrade' && ruleInfo(f.ruleId)?.category === 'operations' && !DOWNGRADE_RULES.has(f.ruleId)) continue;
      const start = decoded.map[Math.min(f.start, decoded.map.length - 1)];
      const end = decoded.map[Math.min(f.end, decoded.map.length - 1)];
      report(f.ruleId, f.message, lines.range(start, Math.max(end, start + 1)), anchorLine, f.table);
    }
  }
  return applySuppressions(parsed, file, problems, checkOperations(parsed, file, custom?.op.length ? [...OP_RULES, ...custom.op] : undefined), custom);
}

interface Suppression {
  ids: string[];
  /** undefined: the whole file. */
  line?: number;
  range: Range;
  used: Set<string>;
}

/** Reads `# alembic: ignore[...]` (this line, or the next code line when alone) and `ignore-file[...]`. */
export function readSuppressions(parsed: ParsedMigration): Suppression[] {
  const out: Suppression[] = [];
  const textLines = parsed.text.split('\n');
  for (const c of parsed.comments) {
    const m = SUPPRESSION_PATTERN.exec(c.text);
    if (!m) continue;
    const ids = (m[2] ?? '*')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    let line: number | undefined = c.range.start.line;
    if (m[1]) line = undefined;
    else if (c.ownLine) {
      let l = line + 1;
      while (l < textLines.length && /^\s*(#.*)?\r?$/.test(textLines[l])) l++;
      line = l;
    }
    out.push({ ids, line, range: c.range, used: new Set() });
  }
  return out;
}

/** Drops suppressed problems and reports suppressions that suppressed nothing. */
export function applySuppressions(
  parsed: ParsedMigration,
  file: string,
  problems: Located[],
  extra: Problem[] = [],
  custom?: Pick<CompiledCustomRules, 'ids' | 'active'>,
): Problem[] {
  const sups = readSuppressions(parsed);
  const kept: Problem[] = [];
  for (const p of [...problems, ...extra]) {
    const lines = new Set([p.range.start.line, p.anchorLine ?? p.range.start.line]);
    const s = sups.find((x) => (x.line === undefined || lines.has(x.line)) && (x.ids.includes(p.ruleId) || x.ids.includes('*')));
    if (s) {
      s.used.add(s.ids.includes(p.ruleId) ? p.ruleId : '*');
      continue;
    }
    kept.push(p);
  }
  for (const s of sups) {
    for (const id of s.ids) {
      if (s.used.has(id)) continue;
      if (id !== '*' && !isRuleId(id) && !custom?.ids.has(id)) {
        kept.push({
          ruleId: 'unused-suppression',
          severity: severity('unused-suppression'),
          message: `'${id}' is not a rule id: this suppression has no effect.`,
          file,
          range: s.range,
        });
      } else if (id === '*' || CHECKED_RULES.has(id) || custom?.active.has(id)) {
        kept.push({
          ruleId: 'unused-suppression',
          severity: severity('unused-suppression'),
          message: `This suppression of ${id === '*' ? 'every rule' : id} suppresses nothing: remove it.`,
          file,
          range: s.range,
        });
      }
    }
  }
  return kept;
}

export interface FixEdit {
  title: string;
  edits: Array<{ range: Problem['range']; newText: string }>;
}

function within(r: Range, pos: Range['start']): boolean {
  const after = pos.line > r.start.line || (pos.line === r.start.line && pos.character >= r.start.character);
  const before = pos.line < r.end.line || (pos.line === r.end.line && pos.character <= r.end.character);
  return after && before;
}

/** The innermost op call whose range contains `pos`. */
function opCallAt(parsed: ParsedMigration, pos: Range['start']): CallSite | undefined {
  let best: CallSite | undefined;
  for (const site of parsed.calls) {
    if (!/^\w+\.\w+$/.test(site.call.callee) || !within(site.call.range, pos)) continue;
    if (!best || site.call.start >= best.call.start) best = site;
  }
  return best;
}

/** The call's source with `keyword` added as its last argument (respecting a trailing comma). */
function withKeyword(text: string, call: Call, keyword: string): { start: number; end: number; text: string } {
  const src = text.slice(call.start, call.end);
  const close = src.lastIndexOf(')');
  let k = close - 1;
  while (k >= 0 && /\s/.test(src[k])) k--;
  const sep = src[k] === '(' ? '' : src[k] === ',' ? ' ' : ', ';
  return { start: call.start, end: call.end, text: src.slice(0, k + 1) + sep + keyword + src.slice(k + 1) };
}

/** Replaces the call's lines by the same lines inside `with op.get_context().autocommit_block():`. */
function wrapInAutocommit(parsed: ParsedMigration, call: Call, callText: string): { range: Range; newText: string } {
  const t = parsed.text;
  const lineStart = t.lastIndexOf('\n', call.start - 1) + 1;
  const nl = t.indexOf('\n', call.end);
  const lineEnd = nl < 0 ? t.length : t[nl - 1] === '\r' ? nl - 1 : nl;
  const indent = /^[ \t]*/.exec(t.slice(lineStart))![0];
  const body = t.slice(lineStart, call.start) + callText + t.slice(call.end, lineEnd);
  const newText =
    `${indent}with op.get_context().autocommit_block():\n` +
    body
      .split('\n')
      .map((l) => (l.trim() ? '    ' + l : l))
      .join('\n');
  return { range: parsed.lines.range(lineStart, lineEnd), newText };
}

/** Mechanical fixes for a lint problem, as text edits. */
export function fixEdits(problem: Problem, parsed: ParsedMigration): FixEdit[] {
  const site = opCallAt(parsed, problem.range.start);
  const call = site?.call;
  switch (problem.ruleId) {
    case 'require-concurrent-index-creation':
    case 'require-concurrent-index-deletion': {
      if (!site || !call || !/\.(create_index|drop_index)$/.test(call.callee)) return [];
      const kw = withKeyword(parsed.text, call, 'postgresql_concurrently=True');
      const edit = site.inAutocommitBlock ? { range: parsed.lines.range(kw.start, kw.end), newText: kw.text } : wrapInAutocommit(parsed, call, kw.text);
      return [{ title: 'Use postgresql_concurrently=True in an autocommit block', edits: [edit] }];
    }
    case 'concurrent-index-in-transaction':
      if (!site || !call || site.inAutocommitBlock) return [];
      return [{ title: 'Wrap in op.get_context().autocommit_block()', edits: [wrapInAutocommit(parsed, call, parsed.text.slice(call.start, call.end))] }];
    case 'constraint-missing-not-valid': {
      if (!call) return [];
      const kw = withKeyword(parsed.text, call, 'postgresql_not_valid=True');
      return [
        {
          title: 'Add postgresql_not_valid=True (then VALIDATE CONSTRAINT in a later migration)',
          edits: [{ range: parsed.lines.range(kw.start, kw.end), newText: kw.text }],
        },
      ];
    }
    case 'prefer-timestamptz': {
      const start = parsed.lines.offsetAt(problem.range.start);
      const end = parsed.lines.offsetAt(problem.range.end);
      const src = parsed.text.slice(start, end);
      if (!/DateTime|TIMESTAMP/.test(src)) return [];
      const newText = src.endsWith(')')
        ? src.endsWith('()')
          ? src.slice(0, -1) + 'timezone=True)'
          : src.slice(0, -1) + ', timezone=True)'
        : src + '(timezone=True)';
      return [{ title: 'Use timezone=True (timestamptz)', edits: [{ range: problem.range, newText }] }];
    }
  }
  return [];
}
