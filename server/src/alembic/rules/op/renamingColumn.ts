import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { kw } from './callArgs';

const id = 'renaming-column';

export const renamingColumn: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'alter_column' || !context.inUpgrade || context.isNew(context.table)) return;
    const rename = kw(site.call, 'new_column_name');
    if (rename)
      context.report(
        id,
        rename.range,
        'Renaming a column breaks every running instance that still uses the old name: add the new column, write both, backfill, switch reads, then drop the old one.',
      );
  },
};
