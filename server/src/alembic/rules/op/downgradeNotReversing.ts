import type { FunctionInfo, ParsedMigration } from '../../migrationParser';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { droppedBy, removes } from '../../schemaObjects';

const id = 'downgrade-not-reversing';

/**
 * Objects `upgrade()` creates (op.* or SQL) that `downgrade()` leaves: not dropped by name,
 * nor with their table or one of their columns (PostgreSQL's cascade). Silent when the
 * downgrade runs SQL that cannot be read, and for `IF NOT EXISTS` creations (re-running them
 * over a leftover is harmless).
 */
export const downgradeNotReversing: OpRule = {
  id,
  meta: catalogMeta(id),
  checkFile(parsed, context) {
    const fn = parsed.functions.find((f) => f.name === 'downgrade');
    if (!fn || fn.isEmpty || refusesToRun(parsed, fn)) return;
    const up = context.objects.get('upgrade');
    const down = droppedBy(context.objects, 'downgrade');
    if (!up || down.opaque) return;
    for (const o of up.created) {
      // Dropped or renamed away in upgrade() (a replacement of an object that existed before,
      // or a scratch table), or removed by downgrade().
      if (o.ifNotExists || removes(up.dropped, o) || up.renamedAway.has(o.key) || removes(down.dropped, o)) continue;
      context.report(id, o.range, `upgrade() creates ${o.what}, but downgrade() does not remove it: a downgrade followed by an upgrade fails on the leftover.`);
    }
  },
};

/**
 * A function whose first statement is `raise` (after comments and a docstring): a downgrade
 * written that way declares the migration irreversible, so it has nothing to remove.
 */
function refusesToRun(parsed: ParsedMigration, fn: FunctionInfo): boolean {
  const body = parsed.text.slice(parsed.lines.offsetAt(fn.bodyRange.start), parsed.lines.offsetAt(fn.bodyRange.end));
  return /^(?:\s+|#[^\n]*|[rRuU]?("""|''')[\s\S]*?\1|[rRuU]?("|')[^\n]*?\2)*raise\b/.test(body);
}
