import { stringArg } from '../../downgradeGen';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';

const id = 'ban-drop-table';

export const banDropTable: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'drop_table') return;
    const t = stringArg(site.call, 0, 'table_name');
    if (context.inUpgrade && !context.isNew(t))
      context.report(
        id,
        context.name,
        'Dropping a table breaks running code and loses its data: stop using it first, back it up, then drop it in a later contract migration.',
      );
  },
};
