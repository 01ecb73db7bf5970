import { argOf, stringArg } from '../../downgradeGen';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { cascades, nameOf } from '../../schemaObjects';
import { isTrue, kw } from './callArgs';

const id = 'require-concurrent-index-deletion';

export const requireConcurrentIndexDeletion: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'drop_index' || isTrue(kw(site.call, 'postgresql_concurrently'))) return;
    if (!context.inUpgrade && site.functionName !== 'downgrade') return;
    const t = context.batch ? context.table : stringArg(site.call, 1, 'table_name');
    const index = nameOf(argOf(site.call, 0, 'index_name'));
    // Quiet when nothing live is locked: the index or its table is new in this function; or
    // when this function drops the index's table or one of its columns anyway (that locks
    // the table the same, and would drop the index with it).
    const fn = context.fn;
    // The index as this migration creates it somewhere (downgrade() re-creating what upgrade() drops): its columns.
    const known = index === undefined ? [] : [...context.objects.values()].flatMap((f) => f.created.filter((x) => x.key === `index:${index}`));
    const quiet =
      (index !== undefined && context.createdBefore(`index:${index}`)) ||
      context.isNew(t) ||
      (!!t && !!fn?.dropped.tables.has(t)) ||
      (!!fn && known.some((x) => cascades(fn.dropped, x)));
    if (!quiet) {
      context.report(
        id,
        context.name,
        `DROP INDEX takes an ACCESS EXCLUSIVE lock on ${t ?? 'the table'}${context.inUpgrade ? '' : ' (a downgrade runs against the live table too)'}: pass postgresql_concurrently=True inside \`with op.get_context().autocommit_block():\`.`,
      );
    }
  },
};
