/**
 * Team-defined rules, without code: `[[tool.alembic-migrations.custom-rules]]` in
 * pyproject.toml, or `[[custom-rules]]` in a `migration-rules.toml` beside alembic.ini. A rule
 * matches a regex against each SQL statement (case-insensitive, reported at the matched text
 * inside the Python string) or an `op.*` call by name, with optional regexes on its arguments.
 * Each becomes a rule module of the same shape as the built-in ones (opRule.ts, sqlRule.ts),
 * so suppressions, severities and every output treat it like a built-in rule. Mistakes in a
 * definition are `invalid-project-config` problems on the exact line of the TOML file.
 */
import * as path from 'node:path';
import type { Arg, CallSite, Expr } from './migrationParser';
import type { OpRule, OpSiteContext } from './opRule';
import { isRuleId, type RuleSetting } from './rules';
import type { Problem, Range } from './types';
import type { SqlRule, SqlTextContext } from '../sql/sqlRule';

export type CustomRuleScope = 'upgrade' | 'downgrade' | 'both';

/** One team-defined rule as configured (plain data: it crosses to lint workers and into caches). */
export interface CustomRuleSpec {
  id: string;
  message: string;
  severity: RuleSetting;
  /** A regex matched against each SQL statement (case-insensitive). */
  sql?: string;
  /** An operation name (`drop_table`), for `op.drop_table(...)` and `batch_op.drop_table(...)`. */
  op?: string;
  /** Regexes on the operation's arguments, by keyword, positional index or alias (`table`, `column`, `name`). */
  args?: Record<string, string>;
  in: CustomRuleScope;
}

const SEVERITIES: Record<string, RuleSetting> = { off: 'off', info: 'information', information: 'information', warning: 'warning', error: 'error' };
const KEYS = new Set(['id', 'message', 'severity', 'sql', 'op', 'args', 'in']);
const ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function lineRange(lines: string[], line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: lines[line]?.length ?? 0 } };
}

/** Line numbers of each `[[…custom-rules]]` table header, in order. */
function headerLines(lines: string[], inToolTable: boolean): number[] {
  const quoted = (name: string): string => `\\s*(?:${name}|"${name}"|'${name}')\\s*`;
  const full = `${quoted('tool')}\\.${quoted('alembic-migrations')}\\.${quoted('custom-rules')}`;
  const re = new RegExp(`^\\s*\\[\\[(?:${full}${inToolTable ? '' : `|${quoted('custom-rules')}`})\\]\\]`);
  return lines.flatMap((l, i) => (re.test(l) ? [i] : []));
}

/** The line of `key =` inside the table that starts at `header` (up to the next table header). */
function keyLine(lines: string[], header: number | undefined, key: string): number | undefined {
  if (header === undefined) return undefined;
  const re = new RegExp(`^\\s*(?:${key}|"${key}"|'${key}')\\s*=`);
  for (let i = header + 1; i < lines.length && !/^\s*\[/.test(lines[i]); i++) if (re.test(lines[i])) return i;
  return undefined;
}

function regexError(source: string): string | undefined {
  try {
    new RegExp(source, 'i');
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, '');
  }
}

/**
 * Reads the `custom-rules` entries of one TOML file (already parsed: `entries` is the array;
 * `text` is the file, for line numbers). `inToolTable`: pyproject.toml (the tables are
 * `[[tool.alembic-migrations.custom-rules]]`); else migration-rules.toml (`[[custom-rules]]`
 * too). `taken`: ids already defined (by an earlier file).
 */
