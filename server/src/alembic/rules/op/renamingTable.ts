import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';

const id = 'renaming-table';

export const renamingTable: OpRule = {
  id,
  meta: catalogMeta(id),
  check(_site, context) {
    if (context.op === 'rename_table' && context.inUpgrade)
      context.report(
        id,
        context.name,
        'Renaming a table breaks every running instance that still uses the old name: create a view with the old name, or migrate in steps.',
      );
  },
};
