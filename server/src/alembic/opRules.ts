/**
 * The `op.*` operation rules (RULES.md "Operations") on a parsed migration, with PostgreSQL's
 * locking in mind: what runs against an existing table in `upgrade()` and what a populated
 * table does with it. Tables created earlier in the same function are new (no rows, no
 * readers), so operations on them are not flagged. The rules are modules (rules/op/); this
 * builds what they share once per call and runs them.
 */
import type { CallSite, Expr, ParsedMigration } from './migrationParser';
import { stringArg } from './downgradeGen';
import type { OpFileContext, OpRule, OpSiteContext } from './opRule';
import { OP_RULES } from './rules/op';
import { ruleInfo } from './rules';
import { schemaObjects } from './schemaObjects';
import type { Problem, Range, Severity } from './types';

function severity(id: string): Severity {
  const s = ruleInfo(id)?.defaultSeverity;
  return s && s !== 'off' ? s : 'warning';
}

/** Operation name and table of an `op.x(...)` / `batch_op.x(...)` call; undefined for anything else. */
function operation(site: CallSite): { op: string; table?: string; batch: boolean } | undefined {
  const m = /^(\w+)\.(\w+)$/.exec(site.call.callee);
  if (!m) return undefined;
  if (m[1] === 'op') return { op: m[2], table: undefined, batch: false };
  if (site.batch?.alias === m[1]) return { op: m[2], table: site.batch.table, batch: true };
  return undefined;
}

/** Types in an expression tree: `sa.DateTime(...)`, `DateTime`, `postgresql.TIMESTAMP()`. */
function typeCalls(e: Expr, out: Expr[] = []): Expr[] {
  if (e.kind === 'call') {
    out.push(e);
    for (const a of e.args) typeCalls(a.value, out);
  } else if (e.kind === 'name') out.push(e);
  return out;
}

/** Column types anywhere in the call (create_table columns, add_column, alter_column type_=). */
function columnTypes(site: CallSite, op: string): Expr[] {
  if (!/^(create_table|add_column|alter_column)$/.test(op)) return [];
  return site.call.args.flatMap((a) => typeCalls(a.value));
}

/**
 * Problems of the operation rules: `rules` (every registered one unless given) run on every
 * operation call, then on the whole migration.
 */
/** Operations whose table is their second argument (the first names the index or constraint). */
const SECOND_ARG_TABLE =
  /^(create_index|drop_index|create_foreign_key|create_unique_constraint|create_check_constraint|create_primary_key|create_exclude_constraint|drop_constraint)$/;

export function checkOperations(parsed: ParsedMigration, file: string, rules: readonly OpRule[] = OP_RULES): Problem[] {
  parsed = { ...parsed, calls: parsed.calls.filter((s) => s.dialect !== 'other') }; // not PostgreSQL's operations (CallSite.dialect)
  const out: Problem[] = [];
  const report = (ruleId: string, range: Range, message: string): void => {
    out.push({ ruleId, severity: severity(ruleId), message, file, range });
  };
  const objects = schemaObjects(parsed);
  const operations: Array<{ site: CallSite; context: OpSiteContext }> = [];
  const fileContext: OpFileContext = { parsed, objects, operations, report };

  for (const site of parsed.calls) {
    const o = operation(site);
    if (!o) continue;
    const fn = site.functionName === undefined ? undefined : objects.get(site.functionName);
    const createdBefore = (key: string): boolean => !!fn?.created.some((c) => c.key === key && c.at < site.call.start);
    const table = o.batch ? o.table : stringArg(site.call, 0, 'table_name');
    // The table a finding on this call is about (the run's confirmation shows its live size).
    const subject = o.batch
      ? o.table
      : SECOND_ARG_TABLE.test(o.op)
        ? stringArg(site.call, 1, o.op === 'create_foreign_key' ? 'source_table' : 'table_name')
        : table;
    // Spelled out, not spread: spreading the file's context per call was a hot spot of `check`.
    const context: OpSiteContext = {
      parsed,
      objects,
      operations,
      report: subject
        ? (ruleId: string, range: Range, message: string) => void out.push({ ruleId, severity: severity(ruleId), message, file, range, table: subject })
        : report,
      op: o.op,
      batch: o.batch,
      table,
      inUpgrade: site.functionName === 'upgrade',
      name: site.call.func.range,
      fn,
      createdBefore,
      isNew: (table) => !!table && createdBefore(`table:${table}`),
    };
    operations.push({ site, context });
    for (const type of columnTypes(site, o.op)) {
      for (const rule of rules) rule.checkColumnType?.(type, context);
    }
    for (const rule of rules) rule.check?.(site, context);
  }
  for (const rule of rules) rule.checkFile?.(parsed, fileContext);
  return out;
}