export function readCustomRules(
  file: string,
  text: string,
  entries: unknown,
  opts: { inToolTable: boolean; taken?: ReadonlySet<string> },
): { rules: CustomRuleSpec[]; problems: Problem[] } {
  const lines = text.split(/\r?\n/);
  const problems: Problem[] = [];
  const rules: CustomRuleSpec[] = [];
  const name = path.basename(file);
  const headers = headerLines(lines, opts.inToolTable);
  const fallback = lines.findIndex((l) => /^\s*(?:"|')?custom-rules(?:"|')?\s*=/.test(l));
  const report = (line: number | undefined, message: string, severity: 'error' | 'warning' = 'error'): void => {
    const at = line ?? (fallback >= 0 ? fallback : 0);
    problems.push({ ruleId: 'invalid-project-config', severity, message: `${name}: ${message}`, file, range: lineRange(lines, at) });
  };
  if (!Array.isArray(entries)) {
    report(fallback >= 0 ? fallback : undefined, 'custom-rules must be an array of tables ([[…custom-rules]] sections); it is ignored.');
    return { rules, problems };
  }
  const ids = new Set(opts.taken ?? []);
  entries.forEach((raw, n) => {
    // Inline arrays (`custom-rules = [{…}]`) have no header per entry: their problems go on the array's line.
    const header = headers.length === entries.length ? headers[n] : undefined;
    const at = (key: string): number | undefined => keyLine(lines, header, key) ?? header;
    const label = `custom rule #${n + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      report(header, `${label} is not a table; it is ignored.`);
      return;
    }
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (!KEYS.has(k)) report(at(k), `${label}: unknown key '${k}' (expected id, message, severity, sql or op, args, in); it is ignored.`, 'warning');
    const id = e.id;
    if (typeof id !== 'string' || !ID.test(id)) {
      report(at('id'), `${label}: 'id' must be a lower-case id like "no-serial" (got ${JSON.stringify(id ?? null)}); the rule is ignored.`);
      return;
    }
    const bad = (key: string, message: string): void => report(at(key), `custom rule '${id}': ${message}; the rule is ignored.`);
    if (isRuleId(id)) return bad('id', `'${id}' is a built-in rule id (configure it under [tool.alembic-migrations.rules] instead)`);
    if (ids.has(id)) return bad('id', `'${id}' is defined twice`);
    ids.add(id);
    if (typeof e.message !== 'string' || !e.message.trim()) return bad('message', "'message' must be a non-empty string");
    const severity = e.severity === undefined ? 'warning' : typeof e.severity === 'string' ? SEVERITIES[e.severity.toLowerCase()] : undefined;
    if (!severity) return bad('severity', `'severity' must be one of off, info, warning, error (got ${JSON.stringify(e.severity)})`);
    const scope = e.in === undefined ? 'upgrade' : e.in;
    if (scope !== 'upgrade' && scope !== 'downgrade' && scope !== 'both')
      return bad('in', `'in' must be "upgrade", "downgrade" or "both" (got ${JSON.stringify(e.in)})`);
    const spec: CustomRuleSpec = { id, message: e.message.trim(), severity, in: scope };
    if ((e.sql === undefined) === (e.op === undefined))
      return bad(e.sql === undefined ? 'id' : 'op', "give either 'sql' (a regex) or 'op' (an operation name), not both or neither");
    if (e.sql !== undefined) {
      if (typeof e.sql !== 'string' || !e.sql) return bad('sql', "'sql' must be a regex string");
      const err = regexError(e.sql);
      if (err) return bad('sql', `'sql' is not a valid regex: ${err}`);
      if (e.args !== undefined) return bad('args', "'args' applies to 'op' rules only");
      spec.sql = e.sql;
    } else {
      if (typeof e.op !== 'string' || !/^\w+$/.test(e.op.replace(/^op\./, '')))
        return bad('op', `'op' must be an operation name like "drop_table" (got ${JSON.stringify(e.op)})`);
      spec.op = e.op.replace(/^op\./, '');
      if (e.args !== undefined) {
        if (typeof e.args !== 'object' || e.args === null || Array.isArray(e.args))
          return bad('args', `'args' must be a table of regexes, like { table = "^audit_" }`);
        const args: Record<string, string> = {};
        for (const [k, v] of Object.entries(e.args as Record<string, unknown>)) {
          if (typeof v !== 'string') return bad('args', `args.${k} must be a regex string`);
          const err = regexError(v);
          if (err) return bad('args', `args.${k} is not a valid regex: ${err}`);
          args[k] = v;
        }
        spec.args = args;
      }
    }
    rules.push(spec);
  });
  return { rules, problems };
}

/** Positional parameters of the common operations (Alembic's signatures), to match `args` by name. */
const PARAMS: Record<string, string[]> = {
  create_table: ['table_name'],
  drop_table: ['table_name'],
  add_column: ['table_name', 'column'],
  drop_column: ['table_name', 'column_name'],
  alter_column: ['table_name', 'column_name'],
  rename_table: ['old_table_name', 'new_table_name'],
  create_index: ['index_name', 'table_name', 'columns'],
  drop_index: ['index_name', 'table_name'],
  create_foreign_key: ['constraint_name', 'source_table', 'referent_table', 'local_cols', 'remote_cols'],
  create_unique_constraint: ['constraint_name', 'table_name', 'columns'],
  create_check_constraint: ['constraint_name', 'table_name', 'condition'],
  create_primary_key: ['constraint_name', 'table_name', 'columns'],
  create_exclude_constraint: ['constraint_name', 'table_name'],
  drop_constraint: ['constraint_name', 'table_name', 'type_'],
  create_table_comment: ['table_name', 'comment'],
  bulk_insert: ['table', 'rows'],
  execute: ['sqltext'],
};
const TABLE_PARAMS_ORDER = ['table_name', 'source_table', 'old_table_name'];
const TABLE_PARAMS = new Set(TABLE_PARAMS_ORDER);

/** What an argument regex is matched against: a string literal's value, else the expression's source. */
function argText(source: string, e: Expr): string {
  return e.kind === 'string' && !e.interpolated ? e.value : source.slice(e.start, e.end);
}

/** The value `key` names in a call: keyword, positional index, parameter name or alias (`table`, `column`, `name`). */
function argValue(source: string, site: CallSite, context: OpSiteContext, key: string): string | undefined {
  const call = site.call;
  const keyword = call.args.find((a) => a.name === key);
  if (keyword) return argText(source, keyword.value);
  const params = (PARAMS[context.op] ?? []).filter((p) => !(context.batch && TABLE_PARAMS.has(p)));
  const positional: Arg[] = call.args.filter((a) => a.name === undefined);
  const at = (i: number): string | undefined => (positional[i] ? argText(source, positional[i].value) : undefined);
  if (/^\d+$/.test(key)) return at(Number(key));
  const byName = (p: string): string | undefined => {
    const kw = call.args.find((a) => a.name === p);
    if (kw) return argText(source, kw.value);
    const i = params.indexOf(p);
    return i >= 0 ? at(i) : undefined;
  };
  // `column` on add_column is the Column's name (its `column` parameter is the whole Column).
  if (params.includes(key) && !(key === 'column' && context.op === 'add_column')) return byName(key);
  if (key === 'table') return context.batch ? context.table : (TABLE_PARAMS_ORDER.map(byName).find((v) => v !== undefined) ?? byName('table'));
  if (key === 'name') return byName(context.op.endsWith('index') ? 'index_name' : 'constraint_name');
  if (key === 'column') {
    if (context.op === 'add_column') {
      const col = call.args.find((a) => a.name === 'column')?.value ?? positional[params.indexOf('column')]?.value;
      const first = col?.kind === 'call' ? col.args.find((a) => a.name === undefined)?.value : undefined;
      return first ? argText(source, first) : undefined;
    }
    return byName('column_name');
  }
  return undefined;
}

function inScope(scope: CustomRuleScope, functionName: string | undefined): boolean {
  return scope === 'both' ? functionName === 'upgrade' || functionName === 'downgrade' : functionName === scope;
}

function opRule(spec: CustomRuleSpec & { op: string }): OpRule {
  const args = Object.entries(spec.args ?? {}).map(([k, v]) => [k, new RegExp(v, 'i')] as const);
  return {
    id: spec.id,
    meta: { category: 'operations', description: spec.message },
    check(site, context) {
      if (context.op !== spec.op || !inScope(spec.in, site.functionName)) return;
      for (const [key, re] of args) {
        const value = argValue(context.parsed.text, site, context, key);
        if (value === undefined || !re.test(value)) return;
      }
      context.report(spec.id, context.name, spec.message);
    },
  };
}

/** Statement spans of a SQL text: split at `;` outside strings, quoted names and comments. */
function statements(sql: string, code: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (const [a, b] of code) {
    for (let i = a; i < b; i++) {
      if (sql[i] !== ';') continue;
      out.push([start, i]);
      start = i + 1;
    }
  }
  out.push([start, sql.length]);
  return out.filter(([a, b]) => sql.slice(a, b).trim());
}

function sqlRule(spec: CustomRuleSpec & { sql: string }): SqlRule {
  const re = new RegExp(spec.sql, 'i');
  return {
    id: spec.id,
    meta: { category: 'sql', description: spec.message },
    checkText(sql: string, context: SqlTextContext) {
      if (!inScope(spec.in, context.functionName)) return;
      for (const [a, b] of statements(sql, context.code)) {
        const m = re.exec(sql.slice(a, b));
        if (!m) continue;
        const start = a + m.index;
        context.report(spec.id, { start, end: Math.min(b, start + Math.max(1, m[0].length)) }, spec.message);
      }
    },
  };
}

/** The rules a project's custom rules make, ready for the lint (rules turned off are not run). */
export interface CompiledCustomRules {
  op: OpRule[];
  sql: SqlRule[];
  /** Every custom id, off or not (a suppression naming one is not "unknown"). */
  ids: Set<string>;
  /** Ids of the rules that run (a suppression of one that suppresses nothing is reported). */
  active: Set<string>;
}

/** `severityOf`: the configured severity (a rule defined `off` may be turned on in `[tool.alembic-migrations.rules]`). */
export function compileCustomRules(specs: readonly CustomRuleSpec[], severityOf: (id: string) => RuleSetting = () => 'warning'): CompiledCustomRules {
  const on = specs.filter((s) => severityOf(s.id) !== 'off');
  return {
    op: on.flatMap((s) => (s.op !== undefined ? [opRule({ ...s, op: s.op })] : [])),
    sql: on.flatMap((s) => (s.sql !== undefined ? [sqlRule({ ...s, sql: s.sql })] : [])),
    ids: new Set(specs.map((s) => s.id)),
    active: new Set(on.map((s) => s.id)),
  };
}
