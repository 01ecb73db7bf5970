import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { kw } from './callArgs';

const id = 'changing-column-type';

export const changingColumnType: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'alter_column' || !context.inUpgrade || context.isNew(context.table)) return;
    const type = kw(site.call, 'type_');
    if (type)
      context.report(
        id,
        type.range,
        'Changing a column type rewrites the table under ACCESS EXCLUSIVE for most type changes: add a new column, backfill, switch reads, then drop the old one (expand / migrate / contract).',
      );
  },
};
