/**
 * What a migration's `upgrade()` does, read statically (no Python runs): the SQL strings it
 * executes and the `op.*` operations it calls, in source order. This is not
 * `alembic upgrade --sql` (which renders the operations as SQL by running the migration): the
 * operations stay as written, SQL strings as their decoded text.
 */
import type { CallSite, Expr, ParsedMigration } from './migrationParser';
import { DRIVER, EXECUTE, assembled, isTextCall, resolveName } from './lint';
import { decodePythonString } from '../sql/pythonString';

export type UpgradeStep = { kind: 'sql'; sql: string; line: number } | { kind: 'op'; source: string; line: number };

/** Helpers of `op` that are not operations (they produce values or contexts). */
const NOT_OPERATIONS = new Set(['f', 'execute', 'get_bind', 'get_context', 'inline_literal', 'implementation_for', 'invoke', 'run_async']);

/** The literal SQL text an execute call's first argument holds (through variables and `text()`), if any. */
function literalSql(parsed: ParsedMigration, site: CallSite): string | undefined {
  let value: Expr | undefined = site.call.args.find((a) => a.name === undefined)?.value;
  if (value?.kind === 'name') value = resolveName(parsed, value.name, site) ?? value;
  if (value && isTextCall(value) && value.kind === 'call') {
    let inner: Expr = value;
    while (inner.kind === 'call' && inner.func.kind === 'attribute') inner = inner.func.object; // text(…).bindparams(…)
    value = inner.kind === 'call' ? inner.args.find((a) => a.name === undefined)?.value : undefined;
    if (value?.kind === 'name') value = resolveName(parsed, value.name, site) ?? value;
  }
  if (value?.kind !== 'string' || assembled(value) || value.pieces.some((p) => /[bB]/.test(p.prefix))) return undefined;
  return decodePythonString(parsed.text, value.pieces).value;
}

/** The steps of `function` (default `upgrade`), in source order. */
export function upgradeSteps(parsed: ParsedMigration, functionName = 'upgrade'): UpgradeStep[] {
  const steps: UpgradeStep[] = [];
  const sites = parsed.calls.filter((s) => s.functionName === functionName).sort((a, b) => a.call.start - b.call.start);
  let coveredUntil = -1;
  for (const site of sites) {
    const { call } = site;
    if (call.start < coveredUntil) continue; // inside an operation already listed (its arguments)
    const line = call.range.start.line;
    if (EXECUTE.test(call.callee) || DRIVER.test(call.callee)) {
      const sql = literalSql(parsed, site);
      if (sql !== undefined) steps.push({ kind: 'sql', sql: sql.trim(), line });
      else if (/^op\./.test(call.callee)) steps.push({ kind: 'op', source: parsed.text.slice(call.start, call.end), line });
      coveredUntil = call.end;
      continue;
    }
    const m = /^(\w+)\.(\w+)$/.exec(call.callee);
    if (!m || NOT_OPERATIONS.has(m[2])) continue;
    if (m[1] !== 'op' && site.batch?.alias !== m[1]) continue;
    steps.push({ kind: 'op', source: parsed.text.slice(call.start, call.end), line });
    coveredUntil = call.end;
  }
  return steps;
}
