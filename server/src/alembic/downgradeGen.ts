/**
 * Generates `downgrade()` from `upgrade()` for the operations whose reverse is mechanical.
 * Operations that cannot be reversed from what the migration says (a dropped table's
 * definition, raw SQL) become comments, so nothing is silently left out.
 */
import type { Arg, CallSite, Expr, ParsedMigration } from './migrationParser';

type Call = Expr & { kind: 'call' };

/** The argument at `index` (positional) or named `name` (keyword). */
export function argOf(call: Call, index: number, name: string): Arg | undefined {
  const kw = call.args.find((a) => a.name === name);
  if (kw) return kw;
  const positional = call.args.filter((a) => a.name === undefined);
  return positional[index];
}

/** The string value of an argument, when it is a plain literal. */
export function stringArg(call: Call, index: number, name: string): string | undefined {
  const a = argOf(call, index, name);
  return a?.value.kind === 'string' && !a.value.interpolated ? a.value.value : undefined;
}

const CONSTRAINT_TYPES: Record<string, string> = {
  create_foreign_key: 'foreignkey',
  create_unique_constraint: 'unique',
  create_check_constraint: 'check',
  create_primary_key: 'primary',
  create_exclude_constraint: 'exclude',
};

function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** One call's reverse as Python source lines (a comment when it cannot be reversed). */
export function reverseCall(site: CallSite, source: string): string[] {
  const call = site.call;
  const src = (e: Expr): string => source.slice(e.start, e.end);
  const m = /^(?:op|(\w+))\.(\w+)$/.exec(call.callee);
  if (!m) return [];
  const batchTable = m[1] ? site.batch?.table : undefined;
  if (m[1] && (!site.batch || site.batch.alias !== m[1])) return [];
  const op = m[2];
  const shift = batchTable !== undefined ? 1 : 0;
  const table = batchTable ?? stringArg(call, 0, 'table_name');
  const schemaArg = argOf(call, 99, 'schema');
  const schema = schemaArg ? `, schema=${src(schemaArg.value)}` : '';
  const original = source.slice(call.start, call.end).split('\n')[0];
  const manual = (why: string): string[] => [`# ${why}: ${original}${original.length < source.slice(call.start, call.end).length ? ' …' : ''}`];
  switch (op) {
    case 'create_table': {
      const name = stringArg(call, 0, 'table_name');
      return name ? [`op.drop_table(${q(name)}${schema})`] : manual('cannot reverse (table name not a literal)');
    }
    case 'add_column': {
      const col = argOf(call, 1 - shift, 'column');
      const colName =
        col?.value.kind === 'call'
          ? col.value.args[0]?.value.kind === 'string'
            ? (col.value.args[0].value as { value: string }).value
            : undefined
          : undefined;
      return table && colName ? [`op.drop_column(${q(table)}, ${q(colName)}${schema})`] : manual('cannot reverse (column not a literal sa.Column)');
    }
    case 'create_index': {
      const name = stringArg(call, 0, 'index_name');
      const t = batchTable ?? stringArg(call, 1, 'table_name');
      if (!name || !t) return manual('cannot reverse (index name not a literal)');
      const conc = call.args.some((a) => a.name === 'postgresql_concurrently' && a.value.kind === 'true');
      return [`op.drop_index(${q(name)}, table_name=${q(t)}${schema}${conc ? ', postgresql_concurrently=True' : ''})`];
    }
    case 'create_foreign_key':
    case 'create_unique_constraint':
    case 'create_check_constraint':
    case 'create_primary_key':
    case 'create_exclude_constraint': {
      const name = stringArg(call, 0, 'constraint_name');
      const t = batchTable ?? stringArg(call, 1, op === 'create_foreign_key' ? 'source_table' : 'table_name');
      if (!name || !t) return manual('cannot reverse (constraint name not a literal)');
      return [`op.drop_constraint(${q(name)}, ${q(t)}, type_=${q(CONSTRAINT_TYPES[op])}${schema})`];
    }
    case 'rename_table': {
      const from = stringArg(call, 0, 'old_table_name');
      const to = stringArg(call, 1, 'new_table_name');
      return from && to ? [`op.rename_table(${q(to)}, ${q(from)}${schema})`] : manual('cannot reverse (table names not literals)');
    }
    case 'alter_column': {
      const col = stringArg(call, 1 - shift, 'column_name');
      if (!table || !col) return manual('cannot reverse (names not literals)');
      const newName = stringArg(call, 99, 'new_column_name');
      const target = newName ?? col;
      const parts: string[] = [];
      const missing: string[] = [];
      const pair = (key: string, existing: string): void => {
        if (!call.args.some((a) => a.name === key)) return;
        const old = call.args.find((a) => a.name === existing);
        if (old) parts.push(`${key}=${src(old.value)}`);
        else missing.push(`${key} (no ${existing}=)`);
      };
      pair('nullable', 'existing_nullable');
      pair('type_', 'existing_type');
      pair('server_default', 'existing_server_default');
      if (newName) parts.push(`new_column_name=${q(col)}`);
      const lines: string[] = [];
      if (parts.length) lines.push(`op.alter_column(${q(table)}, ${q(target)}, ${parts.join(', ')}${schema})`);
      if (missing.length) lines.push(...manual(`cannot restore ${missing.join(', ')}`));
      return lines;
    }
    case 'drop_table':
    case 'drop_column':
    case 'drop_index':
    case 'drop_constraint':
      return manual('cannot reverse a drop: the dropped definition is not in this migration');
    case 'execute':
      return manual('reverse this SQL by hand');
    default:
      return [];
  }
}

/** The generated body of `downgrade()`: the reverses of `upgrade()`'s operations, last first. */
export function generateDowngradeBody(parsed: ParsedMigration, indent = '    '): string {
  const ups = parsed.calls.filter((c) => c.functionName === 'upgrade' && /^(?:op|\w+)\.\w+$/.test(c.call.callee));
  const lines: string[] = [];
  const seen = new Set<number>();
  for (const site of ups.reverse()) {
    if (seen.has(site.call.start)) continue;
    seen.add(site.call.start);
    const rev = reverseCall(site, parsed.text);
    if (!rev.length) continue;
    if (site.inAutocommitBlock) {
      lines.push('with op.get_context().autocommit_block():');
      lines.push(...rev.map((l) => indent + l));
    } else lines.push(...rev);
  }
  return lines.length ? lines.map((l) => indent + l).join('\n') : `${indent}pass`;
}
