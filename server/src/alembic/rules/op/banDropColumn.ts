import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';

const id = 'ban-drop-column';

export const banDropColumn: OpRule = {
  id,
  meta: catalogMeta(id),
  check(_site, context) {
    if (context.op === 'drop_column' && context.inUpgrade && !context.isNew(context.table)) {
      context.report(
        id,
        context.name,
        'Dropping a column breaks running code that still reads it: first deploy code that no longer uses it, then drop it in a later contract migration.',
      );
    }
  },
};
