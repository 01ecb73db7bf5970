import type { Expr } from '../../migrationParser';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { isColumn } from './callArgs';

const id = 'identifier-too-long';

/** Operations whose arguments name database objects. */
const NAMING_OPS = new Set([
  'create_table',
  'add_column',
  'alter_column',
  'rename_table',
  'create_index',
  'create_foreign_key',
  'create_check_constraint',
  'create_unique_constraint',
  'create_primary_key',
  'create_exclude_constraint',
]);

export const identifierTooLong: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (!NAMING_OPS.has(context.op)) return;
    const call = site.call;
    // The object's own name (first argument, unless batch), new names, and column names.
    const names: Expr[] = [];
    const first = call.args.filter((a) => a.name === undefined)[context.batch ? -1 : 0];
    if (first && !context.batch) names.push(first.value);
    for (const a of call.args) {
      if (a.name === 'new_column_name' || a.name === 'new_table_name') names.push(a.value);
      if (isColumn(a.value) && a.value.args[0]) names.push(a.value.args[0].value);
    }
    for (const e of names) {
      if (e.kind !== 'string') continue;
      const bytes = Buffer.byteLength(e.value, 'utf8');
      if (bytes > 63)
        context.report(
          id,
          e.range,
          `'${e.value}' is ${bytes} bytes: PostgreSQL silently truncates identifiers to 63 bytes, so later operations by this name miss.`,
        );
    }
  },
};
